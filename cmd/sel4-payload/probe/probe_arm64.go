//go:build linux

package main

// probeMode selects what the probe does after the bootinfo dump; set it with
// -X main.probeMode=fault|suspend. Only its first byte is read.
var probeMode = "fault"

// probeStack is the root task's stack: seL4 starts it with SP = 0.
var probeStack [16384]byte

// probeEntry is the ELF entry point. It never returns.
func probeEntry()

// probePuts prints the NUL-terminated string at R24 with DebugPutChar.
func probePuts()

// probeHex prints the low byte of R22 as two hex digits.
func probeHex()
