//go:build cohesix

// Command qemusmoke checks the netstack against QEMU's real virtio-net on
// bare virt: it brings the stack up at 10.0.2.15/24, listens on 31337 and
// echoes each line it reads; "sink N" makes it read N more bytes and answer
// "got"; "source N" makes it send N bytes; the line "quit" powers the
// machine off.
// run.sh boots it with the port forwarded and talks to it from the host.
// It builds only for GOOS=cohesix.
package main

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"github.com/cohesix/cohesix/kernel-glue/virt"
	"github.com/cohesix/cohesix/netstack"
	"github.com/cohesix/cohesix/netstack/virtio"
)

type platform struct{}

func (platform) MapMMIO(phys, size uint64) (virtio.Region, error) {
	m, err := virt.MapMMIO(phys, size)
	if err != nil {
		return nil, err
	}
	return m, nil
}

func (platform) AllocDMA(size int) (virtio.DMA, error) {
	d, err := virt.AllocDMA(size)
	if err != nil {
		return nil, err
	}
	return d, nil
}

func (platform) Barrier() { virt.Barrier() }

func main() {
	clock, waiter := virt.Clock{}, virt.Waiter{}
	cfg := netstack.DefaultConfig()
	cfg.Start = clock.Now()
	st, err := netstack.New(platform{}, cfg)
	if err != nil {
		fmt.Println("netstack smoke: FAIL", err)
		os.Exit(1)
	}
	l, err := st.ListenTCP(31337, 4)
	if err != nil {
		fmt.Println("netstack smoke: FAIL", err)
		os.Exit(1)
	}
	fmt.Printf("netstack smoke: listening on %s, mac %s\n", l.Addr(), st.MAC())

	var conns []*netstack.Conn
	var lines [][]byte
	var sink []int   // bytes still to swallow per connection
	var source []int // bytes still to send per connection
	out := bytes.Repeat([]byte("z"), 64<<10)
	buf := make([]byte, 64<<10)
	for {
		now := clock.Now()
		next := st.Poll(now, time.Millisecond)
		if c, err := l.Accept(); err != nil {
			fmt.Println("netstack smoke: accept:", err)
		} else if c != nil {
			fmt.Println("netstack smoke: accepted", c.RemoteAddr())
			conns = append(conns, c)
			lines = append(lines, nil)
			sink = append(sink, 0)
			source = append(source, 0)
		}
		for i, c := range conns {
			if c == nil {
				continue
			}
			for k := 0; source[i] > 0 && k < 16; k++ {
				chunk := out
				if source[i] < len(chunk) {
					chunk = chunk[:source[i]]
				}
				w, err := c.Write(chunk)
				if err != nil || w == 0 {
					break
				}
				source[i] -= w
			}
			// Drain what is readable: nothing will wake the loop for data
			// that already arrived.
			n, err := c.Read(buf)
			for k := 0; err == nil && n < len(buf) && k < 64; k++ {
				m, rerr := c.Read(buf[n:])
				if m == 0 {
					break
				}
				n, err = n+m, rerr
			}
			if err != nil {
				fmt.Println("netstack smoke: closed", c.RemoteAddr(), err)
				c.Close()
				conns[i] = nil
				continue
			}
			if sink[i] > 0 {
				sink[i] -= n
				if sink[i] <= 0 {
					sink[i] = 0
					c.Write([]byte("got\n"))
				}
				continue
			}
			lines[i] = append(lines[i], buf[:n]...)
			for {
				j := bytes.IndexByte(lines[i], '\n')
				if j < 0 {
					break
				}
				line := lines[i][:j+1]
				lines[i] = lines[i][j+1:]
				var want int
				if _, err := fmt.Sscanf(string(line), "sink %d", &want); err == nil && want > 0 {
					sink[i] = want - len(lines[i])
					lines[i] = nil
					if sink[i] <= 0 {
						sink[i] = 0
						c.Write([]byte("got\n"))
					}
					break
				}
				if _, err := fmt.Sscanf(string(line), "source %d", &want); err == nil && want > 0 {
					source[i] = want
					continue
				}
				if string(bytes.TrimSpace(line)) == "quit" {
					c.Write([]byte("bye\n"))
					for k := 0; k < 50; k++ { // let the reply and FIN go out
						c.CloseWrite()
						st.Poll(clock.Now(), time.Millisecond)
						waiter.Wait(clock.Now().Add(2 * time.Millisecond))
					}
					s := st.Stats()
					fmt.Printf("netstack smoke: stats polls %d rx %d tx %d frames, ring-full drops %d, timers fired %d\n", s.Polls,
						s.Device.RxFrames, s.Device.TxFrames, s.Link.TxDropRingFull, s.TimersFired)
					fmt.Println("netstack smoke: ok")
					os.Exit(0)
				}
				for len(line) > 0 { // echo; the smoke lines are small
					w, err := c.Write(line)
					if err != nil {
						break
					}
					line = line[w:]
					if w == 0 {
						st.Poll(clock.Now(), time.Millisecond)
					}
				}
			}
		}
		waiter.Wait(next)
	}
}
