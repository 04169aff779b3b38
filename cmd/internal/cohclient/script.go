package cohclient

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Script limits (§4.1, §4.2).
const (
	MaxScriptLines  = 256
	MaxScriptWaitMs = 2000
)

// ScriptLine is one statement of a .coh script: its 1-based physical line
// number and its text with comment and surrounding whitespace removed.
type ScriptLine struct {
	Number int
	Text   string
}

// StatementKind classifies a script statement.
type StatementKind uint8

// Statement kinds.
const (
	StmtCommand StatementKind = iota
	StmtExpect
	StmtWait
)

// Kind says what the statement is; keywords are case-sensitive.
func (l ScriptLine) Kind() StatementKind {
	switch firstWord(l.Text) {
	case "EXPECT":
		return StmtExpect
	case "WAIT":
		return StmtWait
	}
	return StmtCommand
}

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// ExpectOp is an EXPECT selector.
type ExpectOp uint8

// EXPECT selectors.
const (
	ExpectOK ExpectOp = iota
	ExpectErr
	ExpectSubstr
	ExpectNot
)

// Expect is a parsed EXPECT statement.
type Expect struct {
	Op   ExpectOp
	Text string // for ExpectSubstr and ExpectNot
}

// Match reports whether the checked line satisfies the expectation.
func (e Expect) Match(last string) bool {
	switch e.Op {
	case ExpectOK:
		return strings.HasPrefix(last, "OK")
	case ExpectErr:
		return strings.HasPrefix(last, "ERR")
	case ExpectSubstr:
		return strings.Contains(last, e.Text)
	default:
		return !strings.Contains(last, e.Text)
	}
}

// String renders the canonical statement.
func (e Expect) String() string {
	switch e.Op {
	case ExpectOK:
		return "EXPECT OK"
	case ExpectErr:
		return "EXPECT ERR"
	case ExpectSubstr:
		return "EXPECT SUBSTR " + e.Text
	default:
		return "EXPECT NOT " + e.Text
	}
}

// ScriptError is a script failure; Error renders the reference's multi-line
// report (§4.3) so it can be printed as "Error: <text>".
type ScriptError struct {
	Line   int
	Text   string
	Reason string
	State  *ScriptState // nil when not yet running
}

func (e *ScriptError) Error() string {
	last, cmd, src, hist := "<none>", "<none>", "none", "<none>"
	if s := e.State; s != nil {
		if s.hasLast {
			last = s.last
			src = s.lastSource.String()
		}
		if s.hasCommand {
			cmd = s.command
		}
		hist = s.History()
	}
	recent := "recent responses: " + hist
	if hist != "<none>" {
		recent = "recent responses:\n" + hist
	}
	return fmt.Sprintf("script failure at line %d: %s\nreason: %s\nlast command: %s\nlast response: %s\nlast response source: %s\n%s",
		e.Line, e.Text, e.Reason, cmd, last, src, recent)
}

func scriptErr(l ScriptLine, st *ScriptState, reason string) *ScriptError {
	return &ScriptError{Line: l.Number, Text: l.Text, Reason: reason, State: st}
}

// ParseScript lexes a .coh script (§4.1): per physical line trim trailing
// whitespace, cut at the first '#', trim, skip empty lines; at most
// MaxScriptLines statements.
func ParseScript(r io.Reader) ([]ScriptLine, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	var lines []ScriptLine
	n := 0
	for sc.Scan() {
		n++
		text := strings.TrimRight(sc.Text(), " \t\r\n\v\f")
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		text = strings.TrimSpace(text)
		if text == "" {
			continue
		}
		lines = append(lines, ScriptLine{Number: n, Text: text})
		if len(lines) > MaxScriptLines {
			return nil, scriptErr(ScriptLine{n, text}, nil, fmt.Sprintf("script exceeds max of %d lines", MaxScriptLines))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return lines, nil
}

// ParseExpect parses the statement "EXPECT <selector>".
func ParseExpect(l ScriptLine, st *ScriptState) (Expect, error) {
	rest := strings.TrimLeft(strings.TrimPrefix(l.Text, "EXPECT"), " \t")
	switch {
	case rest == "":
		return Expect{}, scriptErr(l, st, "EXPECT requires a selector")
	case rest == "OK":
		return Expect{Op: ExpectOK}, nil
	case rest == "ERR":
		return Expect{Op: ExpectErr}, nil
	case strings.HasPrefix(rest, "SUBSTR"):
		t := strings.TrimLeft(rest[len("SUBSTR"):], " \t")
		if t == "" {
			return Expect{}, scriptErr(l, st, "EXPECT SUBSTR requires text")
		}
		return Expect{Op: ExpectSubstr, Text: t}, nil
	case strings.HasPrefix(rest, "NOT"):
		t := strings.TrimLeft(rest[len("NOT"):], " \t")
		if t == "" {
			return Expect{}, scriptErr(l, st, "EXPECT NOT requires text")
		}
		return Expect{Op: ExpectNot, Text: t}, nil
	}
	return Expect{}, scriptErr(l, st, "EXPECT selector is invalid")
}

// ParseWait parses "WAIT <ms>" with 0 <= ms <= MaxScriptWaitMs.
func ParseWait(l ScriptLine, st *ScriptState) (int, error) {
	args := strings.Fields(strings.TrimPrefix(l.Text, "WAIT"))
	if len(args) == 0 {
		return 0, scriptErr(l, st, "WAIT requires milliseconds")
	}
	if len(args) > 1 {
		return 0, scriptErr(l, st, "WAIT accepts a single millisecond value")
	}
	ms, err := strconv.ParseUint(args[0], 10, 64)
	if err != nil {
		return 0, scriptErr(l, st, "WAIT requires a numeric millisecond value")
	}
	if ms > MaxScriptWaitMs {
		return 0, scriptErr(l, st, fmt.Sprintf("WAIT exceeds max of %dms", MaxScriptWaitMs))
	}
	return int(ms), nil
}

// CheckScript validates a script without running it (--check): EXPECT
// before any command, bad selectors and bad WAITs are errors.
func CheckScript(r io.Reader) error {
	lines, err := ParseScript(r)
	if err != nil {
		return err
	}
	seen := false
	for _, l := range lines {
		switch l.Kind() {
		case StmtExpect:
			if !seen {
				return scriptErr(l, nil, "EXPECT requires a prior command response")
			}
			if _, err := ParseExpect(l, nil); err != nil {
				return err
			}
		case StmtWait:
			if _, err := ParseWait(l, nil); err != nil {
				return err
			}
		default:
			seen = true
		}
	}
	return nil
}

// Tokens renders a checked script as canonical statements, one per entry,
// for regression comparisons.
func Tokens(r io.Reader) ([]string, error) {
	lines, err := ParseScript(r)
	if err != nil {
		return nil, err
	}
	var out []string
	seen := false
	for _, l := range lines {
		switch l.Kind() {
		case StmtExpect:
			if !seen {
				return nil, scriptErr(l, nil, "EXPECT requires a prior command response")
			}
			e, err := ParseExpect(l, nil)
			if err != nil {
				return nil, err
			}
			out = append(out, e.String())
		case StmtWait:
			ms, err := ParseWait(l, nil)
			if err != nil {
				return nil, err
			}
			out = append(out, "WAIT "+strconv.Itoa(ms))
		default:
			seen = true
			out = append(out, l.Text)
		}
	}
	return out, nil
}

// Source says where a recorded response line came from.
type Source uint8

// Response sources.
const (
	SourceAck Source = iota
	SourceOut
)

func (s Source) String() string {
	if s == SourceAck {
		return "ack"
	}
	return "out"
}

// maxScriptResponses bounds the response history kept for failure reports.
const maxScriptResponses = 8

type response struct {
	src  Source
	line string
}

// ScriptState tracks the checked line of the running command (§4.2): each
// command resets it, every ack replaces it, output lines replace it only
// while no ack was recorded.
type ScriptState struct {
	command    string
	hasCommand bool
	last       string
	hasLast    bool
	lastSource Source
	fromAck    bool
	responses  []response
}

// Begin starts a new command.
func (s *ScriptState) Begin(cmd string) {
	s.command, s.hasCommand = cmd, true
	s.last, s.hasLast, s.fromAck = "", false, false
	s.responses = s.responses[:0]
}

// Record notes one response line.
func (s *ScriptState) Record(src Source, line string) {
	if len(s.responses) >= maxScriptResponses {
		copy(s.responses, s.responses[1:])
		s.responses = s.responses[:len(s.responses)-1]
	}
	s.responses = append(s.responses, response{src, line})
	if src == SourceAck {
		s.last, s.hasLast, s.lastSource, s.fromAck = line, true, src, true
	} else if !s.fromAck {
		s.last, s.hasLast, s.lastSource = line, true, src
	}
}

// Last is the checked line, if any.
func (s *ScriptState) Last() (string, bool) { return s.last, s.hasLast }

// Command is the last command started, if any.
func (s *ScriptState) Command() (string, bool) { return s.command, s.hasCommand }

// History renders the recent responses as "  - [src] line" lines, or "<none>".
func (s *ScriptState) History() string {
	if len(s.responses) == 0 {
		return "<none>"
	}
	var b strings.Builder
	for i, r := range s.responses {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("  - [" + r.src.String() + "] " + r.line)
	}
	return b.String()
}
