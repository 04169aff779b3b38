package sel4

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// The fixture is a boot capture, not a synthesis: cmd/sel4-payload/probe,
// embedded with sel4-payload in the upstream qemu-arm-virt debug build and
// booted under QEMU (virt, cortex-a57, 1 GiB), printed its bootinfo frame and
// the first 64 bytes of extra bootinfo as hex.
func loadFixture(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/bootinfo-qemu-arm-virt.bin")
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != BootInfoFrameSize+64 {
		t.Fatalf("fixture is %d bytes", len(b))
	}
	return b
}

func TestParseBootInfoCapture(t *testing.T) {
	b := loadFixture(t)
	bi, err := ParseBootInfo(b[:BootInfoFrameSize], 0)
	if err != nil {
		t.Fatal(err)
	}
	if bi.InitThreadCNodeSizeBits != 13 || bi.NumNodes != 1 || bi.IPCBuffer != 0x125000 {
		t.Errorf("header: %+v", bi)
	}
	if bi.Empty != (SlotRegion{0x167, 0x2000}) || bi.Untyped != (SlotRegion{0x12a, 0x167}) {
		t.Errorf("empty %v untyped %v", bi.Empty, bi.Untyped)
	}
	if bi.ExtraLen != 16+7697 || bi.ExtraBIPages != (SlotRegion{0x13, 0x15}) {
		t.Errorf("extra: len %d pages %v", bi.ExtraLen, bi.ExtraBIPages)
	}
	if len(bi.Untypeds) != 61 {
		t.Fatalf("%d untypeds", len(bi.Untypeds))
	}
	// The device untypeds cover the PL011, PL031 and virtio-mmio windows.
	for _, pa := range []uint64{0x0900_0000, 0x0901_0000, 0x0a00_3e00} {
		found := false
		for _, u := range bi.Untypeds {
			if u.IsDevice && pa >= u.Paddr && pa < u.End() {
				found = true
			}
		}
		if !found {
			t.Errorf("no device untyped covers %#x", pa)
		}
	}
	if got := bi.RAMBytes() >> 20; got < 1000 || got > 1024 {
		t.Errorf("RAM %d MiB, want about 1 GiB", got)
	}
	// The captured extra bootinfo starts with the FDT chunk the kernel copied.
	ex := b[BootInfoFrameSize:]
	if id, n := binary.LittleEndian.Uint64(ex), binary.LittleEndian.Uint64(ex[8:]); id != ExtraFDT || n != bi.ExtraLen {
		t.Errorf("extra header id %d len %d", id, n)
	}
	if binary.BigEndian.Uint32(ex[16:]) != fdtMagic {
		t.Error("no FDT magic after the extra header")
	}
}

func TestParseBootInfoRejects(t *testing.T) {
	good := loadFixture(t)[:BootInfoFrameSize]
	put := func(off int, v uint64) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint64(b[off:], v)
		return b
	}
	desc := func(i, field int, v byte) []byte {
		b := bytes.Clone(good)
		b[biUntypedListOff+i*untypedDescSize+field] = v
		return b
	}
	for _, tc := range []struct {
		name  string
		frame []byte
		max   int
		want  string
	}{
		{"short", good[:0x40], 0, "shorter"},
		{"cnode bits", put(0x88, 0), 0, "initThreadCNodeSizeBits"},
		{"empty inverted", put(0x28, 0x3000), 0, "empty region"},
		{"empty past cnode", put(0x30, 0x4000), 0, "empty region"},
		{"no empty", put(0x30, 0x167), 0, "no empty"},
		{"untyped too many", good, 10, "more than the kernel's maximum"},
		{"untyped past frame", put(0xA0, 0x12a+250), 300, "run past"},
		{"size bits", desc(3, 8, 3), 0, "sizeBits"},
		{"device flag", desc(3, 9, 7), 0, "isDevice"},
		{"unaligned", desc(30, 0, 0x10), 0, "not aligned"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseBootInfo(tc.frame, tc.max)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if !errors.Is(err, vfs.ErrInvalid) {
				t.Errorf("kind = %v, want Invalid", vfs.KindOf(err))
			}
		})
	}
}

// extraChunk builds one extra-bootinfo chunk.
func extraChunk(id uint64, data []byte) []byte {
	h := make([]byte, extraHeaderLen)
	binary.LittleEndian.PutUint64(h, id)
	binary.LittleEndian.PutUint64(h[8:], uint64(extraHeaderLen+len(data)))
	return append(h, data...)
}

// tinyFDT is a synthetic device tree header: magic and totalsize.
func tinyFDT(total int) []byte {
	b := make([]byte, total)
	binary.BigEndian.PutUint32(b, fdtMagic)
	binary.BigEndian.PutUint32(b[4:], uint32(total))
	return b
}

func TestFDT(t *testing.T) {
	fdt := tinyFDT(40)
	region := append(extraChunk(ExtraFDT, append(bytes.Clone(fdt), 0, 0, 0, 0)), extraChunk(ExtraPadding, make([]byte, 100))...)
	got, err := FDT(region)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, fdt) {
		t.Errorf("FDT = %x, want %x", got, fdt)
	}
	if _, err := FDT(extraChunk(ExtraPadding, nil)); !errors.Is(err, vfs.ErrNotFound) {
		t.Errorf("no FDT: %v", err)
	}
	for name, bad := range map[string][]byte{
		"stray":     append(extraChunk(ExtraFDT, fdt), 1, 2, 3),
		"len short": {6, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0},
		"len long":  extraChunk(ExtraFDT, fdt)[:30],
		"magic":     extraChunk(ExtraFDT, make([]byte, 40)),
		"total":     extraChunk(ExtraFDT, tinyFDT(40)[:20]),
	} {
		if _, err := FDT(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParseBootInfo(f *testing.F) {
	f.Add(loadFixture(f)[:BootInfoFrameSize])
	f.Add(make([]byte, 0xA8))
	f.Fuzz(func(t *testing.T, b []byte) {
		bi, err := ParseBootInfo(b, 0)
		if err != nil {
			return
		}
		if bi.Untyped.Len() != len(bi.Untypeds) || bi.Empty.Len() <= 0 {
			t.Fatalf("inconsistent bootinfo %+v", bi)
		}
		// Whatever parsed must seed the allocators without panicking.
		NewSlotAllocator(bi.Empty)
		NewUntypedAllocator(bi)
	})
}

func FuzzParseExtra(f *testing.F) {
	f.Add(extraChunk(ExtraFDT, tinyFDT(40)))
	f.Add(loadFixture(f)[BootInfoFrameSize:])
	f.Fuzz(func(t *testing.T, b []byte) {
		chunks, err := ParseExtra(b)
		if err != nil {
			return
		}
		n := 0
		for _, c := range chunks {
			n += extraHeaderLen + len(c.Data)
		}
		if n != len(b) {
			t.Fatalf("chunks cover %d of %d bytes", n, len(b))
		}
		FDT(b)
	})
}
