// Package link is a gVisor stack.LinkEndpoint over a polled Ethernet
// device, normally the virtio-net driver.
//
// Nothing here runs on its own. Poll, called by the event pump, reclaims
// finished tx descriptors and moves a bounded batch of received frames into
// the stack. Outbound packets go straight from WritePackets into the
// device's tx ring, which is the bounded queue: when every descriptor is in
// flight, even after reclaiming, the packet is dropped and counted, as a
// NIC with a full ring does. TCP retransmits; ARP and ICMP are best effort.
package link

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"gvisor.dev/gvisor/pkg/buffer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/stack"

	"github.com/cohesix/cohesix/netstack/virtio"
)

// Device is a polled Ethernet NIC. *virtio.Net implements it. It need not
// be safe for concurrent use; the endpoint serialises calls.
type Device interface {
	MAC() [6]byte
	// TransmitSlices posts one frame (without FCS) given in pieces;
	// virtio.ErrTxFull when the ring is full.
	TransmitSlices(parts [][]byte) error
	// Flush tells the device about posted frames.
	Flush()
	// Reclaim takes back finished tx buffers.
	Reclaim() (int, error)
	// Receive hands up to max frames to deliver; the slice is only valid
	// during the call.
	Receive(max int, deliver func(frame []byte)) (int, error)
	// Pending reports whether completions wait.
	Pending() bool
}

// InterruptAcker is implemented by devices with an interrupt line to lower
// before their rings are drained (*virtio.Net does). Poll calls it first.
type InterruptAcker interface {
	AckInterrupt() uint32
}

// Resetter is implemented by devices that can be reset after a failure
// (*virtio.Net does). Poll retries every ResetInterval while the device
// stays failed.
type Resetter interface {
	Reset() error
}

// ResetInterval spaces reset attempts of a failed device.
const ResetInterval = time.Second

var (
	_ Device         = (*virtio.Net)(nil)
	_ InterruptAcker = (*virtio.Net)(nil)
	_ Resetter       = (*virtio.Net)(nil)
)

// DefaultRxBatch bounds the frames one Poll delivers.
const DefaultRxBatch = 32

// Stats are the endpoint's counters.
type Stats struct {
	RxPackets, TxPackets uint64
	RxMalformed          uint64 // shorter than an Ethernet header
	RxNoDispatcher       uint64 // arrived before the NIC was attached
	TxDropRingFull       uint64 // tx ring full after reclaiming
	TxDropError          uint64 // device refused the frame (size, broken)
	DeviceErrors         uint64 // times the device was found broken
	Resets               uint64 // successful resets after a failure
}

// Endpoint implements stack.LinkEndpoint.
type Endpoint struct {
	mu         sync.Mutex // serialises the device; never held while calling into the stack
	dev        Device
	dispatcher stack.NetworkDispatcher
	mtu        uint32
	mac        tcpip.LinkAddress
	onClose    func()
	rxBatch    int
	rx         []buffer.Buffer // reused batch of copies made under mu
	parts      [][]byte
	devErr     error
	nextReset  time.Time

	rxPackets, txPackets, rxMalformed, rxNoDispatcher, txDropFull, txDropErr atomic.Uint64
	devErrors, resets                                                        atomic.Uint64
}

var _ stack.LinkEndpoint = (*Endpoint)(nil)

// New returns an endpoint over dev with the given MTU (IP bytes per frame;
// 1500 for Ethernet) and rx batch (DefaultRxBatch when <= 0).
func New(dev Device, mtu uint32, rxBatch int) *Endpoint {
	if rxBatch <= 0 {
		rxBatch = DefaultRxBatch
	}
	mac := dev.MAC()
	return &Endpoint{
		dev:     dev,
		mtu:     mtu,
		mac:     tcpip.LinkAddress(mac[:]),
		rxBatch: rxBatch,
		rx:      make([]buffer.Buffer, 0, rxBatch),
	}
}

// Poll reclaims tx, delivers up to the rx batch, and returns now when
// more work waits (zero otherwise; the device raises no event the pump can
// see, so the caller decides how often to look again).
func (e *Endpoint) Poll(now time.Time, _ time.Duration) time.Time {
	e.mu.Lock()
	d := e.dispatcher
	if e.devErr != nil && !e.tryReset(now) {
		next := e.nextReset
		e.mu.Unlock()
		return next
	}
	if a, ok := e.dev.(InterruptAcker); ok {
		a.AckInterrupt() // before draining, so a frame landing after it raises the line again
	}
	if _, err := e.dev.Reclaim(); err != nil {
		e.fail(err, now)
	}
	rx := e.rx[:0]
	n, err := e.dev.Receive(e.rxBatch, func(f []byte) {
		rx = append(rx, buffer.MakeWithData(f))
	})
	if err != nil {
		e.fail(err, now)
	}
	more := e.devErr == nil && (n >= e.rxBatch || e.dev.Pending())
	e.mu.Unlock()

	// Deliver outside mu: the stack answers ARP and ICMP inline, calling
	// WritePackets on this goroutine.
	for i := range rx {
		e.deliver(d, rx[i])
		rx[i] = buffer.Buffer{}
	}
	e.rx = rx[:0]
	if more {
		return now
	}
	return time.Time{}
}

// fail records a device failure; the first reset is tried on the next
// Poll. Requires e.mu.
func (e *Endpoint) fail(err error, now time.Time) {
	if e.devErr == nil {
		e.devErr = err
		e.devErrors.Add(1)
		e.nextReset = now
	}
}

// tryReset resets a failed device if it can be and it is time, and reports
// whether the device works again. Requires e.mu.
func (e *Endpoint) tryReset(now time.Time) bool {
	r, ok := e.dev.(Resetter)
	if !ok || now.Before(e.nextReset) {
		return false
	}
	if err := r.Reset(); err != nil {
		e.nextReset = now.Add(ResetInterval)
		return false
	}
	e.devErr = nil
	e.resets.Add(1)
	return true
}

func (e *Endpoint) deliver(d stack.NetworkDispatcher, b buffer.Buffer) {
	if d == nil {
		e.rxNoDispatcher.Add(1)
		b.Release()
		return
	}
	pkt := stack.NewPacketBuffer(stack.PacketBufferOptions{Payload: b})
	defer pkt.DecRef()
	if !e.ParseHeader(pkt) {
		e.rxMalformed.Add(1)
		return
	}
	eth := header.Ethernet(pkt.LinkHeader().Slice())
	switch dst := eth.DestinationAddress(); {
	case dst == header.EthernetBroadcastAddress:
		pkt.PktType = tcpip.PacketBroadcast
	case header.IsMulticastEthernetAddress(dst):
		pkt.PktType = tcpip.PacketMulticast
	case dst == e.mac:
		pkt.PktType = tcpip.PacketHost
	default:
		pkt.PktType = tcpip.PacketOtherHost
	}
	e.rxPackets.Add(1)
	d.DeliverNetworkPacket(eth.Type(), pkt)
}

// Err is the device failure that stopped the endpoint, or nil.
func (e *Endpoint) Err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.devErr
}

// Stats returns the counters.
func (e *Endpoint) Stats() Stats {
	return Stats{
		RxPackets: e.rxPackets.Load(), TxPackets: e.txPackets.Load(),
		RxMalformed: e.rxMalformed.Load(), RxNoDispatcher: e.rxNoDispatcher.Load(),
		TxDropRingFull: e.txDropFull.Load(), TxDropError: e.txDropErr.Load(),
		DeviceErrors: e.devErrors.Load(), Resets: e.resets.Load(),
	}
}

// WritePackets implements stack.LinkWriter. Every packet is accounted for:
// posted to the ring or dropped and counted; it reports them all written,
// as a NIC would.
func (e *Endpoint) WritePackets(pkts stack.PacketBufferList) (int, tcpip.Error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, pkt := range pkts.AsSlice() {
		if e.devErr != nil {
			e.txDropErr.Add(1)
			continue
		}
		e.parts = pkt.AsSlices()
		err := e.dev.TransmitSlices(e.parts)
		if errors.Is(err, virtio.ErrTxFull) {
			if _, rerr := e.dev.Reclaim(); rerr != nil {
				e.fail(rerr, time.Time{})
			}
			err = e.dev.TransmitSlices(e.parts)
		}
		e.parts = nil
		switch {
		case err == nil:
			e.txPackets.Add(1)
		case errors.Is(err, virtio.ErrTxFull):
			e.txDropFull.Add(1)
		default:
			e.txDropErr.Add(1)
		}
	}
	e.dev.Flush()
	return pkts.Len(), nil
}

// MTU implements stack.LinkEndpoint.
func (e *Endpoint) MTU() uint32 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.mtu
}

// SetMTU implements stack.LinkEndpoint.
func (e *Endpoint) SetMTU(mtu uint32) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.mtu = mtu
}

// MaxHeaderLength implements stack.LinkEndpoint.
func (*Endpoint) MaxHeaderLength() uint16 { return header.EthernetMinimumSize }

// LinkAddress implements stack.LinkEndpoint.
func (e *Endpoint) LinkAddress() tcpip.LinkAddress {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.mac
}

// SetLinkAddress implements stack.LinkEndpoint. The device keeps filtering
// on its own MAC; this only changes the source address of frames.
func (e *Endpoint) SetLinkAddress(addr tcpip.LinkAddress) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.mac = addr
}

// Capabilities implements stack.LinkEndpoint: no offloads, so gVisor
// computes and checks every checksum; ARP resolves next hops.
func (*Endpoint) Capabilities() stack.LinkEndpointCapabilities {
	return stack.CapabilityResolutionRequired
}

// Attach implements stack.LinkEndpoint.
func (e *Endpoint) Attach(d stack.NetworkDispatcher) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.dispatcher = d
}

// IsAttached implements stack.LinkEndpoint.
func (e *Endpoint) IsAttached() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.dispatcher != nil
}

// Wait implements stack.LinkEndpoint; there are no goroutines to wait for.
func (*Endpoint) Wait() {}

// ARPHardwareType implements stack.LinkEndpoint.
func (*Endpoint) ARPHardwareType() header.ARPHardwareType { return header.ARPHardwareEther }

// AddHeader implements stack.LinkEndpoint.
func (*Endpoint) AddHeader(pkt *stack.PacketBuffer) {
	eth := header.Ethernet(pkt.LinkHeader().Push(header.EthernetMinimumSize))
	eth.Encode(&header.EthernetFields{
		SrcAddr: pkt.EgressRoute.LocalLinkAddress,
		DstAddr: pkt.EgressRoute.RemoteLinkAddress,
		Type:    pkt.NetworkProtocolNumber,
	})
}

// ParseHeader implements stack.LinkEndpoint.
func (*Endpoint) ParseHeader(pkt *stack.PacketBuffer) bool {
	_, ok := pkt.LinkHeader().Consume(header.EthernetMinimumSize)
	return ok
}

// Close implements stack.LinkEndpoint.
func (e *Endpoint) Close() {
	e.mu.Lock()
	f := e.onClose
	e.onClose = nil
	e.mu.Unlock()
	if f != nil {
		f()
	}
}

// SetOnCloseAction implements stack.LinkEndpoint.
func (e *Endpoint) SetOnCloseAction(f func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.onClose = f
}
