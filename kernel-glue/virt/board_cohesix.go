//go:build cohesix

package virt

import (
	"sync/atomic"
	"unsafe"

	"github.com/cohesix/cohesix/kernel-glue/fdt"
)

// Memory cpuinit uses before any Go code runs. The page tables are
// aligned to 4 KiB by cpuinit inside pageTables.
var (
	bootStack      [bootStackSize]byte
	exceptionStack [exceptionStackSize]byte
	pageTables     [3 * 4096]byte
	ttbr0          uintptr
	psciSMC        uint32 // 1 when entered at EL2: PSCI calls go through SMC
)

// Implemented in boot_cohesix_arm64.s.
func readCounter() uint64
func readCounterFreq() uint64
func armTimer(cval uint64)
func disarmTimer()
func waitForInterrupt()
func psciCall(fn uint64, smc bool) uint64

const (
	psciSystemOff = 0x8400_0008
)

//go:nosplit
func mmioRead32(addr uintptr) uint32 {
	return atomic.LoadUint32((*uint32)(unsafe.Add(nil, addr)))
}

//go:nosplit
func mmioWrite32(addr uintptr, v uint32) {
	atomic.StoreUint32((*uint32)(unsafe.Add(nil, addr)), v)
}

// Time.

var counterFreq uint64

//go:nosplit
func freq() uint64 {
	f := counterFreq
	if f == 0 {
		f = readCounterFreq()
		if f == 0 {
			f = 62_500_000
		}
		counterFreq = f
	}
	return f
}

// nanotime converts the virtual counter to nanoseconds. Quotient and
// remainder are scaled separately so the product never overflows.
//
//go:nosplit
func nanotime() int64 {
	t, f := readCounter(), freq()
	return int64(t/f*1e9 + t%f*1e9/f)
}

// counterAt is the counter value at monotonic time ns.
//
//go:nosplit
func counterAt(ns int64) uint64 {
	n, f := uint64(ns), freq()
	return n/1e9*f + n%1e9*f/1e9
}

//go:linkname hookNanotime runtime.cohesixNanotime
//go:nosplit
func hookNanotime() int64 { return nanotime() }

// The wall clock is the PL031's seconds at first use plus the monotonic
// time since then.
var (
	wallBaseSec int64
	wallBaseNs  int64
	wallSet     bool
)

//go:linkname hookWalltime runtime.cohesixWalltime
//go:nosplit
func hookWalltime() (sec int64, nsec int32) {
	if !wallSet {
		wallBaseSec = int64(mmioRead32(RTCBase))
		wallBaseNs = nanotime()
		wallSet = true
	}
	d := nanotime() - wallBaseNs
	return wallBaseSec + d/1e9, int32(d % 1e9)
}

// Console output: PL011 data register, polling the TX FIFO.

const (
	uartDR   = UARTBase + 0x00
	uartFR   = UARTBase + 0x18
	uartIMSC = UARTBase + 0x38
	uartICR  = UARTBase + 0x44
	frRXFE   = 1 << 4
	frTXFF   = 1 << 5
	imscRX   = 1 << 4
	imscRT   = 1 << 6
)

//go:nosplit
func uartPutc(c byte) {
	for mmioRead32(uartFR)&frTXFF != 0 {
	}
	mmioWrite32(uartDR, uint32(c))
}

//go:linkname hookWrite runtime.cohesixWrite
//go:nosplit
func hookWrite(p *byte, n int32) {
	for i := int32(0); i < n; i++ {
		uartPutc(*(*byte)(unsafe.Add(unsafe.Pointer(p), i)))
	}
}

// Memory: the heap runs from the end of the image to the end of RAM as
// the device tree gives it.

var ramEnd uintptr

// hookCommit has nothing to do: the window is RAM, identity-mapped at boot.
//
//go:linkname hookCommit runtime.cohesixCommit
//go:nosplit
func hookCommit(limit uintptr) bool { return true }

//go:linkname hookMemory runtime.cohesixMemory
func hookMemory() (base, limit uintptr) {
	if ramEnd == 0 {
		ramEnd = RAMBase + defaultRAMSize
		if t, ok := bootFDT(); ok {
			if b, s, err := t.MemoryRange(); err == nil && b == RAMBase && s > 0 {
				ramEnd = uintptr(min(b+s, ramHigh))
			}
		}
	}
	return 0, ramEnd
}

// bootFDT returns the device tree QEMU left at the start of RAM.
func bootFDT() (fdt.Tree, bool) {
	hdr := unsafe.Slice((*byte)(unsafe.Add(nil, uintptr(RAMBase))), fdt.HeaderLen)
	n, err := fdt.TotalSize(hdr)
	if err != nil {
		return fdt.Tree{}, false
	}
	t, err := fdt.Parse(unsafe.Slice((*byte)(unsafe.Add(nil, uintptr(RAMBase))), n))
	return t, err == nil
}

// Randomness: a ChaCha20 stream keyed on first use from the device tree's
// rng-seed and kaslr-seed (QEMU fills them from the host's entropy), the
// RTC and the counter.

var (
	rng       stream
	rngKeyed  bool
	rngSeeded bool // true when the key came from the device tree
)

//go:linkname hookRandom runtime.cohesixRandom
func hookRandom(p *byte, n int32) int32 {
	if !rngKeyed {
		seedRNG()
	}
	rng.read(unsafe.Slice(p, n))
	return n
}

func seedRNG() {
	var key [32]byte
	if t, ok := bootFDT(); ok {
		for _, prop := range [...]string{"rng-seed", "kaslr-seed"} {
			if v, err := t.Property("chosen", prop); err == nil && len(v) > 0 {
				mixSeed(&key, v)
				rngSeeded = rngSeeded || len(v) >= 16
			}
		}
	}
	var extra [16]byte
	c, rtc := readCounter(), mmioRead32(RTCBase)
	for i := 0; i < 8; i++ {
		extra[i] = byte(c >> (8 * i))
	}
	for i := 0; i < 4; i++ {
		extra[8+i] = byte(rtc >> (8 * i))
	}
	mixSeed(&key, extra[:])
	var nonce [12]byte
	rng.key(&key, &nonce)
	rngKeyed = true
}

// Power.

//go:linkname hookExit runtime.cohesixExit
//go:nosplit
func hookExit(code int32) {
	powerOff()
}

//go:nosplit
func powerOff() {
	psciCall(psciSystemOff, psciSMC != 0)
	for {
		waitForInterrupt()
	}
}

func dsb()

// dcCleanRange and dcInvalidateRange apply DC CVAC and DC IVAC to every
// data cache line overlapping [start, end), then DSB SY.
func dcCleanRange(start, end uintptr)
func dcInvalidateRange(start, end uintptr)

// mmioRead8 loads one byte register (a single LDRB).
func mmioRead8(addr uintptr) uint8

func addrOf(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }
