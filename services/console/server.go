package console

import (
	"time"

	"github.com/cohesix/cohesix/services/netio"
	"github.com/cohesix/cohesix/services/pump"
)

// maxAcceptsPerPoll bounds how many pending TCP connections one Poll takes
// (and, beyond the first, closes).
const maxAcceptsPerPoll = 16

// Server is the console: one framed TCP console connection at a time plus an
// optional serial console, both speaking the same command language. It is a
// pump task; it is not safe for concurrent use.
type Server struct {
	cfg   Config
	hive  Hive
	clock pump.Clock

	listeners []netio.Listener
	tcp       *conn // the single TCP console connection, if any
	serial    *conn

	scratch []byte // file reads for CAT and TAIL
	stats   Stats
}

// Stats are the console's counters.
type Stats struct {
	Accepted uint64 // TCP connections served
	Refused  uint64 // TCP connections closed at once by the single-client rule
	Lines    uint64 // request lines executed or refused by the parser
	AuthFail uint64 // failed or timed-out AUTH handshakes
}

// New returns a console serving hive. Zero fields of cfg take their
// DefaultConfig values; clock measures Poll's time budget.
func New(cfg Config, hive Hive, clock pump.Clock) *Server {
	return &Server{
		cfg:     cfg.normalized(),
		hive:    hive,
		clock:   clock,
		scratch: make([]byte, maxReadBytes),
	}
}

// AddListener serves the framed TCP console on l.
func (s *Server) AddListener(l netio.Listener) { s.listeners = append(s.listeners, l) }

// AddSerial serves the line-oriented serial console on c (no AUTH; the
// physical line is the credential). A second call replaces the first line.
func (s *Server) AddSerial(c netio.Conn) {
	if s.serial != nil {
		s.finish(s.serial)
	}
	s.serial = newConn(c, true, s.cfg, s.clock.Now())
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats { return s.stats }

// Poll accepts connections, reads, executes and writes for at most about
// budget, and returns the next deadline: an AUTH or idle timeout, a closing
// connection's forced close, a retry while output is blocked, or now when
// work is left over.
func (s *Server) Poll(now time.Time, budget time.Duration) time.Time {
	start := s.clock.Now()
	over := func() bool { return budget > 0 && s.clock.Now().Sub(start) >= budget }
	var next time.Time
	// A connection that closes frees the console slot at once, so a client
	// that reconnects right after its EOF is served, not refused. Each pass
	// either finds the slot busy or serves a newly accepted connection; the
	// accept cap bounds the passes.
	for range maxAcceptsPerPoll {
		if s.tcp == nil {
			s.accept(now)
		}
		if s.tcp == nil {
			break
		}
		next = earliest(next, s.pollConn(s.tcp, now, over))
		if s.tcp.phase != phaseClosed {
			s.accept(now) // refuses extra connections without a byte
			break
		}
		s.tcp = nil
	}
	if s.serial != nil {
		next = earliest(next, s.pollConn(s.serial, now, over))
		if s.serial.phase == phaseClosed {
			s.serial = nil
		}
	}
	return next
}

// accept takes pending connections: the first becomes the console when none
// is open, the rest are closed at once without a byte (§1.5).
func (s *Server) accept(now time.Time) {
	for _, l := range s.listeners {
		for range maxAcceptsPerPoll {
			nc, err := l.Accept()
			if err != nil || nc == nil {
				break
			}
			if s.tcp != nil {
				nc.Close()
				s.stats.Refused++
				continue
			}
			s.tcp = newConn(nc, false, s.cfg, now)
			s.stats.Accepted++
		}
	}
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}
