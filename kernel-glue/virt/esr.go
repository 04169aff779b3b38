package virt

// Exception syndrome decoding (Arm ARM D17.2.37, ESR_EL1). Everything here
// runs inside the exception handler, so it returns constant strings and
// never allocates.

// Panic kinds understood by runtime.cohesixInjectPanic.
const (
	faultMemory    = 0 // bad address: nil dereference or wild pointer
	faultAlignment = 1
	faultIllegal   = 2
	faultNone      = -1 // not something a goroutine can panic with
)

//go:nosplit
func esrClass(esr uint64) uint32 { return uint32(esr>>26) & 0x3f }

// exceptionClassName names the exception class of esr.
//
//go:nosplit
func exceptionClassName(esr uint64) string {
	switch esrClass(esr) {
	case 0x00:
		return "unknown reason (undefined instruction)"
	case 0x01:
		return "WFI/WFE trapped"
	case 0x07:
		return "SIMD/FP access trapped"
	case 0x0e:
		return "illegal execution state"
	case 0x15:
		return "SVC"
	case 0x16:
		return "HVC"
	case 0x17:
		return "SMC"
	case 0x18:
		return "system register access trapped"
	case 0x20:
		return "instruction abort from a lower EL"
	case 0x21:
		return "instruction abort"
	case 0x22:
		return "PC alignment fault"
	case 0x24:
		return "data abort from a lower EL"
	case 0x25:
		return "data abort"
	case 0x26:
		return "SP alignment fault"
	case 0x2c:
		return "floating-point exception"
	case 0x2f:
		return "SError"
	case 0x30, 0x31:
		return "breakpoint"
	case 0x32, 0x33:
		return "software step"
	case 0x34, 0x35:
		return "watchpoint"
	case 0x3c:
		return "BRK instruction"
	}
	return "unrecognised exception class"
}

// isAbort reports whether esr is an instruction or data abort, whose FAR
// holds the faulting address.
//
//go:nosplit
func isAbort(esr uint64) bool {
	switch esrClass(esr) {
	case 0x20, 0x21, 0x24, 0x25:
		return true
	}
	return false
}

// isWrite reports whether a data abort was caused by a write (WnR).
//
//go:nosplit
func isWrite(esr uint64) bool {
	ec := esrClass(esr)
	return (ec == 0x24 || ec == 0x25) && esr&(1<<6) != 0
}

// faultStatusName names the DFSC/IFSC of an abort.
//
//go:nosplit
func faultStatusName(esr uint64) string {
	fsc := uint32(esr) & 0x3f
	switch {
	case fsc <= 0x03:
		return "address size fault"
	case fsc <= 0x07:
		return "translation fault (unmapped address)"
	case fsc <= 0x0b:
		return "access flag fault"
	case fsc <= 0x0f:
		return "permission fault"
	case fsc == 0x10:
		return "synchronous external abort"
	case fsc == 0x21:
		return "alignment fault"
	case fsc == 0x30:
		return "TLB conflict abort"
	}
	return "other fault status"
}

// faultLevel returns the translation table level of a translation,
// access flag or permission fault, or -1.
//
//go:nosplit
func faultLevel(esr uint64) int {
	fsc := uint32(esr) & 0x3f
	if fsc >= 0x04 && fsc <= 0x0f {
		return int(fsc & 3)
	}
	return -1
}

// panicKind decides how a synchronous exception becomes a Go panic.
//
//go:nosplit
func panicKind(esr uint64) int {
	switch esrClass(esr) {
	case 0x20, 0x21, 0x24, 0x25:
		if uint32(esr)&0x3f == 0x21 {
			return faultAlignment
		}
		return faultMemory
	case 0x22, 0x26:
		return faultAlignment
	case 0x00, 0x0e, 0x3c:
		return faultIllegal
	}
	return faultNone
}
