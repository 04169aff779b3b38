//go:build linux && arm64 && sel4probe

package sel4

import "unsafe"

// Stage 1 of the two-stage boot (see handoff.go), run by
// cmd/sel4-payload/stage1 without the Go runtime. It must not allocate.

// Stage-1 virtual windows, clear of the payload's (0x10000 up, and the
// HeapVA/DeviceVA/DMAVA windows) and of stage 1's own image.
const (
	stage1FlashVA   = 0x60_0000_0000
	stage1HandoffVA = 0x60_8000_0000
	flashBase       = 0x0400_0000 // QEMU virt flash bank 1 (bank 0 would be booted as firmware)
	flashMax        = 64 << 20
)

var s1 struct {
	bi       BootInfo
	untypeds [MaxHandoffUntypeds]UntypedDesc
	words    [1 << (16 - 6)]uint64
	utState  [MaxHandoffUntypeds]untypedState
	slots    SlotAllocator
	ut       UntypedAllocator
	kern     sysKernel
	env      Env
	segs     [maxSegments]Segment
	line     [160]byte
}

// Stage1 loads the payload in flash bank 1 and jumps to it. It returns only
// on failure, after printing why.
func Stage1(biVA uintptr, labels Labels) {
	say("stage1: loading the rootserver from flash")
	frame := unsafe.Slice((*byte)(unsafe.Add(nil, biVA)), BootInfoFrameSize)
	if ParseBootInfoInto(&s1.bi, frame, 0, s1.untypeds[:]) != nil {
		s1fail("bootinfo rejected")
		return
	}
	if s1.bi.InitThreadCNodeSizeBits > 16 {
		s1fail("root CNode too large")
		return
	}
	s1.kern.ipc = (*IPCBuffer)(unsafe.Add(nil, uintptr(s1.bi.IPCBuffer)))
	s1.slots.Init(s1.bi.Empty, s1.words[:])
	s1.ut.init(&s1.bi, s1.utState[:])
	initEnv(&s1.env, &s1.kern, labels, &s1.bi, &s1.slots, &s1.ut)
	e := &s1.env

	// The flash header page tells how much to map.
	if mapFlash(e, 0, 1) != nil {
		s1fail("cannot map flash page 0")
		return
	}
	hdr := unsafe.Slice((*byte)(unsafe.Add(nil, uintptr(stage1FlashVA))), FlashHeaderLen)
	if string(hdr[:8]) != FlashMagic {
		s1fail("flash bank 1 holds no payload (want magic " + FlashMagic + "; pass -drive if=pflash,unit=1,...)")
		return
	}
	n := uint64(hdr[8]) | uint64(hdr[9])<<8 | uint64(hdr[10])<<16 | uint64(hdr[11])<<24
	if n == 0 || n > flashMax-FlashHeaderLen {
		s1fail("payload length out of range")
		return
	}
	pages := (FlashHeaderLen + n + PageSize - 1) / PageSize
	if mapFlash(e, 1, int(pages)) != nil {
		s1fail("cannot map the payload")
		return
	}
	img := unsafe.Slice((*byte)(unsafe.Add(nil, uintptr(stage1FlashVA+FlashHeaderLen))), n)
	entry, segs, err := ParseSegments(img, s1.segs[:])
	if err != nil {
		s1fail("payload is not a loadable ELF")
		return
	}
	for _, s := range segs {
		if loadSegment(e, img, s) != nil {
			s1fail("cannot map a payload segment (out of slots or memory?)")
			return
		}
	}
	b := append(s1.line[:0], "stage1: payload "...)
	b = appendUint(b, n)
	b = append(b, " bytes loaded, entry "...)
	b = appendHex(b, entry)
	b = append(b, ", slots used "...)
	b = appendUint(b, uint64(s1.bi.Empty.Len()-e.Slots.Free()))
	sayBytes(b)

	// The handoff page: allocated last, so it is part of what it reports.
	h, err := e.NewObject(SmallPageObject, 0)
	if err != nil || e.MapFrame(h.Cap, stage1HandoffVA, ReadWrite, PageCacheable|ExecuteNever) != nil {
		s1fail("cannot map the handoff page")
		return
	}
	hp := (*Handoff)(unsafe.Add(nil, uintptr(stage1HandoffVA)))
	e.FillHandoff(hp)
	jumpTo(uintptr(entry), biVA, stage1HandoffVA)
}

// mapFlash maps flash pages [first, first+n) at stage1FlashVA. Pages are
// taken in address order from the device untyped at 0, so no fillers.
func mapFlash(e *Env, first, n int) error {
	for i := first; i < first+n; i++ {
		pa := uint64(flashBase + i*PageSize)
		f, err := e.DeviceFrame(pa)
		if err != nil {
			return err
		}
		if err := e.MapFrame(f.Cap, stage1FlashVA+uint64(i)*PageSize, CanRead, PageCacheable|ExecuteNever); err != nil {
			return err
		}
	}
	return nil
}

// loadSegment backs a segment with fresh (zeroed) frames at its addresses,
// read-write-execute like the kernel maps a root task image, and copies its
// file bytes in. 2 MiB-aligned stretches get 2 MiB frames, so a large BSS
// does not run the root CNode out of slots.
func loadSegment(e *Env, img []byte, s Segment) error {
	start := s.Vaddr &^ (PageSize - 1)
	end := alignUp(s.Vaddr+s.Memsz, PageSize)
	const large = 1 << LargePageBits
	for va := start; va < end; {
		typ, bits := SmallPageObject, uint(PageBits)
		if va%large == 0 && end-va >= large {
			typ, bits = LargePageObject, LargePageBits
		}
		f, err := e.NewObject(typ, 0)
		if err != nil {
			return err
		}
		if err := e.mapFrame(f.Cap, va, bits, ReadWrite, PageCacheable); err != nil {
			return err
		}
		va += 1 << bits
	}
	dst := unsafe.Slice((*byte)(unsafe.Add(nil, uintptr(s.Vaddr))), s.Filesz)
	copy(dst, img[s.Offset:s.Offset+s.Filesz])
	// Make the copied code visible to instruction fetch.
	return e.Cache(UnifyInstruction, start, alignUp(s.Vaddr+s.Filesz, PageSize))
}

func s1fail(s string) {
	say("stage1: FAIL")
	say(s)
}
