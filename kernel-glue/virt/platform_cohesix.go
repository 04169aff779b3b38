//go:build cohesix

package virt

import (
	"errors"
	"fmt"
)

// MMIO is an identity-mapped window of device registers.
type MMIO struct {
	base, size uintptr
}

// MapMMIO returns the window at physical address phys. Device memory is
// mapped 1:1 at boot, so this only checks bounds.
func MapMMIO(phys, size uint64) (MMIO, error) {
	if err := checkMMIO(phys, size); err != nil {
		return MMIO{}, err
	}
	return MMIO{base: uintptr(phys), size: uintptr(size)}, nil
}

// Read32 loads the 32-bit register at off.
func (m MMIO) Read32(off uint32) uint32 {
	if uintptr(off)+4 > m.size {
		panic("virt: MMIO read outside window")
	}
	return mmioRead32(m.base + uintptr(off))
}

// Write32 stores the 32-bit register at off.
func (m MMIO) Write32(off uint32, v uint32) {
	if uintptr(off)+4 > m.size {
		panic("virt: MMIO write outside window")
	}
	mmioWrite32(m.base+uintptr(off), v)
}

// Read8 loads the byte register at off.
func (m MMIO) Read8(off uint32) uint8 {
	if uintptr(off)+1 > m.size {
		panic("virt: MMIO read outside window")
	}
	return mmioRead8(m.base + uintptr(off))
}

// DMA is device-reachable memory. RAM is identity-mapped and coherent on
// QEMU virt, so it is ordinary Go memory whose address is its physical
// address; the Go heap never moves objects, and dmaPinned keeps every
// block reachable for the life of the program.
type DMA struct {
	b []byte
}

// Bytes is the CPU's view.
func (d DMA) Bytes() []byte { return d.b }

// Phys is the device's view.
func (d DMA) Phys() uint64 { return uint64(addrOf(d.b)) }

var (
	dmaPinned [][]byte
	dmaBytes  int
)

// maxDMA bounds device memory so a runaway driver fails instead of eating
// the heap.
const maxDMA = 16 << 20

// ErrDMAExhausted is returned once maxDMA bytes are handed out.
var ErrDMAExhausted = errors.New("virt: DMA budget exhausted")

// AllocDMA returns size bytes of zeroed memory, 4 KiB aligned.
func AllocDMA(size int) (DMA, error) {
	if size <= 0 {
		return DMA{}, fmt.Errorf("virt: DMA size %d", size)
	}
	if dmaBytes+size > maxDMA {
		return DMA{}, ErrDMAExhausted
	}
	raw := make([]byte, size+4096)
	off := int((4096 - addrOf(raw)%4096) % 4096)
	b := raw[off : off+size : off+size]
	dmaPinned = append(dmaPinned, raw)
	dmaBytes += size
	return DMA{b: b}, nil
}

// Barrier orders every earlier load and store before every later one
// (DSB SY).
func Barrier() { dsb() }

// CleanDMA and InvalidateDMA are the DMA cache maintenance of milestone 8c
// at EL1: DC CVAC and DC IVAC by virtual address over the lines covering
// bytes [off, off+n) of d, then DSB SY. QEMU virt's DMA is coherent, so
// they only cost time here; they are what a non-coherent board runs.
func CleanDMA(d DMA, off, n int) error {
	start, end, err := dmaLines(d, off, n)
	if err == nil {
		dcCleanRange(start, end)
	}
	return err
}

// InvalidateDMA: see CleanDMA.
func InvalidateDMA(d DMA, off, n int) error {
	start, end, err := dmaLines(d, off, n)
	if err == nil {
		dcInvalidateRange(start, end)
	}
	return err
}

func dmaLines(d DMA, off, n int) (start, end uintptr, err error) {
	if off < 0 || n <= 0 || off+n > len(d.b) {
		return 0, 0, fmt.Errorf("virt: cache maintenance of %d+%d outside a %d-byte DMA block", off, n, len(d.b))
	}
	start = addrOf(d.b) + uintptr(off)
	return start, start + uintptr(n), nil
}

// DMACoherent reports whether QEMU's device tree marks the top-level node
// (such as "virtio_mmio@a000000") dma-coherent.
func DMACoherent(node string) bool {
	t, ok := bootFDT()
	return ok && t.DMACoherent(node)
}

// CacheMechanism names how CleanDMA and InvalidateDMA work, for the boot log.
const CacheMechanism = "DC CVAC/IVAC at EL1"
