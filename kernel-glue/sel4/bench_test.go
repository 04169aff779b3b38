package sel4

import "testing"

func BenchmarkParseBootInfo(b *testing.B) {
	frame := loadFixture(b)[:BootInfoFrameSize]
	var bi BootInfo
	var uts [DefaultMaxBootInfoUntypeds]UntypedDesc
	b.ReportAllocs()
	for b.Loop() {
		if err := ParseBootInfoInto(&bi, frame, 0, uts[:]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSlotAllocRelease(b *testing.B) {
	a := NewSlotAllocator(SlotRegion{0x167, 0x2000})
	for range 4000 { // a half-full CNode
		a.Alloc()
	}
	b.ReportAllocs()
	for b.Loop() {
		c, err := a.Alloc()
		if err != nil {
			b.Fatal(err)
		}
		a.Release(c)
	}
}

// BenchmarkMapRAM is the cost, on the host, of planning and encoding one
// 1000 4 KiB heap mappings against a kernel that always says yes.
func BenchmarkMapRAM(b *testing.B) {
	bi, err := ParseBootInfo(loadFixture(b)[:BootInfoFrameSize], 0)
	if err != nil {
		b.Fatal(err)
	}
	k := &tableKernel{l: Labels14, tables: 3}
	b.ReportAllocs()
	for b.Loop() {
		e := NewEnv(k, Labels14, bi)
		for i := range 1000 {
			if err := e.MapRAM(HeapVA+uint64(i)*PageSize, 1); err != nil {
				b.Fatal(err)
			}
		}
	}
}
