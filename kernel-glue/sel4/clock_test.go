package sel4

import (
	"strings"
	"testing"
)

func TestChooseClock(t *testing.T) {
	for _, tc := range []struct {
		cfg  KernelConfig
		want ClockSource
		line string
	}{
		{KernelConfig{ExportVCNT: true, ExportPCNT: true}, ClockVirtualCounter, "CNTVCT_EL0"},
		{KernelConfig{ExportPCNT: true}, ClockPhysicalCounter, "CNTPCT_EL0"},
		{DefaultKernelConfig, ClockRTCInterpolated, "degraded"},
	} {
		got := ChooseClock(tc.cfg)
		if got != tc.want || !strings.Contains(got.BootLine(), tc.line) {
			t.Errorf("ChooseClock(%v) = %v %q", tc.cfg, got, got.BootLine())
		}
	}
}

func TestCounterNanos(t *testing.T) {
	for _, tc := range []struct {
		ticks, freq uint64
		want        int64
	}{
		{62_500_000, 62_500_000, 1e9},
		{1, 62_500_000, 16},
		{62_500_000*3600*24*365 + 625, 62_500_000, 3600*24*365*1e9 + 10_000},
		{1 << 50, 62_500_000, int64((1<<50)/62_500_000)*1e9 + int64(((1<<50)%62_500_000)*1e9/62_500_000)},
		{5, 0, 0},
	} {
		if got := CounterNanos(tc.ticks, tc.freq); got != tc.want {
			t.Errorf("CounterNanos(%d, %d) = %d, want %d", tc.ticks, tc.freq, got, tc.want)
		}
	}
}

// simRTC is a simulated PL031 with a true time that advances by step per
// tick (the cost of an idle iteration), starting at an arbitrary wall
// second.
type simRTC struct {
	ns   int64
	step func(i int) int64
	i    int
	wall uint32
}

func (r *simRTC) read() uint32 { return r.wall + uint32(r.ns/1e9) }

// tick advances true time by one step and ticks c.
func (r *simRTC) tick(c *RTCClock) {
	r.ns += r.step(r.i)
	r.i++
	c.Tick()
}

func TestRTCClockTracksTrueTime(t *testing.T) {
	for _, tc := range []struct {
		name  string
		step  func(i int) int64
		guess uint64
		// after calibration the error stays below tol
		tol int64
	}{
		{"steady 1ms", func(int) int64 { return 1e6 }, 0, 2e6},
		{"steady 10us, bad guess", func(int) int64 { return 1e4 }, 10, 1e6},
		{"jittery", func(i int) int64 { return int64(500_000 + (i*7919)%1_000_000) }, 1000, 50e6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &simRTC{step: tc.step, wall: 1_700_000_000, ns: 400e6}
			c := NewRTCClock(r.read, tc.guess)
			start := r.ns // true time of the first read
			c.Now()
			var last int64
			for r.ns < 20e9 {
				r.tick(c)
				now := c.Now()
				if now < last {
					t.Fatalf("clock ran backwards: %d after %d", now, last)
				}
				last = now
				truth := r.ns - start
				errNs := now - truth
				if errNs < 0 {
					errNs = -errNs
				}
				if errNs >= 2e9 {
					t.Fatalf("at %d ns the clock says %d (off by more than the RTC's granularity)", truth, now)
				}
				if r.ns > 4e9 && errNs > 1e9+tc.tol { // start phase (< 1 s) + calibration error
					t.Fatalf("at %d ns off by %d after calibration", truth, errNs)
				}
			}
			if c.Rate() == 0 {
				t.Error("never calibrated")
			}
		})
	}
}

func TestRTCClockErrorAfterCalibration(t *testing.T) {
	// With a steady call rate, the calibrated clock measures intervals to
	// within a few calls, whatever the initial guess.
	for _, tc := range []struct {
		step  int64
		guess uint64
	}{{1e6, 0}, {1e4, 10}, {3e5, 1e6}} {
		r := &simRTC{step: func(int) int64 { return tc.step }, wall: 100, ns: 250e6}
		c := NewRTCClock(r.read, tc.guess)
		for r.ns < 5e9 {
			r.tick(c)
			c.Now()
		}
		t0, n0 := c.Now(), r.ns
		for r.ns < n0+1_500_000_000 {
			r.tick(c)
			c.Now()
		}
		t1, n1 := c.Now(), r.ns
		if d := (t1 - t0) - (n1 - n0); d > 3*tc.step || d < -3*tc.step {
			t.Errorf("step %d guess %d: 1.5 s interval measured with error %d ns", tc.step, tc.guess, d)
		}
	}
}

func TestRTCClockMonotonicAcrossRTCJumps(t *testing.T) {
	secs := []uint32{10, 10, 11, 11, 11, 9, 9, 12, 20, 20, 21}
	i := 0
	c := NewRTCClock(func() uint32 { s := secs[min(i, len(secs)-1)]; i++; return s }, 2)
	var last int64
	for range secs {
		c.Tick()
		now := c.Now()
		if now < last {
			t.Fatalf("ran backwards at read %d: %d < %d", i, now, last)
		}
		last = now
	}
	if last < 11e9 {
		t.Errorf("after the RTC reached 21 (base 10) the clock says %d", last)
	}
}

// steadyRTCClock is a clock read every 100 µs from true time start until
// true time until, RTC second wall at true time 0.
func steadyRTCClock(wall uint32, start, until int64) (*simRTC, *RTCClock) {
	r := &simRTC{step: func(int) int64 { return 1e5 }, wall: wall, ns: start}
	c := NewRTCClock(r.read, 0)
	c.Now()
	for r.ns < until {
		r.tick(c)
		c.Now()
	}
	return r, c
}

// TestRTCClockBusyStallsThenCatchesUp: no ticks while busy, so time holds
// still, then the edge brings it up to date; afterwards deadlines run early,
// never late.
func TestRTCClockBusyStallsThenCatchesUp(t *testing.T) {
	r, c := steadyRTCClock(50, 100e6, 4e9)
	before := c.Now()
	r.ns += 700e6 // busy: no ticks
	if got := c.Now(); got-before > 300e6 && (r.ns/1e9 == (r.ns-700e6)/1e9) {
		t.Errorf("clock ran %d ns while busy within one second", got-before)
	}
	r.ns += 1e9 // past an edge
	after := c.Now()
	if after-before < 700e6 {
		t.Errorf("after an edge the clock advanced only %d ns over 1.7 s", after-before)
	}
	// Idle again: a 250 ms wait must read as at least 250 ms (early, not late).
	t0, n0 := c.Now(), r.ns
	for r.ns < n0+250e6 {
		r.tick(c)
	}
	if d := c.Now() - t0; d < 250e6-2e5 {
		t.Errorf("250 ms idle measured as %d ns", d)
	}
}

func TestKernelConfig(t *testing.T) {
	c, err := ParseKernelConfig(DefaultKernelConfig.String())
	if err != nil || c != DefaultKernelConfig {
		t.Fatalf("round trip: %+v, %v", c, err)
	}
	for _, bad := range []string{"vcnt=2", "labels=9", "cnode=x", "nope=1", "mcs=1", "vcnt"} {
		if _, err := ParseKernelConfig(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	cache := []byte(`// comment
KernelArmExportVCNTUser:BOOL=ON
KernelArmExportPCNTUser:BOOL=OFF
KernelArmExportPTMRUser:BOOL=OFF
KernelDebugBuild:BOOL=ON
KernelPrinting:BOOL=ON
KernelIsMCS:BOOL=OFF
KernelRootCNodeSizeBits:INTERNAL=12
KernelMaxNumBootinfoUntypedCaps:STRING=230
KernelSel4Arch:STRING=aarch64
KernelPlatform:STRING=qemu-arm-virt
`)
	c, err = KernelConfigFromCMakeCache(cache, "13.0")
	if err != nil {
		t.Fatal(err)
	}
	if !c.ExportVCNT || c.ExportPCNT || c.CNodeBits != 12 || c.Labels != "13.0" || ChooseClock(c) != ClockVirtualCounter {
		t.Errorf("config %+v", c)
	}
	if _, err := KernelConfigFromCMakeCache([]byte("KernelDebugBuild:BOOL=ON\n"), "14.0"); err == nil ||
		!strings.Contains(err.Error(), "KernelArmExportVCNTUser") {
		t.Errorf("incomplete cache: %v", err)
	}
	if _, err := KernelConfigFromCMakeCache(append(cache, "KernelIsMCS:BOOL=ON\n"...), "14.0"); err == nil {
		t.Error("MCS accepted")
	}
}

// TestRTCClockSleepKeepsCalibration: a blocking idle passes time without
// counts; told so, the clock neither lets that second lower the rate nor
// runs backwards, and lands on the edge it wakes at.
func TestRTCClockSleepKeepsCalibration(t *testing.T) {
	for _, tell := range []bool{true, false} {
		r, c := steadyRTCClock(70, 300e6, 5e9)
		want := c.Rate()
		before := c.Now()
		if tell {
			c.Slept()
		}
		r.ns = 8e9 // blocked until the alarm at the 8 s edge
		// The first read was in RTC second 70, so the 8 s edge reads 8 s.
		if got := c.Now(); got < before || got != 8e9 {
			t.Fatalf("after waking on the 8 s edge the clock reads %d", got)
		}
		for r.ns < 11e9 {
			r.tick(c)
			c.Now()
		}
		got := c.Rate()
		off := float64(got)/float64(want) - 1
		if tell && (off > 0.05 || off < -0.05) {
			t.Errorf("told of the sleep: rate %d after it, %d before", got, want)
		}
		if !tell && off > -0.05 {
			t.Errorf("untold: rate %d after a sleep, %d before; the test no longer shows what Slept prevents", got, want)
		}
	}
}
