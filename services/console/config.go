package console

import (
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/cohesix/cohesix/services/console/wire"
)

// Hive is the part of the NineDoor hive the console uses. Attach performs
// login throttling and ATTACH validation (§3.4, §3.5) and returns *vfs.Error
// values whose Kind and Tag the console renders (see ErrLine). A role label
// the console cannot parse is passed as an invalid vfs.Role so the Hive can
// apply its throttle before answering invalid-role.
type Hive interface {
	Attach(req vfs.AttachRequest) (vfs.Session, error)
	// RootReachable gates TAIL, CAT, LS and ECHO (§3.6).
	RootReachable() bool
	// SessionEnded is called once per session the console drops: clean is
	// true for quit and for a session replaced by a later ATTACH, false for
	// EOF, I/O errors and timeouts. The console calls Session.Close right
	// after it.
	SessionEnded(s vfs.Session, clean bool)
	// LogLines returns the retained /log/queen.log lines, oldest first, for
	// the CAT summary (§2.4).
	LogLines() []LogLine
}

// PressureNoter is implemented by a Hive that keeps the /proc/pressure
// counters: the console reports the class (policy, quota, busy, cut) of
// every refusal it produces itself, such as unauthenticated, a cut or a
// parse error. Refusals rendered from Hive errors are not reported again.
type PressureNoter interface {
	NotePressure(class string)
}

// Platform supplies the bi/caps/mem lines on a platform that has them (the
// seL4 root task); nil in the hosted and bare embeddings, where the verbs
// answer `ERR <ack> reason=policy detail=unavailable`. Each line should
// carry its `[bi] `, `[caps] ` or `[mem] ` prefix.
type Platform interface {
	BootInfo() []string
	Caps() []string
	Mem() []string
}

// CacheLog supplies up to n recent `[cache] …` lines; nil answers
// `ERR CACHELOG reason=policy detail=unsupported`.
type CacheLog interface {
	CacheLog(n int) []string
}

// Net supplies the network counters and self-test trigger. Nil answers
// `reason=policy detail=unsupported` for both verbs.
type Net interface {
	// NetStats returns the `netstats: …` and `nettest: …` lines.
	NetStats() []string
	// NetTest starts the self-test and reports false when networking is
	// disabled (`ERR NETTEST reason=policy detail=net-disabled`).
	NetTest() bool
}

// Config is the console's policy and limits.
type Config struct {
	// AuthToken is what a TCP client must present as `AUTH <token>`.
	AuthToken string
	// AuthTimeout bounds the wait for a complete AUTH frame after accept.
	AuthTimeout time.Duration
	// IdleTimeout closes an authenticated TCP connection with no frame
	// received or sent for this long (`ERR CONSOLE reason=timeout`).
	IdleTimeout time.Duration
	// QuitFlush bounds how long a closing connection may take to flush its
	// last lines before it is closed regardless.
	QuitFlush time.Duration
	// WriteRetry is how soon Poll asks to run again while a peer has not
	// taken all pending output (the embedding may not report writability).
	WriteRetry time.Duration
	// InBuffer is the bytes of unprocessed input held per connection: the
	// pipelined-line queue. It must hold one maximal frame (260 bytes).
	// When it is full the connection is not read until lines are consumed.
	InBuffer int
	// OutBuffer is the bytes of pending output per connection. A line is
	// only processed while its largest possible reply (ack, 64 data lines,
	// END) fits, so a reply is never dropped or split; a client that does
	// not read stalls its own connection and nothing else.
	OutBuffer int

	Platform Platform
	CacheLog CacheLog
	Net      Net
}

// Largest reply one command can produce: ack + maxStreamLines + END, each a
// line of at most wire.MaxLine bytes plus framing or CRLF.
const (
	maxStreamLines = 64
	maxReplyLines  = maxStreamLines + 2
	lineOverhead   = wire.HeaderLen // ≥ len("\r\n")
	maxReplyBytes  = maxReplyLines * (wire.MaxLine + lineOverhead)
	minInBuffer    = wire.HeaderLen + wire.MaxLine
)

// DefaultConfig is the reference policy: token "changeme", AUTH within 5 s,
// idle timeout 5 min, 250 ms quit flush.
func DefaultConfig() Config {
	return Config{
		AuthToken:   "changeme",
		AuthTimeout: 5000 * time.Millisecond,
		IdleTimeout: 300000 * time.Millisecond,
		QuitFlush:   250 * time.Millisecond,
		WriteRetry:  10 * time.Millisecond,
		InBuffer:    4096,
		OutBuffer:   2 * maxReplyBytes,
	}
}

// normalized fills zero fields from DefaultConfig and raises buffers to
// their minimum sizes.
func (c Config) normalized() Config {
	d := DefaultConfig()
	if c.AuthToken == "" {
		c.AuthToken = d.AuthToken
	}
	if c.AuthTimeout <= 0 {
		c.AuthTimeout = d.AuthTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = d.IdleTimeout
	}
	if c.QuitFlush <= 0 {
		c.QuitFlush = d.QuitFlush
	}
	if c.WriteRetry <= 0 {
		c.WriteRetry = d.WriteRetry
	}
	if c.InBuffer == 0 {
		c.InBuffer = d.InBuffer
	} else if c.InBuffer < minInBuffer {
		c.InBuffer = minInBuffer
	}
	if c.OutBuffer == 0 {
		c.OutBuffer = d.OutBuffer
	} else if c.OutBuffer < maxReplyBytes {
		c.OutBuffer = maxReplyBytes
	}
	return c
}
