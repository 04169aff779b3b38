package main

import (
	"fmt"
	"io"
	"time"

	"github.com/cohesix/cohesix/p9srv"
	"github.com/cohesix/cohesix/services/console"
	"github.com/cohesix/cohesix/services/netio"
	"github.com/cohesix/cohesix/services/ninedoor"
	"github.com/cohesix/cohesix/services/pump"
)

// Per-poll time budgets of the root task's tasks. They bound how long one
// task may hold the loop before the others get a turn.
const (
	budgetHive    = 2 * time.Millisecond
	budgetConsole = 2 * time.Millisecond
	budget9P      = 2 * time.Millisecond
)

// options are what an embedding decides about the shared services.
type options struct {
	hive    ninedoor.Config
	console console.Config
	ninep   p9srv.Options
}

// system is the set of services every embedding runs, wired to the pump.
// Embeddings add their listeners and serial port and then run the pump.
type system struct {
	pump    *pump.Pump
	hive    *ninedoor.Hive
	console *console.Server
	ninep   *p9srv.Server
}

func newSystem(clock pump.Clock, waiter pump.Waiter, opts options) (*system, error) {
	s := &system{}
	// Counters of tasks outside the hive, read through /proc like every
	// other observation (the closures run only after s is complete).
	files := map[string]func() []byte{
		"pump":            func() []byte { return pumpText(s.pump.Stats(), clock.Now()) },
		"9p/outstanding":  func() []byte { return []byte(s.ninep.Stats().OutstandingText()) },
		"9p/short_writes": func() []byte { return []byte(s.ninep.Stats().ShortWritesText()) },
	}
	for k, f := range opts.hive.ProcFiles {
		files[k] = f
	}
	opts.hive.ProcFiles = files
	hive, err := ninedoor.New(opts.hive)
	if err != nil {
		return nil, fmt.Errorf("rootserver: ninedoor: %w", err)
	}
	// Poll budgets are measured on the embedding's clock.
	if opts.ninep.Clock == nil {
		opts.ninep.Clock = clock
	}
	s.pump = pump.New(clock, waiter)
	s.hive = hive
	s.console = console.New(opts.console, hiveAdapter{hive}, clock)
	s.ninep = p9srv.New(hive, opts.ninep)
	s.pump.Add("ninedoor", hive, budgetHive)
	s.pump.Add("console", s.console, budgetConsole)
	s.pump.Add("9p", s.ninep, budget9P)
	return s, nil
}

// serve9P accepts plain 9P2000.L connections from l and hands them to the
// Secure9P server; it is a pump task of its own.
func (s *system) serve9P(l netio.Listener) {
	s.pump.Add("9p-accept", pump.TaskFunc(func(now time.Time, _ time.Duration) time.Time {
		for {
			c, err := l.Accept()
			if err != nil {
				s.hive.Logf("[WARN 9p] accept on %s: %v", l.Addr(), err)
				return time.Time{}
			}
			if c == nil {
				return time.Time{}
			}
			s.ninep.AddConn(io.ReadWriteCloser(c))
		}
	}), budget9P)
}

// pumpText renders the pump's per-task counters for /proc/pump, one line a
// task: polls, busy time, longest poll, budget overruns and how far off the
// deadline it last reported is (next_us=none: it waits for I/O only).
func pumpText(stats []pump.Stats, now time.Time) []byte {
	var b []byte
	for _, st := range stats {
		b = fmt.Appendf(b, "task %s polls=%d busy_us=%d max_poll_us=%d budget_us=%d overruns=%d",
			st.Name, st.Polls, st.Busy.Microseconds(), st.MaxPoll.Microseconds(), st.Budget.Microseconds(), st.Overruns)
		if st.Next.IsZero() {
			b = append(b, " next_us=none\n"...)
		} else {
			b = fmt.Appendf(b, " next_us=%d\n", st.Next.Sub(now).Microseconds())
		}
	}
	return b
}
