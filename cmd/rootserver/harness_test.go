package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/cohesix/cohesix/services/console/wire"
	"github.com/cohesix/cohesix/services/ticket"
)

// The integration tests drive the real binaries over real sockets: a hosted
// rootserver process, and cohsh processes or raw framing clients against it.

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// binaries builds rootserver and cohsh once per test run.
func binaries(t testing.TB) (rootserver, cohsh string) {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "cohesix-bin-")
		if buildErr != nil {
			return
		}
		for _, pkg := range []string{"./cmd/rootserver", "./cmd/cohsh"} {
			cmd := exec.Command("go", "build", "-o", binDir, pkg)
			cmd.Dir = repoRoot()
			if out, err := cmd.CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, "rootserver"), filepath.Join(binDir, "cohsh")
}

func repoRoot() string {
	wd, _ := os.Getwd()
	return filepath.Clean(filepath.Join(wd, "..", ".."))
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// server is a running hosted rootserver.
type server struct {
	console string // console address
	ninep   string // 9P address, when started with it
	cmd     *exec.Cmd
	stderr  *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServer starts a fresh rootserver on free loopback ports and waits
// until it reports its addresses.
func startServer(t testing.TB, with9P bool, extra ...string) *server {
	t.Helper()
	bin, _ := binaries(t)
	args := []string{"-listen", "127.0.0.1:0", "-serial=false"}
	if with9P {
		args = append(args, "-9p", "127.0.0.1:0")
	}
	args = append(args, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Dir = repoRoot()
	pr, pw := io.Pipe()
	s := &server{cmd: cmd, stderr: &lockedBuffer{}}
	cmd.Stderr = io.MultiWriter(s.stderr, pw) // buffer first: a reader of pw may look at it
	cmd.Stdout = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		pw.Close()
		if t.Failed() {
			t.Logf("rootserver output:\n%s", s.stderr.String())
		}
	})
	found := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			if a, ok := strings.CutPrefix(line, "rootserver: NineDoor 9P2000.L on "); ok {
				s.ninep = a
			}
			if a, ok := strings.CutPrefix(line, "rootserver: console on "); ok {
				s.console = a
				close(found)
				break
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case <-found:
	case <-time.After(20 * time.Second):
		t.Fatalf("rootserver did not report its console address; output:\n%s", s.stderr.String())
	}
	return s
}

func (s *server) port() string {
	_, p, _ := net.SplitHostPort(s.console)
	return p
}

// cohshResult is one finished cohsh run.
type cohshResult struct {
	stdout, stderr string
	exit           int
}

// runCohsh runs our cohsh against s with args, stdin as given.
func runCohsh(t testing.TB, s *server, stdin string, args ...string) cohshResult {
	t.Helper()
	_, bin := binaries(t)
	full := append([]string{"--transport", "tcp", "--tcp-host", "127.0.0.1", "--tcp-port", s.port()}, args...)
	cmd := exec.Command(bin, full...)
	cmd.Dir = repoRoot()
	cmd.Stdin = strings.NewReader(stdin)
	// Each test server is its own console: keep the cross-process console
	// lock per port but out of the user's tmpdir.
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(90 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("cohsh %v timed out; stdout:\n%s\nstderr:\n%s", args, out.String(), errb.String())
	}
	return cohshResult{stdout: out.String(), stderr: errb.String(), exit: cmd.ProcessState.ExitCode()}
}

// rawConsole is a framing-level client for tests that must send what cohsh
// refuses to send.
type rawConsole struct {
	t    testing.TB
	conn net.Conn
	buf  []byte
}

func dialConsole(t testing.TB, s *server) *rawConsole {
	t.Helper()
	c, err := net.Dial("tcp", s.console)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConsole{t: t, conn: c}
}

func (r *rawConsole) send(line string) {
	r.t.Helper()
	if _, err := r.conn.Write(wire.Frame(line)); err != nil {
		r.t.Fatalf("send %q: %v", line, err)
	}
}

func (r *rawConsole) sendRaw(b []byte) {
	r.t.Helper()
	if _, err := r.conn.Write(b); err != nil {
		r.t.Fatalf("send raw: %v", err)
	}
}

// recv returns the next line, or io.EOF when the server closed.
func (r *rawConsole) recv() (string, error) {
	r.t.Helper()
	r.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	tmp := make([]byte, 4096)
	for {
		payload, n, _, ok, err := wire.Next(r.buf)
		if err != nil {
			r.t.Fatalf("bad frame from server: %v", err)
		}
		if ok {
			line := wire.TrimLine(payload)
			r.buf = r.buf[n:]
			return line, nil
		}
		m, err := r.conn.Read(tmp)
		r.buf = append(r.buf, tmp[:m]...)
		if err != nil {
			if m > 0 {
				continue
			}
			return "", err
		}
	}
}

func (r *rawConsole) expect(want string) {
	r.t.Helper()
	got, err := r.recv()
	if err != nil {
		r.t.Fatalf("waiting for %q: %v", want, err)
	}
	if got != want {
		r.t.Fatalf("got %q; want %q", got, want)
	}
}

// until reads lines until one equals want, returning those before it.
func (r *rawConsole) until(want string) []string {
	r.t.Helper()
	var lines []string
	for {
		got, err := r.recv()
		if err != nil {
			r.t.Fatalf("waiting for %q after %q: %v", want, lines, err)
		}
		if got == want {
			return lines
		}
		lines = append(lines, got)
	}
}

func (r *rawConsole) expectEOF() {
	r.t.Helper()
	got, err := r.recv()
	if err == nil {
		r.t.Fatalf("got %q; want the server to close", got)
	}
}

// mintWorkerTicket mints a worker-heartbeat ticket with the shipped secret,
// as cohsh --mint-ticket does.
func mintWorkerTicket(t *testing.T) string {
	t.Helper()
	tk, err := ticket.Mint(ticket.Claims{
		Role:       vfs.RoleWorkerHeartbeat,
		HasTicks:   true,
		Ticks:      1000,
		HasOps:     true,
		Ops:        10000,
		HasTTL:     true,
		TTL:        300,
		HasSubject: true,
		Subject:    "worker-1",
		IssuedAtMs: uint64(time.Now().UnixMilli()),
	}, "worker")
	if err != nil {
		t.Fatal(err)
	}
	return tk
}
