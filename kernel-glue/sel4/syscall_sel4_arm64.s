//go:build (cohesix && sel4) || (linux && arm64 && sel4probe)

// seL4 system calls for aarch64, non-MCS (§1, §2), and the root task's
// entry. Arguments: X0 cap/badge, X1 message info, X2..X5 MR0..MR3, X7 the
// (negative) syscall number. The kernel preserves every other register.
//
// The sel4probe tag builds them for linux/arm64 too, for cmd/sel4-payload/
// gluecheck, which runs this package on seL4 without the Go runtime.

#include "textflag.h"

#define SYS_CALL         $-1
#define SYS_REPLY_RECV   $-2
#define SYS_SEND         $-3
#define SYS_NB_SEND      $-4
#define SYS_RECV         $-5
#define SYS_REPLY        $-6
#define SYS_YIELD        $-7
#define SYS_NB_RECV      $-8
#define SYS_DEBUG_PUTCHAR $-9
#define SYS_DEBUG_HALT   $-11

// func sysCall(dest, info, mr0, mr1, mr2, mr3 uint64) (badge, rinfo, r0, r1, r2, r3 uint64)
TEXT ·sysCall(SB),NOSPLIT,$0-96
	MOVD	dest+0(FP), R0
	MOVD	info+8(FP), R1
	MOVD	mr0+16(FP), R2
	MOVD	mr1+24(FP), R3
	MOVD	mr2+32(FP), R4
	MOVD	mr3+40(FP), R5
	MOVD	SYS_CALL, R7
	SVC
	MOVD	R0, badge+48(FP)
	MOVD	R1, rinfo+56(FP)
	MOVD	R2, r0+64(FP)
	MOVD	R3, r1+72(FP)
	MOVD	R4, r2+80(FP)
	MOVD	R5, r3+88(FP)
	RET

// func sysReplyRecv(src, info, mr0, mr1, mr2, mr3 uint64) (badge, rinfo, r0, r1, r2, r3 uint64)
TEXT ·sysReplyRecv(SB),NOSPLIT,$0-96
	MOVD	src+0(FP), R0
	MOVD	info+8(FP), R1
	MOVD	mr0+16(FP), R2
	MOVD	mr1+24(FP), R3
	MOVD	mr2+32(FP), R4
	MOVD	mr3+40(FP), R5
	MOVD	SYS_REPLY_RECV, R7
	SVC
	MOVD	R0, badge+48(FP)
	MOVD	R1, rinfo+56(FP)
	MOVD	R2, r0+64(FP)
	MOVD	R3, r1+72(FP)
	MOVD	R4, r2+80(FP)
	MOVD	R5, r3+88(FP)
	RET

// func sysSend(dest, info, mr0, mr1, mr2, mr3 uint64)
TEXT ·sysSend(SB),NOSPLIT,$0-48
	MOVD	dest+0(FP), R0
	MOVD	info+8(FP), R1
	MOVD	mr0+16(FP), R2
	MOVD	mr1+24(FP), R3
	MOVD	mr2+32(FP), R4
	MOVD	mr3+40(FP), R5
	MOVD	SYS_SEND, R7
	SVC
	RET

// func sysNBSend(dest, info, mr0, mr1, mr2, mr3 uint64)
TEXT ·sysNBSend(SB),NOSPLIT,$0-48
	MOVD	dest+0(FP), R0
	MOVD	info+8(FP), R1
	MOVD	mr0+16(FP), R2
	MOVD	mr1+24(FP), R3
	MOVD	mr2+32(FP), R4
	MOVD	mr3+40(FP), R5
	MOVD	SYS_NB_SEND, R7
	SVC
	RET

// func sysReply(info, mr0, mr1, mr2, mr3 uint64)
TEXT ·sysReply(SB),NOSPLIT,$0-40
	MOVD	info+0(FP), R1
	MOVD	mr0+8(FP), R2
	MOVD	mr1+16(FP), R3
	MOVD	mr2+24(FP), R4
	MOVD	mr3+32(FP), R5
	MOVD	SYS_REPLY, R7
	SVC
	RET

// func sysRecv(src uint64) (badge, info, r0, r1, r2, r3 uint64)
TEXT ·sysRecv(SB),NOSPLIT,$0-56
	MOVD	src+0(FP), R0
	MOVD	SYS_RECV, R7
	SVC
	MOVD	R0, badge+8(FP)
	MOVD	R1, info+16(FP)
	MOVD	R2, r0+24(FP)
	MOVD	R3, r1+32(FP)
	MOVD	R4, r2+40(FP)
	MOVD	R5, r3+48(FP)
	RET

// func sysNBRecv(src uint64) (badge, info, r0, r1, r2, r3 uint64)
TEXT ·sysNBRecv(SB),NOSPLIT,$0-56
	MOVD	src+0(FP), R0
	MOVD	SYS_NB_RECV, R7
	SVC
	MOVD	R0, badge+8(FP)
	MOVD	R1, info+16(FP)
	MOVD	R2, r0+24(FP)
	MOVD	R3, r1+32(FP)
	MOVD	R4, r2+40(FP)
	MOVD	R5, r3+48(FP)
	RET

// func sysYield()
TEXT ·sysYield(SB),NOSPLIT,$0-0
	MOVD	SYS_YIELD, R7
	SVC
	RET

// func sysDebugPutChar(c byte)
TEXT ·sysDebugPutChar(SB),NOSPLIT,$0-1
	MOVBU	c+0(FP), R0
	MOVD	SYS_DEBUG_PUTCHAR, R7
	SVC
	RET

// func sysDebugHalt()
TEXT ·sysDebugHalt(SB),NOSPLIT,$0-0
	MOVD	SYS_DEBUG_HALT, R7
	SVC
	RET

// The counters trap at EL0 unless the kernel exports them (§9): call these
// only when KernelConfig says so.

// func readCNTVCT() uint64
TEXT ·readCNTVCT(SB),NOSPLIT,$0-8
	ISB	$15
	MRS	CNTVCT_EL0, R0
	MOVD	R0, ret+0(FP)
	RET

// func readCNTPCT() uint64
TEXT ·readCNTPCT(SB),NOSPLIT,$0-8
	ISB	$15
	MRS	CNTPCT_EL0, R0
	MOVD	R0, ret+0(FP)
	RET

// The EL0 physical timer (KernelArmExportPTMRUser), the idle wake-up
// where the kernel exports it; the kernel's own tick is the virtual timer.

// func writeCNTPTVAL(v uint64)
TEXT ·writeCNTPTVAL(SB),NOSPLIT,$0-8
	MOVD	v+0(FP), R0
	MSR	R0, CNTP_TVAL_EL0
	ISB	$15
	RET

// func writeCNTPCTL(v uint64)
TEXT ·writeCNTPCTL(SB),NOSPLIT,$0-8
	MOVD	v+0(FP), R0
	MSR	R0, CNTP_CTL_EL0
	ISB	$15
	RET

// func readCNTFRQ() uint64
TEXT ·readCNTFRQ(SB),NOSPLIT,$0-8
	MRS	CNTFRQ_EL0, R0
	MOVD	R0, ret+0(FP)
	RET

// Device registers are accessed with single loads and stores, ordered by
// DSB: the mapping is Device-nGnRnE.

// func mmioRead32(addr uintptr) uint32
TEXT ·mmioRead32(SB),NOSPLIT,$0-12
	MOVD	addr+0(FP), R0
	MOVWU	(R0), R1
	DSB	$15
	MOVW	R1, ret+8(FP)
	RET

// func mmioWrite32(addr uintptr, v uint32)
TEXT ·mmioWrite32(SB),NOSPLIT,$0-12
	MOVD	addr+0(FP), R0
	MOVWU	v+8(FP), R1
	DSB	$15
	MOVW	R1, (R0)
	RET

// func mmioRead8(addr uintptr) uint8
TEXT ·mmioRead8(SB),NOSPLIT,$0-9
	MOVD	addr+0(FP), R0
	MOVBU	(R0), R1
	DSB	$15
	MOVB	R1, ret+8(FP)
	RET

// func dsb()
TEXT ·dsb(SB),NOSPLIT,$0-0
	DSB	$15
	RET

// func jumpTo(pc, x0, x1 uintptr)
TEXT ·jumpTo(SB),NOSPLIT|NOFRAME,$0-24
	MOVD	pc+0(FP), R9
	MOVD	x0+8(FP), R0
	MOVD	x1+16(FP), R1
	MOVD	$0, R2
	MOVD	$0, R3
	MOVD	$0, R30
	B	(R9)
