package sel4

import "fmt"

// ClockSource is where the root task's monotonic time comes from.
type ClockSource uint8

const (
	// ClockVirtualCounter reads CNTVCT_EL0 at CNTFRQ_EL0. It needs
	// KernelArmExportVCNTUser; the kernel's own tick uses the virtual
	// timer, but reading its counter is harmless.
	ClockVirtualCounter ClockSource = iota
	// ClockPhysicalCounter reads CNTPCT_EL0 (KernelArmExportPCNTUser).
	ClockPhysicalCounter
	// ClockRTCInterpolated is the degraded clock for kernels that export
	// neither counter (an EL0 read would trap, EC 0x18, and stop the root
	// task): the PL031 RTC's whole seconds, interpolated within each second
	// by counting clock reads and calibrating that count against the RTC's
	// second edges. See RTCClock.
	ClockRTCInterpolated
)

// ChooseClock picks the best clock the kernel allows.
func ChooseClock(c KernelConfig) ClockSource {
	switch {
	case c.ExportVCNT:
		return ClockVirtualCounter
	case c.ExportPCNT:
		return ClockPhysicalCounter
	}
	return ClockRTCInterpolated
}

// BootLine is the boot log line that says which clock is in use and why.
func (s ClockSource) BootLine() string {
	switch s {
	case ClockVirtualCounter:
		return "clock: CNTVCT_EL0 (KernelArmExportVCNTUser=ON)"
	case ClockPhysicalCounter:
		return "clock: CNTPCT_EL0 (KernelArmExportPCNTUser=ON)"
	}
	return "clock: degraded: PL031 RTC seconds interpolated by a calibrated idle-iteration count " +
		"(kernel exports no EL0 counter; set KernelArmExportVCNTUser=ON for a precise clock)"
}

func (s ClockSource) String() string {
	return [...]string{"cntvct", "cntpct", "rtc-interpolated"}[s]
}

// CounterNanos converts a counter value at freq Hz to nanoseconds without
// overflow in the intermediate product (ticks*1e9 would overflow after 5
// minutes at 62.5 MHz); the result fits int64 for 292 years.
func CounterNanos(ticks, freq uint64) int64 {
	if freq == 0 {
		return 0
	}
	return int64((ticks/freq)*1e9 + (ticks%freq)*1e9/freq)
}

// PL031 RTC on QEMU virt (§11): its data register counts whole seconds.
const (
	PL031Base    = 0x0901_0000
	PL031RegDR   = 0x000 // data register: seconds
	PL031RegMR   = 0x004 // match register: the alarm second
	PL031RegCR   = 0x00C // control register: bit 0 starts the counter
	PL031RegIMSC = 0x010 // interrupt mask: bit 0 enables the alarm line
	PL031RegICR  = 0x01C // interrupt clear
	// PhysTimerIntID is the EL1 physical timer's PPI, free for the root
	// task: the kernel ticks on the virtual timer (27).
	PhysTimerIntID = 30
	PL031IntID     = 34
	rtcMaxRate     = 1 << 40
	nsPerSecond    = 1_000_000_000
)

// RTCClock is the degraded monotonic clock. Each Tick is one "count" (the
// board ticks once per idle iteration, one seL4_Yield round trip, which
// costs about the same wall time each time); the RTC's second edges tell
// how many counts a second holds, and time within a second is edge +
// counts since the edge / counts per second. It is exact at every edge (to
// the RTC's 1 s granularity), never runs backwards and never runs past the
// next edge before seeing it. While the root task is busy it does not
// idle, so the clock holds still until the next edge; a busy second lowers
// the calibrated rate, which makes the following idle time run ahead (to
// the edge at most). So deadlines fire early rather than late, by under a
// second, and timers are only accurate to about a second until two edges
// have calibrated the rate.
type RTCClock struct {
	read func() uint32 // RTC seconds

	started   bool
	base      uint32 // RTC second at the first read
	edgeSec   uint32 // RTC second last seen
	edgeCount uint64 // count at the last edge
	count     uint64
	rate      uint64 // calibrated counts per second; 0 until two edges
	guess     uint64 // counts per second assumed before calibration
	edgesSeen int
	last      int64
	// slept: the board blocked since the last edge, so the counts up to
	// the next edge are not a second's worth of idling.
	slept bool
}

// NewRTCClock makes a degraded clock over read, which returns the PL031
// data register. guess is the counts-per-second to assume before the first
// calibration (the pump's expected loop rate); 0 means 1000.
func NewRTCClock(read func() uint32, guess uint64) *RTCClock {
	c := &RTCClock{}
	c.Init(read, guess)
	return c
}

// Init sets up c in place (static storage at boot, before the heap).
func (c *RTCClock) Init(read func() uint32, guess uint64) {
	if guess == 0 {
		guess = 1000
	}
	*c = RTCClock{read: read, guess: guess}
}

// Tick counts one unit of idle time.
func (c *RTCClock) Tick() { c.count++ }

// Now returns nanoseconds since the first call.
func (c *RTCClock) Now() int64 {
	s := c.read()
	if !c.started {
		c.started, c.base, c.edgeSec, c.edgeCount = true, s, s, c.count
	}
	if s > c.edgeSec { // a later second; an RTC set back is ignored
		if c.edgesSeen > 0 && !c.slept {
			// counts over whole seconds since the previous edge
			r := (c.count - c.edgeCount) / uint64(s-c.edgeSec)
			r = max(1, min(r, rtcMaxRate))
			if c.rate == 0 {
				c.rate = r
			} else {
				c.rate = (c.rate + r) / 2 // follow load changes within a few seconds
			}
		}
		c.edgesSeen++
		c.edgeSec, c.edgeCount, c.slept = s, c.count, false
	}
	rate := c.rate
	if rate == 0 {
		rate = c.guess
	}
	frac := (c.count - c.edgeCount) * nsPerSecond / rate
	frac = min(frac, nsPerSecond-1)
	now := int64(c.edgeSec-c.base)*nsPerSecond + int64(frac)
	if now < c.last {
		now = c.last
	}
	c.last = now
	return now
}

// Slept tells the clock the board blocked in seL4_Wait: time passed with
// no counts, so the second under way must not calibrate the rate. The
// clock holds still while blocked and jumps to the next edge when it reads
// it (a wake-up by the RTC alarm lands exactly on one).
func (c *RTCClock) Slept() { c.slept = true }

// Base is the RTC second at the first read: edge k is at (k-Base) seconds.
func (c *RTCClock) Base() uint32 { return c.base }

// Edges is how many RTC edges the clock has seen.
func (c *RTCClock) Edges() int { return c.edgesSeen }

// Rate is the calibrated counts per second, 0 before calibration.
func (c *RTCClock) Rate() uint64 { return c.rate }

func (c *RTCClock) String() string {
	return fmt.Sprintf("rtc clock: %d edges, %d counts/s", c.edgesSeen, c.rate)
}
