package sel4

import "time"

// How the root task idles. A non-MCS kernel has no timeout on Recv, so a
// blocking idle needs a wake-up source of its own (§9): the EL0 physical
// timer where the kernel exports it (KernelArmExportPTMRUser), else the
// PL031 RTC's alarm, which has whole-second resolution. The device lines
// (PL011, virtio) wake the root task as soon as there is work. Between the
// alarm's resolution and a near deadline the board polls with seL4_Yield.

// IdleAction is what one idle does.
type IdleAction uint8

const (
	// IdleReturn: the deadline has passed.
	IdleReturn IdleAction = iota
	// IdleSpin: seL4_Yield once; no wake-up source is fine enough.
	IdleSpin
	// IdleBlock: seL4_Wait until a device line or the wake-up fires.
	IdleBlock
)

func (a IdleAction) String() string { return [...]string{"return", "spin", "block"}[a] }

// IdleState is what PlanIdle decides from.
type IdleState struct {
	Now   int64 // nanotime
	Until int64 // the deadline in nanotime; ≤ 0: none
	// Timer: the physical timer is exported and its line bound.
	Timer bool
	// RTC is the RTC's current second.
	RTC uint32
	// Degraded: the clock is an RTCClock, exact at RTC edges, whose edge
	// for second k is at (k-Base) seconds of nanotime.
	Degraded bool
	Base     uint32
	// SpinUntil (degraded only): spin while RTC < SpinUntil. The degraded
	// clock only interpolates within a second while the board spins, so it
	// spins for a while after each device wake-up: an active session gets
	// sub-second timing (throttle delays, budgets), a quiet board sleeps.
	SpinUntil uint32
}

// SpinReason says why an idle spins rather than blocks.
type SpinReason uint8

const (
	NotSpinning SpinReason = iota
	// SpinNear: the deadline is closer than the wake-up source resolves.
	SpinNear
	// SpinActive: a device woke the degraded clock's board recently.
	SpinActive
	// SpinEdge: the RTC has passed the deadline's edge; the clock is
	// about to read it.
	SpinEdge
	numSpinReasons
)

func (r SpinReason) String() string { return [...]string{"none", "near", "active", "edge"}[r] }

// IdlePlan is one idle's action and, for IdleBlock, its wake-up.
type IdlePlan struct {
	Action IdleAction
	Why    SpinReason // for IdleSpin
	// Timer: arm the physical timer for the deadline.
	Timer bool
	// Alarm is the RTC second to arm the PL031 match for; 0: none (block
	// until a device line fires).
	Alarm uint32
}

// CoarseSpin is how close a deadline must be for a board without the
// timer to spin towards it instead of sleeping to an RTC edge. Sleeping
// makes a deadline up to a second late; spinning costs a host core.
const CoarseSpin = 50 * time.Millisecond

// DegradedActive is how many RTC edges the degraded clock keeps spinning
// for after a device wakes it: two, so that every burst of activity holds
// one whole edge-to-edge interval to calibrate on.
const DegradedActive = 2

// PlanIdle decides how to idle.
//
//   - With the timer: block with it armed for the deadline, exactly.
//   - With only the RTC alarm, deadlines within CoarseSpin are spun to;
//     farther ones are slept to an RTC edge, up to a second late:
//   - with a precise clock, to edge RTC+⌈d⌉. Its phase is unknown, so it
//     may come up to a second early; the wake-up is then on an edge, and
//     the next edge is past the deadline.
//   - with the degraded clock, to the first edge at or after the deadline
//     (the clock jumps to it exactly), but not while a device woke the
//     board less than DegradedActive edges ago.
func PlanIdle(s IdleState) IdlePlan {
	if s.Until <= 0 {
		if s.Degraded && s.RTC < s.SpinUntil {
			return IdlePlan{Action: IdleSpin, Why: SpinActive}
		}
		return IdlePlan{Action: IdleBlock}
	}
	d := s.Until - s.Now
	if d <= 0 {
		return IdlePlan{Action: IdleReturn}
	}
	if s.Timer {
		return IdlePlan{Action: IdleBlock, Timer: true}
	}
	if s.Degraded {
		if d < int64(CoarseSpin) {
			return IdlePlan{Action: IdleSpin, Why: SpinNear}
		}
		if s.RTC < s.SpinUntil {
			return IdlePlan{Action: IdleSpin, Why: SpinActive}
		}
		edge := s.Base + uint32((s.Until+nsPerSecond-1)/nsPerSecond)
		if edge <= s.RTC {
			// The RTC is past the deadline's edge but the clock has not
			// read it yet: the next Now catches up.
			return IdlePlan{Action: IdleSpin, Why: SpinEdge}
		}
		return IdlePlan{Action: IdleBlock, Alarm: edge}
	}
	if d < int64(CoarseSpin) {
		return IdlePlan{Action: IdleSpin, Why: SpinNear}
	}
	return IdlePlan{Action: IdleBlock, Alarm: s.RTC + uint32((d+nsPerSecond-1)/nsPerSecond)}
}

// TimerTicks converts a wait of d ns into CNTP_TVAL ticks at freq Hz,
// clamped to what the signed 32-bit TVAL holds (34 s at 62.5 MHz) and at
// least one tick.
func TimerTicks(d int64, freq uint64) uint64 {
	const maxTVAL = 1<<31 - 1
	if d <= 0 || freq == 0 {
		return 1
	}
	if uint64(d)/nsPerSecond >= maxTVAL/freq {
		return maxTVAL
	}
	t := uint64(d)/nsPerSecond*freq + uint64(d)%nsPerSecond*freq/nsPerSecond
	return max(1, min(t, maxTVAL))
}
