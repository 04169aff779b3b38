package sel4

import (
	"encoding/binary"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// The root task's entropy source: a virtio-rng device (QEMU
// -device virtio-rng-device) on a modern virtio-mmio transport, driven by
// polling with one descriptor. seL4 gives the root task no other entropy:
// the device tree it passes is the elfloader's build-time copy, so an
// rng-seed in it repeats on every boot.

// virtio-mmio (version 2) registers.
const (
	vioMagic          = 0x000
	vioVersion        = 0x004
	vioDeviceID       = 0x008
	vioDeviceFeatures = 0x010
	vioDeviceFeatSel  = 0x014
	vioDriverFeatures = 0x020
	vioDriverFeatSel  = 0x024
	vioQueueSel       = 0x030
	vioQueueNumMax    = 0x034
	vioQueueNum       = 0x038
	vioQueueReady     = 0x044
	vioQueueNotify    = 0x050
	vioInterruptStat  = 0x060
	vioInterruptAck   = 0x064
	vioStatus         = 0x070
	vioQueueDescLow   = 0x080
	vioQueueDescHigh  = 0x084
	vioQueueAvailLow  = 0x090
	vioQueueAvailHigh = 0x094
	vioQueueUsedLow   = 0x0a0
	vioQueueUsedHigh  = 0x0a4

	vioMagicValue   = 0x74726976
	vioEntropyID    = 4
	vioStatusAck    = 1
	vioStatusDriver = 2
	vioStatusOK     = 4
	vioStatusFeatOK = 8
	vioFeatVersion1 = 1 << (32 - 32) // bit 32, in feature word 1

	vioDescWrite = 2

	// One-page ring layout: 4 descriptors, the avail and used rings, then
	// the receive buffer.
	rngQueueSize = 4
	rngDescOff   = 0
	rngAvailOff  = 64
	rngUsedOff   = 128
	rngBufOff    = 256
	rngBufLen    = PageSize - rngBufOff
)

// mmioRegs is a register window: the board's MMIO, or a model in tests.
type mmioRegs interface {
	Read32(off uint32) uint32
	Write32(off uint32, v uint32)
}

// virtioRNG drives one entropy device. R is a type parameter, not an
// interface value, so that a call does not allocate (it runs in the
// runtime's random hook).
type virtioRNG[R mmioRegs] struct {
	regs     R
	mem      []byte // one page of DMA memory
	pa       uint64
	availIdx uint16
	usedIdx  uint16
	ready    bool
	requests uint64
}

// isEntropy reports whether regs is a modern virtio-mmio entropy device.
func isEntropy[R mmioRegs](regs R) bool {
	return regs.Read32(vioMagic) == vioMagicValue && regs.Read32(vioVersion) == 2 && regs.Read32(vioDeviceID) == vioEntropyID
}

// init negotiates the device and sets up queue 0 in mem (one page at
// physical address pa).
func (r *virtioRNG[R]) init(regs R, mem []byte, pa uint64) error {
	if !isEntropy(regs) {
		return errorf(vfs.NotFound, "virtio-rng", "no modern virtio entropy device")
	}
	if len(mem) < PageSize {
		return errorf(vfs.Invalid, "virtio-rng", "ring memory %d bytes", len(mem))
	}
	*r = virtioRNG[R]{regs: regs, mem: mem[:PageSize], pa: pa}
	clear(r.mem)
	regs.Write32(vioStatus, 0)
	regs.Write32(vioStatus, vioStatusAck)
	regs.Write32(vioStatus, vioStatusAck|vioStatusDriver)
	regs.Write32(vioDeviceFeatSel, 1)
	if regs.Read32(vioDeviceFeatures)&vioFeatVersion1 == 0 {
		return errorf(vfs.Unsupported, "virtio-rng", "device lacks VIRTIO_F_VERSION_1")
	}
	regs.Write32(vioDriverFeatSel, 0)
	regs.Write32(vioDriverFeatures, 0)
	regs.Write32(vioDriverFeatSel, 1)
	regs.Write32(vioDriverFeatures, vioFeatVersion1)
	regs.Write32(vioStatus, vioStatusAck|vioStatusDriver|vioStatusFeatOK)
	if regs.Read32(vioStatus)&vioStatusFeatOK == 0 {
		return errorf(vfs.Unsupported, "virtio-rng", "device refused the features")
	}
	regs.Write32(vioQueueSel, 0)
	if regs.Read32(vioQueueNumMax) < rngQueueSize {
		return errorf(vfs.Unsupported, "virtio-rng", "queue 0 too small")
	}
	regs.Write32(vioQueueNum, rngQueueSize)
	for _, q := range [...]struct {
		lo, hi uint32
		off    uint64
	}{
		{vioQueueDescLow, vioQueueDescHigh, rngDescOff},
		{vioQueueAvailLow, vioQueueAvailHigh, rngAvailOff},
		{vioQueueUsedLow, vioQueueUsedHigh, rngUsedOff},
	} {
		regs.Write32(q.lo, uint32(pa+q.off))
		regs.Write32(q.hi, uint32((pa+q.off)>>32))
	}
	regs.Write32(vioQueueReady, 1)
	regs.Write32(vioStatus, vioStatusAck|vioStatusDriver|vioStatusFeatOK|vioStatusOK)
	r.ready = true
	return nil
}

// read fills p with up to len(p) bytes from the device, calling wait while
// the device works; it gives up after maxWaits waits and returns how many
// bytes it filled.
func (r *virtioRNG[R]) read(p []byte, barrier, wait func()) int {
	if !r.ready {
		return 0
	}
	le := binary.LittleEndian
	n := 0
	for n < len(p) {
		want := min(len(p)-n, rngBufLen)
		d := r.mem[rngDescOff:]
		le.PutUint64(d[0:], r.pa+rngBufOff)
		le.PutUint32(d[8:], uint32(want))
		le.PutUint16(d[12:], vioDescWrite)
		le.PutUint16(d[14:], 0)
		avail := r.mem[rngAvailOff:]
		le.PutUint16(avail[4+2*(r.availIdx%rngQueueSize):], 0)
		r.availIdx++
		barrier()
		le.PutUint16(avail[2:], r.availIdx)
		barrier()
		r.regs.Write32(vioQueueNotify, 0)
		used := r.mem[rngUsedOff:]
		got := -1
		for range maxWaits {
			barrier()
			if le.Uint16(used[2:]) != r.usedIdx {
				e := used[4+8*(r.usedIdx%rngQueueSize):]
				got = int(min(le.Uint32(e[4:]), uint32(want)))
				r.usedIdx++
				break
			}
			wait()
		}
		r.regs.Write32(vioInterruptAck, r.regs.Read32(vioInterruptStat))
		if got <= 0 {
			break
		}
		r.requests++
		n += copy(p[n:], r.mem[rngBufOff:rngBufOff+got])
	}
	return n
}

// maxWaits bounds the polling for one request.
const maxWaits = 1 << 20
