// Copyright 2026 The Cohesix Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// The cohesix OS layer: one M, one P, no signals, memory from a fixed
// window handed out by sbrk. Everything that touches the platform goes
// through the hooks in hooks_cohesix.go, which the board package
// (kernel-glue/virt, kernel-glue/sel4) supplies.

//go:build cohesix

package runtime

import (
	"internal/abi"
	"internal/runtime/atomic"
	"unsafe"
)

// heapLimit is the end of the memory window sbrk may hand out.
var heapLimit uintptr

func osinit() {
	physPageSize = 4096
	base, limit := cohesixMemory()
	if base == 0 {
		initBloc()
	} else {
		bloc = memRound(base)
		blocMax = bloc
	}
	heapLimit = limit
	numCPUStartup = getCPUCount()
	getg().m.procid = 1
}

// sbrk extends the break by n bytes and returns the old break, or nil if
// the window is exhausted. Memory above the high-water mark is cleared
// here because the runtime expects fresh memory to read as zero and a
// warm reboot on real hardware does not guarantee it.
//
//go:nosplit
func sbrk(n uintptr) unsafe.Pointer {
	bl := bloc
	n = memRound(n)
	if bl+n < bl || (heapLimit != 0 && bl+n > heapLimit) {
		return nil
	}
	if bl+n > blocMax {
		if !cohesixCommit(bl + n) {
			return nil
		}
		memclrNoHeapPointers(unsafe.Pointer(blocMax), bl+n-blocMax)
		blocMax = bl + n
	}
	bloc += n
	return unsafe.Pointer(bl)
}

func getCPUCount() int32 { return 1 }

type mOS struct{}

type sigset struct{}

// gsignalStack is unused: exceptions run on the interrupted stack.
type gsignalStack struct{}

const (
	_NSIG    = 0
	_SIGILL  = 0x4
	_SIGBUS  = 0x7
	_SIGSEGV = 0xb
)

const preemptMSupported = false

func preemptM(mp *m) {}

func mpreinit(mp *m) {
	mp.gsignal = malg(32 * 1024)
	mp.gsignal.m = mp
}

func minit()            {}
func unminit()          {}
func mdestroy(mp *m)    {}
func initsig(bool)      {}
func sigenable(uint32)  {}
func sigdisable(uint32) {}
func sigignore(uint32)  {}

//go:nosplit
func sigsave(p *sigset) {}

//go:nosplit
func msigrestore(sigmask sigset) {}

//go:nosplit
//go:nowritebarrierrec
func clearSignalHandlers() {}

//go:nosplit
func sigblock(exiting bool) {}

func signame(sig uint32) string { return "" }

func setProcessCPUProfiler(hz int32) {}
func setThreadCPUProfiler(hz int32)  {}

//go:nowritebarrier
func newosproc(mp *m) {
	throw("newosproc: cohesix runs one thread")
}

func exitThread(wait *atomic.Uint32) {
	throw("exitThread: cohesix runs one thread")
}

//go:nosplit
func osyield() {}

//go:nosplit
func osyield_no_g() {}

//go:nosplit
func usleep(usec uint32) {
	end := nanotime() + int64(usec)*1000
	for nanotime() < end {
	}
}

//go:nosplit
func usleep_no_g(usec uint32) { usleep(usec) }

//go:nosplit
func cputicks() int64 { return nanotime() }

//go:nosplit
func nanotime1() int64 { return cohesixNanotime() }

func walltime() (sec int64, nsec int32) { return cohesixWalltime() }

//go:nosplit
func write1(fd uintptr, p unsafe.Pointer, n int32) int32 {
	if fd != 1 && fd != 2 {
		return -_EBADF
	}
	cohesixWrite((*byte)(p), n)
	return n
}

func read(fd int32, p unsafe.Pointer, n int32) int32            { return -_ENOSYS }
func closefd(fd int32) int32                                    { return -_ENOSYS }
func open(name *byte, mode, perm int32) int32                   { return -_ENOSYS }
func madvise(addr unsafe.Pointer, n uintptr, flags int32) int32 { return 0 }

const (
	_EBADF  = 9
	_ENOSYS = 38
)

//go:nosplit
func exit(code int32) {
	cohesixExit(code)
	for {
	}
}

func crash() {
	*(*int)(nil) = 0
}

//go:nosplit
func readRandom(r []byte) int {
	if len(r) == 0 {
		return 0
	}
	return int(cohesixRandom(&r[0], int32(len(r))))
}

// goenvs leaves envs empty but non-nil: there is no environment.
func goenvs() {
	envs = make([]string, 0)
}

//go:linkname os_sigpipe os.sigpipe
func os_sigpipe() {}

//go:linkname syscall_now syscall.now
func syscall_now() (sec int64, nsec int32) {
	sec, nsec, _ = time_now()
	return
}

// sigpanic turns a hardware fault, rewritten by the board's exception
// handler through cohesixInjectPanic, into a Go panic.
func sigpanic() {
	gp := getg()
	if !canpanic() {
		throw("unexpected fault during runtime execution")
	}
	switch gp.sig {
	case _SIGSEGV, _SIGBUS:
		if gp.sigcode1 < minLegalPointer {
			panicmem()
		}
		if gp.paniconfault {
			panicmemAddr(gp.sigcode1)
		}
		print("unexpected fault address ", hex(gp.sigcode1), "\n")
		throw("fault")
	case _SIGILL:
		print("illegal instruction at ", hex(gp.sigpc), "\n")
		throw("illegal instruction")
	}
	throw("unexpected fault")
}

// cohesixInjectPanic rewrites an interrupted context so that, when the
// exception returns, the interrupted goroutine calls sigpanic as if the
// faulting instruction had called it. The board's synchronous exception
// handler calls it with pointers to the saved PC, SP, LR and g (R28);
// kind is 0 for a memory fault at addr, 1 for an alignment fault, 2 for an
// undefined instruction. It reports false when there is no goroutine to
// panic on; the board then halts after its fault report.
//
//go:linkname cohesixInjectPanic
//go:nosplit
func cohesixInjectPanic(pc, sp, lr, r28 *uintptr, kind int, addr uintptr) bool {
	gp := (*g)(unsafe.Pointer(*r28))
	if gp == nil || gp.m == nil || gp == gp.m.g0 || gp == gp.m.gsignal {
		return false
	}
	switch kind {
	case 0:
		gp.sig = _SIGSEGV
	case 1:
		gp.sig = _SIGBUS
	default:
		gp.sig = _SIGILL
	}
	gp.sigcode0 = uintptr(kind)
	gp.sigcode1 = addr
	gp.sigpc = *pc
	// As on Unix (sigctxt.preparePanic): push LR so that panics in leaf
	// functions unwind, then pretend the faulting PC called sigpanic.
	nsp := *sp - 16
	*(*uintptr)(unsafe.Pointer(nsp)) = *lr
	*sp = nsp
	// Same rule as shouldPushSigpanic, which may grow the stack and so
	// cannot run on the exception stack.
	if *pc != 0 && (findfunc(*pc).valid() || !findfunc(*lr).valid()) {
		*lr = *pc
	}
	*pc = abi.FuncPCABIInternal(sigpanic)
	return true
}

// cohesixTraceback prints the stack of the goroutine interrupted at
// pc/sp/lr. The board calls it for faults that cannot become a panic.
//
//go:linkname cohesixTraceback
func cohesixTraceback(pc, sp, lr uintptr, r28 uintptr) {
	gp := (*g)(unsafe.Pointer(r28))
	if gp == nil {
		print("no goroutine (R28 = 0)\n")
		return
	}
	print("goroutine ", gp.goid, " traceback from pc=", hex(pc), ":\n")
	traceback1(pc, sp, lr, gp, 0)
}

//go:linkname syscall_cohesixWrite syscall.runtimeWrite
//go:nosplit
func syscall_cohesixWrite(fd uintptr, p unsafe.Pointer, n int32) int32 {
	return write1(fd, p, n)
}

//go:linkname sysrand_read crypto/internal/sysrand.runtimeRandom
func sysrand_read(p unsafe.Pointer, n int) int {
	if n == 0 {
		return 0
	}
	return readRandom(unsafe.Slice((*byte)(p), n))
}
