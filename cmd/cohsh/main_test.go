package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cohesix/cohesix/cmd/internal/cohclient"
	"github.com/cohesix/cohesix/coh-rtc/clientpolicy"
	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/cohesix/cohesix/services/console/wire"
	"github.com/cohesix/cohesix/services/manifest"
	"github.com/cohesix/cohesix/services/ticket"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cohsh-test")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "cohsh")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	if out, err := exec.Command(gobin, "build", "-o", binary, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

func cohsh(t *testing.T, stdin string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir(), "HOME="+t.TempDir())
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{o.String(), e.String(), code}
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHelpAndUsage(t *testing.T) {
	r := cohsh(t, "", nil, "--help")
	for _, f := range []string{"--transport", "--tcp-host", "--tcp-port", "--auth-token", "--role", "--ticket", "--script", "--check",
		"--mint-ticket", "--ticket-subject", "--ticket-config", "--ticket-secret", "--retry-max-attempts", "--retry-backoff-ms",
		"--retry-ceiling-ms", "--retry-timeout-ms", "--heartbeat-interval-ms"} {
		if !strings.Contains(r.stdout, f+" ") {
			t.Errorf("--help lacks %s", f)
		}
	}
	if r.code != 0 {
		t.Errorf("--help exit %d", r.code)
	}
	for _, args := range [][]string{
		{"--mint-ticket", "--role", "queen", "--ticket", "x"},
		{"--mint-ticket"},
		{"--ticket-secret", "x"},
		{"--script", "a", "--check", "b"},
		{"--transport", "serial"},
		{"--role", "king"},
		{"--no-such-flag"},
	} {
		if r := cohsh(t, "", nil, args...); r.code != 2 || !strings.HasPrefix(r.stderr, "error: ") {
			t.Errorf("%v: exit %d stderr %q", args, r.code, r.stderr)
		}
	}
}

func TestMintTicket(t *testing.T) {
	r := cohsh(t, "", nil, "--mint-ticket", "--role", "queen", "--ticket-secret", "bootstrap")
	if r.code != 0 {
		t.Fatalf("mint: %d %s", r.code, r.stderr)
	}
	tk := strings.TrimSpace(r.stdout)
	c, err := ticket.Verify(tk, "bootstrap")
	if err != nil || c.Role != vfs.RoleQueen || c.HasTTL || c.HasSubject || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("queen ticket %q: %+v %v", r.stdout, c, err)
	}
	cfg := writeFile(t, "root_task.toml", "[[tickets]]\nrole = \"worker-heartbeat\"\nsecret = \"from-config\"\n")
	r = cohsh(t, "", nil, "--mint-ticket", "--role", "worker-heartbeat", "--ticket-subject", " worker-7 ", "--ticket-config", cfg)
	c, err = ticket.Verify(strings.TrimSpace(r.stdout), "from-config")
	if err != nil || c.Subject != "worker-7" || c.Ticks != 1000 || c.Ops != 10000 || c.TTL != 300 {
		t.Errorf("worker ticket %q: %+v %v (%s)", r.stdout, c, err, r.stderr)
	}
	r = cohsh(t, "", []string{"COHSH_TICKET_SECRET= env-secret "}, "--mint-ticket", "--role", "worker-gpu", "--ticket-subject", "g")
	if c, err = ticket.Verify(strings.TrimSpace(r.stdout), "env-secret"); err != nil || c.Ops != 64 || c.TTL != 120 {
		t.Errorf("env secret ticket: %+v %v (%s)", c, err, r.stderr)
	}
	r = cohsh(t, "", nil, "--mint-ticket", "--role", "worker-bus", "--ticket-secret", "s")
	if r.code != 1 || r.stderr != "Error: worker roles require a subject identity\n" {
		t.Errorf("worker without subject: %d %q", r.code, r.stderr)
	}
	r = cohsh(t, "", nil, "--mint-ticket", "--role", "queen")
	if r.code != 1 || !strings.Contains(r.stderr, "failed to read ticket config configs/root_task.toml") {
		t.Errorf("missing config: %d %q", r.code, r.stderr)
	}
}

func TestCheck(t *testing.T) {
	good := writeFile(t, "good.coh", "# c\nattach queen\nEXPECT OK\nWAIT 10\nquit\n")
	if r := cohsh(t, "", nil, "--check", good); r.code != 0 || r.stdout != "check ok: "+good+"\n" {
		t.Errorf("check good: %d %q %q", r.code, r.stdout, r.stderr)
	}
	bad := writeFile(t, "bad.coh", "# c\n\nEXPECT OK\n")
	r := cohsh(t, "", nil, "--check", bad)
	want := "Error: script failure at line 3: EXPECT OK\nreason: EXPECT requires a prior command response\nlast command: <none>\nlast response: <none>\nlast response source: none\nrecent responses: <none>\n"
	if r.code != 1 || r.stderr != want || r.stdout != "" {
		t.Errorf("check bad: %d\nstdout %q\nstderr %q\nwant   %q", r.code, r.stdout, r.stderr, want)
	}
}

// Every regression script and the server-hosted self-tests pass against
// the in-process services; each run is a fresh hive.
func TestRegressionScriptsOnMock(t *testing.T) {
	scripts, _ := filepath.Glob("../../scripts/cohsh/*.coh")
	if len(scripts) < 10 {
		t.Fatalf("found %d scripts", len(scripts))
	}
	for _, s := range scripts {
		t.Run(filepath.Base(s), func(t *testing.T) {
			t.Parallel()
			abs, _ := filepath.Abs(s)
			r := cohsh(t, "", nil, "--transport", "mock", "--script", abs)
			if r.code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			if !strings.HasPrefix(r.stdout, "Welcome to Cohesix. Type 'help' for commands.\n") {
				t.Errorf("no banner:\n%s", r.stdout)
			}
		})
	}
}

func TestScriptFailureReport(t *testing.T) {
	s := writeFile(t, "f.coh", "attach queen\nEXPECT OK\ncat /proc/boot\nEXPECT ERR\nping\n")
	r := cohsh(t, "", nil, "--transport", "mock", "--script", s)
	want := "Error: script failure at line 4: EXPECT ERR\nreason: EXPECT ERR failed\nlast command: cat /proc/boot\nlast response: OK CAT path=/proc/boot data="
	if r.code != 1 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "last response source: ack\nrecent responses:\n  - [out] ") ||
		strings.Count(r.stderr, "\n  - [") != 8 {
		t.Errorf("exit %d stderr:\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stdout, "ping: pong") {
		t.Error("script went on after a failed EXPECT")
	}
	// --role attaches before line 1.
	s = writeFile(t, "r.coh", "ping\nEXPECT SUBSTR reply=pong\nlog\nEXPECT OK\n")
	if r := cohsh(t, "", nil, "--transport", "mock", "--role", "queen", "--script", s); r.code != 0 || !strings.Contains(r.stdout, "attached session SessionId(2) as Queen\n") {
		t.Errorf("--role script: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestLineREPL(t *testing.T) {
	in := "help\nattach queen\nls /proc/tests\ntest\ntest --mode full --json\nbogus\nquit\nping\n"
	r := cohsh(t, in, nil, "--transport", "mock")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"Welcome to Cohesix. Type 'help' for commands.\ndetached shell: run 'attach <role>' to connect\ncoh> Cohesix command surface:\n",
		"coh> [console] OK AUTH\n[console] OK ATTACH role=queen\nattached session SessionId(2) as Queen\ncoh> ",
		"[console] OK LS path=/proc/tests entries=3\nselftest_quick.coh\nselftest_full.coh\nselftest_negative.coh\n",
		"selftest PASS mode=quick elapsed_ms=",
		"PASS - line 10: quit (OK)\n[console] OK QUIT\n[console] OK AUTH\n[console] OK ATTACH role=queen\nattached session SessionId(3) as Queen\n",
		`{"ok":true,"mode":"full","elapsed_ms":`,
		`"version":"1"}` + "\n",
		"coh> Error: unknown command 'bogus'\ncoh> ",
		"closing session\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "ping: not attached") {
		t.Error("REPL read past quit")
	}
	// EOF ends the shell cleanly.
	if r := cohsh(t, "attach queen\n", nil, "--transport", "mock", "--role", "queen"); r.code != 0 ||
		!strings.Contains(r.stdout, "Error: already attached; run 'quit' to close the current session\ncoh> \n") {
		t.Errorf("EOF: %d\n%s", r.code, r.stdout)
	}
}

func TestTelemetryPushOnMock(t *testing.T) {
	src := writeFile(t, "metrics.csv", "ts,temp\n1,40\n2,41\n3,42\n")
	in := "attach queen\ntelemetry push " + src + " --device dev-1\ncat /queen/telemetry/dev-1/latest\nquit\n"
	r := cohsh(t, in, nil, "--transport", "mock")
	if !strings.Contains(r.stdout, "[console] OK TELEMETRY action=push device=dev-1 seg_id=seg-000001 records=") {
		t.Errorf("push:\n%s\n%s", r.stdout, r.stderr)
	}
}

func TestConsoleLockAndEnv(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	l, err := cohclient.AcquireConsoleLock("127.0.0.1", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	s := writeFile(t, "a.coh", "attach queen\n")
	r := cohsh(t, "", []string{"TMPDIR=" + tmp, "COHSH_TCP_PORT=1"}, "--script", s)
	if r.code != 1 || !strings.Contains(r.stderr, "reason: command failed: console busy: lock held at "+filepath.Join(tmp, "cohesix-console-127.0.0.1-1.lock")+" (owner pid=") {
		t.Errorf("locked console: %d %q", r.code, r.stderr)
	}
	// With the lock disabled the client goes on to connect (and fails: nothing listens on port 1).
	r = cohsh(t, "", []string{"TMPDIR=" + tmp, "COHSH_CONSOLE_LOCK=off", "COHSH_RETRY_MAX_ATTEMPTS=0"}, "--tcp-port", "1", "--script", s)
	if r.code != 1 || !strings.Contains(r.stderr, "failed to connect to Cohesix TCP console at 127.0.0.1:1") {
		t.Errorf("unlocked: %d %q", r.code, r.stderr)
	}
	r = cohsh(t, "", []string{"COHSH_RETRY_TIMEOUT_MS=abc"}, "--script", s)
	if r.code != 1 || !strings.Contains(r.stderr, "invalid COHSH_RETRY_TIMEOUT_MS value 'abc'") {
		t.Errorf("bad env: %d %q", r.code, r.stderr)
	}
}

// serveConsole answers AUTH, ATTACH, PING and quit like a healthy console.
func serveConsole(t *testing.T) int {
	port, _ := serveConsoleCounting(t)
	return port
}

// serveConsoleCounting is serveConsole that also counts the PINGs received.
func serveConsoleCounting(t *testing.T) (int, *atomic.Int64) {
	pings := new(atomic.Int64)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				var buf []byte
				tmp := make([]byte, 1024)
				for {
					n, err := c.Read(tmp)
					if err != nil {
						return
					}
					buf = append(buf, tmp[:n]...)
					for {
						p, used, _, ok, ferr := wire.Next(buf)
						if ferr != nil || !ok {
							break
						}
						line := string(p)
						buf = buf[used:]
						var reply string
						switch {
						case strings.HasPrefix(line, "AUTH "):
							reply = "OK AUTH"
						case strings.HasPrefix(line, "ATTACH "):
							reply = "OK ATTACH role=queen"
						case line == "PING":
							pings.Add(1)
							c.Write(wire.Frame("OK PING reply=pong"))
							reply = "PONG"
						case strings.HasPrefix(line, "TAIL "):
							c.Write(wire.Frame("OK TAIL path=" + line[len("TAIL "):]))
							reply = "END"
						case line == "quit":
							reply = "OK QUIT"
						default:
							reply = "ERR PARSE reason=policy detail=unsupported console command"
						}
						c.Write(wire.Frame(reply))
					}
				}
			}(c)
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, pings
}

// The lock is held for the whole session, even across garbage collections.
func TestConsoleLockHeldWhileAttached(t *testing.T) {
	port := serveConsole(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	cmd := exec.Command(binary, "--tcp-port", strconv.Itoa(port), "--role", "queen")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "HOME="+tmp, "GOGC=1")
	stdin, _ := cmd.StdinPipe()
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "attached session") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	io.WriteString(stdin, "ping\nping\n")
	time.Sleep(300 * time.Millisecond)
	if _, err := cohclient.AcquireConsoleLock("127.0.0.1", port); !errors.Is(err, cohclient.ErrConsoleBusy) {
		t.Errorf("lock not held by the running shell: %v\n%s", err, out.String())
	}
	io.WriteString(stdin, "quit\n")
	stdin.Close()
	cmd.Wait()
	// --role on TCP attaches, then runs log (§2.7).
	if o := out.String(); !strings.Contains(o, "attached session SessionId(2) as Queen\n[console] OK TAIL path=/log/queen.log\ncoh> ") {
		t.Errorf("auto-log missing:\n%s", o)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestPolicyFile(t *testing.T) {
	shipped, err := os.ReadFile("../../configs/cohsh_policy.toml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// write stores a policy with a correct .sha256, as coh-rtc would.
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		sum := sha256.Sum256([]byte(body))
		os.WriteFile(p+".sha256", []byte(hex.EncodeToString(sum[:])+"  "+name+"\n"), 0o644)
		return p
	}
	s := writeFile(t, "a.coh", "attach queen\n")

	// Applied: no retries, so one refused connect and no reconnect attempts.
	noRetry := write("noretry.toml", strings.Replace(string(shipped), "max_attempts = 3", "max_attempts = 0", 1))
	r := cohsh(t, "", []string{"COHSH_CONSOLE_LOCK=0"}, "--policy", noRetry, "--tcp-port", "1", "--script", s)
	if r.code != 1 || strings.Contains(r.stderr, "reconnect attempt") {
		t.Errorf("policy not applied: %d %q", r.code, r.stderr)
	}
	// Refused: bytes that differ from the .sha256.
	tampered := write("tampered.toml", string(shipped))
	os.WriteFile(tampered, append(shipped, "# edited\n"...), 0o644)
	if r := cohsh(t, "", nil, "--policy", tampered, "--script", s); r.code != 1 || !strings.Contains(r.stderr, "failed to load cohsh policy") {
		t.Errorf("tampered policy accepted: %d %q", r.code, r.stderr)
	}
	// Refused: a policy generated from another manifest.
	other := write("other.toml", strings.Replace(string(shipped), manifest.Fingerprint, strings.Repeat("0", 64), 1))
	if r := cohsh(t, "", nil, "--policy", other, "--script", s); r.code != 1 || !strings.Contains(r.stderr, "failed to load cohsh policy") {
		t.Errorf("policy of another manifest accepted: %d %q", r.code, r.stderr)
	}
	// Refused: an explicit policy that does not exist.
	if r := cohsh(t, "", nil, "--policy", filepath.Join(dir, "none.toml"), "--script", s); r.code != 1 || !strings.Contains(r.stderr, "failed to load cohsh policy") {
		t.Errorf("missing explicit policy: %d %q", r.code, r.stderr)
	}
	// The shipped policy loads for the manifest this cohsh was built with.
	if _, err := clientpolicy.LoadFor("../../configs/cohsh_policy.toml", manifest.Fingerprint); err != nil {
		t.Errorf("shipped policy: %v", err)
	}
}

// Golden transcripts: testdata/*.golden are the reference cohsh's stdout for
// testdata/*.in, recorded against the Go rootserver. Our cohsh on the
// in-process services must print the same bytes (elapsed times aside).
func TestGoldenTranscripts(t *testing.T) {
	elapsed := regexp.MustCompile(`elapsed_ms(=|":)[0-9]+`)
	dir, _ := filepath.Abs("testdata")
	for _, name := range []string{"session", "errors"} {
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata", name+".in"))
			if err != nil {
				t.Fatal(err)
			}
			golden, err := os.ReadFile(filepath.Join("testdata", name+".golden"))
			if err != nil {
				t.Fatal(err)
			}
			r := cohsh(t, strings.ReplaceAll(string(in), "TESTDATA", dir), nil, "--transport", "mock")
			got := elapsed.ReplaceAllString(r.stdout, "elapsed_ms${1}N")
			want := strings.ReplaceAll(string(golden), "TESTDATA", dir)
			if got != want {
				gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
				for i := range min(len(gl), len(wl)) {
					if gl[i] != wl[i] {
						t.Fatalf("line %d differs:\n got %q\nwant %q", i+1, gl[i], wl[i])
					}
				}
				t.Fatalf("lengths differ: %d vs %d lines", len(gl), len(wl))
			}
		})
	}
}

// An idle attached REPL sends a keepalive PING every heartbeat interval;
// a detached one sends none.
func TestREPLKeepalive(t *testing.T) {
	for _, attach := range []bool{true, false} {
		port, pings := serveConsoleCounting(t)
		args := []string{"--tcp-port", strconv.Itoa(port), "--heartbeat-interval-ms", "100"}
		if attach {
			args = append(args, "--role", "queen")
		}
		cmd := exec.Command(binary, args...)
		cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir(), "HOME="+t.TempDir())
		stdin, _ := cmd.StdinPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2500 * time.Millisecond)
		stdin.Close()
		cmd.Wait()
		n := pings.Load()
		if attach && (n < 1 || n > 4) || !attach && n != 0 {
			t.Errorf("attached=%v: %d keepalive PINGs in 2.5 s at a 100 ms heartbeat (checked each second)", attach, n)
		}
	}
}
