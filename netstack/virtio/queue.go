package virtio

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Split virtqueue layout (section 2.7). All fields are little endian.
const (
	descSize      = 16 // addr u64, len u32, flags u16, next u16
	descFlagWrite = 2  // VIRTQ_DESC_F_WRITE: device writes this buffer

	availFlagNoInterrupt = 1 // VIRTQ_AVAIL_F_NO_INTERRUPT
	usedElemSize         = 8 // id u32, len u32

	// usedAlign keeps the used ring (device-written) out of the cache
	// lines of the avail ring (CPU-written), so invalidating it never
	// discards the driver's writes. The spec asks for 4; 256 covers any
	// writeback granule of the cores we target.
	usedAlign = 256
)

var le = binary.LittleEndian

// ErrDeviceBroken means the device broke the virtqueue protocol (a used
// index that ran ahead of what the driver made available). The driver stops
// trusting the queue; the device must be reset.
var ErrDeviceBroken = errors.New("virtio: device violated the virtqueue protocol")

// queue is one split virtqueue in which descriptor i always points at
// buffer slot i of a single DMA block. Chains are never built, so a used
// element names exactly one descriptor, and validating it is a bounds check
// plus "did the driver hand this one out".
type queue struct {
	index   uint16 // queue number on the device
	size    uint16 // power of two
	rings   DMA    // descriptor table, then avail ring, then used ring
	availAt int
	usedAt  int
	bufs    DMA
	bufSize int

	availIdx uint16 // next free avail slot (driver's shadow of avail.idx)
	lastUsed uint16 // next used slot to consume
	posted   []bool // descriptor is owned by the device
	nposted  int
	pending  bool // avail.idx was bumped since the last notify
}

func align(n, a int) int { return (n + a - 1) &^ (a - 1) }

// ringBytes is the size of the descriptor table plus both rings.
func ringBytes(size int) (availAt, usedAt, total int) {
	availAt = descSize * size
	usedAt = align(availAt+6+2*size, usedAlign)
	return availAt, usedAt, usedAt + 6 + usedElemSize*size
}

func newQueue(p Platform, index uint16, size uint16, bufSize int) (*queue, error) {
	availAt, usedAt, total := ringBytes(int(size))
	rings, err := p.AllocDMA(total)
	if err != nil {
		return nil, fmt.Errorf("virtio: queue %d rings: %w", index, err)
	}
	bufs, err := p.AllocDMA(int(size) * bufSize)
	if err != nil {
		return nil, fmt.Errorf("virtio: queue %d buffers: %w", index, err)
	}
	if rings.Phys()%16 != 0 || len(rings.Bytes()) < total || len(bufs.Bytes()) < int(size)*bufSize {
		return nil, fmt.Errorf("virtio: queue %d: platform returned short or misaligned DMA", index)
	}
	return &queue{
		index: index, size: size, rings: rings, availAt: availAt, usedAt: usedAt,
		bufs: bufs, bufSize: bufSize, posted: make([]bool, size),
	}, nil
}

// clear forgets every posted descriptor and zeroes the rings, for reuse
// after a device reset.
func (q *queue) clear() {
	clear(q.rings.Bytes())
	clear(q.posted)
	q.availIdx, q.lastUsed, q.nposted, q.pending = 0, 0, 0, false
}

func (q *queue) buf(id uint16) []byte {
	off := int(id) * q.bufSize
	return q.bufs.Bytes()[off : off+q.bufSize]
}

// post hands descriptor id, covering n bytes of its buffer, to the device.
// The avail index is published later by publish so a batch costs one
// barrier.
func (q *queue) post(id uint16, n int, flags uint16) {
	r := q.rings.Bytes()
	d := r[int(id)*descSize:]
	le.PutUint64(d[0:], q.bufs.Phys()+uint64(id)*uint64(q.bufSize))
	le.PutUint32(d[8:], uint32(n))
	le.PutUint16(d[12:], flags)
	le.PutUint16(d[14:], 0)
	slot := q.availAt + 4 + 2*int(q.availIdx&(q.size-1))
	le.PutUint16(r[slot:], id)
	q.availIdx++
	q.posted[id] = true
	q.nposted++
	q.pending = true
}

// publish makes posted descriptors visible: descriptor and ring writes
// before the index store, as the device reads them in that order.
func (q *queue) publish(p Platform) {
	p.Barrier()
	le.PutUint16(q.rings.Bytes()[q.availAt+2:], q.availIdx)
	p.Barrier()
}

// usedEnd is the end of the used ring in rings.
func (q *queue) usedEnd() int { return q.usedAt + 6 + usedElemSize*int(q.size) }

// usedIdx reads the device's used index.
func (q *queue) usedIdx() uint16 {
	return le.Uint16(q.rings.Bytes()[q.usedAt+2:])
}

// ready reports how many used elements wait, or ErrDeviceBroken if the
// device claims more than the queue can hold.
func (q *queue) ready() (int, error) {
	n := int(q.usedIdx() - q.lastUsed)
	if n > int(q.size) {
		return 0, fmt.Errorf("%w: queue %d used index ran %d ahead (size %d)", ErrDeviceBroken, q.index, n, q.size)
	}
	return n, nil
}

// next consumes one used element. ok is false when the element names a
// descriptor out of range or not owned by the device; such elements are
// skipped, never followed.
func (q *queue) next() (id uint16, n uint32, ok bool) {
	e := q.rings.Bytes()[q.usedAt+4+usedElemSize*int(q.lastUsed&(q.size-1)):]
	q.lastUsed++
	raw := le.Uint32(e[0:])
	n = le.Uint32(e[4:])
	if raw >= uint32(q.size) || !q.posted[raw] {
		return 0, 0, false
	}
	id = uint16(raw)
	q.posted[id] = false
	q.nposted--
	return id, n, true
}
