package console

import (
	"crypto/subtle"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/cohesix/cohesix/services/console/wire"
	"github.com/cohesix/cohesix/services/netio"
)

// phase is a connection's place in the session state machine (see doc.go).
type phase uint8

const (
	phaseAuth    phase = iota // TCP: waiting for AUTH
	phaseOpen                 // authenticated (TCP) or serial
	phaseClosing              // flushing the last lines, then closed
	phaseClosed
)

// Transport lines of §1.4, §1.6, §1.7.
const (
	lineFrameErr    = "ERR FRAME reason=invalid-length"
	lineIdleTimeout = "ERR CONSOLE reason=timeout"
	lineAuthOK      = "OK AUTH"
	lineTruncated   = "ERR PARSE reason=policy detail=ack-truncated"
)

// conn is one console connection: its input queue, output queue and session.
type conn struct {
	nc     netio.Conn
	serial bool
	phase  phase

	in   []byte // unprocessed input; cap is Config.InBuffer
	rd   int    // consumed prefix of in
	skip int    // bytes of a refused oversize frame still to discard
	eof  bool

	out []byte // pending output; processing needs room for a whole reply
	wr  int    // written prefix of out

	session vfs.Session
	quit    bool // the session ends cleanly (quit)

	acceptedAt time.Time
	lastActive time.Time
	closeBy    time.Time

	// Serial line assembly (§2.1 byte quirks).
	line       []byte // Latin-1 bytes of the line so far
	lineBytes  int    // its length once converted to UTF-8
	discarding bool   // dropping the rest of an overlong line
}

func newConn(nc netio.Conn, serial bool, cfg Config, now time.Time) *conn {
	c := &conn{
		nc:         nc,
		serial:     serial,
		in:         make([]byte, 0, cfg.InBuffer),
		out:        make([]byte, 0, cfg.OutBuffer),
		acceptedAt: now,
		lastActive: now,
	}
	if serial {
		c.phase = phaseOpen
		c.line = make([]byte, 0, wire.MaxLine)
	}
	return c
}

// emit queues one line: a frame on TCP, the text and CRLF on serial. Lines
// are at most wire.MaxLine bytes by construction (acks have bounded details,
// data lines are checked before a stream starts); anything longer is a bug
// and is replaced by the reference's ack-truncated diagnostic rather than
// split.
func (c *conn) emit(line string) {
	if len(line) > wire.MaxLine {
		line = lineTruncated
	}
	if c.serial {
		c.out = append(c.out, line...)
		c.out = append(c.out, '\r', '\n')
		return
	}
	c.out = wire.AppendFrame(c.out, line)
}

// room reports whether a whole reply fits in the output queue, compacting it
// first if that helps.
func (c *conn) room() bool {
	if cap(c.out)-len(c.out) >= maxReplyBytes {
		return true
	}
	if c.wr > 0 {
		c.out = c.out[:copy(c.out, c.out[c.wr:])]
		c.wr = 0
	}
	return cap(c.out)-len(c.out) >= maxReplyBytes
}

func (c *conn) pendingOut() int { return len(c.out) - c.wr }

// flush writes pending output; it reports whether bytes moved and whether
// the peer failed.
func (c *conn) flush(now time.Time) (moved bool, err error) {
	for c.pendingOut() > 0 {
		n, err := c.nc.Write(c.out[c.wr:])
		if n > 0 {
			moved = true
			c.wr += n
			c.lastActive = now
		}
		if err != nil {
			return moved, err
		}
		if n == 0 {
			break
		}
	}
	if c.pendingOut() == 0 {
		c.out, c.wr = c.out[:0], 0
	}
	return moved, nil
}

// fill reads what is ready into the input queue unless the queue is full or
// the output queue cannot take another reply (back-pressure: a client that
// does not read is not read either).
func (c *conn) fill() (moved bool, err error) {
	if c.eof {
		return false, nil
	}
	if c.rd > 0 {
		c.in = c.in[:copy(c.in, c.in[c.rd:])]
		c.rd = 0
	}
	if len(c.in) == cap(c.in) || !c.room() {
		return false, nil
	}
	n, err := c.nc.Read(c.in[len(c.in):cap(c.in)])
	c.in = c.in[:len(c.in)+n]
	if err == io.EOF {
		c.eof = true
		return n > 0, nil
	}
	return n > 0, err
}

// pollConn runs one connection until it makes no progress, exhausts the
// budget or finishes, and returns its next deadline.
func (s *Server) pollConn(c *conn, now time.Time, over func() bool) time.Time {
	for {
		moved, err := c.flush(now)
		if err != nil {
			s.finish(c)
			return time.Time{}
		}
		if c.phase == phaseClosing {
			if c.pendingOut() == 0 || !now.Before(c.closeBy) {
				s.finish(c)
				return time.Time{}
			}
			return earliest(c.closeBy, now.Add(s.cfg.WriteRetry))
		}
		s.checkTimers(c, now)
		if c.phase == phaseClosing {
			continue
		}
		read, err := c.fill()
		if err != nil {
			s.finish(c)
			return time.Time{}
		}
		progress, blocked := s.process(c, now, over)
		if c.phase == phaseClosing {
			continue
		}
		if c.eof && !blocked {
			// The peer is gone and nothing complete is left to run: a
			// partial frame or line is discarded.
			s.startClose(c, now)
			continue
		}
		if over() {
			return now // work may be left; run again straight away
		}
		if !moved && !read && !progress {
			break
		}
	}
	next := time.Time{}
	switch {
	case c.phase == phaseAuth:
		next = c.acceptedAt.Add(s.cfg.AuthTimeout)
	case c.phase == phaseOpen && !c.serial:
		next = c.lastActive.Add(s.cfg.IdleTimeout)
	}
	if c.pendingOut() > 0 {
		next = earliest(next, now.Add(s.cfg.WriteRetry))
	}
	return next
}

// checkTimers enforces the AUTH and idle timeouts.
func (s *Server) checkTimers(c *conn, now time.Time) {
	switch {
	case c.phase == phaseAuth && !now.Before(c.acceptedAt.Add(s.cfg.AuthTimeout)):
		s.stats.AuthFail++
		c.emit("ERR AUTH reason=timeout")
		s.startClose(c, now)
	case c.phase == phaseOpen && !c.serial && !now.Before(c.lastActive.Add(s.cfg.IdleTimeout)):
		c.emit(lineIdleTimeout)
		s.startClose(c, now)
	}
}

// startClose stops reading and executing; the connection closes once its
// output is flushed or after QuitFlush, whichever comes first.
func (s *Server) startClose(c *conn, now time.Time) {
	if c.phase >= phaseClosing {
		return
	}
	c.phase = phaseClosing
	c.closeBy = now.Add(s.cfg.QuitFlush)
}

// finish closes the connection and ends its session.
func (s *Server) finish(c *conn) {
	if c.phase == phaseClosed {
		return
	}
	c.phase = phaseClosed
	c.nc.Close()
	s.endSession(c, c.quit)
}

func (s *Server) endSession(c *conn, clean bool) {
	if c.session == nil {
		return
	}
	sess := c.session
	c.session = nil
	s.hive.SessionEnded(sess, clean)
	sess.Close()
}

// process executes queued input in order while a whole reply fits in the
// output queue. blocked reports that it stopped for room or budget with
// input left.
func (s *Server) process(c *conn, now time.Time, over func() bool) (progress, blocked bool) {
	if c.serial {
		return s.processSerial(c, now, over)
	}
	return s.processFrames(c, now, over)
}

// processFrames reassembles and handles TCP frames per §1.2-§1.4.
func (s *Server) processFrames(c *conn, now time.Time, over func() bool) (progress, blocked bool) {
	for c.phase == phaseAuth || c.phase == phaseOpen {
		buf := c.in[c.rd:]
		if c.skip > 0 {
			if len(buf) == 0 {
				return progress, false
			}
			n := min(c.skip, len(buf))
			c.rd += n
			c.skip -= n
			progress = true
			continue
		}
		if len(buf) < wire.HeaderLen {
			return progress, false
		}
		payload, consumed, declared, ok, err := wire.Next(buf)
		oversize := err != nil || declared > wire.HeaderLen+wire.MaxLine
		if !ok && !oversize {
			return progress, false // wait for the rest of the frame
		}
		// At least one item per Poll, so a tiny budget cannot starve us.
		if !c.room() || progress && over() {
			return progress, true
		}
		progress = true
		c.lastActive = now
		switch {
		case declared < wire.HeaderLen, oversize && c.phase == phaseAuth:
			s.startClose(c, now) // §1.4: close, no reply
			return progress, false
		case oversize:
			// §1.4 after AUTH: refuse and skip the payload, keep the session.
			c.emit(lineFrameErr)
			c.rd += wire.HeaderLen
			c.skip = int(declared) - wire.HeaderLen
			continue
		}
		if !utf8.Valid(payload) {
			s.startClose(c, now)
			return progress, false
		}
		line := string(payload)
		c.rd += consumed
		if c.phase == phaseAuth {
			s.auth(c, line, now)
		} else {
			s.frameLine(c, line, now)
		}
	}
	return progress, false
}

// auth runs the §1.6 checks in order; a failure is answered and then the
// connection closes (the reply is flushed first, unlike the reference).
func (s *Server) auth(c *conn, line string, now time.Time) {
	token := s.cfg.AuthToken
	reason := ""
	switch {
	case len(line) != len("AUTH ")+len(token):
		reason = "invalid-length"
	case !strings.HasPrefix(line, "AUTH "):
		reason = "expected-token"
	default:
		got := strings.TrimSpace(line[len("AUTH "):])
		if got == "" {
			reason = "expected-token"
		} else if subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			reason = "invalid-token"
		}
	}
	if reason != "" {
		s.stats.AuthFail++
		c.emit("ERR AUTH reason=" + reason)
		s.startClose(c, now)
		return
	}
	c.emit(lineAuthOK)
	c.phase = phaseOpen
}

// frameLine applies the §2.1 byte quirks to a TCP line: trailing CR/LF is
// tolerated, other CRs are ignored, 0x08/0x7f erase the previous character,
// other control bytes are dropped, and an embedded newline ends a part that
// is parsed (its parse error reported) but not executed, as the reference
// does.
func (s *Server) frameLine(c *conn, line string, now time.Time) {
	line = strings.TrimRight(line, "\r\n")
	if !hasControl(line) {
		s.handleLine(c, line, now)
		return
	}
	var b []byte
	for i := 0; i < len(line); i++ {
		switch ch := line[i]; {
		case ch == '\n':
			if _, perr := parseLine(string(b)); perr != "" {
				s.parseErr(c, perr)
			}
			b = b[:0]
		case ch == 0x08 || ch == 0x7f:
			if len(b) > 0 {
				_, size := utf8.DecodeLastRune(b)
				b = b[:len(b)-size]
			}
		case ch < 0x20:
			// dropped, including \r and \t
		default:
			b = append(b, ch)
		}
	}
	s.handleLine(c, string(b), now)
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// processSerial assembles newline-terminated serial lines byte by byte:
// \r ignored, 0x08/0x7f erase, other control characters dropped, bytes taken
// as Latin-1 like the reference. A line longer than 256 bytes is refused
// with `console line exceeded maximum length` and the rest of it, up to the
// next newline, is discarded (the reference would run the tail as a new
// command).
func (s *Server) processSerial(c *conn, now time.Time, over func() bool) (progress, blocked bool) {
	for c.rd < len(c.in) && c.phase == phaseOpen {
		if !c.room() || progress && over() {
			return progress, true
		}
		b := c.in[c.rd]
		c.rd++
		progress = true
		switch {
		case b == '\n':
			if c.discarding {
				c.discarding = false
			} else {
				s.handleLine(c, latin1(c.line), now)
			}
			c.line, c.lineBytes = c.line[:0], 0
		case b == 0x08 || b == 0x7f:
			if n := len(c.line); n > 0 {
				c.lineBytes -= latin1Len(c.line[n-1])
				c.line = c.line[:n-1]
			}
		case c.discarding, b < 0x20, b >= 0x80 && b < 0xa0:
			// control characters (C0 and C1) are dropped
		default:
			if c.lineBytes+latin1Len(b) > wire.MaxLine {
				s.stats.Lines++
				s.parseErr(c, errLineTooLong)
				c.line, c.lineBytes = c.line[:0], 0
				c.discarding = true
				continue
			}
			c.line = append(c.line, b)
			c.lineBytes += latin1Len(b)
		}
	}
	return progress, false
}

func latin1Len(b byte) int {
	if b < 0x80 {
		return 1
	}
	return 2
}

// latin1 converts Latin-1 bytes to a string.
func latin1(b []byte) string {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

func (s *Server) parseErr(c *conn, e parseError) {
	s.refuse(c, errLine("PARSE", refusal("policy", "detail=", string(e))))
}

// handleLine parses and executes one request line.
func (s *Server) handleLine(c *conn, line string, now time.Time) {
	s.stats.Lines++
	cmd, perr := parseLine(line)
	if perr != "" {
		s.parseErr(c, perr)
		return
	}
	s.exec(c, cmd, now)
}
