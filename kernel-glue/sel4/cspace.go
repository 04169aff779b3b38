package sel4

import (
	"math/bits"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// SlotAllocator hands out free slots of the root CNode from the bootinfo
// empty window. It is a bitmap, so it never grows; when the window is used up
// it refuses with BufferFull.
type SlotAllocator struct {
	region SlotRegion
	used   []uint64 // bit i set: slot region.Start+i is in use
	free   int
	hint   int // lowest index that may be free
}

// NewSlotAllocator manages the slots of r, all initially free.
func NewSlotAllocator(r SlotRegion) *SlotAllocator {
	a := &SlotAllocator{}
	a.Init(r, make([]uint64, (max(r.Len(), 0)+63)/64))
	return a
}

// Init sets a up over r with words as the bitmap (at least r.Len()/64
// rounded up), so that a static array can back it before the heap exists.
func (a *SlotAllocator) Init(r SlotRegion, words []uint64) bool {
	n := max(r.Len(), 0)
	if len(words) < (n+63)/64 {
		return false
	}
	clear(words)
	*a = SlotAllocator{region: r, used: words[:(n+63)/64], free: n}
	return true
}

// Free is the number of slots still available.
func (a *SlotAllocator) Free() int { return a.free }

// Region is the window the allocator manages.
func (a *SlotAllocator) Region() SlotRegion { return a.region }

func (a *SlotAllocator) isUsed(i int) bool { return a.used[i/64]&(1<<(i%64)) != 0 }
func (a *SlotAllocator) set(i int)         { a.used[i/64] |= 1 << (i % 64) }
func (a *SlotAllocator) clear(i int)       { a.used[i/64] &^= 1 << (i % 64) }

// Alloc returns the lowest free slot.
func (a *SlotAllocator) Alloc() (CPtr, error) {
	n := a.region.Len()
	for w := a.hint / 64; w < len(a.used); w++ {
		if a.used[w] == ^uint64(0) {
			continue
		}
		i := w*64 + bits.TrailingZeros64(^a.used[w])
		if i >= n {
			break
		}
		a.set(i)
		a.free--
		a.hint = i + 1
		return a.region.Start + CPtr(i), nil
	}
	return 0, errorf(vfs.BufferFull, "cspace", "no free slot in [%#x, %#x)", a.region.Start, a.region.End)
}

// AllocRange returns the first of n consecutive free slots, for a retype of
// n objects (Untyped_Retype fills consecutive slots).
func (a *SlotAllocator) AllocRange(n int) (CPtr, error) {
	if n <= 0 {
		return 0, errorf(vfs.Invalid, "cspace", "range of %d slots", n)
	}
	run := 0
	for i := a.hint; i < a.region.Len(); i++ {
		if a.isUsed(i) {
			run = 0
			continue
		}
		if run++; run == n {
			first := i - n + 1
			for j := first; j <= i; j++ {
				a.set(j)
			}
			a.free -= n
			if first == a.hint {
				a.hint = i + 1
			}
			return a.region.Start + CPtr(first), nil
		}
	}
	return 0, errorf(vfs.BufferFull, "cspace", "no %d consecutive free slots in [%#x, %#x)", n, a.region.Start, a.region.End)
}

// Release returns slot c to the allocator. The cap in it must already have
// been deleted; releasing a slot twice or one outside the window is a bug
// and is refused.
func (a *SlotAllocator) Release(c CPtr) error {
	if c < a.region.Start || c >= a.region.End {
		return errorf(vfs.Invalid, "cspace", "slot %#x outside [%#x, %#x)", c, a.region.Start, a.region.End)
	}
	i := int(c - a.region.Start)
	if !a.isUsed(i) {
		return errorf(vfs.Invalid, "cspace", "slot %#x released twice", c)
	}
	a.clear(i)
	a.free++
	a.hint = min(a.hint, i)
	return nil
}
