//go:build cohesix && sel4

#include "go_asm.h"
#include "textflag.h"

// cpuinit is the board half of the cohesix rt0 contract. seL4 starts the
// root task at the ELF entry with X0 = the bootinfo frame's VA, SP = 0 and
// every other register 0, in EL0 with the image mapped cacheable and page 0
// unmapped (Go links at 0x10000). FP/SIMD is enabled by the kernel on first
// use. So: keep the bootinfo pointer, move onto the boot stack, go. Started
// by stage 1 (the two-stage boot, handoff.go), X1 holds the handoff page;
// from the kernel it is 0.
TEXT cpuinit(SB),NOSPLIT|NOFRAME,$0
	MOVD	$·handoffVA(SB), R2
	MOVD	R1, (R2)
	MOVD	$·bootInfoVA(SB), R1
	MOVD	R0, (R1)
	MOVD	$·bootStack(SB), R1
	ADD	$const_bootStackSize, R1
	AND	$~15, R1
	MOVD	R1, RSP
	B	_rt0_cohesix_start(SB)

