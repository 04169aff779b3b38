package link

import (
	"bytes"
	"testing"
	"time"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/stack"

	"github.com/cohesix/cohesix/netstack/virtio"
)

// fakeDev is a Device with a tx ring of fixed capacity and an rx queue.
type fakeDev struct {
	txCap, inFlight int
	completed       int // tx completions Reclaim will report
	sent            [][]byte
	rx              [][]byte
	flushes         int
}

func (d *fakeDev) MAC() [6]byte { return [6]byte{2, 0, 0, 0, 0, 1} }
func (d *fakeDev) TransmitSlices(parts [][]byte) error {
	if d.inFlight == d.txCap {
		return virtio.ErrTxFull
	}
	d.inFlight++
	d.sent = append(d.sent, bytes.Join(parts, nil))
	return nil
}
func (d *fakeDev) Flush() { d.flushes++ }
func (d *fakeDev) Reclaim() (int, error) {
	n := d.completed
	d.inFlight -= n
	d.completed = 0
	return n, nil
}
func (d *fakeDev) Receive(max int, deliver func([]byte)) (int, error) {
	n := 0
	for ; n < max && len(d.rx) > 0; n++ {
		deliver(d.rx[0])
		d.rx = d.rx[1:]
	}
	return n, nil
}
func (d *fakeDev) Pending() bool { return len(d.rx) > 0 }

type recorder struct{ protos []tcpip.NetworkProtocolNumber }

func (r *recorder) DeliverNetworkPacket(p tcpip.NetworkProtocolNumber, pkt *stack.PacketBuffer) {
	r.protos = append(r.protos, p)
}
func (*recorder) DeliverLinkPacket(tcpip.NetworkProtocolNumber, *stack.PacketBuffer) {}

func frame(typ tcpip.NetworkProtocolNumber) []byte {
	f := make([]byte, header.EthernetMinimumSize+20)
	header.Ethernet(f).Encode(&header.EthernetFields{DstAddr: header.EthernetBroadcastAddress, SrcAddr: "\x02\x00\x00\x00\x00\x02", Type: typ})
	return f
}

func outbound(n int) stack.PacketBufferList {
	var l stack.PacketBufferList
	for i := 0; i < n; i++ {
		l.PushBack(stack.NewPacketBuffer(stack.PacketBufferOptions{Payload: buffer.MakeWithData([]byte{byte(i), 1, 2, 3})}))
	}
	return l
}

func TestWritePacketsDropsWhenRingFull(t *testing.T) {
	dev := &fakeDev{txCap: 2}
	e := New(dev, 1500, 4)
	pkts := outbound(5)
	defer pkts.DecRef()
	if n, err := e.WritePackets(pkts); n != 5 || err != nil {
		t.Fatalf("WritePackets = %d, %v; a NIC accounts for every packet", n, err)
	}
	if st := e.Stats(); st.TxPackets != 2 || st.TxDropRingFull != 3 {
		t.Fatalf("stats = %+v, want 2 sent, 3 dropped", st)
	}
	dev.completed = 2 // device finished; the next write reclaims and fits
	more := outbound(1)
	defer more.DecRef()
	e.WritePackets(more)
	if st := e.Stats(); st.TxPackets != 3 || dev.flushes != 2 {
		t.Fatalf("after reclaim: stats %+v, flushes %d", st, dev.flushes)
	}
	if !bytes.Equal(dev.sent[0], []byte{0, 1, 2, 3}) {
		t.Fatalf("first frame %x", dev.sent[0])
	}
}

func TestPollBatchesAndClassifies(t *testing.T) {
	dev := &fakeDev{}
	e := New(dev, 1500, 2)
	now := time.Unix(100, 0)

	dev.rx = [][]byte{frame(header.IPv4ProtocolNumber)}
	e.Poll(now, 0)
	if st := e.Stats(); st.RxNoDispatcher != 1 {
		t.Fatalf("frame before Attach: stats %+v", st)
	}

	r := &recorder{}
	e.Attach(r)
	dev.rx = [][]byte{frame(header.IPv4ProtocolNumber), frame(header.ARPProtocolNumber), {1, 2, 3}}
	if next := e.Poll(now, 0); !next.Equal(now) {
		t.Fatalf("Poll with a full batch returned %v, want now", next)
	}
	if next := e.Poll(now, 0); !next.IsZero() {
		t.Fatalf("Poll with the queue drained returned %v, want zero", next)
	}
	if len(r.protos) != 2 || r.protos[0] != header.IPv4ProtocolNumber || r.protos[1] != header.ARPProtocolNumber {
		t.Fatalf("delivered %v", r.protos)
	}
	if st := e.Stats(); st.RxMalformed != 1 || st.RxPackets != 2 {
		t.Fatalf("stats %+v", st)
	}
}
