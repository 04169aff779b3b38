// Command sizeprobe links the netstack the way the image does, for
// measuring what gVisor's tcpip costs in a stripped binary:
//
//	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -trimpath -ldflags='-s -w' -o /tmp/sizeprobe ./netstack/internal/sizeprobe
//
// It brings the stack up over the simulated device and serves one TCP
// listener, so nothing the image needs is dead-code eliminated.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/cohesix/cohesix/netstack"
	"github.com/cohesix/cohesix/netstack/virtio/virtiosim"
)

func main() {
	dev := virtiosim.New([6]byte{0x52, 0x54, 0, 0x12, 0x34, 0x56})
	cfg := netstack.DefaultConfig()
	cfg.Protocols = protocols
	s, err := netstack.New(dev, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	l, err := s.ListenTCP(31337, 8)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	now := time.Unix(0, 0)
	for i := 0; i < 10; i++ {
		now = now.Add(time.Millisecond)
		s.Poll(now, time.Millisecond)
		if c, _ := l.Accept(); c != nil {
			buf := make([]byte, 512)
			n, _ := c.Read(buf)
			c.Write(buf[:n])
			c.Close()
		}
	}
	fmt.Println(l.Addr(), s.Stats().Polls)
}
