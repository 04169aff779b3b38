//go:build linux && arm64 && sel4probe

package main

import sel4 "github.com/cohesix/cohesix/kernel-glue/sel4"

// stack is the root task's stack; seL4 starts it with SP = 0.
var stack [256 << 10]byte

// fakeG stands in for the runtime's g in R28: zero stackguard0 makes every
// stack-check prologue pass, so no function calls morestack.
var fakeG [64]uintptr

// entry is the ELF entry point (assembly).
func entry()

// start is called by entry with the bootinfo VA the kernel put in X0 and
// the stage-1 handoff page in X1 (0 when the kernel started us).
func start(bootInfo, handoff uintptr) {
	if !checkBSS() {
		println() // unreachable in practice; keeps the failure visible as a fault
		return
	}
	sel4.GlueCheck(bootInfo, handoff, sel4.Labels14)
}
