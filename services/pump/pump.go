// Package pump is the root task's event pump: one loop, one thread, polling
// tasks that each do a bounded amount of work and say when they next need to
// run.
//
// The pump never starts goroutines. I/O readiness is the embedding's business:
// its Waiter blocks the loop until a device or socket has work or the
// earliest task deadline passes, and every task is polled on every wake-up,
// so a task only has to look at its own queues to find work.
package pump

import (
	"sort"
	"time"
)

// Task is anything the pump polls.
type Task interface {
	// Poll does at most about budget worth of work and returns when the task
	// next needs to run if no I/O arrives. A zero Time means "only on I/O";
	// a time at or before now means "poll me again straight away".
	Poll(now time.Time, budget time.Duration) (next time.Time)
}

// TaskFunc adapts a function to Task.
type TaskFunc func(now time.Time, budget time.Duration) time.Time

// Poll calls f.
func (f TaskFunc) Poll(now time.Time, budget time.Duration) time.Time { return f(now, budget) }

// Clock reads the embedding's time.
type Clock interface {
	Now() time.Time
}

// Waiter blocks the loop until an I/O event may have arrived or deadline
// passes. A zero deadline waits for I/O only. Spurious wake-ups are fine.
type Waiter interface {
	Wait(deadline time.Time)
}

// Stats are one task's counters, exposed read-only through /proc.
type Stats struct {
	Name     string
	Budget   time.Duration
	Polls    uint64
	Busy     time.Duration // total time spent in Poll
	MaxPoll  time.Duration // longest single Poll
	Overruns uint64        // polls that took longer than Budget
	Next     time.Time     // last reported deadline
}

type entry struct {
	task  Task
	stats Stats
}

// Pump runs tasks. It is not safe for concurrent use; it is the only loop.
type Pump struct {
	clock  Clock
	waiter Waiter
	tasks  []*entry
	rounds uint64
}

// New returns a pump reading time from clock and idling through waiter.
func New(clock Clock, waiter Waiter) *Pump {
	return &Pump{clock: clock, waiter: waiter}
}

// Add registers a task with a per-poll time budget. Tasks are polled in the
// order they were added, which keeps every run deterministic.
func (p *Pump) Add(name string, t Task, budget time.Duration) {
	p.tasks = append(p.tasks, &entry{task: t, stats: Stats{Name: name, Budget: budget}})
}

// RunOnce polls every task once and returns the earliest deadline they
// reported (zero if none did).
func (p *Pump) RunOnce() time.Time {
	p.rounds++
	var earliest time.Time
	for _, e := range p.tasks {
		start := p.clock.Now()
		next := e.task.Poll(start, e.stats.Budget)
		took := p.clock.Now().Sub(start)
		s := &e.stats
		s.Polls++
		s.Busy += took
		if took > s.MaxPoll {
			s.MaxPoll = took
		}
		if s.Budget > 0 && took > s.Budget {
			s.Overruns++
		}
		s.Next = next
		if !next.IsZero() && (earliest.IsZero() || next.Before(earliest)) {
			earliest = next
		}
	}
	return earliest
}

// Step runs one round and then waits for I/O or the earliest deadline.
func (p *Pump) Step() {
	next := p.RunOnce()
	if !next.IsZero() && !next.After(p.clock.Now()) {
		return // someone wants to run again at once; do not sleep
	}
	p.waiter.Wait(next)
}

// Run steps until stop reports true (checked between rounds).
func (p *Pump) Run(stop func() bool) {
	for !stop() {
		p.Step()
	}
}

// Rounds is the number of rounds run so far.
func (p *Pump) Rounds() uint64 { return p.rounds }

// Stats returns a copy of every task's counters, sorted by name.
func (p *Pump) Stats() []Stats {
	out := make([]Stats, len(p.tasks))
	for i, e := range p.tasks {
		out[i] = e.stats
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
