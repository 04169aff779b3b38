package ninedoor

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// LogLine is one /log/queen.log line.
type LogLine struct {
	Text string
	// User marks lines a client ECHOed and telemetry-ring audit lines; the
	// console's CAT summary (§2.4) treats them differently from system lines.
	User bool
}

// FirstLogLine opens every queen log.
const FirstLogLine = "[INFO audit] log.channel=LOGFILE path=/log/queen.log"

// lineRing is the bounded queen log. It is also a byte stream for readers
// that poll by offset: base is the number of bytes of evicted lines, so an
// offset stays meaningful while old lines fall out.
type lineRing struct {
	lines   []LogLine // oldest first, len <= cap
	cap     int
	base    uint64 // bytes evicted so far (each line counts len+1 for its '\n')
	bytes   uint64 // bytes retained
	version uint32
}

func newLineRing(capacity int) *lineRing {
	if capacity < 1 {
		capacity = 1
	}
	return &lineRing{lines: make([]LogLine, 0, capacity), cap: capacity}
}

func (r *lineRing) add(l LogLine) {
	if len(r.lines) == r.cap {
		n := uint64(len(r.lines[0].Text) + 1)
		r.base += n
		r.bytes -= n
		copy(r.lines, r.lines[1:])
		r.lines = r.lines[:len(r.lines)-1]
	}
	r.lines = append(r.lines, l)
	r.bytes += uint64(len(l.Text) + 1)
	r.version++
}

// total is the byte length of everything ever logged.
func (r *lineRing) total() uint64 { return r.base + r.bytes }

// snapshot returns the retained text and the stream offset it starts at.
func (r *lineRing) snapshot() (base uint64, data []byte) {
	var b strings.Builder
	b.Grow(int(r.bytes))
	for _, l := range r.lines {
		b.WriteString(l.Text)
		b.WriteByte('\n')
	}
	return r.base, []byte(b.String())
}

func (r *lineRing) copyLines() []LogLine {
	return append([]LogLine(nil), r.lines...)
}

// Logf appends a system line to /log/queen.log, cut to the line limit.
func (h *Hive) Logf(format string, args ...any) {
	h.log.add(LogLine{Text: h.fitLine(fmt.Sprintf(format, args...))})
}

// logUser appends a user line (ECHO or telemetry-ring audit).
func (h *Hive) logUser(text string) {
	h.log.add(LogLine{Text: h.fitLine(text), User: true})
}

// fitLine keeps a line on one line and within MaxLogLineBytes, cutting at
// a rune boundary: system lines may quote client input.
func (h *Hive) fitLine(s string) string {
	s = sanitizeLine(s)
	if max := h.cfg.Limits.MaxLogLineBytes; len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

// LogLines returns the retained queen log, newest last.
func (h *Hive) LogLines() []LogLine { return h.log.copyLines() }

// sanitizeLine keeps the log line-oriented: a line never contains '\n' or '\r'.
func sanitizeLine(s string) string {
	if strings.ContainsAny(s, "\r\n") {
		s = strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
	}
	return s
}
