package virtio

// Region is a window of device registers mapped by the platform.
//
// Offsets are relative to the start of the window. Implementations perform
// volatile, naturally aligned accesses of the stated width; the driver never
// touches device memory any other way.
type Region interface {
	Read32(off uint32) uint32
	Write32(off uint32, v uint32)
	Read8(off uint32) uint8
}

// DMA is a block of memory the device can reach by physical address.
//
// Bytes is the CPU's view of the block; Phys is the address the device sees
// for Bytes()[0]. The block must be at least 16-byte aligned (the virtqueue
// descriptor table needs it) and must not move while the device owns it.
type DMA interface {
	Bytes() []byte
	Phys() uint64
}

// Platform is everything the driver asks of the kernel below it: register
// windows, device-visible memory, and a barrier ordering the two.
//
// kernel-glue implements it (identity-mapped memory on bare virt, seL4
// frames and device untypeds in the root task); tests implement it over
// ordinary memory with a simulated device.
type Platform interface {
	// MapMMIO maps size bytes of device registers at physical address phys.
	MapMMIO(phys, size uint64) (Region, error)
	// AllocDMA returns size bytes of zeroed, device-reachable memory.
	AllocDMA(size int) (DMA, error)
	// Barrier is a full memory barrier (DSB SY on arm64): every load and
	// store before it, to DMA memory or registers, completes before any
	// after it.
	Barrier()
}

// CacheMaintainer is implemented by platforms on which the device's view of
// DMA memory and the CPU's can differ: the CPU's writes sit in its data cache
// until cleaned, and lines it has cached hide what the device wrote until
// invalidated. The driver cleans what it wrote before the device may read it
// and invalidates what the device wrote before reading it; without this
// interface (coherent DMA) it does neither.
//
// Both act on whole cache lines: invalidating a line also discards any
// unwritten CPU data in it, so the driver never lets memory the CPU writes
// share a line with memory the device writes (see usedAlign).
type CacheMaintainer interface {
	// CleanDMA writes bytes [off, off+n) of d back to memory.
	CleanDMA(d DMA, off, n int) error
	// InvalidateDMA discards the CPU's cached copy of bytes [off, off+n)
	// of d, so the next reads come from memory.
	InvalidateDMA(d DMA, off, n int) error
}

// window is a sub-range of a larger Region.
type window struct {
	r    Region
	base uint32
}

func (w window) Read32(off uint32) uint32     { return w.r.Read32(w.base + off) }
func (w window) Write32(off uint32, v uint32) { w.r.Write32(w.base+off, v) }
func (w window) Read8(off uint32) uint8       { return w.r.Read8(w.base + off) }
