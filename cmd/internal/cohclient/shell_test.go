package cohclient

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// newMockShell returns a shell attached to nothing, over a fresh in-process hive.
func newMockShell(t *testing.T) (*Shell, *bytes.Buffer) {
	t.Helper()
	m, err := NewMock(MockConfig{SeedGPU: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	con := NewConsole("mock", 0, "changeme")
	con.Dial = m.Dial
	con.Log = io.Discard
	con.Policy.Timeout = 2 * time.Second
	out := &bytes.Buffer{}
	sh := NewShell(con, out)
	sh.Sleep = func(time.Duration) {}
	t.Cleanup(con.Close)
	return sh, out
}

func run(t *testing.T, sh *Shell, out *bytes.Buffer, line string) (string, error) {
	t.Helper()
	out.Reset()
	_, err := sh.Execute(line)
	return out.String(), err
}

func TestShellSession(t *testing.T) {
	sh, out := newMockShell(t)
	steps := []struct {
		line    string
		want    string // exact output
		wantErr string
	}{
		{"ping", "ping: not attached\n", "ping: not attached"},
		{"cat /proc/boot", "", "attach to a session before running cat"},
		{"attach", "", "attach requires a role"},
		{"attach king", "", "unknown role 'king'"},
		{"login queen a b", "", "login takes at most two arguments: role and optional ticket"},
		{"attach queen", "[console] OK AUTH\n[console] OK ATTACH role=queen\nattached session SessionId(2) as Queen\n", ""},
		{"attach queen", "", "already attached; run 'quit' to close the current session"},
		{"ping", "[console] OK PING reply=pong\nping: pong\n", ""},
		{"ping now", "", "ping does not take any arguments"},
		{"ls /proc/tests", "[console] OK LS path=/proc/tests entries=3\nselftest_quick.coh\nselftest_full.coh\nselftest_negative.coh\n", ""},
		{"cat /proc/a/b/c/d/e/f/g/h/i", "", "path exceeds maximum depth of 8 components"},
		{"cat proc", "", "paths must be absolute"},
		{"tail /proc/..", "", "path component '..' is not permitted"},
		{"echo hi", "", "echo requires syntax: echo <text> > <path>"},
		{`echo "hello queen" > /log/queen.log`, "[console] OK ECHO path=/log/queen.log bytes=11\n", ""},
		{"spawn heartbeat ticks=1 ttl_s=30", "[console] OK ECHO path=/queen/ctl bytes=53\n", ""},
		{"spawn heartbeat", "", "missing required option 'ticks'"},
		{"ls /shard/13/worker", "[console] OK LS path=/shard/13/worker entries=1\nworker-1\n", ""},
		{"kill worker-1", "[console] OK ECHO path=/queen/ctl bytes=19\n", ""},
		{"kill a b", "", "kill takes exactly one argument: worker id"},
		{"bind /proc/../boot /tmp", "", "path component '..' is not permitted"},
		{"lifecycle nap", "", "unknown lifecycle command 'nap'"},
		{"lifecycle drain", "[console] ERR LIFECYCLE action=drain state=ONLINE reason=invalid-transition\n", "lifecycle transition denied: state=ONLINE action=drain"},
		{"frobnicate", "", "unknown command 'frobnicate'"},
		{"detach", "OK DETACH\n", ""},
		{"attach worker", "[console] OK QUIT\n", "role WorkerHeartbeat requires a non-empty ticket payload"},
		{"attach queen", "[console] OK AUTH\n[console] OK ATTACH role=queen\nattached session SessionId(3) as Queen\n", ""},
	}
	for _, s := range steps {
		got, err := run(t, sh, out, s.line)
		if s.wantErr != "" {
			if err == nil || err.Error() != s.wantErr {
				t.Errorf("%q: err = %v, want %q", s.line, err, s.wantErr)
			}
		} else if err != nil {
			t.Errorf("%q: unexpected error %v", s.line, err)
		}
		if got != s.want {
			t.Errorf("%q: output\n%s\nwant\n%s", s.line, got, s.want)
		}
	}
	st, err := sh.Execute("quit")
	if st != Quit || err != nil || !strings.HasSuffix(out.String(), "closing session\n") {
		t.Errorf("quit: %v %v %q", st, err, out.String())
	}
	if _, ok := sh.Session(); ok {
		t.Error("session survives quit")
	}
}

func TestShellNamespaceErrors(t *testing.T) {
	sh, out := newMockShell(t)
	run(t, sh, out, "attach queen")
	got, err := run(t, sh, out, "echo denied-write > /proc/tests/selftest_quick.coh")
	if err == nil || !strings.HasPrefix(got, "[console] ERR ECHO ") || !strings.HasPrefix(err.Error(), "echo failed: ERR ECHO ") {
		t.Errorf("read-only echo: %q, %v", got, err)
	}
	got, err = run(t, sh, out, "echo {{msize_overflow}} > /queen/ctl")
	if err == nil || !strings.Contains(got, "[console] ERR FRAME reason=invalid-length") {
		t.Errorf("oversize echo: %q, %v", got, err)
	}
	// The connection survives an oversize frame.
	if got, err := run(t, sh, out, "ping"); err != nil || !strings.HasSuffix(got, "ping: pong\n") {
		t.Errorf("ping after oversize: %q, %v", got, err)
	}
	got, err = run(t, sh, out, "cat /nowhere")
	if err == nil || !strings.HasPrefix(got, "[console] ERR CAT ") {
		t.Errorf("cat missing: %q, %v", got, err)
	}
}

func TestShellTelemetryPushLocalChecks(t *testing.T) {
	sh, out := newMockShell(t)
	run(t, sh, out, "attach queen")
	dir := t.TempDir()
	src := filepath.Join(dir, "sample.ndjson")
	os.WriteFile(src, []byte("{}\n"), 0o644)
	bad := filepath.Join(dir, "x.bin")
	os.WriteFile(bad, []byte("x"), 0o644)
	got, err := run(t, sh, out, "telemetry push "+bad+" --device dev-1")
	if err == nil || got != "[console] ERR TELEMETRY action=push device=dev-1 reason=telemetry push extension 'bin' is not allowed (allowed: txt, log, json, ndjson, csv)\n" {
		t.Errorf("bad extension: %q, %v", got, err)
	}
	if _, err := run(t, sh, out, "telemetry push "+src); err == nil || err.Error() != "telemetry push requires --device <id>" {
		t.Errorf("missing device: %v", err)
	}
	if _, err := run(t, sh, out, "telemetry push "+src+" --device a/b"); err == nil || err.Error() != "telemetry device id must not contain '/'" {
		t.Errorf("slash device: %v", err)
	}
}

func TestShellSelftest(t *testing.T) {
	sh, out := newMockShell(t)
	rep := sh.RunSelftest(TestOptions{Mode: "quick", Timeout: time.Minute})
	if rep.OK || len(rep.Checks) != 1 || rep.Checks[0].Name != "preflight/attach" || rep.Checks[0].Detail != "ERR not attached" {
		t.Errorf("detached selftest: %+v", rep)
	}
	run(t, sh, out, "attach queen")
	for _, o := range []TestOptions{
		{Mode: "full", Timeout: time.Minute},
		{Mode: "quick", Timeout: time.Minute, JSON: true},
		{Mode: "full", Timeout: time.Minute, NoMutate: true},
	} {
		out.Reset()
		rep := sh.RunSelftest(o)
		if !rep.OK {
			t.Errorf("selftest %+v failed:\n%s", o, out.String())
		}
		if _, ok := sh.Session(); !ok {
			t.Errorf("interactive selftest must re-attach")
		}
		if o.JSON && !strings.HasPrefix(out.String(), `{"ok":true,"mode":"quick",`) {
			t.Errorf("JSON output %q", out.String())
		}
		if o.NoMutate && !strings.Contains(out.String(), "PASS - line 18: spawn heartbeat ticks=2 ttl_s=30 (skipped --no-mutate)") {
			t.Errorf("--no-mutate did not skip spawn:\n%s", out.String())
		}
		if !o.JSON && o.Mode == "full" && !o.NoMutate && !strings.Contains(out.String(), "PASS - line 25: quit (OK)") {
			t.Errorf("full output:\n%s", out.String())
		}
	}
	// A worker session fails the queen-only steps deterministically.
	tk, _ := Mint(vfs.RoleWorkerHeartbeat, "worker-1", "worker", uint64(time.Now().UnixMilli()))
	run(t, sh, out, "detach")
	if _, err := run(t, sh, out, "attach worker "+tk); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if rep := sh.RunSelftest(TestOptions{Mode: "full", Timeout: time.Minute}); rep.OK {
		t.Errorf("full selftest as a worker passed:\n%s", out.String())
	} else if !strings.Contains(out.String(), "first failure: ") {
		t.Errorf("no first failure line:\n%s", out.String())
	}
}

func TestRunScript(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		wantErr string // substring of the error report; "" for success
	}{
		{"ok", "attach queen\nEXPECT OK\nEXPECT SUBSTR role=queen\nping\nEXPECT SUBSTR reply=pong\ncat /proc/boot\nEXPECT SUBSTR data=\nquit\nping\nEXPECT ERR\n", ""},
		{"deferred server error", "attach queen\necho x > /proc/boot\nEXPECT ERR\nEXPECT SUBSTR ERR ECHO\n", ""},
		// A local check leaves no checked line, so --script aborts even
		// before an EXPECT ERR, as the reference does (only `test` records
		// local errors as "ERR <e>").
		{"local error aborts", "attach queen\ncat /proc/a/b/c/d/e/f/g/h/i\nEXPECT ERR\n", "reason: command failed: path exceeds maximum depth of 8 components\nlast command: cat /proc/a/b/c/d/e/f/g/h/i\nlast response: <none>\nlast response source: none\nrecent responses: <none>"},
		{"local error is output", "cat /proc/boot\nEXPECT ERR\n", "script failure at line 1: cat /proc/boot\nreason: command failed: attach to a session before running cat\nlast command: cat /proc/boot\nlast response: <none>"},
		{"failed expect", "attach queen\n\nEXPECT ERR\n", "script failure at line 3: EXPECT ERR\nreason: EXPECT ERR failed\nlast command: attach queen\nlast response: OK ATTACH role=queen\nlast response source: ack\nrecent responses:\n  - [ack] OK AUTH\n  - [ack] OK ATTACH role=queen\n  - [out] attached session SessionId(2) as Queen"},
		{"error without expect", "attach queen\necho x > /proc/boot\nping\n", "script failure at line 2: echo x > /proc/boot\nreason: command failed: echo failed: ERR ECHO"},
		{"expect first", "EXPECT OK\n", "script failure at line 1: EXPECT OK\nreason: EXPECT requires a prior command response\n"},
		{"wait too long", "attach queen\nWAIT 3000\n", "reason: WAIT exceeds max of 2000ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sh, _ := newMockShell(t)
			err := sh.RunScript(strings.NewReader(tc.src))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("script failed: %v", err)
				}
				return
			}
			var se *ScriptError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err =\n%v\nwant it to contain\n%s", err, tc.wantErr)
			}
		})
	}
}

func TestSelftestTimeoutAndLocalErrors(t *testing.T) {
	sh, out := newMockShell(t)
	run(t, sh, out, "attach queen")
	// The clock jumps 20 s per reading: the global timeout trips after the
	// preflight, before the first script.
	now := time.Now()
	sh.Now = func() time.Time { now = now.Add(20 * time.Second); return now }
	out.Reset()
	rep := sh.RunSelftest(TestOptions{Mode: "quick", Timeout: 30 * time.Second})
	last := rep.Checks[len(rep.Checks)-1]
	if rep.OK || last.Name != "timeout" || last.Detail != "ERR timeout exceeded" {
		t.Errorf("timeout report: %+v", rep)
	}
	sh.Now = nil

	tests := []struct {
		line, outs string
	}{
		{"frob", "ERR LOCAL reason=unknown command 'frob'"},
		{"attach queen", "ERR LOCAL reason=unknown command 'attach'"},
		{"cat /a/../b", ""}, // local check: recorded by the runner as "ERR <e>"
		{"kill", ""},
		{"echo {{msize_overflow}} > /queen/ctl", ""}, // acks only
	}
	for _, tc := range tests {
		ex := sh.testCommand(tc.line)
		if ex.err == nil || strings.Join(ex.outs, "|") != tc.outs {
			t.Errorf("%q: err %v outs %q, want %q", tc.line, ex.err, ex.outs, tc.outs)
		}
	}
	if ex := sh.testCommand("echo {{msize_overflow}} > /queen/ctl"); len(ex.acks) != 1 || ex.acks[0] != "ERR FRAME reason=invalid-length" {
		t.Errorf("oversize acks %q", ex.acks)
	}
}
