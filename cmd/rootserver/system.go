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
	hive, err := ninedoor.New(opts.hive)
	if err != nil {
		return nil, fmt.Errorf("rootserver: ninedoor: %w", err)
	}
	// Poll budgets are measured on the embedding's clock.
	if opts.ninep.Clock == nil {
		opts.ninep.Clock = clock
	}
	s := &system{
		pump:    pump.New(clock, waiter),
		hive:    hive,
		console: console.New(opts.console, hiveAdapter{hive}, clock),
		ninep:   p9srv.New(hive, opts.ninep),
	}
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
