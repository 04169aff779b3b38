//go:build cohesix

package virt

import "unsafe"

// trapFrame is the context trapEntry saves on the exception stack; the
// offsets are fixed by boot_cohesix_arm64.s.
type trapFrame struct {
	x    [31]uint64 // x28 is the interrupted goroutine (g)
	sp   uint64     // SP_EL0
	elr  uint64
	spsr uint64
	esr  uint64
	far  uint64
	kind uint64 // vector index: group*16 + {0 sync, 1 IRQ, 2 FIQ, 3 SError}
}

const frameSize = (unsafe.Sizeof(trapFrame{}) + 15) &^ 15

// Pushed by the runtime (runtime-port/goroot/src/runtime/os_cohesix.go).
//
//go:linkname injectPanic runtime.cohesixInjectPanic
//go:noescape
func injectPanic(pc, sp, lr, r28 *uintptr, kind int, addr uintptr) bool

var (
	trapDepth  int
	trapsTaken uint64
)

// maxTraps bounds how many faults become panics before the board gives up
// (a fault inside the panic machinery would otherwise loop).
const maxTraps = 64

// trap reports an exception and either turns it into a Go panic in the
// interrupted goroutine (synchronous faults) or halts. It runs on the
// exception stack with the interrupted g in R28, so it and everything it
// calls must not grow the stack.
//
//go:nosplit
func trap(f *trapFrame) {
	trapDepth++
	trapsTaken++
	if trapDepth > 1 || f.kind >= 16 {
		puts("\ncohesix: exception inside the exception handler; halting\n")
		report(f)
		powerOff()
	}
	kind := faultNone
	if f.kind == 0 {
		kind = panicKind(f.esr)
	}
	puts("\ncohesix: ")
	switch f.kind & 3 {
	case 0:
		puts("synchronous exception: ")
	case 1:
		puts("unexpected IRQ: ")
	case 2:
		puts("unexpected FIQ: ")
	case 3:
		puts("SError: ")
	}
	report(f)
	if kind != faultNone && trapsTaken <= maxTraps && f.x[28] != 0 {
		var addr uintptr
		if isAbort(f.esr) {
			addr = uintptr(f.far)
		}
		if injectPanic((*uintptr)(unsafe.Pointer(&f.elr)), (*uintptr)(unsafe.Pointer(&f.sp)),
			(*uintptr)(unsafe.Pointer(&f.x[30])), (*uintptr)(unsafe.Pointer(&f.x[28])), kind, addr) {
			puts("cohesix: raising a Go panic in the faulting goroutine\n")
			trapDepth--
			return
		}
	}
	puts("cohesix: halting\n")
	powerOff()
}

//go:nosplit
func report(f *trapFrame) {
	puts(exceptionClassName(f.esr))
	if isAbort(f.esr) {
		puts(", ")
		puts(faultStatusName(f.esr))
		if l := faultLevel(f.esr); l >= 0 {
			puts(" at level ")
			putc(byte('0' + l))
		}
		if isWrite(f.esr) {
			puts(", write")
		} else if esrClass(f.esr) == 0x25 || esrClass(f.esr) == 0x24 {
			puts(", read")
		}
	}
	puts("\n  ESR ")
	puthex(f.esr)
	puts("  FAR ")
	puthex(f.far)
	puts("\n  ELR ")
	puthex(f.elr)
	puts("  SPSR ")
	puthex(f.spsr)
	puts("  SP ")
	puthex(f.sp)
	puts("\n")
	for i := 0; i < 31; i++ {
		puts("  x")
		putc(byte('0' + i/10))
		putc(byte('0' + i%10))
		putc(' ')
		puthex(f.x[i])
		if i%4 == 3 || i == 30 {
			puts("\n")
		}
	}
}

//go:nosplit
func putc(c byte) { uartPutc(c) }

//go:nosplit
func puts(s string) {
	for i := 0; i < len(s); i++ {
		uartPutc(s[i])
	}
}

//go:nosplit
func puthex(v uint64) {
	const digits = "0123456789abcdef"
	uartPutc('0')
	uartPutc('x')
	for shift := 60; shift >= 0; shift -= 4 {
		uartPutc(digits[(v>>uint(shift))&0xf])
	}
}
