// Package virtiosim is a virtio-mmio network device simulated over ordinary
// memory, for hosted tests of the driver, the link endpoint and the stack.
//
// It implements virtio.Platform: MapMMIO returns the register file of a
// QEMU-virt-like slot window with one net device in it, AllocDMA hands out
// heap memory at made-up physical addresses, and the device reads and writes
// that memory only through those addresses, as real hardware would. Frames
// the driver transmits queue up for TakeTx; Inject plays a frame arriving
// from the wire.
package virtiosim

import (
	"encoding/binary"
	"fmt"
	"sort"
	"sync"

	"github.com/cohesix/cohesix/netstack/virtio"
)

var le = binary.LittleEndian

const (
	dmaBase  = 0x4000_0000
	pageSize = 4096
)

// Device is the simulated transport, device and memory.
type Device struct {
	// Configuration, set before the driver probes.
	Slots    virtio.Slots
	Slot     int    // slot that holds the device
	Version  uint32 // 2 (modern) unless set
	Features uint64 // offered features; VERSION_1|MAC unless set
	MAC      [6]byte
	QueueMax uint32 // QueueNumMax; 256 unless set
	// HoldTx leaves transmitted descriptors in the avail ring until
	// ProcessTx, modelling a slow or stalled wire.
	HoldTx bool
	// NonCoherent models DMA that bypasses the CPU's data cache: the device
	// reads and writes memory, the driver its cached view, and the two meet
	// only through CleanDMA and InvalidateDMA, a 64-byte line at a time.
	// Memory starts out as junk, so the driver's zeroes reach the device
	// only once cleaned.
	NonCoherent bool

	// mu serialises the device model. Barrier takes it too, which gives
	// the race detector the happens-before edge a real barrier provides
	// between the driver's ring writes and the device's reads.
	mu       sync.Mutex
	mem      []*dmaBlock
	nextPhys uint64

	status, devFeatSel, drvFeatSel, queueSel uint32
	drvFeat                                  uint64
	queues                                   [2]queue
	tx                                       [][]byte

	// Counters and the first protocol error the device saw in the
	// driver's behaviour (tests assert it stays nil).
	RxDropped uint64
	Notifies  uint64
	// Interrupt is the interrupt status register: bit 0 (used buffer) is
	// set when the device completes a buffer on a queue whose driver did
	// not suppress interrupts, and cleared by the driver's ack.
	Interrupt  uint32
	Interrupts uint64 // times the line was raised
	Barriers   uint64
	// CacheMaintainer calls (virtio.CacheMaintainer).
	Cleans, Invalidates uint64
	Err                 error
}

type queue struct {
	num, ready           uint32
	desc, driver, device uint64
	lastAvail, usedIdx   uint16
}

type dmaBlock struct {
	phys uint64
	b    []byte // the CPU's view
	ram  []byte // memory, as the device sees it when NonCoherent
}

// cacheLine is the granule CleanDMA and InvalidateDMA act on.
const cacheLine = 64

// New returns a modern net device with the given MAC in the last slot of
// QEMU virt's window, where QEMU puts the first -device.
func New(mac [6]byte) *Device {
	return &Device{
		Slots:    virtio.QEMUVirt,
		Slot:     virtio.QEMUVirt.Count - 1,
		Version:  2,
		Features: virtio.FeatureVersion1 | virtio.FeatureNetMAC,
		MAC:      mac,
		QueueMax: 256,
		nextPhys: dmaBase,
	}
}

type dma struct{ blk *dmaBlock }

func (d dma) Bytes() []byte { return d.blk.b }
func (d dma) Phys() uint64  { return d.blk.phys }

// AllocDMA implements virtio.Platform.
func (d *Device) AllocDMA(size int) (virtio.DMA, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if size <= 0 {
		return nil, fmt.Errorf("virtiosim: dma size %d", size)
	}
	if d.nextPhys == 0 {
		d.nextPhys = dmaBase
	}
	blk := &dmaBlock{phys: d.nextPhys, b: make([]byte, size)}
	if d.NonCoherent {
		blk.ram = make([]byte, size)
		for i := range blk.ram {
			blk.ram[i] = 0xa5
		}
	}
	d.nextPhys += uint64((size + pageSize - 1) &^ (pageSize - 1))
	d.mem = append(d.mem, blk)
	return dma{blk: blk}, nil
}

// CleanDMA implements virtio.CacheMaintainer: the CPU's view of the lines
// covering [off, off+n) is written to memory.
func (d *Device) CleanDMA(m virtio.DMA, off, n int) error { return d.sync(m, off, n, false) }

// InvalidateDMA implements virtio.CacheMaintainer: the CPU's view of the
// lines covering [off, off+n) is reloaded from memory, losing whatever the
// CPU wrote there and did not clean.
func (d *Device) InvalidateDMA(m virtio.DMA, off, n int) error { return d.sync(m, off, n, true) }

func (d *Device) sync(m virtio.DMA, off, n int, invalidate bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	blk, lo, hi, err := d.lines(m, off, n)
	if err != nil {
		return err
	}
	switch {
	case invalidate:
		d.Invalidates++
		if blk.ram != nil {
			copy(blk.b[lo:hi], blk.ram[lo:hi])
		}
	default:
		d.Cleans++
		if blk.ram != nil {
			copy(blk.ram[lo:hi], blk.b[lo:hi])
		}
	}
	return nil
}

// lines checks a cache maintenance range and widens it to whole lines.
func (d *Device) lines(m virtio.DMA, off, n int) (blk *dmaBlock, lo, hi int, err error) {
	dm, ok := m.(dma)
	if !ok {
		return nil, 0, 0, fmt.Errorf("virtiosim: cache maintenance on %T, not this device's DMA", m)
	}
	blk = dm.blk
	if off < 0 || n <= 0 || off+n > len(blk.b) {
		return nil, 0, 0, fmt.Errorf("virtiosim: cache range %d+%d outside a %d-byte block", off, n, len(blk.b))
	}
	lo = off &^ (cacheLine - 1)
	hi = min((off+n+cacheLine-1)&^(cacheLine-1), len(blk.b))
	return blk, lo, hi, nil
}

// Barrier implements virtio.Platform.
func (d *Device) Barrier() {
	d.mu.Lock()
	d.Barriers++
	d.mu.Unlock()
}

// MapMMIO implements virtio.Platform. Only the slot window maps.
func (d *Device) MapMMIO(phys, size uint64) (virtio.Region, error) {
	end := d.Slots.Base + d.Slots.Size*uint64(d.Slots.Count)
	if phys < d.Slots.Base || phys+size > end {
		return nil, fmt.Errorf("virtiosim: %#x+%#x outside the mmio window", phys, size)
	}
	return regs{d: d, base: phys - d.Slots.Base}, nil
}

// mem returns n bytes of DMA memory at phys, or records an error.
func (d *Device) memAt(phys uint64, n int) []byte {
	i := sort.Search(len(d.mem), func(i int) bool { return d.mem[i].phys+uint64(len(d.mem[i].b)) > phys })
	if i < len(d.mem) && phys >= d.mem[i].phys && phys+uint64(n) <= d.mem[i].phys+uint64(len(d.mem[i].b)) {
		off := phys - d.mem[i].phys
		if d.NonCoherent {
			return d.mem[i].ram[off : off+uint64(n)]
		}
		return d.mem[i].b[off : off+uint64(n)]
	}
	d.fail(fmt.Errorf("device access %#x+%d outside any DMA block", phys, n))
	return nil
}

func (d *Device) fail(err error) {
	if d.Err == nil {
		d.Err = err
	}
}

type regs struct {
	d    *Device
	base uint64
}

func (r regs) slot(off uint32) (uint32, bool) {
	abs := r.base + uint64(off)
	if abs/r.d.Slots.Size != uint64(r.d.Slot) {
		return 0, false
	}
	return uint32(abs % r.d.Slots.Size), true
}

func (r regs) Read8(off uint32) uint8 {
	r.d.mu.Lock()
	defer r.d.mu.Unlock()
	o, ok := r.slot(off)
	if !ok {
		return 0
	}
	if o >= 0x100 && o < 0x106 {
		return r.d.MAC[o-0x100]
	}
	return uint8(r.d.read32(o&^3) >> (8 * (o & 3)))
}

func (r regs) Read32(off uint32) uint32 {
	r.d.mu.Lock()
	defer r.d.mu.Unlock()
	o, ok := r.slot(off)
	if !ok {
		return 0
	}
	return r.d.read32(o)
}

func (r regs) Write32(off uint32, v uint32) {
	r.d.mu.Lock()
	defer r.d.mu.Unlock()
	if o, ok := r.slot(off); ok {
		r.d.write32(o, v)
	}
}

func (d *Device) q() *queue {
	if d.queueSel < uint32(len(d.queues)) {
		return &d.queues[d.queueSel]
	}
	return nil
}

func (d *Device) read32(o uint32) uint32 {
	switch o {
	case 0x000:
		return virtio.Magic
	case 0x004:
		return d.Version
	case 0x008:
		return virtio.DeviceIDNet
	case 0x00c:
		return 0x554d4551 // "QEMU"
	case 0x010:
		if d.devFeatSel == 0 {
			return uint32(d.Features)
		}
		if d.devFeatSel == 1 {
			return uint32(d.Features >> 32)
		}
		return 0
	case 0x034:
		if d.q() == nil {
			return 0
		}
		return d.QueueMax
	case 0x044:
		if q := d.q(); q != nil {
			return q.ready
		}
		return 0
	case 0x060:
		return d.Interrupt
	case 0x070:
		return d.status
	case 0x0fc:
		return 0
	}
	if o >= 0x100 && o < 0x108 {
		var w uint32
		for i := uint32(0); i < 4; i++ {
			if k := o - 0x100 + i; k < 6 {
				w |= uint32(d.MAC[k]) << (8 * i)
			}
		}
		return w
	}
	return 0
}

func (d *Device) write32(o uint32, v uint32) {
	q := d.q()
	switch o {
	case 0x014:
		d.devFeatSel = v
	case 0x020:
		if d.drvFeatSel == 0 {
			d.drvFeat = d.drvFeat&^0xffffffff | uint64(v)
		} else if d.drvFeatSel == 1 {
			d.drvFeat = d.drvFeat&0xffffffff | uint64(v)<<32
		}
	case 0x024:
		d.drvFeatSel = v
	case 0x030:
		d.queueSel = v
	case 0x038:
		if q != nil {
			if v == 0 || v > d.QueueMax || v&(v-1) != 0 {
				d.fail(fmt.Errorf("queue size %d", v))
			}
			q.num = v
		}
	case 0x044:
		if q != nil {
			q.ready = v
		}
	case 0x050:
		d.Notifies++
		if v == 1 && !d.HoldTx {
			d.processTx()
		}
	case 0x064:
		d.Interrupt &^= v
	case 0x070:
		if v == 0 {
			d.reset()
			return
		}
		if v&virtio.StatusFeaturesOK != 0 && d.drvFeat&^d.Features != 0 {
			v &^= virtio.StatusFeaturesOK // accepted something not offered
		}
		d.status = v
	case 0x080, 0x084, 0x090, 0x094, 0x0a0, 0x0a4:
		if q == nil {
			return
		}
		p := map[uint32]*uint64{0x080: &q.desc, 0x090: &q.driver, 0x0a0: &q.device}[o&^4]
		if o&4 == 0 {
			*p = *p&^0xffffffff | uint64(v)
		} else {
			*p = *p&0xffffffff | uint64(v)<<32
		}
	}
}

func (d *Device) reset() {
	d.status, d.drvFeat, d.queueSel = 0, 0, 0
	d.queues = [2]queue{}
	d.tx = nil
}

func (d *Device) live(qi int) (*queue, bool) {
	q := &d.queues[qi]
	return q, d.status&virtio.StatusDriverOK != 0 && q.ready == 1 && q.num != 0
}

// popAvail takes the next available descriptor of q: its id, the buffer
// it names and its flags. ok is false when the driver has none posted.
func (d *Device) popAvail(q *queue) (id uint16, buf []byte, flags uint16, ok bool) {
	avail := d.memAt(q.driver, 4+2*int(q.num))
	if avail == nil || q.lastAvail == le.Uint16(avail[2:]) {
		return 0, nil, 0, false
	}
	id = le.Uint16(avail[4+2*int(uint32(q.lastAvail)%q.num):])
	q.lastAvail++
	if uint32(id) >= q.num {
		d.fail(fmt.Errorf("avail ring names descriptor %d of %d", id, q.num))
		return 0, nil, 0, false
	}
	desc := d.memAt(q.desc+16*uint64(id), 16)
	if desc == nil {
		return 0, nil, 0, false
	}
	flags = le.Uint16(desc[12:])
	if flags&1 != 0 {
		d.fail(fmt.Errorf("descriptor %d chained; the driver never chains", id))
	}
	buf = d.memAt(le.Uint64(desc[0:]), int(le.Uint32(desc[8:])))
	return id, buf, flags, buf != nil
}

func (d *Device) pushUsed(q *queue, id uint16, n uint32) {
	used := d.memAt(q.device, 4+8*int(q.num))
	if used == nil {
		return
	}
	e := used[4+8*int(uint32(q.usedIdx)%q.num):]
	le.PutUint32(e[0:], uint32(id))
	le.PutUint32(e[4:], n)
	q.usedIdx++
	le.PutUint16(used[2:], q.usedIdx)
	if avail := d.memAt(q.driver, 2); avail != nil && le.Uint16(avail)&1 == 0 {
		if d.Interrupt&1 == 0 {
			d.Interrupts++
		}
		d.Interrupt |= 1
	}
}

// NeedsReset plays a device that hit an internal error: it sets
// DEVICE_NEEDS_RESET and raises a configuration-change interrupt.
func (d *Device) NeedsReset() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.status |= virtio.StatusDeviceNeedsReset
	d.Interrupt |= 2
	d.Interrupts++
}

// InterruptStatus returns the interrupt status register and how many
// times the line was raised.
func (d *Device) InterruptStatus() (status uint32, raised uint64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.Interrupt, d.Interrupts
}

// ProcessTx moves every posted tx descriptor onto the wire (TakeTx) and
// completes it.
func (d *Device) ProcessTx() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.processTx()
}

func (d *Device) processTx() {
	q, ok := d.live(1)
	if !ok {
		return
	}
	for {
		id, buf, flags, ok := d.popAvail(q)
		if !ok {
			return
		}
		if flags&2 != 0 {
			d.fail(fmt.Errorf("tx descriptor %d marked device-writable", id))
		}
		if len(buf) < virtio.NetHeaderLen {
			d.fail(fmt.Errorf("tx descriptor %d shorter than the net header", id))
		} else {
			d.tx = append(d.tx, append([]byte(nil), buf[virtio.NetHeaderLen:]...))
		}
		d.pushUsed(q, id, 0)
	}
}

// TakeTx returns and forgets the frames transmitted so far.
func (d *Device) TakeTx() [][]byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.tx
	d.tx = nil
	return t
}

// Inject delivers frame as if it arrived from the wire. It reports false,
// counting a drop, when the driver has no rx buffer posted.
func (d *Device) Inject(frame []byte) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	q, ok := d.live(0)
	if !ok {
		d.RxDropped++
		return false
	}
	id, buf, flags, ok := d.popAvail(q)
	if !ok {
		d.RxDropped++
		return false
	}
	if flags&2 == 0 {
		d.fail(fmt.Errorf("rx descriptor %d not device-writable", id))
	}
	n := virtio.NetHeaderLen + len(frame)
	if n > len(buf) {
		d.fail(fmt.Errorf("rx buffer %d holds %d bytes, frame needs %d", id, len(buf), n))
		d.pushUsed(q, id, 0)
		return false
	}
	clear(buf[:virtio.NetHeaderLen])
	copy(buf[virtio.NetHeaderLen:], frame)
	d.pushUsed(q, id, uint32(n))
	return true
}

// Used returns the used ring memory of queue qi so tests can play a
// malicious device. Layout: flags u16, idx u16, then (id u32, len u32) x num.
func (d *Device) Used(qi int) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	q := &d.queues[qi]
	return d.memAt(q.device, 4+8*int(q.num))
}

// Status is the device status register.
func (d *Device) Status() uint32 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.status
}

// SetHoldTx sets HoldTx while the driver may be running. Releasing the
// hold completes what was posted meanwhile, as a slow device catches up
// on notifies it already received.
func (d *Device) SetHoldTx(hold bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.HoldTx && !hold {
		d.processTx()
	}
	d.HoldTx = hold
}

// Stats returns the drop and notify counters and the first protocol error.
func (d *Device) Stats() (rxDropped, notifies uint64, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.RxDropped, d.Notifies, d.Err
}

// DriverFeatures are the features the driver accepted.
func (d *Device) DriverFeatures() uint64 { return d.drvFeat }
