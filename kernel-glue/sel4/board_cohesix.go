//go:build cohesix && sel4

package sel4

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/cohesix/cohesix/kernel-glue/boardtime"
	"github.com/cohesix/cohesix/kernel-glue/fdt"
	"github.com/cohesix/cohesix/p9srv/vfs"
)

// kernelConfig is the kernel configuration the image was built for, set
// with -ldflags -X by mk/sel4.mk from the upstream build (sel4-payload
// -kconfig). Empty means DefaultKernelConfig.
var kernelConfig string

// bootInfoVA is X0 at entry, stored by cpuinit; handoffVA is X1, the
// stage-1 handoff page when the two-stage boot started us, else 0.
var bootInfoVA, handoffVA uintptr

// bootStack is the stack cpuinit moves to (seL4 starts the root task with
// SP = 0). It becomes g0's stack.
const bootStackSize = 128 << 10

var bootStack [bootStackSize]byte

// boardMaxCNodeBits is the largest root CNode the static slot bitmap
// covers (2^16 slots, 8 KiB of BSS; builds use 12 to 19, the test build 13).
const boardMaxCNodeBits = 16

const boardMaxUntypeds = 256

// brd is the root task's state. It lives in BSS because it is built in the
// runtime's memory hook, before the Go heap exists.
var brd struct {
	booted bool

	cfg      KernelConfig
	bi       BootInfo
	untypeds [boardMaxUntypeds]UntypedDesc
	words    [1 << (boardMaxCNodeBits - 6)]uint64
	utState  [boardMaxUntypeds]untypedState
	slots    SlotAllocator
	ut       UntypedAllocator
	kern     sysKernel
	env      Env

	uart, rtcRegs uintptr
	devPages      pageMap

	clockReady      bool
	clock           ClockSource
	rtc             RTCClock
	cntBase, cntHz  uint64
	rtcBootSec      int64
	heapLimit       uintptr
	heapMapped      uintptr // the window is backed by frames up to here
	rngProbed       bool
	rng             virtioRNG[MMIO]
	dmaNext, dmaSum uint64

	// Blocking idle (init, hookIdle): every device line on one
	// notification, woken by the physical timer or the PL031 alarm.
	irqs      IRQSet
	irqReady  bool
	timerLine bool
	idle      struct {
		spins           [numSpinReasons]uint64
		blocks, wakeups uint64
	}
	spinUntil uint32 // degraded clock: spin while the RTC is below this

	line [192]byte
}

func ptrAt(va uint64) unsafe.Pointer { return unsafe.Add(nil, uintptr(va)) }

// boot sets up the root task on first use of a hook: bootinfo, the
// allocators, the console, the clock and the heap window. Nothing here may
// allocate; a failure is reported on the console and ends the task.
func boot() {
	if brd.booted {
		return
	}
	brd.booted = true
	cfg, err := ParseKernelConfig(kernelConfig)
	if err != nil {
		fatal("sel4: the kernel config linked into the image is malformed")
	}
	brd.cfg = cfg
	labels, _ := LabelsByName(cfg.Labels)
	frame := unsafe.Slice((*byte)(ptrAt(uint64(bootInfoVA))), BootInfoFrameSize)
	if ParseBootInfoInto(&brd.bi, frame, min(cfg.Untypeds, boardMaxUntypeds), brd.untypeds[:]) != nil {
		fatal("sel4: bootinfo frame rejected")
	}
	if brd.bi.InitThreadCNodeSizeBits > boardMaxCNodeBits {
		fatal("sel4: root CNode larger than 2^16 slots; raise boardMaxCNodeBits")
	}
	brd.kern.ipc = (*IPCBuffer)(ptrAt(brd.bi.IPCBuffer))
	brd.slots.Init(brd.bi.Empty, brd.words[:])
	brd.ut.init(&brd.bi, brd.utState[:])
	initEnv(&brd.env, &brd.kern, labels, &brd.bi, &brd.slots, &brd.ut)
	if handoffVA != 0 && brd.env.ApplyHandoff((*Handoff)(ptrAt(uint64(handoffVA)))) != nil {
		fatal("sel4: stage-1 handoff page rejected")
	}

	if va, err := mapDevicePage(PL011Base); err == nil {
		brd.uart = uintptr(va)
	}
	b := append(brd.line[:0], "cohesix sel4: root task, bootinfo "...)
	b = appendHex(b, uint64(bootInfoVA))
	b = append(b, ", cnode 2^"...)
	b = appendUint(b, uint64(brd.bi.InitThreadCNodeSizeBits))
	b = append(b, ", "...)
	b = appendUint(b, uint64(len(brd.bi.Untypeds)))
	b = append(b, " untypeds, "...)
	b = appendUint(b, brd.bi.RAMBytes()>>20)
	b = append(b, " MiB RAM, labels "...)
	b = append(b, cfg.Labels...)
	if handoffVA != 0 {
		b = append(b, ", loaded by stage 1"...)
	}
	logBytes(b)

	if va, err := mapDevicePage(PL031Base); err == nil {
		brd.rtcRegs = uintptr(va)
		brd.rtcBootSec = int64(rtcSeconds())
	}
	brd.clock = ChooseClock(cfg)
	switch brd.clock {
	case ClockVirtualCounter:
		brd.cntHz, brd.cntBase = readCNTFRQ(), readCNTVCT()
	case ClockPhysicalCounter:
		brd.cntHz, brd.cntBase = readCNTFRQ(), readCNTPCT()
	default:
		if brd.rtcRegs == 0 {
			fatal("sel4: no EL0 counter and no PL031 RTC: no clock")
		}
		brd.rtc.Init(rtcSeconds, rtcInitialRate)
	}
	brd.clockReady = true
	logString(brd.clock.BootLine())

	// The heap window is mapped on demand (hookCommit): retyping a 2 MiB
	// frame makes the kernel clear it, and clearing the whole window took
	// two seconds of a TCG boot for a heap that uses a few MiB.
	n := HeapFrames(&brd.bi)
	if n == 0 {
		fatal("sel4: no RAM for the heap window")
	}
	brd.heapMapped = HeapVA
	brd.heapLimit = uintptr(HeapVA + uint64(n)<<LargePageBits)
	b = append(brd.line[:0], "cohesix sel4: heap window "...)
	b = appendUint(b, uint64(n)<<LargePageBits>>20)
	b = append(b, " MiB at "...)
	b = appendHex(b, HeapVA)
	b = append(b, ", mapped on demand in 2 MiB frames"...)
	logBytes(b)
}

// hookCommit maps 2 MiB frames until the heap window is usable up to
// limit. It runs inside sbrk, under the heap lock: nothing here may
// allocate, so the window was sized at boot (HeapFrames leaves
// HeapReserve for kernel objects and DMA) and a kernel refusal, which
// would mean the allocator's model is wrong, just fails the grow.
//
//go:linkname hookCommit runtime.cohesixCommit
//go:nosplit
func hookCommit(limit uintptr) bool {
	for brd.heapMapped < limit {
		if brd.heapMapped >= brd.heapLimit {
			return false
		}
		if brd.env.MapRAMLarge(uint64(brd.heapMapped), 1) != nil {
			return false
		}
		brd.heapMapped += 1 << LargePageBits
	}
	return true
}

// HeapMapped is how much of the heap window is backed by frames.
func HeapMapped() uintptr { return brd.heapMapped - HeapVA }

// mapDevicePage maps the device page holding pa (once) and returns the VA
// of pa.
func mapDevicePage(pa uint64) (uint64, error) {
	page := pa &^ (PageSize - 1)
	if va, ok := brd.devPages.lookup(page); ok {
		return va + pa - page, nil
	}
	va, ok := brd.devPages.reserve(page)
	if !ok {
		return 0, errDevicePages
	}
	if _, err := brd.env.MapDevice(page, va); err != nil {
		brd.devPages.unreserve()
		return 0, err
	}
	return va + pa - page, nil
}

var errDevicePages = errors.New("sel4: device page table full")

func rtcSeconds() uint32 { return mmioRead32(brd.rtcRegs + PL031RegDR) }

// Console: PL011 polled, or the kernel's debug console before the UART is
// mapped (debug builds only).

const (
	uartDR = 0x00
	uartFR = 0x18
	// uartIMSC: with RX and RX-timeout unmasked the line is raised while
	// received bytes wait, which wakes a blocked idle.
	uartIMSC = 0x38
	imscRX   = 1 << 4
	imscRT   = 1 << 6
	frRXFE   = 1 << 4
	frTXFF   = 1 << 5
)

//go:nosplit
func putc(c byte) {
	switch {
	case brd.uart != 0:
		for mmioRead32(brd.uart+uartFR)&frTXFF != 0 {
		}
		mmioWrite32(brd.uart+uartDR, uint32(c))
	case brd.cfg.Printing || !brd.booted:
		sysDebugPutChar(c)
	}
}

func logBytes(b []byte) {
	for _, c := range b {
		putc(c)
	}
	putc('\n')
}

func logString(s string) {
	for i := 0; i < len(s); i++ {
		putc(s[i])
	}
	putc('\n')
}

// fatal reports msg and ends the root task.
func fatal(msg string) {
	logString(msg)
	suspendSelf()
}

// suspendSelf is how the root task exits: TCB_Suspend on its own TCB. A
// debug kernel then idles; nothing else runs.
func suspendSelf() {
	labels, _ := LabelsByName(brd.cfg.Labels)
	if brd.cfg.Labels == "" {
		labels = Labels14
	}
	sysCall(uint64(CapInitThreadTCB), uint64(NewMessageInfo(labels.TCBSuspend, 0, 0, 0)), 0, 0, 0, 0)
	for {
		sysYield()
	}
}

// Runtime hooks (runtime-port/goroot/src/runtime/hooks_cohesix.go).

//go:linkname hookMemory runtime.cohesixMemory
//go:nosplit
func hookMemory() (base, limit uintptr) {
	boot()
	return HeapVA, brd.heapLimit
}

//go:linkname hookWrite runtime.cohesixWrite
//go:nosplit
func hookWrite(p *byte, n int32) {
	for i := int32(0); i < n; i++ {
		putc(*(*byte)(unsafe.Add(unsafe.Pointer(p), i)))
	}
}

//go:linkname hookNanotime runtime.cohesixNanotime
//go:nosplit
func hookNanotime() int64 { return nanotime() }

func nanotime() int64 {
	if !brd.clockReady {
		return 0
	}
	switch brd.clock {
	case ClockVirtualCounter:
		return CounterNanos(readCNTVCT()-brd.cntBase, brd.cntHz)
	case ClockPhysicalCounter:
		return CounterNanos(readCNTPCT()-brd.cntBase, brd.cntHz)
	}
	// +1: the runtime refuses a clock that reads 0, and before the first
	// idle tick this one does.
	return brd.rtc.Now() + 1
}

//go:linkname hookWalltime runtime.cohesixWalltime
//go:nosplit
func hookWalltime() (sec int64, nsec int32) {
	ns := nanotime()
	return brd.rtcBootSec + ns/1e9, int32(ns % 1e9)
}

// hookRandom reads a virtio-rng device (virtiorng.go): seL4 passes the
// elfloader's build-time DTB, so an rng-seed there repeats on every boot,
// and there is no other entropy. Without the device it returns 0, which the
// runtime and crypto/rand report as "no entropy source".
//
//go:linkname hookRandom runtime.cohesixRandom
//go:nosplit
func hookRandom(p *byte, n int32) int32 {
	if !brd.rngProbed {
		brd.rngProbed = true
		probeRNG()
	}
	if n <= 0 {
		return 0
	}
	return int32(brd.rng.read(unsafe.Slice(p, n), dsb, sysYield))
}

// probeRNG looks for a modern virtio entropy device on the 32 transports.
func probeRNG() {
	for i := range VirtioSlots {
		pa := uint64(VirtioBase + i*VirtioStride)
		va, err := mapDevicePage(pa)
		if err != nil {
			return
		}
		m := MMIO{base: uintptr(va), size: VirtioStride}
		if !isEntropy(m) {
			continue
		}
		d, err := AllocDMA(PageSize)
		if err != nil {
			return
		}
		if brd.rng.init(m, d.b[:PageSize:PageSize], d.pa) == nil {
			logString("cohesix sel4: entropy from virtio-rng")
		}
		return
	}
	logString("cohesix sel4: no virtio-rng device: no entropy (add -device virtio-rng-device)")
}

// init binds the device lines to a notification so idle can block. It runs
// as a package initializer because that is the first moment the heap
// exists (errors allocate) and no device has been started; until then, and
// if it fails, idle polls with seL4_Yield.
func init() {
	// The order fixes the badges: PL031 is bit 1 (rtcBadge).
	lines := make([]uint, 0, 3+VirtioSlots)
	lines = append(lines, PL011IntID, PL031IntID)
	for i := range VirtioSlots {
		lines = append(lines, uint(VirtioIntID0+i))
	}
	timer := brd.cfg.ExportPTMR && brd.clock != ClockRTCInterpolated
	if timer {
		lines = append(lines, PhysTimerIntID)
	}
	if brd.rtcRegs == 0 && !timer {
		logString("cohesix sel4: idle polls with seL4_Yield: neither a PL031 alarm nor an EL0 timer can end a wait")
		return
	}
	if err := brd.irqs.Setup(&brd.env, lines); err != nil {
		logString("cohesix sel4: idle polls with seL4_Yield: cannot bind interrupts: " + err.Error())
		return
	}
	if brd.uart != 0 {
		mmioWrite32(brd.uart+uartIMSC, imscRX|imscRT)
	}
	brd.timerLine, brd.irqReady = timer, true
	if brd.clock == ClockRTCInterpolated {
		brd.spinUntil = rtcSeconds() + DegradedActive // calibrate first
	}
	wake := "the PL031 alarm (whole seconds)"
	if timer {
		wake = "the EL0 physical timer"
	}
	logString("cohesix sel4: idle blocks on a notification: PL011, PL031 and 32 virtio lines; wake-up by " + wake)
}

// hookIdle blocks in seL4_Wait when a wake-up source can end the wait in
// time (PlanIdle), else yields once. Every call first acks the lines the
// previous wake-up reported: the pump has serviced their devices since.
//
//go:linkname hookIdle runtime.cohesixIdle
//go:nosplit
func hookIdle(until int64) {
	if !brd.irqReady {
		sysYield()
		if brd.clock == ClockRTCInterpolated {
			brd.rtc.Tick()
		}
		return
	}
	brd.irqs.AckFired()
	st := IdleState{Now: nanotime(), Until: until, Timer: brd.timerLine}
	if brd.rtcRegs != 0 {
		st.RTC = rtcSeconds()
	}
	if brd.clock == ClockRTCInterpolated {
		st.Degraded, st.Base, st.SpinUntil = true, brd.rtc.Base(), brd.spinUntil
	}
	plan := PlanIdle(st)
	switch plan.Action {
	case IdleSpin:
		brd.idle.spins[plan.Why]++
		badge, _, _, _, _, _ := sysNBRecv(uint64(brd.irqs.Ntfn))
		brd.irqs.Fired(Word(badge))
		if st.Degraded && Word(badge)&^rtcBadge != 0 {
			brd.spinUntil = st.RTC + DegradedActive
		}
		sysYield()
		if st.Degraded {
			brd.rtc.Tick()
		}
	case IdleBlock:
		brd.idle.blocks++
		switch {
		case plan.Timer:
			// TVAL is relative, so the physical counter need not be
			// readable; it is 32 bits signed, and an early wake-up is
			// allowed.
			writeCNTPTVAL(TimerTicks(until-st.Now, brd.cntHz))
			writeCNTPCTL(1) // enabled, unmasked
		case plan.Alarm != 0:
			mmioWrite32(brd.rtcRegs+PL031RegICR, 1)
			mmioWrite32(brd.rtcRegs+PL031RegMR, plan.Alarm)
			mmioWrite32(brd.rtcRegs+PL031RegIMSC, 1)
		}
		badge, _, _, _, _, _ := sysRecv(uint64(brd.irqs.Ntfn))
		brd.irqs.Fired(Word(badge))
		brd.idle.wakeups++
		if plan.Timer {
			writeCNTPCTL(2) // disabled, masked: the line drops
		}
		if plan.Alarm != 0 {
			mmioWrite32(brd.rtcRegs+PL031RegIMSC, 0)
			mmioWrite32(brd.rtcRegs+PL031RegICR, 1)
		}
		if st.Degraded {
			brd.rtc.Slept()
			if Word(badge)&^rtcBadge != 0 {
				brd.spinUntil = rtcSeconds() + DegradedActive // degraded implies the RTC is mapped
			}
		}
	}
}

// rtcBadge is the PL031 line's badge bit (init binds it second).
const rtcBadge Word = 1 << 1

//go:linkname hookExit runtime.cohesixExit
//go:nosplit
func hookExit(code int32) {
	b := append(brd.line[:0], "cohesix sel4: exit "...)
	if code < 0 {
		b = append(b, '-')
		code = -code
	}
	b = appendUint(b, uint64(code))
	b = append(b, "; suspending the root task"...)
	logBytes(b)
	suspendSelf()
}

// DevicePollInterval is how often drivers must poll a device even when no
// line has fired: rarely once idle blocks on the device lines, which wake
// it; as often as on a board without interrupts while idle polls.
func DevicePollInterval() time.Duration {
	if brd.irqReady {
		return time.Second
	}
	return 10 * time.Millisecond
}

// IdleText is /proc/idle: how the root task idles, how often it spun,
// blocked and woke, and how often each bound interrupt line fired.
func IdleText() []byte {
	mode, wake := "poll", "none"
	switch {
	case brd.irqReady && brd.timerLine:
		mode, wake = "block", "cntp"
	case brd.irqReady:
		mode, wake = "block", "rtc-alarm"
	}
	sp := &brd.idle.spins
	b := fmt.Appendf(nil, "mode=%s wake=%s clock=%s blocks=%d wakeups=%d spins_near=%d spins_active=%d spins_edge=%d\n",
		mode, wake, brd.clock, brd.idle.blocks, brd.idle.wakeups, sp[SpinNear], sp[SpinActive], sp[SpinEdge])
	if brd.clock == ClockRTCInterpolated {
		b = fmt.Appendf(b, "rtc_clock rate=%d edges=%d now_ns=%d\n", brd.rtc.Rate(), brd.rtc.Edges(), nanotime())
	}
	for i := range brd.irqs.Lines() {
		if id, n := brd.irqs.Line(i); n > 0 {
			b = fmt.Appendf(b, "irq intid=%d fired=%d\n", id, n)
		}
	}
	return b
}

// Services' view of the board, the same shape as kernel-glue/virt's.

// The pump's clock and idle (kernel-glue/boardtime): idle is this board's
// cohesixIdle hook.
type (
	Clock  = boardtime.Clock
	Waiter = boardtime.Waiter
)

// Uptime is the time since power on on the architected counters (they run
// from reset; the pump's clock counts from the root task's start), and since
// the root task started on the degraded clock, which advances only while
// idle and so reads about zero until the pump first idles. UptimeOrigin
// names which.
func Uptime() time.Duration {
	switch brd.clock {
	case ClockVirtualCounter, ClockPhysicalCounter:
		return time.Duration(CounterNanos(brd.cntBase, brd.cntHz)) + boardtime.Uptime()
	}
	return boardtime.Uptime()
}

// UptimeOrigin names what Uptime counts from: "power on", or "" when the
// clock cannot tell (the degraded clock before its first idle).
func UptimeOrigin() string {
	switch brd.clock {
	case ClockVirtualCounter, ClockPhysicalCounter:
		return "power on"
	}
	return ""
}

// ClockInUse reports the clock chosen at boot.
func ClockInUse() ClockSource { return brd.clock }

// Serial is the PL011 as a non-blocking netio.Conn.
type Serial struct{}

// Read returns the bytes waiting in the receive FIFO, (0, nil) if none.
func (Serial) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && brd.uart != 0 && mmioRead32(brd.uart+uartFR)&frRXFE == 0 {
		p[n] = byte(mmioRead32(brd.uart + uartDR))
		n++
	}
	return n, nil
}

// Write queues as many bytes as the transmit FIFO takes.
func (Serial) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) && brd.uart != 0 && mmioRead32(brd.uart+uartFR)&frTXFF == 0 {
		mmioWrite32(brd.uart+uartDR, uint32(p[n]))
		n++
	}
	return n, nil
}

// Close does nothing: the serial line is always there.
func (Serial) Close() error { return nil }

// RemoteAddr names the peer.
func (Serial) RemoteAddr() string { return "serial" }

// MMIO is a mapped window of device registers.
type MMIO struct {
	base, size uintptr
}

// MapMMIO maps the device window at physical address phys. Pages already
// mapped (virtio transports share pages) are reused; a window must map to
// consecutive VAs.
func MapMMIO(phys, size uint64) (MMIO, error) {
	if size == 0 || phys+size < phys {
		return MMIO{}, errorf(0, "mmio", "window %#x+%#x", phys, size)
	}
	first, err := mapDevicePage(phys)
	if err != nil {
		return MMIO{}, err
	}
	for pa := (phys &^ (PageSize - 1)) + PageSize; pa < phys+size; pa += PageSize {
		va, err := mapDevicePage(pa)
		if err != nil {
			return MMIO{}, err
		}
		if va != first+(pa-phys) {
			return MMIO{}, errorf(0, "mmio", "window %#x+%#x straddles pages mapped apart", phys, size)
		}
	}
	return MMIO{base: uintptr(first), size: uintptr(size)}, nil
}

// Read32 loads the 32-bit register at off.
func (m MMIO) Read32(off uint32) uint32 {
	if uintptr(off)+4 > m.size {
		panic("sel4: MMIO read outside window")
	}
	return mmioRead32(m.base + uintptr(off))
}

// Write32 stores the 32-bit register at off.
func (m MMIO) Write32(off uint32, v uint32) {
	if uintptr(off)+4 > m.size {
		panic("sel4: MMIO write outside window")
	}
	mmioWrite32(m.base+uintptr(off), v)
}

// Read8 loads the byte register at off.
func (m MMIO) Read8(off uint32) uint8 {
	if uintptr(off)+1 > m.size {
		panic("sel4: MMIO read outside window")
	}
	return mmioRead8(m.base + uintptr(off))
}

// DMA is device-reachable memory: physically contiguous frames outside the
// Go heap, zeroed by the kernel's retype.
type DMA struct {
	b  []byte
	pa uint64
}

// Bytes is the CPU's view.
func (d DMA) Bytes() []byte { return d.b }

// Phys is the device's view.
func (d DMA) Phys() uint64 { return d.pa }

// ErrDMAExhausted is returned once MaxDMA bytes are handed out.
var ErrDMAExhausted = errors.New("sel4: DMA budget exhausted")

// AllocDMA returns size bytes of zeroed, physically contiguous memory,
// 4 KiB aligned.
func AllocDMA(size int) (DMA, error) {
	if size <= 0 {
		return DMA{}, errorf(0, "dma", "size %d", size)
	}
	bits := uint(PageBits)
	for 1<<bits < size {
		bits++
	}
	if brd.dmaSum+1<<bits > MaxDMA {
		return DMA{}, ErrDMAExhausted
	}
	r, err := brd.env.DMA(DMAVA+brd.dmaNext, bits)
	if err != nil {
		return DMA{}, err
	}
	brd.dmaNext += 1 << bits
	brd.dmaSum += 1 << bits
	return DMA{b: unsafe.Slice((*byte)(ptrAt(r.VA)), size), pa: r.Paddr}, nil
}

// Barrier orders every earlier load and store before every later one.
func Barrier() { dsb() }

// CleanDMA and InvalidateDMA are the DMA cache maintenance (milestone 8c)
// through seL4_ARM_VSpace_Clean_Data and seL4_ARM_VSpace_Invalidate_Data on
// bytes [off, off+n) of d. A kernel refusal comes back with its code
// (seL4_RangeError, seL4_InvalidArgument).
func CleanDMA(d DMA, off, n int) error { return cacheDMA(CleanData, d, off, n) }

// InvalidateDMA: see CleanDMA.
func InvalidateDMA(d DMA, off, n int) error { return cacheDMA(InvalidateData, d, off, n) }

func cacheDMA(op CacheOp, d DMA, off, n int) error {
	if off < 0 || n <= 0 || off+n > len(d.b) {
		return errorf(vfs.Invalid, "cache", "%v of %d+%d outside a %d-byte DMA block", op, off, n, len(d.b))
	}
	va := dmaVA(d) + uint64(off)
	return brd.env.Cache(op, va, va+uint64(n))
}

// DMACoherent reports whether the device tree the kernel passed in the
// extra bootinfo marks the top-level node (such as "virtio_mmio@a000000")
// dma-coherent. Without a device tree it says false: maintain the caches.
func DMACoherent(node string) bool {
	if brd.bi.ExtraLen == 0 || brd.bi.ExtraLen > 1<<20 {
		return false
	}
	extra := unsafe.Slice((*byte)(ptrAt(uint64(bootInfoVA)+BootInfoFrameSize)), brd.bi.ExtraLen)
	b, err := FDT(extra)
	if err != nil {
		return false
	}
	t, err := fdt.Parse(b)
	return err == nil && t.DMACoherent(node)
}

// CacheMechanism names how CleanDMA and InvalidateDMA work, for the boot log.
const CacheMechanism = "seL4_ARM_VSpace_{Clean,Invalidate}_Data"

func dmaVA(d DMA) uint64 { return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(d.b)))) }

// rtcInitialRate is the read rate the degraded clock assumes until two RTC
// edges have calibrated it. It is deliberately low: an underestimate makes
// time run ahead to the next second boundary and wait there (deadlines
// fire early, by less than a second), an overestimate would make it crawl
// (throttles and timeouts late).
const rtcInitialRate = 1000
