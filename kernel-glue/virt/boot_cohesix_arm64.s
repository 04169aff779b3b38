// Boot and exception entry for bare QEMU virt at EL1.
//
// cpuinit is the board half of the cohesix rt0 contract (see
// runtime/hooks_cohesix.go in runtime-port/goroot): it runs first, with
// whatever the loader left, and continues at _rt0_cohesix_start once the
// CPU is ready for Go code.

#include "go_asm.h"
#include "textflag.h"

#define SCTLR_M    (1<<0)
#define SCTLR_A    (1<<1)
#define SCTLR_C    (1<<2)
#define SCTLR_SA   (1<<3)
#define SCTLR_I    (1<<12)
#define SCTLR_WXN  (1<<19)

// MAIR: attr0 Device-nGnRnE, attr1 Normal write-back RA/WA.
#define MAIR_VALUE $0xff00
// TCR: T0SZ=25 (39-bit VA), IRGN0/ORGN0 WB-WA, SH0 inner, TG0 4K,
// EPD1 (no TTBR1 walks), IPS 40 bits.
#define TCR_VALUE $((25<<0) | (1<<8) | (1<<10) | (3<<12) | (0<<14) | (1<<23) | (2<<32))

// Block descriptors: valid block, AttrIndx, AF, inner shareable (normal).
#define DESC_DEVICE $((1<<0) | (0<<2) | (1<<10) | (1<<54) | (1<<53))
#define DESC_NORMAL $((1<<0) | (1<<2) | (3<<8) | (1<<10))
#define DESC_TABLE  $3

TEXT cpuinit(SB),NOSPLIT|NOFRAME,$0
	// Mask every interrupt; the idle loop wakes on pending IRQs with
	// WFI but never takes them.
	MSR	$0xf, DAIFSet

	// If entered at EL2 (virtualization=on), drop to EL1h.
	MOVD	$0, R19 // PSCI conduit: 0 HVC, 1 SMC
	MRS	CurrentEL, R0
	LSR	$2, R0, R0
	CMP	$2, R0
	BNE	atEL1
	MOVD	$(1<<31), R0 // HCR_EL2.RW: EL1 is AArch64
	WORD	$0xd51c1100 // MSR HCR_EL2, X0
	MOVD	$0x3c5, R0 // EL1h, DAIF masked
	WORD	$0xd51c4000 // MSR SPSR_EL2, X0
	MOVD	$cpuinitEL1<>(SB), R0
	WORD	$0xd51c4020 // MSR ELR_EL2, X0
	MOVD	$1, R19
	ERET
atEL1:
	B	cpuinitEL1<>(SB)

TEXT cpuinitEL1<>(SB),NOSPLIT|NOFRAME,$0
	// SP_EL1 is the exception stack; Go runs on SP_EL0 (EL1t), so an
	// exception never writes below the interrupted Go stack pointer.
	MOVD	$·exceptionStack(SB), R0
	ADD	$const_exceptionStackSize, R0
	MOVD	R0, RSP
	MSR	$0, SPSel
	MOVD	$·bootStack(SB), R0
	ADD	$const_bootStackSize, R0
	MOVD	R0, RSP

	// FP/SIMD on (CPACR_EL1.FPEN = 0b11) before the first Go instruction.
	MOVD	$(3<<20), R0
	MSR	R0, CPACR_EL1
	ISB	$15

	// Clear BSS (the boot stack lives there but is not in use yet).
	MOVD	$runtime·bss(SB), R0
	MOVD	$runtime·enoptrbss(SB), R1
bssloop:
	CMP	R1, R0
	BHS	bssdone
	MOVD.P	ZR, 8(R0)
	B	bssloop
bssdone:
	MOVD	$·psciSMC(SB), R0
	MOVW	R19, (R0)

	// Page tables: L1[0] -> L2 (first GiB: devices, 2 MiB blocks, block 0
	// left invalid so nil dereferences fault); L1[1..3] -> RAM, 1 GiB
	// normal blocks (0x4000_0000 to 0x1_0000_0000).
	MOVD	$·pageTables(SB), R0
	ADD	$4095, R0
	AND	$~4095, R0
	MOVD	$·ttbr0(SB), R1
	MOVD	R0, (R1)
	ADD	$4096, R0, R1
	ORR	DESC_TABLE, R1, R2
	MOVD	R2, (R0)
	MOVD	DESC_NORMAL, R3
	MOVD	$(1<<30), R4
	ORR	R4, R3, R5
	MOVD	R5, 8(R0)
	ADD	R4, R5, R5
	MOVD	R5, 16(R0)
	ADD	R4, R5, R5
	MOVD	R5, 24(R0)
	MOVD	DESC_DEVICE, R3
	MOVD	$(1<<21), R4
	MOVD	$1, R5 // block index
l2loop:
	CMP	$512, R5
	BEQ	l2done
	MUL	R4, R5, R6
	ORR	R3, R6, R6
	MOVD	R6, (R1)(R5<<3)
	ADD	$1, R5
	B	l2loop
l2done:
	DSB	$15

	MOVD	MAIR_VALUE, R0
	MSR	R0, MAIR_EL1
	MOVD	TCR_VALUE, R0
	MSR	R0, TCR_EL1
	MOVD	$·ttbr0(SB), R0
	MOVD	(R0), R0
	MSR	R0, TTBR0_EL1
	ISB	$15
	TLBI	VMALLE1
	DSB	$15
	ISB	$15

	MOVD	$·vectors(SB), R0
	MSR	R0, VBAR_EL1

	MRS	SCTLR_EL1, R0
	ORR	$(SCTLR_M|SCTLR_C|SCTLR_I), R0
	BIC	$(SCTLR_A|SCTLR_SA|SCTLR_WXN), R0
	MSR	R0, SCTLR_EL1
	ISB	$15

	B	_rt0_cohesix_start(SB)

// Vector table. Go runs at EL1 on SP_EL0, so its exceptions arrive in the
// first group ("current EL, SP0"). The second group (current EL, SPx)
// means a fault inside the handler itself. Lower-EL groups are unused.
#define VENTRY(kind) \
	STP	(R0, R1), -const_frameSize(RSP); \
	MOVD	$kind, R0; \
	B	trapEntry<>(SB); \
	PCALIGN	$128

TEXT ·vectors(SB),NOSPLIT|NOFRAME,$0
	PCALIGN	$2048
	VENTRY(0)  // SP0 sync
	VENTRY(1)  // SP0 IRQ
	VENTRY(2)  // SP0 FIQ
	VENTRY(3)  // SP0 SError
	VENTRY(16) // SPx sync (nested)
	VENTRY(17)
	VENTRY(18)
	VENTRY(19)
	VENTRY(32) // lower EL (unused)
	VENTRY(33)
	VENTRY(34)
	VENTRY(35)
	VENTRY(48)
	VENTRY(49)
	VENTRY(50)
	VENTRY(51)

// trapEntry saves the interrupted context into a trapFrame on the
// exception stack, calls trap, and resumes from the (possibly rewritten)
// frame.
TEXT trapEntry<>(SB),NOSPLIT|NOFRAME,$0
	SUB	$const_frameSize, RSP
	STP	(R2, R3), 16(RSP)
	STP	(R4, R5), 32(RSP)
	STP	(R6, R7), 48(RSP)
	STP	(R8, R9), 64(RSP)
	STP	(R10, R11), 80(RSP)
	STP	(R12, R13), 96(RSP)
	STP	(R14, R15), 112(RSP)
	STP	(R16, R17), 128(RSP)
	STP	(R18_PLATFORM, R19), 144(RSP)
	STP	(R20, R21), 160(RSP)
	STP	(R22, R23), 176(RSP)
	STP	(R24, R25), 192(RSP)
	STP	(R26, R27), 208(RSP)
	STP	(g, R29), 224(RSP)
	MOVD	R30, 240(RSP)
	MRS	SP_EL0, R1
	MOVD	R1, 248(RSP)
	MRS	ELR_EL1, R1
	MOVD	R1, 256(RSP)
	MRS	SPSR_EL1, R1
	MOVD	R1, 264(RSP)
	MRS	ESR_EL1, R1
	MOVD	R1, 272(RSP)
	MRS	FAR_EL1, R1
	MOVD	R1, 280(RSP)
	MOVD	R0, 288(RSP) // kind

	MOVD	RSP, R0
	SUB	$16, RSP
	MOVD	R0, 8(RSP)
	CALL	·trap(SB)
	ADD	$16, RSP

	MOVD	248(RSP), R1
	MSR	R1, SP_EL0
	MOVD	256(RSP), R1
	MSR	R1, ELR_EL1
	MOVD	264(RSP), R1
	MSR	R1, SPSR_EL1
	LDP	16(RSP), (R2, R3)
	LDP	32(RSP), (R4, R5)
	LDP	48(RSP), (R6, R7)
	LDP	64(RSP), (R8, R9)
	LDP	80(RSP), (R10, R11)
	LDP	96(RSP), (R12, R13)
	LDP	112(RSP), (R14, R15)
	LDP	128(RSP), (R16, R17)
	LDP	144(RSP), (R18_PLATFORM, R19)
	LDP	160(RSP), (R20, R21)
	LDP	176(RSP), (R22, R23)
	LDP	192(RSP), (R24, R25)
	LDP	208(RSP), (R26, R27)
	LDP	224(RSP), (g, R29)
	MOVD	240(RSP), R30
	LDP	0(RSP), (R0, R1)
	ADD	$const_frameSize, RSP
	ERET

// Generic timer and CPU primitives used by the hooks.

// func readCounter() uint64
TEXT ·readCounter(SB),NOSPLIT|NOFRAME,$0-8
	ISB	$15
	MRS	CNTVCT_EL0, R0
	MOVD	R0, ret+0(FP)
	RET

// func readCounterFreq() uint64
TEXT ·readCounterFreq(SB),NOSPLIT|NOFRAME,$0-8
	MRS	CNTFRQ_EL0, R0
	MOVD	R0, ret+0(FP)
	RET

// func armTimer(cval uint64)
// Programs the virtual timer to fire at cval and enables it (unmasked),
// so its PPI wakes WFI.
TEXT ·armTimer(SB),NOSPLIT|NOFRAME,$0-8
	MOVD	cval+0(FP), R0
	MSR	R0, CNTV_CVAL_EL0
	MOVD	$1, R0
	MSR	R0, CNTV_CTL_EL0
	ISB	$15
	RET

// func disarmTimer()
TEXT ·disarmTimer(SB),NOSPLIT|NOFRAME,$0-0
	MOVD	$2, R0 // IMASK, disabled
	MSR	R0, CNTV_CTL_EL0
	ISB	$15
	RET

// func waitForInterrupt()
TEXT ·waitForInterrupt(SB),NOSPLIT|NOFRAME,$0-0
	DSB	$15
	WFI
	RET

// func psciCall(fn uint64, smc bool) uint64
TEXT ·psciCall(SB),NOSPLIT|NOFRAME,$0-24
	MOVD	fn+0(FP), R0
	MOVBU	smc+8(FP), R1
	CBNZ	R1, usesmc
	HVC	$0
	B	done
usesmc:
	SMC	$0
done:
	MOVD	R0, ret+16(FP)
	RET

// func dsb()
TEXT ·dsb(SB),NOSPLIT|NOFRAME,$0-0
	DSB	$15
	RET

// DC_LINE sets R3 to the smallest data cache line (CTR_EL0.DminLine is
// log2 of its size in words) and rounds R0 down to it. Clobbers R2. A macro,
// not a call: these leaf functions keep LR.
#define DC_LINE \
	MRS	CTR_EL0, R2 \
	UBFX	$16, R2, $4, R2 \
	MOVD	$4, R3 \
	LSL	R2, R3, R3 \
	SUB	$1, R3, R2 \
	BIC	R2, R0, R0

// func dcCleanRange(start, end uintptr)
TEXT ·dcCleanRange(SB),NOSPLIT|NOFRAME,$0-16
	MOVD	start+0(FP), R0
	MOVD	end+8(FP), R1
	DC_LINE
cleanloop:
	CMP	R1, R0
	BHS	cleandone
	DC	CVAC, R0
	ADD	R3, R0, R0
	B	cleanloop
cleandone:
	DSB	$15
	RET

// func dcInvalidateRange(start, end uintptr)
TEXT ·dcInvalidateRange(SB),NOSPLIT|NOFRAME,$0-16
	MOVD	start+0(FP), R0
	MOVD	end+8(FP), R1
	DC_LINE
invloop:
	CMP	R1, R0
	BHS	invdone
	DC	IVAC, R0
	ADD	R3, R0, R0
	B	invloop
invdone:
	DSB	$15
	RET

// func mmioRead8(addr uintptr) uint8
TEXT ·mmioRead8(SB),NOSPLIT|NOFRAME,$0-9
	MOVD	addr+0(FP), R0
	MOVBU	(R0), R1
	MOVB	R1, ret+8(FP)
	RET
