package sel4

// The root task's virtual layout. The kernel puts the ELF image low (Go
// links at 0x10000), then the IPC buffer, bootinfo and extra bootinfo right
// after it (§7.1); everything the root task maps itself goes far above, in
// windows that cannot meet the image or each other.
const (
	HeapVA   = 0x4000_0000    // the runtime heap window (sbrk), 2 MiB frames; below 4 GiB (the cohesix runtime has heapAddrBits = 32)
	DeviceVA = 0x20_0000_0000 // device pages, in mapping order
	DMAVA    = 0x30_0000_0000 // DMA regions, in allocation order

	windowSize = 0x10_0000_0000 // 64 GiB per window

	// QEMU virt devices (§11).
	PL011Base    = 0x0900_0000
	PL011IntID   = 33
	VirtioBase   = 0x0a00_0000
	VirtioStride = 0x200
	VirtioSlots  = 32
	VirtioIntID0 = 48 // transport i raises INTID 48+i

	// MaxHeap bounds the heap window; HeapReserve is RAM kept back for page
	// tables, kernel objects and DMA.
	MaxHeap     = 512 << 20
	HeapReserve = 32 << 20
	// MaxDMA bounds DMA memory so a runaway driver fails instead of
	// starving the kernel objects.
	MaxDMA = 16 << 20
)

// HeapFrames is how many 2 MiB frames the heap window gets from the RAM in
// bi: what the untypeds of at least 2 MiB hold, less HeapReserve, at most
// MaxHeap.
func HeapFrames(bi *BootInfo) int {
	var big uint64
	for _, u := range bi.Untypeds {
		if !u.IsDevice && u.SizeBits >= LargePageBits {
			big += u.Size()
		}
	}
	if big <= HeapReserve {
		return 0
	}
	return int(min(big-HeapReserve, MaxHeap) >> LargePageBits)
}

// pageMap remembers which device pages are mapped where, so that drivers
// asking for neighbouring windows (32 virtio-mmio transports share four
// pages) get the same mapping instead of a second frame the kernel would
// refuse.
type pageMap struct {
	n    int
	pa   [maxDevicePages]uint64
	va   [maxDevicePages]uint64
	next uint64 // next free VA in the device window
}

const maxDevicePages = 64

func (m *pageMap) lookup(pa uint64) (uint64, bool) {
	for i := range m.n {
		if m.pa[i] == pa {
			return m.va[i], true
		}
	}
	return 0, false
}

// reserve returns the VA for a new device page at pa, or false when the
// table is full.
func (m *pageMap) reserve(pa uint64) (uint64, bool) {
	if m.n == maxDevicePages {
		return 0, false
	}
	va := DeviceVA + m.next
	m.next += PageSize
	m.pa[m.n], m.va[m.n] = pa, va
	m.n++
	return va, true
}

// unreserve drops the last reservation after a failed mapping.
func (m *pageMap) unreserve() {
	m.n--
	m.next -= PageSize
}

// appendHex appends v as 0x-prefixed hex without allocating when b has room:
// the boot log is written before the heap exists.
func appendHex(b []byte, v uint64) []byte {
	b = append(b, '0', 'x')
	started := false
	for shift := 60; shift >= 0; shift -= 4 {
		d := byte(v>>uint(shift)) & 0xf
		if d == 0 && !started && shift != 0 {
			continue
		}
		started = true
		b = append(b, "0123456789abcdef"[d])
	}
	return b
}

// appendUint appends v in decimal.
func appendUint(b []byte, v uint64) []byte {
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}
