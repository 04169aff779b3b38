package sel4

import (
	"errors"
	"testing"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// tableKernel answers like a kernel on a fresh address space, with no state
// that allocates: Page_Map reports FailedLookup until three page tables have
// been mapped, everything else succeeds.
type tableKernel struct {
	l      Labels
	tables int
	calls  int
}

func (k *tableKernel) Call(dest CPtr, m Msg) Msg {
	k.calls++
	switch m.Info.Label() {
	case k.l.ARMPageMap:
		if k.tables < 3 {
			return reply(FailedLookup)
		}
	case k.l.ARMPageTableMap:
		k.tables++
	}
	return reply(NoError)
}

var (
	bootBI       BootInfo
	bootUntypeds [DefaultMaxBootInfoUntypeds]UntypedDesc
	bootSlotBits [1 << (MaxRootCNodeBits - 6)]uint64
	bootUTState  [DefaultMaxBootInfoUntypeds]untypedState
	bootSlots    SlotAllocator
	bootUT       UntypedAllocator
	bootEnv      Env
	bootKernel   tableKernel
)

// TestBootPathDoesNotAllocate runs what the seL4 board does in the runtime's
// memory hook — decode bootinfo and the kernel config, set up the
// allocators, map a heap window with 2 MiB frames and the PL011 and PL031
// pages — and checks it makes no heap allocation: it runs before the Go
// heap exists.
func TestBootPathDoesNotAllocate(t *testing.T) {
	frame := loadFixture(t)[:BootInfoFrameSize]
	cfgString := DefaultKernelConfig.String()
	var failed error
	allocs := testing.AllocsPerRun(5, func() {
		cfg, err := ParseKernelConfig(cfgString)
		if err != nil {
			failed = err
			return
		}
		labels, _ := LabelsByName(cfg.Labels)
		if err := ParseBootInfoInto(&bootBI, frame, cfg.Untypeds, bootUntypeds[:]); err != nil {
			failed = err
			return
		}
		bootSlots.Init(bootBI.Empty, bootSlotBits[:])
		bootUT.init(&bootBI, bootUTState[:])
		bootKernel = tableKernel{l: labels}
		initEnv(&bootEnv, &bootKernel, labels, &bootBI, &bootSlots, &bootUT)
		if err := bootEnv.MapRAMLarge(0x10_0000_0000, 64); err != nil {
			failed = err
			return
		}
		for i, pa := range []uint64{0x0900_0000, PL031Base} {
			if _, err := bootEnv.MapDevice(pa, 0x20_0000_0000+uint64(i)*PageSize); err != nil {
				failed = err
				return
			}
		}
	})
	if failed != nil {
		t.Fatal(failed)
	}
	if allocs != 0 {
		t.Errorf("boot path allocates %.0f times per run", allocs)
	}
	if bootKernel.tables != 3 {
		t.Errorf("page tables mapped: %d", bootKernel.tables)
	}
}

func TestMapRAMLargeAgainstModel(t *testing.T) {
	e, k := captureEnv(t)
	if err := e.MapRAMLarge(0x10_2000_0000, 300); err != nil { // 600 MiB from 512 MiB in crosses a 1 GiB boundary
		t.Fatal(err)
	}
	if e.PageTables != 3 { // one level-1 table, two level-2 tables
		t.Errorf("%d page tables, want 3", e.PageTables)
	}
	for c, m := range k.caps {
		if m.typ == LargePageObject && (m.device || m.paddr%(2<<20) != 0 || !m.mapped) {
			t.Errorf("large frame %#x: %+v", c, m)
		}
	}
	// RAM is about 1 GiB: a 2 GiB window cannot be backed.
	if err := e.MapRAMLarge(0x20_0000_0000, 1024); !errors.Is(err, vfs.ErrBufferFull) {
		t.Errorf("oversized heap: %v", err)
	}
}
