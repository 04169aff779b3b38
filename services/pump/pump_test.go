package pump

import (
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }

type recordingWaiter struct {
	clock     *fakeClock
	deadlines []time.Time
}

func (w *recordingWaiter) Wait(d time.Time) {
	w.deadlines = append(w.deadlines, d)
	if !d.IsZero() && d.After(w.clock.t) {
		w.clock.t = d
	}
}

func TestRunOnceReportsEarliestDeadline(t *testing.T) {
	base := time.Unix(1000, 0)
	clock := &fakeClock{t: base}
	p := New(clock, &recordingWaiter{clock: clock})
	var order []string
	add := func(name string, next time.Time) {
		p.Add(name, TaskFunc(func(now time.Time, budget time.Duration) time.Time {
			order = append(order, name)
			return next
		}), time.Millisecond)
	}
	add("io-only", time.Time{})
	add("late", base.Add(2*time.Second))
	add("soon", base.Add(time.Second))

	if got := p.RunOnce(); !got.Equal(base.Add(time.Second)) {
		t.Fatalf("RunOnce = %v; want the earliest deadline %v", got, base.Add(time.Second))
	}
	if want := []string{"io-only", "late", "soon"}; len(order) != 3 || order[0] != want[0] || order[1] != want[1] || order[2] != want[2] {
		t.Fatalf("poll order %v; want registration order %v", order, want)
	}
}

func TestRunOnceWithOnlyIOTasksHasNoDeadline(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	p := New(clock, &recordingWaiter{clock: clock})
	p.Add("a", TaskFunc(func(time.Time, time.Duration) time.Time { return time.Time{} }), 0)
	if got := p.RunOnce(); !got.IsZero() {
		t.Fatalf("RunOnce = %v; want zero", got)
	}
}

func TestStepSleepsUntilDeadlineButNotWhenWorkIsPending(t *testing.T) {
	base := time.Unix(50, 0)
	clock := &fakeClock{t: base}
	w := &recordingWaiter{clock: clock}
	p := New(clock, w)
	again := true
	p.Add("t", TaskFunc(func(now time.Time, _ time.Duration) time.Time {
		if again {
			return now // more work: poll again at once
		}
		return now.Add(10 * time.Millisecond)
	}), 0)

	p.Step()
	if len(w.deadlines) != 0 {
		t.Fatalf("Step waited (%v) although a task asked to run again at once", w.deadlines)
	}
	again = false
	p.Step()
	if len(w.deadlines) != 1 || !w.deadlines[0].Equal(base.Add(10*time.Millisecond)) {
		t.Fatalf("waits %v; want one wait until %v", w.deadlines, base.Add(10*time.Millisecond))
	}
}

func TestStatsCountOverruns(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	p := New(clock, &recordingWaiter{clock: clock})
	p.Add("slow", TaskFunc(func(now time.Time, budget time.Duration) time.Time {
		clock.t = clock.t.Add(3 * time.Millisecond) // the task takes 3ms
		return time.Time{}
	}), 2*time.Millisecond)
	p.Add("fast", TaskFunc(func(time.Time, time.Duration) time.Time { return time.Time{} }), 2*time.Millisecond)
	p.RunOnce()
	p.RunOnce()
	st := p.Stats()
	if len(st) != 2 || st[0].Name != "fast" || st[1].Name != "slow" {
		t.Fatalf("stats %+v; want fast, slow sorted by name", st)
	}
	slow := st[1]
	if slow.Polls != 2 || slow.Overruns != 2 || slow.Busy != 6*time.Millisecond || slow.MaxPoll != 3*time.Millisecond {
		t.Fatalf("slow stats %+v", slow)
	}
	if st[0].Overruns != 0 || st[0].Polls != 2 {
		t.Fatalf("fast stats %+v", st[0])
	}
	if p.Rounds() != 2 {
		t.Fatalf("Rounds = %d", p.Rounds())
	}
}

func TestRunStops(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	p := New(clock, &recordingWaiter{clock: clock})
	n := 0
	p.Add("count", TaskFunc(func(now time.Time, _ time.Duration) time.Time { n++; return now.Add(time.Second) }), 0)
	p.Run(func() bool { return n >= 3 })
	if n != 3 {
		t.Fatalf("ran %d rounds; want 3", n)
	}
}
