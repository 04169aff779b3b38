package virt

import "fmt"

// QEMU virt physical memory map (hw/arm/virt.c; SEL4_AARCH64_ABI.md §11).
// The MMU maps it 1:1, so these are also the virtual addresses.
const (
	GICDistBase  = 0x0800_0000
	GICCPUBase   = 0x0801_0000
	UARTBase     = 0x0900_0000
	RTCBase      = 0x0901_0000
	VirtioBase   = 0x0a00_0000
	VirtioStride = 0x200
	VirtioSlots  = 32
	RAMBase      = 0x4000_0000

	// deviceLow..deviceHigh is mapped as Device-nGnRnE; the first 2 MiB
	// (flash, and page 0) is left unmapped.
	deviceLow  = 0x0020_0000
	deviceHigh = 0x4000_0000
	// ramHigh is the end of what the boot page tables map as normal memory.
	ramHigh = 0x1_0000_0000

	// defaultRAMSize is assumed when the device tree has no memory node.
	defaultRAMSize = 256 << 20
)

// Interrupt IDs on the GIC.
const (
	irqVirtualTimer = 27
	irqUART         = 33
	irqVirtioFirst  = 48 // transport i raises 48+i
)

// Sizes of the stacks cpuinit sets up.
const (
	bootStackSize      = 256 << 10
	exceptionStackSize = 32 << 10
)

// VirtioSlotBase returns the register window of virtio-mmio transport i.
func VirtioSlotBase(i int) uint64 { return VirtioBase + uint64(i)*VirtioStride }

// VirtioSlotIRQ returns the interrupt ID of virtio-mmio transport i.
func VirtioSlotIRQ(i int) int { return irqVirtioFirst + i }

// checkMMIO reports whether [phys, phys+size) lies inside the device
// region the boot page tables map.
func checkMMIO(phys, size uint64) error {
	if phys < deviceLow || size == 0 || phys+size < phys || phys+size > deviceHigh {
		return fmt.Errorf("virt: MMIO window %#x+%#x outside the device map [%#x, %#x)", phys, size, deviceLow, deviceHigh)
	}
	return nil
}
