package sel4

import (
	"fmt"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// Retype is one Untyped_Retype of a single object, as planned by the
// UntypedAllocator: which untyped, what object, into which slot, and the
// physical address the kernel will place it at.
type Retype struct {
	Untyped  CPtr
	Type     ObjectType
	SizeBits uint
	Dest     CPtr
	Paddr    uint64
}

func (r Retype) String() string {
	return fmt.Sprintf("retype ut %#x -> type %d bits %d slot %#x paddr %#x", Word(r.Untyped), r.Type, r.SizeBits, Word(r.Dest), r.Paddr)
}

type untypedState struct {
	cap  CPtr
	desc UntypedDesc
	// watermark is the kernel's freeIndex in bytes: objects are placed at
	// the next address aligned to their size, and never below it.
	watermark uint64
}

// UntypedAllocator models the kernel's placement in every untyped so that it
// knows, before the kernel does, the physical address of each object. That
// is what gives DMA frames known addresses and lets a device frame be cut
// at a chosen address. Objects are never freed: the root task's memory is
// laid out once at boot.
type UntypedAllocator struct {
	uts []untypedState
}

// NewUntypedAllocator takes the untypeds from bootinfo, all unused.
func NewUntypedAllocator(bi *BootInfo) *UntypedAllocator {
	a := &UntypedAllocator{}
	a.init(bi, make([]untypedState, len(bi.Untypeds)))
	return a
}

// init sets a up with buf (at least len(bi.Untypeds) entries) as storage.
func (a *UntypedAllocator) init(bi *BootInfo, buf []untypedState) bool {
	if len(buf) < len(bi.Untypeds) {
		return false
	}
	a.uts = buf[:len(bi.Untypeds)]
	for i, u := range bi.Untypeds {
		a.uts[i] = untypedState{cap: bi.UntypedCap(i), desc: u}
	}
	return true
}

func alignUp(v, a uint64) uint64 { return (v + a - 1) &^ (a - 1) }

// place returns where an object of 2^objBits would go in u, if it fits.
func (u *untypedState) place(objBits uint) (uint64, bool) {
	if objBits > uint(u.desc.SizeBits) {
		return 0, false
	}
	pa := alignUp(u.desc.Paddr+u.watermark, 1<<objBits)
	return pa, pa+(1<<objBits) <= u.desc.End()
}

// Alloc plans one object of type t from RAM (never device memory: kernel
// objects and the heap must be RAM). It takes the smallest untyped that
// fits, to keep large ones whole for large requests, and the destination
// slot from slots.
func (a *UntypedAllocator) Alloc(t ObjectType, sizeBits uint, slots *SlotAllocator) (Retype, error) {
	objBits, ok := ObjectBits(t, sizeBits)
	if !ok {
		return Retype{}, errorf(vfs.Invalid, "untyped", "object type %d with size bits %d", t, sizeBits)
	}
	best := -1
	for i := range a.uts {
		u := &a.uts[i]
		if u.desc.IsDevice {
			continue
		}
		if _, ok := u.place(objBits); !ok {
			continue
		}
		if best < 0 || u.desc.SizeBits < a.uts[best].desc.SizeBits {
			best = i
		}
	}
	if best < 0 {
		return Retype{}, errorf(vfs.BufferFull, "untyped", "no RAM untyped can hold a 2^%d-byte object", objBits)
	}
	dest, err := slots.Alloc()
	if err != nil {
		return Retype{}, err
	}
	u := &a.uts[best]
	pa, _ := u.place(objBits)
	u.watermark = pa + 1<<objBits - u.desc.Paddr
	return Retype{Untyped: u.cap, Type: t, SizeBits: sizeBits, Dest: dest, Paddr: pa}, nil
}

// AllocAt plans an object of type t at physical address pa, for device
// frames (the PL011, the virtio-mmio window) whose address is fixed. The
// kernel hands out an untyped in address order, so the plan first retypes
// filler untypeds up to pa, each as large as alignment allows; the last
// Retype of the plan is the object itself. Fillers keep their slots. The
// plan is appended to plan[:0]; with a buffer of MaxPlan entries it does not
// allocate.
func (a *UntypedAllocator) AllocAt(pa uint64, t ObjectType, sizeBits uint, slots *SlotAllocator, plan []Retype) ([]Retype, error) {
	objBits, ok := ObjectBits(t, sizeBits)
	if !ok {
		return nil, errorf(vfs.Invalid, "untyped", "object type %d with size bits %d", t, sizeBits)
	}
	if pa&(1<<objBits-1) != 0 {
		return nil, errorf(vfs.Invalid, "untyped", "paddr %#x not aligned to 2^%d", pa, objBits)
	}
	var u *untypedState
	for i := range a.uts {
		d := a.uts[i].desc
		if pa >= d.Paddr && pa+1<<objBits <= d.End() {
			u = &a.uts[i]
			break
		}
	}
	if u == nil {
		return nil, errorf(vfs.NotFound, "untyped", "no untyped covers [%#x, %#x)", pa, pa+1<<objBits)
	}
	if u.desc.IsDevice && !isFrame(t) && t != UntypedObject {
		return nil, errorf(vfs.Invalid, "untyped", "device memory at %#x can only become frames", pa)
	}
	cur := u.desc.Paddr + u.watermark
	if cur > pa {
		return nil, errorf(vfs.Busy, "untyped", "%#x already handed out (untyped %#x is used up to %#x)", pa, Word(u.cap), cur)
	}
	plan = plan[:0]
	undo := func() {
		for _, r := range plan {
			slots.Release(r.Dest)
		}
	}
	for cur < pa {
		k := fillerBits(cur, pa-cur)
		dest, err := slots.Alloc()
		if err != nil {
			undo()
			return nil, err
		}
		plan = append(plan, Retype{Untyped: u.cap, Type: UntypedObject, SizeBits: k, Dest: dest, Paddr: cur})
		cur += 1 << k
	}
	dest, err := slots.Alloc()
	if err != nil {
		undo()
		return nil, err
	}
	plan = append(plan, Retype{Untyped: u.cap, Type: t, SizeBits: sizeBits, Dest: dest, Paddr: pa})
	u.watermark = pa + 1<<objBits - u.desc.Paddr
	return plan, nil
}

// MaxPlan bounds the length of an AllocAt plan: at most one filler per size
// class on the way up to an address, plus the object.
const MaxPlan = 2*(MaxUntypedBits-MinUntypedBits+1) + 1

// fillerBits is the largest untyped size that starts aligned at cur and does
// not pass gap bytes. cur is always at least 16-aligned (every object is).
func fillerBits(cur, gap uint64) uint {
	k := uint(MaxUntypedBits)
	for k > MinUntypedBits && (cur&(1<<k-1) != 0 || 1<<k > gap) {
		k--
	}
	return k
}

// Used reports how many bytes of untyped cap c have been handed out.
func (a *UntypedAllocator) Used(c CPtr) uint64 {
	for _, u := range a.uts {
		if u.cap == c {
			return u.watermark
		}
	}
	return 0
}
