package virt

import "testing"

func TestCheckMMIO(t *testing.T) {
	tests := []struct {
		phys, size uint64
		ok         bool
	}{
		{VirtioSlotBase(31), VirtioStride, true},
		{VirtioSlotBase(0), VirtioStride * VirtioSlots, true},
		{UARTBase, 0x1000, true},
		{0, 0x1000, false},             // page 0 stays unmapped
		{0x1000, 0x1000, false},        // first 2 MiB unmapped
		{RAMBase, 0x1000, false},       // RAM is not device memory
		{deviceHigh - 4, 8, false},     // crosses into RAM
		{UARTBase, 0, false},           // empty window
		{^uint64(0) - 4, 0x100, false}, // wraps
	}
	for _, tt := range tests {
		if err := checkMMIO(tt.phys, tt.size); (err == nil) != tt.ok {
			t.Errorf("checkMMIO(%#x, %#x) = %v, want ok=%v", tt.phys, tt.size, err, tt.ok)
		}
	}
}

func TestVirtioSlots(t *testing.T) {
	if got := VirtioSlotBase(31); got != 0x0a00_3e00 {
		t.Errorf("slot 31 at %#x", got)
	}
	if got := VirtioSlotIRQ(31); got != 79 {
		t.Errorf("slot 31 IRQ %d", got)
	}
}
