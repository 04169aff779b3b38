package netstack_test

import (
	"io"
	"net"
	"testing"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"

	"github.com/cohesix/cohesix/netstack"
)

// benchConn sets up a guest listener, a peer connection to it, and
// returns both ends once accepted.
func benchConn(b *testing.B) (*harness, *netstack.Conn, net.Conn) {
	h := newHarness(b, netstack.DefaultConfig(), true)
	l, err := h.st.ListenTCP(31337, 4)
	if err != nil {
		b.Fatal(err)
	}
	peer := make(chan net.Conn, 1)
	go func() {
		c, err := gonet.DialTCP(h.peer, tcpip.FullAddress{NIC: 1, Addr: guestAddr, Port: 31337}, ipv4.ProtocolNumber)
		if err != nil {
			b.Error(err)
			c = nil
		}
		peer <- c
	}()
	var conn *netstack.Conn
	h.until("accept", 100000, func() bool {
		conn, _ = l.Accept()
		return conn != nil
	})
	pc := <-peer
	if pc == nil {
		b.FailNow()
	}
	b.Cleanup(func() { pc.Close(); conn.Close() })
	return h, conn, pc
}

// BenchmarkTCPRoundTrip measures, through the simulated virtio device and
// the pump-driven stack:
//
//	latency: one 64-byte request from the peer echoed by the guest (ns/op
//	is the round trip, polling the guest as fast as it goes);
//	stream: bytes/s from the peer into the guest in 64 KiB writes.
func BenchmarkTCPRoundTrip(b *testing.B) {
	b.Run("latency", func(b *testing.B) {
		h, conn, pc := benchConn(b)
		msg := make([]byte, 64)
		got := make([]byte, 64)
		buf := make([]byte, 64)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			done := make(chan error, 1)
			go func() {
				if _, err := pc.Write(msg); err != nil {
					done <- err
					return
				}
				_, err := io.ReadFull(pc, got)
				done <- err
			}()
			for echoed := 0; ; {
				n, err := conn.Read(buf)
				if err != nil {
					b.Fatal(err)
				}
				if n > 0 {
					conn.Write(buf[:n])
					echoed += n
				}
				select {
				case err := <-done:
					if err != nil {
						b.Fatal(err)
					}
					goto next
				default:
				}
				h.step()
			}
		next:
		}
	})
	b.Run("stream", func(b *testing.B) {
		h, conn, pc := benchConn(b)
		const chunk = 64 << 10
		b.SetBytes(chunk)
		out := make([]byte, chunk)
		buf := make([]byte, 32<<10)
		done := make(chan error, 1)
		b.ResetTimer()
		go func() {
			for i := 0; i < b.N; i++ {
				if _, err := pc.Write(out); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		want := b.N * chunk
		for got := 0; got < want; {
			n, err := conn.Read(buf)
			if err != nil {
				b.Fatal(err)
			}
			got += n
			if n == 0 {
				h.step()
			}
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	})
}
