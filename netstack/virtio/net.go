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
	// Cache does the cache maintenance around every hand-off of DMA
	// memory between CPU and device; nil for none.
	Cache CacheMaintainer
	// Coherent, when set, reports whether the device at this physical
	// address does coherent DMA (a device tree's dma-coherent). For such a
	// device Cache still cleans the queues when they are handed over
	// (bring-up, reset) but not around every frame, which it does not need.
	Coherent func(phys uint64) bool
	// Audit, when set, receives one line each time whole DMA regions are
	// handed to the device (bring-up and reset) and when cache maintenance
	// fails, so the order of flushes and sharing shows in the boot log.
	Audit func(line string)
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
	CacheCleans        uint64 // CleanDMA calls
	CacheInvalidates   uint64 // InvalidateDMA calls
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
	cache  CacheMaintainer
	// perFrame is true when frames need maintenance too (cache set and
	// the device not coherent).
	perFrame bool
	audit    func(string)
}

// OpenNet finds the first modern virtio-net transport in slots and brings
// it up (section 3.1.1): reset, acknowledge, negotiate VERSION_1 and MAC,
// set up the rx and tx queues, DRIVER_OK, then post every rx buffer.
func OpenNet(p Platform, slots Slots, opt NetOptions) (*Net, error) {
	f, err := Probe(p, slots, DeviceIDNet)
	if err != nil {
		return nil, err
	}
	n := &Net{p: p, regs: f.Regs, phys: f.Phys, cache: opt.Cache, audit: opt.Audit}
	n.perFrame = n.cache != nil && (opt.Coherent == nil || !opt.Coherent(f.Phys))
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

	// The device may use the queues from DRIVER_OK on: everything the CPU
	// wrote into them (zeroes, the tx flags) must be in memory first.
	for _, q := range []*queue{n.rx, n.tx} {
		if err := n.share(q); err != nil {
			return err
		}
	}
	r.Write32(regStatus, StatusAcknowledge|StatusDriver|StatusFeaturesOK|StatusDriverOK)
	for id := uint16(0); id < n.rx.size; id++ {
		n.rx.post(id, BufferSize, descFlagWrite)
	}
	n.kick(n.rx)
	return n.broken
}

// share cleans q's rings and buffers whole before the device may use them,
// and audits the hand-off.
func (n *Net) share(q *queue) error {
	name := [...]string{rxQueue: "rx", txQueue: "tx"}[q.index]
	if n.cache == nil {
		n.logf("virtio-net: %s queue: rings pa %#x+%d, buffers pa %#x+%d shared with the device (no cache maintenance configured)",
			name, q.rings.Phys(), len(q.rings.Bytes()), q.bufs.Phys(), len(q.bufs.Bytes()))
		return nil
	}
	if !n.maintain(false, q.rings, 0, len(q.rings.Bytes())) || !n.maintain(false, q.bufs, 0, len(q.bufs.Bytes())) {
		return n.broken
	}
	frames := "each frame cleaned or invalidated as it passes"
	if !n.perFrame {
		frames = "the device does coherent DMA, so frames need no maintenance"
	}
	n.logf("virtio-net: %s queue: cache clean of rings pa %#x+%d and buffers pa %#x+%d before sharing them with the device; %s",
		name, q.rings.Phys(), len(q.rings.Bytes()), q.bufs.Phys(), len(q.bufs.Bytes()), frames)
	return nil
}

func (n *Net) logf(format string, args ...any) {
	if n.audit != nil {
		n.audit(fmt.Sprintf(format, args...))
	}
}

// clean writes back [off, off+size) of d for the device; invalidate drops
// the CPU's copy of it before the driver reads what the device wrote there.
// Both are the per-frame maintenance, skipped for a coherent device.
func (n *Net) clean(d DMA, off, size int) bool {
	if !n.perFrame {
		return n.broken == nil
	}
	return n.maintain(false, d, off, size)
}

func (n *Net) invalidate(d DMA, off, size int) bool {
	if !n.perFrame {
		return n.broken == nil
	}
	return n.maintain(true, d, off, size)
}

// maintain runs one operation. On failure the driver stops: one side would
// see stale memory.
func (n *Net) maintain(invalidate bool, d DMA, off, size int) bool {
	if n.cache == nil || n.broken != nil {
		return n.broken == nil
	}
	op, do, count := "clean", n.cache.CleanDMA, &n.stats.CacheCleans
	if invalidate {
		op, do, count = "invalidate", n.cache.InvalidateDMA, &n.stats.CacheInvalidates
	}
	*count++
	if err := do(d, off, size); err != nil {
		n.broken = fmt.Errorf("virtio-net: cache %s of pa %#x+%d: %w", op, d.Phys()+uint64(off), size, err)
		n.logf("%v", n.broken)
		return false
	}
	return true
}

// syncUsed makes the device's latest writes to q's used ring visible.
func (n *Net) syncUsed(q *queue) bool {
	return n.invalidate(q.rings, q.usedAt, q.usedEnd()-q.usedAt)
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
	if !q.pending || n.broken != nil {
		return
	}
	// Descriptors and ring entries reach memory before the index that
	// publishes them, and the index before the notify.
	if !n.clean(q.rings, 0, q.usedAt) {
		return
	}
	q.publish(n.p)
	if !n.clean(q.rings, q.availAt, 4) {
		return
	}
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
	if !n.clean(n.tx.bufs, int(id)*n.tx.bufSize, off) {
		return n.broken
	}
	n.tx.post(id, off, 0)
	n.stats.TxFrames++
	n.stats.TxBytes += uint64(size)
	return nil
}

// Flush tells the device about frames posted since the last Flush. If that
// fails (cache maintenance), Err says why.
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
	if !n.syncUsed(n.tx) {
		return 0, n.broken
	}
	ready, err := n.tx.ready()
	if err != nil {
		n.broken = err
		return 0, err
	}
	n.p.Barrier() // read elements only after the index that covers them
	if ready > 0 && !n.syncUsed(n.tx) {
		return 0, n.broken
	}
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
	if !n.syncUsed(n.rx) {
		return 0, n.broken
	}
	ready, err := n.rx.ready()
	if err != nil {
		n.broken = err
		return 0, err
	}
	if ready > max {
		ready = max
	}
	n.p.Barrier()
	if ready > 0 && !n.syncUsed(n.rx) {
		return 0, n.broken
	}
	for i := 0; i < ready; i++ {
		id, length, ok := n.rx.next()
		if !ok {
			n.stats.BadUsedID++
			continue
		}
		if length <= NetHeaderLen || length > BufferSize {
			n.stats.RxBadLength++
		} else if n.invalidate(n.rx.bufs, int(id)*n.rx.bufSize, int(length)) {
			n.stats.RxFrames++
			n.stats.RxBytes += uint64(length - NetHeaderLen)
			deliver(n.rx.buf(id)[NetHeaderLen:length])
		} else {
			return i, n.broken
		}
		n.rx.post(id, BufferSize, descFlagWrite)
	}
	n.kick(n.rx)
	return ready, n.broken
}

// Pending reports whether used elements wait on either queue.
func (n *Net) Pending() bool {
	if n.broken != nil {
		return false
	}
	n.p.Barrier()
	if !n.syncUsed(n.rx) || !n.syncUsed(n.tx) {
		return false
	}
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
