// Package sel4 is the seL4 embedding of Cohesix: the root task's view of an
// upstream aarch64 seL4 kernel (non-MCS, qemu-arm-virt).
//
// Everything here that is plain data — bootinfo decoding (bootinfo.go),
// the CSpace slot and untyped allocators (cspace.go, untyped.go),
// invocation message encoding with per-version labels (invoke.go,
// labels.go, labels_headers.go), the address-space mapper for heap,
// device and DMA frames and the cache calls (env.go), the kernel
// configuration (kconfig.go), the clock choice and the degraded clock's
// arithmetic (clock.go), the two-stage boot handoff (handoff.go) and the
// virtio-rng driver (virtiorng.go) — builds and is tested on the host,
// against a model kernel and model devices.
//
// The board itself is built for GOOS=cohesix with the sel4 tag:
// boot_cohesix_arm64.s (cpuinit: the root-task entry, bootinfo from X0, its
// own stack), syscall_sel4*.{go,s} (the seL4 system calls),
// board_cohesix.go (the runtime hooks of runtime-port: memory, console,
// time, entropy, idle, exit by suspending itself; and the services' board
// API, the same shape as kernel-glue/virt's). The boot path runs in the
// runtime's memory hook before the Go heap exists, so it allocates
// nothing (TestBootPathDoesNotAllocate).
//
// The syscall layer also builds for linux/arm64 with the sel4probe tag:
// cmd/sel4-payload/gluecheck and cmd/sel4-payload/stage1 run this package
// on the real kernel without the Go runtime (GlueCheck, Stage1).
//
// Facts come from ../../../shared/spec/SEL4_AARCH64_ABI.md; the section
// numbers in comments (§n) refer to it.
package sel4
