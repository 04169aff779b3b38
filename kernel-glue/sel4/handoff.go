package sel4

import (
	"encoding/binary"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// Two-stage boot. The upstream elfloader reserves a fixed archive (3 MiB in
// the test build) and unpacks the rootserver below itself (4 MiB there); a
// Go rootserver is larger. So the archive carries a small stage-1 root task
// (cmd/sel4-payload/stage1) and the rootserver itself is a payload in the
// QEMU flash bank, device memory the kernel never zeroes. Stage 1 copies
// the payload's segments into fresh frames at their link addresses and
// jumps to its entry with X0 = the bootinfo VA, as the kernel would, and
// X1 = a Handoff page saying what stage 1 consumed (the kernel starts a
// root task with X1 = 0).

// HandoffMagic marks a Handoff page ("COH1STG1" little-endian).
const HandoffMagic = 0x3147545331484f43

// MaxHandoffUntypeds bounds the untypeds a Handoff describes.
const MaxHandoffUntypeds = 256

// Handoff is the page stage 1 leaves for the rootserver: the first root
// CNode slot it did not use and the kernel's freeIndex of every untyped, in
// bootinfo order.
type Handoff struct {
	Magic      uint64
	FirstFree  uint64
	Count      uint64
	Watermarks [MaxHandoffUntypeds]uint64
}

// FillHandoff records e's allocator state in h.
func (e *Env) FillHandoff(h *Handoff) {
	h.Magic = HandoffMagic
	h.FirstFree = uint64(e.Slots.highWater())
	h.Count = uint64(min(len(e.Untyped.uts), MaxHandoffUntypeds))
	for i := range int(h.Count) {
		h.Watermarks[i] = e.Untyped.uts[i].watermark
	}
}

// ApplyHandoff brings a fresh Env up to date with what stage 1 consumed.
// It refuses a page that does not describe this bootinfo.
func (e *Env) ApplyHandoff(h *Handoff) error {
	if h.Magic != HandoffMagic {
		return errorf(vfs.Invalid, "handoff", "bad magic %#x", h.Magic)
	}
	if int(h.Count) != len(e.Untyped.uts) {
		return errorf(vfs.Invalid, "handoff", "%d untypeds, bootinfo has %d", h.Count, len(e.Untyped.uts))
	}
	r := e.Slots.Region()
	if h.FirstFree < uint64(r.Start) || h.FirstFree > uint64(r.End) {
		return errorf(vfs.Invalid, "handoff", "first free slot %#x outside [%#x, %#x)", h.FirstFree, r.Start, r.End)
	}
	for i := range e.Untyped.uts {
		u := &e.Untyped.uts[i]
		if h.Watermarks[i] > u.desc.Size() {
			return errorf(vfs.Invalid, "handoff", "untyped %d used %#x of %#x", i, h.Watermarks[i], u.desc.Size())
		}
		u.watermark = max(u.watermark, h.Watermarks[i])
	}
	e.Slots.reserveBelow(CPtr(h.FirstFree))
	return nil
}

// highWater is one past the highest slot ever allocated.
func (a *SlotAllocator) highWater() CPtr {
	for i := a.region.Len() - 1; i >= 0; i-- {
		if a.isUsed(i) {
			return a.region.Start + CPtr(i) + 1
		}
	}
	return a.region.Start
}

// reserveBelow marks every slot below c as used.
func (a *SlotAllocator) reserveBelow(c CPtr) {
	for i := 0; i < int(c-a.region.Start) && i < a.region.Len(); i++ {
		if !a.isUsed(i) {
			a.set(i)
			a.free--
		}
	}
	a.hint = max(a.hint, int(c-a.region.Start))
}

// Segment is one PT_LOAD of a payload ELF.
type Segment struct {
	Vaddr, Memsz   uint64
	Offset, Filesz uint64
}

// maxSegments bounds the segments of a payload (Go emits three or four).
const maxSegments = 16

// ParseSegments reads the PT_LOAD segments and entry of a little-endian
// ELF64 AArch64 executable into out without allocating, checking that
// every file range lies inside img and every segment is page-congruent
// (vaddr ≡ offset mod 4 KiB), which copying page by page needs.
func ParseSegments(img []byte, out []Segment) (entry uint64, segs []Segment, err error) {
	le := binary.LittleEndian
	if len(img) < 64 || string(img[:4]) != "\x7fELF" || img[4] != 2 || img[5] != 1 {
		return 0, nil, errorf(vfs.Invalid, "payload", "not a little-endian ELF64")
	}
	if le.Uint16(img[16:]) != 2 || le.Uint16(img[18:]) != 183 {
		return 0, nil, errorf(vfs.Invalid, "payload", "not an AArch64 ET_EXEC")
	}
	entry = le.Uint64(img[24:])
	phoff, phentsize, phnum := le.Uint64(img[32:]), uint64(le.Uint16(img[54:])), uint64(le.Uint16(img[56:]))
	if phentsize < 56 || phoff > uint64(len(img)) || phnum > (uint64(len(img))-phoff)/phentsize {
		return 0, nil, errorf(vfs.Invalid, "payload", "program headers outside the image")
	}
	segs = out[:0]
	for i := range phnum {
		p := img[phoff+i*phentsize:]
		if le.Uint32(p) != 1 { // PT_LOAD
			continue
		}
		s := Segment{Offset: le.Uint64(p[8:]), Vaddr: le.Uint64(p[16:]), Filesz: le.Uint64(p[32:]), Memsz: le.Uint64(p[40:])}
		if s.Filesz > s.Memsz || s.Offset > uint64(len(img)) || s.Filesz > uint64(len(img))-s.Offset {
			return 0, nil, errorf(vfs.Invalid, "payload", "segment %d file range outside the image", i)
		}
		if s.Vaddr%PageSize != s.Offset%PageSize || s.Vaddr+s.Memsz < s.Vaddr || s.Vaddr+s.Memsz > UserTop {
			return 0, nil, errorf(vfs.Invalid, "payload", "segment %d at %#x not loadable", i, s.Vaddr)
		}
		if len(segs) == cap(segs) {
			return 0, nil, errorf(vfs.BufferFull, "payload", "more than %d segments", cap(segs))
		}
		segs = append(segs, s)
	}
	if len(segs) == 0 {
		return 0, nil, errorf(vfs.Invalid, "payload", "no PT_LOAD segment")
	}
	return entry, segs, nil
}

// FlashMagic starts the flash image that carries the payload: 8 bytes of
// magic, the payload length, then the payload ELF.
const (
	FlashMagic     = "COHFLSH1"
	FlashHeaderLen = 16
)
