package netstack_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"runtime"
	"testing"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/checksum"
	"gvisor.dev/gvisor/pkg/tcpip/header"

	"github.com/cohesix/cohesix/netstack"
)

func synFrame(srcPort uint16) []byte {
	ip := header.IPv4(make([]byte, header.IPv4MinimumSize+header.TCPMinimumSize))
	ip.Encode(&header.IPv4Fields{
		TotalLength: uint16(len(ip)), TTL: 64, Protocol: uint8(header.TCPProtocolNumber),
		SrcAddr: peerAddr, DstAddr: guestAddr,
	})
	ip.SetChecksum(^ip.CalculateChecksum())
	tcp := header.TCP(ip[header.IPv4MinimumSize:])
	tcp.Encode(&header.TCPFields{SrcPort: srcPort, DstPort: 31337, SeqNum: 1000, DataOffset: header.TCPMinimumSize, Flags: header.TCPFlagSyn, WindowSize: 65535})
	xsum := header.PseudoHeaderChecksum(header.TCPProtocolNumber, peerAddr, guestAddr, uint16(len(tcp)))
	tcp.SetChecksum(^checksum.Checksum(tcp, xsum))
	return ethFrame(tcpip.LinkAddress(guestMAC[:]), peerMAC, header.IPv4ProtocolNumber, ip)
}

// counterRNG is a repeatable stand-in for crypto/rand.
type counterRNG struct{ n uint64 }

func (r *counterRNG) Read(p []byte) (int, error) {
	for i := range p {
		if i%8 == 0 {
			r.n++
		}
		p[i] = byte(r.n >> (8 * (i % 8)))
	}
	return len(p), nil
}

// runTrace plays ARP, ping and an unanswered SYN against a fresh stack for
// 2.5 s of pump time and returns every frame it sent, stamped with the
// millisecond it left.
func runTrace(t *testing.T) (trace []string, synAcks []int) {
	cfg := netstack.DefaultConfig()
	cfg.Seed = 1
	cfg.SecureRNG = &counterRNG{}
	h := newHarness(t, cfg, false)
	if _, err := h.st.ListenTCP(31337, 4); err != nil {
		t.Fatal(err)
	}
	ms := 0
	h.raw = func(f []byte) {
		trace = append(trace, fmt.Sprintf("%d %x", ms, f))
		eth := header.Ethernet(f)
		if eth.Type() == header.IPv4ProtocolNumber {
			ip := header.IPv4(f[header.EthernetMinimumSize:])
			if ip.Protocol() == uint8(header.TCPProtocolNumber) {
				if fl := header.TCP(ip.Payload()).Flags(); fl == header.TCPFlagSyn|header.TCPFlagAck {
					synAcks = append(synAcks, ms)
				}
			}
		}
	}
	inject := map[int][]byte{
		1: arpFrame(header.ARPRequest, peerMAC, peerAddr, guestAddr, ""),
		3: echoRequest(9, 1, []byte("determinism")),
		5: synFrame(40001),
	}
	for ms = 0; ms < 2500; ms++ {
		if f, ok := inject[ms]; ok {
			h.dev.Inject(f)
		}
		h.step()
		runtime.Gosched() // hosted: let a parallel processor finish too
	}
	h.checkDevice()
	return trace, synAcks
}

// TestDeterministicTrace: with one P (as on the image), a seeded stack fed
// the same frames at the same pump times sends byte-identical frames at the
// same times, and TCP's SYN-ACK retransmission fires on pump time (about
// 1 s of it), not wall time (the run takes milliseconds).
func TestDeterministicTrace(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	start := time.Now()
	a, synA := runTrace(t)
	b, synB := runTrace(t)
	wall := time.Since(start)
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("traces differ in length: %d vs %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("frame %d differs:\n%s\n%s", i, a[i], b[i])
		}
	}
	if len(synA) < 2 || !equalInts(synA, synB) {
		t.Fatalf("SYN-ACKs at %v and %v; want a retransmission, identical in both runs", synA, synB)
	}
	if gap := synA[1] - synA[0]; gap < 900 || gap > 1100 {
		t.Errorf("SYN-ACK retransmitted after %d ms of pump time, want ~1000 (RTO)", gap)
	}
	t.Logf("%d frames per run, SYN-ACKs at %v ms of pump time, %v wall for both runs", len(a), synA, wall)
	var seen bool
	for _, f := range a {
		var ms int
		var hexf string
		fmt.Sscanf(f, "%d %s", &ms, &hexf)
		raw := make([]byte, len(hexf)/2)
		fmt.Sscanf(hexf, "%x", &raw)
		if len(raw) > 20 && binary.BigEndian.Uint16(raw[12:]) == uint16(header.IPv4ProtocolNumber) &&
			bytes.Contains(raw, []byte("determinism")) {
			seen = true
		}
	}
	if !seen {
		t.Errorf("no echo reply in the trace")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
