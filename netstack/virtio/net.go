package virtio

import (
	"errors"
	"fmt"
)

// NetHeaderLen is the size of struct virtio_net_hdr under VIRTIO_F_VERSION_1
// (num_buffers is always present). It precedes every frame in both
// directions; this driver negotiates no offloads, so it is all zero on
// transmit and ignored on receive.
const NetHeaderLen = 12

// BufferSize is the size of each rx and tx buffer: the header plus a
// 1514-byte Ethernet frame fits with room to spare, and without
// VIRTIO_NET_F_MRG_RXBUF the device needs rx buffers that big.
const BufferSize = 2048

// MaxFrame is the largest Ethernet frame (without FCS) the driver carries.
const MaxFrame = BufferSize - NetHeaderLen

const (
	rxQueue = 0
	txQueue = 1
)

// ErrTxFull means every tx descriptor is in flight; the caller drops or
// retries after Reclaim.
var ErrTxFull = errors.New("virtio-net: tx ring full")

// ErrFrameSize means a frame is empty or larger than MaxFrame.
var ErrFrameSize = errors.New("virtio-net: frame size out of range")

// NetOptions tunes the driver.
type NetOptions struct {
	// QueueSize is the wanted number of descriptors per queue, rounded down
	// to a power of two and capped by the device. Zero means 64.
	QueueSize int
	// MAC is used when the device does not offer VIRTIO_NET_F_MAC.
	MAC [6]byte
}

// NetStats are the driver's counters.
type NetStats struct {
	RxFrames, TxFrames uint64
	RxBytes, TxBytes   uint64
	RxBadLength        uint64 // used element with a length outside the buffer
	BadUsedID          uint64 // used element naming a descriptor the device does not own
	TxFull             uint64 // Transmit refused because every descriptor was in flight
	Notifies           uint64
	Resets             uint64
}

// Net is a virtio-net device driven by polling. It is not safe for
// concurrent use; the link endpoint serialises access.
type Net struct {
	p      Platform
	regs   Region
	phys   uint64
	rx, tx *queue
	txFree []uint16
	mac    [6]byte
	feats  uint64
	broken error
	stats  NetStats
}

// OpenNet finds the first modern virtio-net transport in slots and brings
// it up (section 3.1.1): reset, acknowledge, negotiate VERSION_1 and MAC,
// set up the rx and tx queues, DRIVER_OK, then post every rx buffer.
func OpenNet(p Platform, slots Slots, opt NetOptions) (*Net, error) {
	f, err := Probe(p, slots, DeviceIDNet)
	if err != nil {
		return nil, err
	}
	n := &Net{p: p, regs: f.Regs, phys: f.Phys}
	if err := n.init(opt); err != nil {
		n.regs.Write32(regStatus, n.regs.Read32(regStatus)|StatusFailed)
		return nil, fmt.Errorf("virtio-net at %#x: %w", f.Phys, err)
	}
	return n, nil
}

func (n *Net) init(opt NetOptions) error {
	r := n.regs
	r.Write32(regStatus, 0)
	if s := r.Read32(regStatus); s != 0 {
		return fmt.Errorf("reset: status %#x stayed non-zero", s)
	}
	r.Write32(regStatus, StatusAcknowledge)
	r.Write32(regStatus, StatusAcknowledge|StatusDriver)

	r.Write32(regDeviceFeaturesSel, 0)
	offered := uint64(r.Read32(regDeviceFeatures))
	r.Write32(regDeviceFeaturesSel, 1)
	offered |= uint64(r.Read32(regDeviceFeatures)) << 32
	if offered&FeatureVersion1 == 0 {
		return fmt.Errorf("device does not offer VIRTIO_F_VERSION_1 (features %#x)", offered)
	}
	n.feats = offered & (FeatureVersion1 | FeatureNetMAC)
	r.Write32(regDriverFeaturesSel, 0)
	r.Write32(regDriverFeatures, uint32(n.feats))
	r.Write32(regDriverFeaturesSel, 1)
	r.Write32(regDriverFeatures, uint32(n.feats>>32))
	r.Write32(regStatus, StatusAcknowledge|StatusDriver|StatusFeaturesOK)
	if r.Read32(regStatus)&StatusFeaturesOK == 0 {
		return fmt.Errorf("device refused features %#x", n.feats)
	}

	want := opt.QueueSize
	if want <= 0 {
		want = 64
	}
	var err error
	if n.rx, err = n.setupQueue(n.rx, rxQueue, want); err != nil {
		return err
	}
	if n.tx, err = n.setupQueue(n.tx, txQueue, want); err != nil {
		return err
	}
	// Finished transmits are reclaimed on the next write or poll; they need
	// not wake the CPU (VIRTQ_AVAIL_F_NO_INTERRUPT). Received frames do.
	le.PutUint16(n.tx.rings.Bytes()[n.tx.availAt:], availFlagNoInterrupt)
	n.txFree = n.txFree[:0]
	for i := int(n.tx.size) - 1; i >= 0; i-- {
		n.txFree = append(n.txFree, uint16(i))
	}

	n.mac = opt.MAC
	if n.feats&FeatureNetMAC != 0 {
		n.mac = n.readMAC()
	}

	r.Write32(regStatus, StatusAcknowledge|StatusDriver|StatusFeaturesOK|StatusDriverOK)
	for id := uint16(0); id < n.rx.size; id++ {
		n.rx.post(id, BufferSize, descFlagWrite)
	}
	n.kick(n.rx)
	return nil
}

// setupQueue programs queue index. A nil q is allocated at the wanted size
// (capped by the device, rounded down to a power of two); an existing one,
// after Reset, is cleared and reused, so reset never allocates.
func (n *Net) setupQueue(q *queue, index uint16, want int) (*queue, error) {
	r := n.regs
	r.Write32(regQueueSel, uint32(index))
	if r.Read32(regQueueReady) != 0 {
		return nil, fmt.Errorf("queue %d already live", index)
	}
	max := int(r.Read32(regQueueNumMax))
	if max == 0 {
		return nil, fmt.Errorf("queue %d not available", index)
	}
	if q == nil {
		if want > max {
			want = max
		}
		if want > 1<<15 {
			want = 1 << 15
		}
		size := 1
		for size*2 <= want {
			size *= 2
		}
		var err error
		if q, err = newQueue(n.p, index, uint16(size), BufferSize); err != nil {
			return nil, err
		}
	} else {
		if int(q.size) > max {
			return nil, fmt.Errorf("queue %d: device now offers %d descriptors, driver has %d", index, max, q.size)
		}
		q.clear()
	}
	base := q.rings.Phys()
	r.Write32(regQueueNum, uint32(q.size))
	put64(r, regQueueDescLow, base)
	put64(r, regQueueDriverLow, base+uint64(q.availAt))
	put64(r, regQueueDeviceLow, base+uint64(q.usedAt))
	r.Write32(regQueueReady, 1)
	return q, nil
}

// Reset puts the device through a full reset and brings it up again with
// the same queues and buffers, dropping whatever was in flight: the way
// back from ErrDeviceBroken or DEVICE_NEEDS_RESET. TCP recovers the lost
// frames by retransmission.
func (n *Net) Reset() error {
	n.broken = nil
	n.stats.Resets++
	if err := n.init(NetOptions{MAC: n.mac}); err != nil {
		n.broken = fmt.Errorf("virtio-net: reset: %w", err)
		n.regs.Write32(regStatus, n.regs.Read32(regStatus)|StatusFailed)
		return n.broken
	}
	return nil
}

// CheckStatus reads the device status and marks the driver broken if the
// device asks for a reset (DEVICE_NEEDS_RESET) or has failed. Call it when
// the interrupt status shows a configuration change.
func (n *Net) CheckStatus() error {
	if n.broken != nil {
		return n.broken
	}
	if s := n.regs.Read32(regStatus); s&(StatusDeviceNeedsReset|StatusFailed) != 0 || s&StatusDriverOK == 0 {
		n.broken = fmt.Errorf("%w: device status %#x", ErrDeviceBroken, s)
	}
	return n.broken
}

func put64(r Region, low uint32, v uint64) {
	r.Write32(low, uint32(v))
	r.Write32(low+4, uint32(v>>32))
}

// readMAC reads the MAC from config space, retrying while the config
// generation changes under it (section 4.2.2.2).
func (n *Net) readMAC() [6]byte {
	var mac [6]byte
	for tries := 0; tries < 4; tries++ {
		gen := n.regs.Read32(regConfigGeneration)
		for i := range mac {
			mac[i] = n.regs.Read8(regConfig + uint32(i))
		}
		if n.regs.Read32(regConfigGeneration) == gen {
			break
		}
	}
	return mac
}

func (n *Net) kick(q *queue) {
	if !q.pending {
		return
	}
	q.publish(n.p)
	n.regs.Write32(regQueueNotify, uint32(q.index))
	q.pending = false
	n.stats.Notifies++
}

// MAC is the device's hardware address.
func (n *Net) MAC() [6]byte { return n.mac }

// Phys is the physical base of the transport, for logs.
func (n *Net) Phys() uint64 { return n.phys }

// Stats returns a copy of the counters.
func (n *Net) Stats() NetStats { return n.stats }

// Err is the reason the driver stopped trusting the device, or nil.
func (n *Net) Err() error { return n.broken }

// TxFree is the number of tx descriptors the driver holds.
func (n *Net) TxFree() int { return len(n.txFree) }

// QueueSizes reports the negotiated rx and tx queue sizes.
func (n *Net) QueueSizes() (rx, tx int) { return int(n.rx.size), int(n.tx.size) }

// Transmit copies frame into a free tx buffer and posts it. The device is
// not told until Flush, so a burst costs one notify. ErrTxFull means every
// descriptor is in flight: call Reclaim, and if still full, drop.
func (n *Net) Transmit(frame []byte) error {
	return n.TransmitSlices([][]byte{frame})
}

// TransmitSlices is Transmit for a frame held in pieces, copied in order.
func (n *Net) TransmitSlices(parts [][]byte) error {
	if n.broken != nil {
		return n.broken
	}
	size := 0
	for _, p := range parts {
		size += len(p)
	}
	if size == 0 || size > MaxFrame {
		return fmt.Errorf("%w: %d bytes", ErrFrameSize, size)
	}
	if len(n.txFree) == 0 {
		n.stats.TxFull++
		return ErrTxFull
	}
	id := n.txFree[len(n.txFree)-1]
	n.txFree = n.txFree[:len(n.txFree)-1]
	b := n.tx.buf(id)
	clear(b[:NetHeaderLen])
	off := NetHeaderLen
	for _, p := range parts {
		off += copy(b[off:], p)
	}
	n.tx.post(id, off, 0)
	n.stats.TxFrames++
	n.stats.TxBytes += uint64(size)
	return nil
}

// Flush tells the device about frames posted since the last Flush.
func (n *Net) Flush() {
	if n.broken == nil {
		n.kick(n.tx)
	}
}

// Reclaim takes back tx descriptors the device has finished with and
// returns how many.
func (n *Net) Reclaim() (int, error) {
	if n.broken != nil {
		return 0, n.broken
	}
	n.p.Barrier() // see the device's latest index (keeps simulations race-clean)
	ready, err := n.tx.ready()
	if err != nil {
		n.broken = err
		return 0, err
	}
	n.p.Barrier() // read elements only after the index that covers them
	got := 0
	for ; ready > 0; ready-- {
		id, _, ok := n.tx.next()
		if !ok {
			n.stats.BadUsedID++
			continue
		}
		n.txFree = append(n.txFree, id)
		got++
	}
	return got, nil
}

// Receive hands at most max received frames to deliver, in arrival order,
// and gives their buffers back to the device. The slice passed to deliver
// is only valid during the call. It returns the number of used elements
// consumed, which may exceed the frames delivered when the device reported
// bad lengths or descriptors.
func (n *Net) Receive(max int, deliver func(frame []byte)) (int, error) {
	if n.broken != nil {
		return 0, n.broken
	}
	n.p.Barrier()
	ready, err := n.rx.ready()
	if err != nil {
		n.broken = err
		return 0, err
	}
	if ready > max {
		ready = max
	}
	n.p.Barrier()
	for i := 0; i < ready; i++ {
		id, length, ok := n.rx.next()
		if !ok {
			n.stats.BadUsedID++
			continue
		}
		if length <= NetHeaderLen || length > BufferSize {
			n.stats.RxBadLength++
		} else {
			n.stats.RxFrames++
			n.stats.RxBytes += uint64(length - NetHeaderLen)
			deliver(n.rx.buf(id)[NetHeaderLen:length])
		}
		n.rx.post(id, BufferSize, descFlagWrite)
	}
	n.kick(n.rx)
	return ready, nil
}

// Pending reports whether used elements wait on either queue.
func (n *Net) Pending() bool {
	if n.broken != nil {
		return false
	}
	n.p.Barrier()
	return n.rx.usedIdx() != n.rx.lastUsed || n.tx.usedIdx() != n.tx.lastUsed
}

// AckInterrupt reads and acknowledges the interrupt status. The device
// raises its (level-triggered) line when frames arrive; a platform whose
// idle wakes on that line needs it lowered before the rings are drained, or
// idle returns at once forever. Stack.Poll calls it first thing.
func (n *Net) AckInterrupt() uint32 {
	s := n.regs.Read32(regInterruptStatus)
	if s != 0 {
		n.regs.Write32(regInterruptACK, s)
	}
	if s&interruptConfig != 0 {
		n.CheckStatus()
	}
	return s
}

// interruptConfig is the configuration-change bit of the interrupt
// status (section 4.2.2); bit 0, used buffer, needs no action since Poll
// drains the rings anyway.
const interruptConfig = 2
