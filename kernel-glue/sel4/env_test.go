package sel4

import (
	"errors"
	"testing"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

func captureEnv(t *testing.T) (*Env, *modelKernel) {
	t.Helper()
	bi, err := ParseBootInfo(loadFixture(t)[:BootInfoFrameSize], 0)
	if err != nil {
		t.Fatal(err)
	}
	k := newModelKernel(t, Labels14, bi)
	return NewEnv(k, Labels14, bi), k
}

func TestEnvDeviceFrames(t *testing.T) {
	e, k := captureEnv(t)
	const devVA = 0x0000_0100_0000_0000
	for i, pa := range []uint64{0x0900_0000, 0x0901_0000, 0x0a00_3000, 0x0a00_2000 + 0x1000*8} {
		// The last page lies above the previous one in the same untyped.
		f, err := e.MapDevice(pa, devVA+uint64(i)*PageSize)
		if err != nil {
			t.Fatalf("MapDevice(%#x): %v", pa, err)
		}
		if got := k.caps[f.Cap].paddr; got != pa || f.Paddr != pa || !k.caps[f.Cap].device {
			t.Errorf("frame for %#x is at %#x (Object says %#x)", pa, got, f.Paddr)
		}
		got, err := e.Inv.PageGetAddress(f.Cap)
		if err != nil || got != pa {
			t.Errorf("GetAddress = %#x, %v", got, err)
		}
	}
	if e.PageTables != 3 {
		t.Errorf("%d page tables for one 2 MiB window, want 3", e.PageTables)
	}
	// The PL011 page is handed out; asking again must fail, not alias.
	if _, err := e.DeviceFrame(0x0900_0000); !errors.Is(err, vfs.ErrBusy) {
		t.Errorf("second PL011 frame: %v", err)
	}
	if _, err := e.DeviceFrame(0x0800_0000); !errors.Is(err, vfs.ErrNotFound) {
		t.Errorf("GIC distributor (kernel-only) frame: %v", err)
	}
}

func TestEnvHeapAndDMA(t *testing.T) {
	e, k := captureEnv(t)
	const heapVA = 0x0000_0040_0000_0000
	if err := e.MapRAM(heapVA, 600); err != nil { // crosses a 2 MiB boundary
		t.Fatal(err)
	}
	if len(k.pages) != 600 || e.PageTables != 4 {
		t.Errorf("%d pages, %d page tables; want 600 and 4", len(k.pages), e.PageTables)
	}
	d, err := e.DMA(0x0000_0080_0000_0000, 14)
	if err != nil {
		t.Fatal(err)
	}
	if d.Size != 16<<10 || d.Count != 4 {
		t.Fatalf("DMA region %+v", d)
	}
	for i := range d.Count {
		f := d.Frame(i)
		pa, err := e.Inv.PageGetAddress(f)
		if err != nil || pa != d.Paddr+uint64(i)*PageSize {
			t.Errorf("DMA frame %d at %#x (%v), want %#x", i, pa, err, d.Paddr+uint64(i)*PageSize)
		}
		if k.caps[f].device {
			t.Error("DMA frame from device memory")
		}
	}
	// Cache maintenance over three pages splits at page boundaries.
	if err := e.Cache(CleanData, d.VA+0x800, d.VA+0x2800); err != nil {
		t.Fatal(err)
	}
	if len(k.cache) != 3 {
		t.Errorf("cache calls %v, want 3", k.cache)
	}
	if err := e.Cache(CleanInvalidateData, d.VA, d.VA); !errors.Is(err, vfs.ErrInvalid) {
		t.Errorf("empty range: %v", err)
	}
	var ke *Error
	if err := e.Cache(InvalidateData, 0x7000_0000_0000, 0x7000_0000_0100); !errors.As(err, &ke) || ke.Code != FailedLookup {
		t.Errorf("unmapped range: %v", err)
	}
}

func TestEnvRunsOutCleanly(t *testing.T) {
	bi, err := ParseBootInfo(loadFixture(t)[:BootInfoFrameSize], 0)
	if err != nil {
		t.Fatal(err)
	}
	bi.Empty.End = bi.Empty.Start + 5
	k := newModelKernel(t, Labels14, bi)
	e := NewEnv(k, Labels14, bi)
	err = e.MapRAM(0x4000_0000_00, 10)
	if !errors.Is(err, vfs.ErrBufferFull) {
		t.Fatalf("MapRAM with 5 slots: %v, want BufferFull", err)
	}
}
