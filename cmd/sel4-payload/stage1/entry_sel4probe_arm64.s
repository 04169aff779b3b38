//go:build linux && arm64 && sel4probe

#include "textflag.h"

// func entry()
TEXT ·entry(SB),NOSPLIT|NOFRAME,$0-0
	MOVD	R0, R20                     // bootinfo VA
	MOVD	$·stack+(128<<10)(SB), R1
	MOVD	R1, RSP
	MOVD	$·fakeG(SB), g
	SUB	$16, RSP
	MOVD	R20, 8(RSP)
	BL	·start(SB)
hang:
	B	hang
