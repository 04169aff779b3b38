package sel4

import "testing"

func TestPlanIdle(t *testing.T) {
	const s = nsPerSecond
	for _, tc := range []struct {
		name string
		in   IdleState
		want IdlePlan
	}{
		{"no deadline blocks without an alarm", IdleState{Now: 5 * s, RTC: 105, Degraded: true, Base: 100}, IdlePlan{Action: IdleBlock}},
		{"deadline passed", IdleState{Now: 5 * s, Until: 5 * s, RTC: 105}, IdlePlan{Action: IdleReturn}},
		{"timer arms for the deadline", IdleState{Now: 1, Until: 2, Timer: true}, IdlePlan{Action: IdleBlock, Timer: true}},
		{"degraded: near deadline spins", IdleState{Now: 5 * s, Until: 5*s + 10e6, RTC: 105, Degraded: true, Base: 100}, IdlePlan{Action: IdleSpin, Why: SpinNear}},
		{"degraded: sleeps to the edge at or after", IdleState{Now: 5*s + 100e6, Until: 6*s + 300e6, RTC: 105, Degraded: true, Base: 100}, IdlePlan{Action: IdleBlock, Alarm: 107}},
		{"degraded: deadline on an edge", IdleState{Now: 5 * s, Until: 7 * s, RTC: 105, Degraded: true, Base: 100}, IdlePlan{Action: IdleBlock, Alarm: 107}},
		{"degraded: RTC already past the edge", IdleState{Now: 5*s + 900e6, Until: 5*s + 990e6, RTC: 107, Degraded: true, Base: 100}, IdlePlan{Action: IdleSpin, Why: SpinEdge}},
		{"degraded: edge already read", IdleState{Now: 5*s + 100e6, Until: 5*s + 800e6, RTC: 106, Degraded: true, Base: 100}, IdlePlan{Action: IdleSpin, Why: SpinEdge}},
		{"degraded: active spins without a deadline", IdleState{Now: 5 * s, RTC: 105, Degraded: true, Base: 100, SpinUntil: 106}, IdlePlan{Action: IdleSpin, Why: SpinActive}},
		{"degraded: active spins towards a far deadline", IdleState{Now: 5 * s, Until: 9 * s, RTC: 105, Degraded: true, Base: 100, SpinUntil: 107}, IdlePlan{Action: IdleSpin, Why: SpinActive}},
		{"degraded: activity over", IdleState{Now: 7 * s, Until: 9 * s, RTC: 107, Degraded: true, Base: 100, SpinUntil: 107}, IdlePlan{Action: IdleBlock, Alarm: 109}},
		{"degraded: active but deadline passed", IdleState{Now: 7 * s, Until: 6 * s, RTC: 107, Degraded: true, Base: 100, SpinUntil: 109}, IdlePlan{Action: IdleReturn}},
		{"precise: SpinUntil ignored", IdleState{Now: 5 * s, RTC: 40, SpinUntil: 50}, IdlePlan{Action: IdleBlock}},
		{"precise: near deadline spins", IdleState{Now: 5 * s, Until: 5*s + 10e6, RTC: 40}, IdlePlan{Action: IdleSpin, Why: SpinNear}},
		{"precise: under a second sleeps to the next edge", IdleState{Now: 5 * s, Until: 5*s + 999e6, RTC: 40}, IdlePlan{Action: IdleBlock, Alarm: 41}},
		{"precise: seconds away", IdleState{Now: 5 * s, Until: 7*s + 500e6, RTC: 40}, IdlePlan{Action: IdleBlock, Alarm: 43}},
		{"precise: one second", IdleState{Now: 5 * s, Until: 6 * s, RTC: 40}, IdlePlan{Action: IdleBlock, Alarm: 41}},
	} {
		if got := PlanIdle(tc.in); got != tc.want {
			t.Errorf("%s: PlanIdle(%+v) = %+v, want %+v", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestTimerTicks(t *testing.T) {
	for _, tc := range []struct {
		d    int64
		freq uint64
		want uint64
	}{
		{1_000_000, 62_500_000, 62_500},
		{0, 62_500_000, 1},
		{-5, 62_500_000, 1},
		{1, 62_500_000, 1},
		{1_500_000_000, 62_500_000, 93_750_000},
		{40_000_000_000, 62_500_000, 1<<31 - 1},
		{1 << 62, 1_000_000_000, 1<<31 - 1},
		{1_000, 0, 1},
	} {
		if got := TimerTicks(tc.d, tc.freq); got != tc.want {
			t.Errorf("TimerTicks(%d, %d) = %d, want %d", tc.d, tc.freq, got, tc.want)
		}
	}
}

// TestPlanIdlePreciseNeverMoreThanASecondLate plays the precise-clock plan
// against an RTC of every phase: the wake-up that ends the wait is at or
// after the deadline and less than a second past it, after at most two
// sleeps.
func TestPlanIdlePreciseNeverMoreThanASecondLate(t *testing.T) {
	const s = nsPerSecond
	for phase := int64(0); phase < s; phase += s / 16 {
		for _, d := range []int64{60e6, 400e6, s - 1, s, 1500e6, 5 * s} {
			now := int64(10*s) + phase // RTC second = now/s
			until := now + d
			for sleeps := 0; ; sleeps++ {
				if sleeps > 2 {
					t.Fatalf("phase %d d %d: more than two sleeps", phase, d)
				}
				p := PlanIdle(IdleState{Now: now, Until: until, RTC: uint32(now / s)})
				if p.Action == IdleReturn {
					break
				}
				if p.Action == IdleSpin {
					now = until // spinning ends on time
					break
				}
				now = int64(p.Alarm) * s // the alarm fires on its edge
			}
			if late := now - until; late < 0 || late >= s {
				t.Errorf("phase %d d %d: woke %d ns after the deadline", phase, d, late)
			}
		}
	}
}
