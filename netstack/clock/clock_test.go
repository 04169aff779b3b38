package clock

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestFiresInDeadlineOrderFromPollOnly(t *testing.T) {
	c := New(t0)
	var got []string
	for _, tc := range []struct {
		name string
		d    time.Duration
	}{{"c", 30 * time.Millisecond}, {"a", 10 * time.Millisecond}, {"b1", 20 * time.Millisecond}, {"b2", 20 * time.Millisecond}, {"now", 0}} {
		name := tc.name
		c.AfterFunc(tc.d, func() { got = append(got, name) })
	}
	if len(got) != 0 {
		t.Fatalf("callbacks ran outside Poll: %v", got)
	}
	for _, step := range []struct {
		at   time.Duration
		want string
		next time.Duration
	}{
		{0, "now", 10 * time.Millisecond},
		{15 * time.Millisecond, "now a", 20 * time.Millisecond},
		{25 * time.Millisecond, "now a b1 b2", 30 * time.Millisecond},
		{time.Second, "now a b1 b2 c", -1},
	} {
		next := c.Poll(t0.Add(step.at), time.Millisecond)
		if s := join(got); s != step.want {
			t.Fatalf("at %v fired %q, want %q", step.at, s, step.want)
		}
		if step.next < 0 {
			if !next.IsZero() {
				t.Fatalf("at %v next = %v, want zero", step.at, next)
			}
		} else if want := t0.Add(step.next); !next.Equal(want) {
			t.Fatalf("at %v next = %v, want %v", step.at, next, want)
		}
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

func TestStopReset(t *testing.T) {
	c := New(t0)
	n := 0
	tm := c.AfterFunc(time.Second, func() { n++ })
	if !tm.Stop() || tm.Stop() {
		t.Fatal("Stop should report true once, then false")
	}
	c.Poll(t0.Add(2*time.Second), 0)
	if n != 0 {
		t.Fatal("stopped timer fired")
	}
	tm.Reset(time.Second) // from now = t0+2s
	c.Poll(t0.Add(2500*time.Millisecond), 0)
	if n != 0 {
		t.Fatal("reset timer fired early")
	}
	tm.Reset(100 * time.Millisecond) // moves a set timer
	if c.Pending() != 1 {
		t.Fatalf("pending = %d after Reset of a set timer", c.Pending())
	}
	c.Poll(t0.Add(2600*time.Millisecond), 0)
	if n != 1 || tm.Stop() {
		t.Fatalf("fired %d times; Stop after expiry must be false", n)
	}
}

func TestSelfRearmingTimerDoesNotSpin(t *testing.T) {
	c := New(t0)
	n := 0
	var tm interface{ Reset(time.Duration) }
	tm = c.AfterFunc(0, func() { n++; tm.Reset(0) })
	next := c.Poll(t0, 0)
	if n != 1 || !next.Equal(t0) {
		t.Fatalf("ran %d times, next %v; want one run and an immediate re-poll", n, next)
	}
	c.Poll(t0, 0)
	if n != 2 {
		t.Fatalf("ran %d times after second poll", n)
	}
}

func TestFireBounded(t *testing.T) {
	c := New(t0)
	n := 0
	for i := 0; i < MaxFiresPerPoll+5; i++ {
		c.AfterFunc(time.Millisecond, func() { n++ })
	}
	now := t0.Add(time.Millisecond)
	if next := c.Poll(now, 0); n != MaxFiresPerPoll || !next.Equal(now) {
		t.Fatalf("first poll ran %d, next %v", n, next)
	}
	if next := c.Poll(now, 0); n != MaxFiresPerPoll+5 || !next.IsZero() {
		t.Fatalf("second poll ran %d total, next %v", n, next)
	}
}

func TestMonotonic(t *testing.T) {
	c := New(t0)
	c.Advance(t0.Add(time.Second))
	c.Advance(t0) // backwards: ignored
	if got := c.NowMonotonic().Sub(New(t0).NowMonotonic()); got != time.Second {
		t.Fatalf("monotonic = %v, want 1s", got)
	}
	if !c.Now().Equal(t0.Add(time.Second)) {
		t.Fatalf("Now = %v", c.Now())
	}
}
