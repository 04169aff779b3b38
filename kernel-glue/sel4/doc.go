// Package sel4 is the seL4 embedding of Cohesix: the root task's view of an
// upstream aarch64 seL4 kernel (non-MCS, qemu-arm-virt).
//
// Everything here that is plain data — bootinfo decoding, the CSpace slot
// and untyped allocators, invocation message encoding, the address-space
// mapper and the degraded clock's arithmetic — builds and is tested on the
// host against a model kernel. Only the syscall stubs (syscall_*.s) and the
// code that touches the IPC buffer and device memory are built for
// GOOS=cohesix with the sel4 tag.
//
// Facts come from ../../../shared/spec/SEL4_AARCH64_ABI.md; the section
// numbers in comments (§n) refer to it.
package sel4
