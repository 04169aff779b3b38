// Copyright 2026 The Cohesix Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

//go:build cohesix

package runtime

import _ "unsafe" // for go:linkname

// Platform hooks.
//
// These functions have no body here. Exactly one board package linked into
// the program defines each of them with
//
//	//go:linkname localName runtime.cohesixName
//
// (kernel-glue/virt for bare QEMU virt at EL1, kernel-glue/sel4 for the
// seL4 root task). The runtime calls them from any context: on g0, during
// a throw, with locks held and before the heap exists. Implementations
// must therefore be //go:nosplit, must not allocate, must not block except
// where stated, and must not call back into the scheduler.
//
// The board also supplies the assembly symbol cpuinit, which
// _rt0_arm64_cohesix branches to with the MMU state, stack and registers
// the loader left. cpuinit must set SP to a 16-byte aligned stack of at
// least 128 KiB, enable FP/SIMD, make memory ordinary cacheable memory
// with page 0 unmapped, and then branch to _rt0_cohesix_start.

// cohesixMemory returns the window [base, limit) the heap grows into.
// base 0 means "just after the program image". Memory in the window need
// not be zero: sbrk clears it.
func cohesixMemory() (base, limit uintptr)

// cohesixCommit makes the window usable up to limit and reports whether it
// could; sbrk calls it before it first hands out memory past its
// high-water mark, and fails (out of memory) on false. A board whose window
// is plain RAM returns true. The seL4 root task maps frames here, on
// demand, so that boot does not wait for the kernel to clear a window the
// program may never use.
func cohesixCommit(limit uintptr) bool

// cohesixWrite writes n bytes to the console, polling; it returns once
// the bytes are queued in the device.
//
//go:noescape
func cohesixWrite(p *byte, n int32)

// cohesixNanotime returns monotonic nanoseconds since an arbitrary start.
func cohesixNanotime() int64

// cohesixWalltime returns the wall clock.
func cohesixWalltime() (sec int64, nsec int32)

// cohesixRandom fills up to n bytes at p with entropy and returns how many
// it filled (0 if the platform has none yet).
//
//go:noescape
func cohesixRandom(p *byte, n int32) int32

// cohesixIdle waits until nanotime reaches until (until <= 0: no
// deadline) or a device raises an event, whichever comes first. Returning
// early is allowed. It is the only place the program sleeps.
func cohesixIdle(until int64)

// cohesixExit stops the machine. It does not return.
func cohesixExit(code int32)
