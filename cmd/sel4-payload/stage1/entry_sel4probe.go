//go:build linux && arm64 && sel4probe

package main

import sel4 "github.com/cohesix/cohesix/kernel-glue/sel4"

var stack [128 << 10]byte

// fakeG stands in for the runtime's g in R28 (zero stack guard).
var fakeG [64]uintptr

func entry()

func start(bootInfo uintptr) {
	sel4.Stage1(bootInfo, sel4.Labels14)
}
