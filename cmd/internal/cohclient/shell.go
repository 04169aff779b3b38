package cohclient

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// Status says whether the shell goes on after a command.
type Status uint8

// Command outcomes.
const (
	Continue Status = iota
	Quit
)

// Session is an attached console session as the shell knows it.
type Session struct {
	ID   uint64
	Role vfs.Role
}

type lastAttach struct {
	role   vfs.Role
	ticket string
}

// Shell executes cohsh commands against a Console, printing to Out exactly
// what the reference cohsh prints. Scripts and the self-test run through
// the same handlers as the interactive prompt.
type Shell struct {
	Con *Console
	Out io.Writer
	// Now and Sleep default to the wall clock; tests may replace them.
	Now   func() time.Time
	Sleep func(time.Duration)
	// ReadFile reads local files (telemetry push); os.ReadFile by default.
	ReadFile func(string) ([]byte, error)
	// MaxEchoPayload bounds one ECHO payload the server accepts (128 over
	// the TCP console).
	MaxEchoPayload int

	session *Session
	last    *lastAttach
	script  *ScriptState
}

// NewShell returns a shell over con writing to out.
func NewShell(con *Console, out io.Writer) *Shell {
	return &Shell{Con: con, Out: out, MaxEchoPayload: 128}
}

func (s *Shell) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Shell) sleep(d time.Duration) {
	if s.Sleep != nil {
		s.Sleep(d)
		return
	}
	time.Sleep(d)
}

// Session returns the attached session, if any.
func (s *Shell) Session() (Session, bool) {
	if s.session == nil {
		return Session{}, false
	}
	return *s.session, true
}

// WriteLine prints one output line (recorded as script output).
func (s *Shell) WriteLine(line string) {
	fmt.Fprintln(s.Out, line)
	if s.script != nil {
		s.script.Record(SourceOut, line)
	}
}

func (s *Shell) writeAck(ack string) {
	fmt.Fprintln(s.Out, "[console] "+ack)
	if s.script != nil {
		s.script.Record(SourceAck, ack)
	}
}

func (s *Shell) printAcks() {
	for _, a := range s.Con.DrainAcks() {
		s.writeAck(a)
	}
}

// Keepalive sends a silent PING when attached and idle for the heartbeat
// interval (the interactive shell calls it while waiting for input).
func (s *Shell) Keepalive() {
	if s.session == nil || s.Con.IdleFor() < s.Con.Policy.Heartbeat {
		return
	}
	s.Con.Ping()
	s.Con.DrainAcks()
}

// Attach attaches as role with an optional ticket.
func (s *Shell) Attach(role vfs.Role, ticket string) error {
	if s.session != nil {
		return errors.New("already attached; run 'quit' to close the current session")
	}
	id, err := s.Con.Attach(role, ticket)
	s.printAcks()
	if err != nil {
		return err
	}
	s.WriteLine(fmt.Sprintf("attached session SessionId(%d) as %s", id, RoleDebugName(role)))
	s.session = &Session{ID: id, Role: role}
	s.last = &lastAttach{role: role, ticket: strings.TrimSpace(ticket)}
	return nil
}

// HelpLines is the help text of the interactive shell.
var HelpLines = []string{
	"Cohesix command surface:",
	"  help                         - Show this help message",
	"  attach <role> [ticket]       - Attach to a NineDoor session",
	"  login <role> [ticket]        - Alias for attach",
	"  detach                       - Close the current session",
	"  tail <path>                  - Stream a file via NineDoor",
	"  log                          - Tail /log/queen.log",
	"  ping                         - Report attachment status for health checks",
	"  test [--mode <quick|full>] [--json] [--timeout <s>] [--no-mutate] - Run self-tests",
	"  pool bench <opts>            - Run pooled throughput benchmark",
	"  tcp-diag [port]              - Debug TCP connectivity without protocol traffic",
	"  ls <path>                    - Enumerate directory entries",
	"  cat <path>                   - Read file contents",
	"  echo <text> > <path>         - Append to a file (adds newline)",
	"  spawn <role> [opts]          - Queue worker spawn command",
	"  kill <worker_id>             - Queue worker termination",
	"  bind <src> <dst>             - Bind namespace path",
	"  mount <service> <path>       - Mount service namespace",
	"  lifecycle <cmd>              - Control node lifecycle (cordon/drain/resume/quiesce/reset)",
	"  telemetry push <src> --device <id> - Push bounded telemetry segment",
	"  quit                         - Close the session and exit",
}

// Verbs are the commands the shell knows, for completion.
var Verbs = []string{"attach", "bind", "cat", "detach", "echo", "help", "kill", "lifecycle", "log", "login",
	"ls", "mount", "ping", "pool", "quit", "spawn", "tail", "tcp-diag", "telemetry", "test"}

func noArgs(cmd string, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("%s does not take any arguments", cmd)
	}
	return nil
}

func onePath(cmd string, args []string) (string, error) {
	if len(args) == 0 {
		return "", fmt.Errorf("%s requires a path", cmd)
	}
	if len(args) > 1 {
		return "", fmt.Errorf("%s takes exactly one argument: path", cmd)
	}
	return args[0], nil
}

// streamVerb maps the cohsh commands onto console stream verbs.
var streamVerb = map[string]string{"tail": "TAIL", "cat": "CAT", "ls": "LS"}

func (s *Shell) streamPath(cmd, path string) error {
	if err := CheckPath(path); err != nil {
		return err
	}
	if s.session == nil {
		return fmt.Errorf("attach to a session before running %s", cmd)
	}
	lines, err := s.Con.Stream(streamVerb[cmd], path)
	s.printAcks()
	if err != nil {
		return err
	}
	for _, l := range lines {
		s.WriteLine(l)
	}
	return nil
}

func (s *Shell) writePath(path, payload string) error {
	if err := CheckPath(path); err != nil {
		return err
	}
	if s.session == nil {
		return errors.New("attach to a session before running echo")
	}
	err := s.Con.Echo(path, payload)
	s.printAcks()
	return err
}

func (s *Shell) queenSession(cmd string) error {
	if s.session == nil {
		return errors.New("attach to a session before issuing queen commands")
	}
	if s.session.Role != vfs.RoleQueen {
		return fmt.Errorf("%s requires a queen session; attached as %s", cmd, RoleDebugName(s.session.Role))
	}
	return nil
}

func (s *Shell) sendQueenCtl(payload string) error {
	if err := s.queenSession("queen control"); err != nil {
		return err
	}
	p, err := NormalisePayload(payload)
	if err != nil {
		return err
	}
	return s.writePath(QueenCtlPath, p)
}

// Execute runs one command line as typed at "coh> ".
func (s *Shell) Execute(line string) (Status, error) {
	f := strings.Fields(line)
	if len(f) == 0 {
		return Continue, nil
	}
	cmd, args := f[0], f[1:]
	switch cmd {
	case "help":
		if err := noArgs(cmd, args); err != nil {
			return Continue, err
		}
		for _, l := range HelpLines {
			s.WriteLine(l)
		}
	case "tail", "cat", "ls":
		p, err := onePath(cmd, args)
		if err != nil {
			return Continue, err
		}
		return Continue, s.streamPath(cmd, p)
	case "log":
		if err := noArgs(cmd, args); err != nil {
			return Continue, err
		}
		return Continue, s.streamPath("tail", QueenLogPath)
	case "ping":
		if err := noArgs(cmd, args); err != nil {
			return Continue, err
		}
		if s.session == nil {
			s.WriteLine("ping: not attached")
			return Continue, errors.New("ping: not attached")
		}
		r, err := s.Con.Ping()
		if err != nil {
			return Continue, err
		}
		s.printAcks()
		s.WriteLine("ping: " + r)
	case "test":
		opts, err := ParseTestArgs(args)
		if err != nil {
			return Continue, err
		}
		rep := s.RunSelftest(opts)
		if !rep.OK && s.script != nil {
			return Continue, errors.New("selftest failed")
		}
	case "pool":
		if len(args) == 0 {
			return Continue, errors.New("pool requires a subcommand")
		}
		if args[0] != "bench" {
			return Continue, fmt.Errorf("unknown pool subcommand '%s'", args[0])
		}
		return Continue, s.poolBench(args[1:])
	case "tcp-diag":
		if len(args) > 1 {
			return Continue, errors.New("tcp-diag takes at most one argument: port")
		}
		return Continue, s.tcpDiag(args)
	case "echo":
		text, path, err := SplitEcho(strings.TrimLeft(strings.TrimLeft(line, " \t")[len("echo"):], " \t"))
		if err != nil {
			return Continue, err
		}
		payload, err := EchoPayload(text)
		if err != nil {
			return Continue, err
		}
		return Continue, s.writePath(path, payload)
	case "spawn":
		if len(args) == 0 {
			return Continue, errors.New("spawn requires a role")
		}
		p, err := SpawnJSON(args[0], args[1:])
		if err != nil {
			return Continue, err
		}
		return Continue, s.sendQueenCtl(p)
	case "kill":
		if len(args) == 0 {
			return Continue, errors.New("kill requires a worker id")
		}
		if len(args) > 1 {
			return Continue, errors.New("kill takes exactly one argument: worker id")
		}
		p, err := KillJSON(args[0])
		if err != nil {
			return Continue, err
		}
		return Continue, s.sendQueenCtl(p)
	case "bind":
		switch {
		case len(args) == 0:
			return Continue, errors.New("bind requires a source path")
		case len(args) == 1:
			return Continue, errors.New("bind requires a destination path")
		case len(args) > 2:
			return Continue, errors.New("bind takes exactly two arguments: src dst")
		}
		p, err := BindJSON(args[0], args[1])
		if err != nil {
			return Continue, err
		}
		return Continue, s.sendQueenCtl(p)
	case "mount":
		switch {
		case len(args) == 0:
			return Continue, errors.New("mount requires a service name")
		case len(args) == 1:
			return Continue, errors.New("mount requires a destination path")
		case len(args) > 2:
			return Continue, errors.New("mount takes exactly two arguments: service path")
		}
		p, err := MountJSON(args[0], args[1])
		if err != nil {
			return Continue, err
		}
		return Continue, s.sendQueenCtl(p)
	case "lifecycle":
		if len(args) == 0 {
			return Continue, errors.New("lifecycle requires a command: cordon|drain|resume|quiesce|reset")
		}
		if len(args) > 1 {
			return Continue, errors.New("lifecycle takes exactly one argument: cordon|drain|resume|quiesce|reset")
		}
		return Continue, s.lifecycle(args[0])
	case "telemetry":
		return Continue, s.telemetry(args, nil)
	case "attach", "login":
		role, ticket, err := parseAttachArgs(cmd, args)
		if err != nil {
			return Continue, err
		}
		return Continue, s.Attach(role, ticket)
	case "detach":
		if err := noArgs(cmd, args); err != nil {
			return Continue, err
		}
		if s.session != nil {
			// Like the reference, the OK QUIT ack stays pending and is
			// printed with the next command's acks.
			s.Con.Quit()
		}
		s.session = nil
		s.WriteLine("OK DETACH")
	case "quit":
		if err := noArgs(cmd, args); err != nil {
			return Continue, err
		}
		if s.session != nil {
			// The OK QUIT ack is not printed: the reference exits first.
			if err := s.Con.Quit(); err != nil {
				s.WriteLine("quit: " + err.Error())
			}
		}
		s.session = nil
		s.WriteLine("closing session")
		return Quit, nil
	default:
		return Continue, fmt.Errorf("unknown command '%s'", cmd)
	}
	return Continue, nil
}

func parseAttachArgs(cmd string, args []string) (vfs.Role, string, error) {
	switch len(args) {
	case 0:
		return 0, "", fmt.Errorf("%s requires a role", cmd)
	case 1, 2:
		r, err := ParseRoleArg(args[0])
		if err != nil {
			return 0, "", err
		}
		if len(args) == 2 {
			return r, args[1], nil
		}
		return r, "", nil
	}
	return 0, "", fmt.Errorf("%s takes at most two arguments: role and optional ticket", cmd)
}

func (s *Shell) tcpDiag(args []string) error {
	host, port := s.Con.Host, s.Con.Port
	if len(args) == 1 {
		p, err := strconv.ParseUint(args[0], 10, 16)
		if err != nil {
			return errors.New("tcp-diag requires a numeric port")
		}
		port = int(p)
	}
	s.WriteLine(fmt.Sprintf("tcp-diag: connecting to %s:%d", host, port))
	c, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), s.Con.Policy.Timeout)
	if err != nil {
		s.WriteLine("tcp-diag: connect failed: " + err.Error())
		return fmt.Errorf("tcp-diag failed: %v", err)
	}
	defer c.Close()
	s.WriteLine("tcp-diag: connect succeeded")
	s.WriteLine("tcp-diag: local_addr=" + c.LocalAddr().String())
	s.WriteLine("tcp-diag: peer_addr=" + c.RemoteAddr().String())
	return nil
}

// Lifecycle states and commands (§5.4).
var lifecycleStates = map[string]bool{"BOOTING": true, "DEGRADED": true, "ONLINE": true, "DRAINING": true, "QUIESCED": true, "OFFLINE": true}

// LifecycleAllowed is the local transition check of §5.4.
func LifecycleAllowed(state, cmd string) bool {
	switch cmd {
	case "cordon":
		return state == "ONLINE" || state == "DEGRADED"
	case "drain":
		return state == "DRAINING"
	case "resume":
		return state != "ONLINE"
	case "quiesce":
		return state == "ONLINE" || state == "DEGRADED" || state == "DRAINING"
	case "reset":
		return state != "BOOTING"
	}
	return false
}

func (s *Shell) lifecycle(cmd string) error {
	switch cmd {
	case "cordon", "drain", "resume", "quiesce", "reset":
	default:
		return fmt.Errorf("unknown lifecycle command '%s'", cmd)
	}
	if err := s.queenSession("lifecycle"); err != nil {
		return err
	}
	lines, err := s.Con.Stream("CAT", LifecycleStatePath)
	s.Con.DrainAcks()
	if err != nil {
		return err
	}
	state := ""
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, "state="); ok && lifecycleStates[strings.TrimSpace(v)] {
			state = strings.TrimSpace(v)
			break
		}
	}
	if state == "" {
		return fmt.Errorf("lifecycle state not found at %s", LifecycleStatePath)
	}
	if !LifecycleAllowed(state, cmd) {
		s.writeAck(fmt.Sprintf("ERR LIFECYCLE action=%s state=%s reason=invalid-transition", cmd, state))
		return fmt.Errorf("lifecycle transition denied: state=%s action=%s", state, cmd)
	}
	return s.writePath(QueenLifecycleCtlPath, cmd+"\n")
}

var expectFailed = [...]string{ExpectOK: "EXPECT OK failed", ExpectErr: "EXPECT ERR failed",
	ExpectSubstr: "EXPECT SUBSTR failed", ExpectNot: "EXPECT NOT failed"}

// RunScript runs a .coh script (§4.3). A failing command aborts unless its
// checked line starts with ERR and the next statement is an EXPECT; a
// failed EXPECT aborts; quit ends the script.
func (s *Shell) RunScript(r io.Reader) error {
	lines, err := ParseScript(r)
	if err != nil {
		return err
	}
	st := &ScriptState{}
	s.script = st
	defer func() { s.script = nil }()
	for i, l := range lines {
		switch l.Kind() {
		case StmtExpect:
			e, err := ParseExpect(l, st)
			if err != nil {
				return err
			}
			last, ok := st.Last()
			if !ok {
				reason := "EXPECT requires a prior command response"
				if cmd, ok := st.Command(); ok {
					reason += " (last command: " + cmd + ")"
				}
				return scriptErr(l, st, reason)
			}
			if !e.Match(last) {
				return scriptErr(l, st, expectFailed[e.Op])
			}
		case StmtWait:
			ms, err := ParseWait(l, st)
			if err != nil {
				return err
			}
			s.sleep(time.Duration(ms) * time.Millisecond)
		default:
			st.Begin(l.Text)
			status, err := s.Execute(l.Text)
			if err != nil {
				if last, ok := st.Last(); ok && strings.HasPrefix(last, "ERR") && i+1 < len(lines) && strings.HasPrefix(lines[i+1].Text, "EXPECT") {
					continue
				}
				return scriptErr(l, st, "command failed: "+err.Error())
			}
			if status == Quit {
				return nil
			}
		}
	}
	return nil
}
