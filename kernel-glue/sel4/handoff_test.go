package sel4

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

func TestHandoffRoundTrip(t *testing.T) {
	stage1, k := captureEnv(t)
	if _, err := stage1.MapDevice(0x0000_0000, DeviceVA); err != nil { // the flash page
		t.Fatal(err)
	}
	if err := stage1.MapRAM(0x10000, 40); err != nil {
		t.Fatal(err)
	}
	var h Handoff
	stage1.FillHandoff(&h)

	// The rootserver starts from the same bootinfo with a fresh Env.
	bi := stage1.BI
	root := NewEnv(k, Labels14, bi)
	if err := root.ApplyHandoff(&h); err != nil {
		t.Fatal(err)
	}
	if root.Slots.Free() != stage1.Slots.Free() {
		t.Errorf("free slots %d, stage 1 left %d", root.Slots.Free(), stage1.Slots.Free())
	}
	// The model kernel refuses any slot or address clash, and GetAddress
	// must still match the allocator's prediction.
	d, err := root.DMA(DMAVA, 13)
	if err != nil {
		t.Fatal(err)
	}
	if pa, err := root.Inv.PageGetAddress(d.Frame(1)); err != nil || pa != d.Paddr+PageSize {
		t.Errorf("after handoff: frame at %#x (%v), predicted %#x", pa, err, d.Paddr+PageSize)
	}
	if _, err := root.MapDevice(PL011Base, DeviceVA+PageSize); err != nil {
		t.Errorf("PL011 after handoff: %v", err)
	}

	bad := h
	bad.Magic = 1
	if err := NewEnv(k, Labels14, bi).ApplyHandoff(&bad); !errors.Is(err, vfs.ErrInvalid) {
		t.Errorf("bad magic: %v", err)
	}
	bad = h
	bad.Count = 3
	if err := NewEnv(k, Labels14, bi).ApplyHandoff(&bad); !errors.Is(err, vfs.ErrInvalid) {
		t.Errorf("bad count: %v", err)
	}
	bad = h
	bad.Watermarks[0] = 1 << 40
	if err := NewEnv(k, Labels14, bi).ApplyHandoff(&bad); !errors.Is(err, vfs.ErrInvalid) {
		t.Errorf("bad watermark: %v", err)
	}
}

// elfHeader writes a minimal ELF64 AArch64 header with phdrs at 64.
func elfHeader(entry uint64, segs []Segment) []byte {
	le := binary.LittleEndian
	b := make([]byte, 64+56*len(segs))
	copy(b, "\x7fELF\x02\x01\x01")
	le.PutUint16(b[16:], 2)
	le.PutUint16(b[18:], 183)
	le.PutUint64(b[24:], entry)
	le.PutUint64(b[32:], 64)
	le.PutUint16(b[54:], 56)
	le.PutUint16(b[56:], uint16(len(segs)))
	for i, s := range segs {
		p := b[64+56*i:]
		le.PutUint32(p, 1)
		le.PutUint64(p[8:], s.Offset)
		le.PutUint64(p[16:], s.Vaddr)
		le.PutUint64(p[32:], s.Filesz)
		le.PutUint64(p[40:], s.Memsz)
	}
	return b
}

func TestParseSegments(t *testing.T) {
	want := []Segment{{Vaddr: 0x10000, Memsz: 0x100, Offset: 0, Filesz: 0x100}, {Vaddr: 0x21000, Memsz: 0x5000, Offset: 0x1000, Filesz: 0x10}}
	img := append(elfHeader(0x10040, want), make([]byte, 0x1010)...)
	var buf [maxSegments]Segment
	entry, segs, err := ParseSegments(img, buf[:])
	if err != nil || entry != 0x10040 || len(segs) != 2 || segs[1] != want[1] {
		t.Fatalf("ParseSegments = %#x %v %v", entry, segs, err)
	}
	if n := testing.AllocsPerRun(10, func() { ParseSegments(img, buf[:]) }); n != 0 {
		t.Errorf("allocates %v", n)
	}
	for name, segs := range map[string][]Segment{
		"past end":     {{Vaddr: 0x10000, Memsz: 0x3000, Offset: 0x1000, Filesz: 0x2000}},
		"incongruent":  {{Vaddr: 0x10010, Memsz: 0x10, Offset: 0x20, Filesz: 0x10}},
		"filesz>memsz": {{Vaddr: 0x10000, Memsz: 0x10, Offset: 0, Filesz: 0x20}},
		"none":         {},
	} {
		img := append(elfHeader(0, segs), make([]byte, 0x1010)...)
		if _, _, err := ParseSegments(img, buf[:]); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, _, err := ParseSegments([]byte("\x7fELF"), buf[:]); err == nil {
		t.Error("short image accepted")
	}
}

func FuzzParseSegments(f *testing.F) {
	f.Add(append(elfHeader(0x10040, []Segment{{Vaddr: 0x10000, Memsz: 0x100, Filesz: 0x100}}), make([]byte, 256)...))
	f.Fuzz(func(t *testing.T, img []byte) {
		var buf [maxSegments]Segment
		_, segs, err := ParseSegments(img, buf[:])
		if err != nil {
			return
		}
		for _, s := range segs {
			if s.Offset+s.Filesz > uint64(len(img)) || s.Filesz > s.Memsz {
				t.Fatalf("bad segment accepted: %+v", s)
			}
		}
	})
}
