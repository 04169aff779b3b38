package sel4

import (
	"errors"
	"testing"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

func TestSlotAllocator(t *testing.T) {
	a := NewSlotAllocator(SlotRegion{0x100, 0x100 + 130})
	for i := range 130 {
		c, err := a.Alloc()
		if err != nil || c != CPtr(0x100+i) {
			t.Fatalf("Alloc %d = %#x, %v", i, c, err)
		}
	}
	if _, err := a.Alloc(); !errors.Is(err, vfs.ErrBufferFull) {
		t.Fatalf("exhausted: %v", err)
	}
	for _, c := range []CPtr{0x110, 0x111, 0x112, 0x150} {
		if err := a.Release(c); err != nil {
			t.Fatal(err)
		}
	}
	if a.Free() != 4 {
		t.Errorf("Free = %d", a.Free())
	}
	if err := a.Release(0x110); !errors.Is(err, vfs.ErrInvalid) {
		t.Errorf("double release: %v", err)
	}
	if err := a.Release(0x10); !errors.Is(err, vfs.ErrInvalid) {
		t.Errorf("release outside: %v", err)
	}
	if c, err := a.AllocRange(3); err != nil || c != 0x110 {
		t.Errorf("AllocRange(3) = %#x, %v", c, err)
	}
	if _, err := a.AllocRange(2); !errors.Is(err, vfs.ErrBufferFull) {
		t.Errorf("no run of 2: %v", err)
	}
	if c, err := a.Alloc(); err != nil || c != 0x150 {
		t.Errorf("Alloc after range = %#x, %v", c, err)
	}
	if _, err := a.AllocRange(0); !errors.Is(err, vfs.ErrInvalid) {
		t.Errorf("AllocRange(0): %v", err)
	}
}

func testBootInfo() *BootInfo {
	return &BootInfo{
		InitThreadCNodeSizeBits: 12,
		Empty:                   SlotRegion{0x100, 0x1000},
		Untyped:                 SlotRegion{0x20, 0x24},
		Untypeds: []UntypedDesc{
			{Paddr: 0x0900_0000, SizeBits: 24, IsDevice: true},
			{Paddr: 0x4000_0000, SizeBits: 20},
			{Paddr: 0x4010_0000, SizeBits: 14},
			{Paddr: 0x4800_0000, SizeBits: 27},
		},
	}
}

func TestUntypedAllocBestFit(t *testing.T) {
	bi := testBootInfo()
	a, s := NewUntypedAllocator(bi), NewSlotAllocator(bi.Empty)
	for _, tc := range []struct {
		t        ObjectType
		bits     uint
		wantUT   CPtr
		wantPA   uint64
		wantKind vfs.Kind
	}{
		{EndpointObject, 0, 0x22, 0x4010_0000, 0},  // smallest RAM untyped
		{TCBObject, 0, 0x22, 0x4010_0800, 0},       // aligned up to 2 KiB
		{SmallPageObject, 0, 0x22, 0x4010_1000, 0}, //
		{UntypedObject, 14, 0x21, 0x4000_0000, 0},  // 16 KiB no longer fits the 16 KiB one
		{UntypedObject, 21, 0x23, 0x4800_0000, 0},  // only the 128 MiB one
		{UntypedObject, 28, 0, 0, vfs.BufferFull},  // too big for any RAM
		{CapTableObject, 0, 0, 0, vfs.Invalid},     // radix 0
		{ObjectType(77), 0, 0, 0, vfs.Invalid},     // unknown type
	} {
		r, err := a.Alloc(tc.t, tc.bits, s)
		if tc.wantKind != 0 {
			if vfs.KindOf(err) != tc.wantKind {
				t.Errorf("Alloc(%d, %d) = %v, want %v", tc.t, tc.bits, err, tc.wantKind)
			}
			continue
		}
		if err != nil || r.Untyped != tc.wantUT || r.Paddr != tc.wantPA {
			t.Errorf("Alloc(%d, %d) = %v, %v; want ut %#x pa %#x", tc.t, tc.bits, r, err, tc.wantUT, tc.wantPA)
		}
	}
}

func TestUntypedAllocAtFillers(t *testing.T) {
	bi := testBootInfo()
	a, s := NewUntypedAllocator(bi), NewSlotAllocator(bi.Empty)
	// PL011 at the base of the device untyped: no filler.
	plan, err := a.AllocAt(0x0900_0000, SmallPageObject, 0, s, nil)
	if err != nil || len(plan) != 1 || plan[0].Paddr != 0x0900_0000 {
		t.Fatalf("PL011 plan %v, %v", plan, err)
	}
	// PL031 at +64 KiB: fillers 4K, 8K, 16K, 32K then the page.
	plan, err = a.AllocAt(0x0901_0000, SmallPageObject, 0, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantBits := []uint{12, 13, 14, 15}
	if len(plan) != len(wantBits)+1 {
		t.Fatalf("plan %v", plan)
	}
	cur := uint64(0x0900_1000)
	for i, k := range wantBits {
		if plan[i].Type != UntypedObject || plan[i].SizeBits != k || plan[i].Paddr != cur {
			t.Errorf("filler %d = %v, want 2^%d at %#x", i, plan[i], k, cur)
		}
		cur += 1 << k
	}
	if last := plan[len(plan)-1]; last.Paddr != 0x0901_0000 || last.Type != SmallPageObject || cur != last.Paddr {
		t.Errorf("last = %v", last)
	}
	if _, err := a.AllocAt(0x0900_8000, SmallPageObject, 0, s, nil); !errors.Is(err, vfs.ErrBusy) {
		t.Errorf("below watermark: %v", err)
	}
	if _, err := a.AllocAt(0x0902_0000, TCBObject, 0, s, nil); !errors.Is(err, vfs.ErrInvalid) {
		t.Errorf("TCB from device memory: %v", err)
	}
	if _, err := a.AllocAt(0x0902_0800, SmallPageObject, 0, s, nil); !errors.Is(err, vfs.ErrInvalid) {
		t.Errorf("unaligned: %v", err)
	}
	if _, err := a.AllocAt(0x2000_0000, SmallPageObject, 0, s, nil); !errors.Is(err, vfs.ErrNotFound) {
		t.Errorf("uncovered: %v", err)
	}
	// When slots run out mid-plan, the fillers' slots come back.
	tight := NewSlotAllocator(SlotRegion{0x100, 0x102})
	if _, err := a.AllocAt(0x0980_0000, SmallPageObject, 0, tight, nil); !errors.Is(err, vfs.ErrBufferFull) {
		t.Fatalf("tight: %v", err)
	}
	if tight.Free() != 2 {
		t.Errorf("slots leaked: %d free", tight.Free())
	}
	if got := a.Used(0x20); got != 0x11000 {
		t.Errorf("Used = %#x", got)
	}
}
