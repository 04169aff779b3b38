package netstack_test

import (
	"testing"
	"time"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/link/channel"
	"gvisor.dev/gvisor/pkg/tcpip/link/ethernet"
	"gvisor.dev/gvisor/pkg/tcpip/network/arp"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"

	"github.com/cohesix/cohesix/netstack"
	"github.com/cohesix/cohesix/netstack/virtio/virtiosim"
)

var (
	guestMAC = [6]byte{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}
	peerMAC  = tcpip.LinkAddress("\x52\x55\x0a\x00\x02\x02")
	peerAddr = tcpip.AddrFrom4([4]byte{10, 0, 2, 2})
	t0       = time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC)
)

// harness wires a Stack over the simulated virtio device to a peer: either
// a second gVisor stack on a channel endpoint (10.0.2.2, like QEMU's slirp
// gateway) or the test itself, handling raw frames.
type harness struct {
	t    testing.TB
	dev  *virtiosim.Device
	st   *netstack.Stack
	now  time.Time
	peer *stack.Stack
	ch   *channel.Endpoint
	// raw, when set, receives the guest's frames instead of the peer.
	raw func(frame []byte)
	// backlog holds peer frames the device had no rx buffer for. QEMU's
	// virtio-net likewise stops taking from its backend while the rx ring
	// is empty rather than dropping.
	backlog [][]byte
}

func newHarness(t testing.TB, cfg netstack.Config, withPeer bool) *harness {
	t.Helper()
	return newHarnessDMA(t, cfg, withPeer, false)
}

// newHarnessDMA is newHarness over DMA that is coherent or, with
// nonCoherent, kept in step only by the driver's cache maintenance.
func newHarnessDMA(t testing.TB, cfg netstack.Config, withPeer, nonCoherent bool) *harness {
	t.Helper()
	dev := virtiosim.New(guestMAC)
	if nonCoherent {
		dev.NonCoherent = true
		cfg.Cache = dev
	}
	cfg.Start = t0
	st, err := netstack.New(dev, cfg)
	if err != nil {
		t.Fatalf("netstack.New: %v", err)
	}
	h := &harness{t: t, dev: dev, st: st, now: t0}
	t.Cleanup(st.Close)
	if withPeer {
		h.peer = stack.New(stack.Options{
			NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol, arp.NewProtocol},
			TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol},
		})
		h.ch = channel.New(1024, 1514, peerMAC)
		if err := h.peer.CreateNIC(1, ethernet.New(h.ch)); err != nil {
			t.Fatal(err)
		}
		pa := tcpip.ProtocolAddress{Protocol: ipv4.ProtocolNumber, AddressWithPrefix: peerAddr.WithPrefix()}
		pa.AddressWithPrefix.PrefixLen = 24
		if err := h.peer.AddProtocolAddress(1, pa, stack.AddressProperties{}); err != nil {
			t.Fatal(err)
		}
		h.peer.SetRouteTable([]tcpip.Route{{Destination: pa.AddressWithPrefix.Subnet(), NIC: 1}})
		t.Cleanup(func() { h.ch.Close(); h.peer.Close(); h.peer.Wait() })
	}
	return h
}

// step advances simulated time by 1ms, polls the stack, and moves frames
// across the wire in both directions.
func (h *harness) step() {
	h.now = h.now.Add(time.Millisecond)
	h.st.Poll(h.now, time.Millisecond)
	h.wire()
}

func (h *harness) wire() {
	for _, f := range h.dev.TakeTx() {
		switch {
		case h.raw != nil:
			h.raw(f)
		case h.ch != nil:
			pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{Payload: buffer.MakeWithData(f)})
			h.ch.InjectInbound(header.IPv4ProtocolNumber, pkt)
			pkt.DecRef()
		}
	}
	if h.ch == nil {
		return
	}
	for len(h.backlog) > 0 && h.dev.Inject(h.backlog[0]) {
		h.backlog = h.backlog[1:]
	}
	for len(h.backlog) == 0 {
		pkt := h.ch.Read()
		if pkt == nil {
			break
		}
		v := pkt.ToView()
		if !h.dev.Inject(v.AsSlice()) {
			h.backlog = append(h.backlog, append([]byte(nil), v.AsSlice()...))
		}
		v.Release()
		pkt.DecRef()
	}
}

// until steps until cond holds, failing after max steps. The peer runs on
// real goroutines, so idle steps sleep a little to let it answer.
func (h *harness) until(what string, max int, cond func() bool) {
	h.t.Helper()
	for i := 0; i < max; i++ {
		if cond() {
			return
		}
		h.step()
		if i%16 == 15 {
			time.Sleep(50 * time.Microsecond)
		}
	}
	h.t.Fatalf("%s: not reached after %d steps (stats %+v)", what, max, h.st.Stats())
}

func (h *harness) checkDevice() {
	h.t.Helper()
	if _, _, err := h.dev.Stats(); err != nil {
		h.t.Fatalf("device saw a driver protocol error: %v", err)
	}
	if err := h.st.Err(); err != nil {
		h.t.Fatalf("link stopped: %v", err)
	}
}

func newHarnessDevice() *virtiosim.Device { return virtiosim.New(guestMAC) }
