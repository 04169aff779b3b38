package main

import (
	"testing"
	"time"

	"github.com/cohesix/cohesix/services/pump"
)

func TestPumpText(t *testing.T) {
	now := time.Unix(1000, 0)
	got := string(pumpText([]pump.Stats{
		{Name: "console", Budget: 2 * time.Millisecond, Polls: 7, Busy: 1500 * time.Microsecond, MaxPoll: 900 * time.Microsecond, Overruns: 1, Next: now.Add(1500 * time.Millisecond)},
		{Name: "net", Budget: time.Millisecond, Polls: 3},
		{Name: "ninedoor", Polls: 3, Next: now.Add(-time.Millisecond)},
	}, now))
	want := "task console polls=7 busy_us=1500 max_poll_us=900 budget_us=2000 overruns=1 next_us=1500000\n" +
		"task net polls=3 busy_us=0 max_poll_us=0 budget_us=1000 overruns=0 next_us=none\n" +
		"task ninedoor polls=3 busy_us=0 max_poll_us=0 budget_us=0 overruns=0 next_us=-1000\n"
	if got != want {
		t.Errorf("pumpText:\n%s\nwant:\n%s", got, want)
	}
}
