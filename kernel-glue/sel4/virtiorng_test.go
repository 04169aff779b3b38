package sel4

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// rngModel is a modern virtio-mmio entropy device over the driver's ring
// page (physical address pa = mem's base): on notify it walks the avail
// ring and fills each buffer with a counter pattern.
type rngModel struct {
	mem                []byte
	pa                 uint64
	regs               map[uint32]uint32
	featSel, status    uint32
	desc, avail, used  uint64
	lastAvail, usedIdx uint16
	next               byte
	version, id        uint32
	short              bool // answer with fewer bytes than asked
}

func newRNGModel(mem []byte, pa uint64) *rngModel {
	return &rngModel{mem: mem, pa: pa, regs: map[uint32]uint32{}, version: 2, id: vioEntropyID}
}

func (m *rngModel) Read32(off uint32) uint32 {
	switch off {
	case vioMagic:
		return vioMagicValue
	case vioVersion:
		return m.version
	case vioDeviceID:
		return m.id
	case vioDeviceFeatures:
		if m.featSel == 1 {
			return vioFeatVersion1
		}
		return 0
	case vioQueueNumMax:
		return 8
	case vioStatus:
		return m.status
	}
	return m.regs[off]
}

func (m *rngModel) Write32(off uint32, v uint32) {
	le := binary.LittleEndian
	switch off {
	case vioDeviceFeatSel:
		m.featSel = v
	case vioStatus:
		m.status = v
	case vioQueueDescLow:
		m.desc = m.desc&^0xffffffff | uint64(v)
	case vioQueueAvailLow:
		m.avail = m.avail&^0xffffffff | uint64(v)
	case vioQueueUsedLow:
		m.used = m.used&^0xffffffff | uint64(v)
	case vioQueueNotify:
		av := m.mem[m.avail-m.pa:]
		for m.lastAvail != le.Uint16(av[2:]) {
			head := le.Uint16(av[4+2*(m.lastAvail%rngQueueSize):])
			d := m.mem[m.desc-m.pa+16*uint64(head):]
			addr, n := le.Uint64(d), le.Uint32(d[8:])
			if le.Uint16(d[12:])&vioDescWrite == 0 {
				panic("rng buffer not device-writable")
			}
			if m.short && n > 7 {
				n = 7
			}
			buf := m.mem[addr-m.pa : addr-m.pa+uint64(n)]
			for i := range buf {
				buf[i] = m.next
				m.next++
			}
			u := m.mem[m.used-m.pa:]
			e := u[4+8*(m.usedIdx%rngQueueSize):]
			le.PutUint32(e, uint32(head))
			le.PutUint32(e[4:], n)
			m.usedIdx++
			le.PutUint16(u[2:], m.usedIdx)
			m.lastAvail++
		}
	default:
		m.regs[off] = v
	}
}

func TestVirtioRNG(t *testing.T) {
	mem := make([]byte, PageSize)
	const pa = 0x4123_0000
	dev := newRNGModel(mem, pa)
	var r virtioRNG[*rngModel]
	if err := r.init(dev, mem, pa); err != nil {
		t.Fatal(err)
	}
	if dev.status != vioStatusAck|vioStatusDriver|vioStatusFeatOK|vioStatusOK || dev.regs[vioQueueReady] != 1 || dev.regs[vioQueueNum] != rngQueueSize {
		t.Fatalf("device state: status %#x regs %v", dev.status, dev.regs)
	}
	nop := func() {}
	p := make([]byte, 5000) // more than one buffer
	if n := r.read(p, nop, nop); n != len(p) {
		t.Fatalf("read %d of %d", n, len(p))
	}
	for i := range p {
		if p[i] != byte(i) {
			t.Fatalf("byte %d = %d", i, p[i])
		}
	}
	if r.requests != 2 {
		t.Errorf("%d requests for 5000 bytes", r.requests)
	}
	dev.short = true
	if n := r.read(p[:20], nop, nop); n != 20 || r.requests != 5 {
		t.Errorf("short answers: read %d in %d requests", n, r.requests)
	}
	if n := testing.AllocsPerRun(10, func() { r.read(p[:64], nop, nop) }); n != 0 {
		t.Errorf("read allocates %v", n)
	}
}

func TestVirtioRNGRefuses(t *testing.T) {
	mem := make([]byte, PageSize)
	var r virtioRNG[*rngModel]
	dev := newRNGModel(mem, 0)
	dev.id = 1 // a net device
	if err := r.init(dev, mem, 0); !errors.Is(err, vfs.ErrNotFound) {
		t.Errorf("net device: %v", err)
	}
	dev = newRNGModel(mem, 0)
	dev.version = 1 // legacy
	if err := r.init(dev, mem, 0); !errors.Is(err, vfs.ErrNotFound) {
		t.Errorf("legacy device: %v", err)
	}
	if n := r.read(make([]byte, 8), func() {}, func() {}); n != 0 {
		t.Errorf("read from an uninitialised device: %d", n)
	}
	// A device that never answers: read gives up instead of hanging.
	dev = newRNGModel(mem, 0)
	if err := r.init(dev, mem, 0); err != nil {
		t.Fatal(err)
	}
	r.regs = &rngModel{mem: mem, regs: map[uint32]uint32{}} // notify goes nowhere
	waits := 0
	if n := r.read(make([]byte, 8), func() {}, func() { waits++ }); n != 0 || waits != maxWaits {
		t.Errorf("dead device: %d bytes after %d waits", n, waits)
	}
}
