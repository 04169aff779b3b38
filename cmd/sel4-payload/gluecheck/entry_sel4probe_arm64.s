//go:build linux && arm64 && sel4probe

#include "textflag.h"

// func entry()
TEXT ·entry(SB),NOSPLIT|NOFRAME,$0-0
	MOVD	R0, R20                     // bootinfo VA
	MOVD	R1, R21                     // stage-1 handoff, or 0
	MOVD	$·stack+(256<<10)(SB), R1
	MOVD	R1, RSP
	MOVD	$·fakeG(SB), g
	SUB	$32, RSP
	MOVD	R20, 8(RSP)                 // start's arguments, ABI0
	MOVD	R21, 16(RSP)
	BL	·start(SB)
hang:
	B	hang
