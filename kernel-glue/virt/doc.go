// Package virt is the platform of the bare QEMU virt embedding: the
// rootserver as the only program on an AArch64 machine, at EL1, built with
// the GOOS=cohesix toolchain from runtime-port.
//
// It supplies what the cohesix runtime asks of a board (see
// runtime-port/HOOKS.md): the boot code (cpuinit: EL2 to EL1, stacks, FP/SIMD,
// BSS, an identity-mapped MMU with device and normal memory and page 0
// unmapped, exception vectors), and the runtime hooks for memory, console
// output (PL011), time (generic timer, PL031 for the wall clock),
// randomness (a ChaCha20 stream keyed from the device tree's rng-seed),
// idle (WFI with the virtual timer armed for the next deadline; the GIC is
// set up so device interrupts wake the core but are never taken) and
// power-off (PSCI SYSTEM_OFF).
//
// For the services it offers the serial console as a netio.Conn, the pump's
// Clock and Waiter, and identity-mapped MMIO windows and DMA memory for
// device drivers.
//
// The hardware parts build only for GOOS=cohesix; the decoders they use
// (device tree, exception syndromes, the random stream) are plain Go and
// tested on the host.
package virt
