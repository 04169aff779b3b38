package cohclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// Self-test limits (§4.4).
const (
	DefaultTestTimeout   = 30 * time.Second
	MaxTestTimeoutSecs   = 120
	testNameMax          = 120
	testDetailMax        = 200
	testTranscriptMax    = 512
	TestReportVersion    = "1"
	SelftestQuickPath    = TestsDir + "/selftest_quick.coh"
	SelftestFullPath     = TestsDir + "/selftest_full.coh"
	SelftestNegativePath = TestsDir + "/selftest_negative.coh"
)

// TestOptions are the flags of "test".
type TestOptions struct {
	Mode     string // "quick" or "full"
	JSON     bool
	Timeout  time.Duration
	NoMutate bool
}

// ParseTestArgs parses "test [--mode quick|full] [--json] [--timeout <s>] [--no-mutate]".
func ParseTestArgs(args []string) (TestOptions, error) {
	o := TestOptions{Mode: "quick", Timeout: DefaultTestTimeout}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--json":
			o.JSON = true
		case a == "--no-mutate":
			o.NoMutate = true
		case strings.HasPrefix(a, "--mode"):
			v, ok := strings.CutPrefix(a, "--mode=")
			if !ok {
				if i+1 >= len(args) {
					return o, errors.New("--mode requires quick or full")
				}
				i++
				v = args[i]
			}
			if v != "quick" && v != "full" {
				return o, fmt.Errorf("unsupported mode '%s' (expected quick|full)", v)
			}
			o.Mode = v
		case strings.HasPrefix(a, "--timeout"):
			v, ok := strings.CutPrefix(a, "--timeout=")
			if !ok {
				if i+1 >= len(args) {
					return o, errors.New("--timeout requires a value in seconds")
				}
				i++
				v = args[i]
			}
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return o, errors.New("--timeout requires a numeric value in seconds")
			}
			if n == 0 {
				return o, errors.New("--timeout must be at least 1s")
			}
			if n > MaxTestTimeoutSecs {
				return o, fmt.Errorf("--timeout exceeds max of %ds", MaxTestTimeoutSecs)
			}
			o.Timeout = time.Duration(n) * time.Second
		default:
			return o, fmt.Errorf("unknown test option '%s'", a)
		}
	}
	return o, nil
}

// TestCheck is one check of a self-test report.
type TestCheck struct {
	Name       string `json:"name"`
	OK         bool   `json:"ok"`
	Detail     string `json:"detail"`
	Transcript string `json:"transcript_excerpt,omitempty"`
}

// TestReport is the self-test result; its JSON keys are in the spec's order.
type TestReport struct {
	OK        bool        `json:"ok"`
	Mode      string      `json:"mode"`
	ElapsedMs uint64      `json:"elapsed_ms"`
	Checks    []TestCheck `json:"checks"`
	Version   string      `json:"version"`
}

// JSON renders the report as one compact line (no HTML escaping).
func (r TestReport) JSON() string {
	if r.Checks == nil {
		r.Checks = []TestCheck{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(r)
	return strings.TrimSuffix(b.String(), "\n")
}

// Text renders the human report.
func (r TestReport) Text() []string {
	status := "FAIL"
	if r.OK {
		status = "PASS"
	}
	out := []string{fmt.Sprintf("selftest %s mode=%s elapsed_ms=%d", status, r.Mode, r.ElapsedMs)}
	var first *TestCheck
	for i := range r.Checks {
		c := &r.Checks[i]
		mark := "PASS"
		if !c.OK {
			mark = "FAIL"
			if first == nil {
				first = c
			}
		}
		out = append(out, fmt.Sprintf("%s - %s (%s)", mark, c.Name, c.Detail))
	}
	if first != nil {
		out = append(out, fmt.Sprintf("first failure: %s (%s)", first.Name, first.Detail))
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

func check(name string, ok bool, detail, transcript string) TestCheck {
	return TestCheck{Name: truncate(name, testNameMax), OK: ok, Detail: truncate(detail, testDetailMax), Transcript: truncate(transcript, testTranscriptMax)}
}

// execution is the outcome of one command run by the self-test.
type execution struct {
	status Status
	acks   []string
	outs   []string
	err    error
	// local marks a failure found before anything was sent; the reference
	// records those as "ERR <e>", transport failures as "ERR LOCAL reason=<e>".
	local bool
}

func (e execution) excerpt() string {
	var l []string
	for _, a := range e.acks {
		l = append(l, "[ack] "+a)
	}
	for _, o := range e.outs {
		l = append(l, "[out] "+o)
	}
	return strings.Join(l, "\n")
}

func stateExcerpt(st *ScriptState) string {
	h := st.History()
	if h == "<none>" {
		return ""
	}
	return h
}

// RunSelftest runs the in-session self-test (§4.4) and prints its report.
func (s *Shell) RunSelftest(o TestOptions) TestReport {
	start := s.now()
	hadSession := s.session != nil
	last := s.last
	rep := TestReport{OK: true, Mode: o.Mode, Version: TestReportVersion}
	finish := func() TestReport {
		rep.ElapsedMs = uint64(s.now().Sub(start).Milliseconds())
		if o.JSON {
			fmt.Fprintln(s.Out, rep.JSON())
		} else {
			for _, l := range rep.Text() {
				s.WriteLine(l)
			}
		}
		s.restoreAfterSelftest(hadSession, last)
		return rep
	}
	if s.session == nil {
		rep.OK = false
		rep.Checks = append(rep.Checks, check("preflight/attach", false, "ERR not attached", ""))
		return finish()
	}
	ping := s.testCommand("ping")
	if ping.err != nil {
		rep.OK = false
		rep.Checks = append(rep.Checks, check("preflight/ping", false, "ERR ping failed: "+ping.err.Error(), ping.excerpt()))
		return finish()
	}
	rep.Checks = append(rep.Checks, check("preflight/ping", true, "OK ping", ping.excerpt()))
	scripts := []string{SelftestNegativePath, SelftestQuickPath}
	if o.Mode == "full" {
		scripts[1] = SelftestFullPath
	}
	for _, path := range scripts {
		if s.now().Sub(start) > o.Timeout {
			rep.Checks = append(rep.Checks, check("timeout", false, "ERR timeout exceeded", ""))
			rep.OK = false
			break
		}
		lines, err := s.loadTestScript(path)
		if err != nil {
			rep.Checks = append(rep.Checks, check("load "+path, false, "ERR "+err.Error(), ""))
			rep.OK = false
			break
		}
		if !s.runTestLines(lines, o, start, &rep.Checks) {
			rep.OK = false
			break
		}
	}
	return finish()
}

func (s *Shell) restoreAfterSelftest(hadSession bool, last *lastAttach) {
	if s.script != nil || !hadSession || s.session != nil || last == nil {
		return
	}
	if err := s.Attach(last.role, last.ticket); err != nil {
		s.WriteLine("selftest: reattach failed: " + err.Error())
	}
}

func (s *Shell) loadTestScript(path string) ([]ScriptLine, error) {
	lines, err := s.Con.Stream("CAT", path)
	s.Con.DrainAcks()
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", path, err)
	}
	l, err := ParseScript(strings.NewReader(strings.Join(lines, "\n")))
	if err != nil {
		return nil, fmt.Errorf("failed to parse %s: %w", path, err)
	}
	return l, nil
}

func skipNoMutate(keyword, line string) bool {
	switch keyword {
	case "spawn", "kill":
		return true
	case "tail":
		f := strings.Fields(line)
		return len(f) > 1 && (strings.HasPrefix(f[1], "/worker/") || strings.HasPrefix(f[1], "/shard/"))
	}
	return false
}

func (s *Shell) runTestLines(lines []ScriptLine, o TestOptions, start time.Time, checks *[]TestCheck) bool {
	st := &ScriptState{}
	skipExpect := false
	add := func(l ScriptLine, ok bool, detail, transcript string) {
		*checks = append(*checks, check(fmt.Sprintf("line %d: %s", l.Number, l.Text), ok, detail, transcript))
	}
	for i, l := range lines {
		if s.now().Sub(start) > o.Timeout {
			*checks = append(*checks, check("timeout", false, "ERR timeout exceeded", ""))
			return false
		}
		kw := firstWord(l.Text)
		if skipExpect && kw == "EXPECT" {
			add(l, true, "skipped --no-mutate", "")
			continue
		}
		skipExpect = false
		switch kw {
		case "EXPECT":
			e, err := ParseExpect(l, st)
			if err != nil {
				add(l, false, "ERR "+err.Error(), "")
				return false
			}
			last, ok := st.Last()
			if !ok {
				add(l, false, "ERR EXPECT requires a prior command response", "")
				return false
			}
			if !e.Match(last) {
				add(l, false, "ERR expectation failed", stateExcerpt(st))
				return false
			}
			add(l, true, "OK expectation met", "")
			continue
		case "WAIT":
			ms, err := ParseWait(l, st)
			if err != nil {
				add(l, false, "ERR "+err.Error(), "")
				return false
			}
			s.sleep(time.Duration(ms) * time.Millisecond)
			add(l, true, fmt.Sprintf("OK waited %dms", ms), "")
			continue
		}
		if o.NoMutate && skipNoMutate(kw, l.Text) {
			skipExpect = true
			add(l, true, "skipped --no-mutate", "")
			continue
		}
		st.Begin(l.Text)
		ex := s.testCommand(l.Text)
		for _, a := range ex.acks {
			st.Record(SourceAck, a)
		}
		for _, out := range ex.outs {
			st.Record(SourceOut, out)
		}
		if ex.err != nil {
			if _, ok := st.Last(); !ok {
				st.Record(SourceOut, "ERR "+ex.err.Error())
			}
			if last, _ := st.Last(); strings.HasPrefix(last, "ERR") && i+1 < len(lines) && strings.HasPrefix(lines[i+1].Text, "EXPECT") {
				add(l, true, "ERR deferred to EXPECT", "")
				continue
			}
			add(l, false, "ERR "+ex.err.Error(), stateExcerpt(st))
			return false
		}
		add(l, true, "OK", "")
		if ex.status == Quit {
			break
		}
	}
	return true
}

// testCommand runs one command for the self-test, capturing its acks and
// output instead of printing them. Only the self-test's verbs exist here.
func (s *Shell) testCommand(line string) (ex execution) {
	f := strings.Fields(line)
	if len(f) == 0 {
		return ex
	}
	cmd, args := f[0], f[1:]
	defer func() {
		if ex.err != nil && !ex.local && len(ex.acks) == 0 && len(ex.outs) == 0 {
			ex.outs = append(ex.outs, "ERR LOCAL reason="+ex.err.Error())
		}
	}()
	drain := func(err error) execution {
		ex.acks = s.Con.DrainAcks()
		ex.err = err
		return ex
	}
	attached := func() error {
		if s.session == nil {
			return fmt.Errorf("%s: not attached", cmd)
		}
		return nil
	}
	switch cmd {
	case "ping":
		if err := attached(); err != nil {
			ex.err, ex.local = err, true
			return ex
		}
		r, err := s.Con.Ping()
		ex = drain(err)
		if err == nil {
			ex.outs = append(ex.outs, "ping: "+r)
		}
		return ex
	case "log":
		if len(args) > 0 {
			ex.err, ex.local = errors.New("log does not take any arguments"), true
			return ex
		}
		return s.testCommand("tail " + QueenLogPath)
	case "tail", "cat", "ls":
		p, err := onePath(cmd, args)
		if err == nil {
			err = attached()
		}
		if err == nil {
			err = CheckPath(p)
		}
		if err != nil {
			ex.err, ex.local = err, true
			return ex
		}
		lines, err := s.Con.Stream(streamVerb[cmd], p)
		ex = drain(err)
		if err == nil {
			ex.outs = lines
		}
		return ex
	case "echo":
		text, path, err := SplitEcho(strings.TrimLeft(strings.TrimLeft(line, " \t")[len("echo"):], " \t"))
		var payload string
		if err == nil {
			payload, err = EchoPayload(text)
		}
		if err == nil {
			err = attached()
		}
		if err == nil {
			err = CheckPath(path)
		}
		if err != nil {
			ex.err, ex.local = err, true
			return ex
		}
		return drain(s.Con.Echo(path, payload))
	case "telemetry":
		err := s.telemetry(args, &ex.acks)
		if err != nil {
			ex.err = err
		}
		return ex
	case "spawn", "kill":
		var p string
		var err error
		switch {
		case cmd == "spawn" && len(args) == 0:
			err = errors.New("spawn requires a role")
		case cmd == "spawn":
			p, err = SpawnJSON(args[0], args[1:])
		case len(args) == 0:
			err = errors.New("kill requires a worker id")
		case len(args) > 1:
			err = errors.New("kill takes exactly one argument: worker id")
		default:
			p, err = KillJSON(args[0])
		}
		if err != nil {
			ex.err, ex.local = err, true
			return ex
		}
		return s.testQueenCtl(p)
	case "quit":
		if len(args) > 0 {
			ex.err, ex.local = errors.New("quit does not take any arguments"), true
			return ex
		}
		if s.session != nil {
			s.Con.Quit() // OK QUIT stays pending, as in the reference
		}
		s.session = nil
		ex.outs = append(ex.outs, "closing session")
		ex.status = Quit
		return ex
	}
	ex.err = fmt.Errorf("unknown command '%s'", cmd)
	return ex
}

func (s *Shell) testQueenCtl(payload string) (ex execution) {
	if s.session == nil {
		ex.err, ex.local = errors.New("queen control requires an attached session"), true
		return ex
	}
	if s.session.Role != vfs.RoleQueen {
		ex.err, ex.local = fmt.Errorf("queen control requires a queen session; attached as %s", RoleDebugName(s.session.Role)), true
		return ex
	}
	p, err := NormalisePayload(payload)
	if err != nil {
		ex.err, ex.local = err, true
		return ex
	}
	err = s.Con.Echo(QueenCtlPath, p)
	ex.acks = s.Con.DrainAcks()
	ex.err, ex.local = err, true // the reference returns these without the LOCAL marker
	return ex
}
