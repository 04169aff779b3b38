package sel4

import (
	"github.com/cohesix/cohesix/p9srv/vfs"
)

// Env is the root task's resource state: the kernel, its bootinfo and the
// two allocators. Everything the runtime hooks and drivers need from seL4
// (memory for the heap, device frames, DMA frames, cache maintenance) goes
// through it.
type Env struct {
	Inv     Invoker
	BI      *BootInfo
	Slots   *SlotAllocator
	Untyped *UntypedAllocator
	// VSpace is the root task's address space (seL4_CapInitThreadVSpace).
	VSpace CPtr
	// PageTables counts the page tables Env has mapped, for the boot log.
	PageTables int
}

// NewEnv builds an Env from decoded bootinfo.
func NewEnv(k Kernel, l Labels, bi *BootInfo) *Env {
	return &Env{
		Inv:     Invoker{K: k, L: l},
		BI:      bi,
		Slots:   NewSlotAllocator(bi.Empty),
		Untyped: NewUntypedAllocator(bi),
		VSpace:  CapInitThreadVSpace,
	}
}

// initEnv is NewEnv into static storage, for the boot path before the heap.
func initEnv(e *Env, k Kernel, l Labels, bi *BootInfo, slots *SlotAllocator, ut *UntypedAllocator) {
	*e = Env{Inv: Invoker{K: k, L: l}, BI: bi, Slots: slots, Untyped: ut, VSpace: CapInitThreadVSpace}
}

// retype performs planned retypes in order. The allocator's model has
// already advanced; a kernel refusal means the model is wrong, so it is
// reported as an internal error with the kernel's code.
func (e *Env) retype(plan ...Retype) error {
	for _, r := range plan {
		if err := e.Inv.UntypedRetype(r.Untyped, r.Type, r.SizeBits, r.Dest, 1); err != nil {
			return err
		}
	}
	return nil
}

// Object is a kernel object the Env made: its slot and physical address.
type Object struct {
	Cap   CPtr
	Paddr uint64
}

// NewObject makes one object of type t from RAM.
func (e *Env) NewObject(t ObjectType, sizeBits uint) (Object, error) {
	r, err := e.Untyped.Alloc(t, sizeBits, e.Slots)
	if err != nil {
		return Object{}, err
	}
	if err := e.retype(r); err != nil {
		return Object{}, err
	}
	return Object{Cap: r.Dest, Paddr: r.Paddr}, nil
}

// DeviceFrame makes the 4 KiB frame cap for the device page at pa.
func (e *Env) DeviceFrame(pa uint64) (Object, error) {
	var buf [MaxPlan]Retype
	plan, err := e.Untyped.AllocAt(pa, SmallPageObject, 0, e.Slots, buf[:0])
	if err != nil {
		return Object{}, err
	}
	if err := e.retype(plan...); err != nil {
		return Object{}, err
	}
	last := plan[len(plan)-1]
	return Object{Cap: last.Dest, Paddr: last.Paddr}, nil
}

// maxPagingLevels is how many page tables a fresh 4 KiB mapping may need
// below the VSpace root (levels 1, 2 and 3 of the four-level tree).
const maxPagingLevels = 3

// MapFrame maps a 4 KiB frame at va, creating the page tables that are
// missing: Page_Map reports FailedLookup while a level is absent, and each
// PageTable_Map fills the deepest missing one (§6 "Mapping memory").
func (e *Env) MapFrame(frame CPtr, va uint64, rights Rights, attr VMAttributes) error {
	return e.mapFrame(frame, va, PageBits, rights, attr)
}

// mapFrame maps a frame of 2^bits bytes. FailedLookup is the expected answer
// while tables are missing, so it is handled by code, without an error
// value: this runs before the Go heap exists.
func (e *Env) mapFrame(frame CPtr, va uint64, bits uint, rights Rights, attr VMAttributes) error {
	if va&(1<<bits-1) != 0 || va > UserTop {
		return errorf(vfs.Invalid, "map", "va %#x not a 2^%d-aligned user address", va, bits)
	}
	for range maxPagingLevels + 1 {
		r, code := e.Inv.raw(frame, e.Inv.L.ARMPageMap, []CPtr{e.VSpace}, va, Word(rights), Word(attr))
		if code != FailedLookup {
			if code != NoError {
				return newError("Page_Map", frame, code, r)
			}
			return nil
		}
		pt, err := e.NewObject(PageTableObject, 0)
		if err != nil {
			return err
		}
		if err := e.Inv.PageTableMap(pt.Cap, e.VSpace, va, DefaultVMAttr); err != nil {
			return err
		}
		e.PageTables++
	}
	return errorf(vfs.KindInternal, "map", "va %#x still unmapped after %d page tables", va, maxPagingLevels)
}

// MapDevice maps the device page at pa to va: uncached (Device-nGnRnE),
// never executable.
func (e *Env) MapDevice(pa, va uint64) (Object, error) {
	f, err := e.DeviceFrame(pa)
	if err != nil {
		return Object{}, err
	}
	return f, e.MapFrame(f.Cap, va, ReadWrite, DeviceVMAttr)
}

// MapRAM backs [va, va+pages*4KiB) with fresh RAM frames: read-write,
// cacheable, never executable. The runtime's heap (sysAlloc/sysMap) is made
// of these.
func (e *Env) MapRAM(va uint64, pages int) error {
	for i := range pages {
		f, err := e.NewObject(SmallPageObject, 0)
		if err != nil {
			return err
		}
		if err := e.MapFrame(f.Cap, va+uint64(i)*PageSize, ReadWrite, PageCacheable|ExecuteNever); err != nil {
			return err
		}
	}
	return nil
}

// MapRAMLarge backs [va, va+n*2MiB) with 2 MiB RAM frames (read-write,
// cacheable, never executable): the heap window, in few calls.
func (e *Env) MapRAMLarge(va uint64, n int) error {
	for i := range n {
		f, err := e.NewObject(LargePageObject, 0)
		if err != nil {
			return err
		}
		if err := e.mapFrame(f.Cap, va+uint64(i)<<LargePageBits, LargePageBits, ReadWrite, PageCacheable|ExecuteNever); err != nil {
			return err
		}
	}
	return nil
}

// DMARegion is physically contiguous memory mapped at VA, backed by Count
// frame caps in consecutive slots from First.
type DMARegion struct {
	VA, Paddr uint64
	Size      uint64
	First     CPtr
	Count     int
}

// Frame is the cap of the i'th 4 KiB frame.
func (d DMARegion) Frame(i int) CPtr { return d.First + CPtr(i) }

// DMA maps 2^sizeBits bytes (at least one page) of physically contiguous RAM
// at va for a device. It carves one untyped of that size from RAM and
// retypes it into consecutive frames, so the physical address of every byte
// is known. Mapped cacheable: QEMU virt is dma-coherent; on non-coherent
// hardware callers bracket device access with Cache.
func (e *Env) DMA(va uint64, sizeBits uint) (DMARegion, error) {
	if sizeBits < PageBits {
		sizeBits = PageBits
	}
	ut, err := e.NewObject(UntypedObject, sizeBits)
	if err != nil {
		return DMARegion{}, err
	}
	n := 1 << (sizeBits - PageBits)
	first, err := e.Slots.AllocRange(n)
	if err != nil {
		return DMARegion{}, err
	}
	if err := e.Inv.UntypedRetype(ut.Cap, SmallPageObject, 0, first, n); err != nil {
		return DMARegion{}, err
	}
	d := DMARegion{VA: va, Paddr: ut.Paddr, Size: 1 << sizeBits, First: first, Count: n}
	for i := range n {
		if err := e.MapFrame(d.Frame(i), va+uint64(i)*PageSize, ReadWrite, PageCacheable|ExecuteNever); err != nil {
			return DMARegion{}, err
		}
	}
	return d, nil
}

// Cache applies a cache maintenance operation to [start, end) of the root
// VSpace, one 4 KiB page at a time because the kernel refuses a range that
// leaves the frame its start is in. Errors carry the kernel's code
// (RangeError, InvalidArgument) so misuse shows in the log.
func (e *Env) Cache(op CacheOp, start, end uint64) error {
	if end <= start || end > UserTop {
		return errorf(vfs.Invalid, "cache", "%v range [%#x, %#x)", op, start, end)
	}
	for a := start; a < end; {
		next := min(alignUp(a+1, PageSize), end)
		if err := e.Inv.VSpaceCache(op, e.VSpace, a, next); err != nil {
			return err
		}
		a = next
	}
	return nil
}
