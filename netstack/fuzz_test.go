package netstack_test

import (
	"testing"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip/header"

	"github.com/cohesix/cohesix/netstack"
)

// FuzzInboundFrame feeds arbitrary frames from the wire through the
// driver, the link endpoint and gVisor's parsers while a listener is open.
// Nothing may panic, and the link must keep running.
func FuzzInboundFrame(f *testing.F) {
	f.Add(arpFrame(header.ARPRequest, peerMAC, peerAddr, guestAddr, ""))
	f.Add(echoRequest(1, 1, []byte("x")))
	f.Add(ethFrame(header.EthernetBroadcastAddress, peerMAC, header.IPv4ProtocolNumber, []byte{0x45, 0, 0, 20}))
	f.Add([]byte{})
	h := newHarness(f, netstack.DefaultConfig(), false)
	l, err := h.st.ListenTCP(31337, 4)
	if err != nil {
		f.Fatal(err)
	}
	h.raw = func([]byte) {}
	f.Fuzz(func(t *testing.T, frame []byte) {
		if len(frame) > 1514 {
			frame = frame[:1514]
		}
		h.dev.Inject(frame)
		for i := 0; i < 3; i++ {
			h.now = h.now.Add(time.Millisecond)
			h.st.Poll(h.now, time.Millisecond)
			h.wire()
		}
		if c, _ := l.Accept(); c != nil {
			c.Close()
		}
		if err := h.st.Err(); err != nil {
			t.Fatalf("link stopped: %v", err)
		}
	})
}
