#include "textflag.h"

#define SYS_CALL $-1
#define SYS_DEBUG_PUTCHAR $-9
#define CAP_INIT_THREAD_TCB $1
#define TCB_SUSPEND_LABEL $11

#define PUTC(c) MOVD c, R0; MOVD SYS_DEBUG_PUTCHAR, R7; SVC

DATA msgHello<>+0(SB)/8, $"probe: r"
DATA msgHello<>+8(SB)/8, $"oot task"
DATA msgHello<>+16(SB)/8, $" up, boo"
DATA msgHello<>+24(SB)/8, $"tinfo fo"
DATA msgHello<>+32(SB)/8, $"llows\n\x00\x00"
GLOBL msgHello<>(SB), RODATA, $40

DATA msgCounter<>+0(SB)/8, $"probe: r"
DATA msgCounter<>+8(SB)/8, $"eading C"
DATA msgCounter<>+16(SB)/8, $"NTVCT_EL"
DATA msgCounter<>+24(SB)/8, $"0\n\x00\x00\x00\x00\x00\x00"
GLOBL msgCounter<>(SB), RODATA, $32

DATA msgCounterOK<>+0(SB)/8, $"probe: c"
DATA msgCounterOK<>+8(SB)/8, $"ounter r"
DATA msgCounterOK<>+16(SB)/8, $"eadable\n"
DATA msgCounterOK<>+24(SB)/8, $"\x00\x00\x00\x00\x00\x00\x00\x00"
GLOBL msgCounterOK<>(SB), RODATA, $32

DATA msgSuspend<>+0(SB)/8, $"probe: s"
DATA msgSuspend<>+8(SB)/8, $"uspendin"
DATA msgSuspend<>+16(SB)/8, $"g itself"
DATA msgSuspend<>+24(SB)/8, $"\n\x00\x00\x00\x00\x00\x00\x00"
GLOBL msgSuspend<>(SB), RODATA, $32

DATA msgReturned<>+0(SB)/8, $"probe: s"
DATA msgReturned<>+8(SB)/8, $"uspend r"
DATA msgReturned<>+16(SB)/8, $"eturned!"
DATA msgReturned<>+24(SB)/8, $"\n\x00\x00\x00\x00\x00\x00\x00"
GLOBL msgReturned<>(SB), RODATA, $32

DATA msgBI<>+0(SB)/8, $"BI \x00\x00\x00\x00\x00"
GLOBL msgBI<>(SB), RODATA, $8

// func probeEntry()
TEXT ·probeEntry(SB), NOSPLIT|NOFRAME, $0-0
	MOVD R0, R19                         // bootinfo VA, from the kernel
	MOVD $·probeStack+16384(SB), R1
	MOVD R1, RSP
	MOVD $msgHello<>(SB), R24
	BL   ·probePuts(SB)

	// Dump 4096 bytes of bootinfo plus 64 bytes of extra bootinfo,
	// 32 bytes a line: "BI oooo hh..hh\n".
	MOVD $0, R20
dumpline:
	MOVD $msgBI<>(SB), R24
	BL   ·probePuts(SB)
	LSR  $8, R20, R22
	BL   ·probeHex(SB)
	MOVD R20, R22
	BL   ·probeHex(SB)
	PUTC($' ')
	MOVD $0, R23
dumpbyte:
	ADD  R20, R23, R1
	MOVBU (R19)(R1), R22
	BL   ·probeHex(SB)
	ADD  $1, R23
	CMP  $32, R23
	BNE  dumpbyte
	PUTC($'\n')
	ADD  $32, R20
	CMP  $(4096+64), R20
	BLT  dumpline

	MOVD $·probeMode(SB), R1
	MOVD 0(R1), R1                       // string data pointer
	MOVBU (R1), R2
	CMP  $'s', R2
	BEQ  suspend

	MOVD $msgCounter<>(SB), R24
	BL   ·probePuts(SB)
	MRS  CNTVCT_EL0, R25
	MOVD $msgCounterOK<>(SB), R24
	BL   ·probePuts(SB)
	B    suspend

suspend:
	MOVD $msgSuspend<>(SB), R24
	BL   ·probePuts(SB)
	MOVD CAP_INIT_THREAD_TCB, R0
	MOVD TCB_SUSPEND_LABEL, R1
	LSL  $12, R1, R1                     // MessageInfo: label<<12, no caps, length 0
	MOVD SYS_CALL, R7
	SVC
	MOVD $msgReturned<>(SB), R24
	BL   ·probePuts(SB)
hang:
	B    hang

// func probePuts()
TEXT ·probePuts(SB), NOSPLIT|NOFRAME, $0-0
loop:
	MOVBU (R24), R0
	CBZ  R0, done
	MOVD SYS_DEBUG_PUTCHAR, R7
	SVC
	ADD  $1, R24
	B    loop
done:
	RET

// func probeHex()
TEXT ·probeHex(SB), NOSPLIT|NOFRAME, $0-0
	LSR  $4, R22, R0
	AND  $15, R0
	CMP  $10, R0
	BLT  hi
	ADD  $('a'-10-'0'), R0
hi:
	ADD  $'0', R0
	MOVD SYS_DEBUG_PUTCHAR, R7
	SVC
	AND  $15, R22, R0
	CMP  $10, R0
	BLT  lo
	ADD  $('a'-10-'0'), R0
lo:
	ADD  $'0', R0
	MOVD SYS_DEBUG_PUTCHAR, R7
	SVC
	RET
