package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Ticket test vectors of the console protocol (§3.2), accepted by the
// reference server with the shipped manifest's secrets.
const (
	queenTTL0Ticket    = "cohesix-ticket-0100040000000000000000000000000000000000000000.e9b8bc4e26e2f06725347bdd8983fb3efc170658fc6af53cabb746bef58deddb"
	queenNoBudget      = "cohesix-ticket-0100000068e5cf8b01000000000000.f653b7d5f0da7e444cbba662bdb2a4ce6e675f20f9b26541be48e246c43ad1a1"
	workerTicketBadMAC = "cohesix-ticket-01010fe80300000000000010270000000000002c010000000000000800776f726b65722d310068e5cf8b01000000000000.0000e615612664333a0639b469b5b820de88df0824e2a0a6a3ebf9a51a582e16"
)

func authed(t *testing.T, s *server) *rawConsole {
	t.Helper()
	c := dialConsole(t, s)
	c.send("AUTH changeme")
	c.expect("OK AUTH")
	return c
}

func attachedQueen(t *testing.T, s *server) *rawConsole {
	t.Helper()
	c := authed(t, s)
	c.send("ATTACH queen ")
	c.expect("OK ATTACH role=queen")
	return c
}

func TestConsoleBootAndCat(t *testing.T) {
	s := startServer(t, false)
	c := attachedQueen(t, s)
	c.send("CAT /proc/boot")
	ack, err := c.recv()
	if err != nil || !strings.HasPrefix(ack, "OK CAT path=/proc/boot data=") {
		t.Fatalf("CAT ack %q, %v", ack, err)
	}
	lines := c.until("END")
	if len(lines) == 0 || lines[0] != "Cohesix boot: root-task online" {
		t.Fatalf("/proc/boot lines %q", lines)
	}
	var sawSHA bool
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, "manifest.sha256="); ok && len(v) == 64 {
			sawSHA = true
		}
	}
	if !sawSHA {
		t.Errorf("/proc/boot has no 64-hex manifest.sha256 line: %q", lines)
	}
	c.send("TAIL /log/queen.log")
	c.expect("OK TAIL path=/log/queen.log")
	log := c.until("END")
	if !contains(log, "lifecycle transition old=BOOTING new=ONLINE reason=boot-complete") {
		t.Errorf("queen log lacks the boot-complete transition: %q", log)
	}
	c.send("quit")
	c.expect("OK QUIT")
	c.expectEOF()
}

func contains(lines []string, want string) bool {
	for _, l := range lines {
		if strings.Contains(l, want) {
			return true
		}
	}
	return false
}

func TestConsoleAuthFailures(t *testing.T) {
	s := startServer(t, false)
	for _, tc := range []struct{ send, want string }{
		// §1.6 checks the length first: "AUTH " plus a token as long as
		// the configured one (changeme, 8 bytes).
		{"AUTH wrong", "ERR AUTH reason=invalid-length"},
		{"AUTH wrongpwd", "ERR AUTH reason=invalid-token"},
		{"HELLO changeme", "ERR AUTH reason=invalid-length"},
		{"XUTH changeme", "ERR AUTH reason=expected-token"},
	} {
		c := dialConsole(t, s)
		c.send(tc.send)
		c.expect(tc.want)
		c.expectEOF()
	}
}

func TestConsoleSingleClient(t *testing.T) {
	s := startServer(t, false)
	first := authed(t, s)
	second := dialConsole(t, s)
	second.send("AUTH changeme")
	second.expectEOF()
	first.send("PING")
	first.expect("OK PING reply=pong")
	first.expect("PONG")
}

func TestConsolePipelinedPingsAreAllAnswered(t *testing.T) {
	s := startServer(t, false)
	c := authed(t, s)
	var batch []byte
	for i := 0; i < 10; i++ {
		batch = append(batch, frame("PING")...)
	}
	c.sendRaw(batch)
	for i := 0; i < 10; i++ {
		c.expect("OK PING reply=pong")
		c.expect("PONG")
	}
}

func frame(s string) []byte {
	b := []byte{0, 0, 0, 0}
	n := len(s) + 4
	b[0], b[1] = byte(n), byte(n>>8)
	return append(b, s...)
}

func TestConsoleOversizeLines(t *testing.T) {
	s := startServer(t, false)
	c := attachedQueen(t, s)
	// Payload 256: the line is accepted as a frame, but the ECHO payload is
	// over its 128-byte argument limit.
	c.send("ECHO /log/queen.log " + strings.Repeat("a", 236))
	c.expect("ERR PARSE reason=policy detail=argument payload exceeds allowed length")
	// Payload 257: over the 256-byte line limit, refused at the frame.
	c.send("ECHO /log/queen.log " + strings.Repeat("a", 237))
	c.expect("ERR FRAME reason=invalid-length")
	// A declared length over 8192 is refused and its bytes skipped.
	big := frame(strings.Repeat("b", 9000))
	big[0], big[1], big[2] = byte(len(big)), byte(len(big)>>8), byte(len(big)>>16)
	c.sendRaw(big)
	c.expect("ERR FRAME reason=invalid-length")
	// The session survives all three.
	c.send("PING")
	c.expect("OK PING reply=pong")
}

func TestConsoleBadTicketsAndThrottle(t *testing.T) {
	s := startServer(t, false)
	c := authed(t, s)
	c.send("ATTACH worker-heartbeat " + workerTicketBadMAC)
	c.expect("ERR ATTACH reason=policy detail=denied")
	c.send("ATTACH worker-heartbeat " + workerTicketBadMAC)
	got, _ := c.recv()
	if !strings.HasPrefix(got, "ERR ATTACH reason=quota detail=throttled delay_ms=") {
		t.Fatalf("second bad attach got %q; want throttled", got)
	}
	// Wait out the throttle (250 ms after one failure, 500 ms after two):
	// the third failure inside the 60 s window starts the 90 s cooldown.
	time.Sleep(300 * time.Millisecond)
	c.send("ATTACH worker-heartbeat " + workerTicketBadMAC)
	c.expect("ERR ATTACH reason=policy detail=denied")
	time.Sleep(600 * time.Millisecond)
	c.send("ATTACH worker-heartbeat " + workerTicketBadMAC)
	c.expect("ERR ATTACH reason=quota detail=rate-limited delay_ms=90000")
	// A valid credential during the cooldown still succeeds.
	c.send("ATTACH queen " + queenNoBudget)
	c.expect("OK ATTACH role=queen")
}

func TestConsoleExpiredTicket(t *testing.T) {
	s := startServer(t, false)
	c := authed(t, s)
	c.send("ATTACH queen " + queenTTL0Ticket)
	c.expect("ERR ATTACH reason=quota detail=expired")
}

func TestConsoleRefusesTraversalAndDepth(t *testing.T) {
	s := startServer(t, false)
	c := attachedQueen(t, s)
	for _, cmd := range []string{
		"CAT /proc/../proc/boot",
		"CAT /a/b/c/d/e/f/g/h/i",
		`ECHO /queen/ctl {"bind":{"from":"/proc/../boot","to":"/tmp"}}`,
		"ECHO /proc/boot overwrite",
	} {
		c.send(cmd)
		got, _ := c.recv()
		verb := strings.Fields(cmd)[0]
		if !strings.HasPrefix(got, "ERR "+verb+" ") {
			t.Errorf("%s: got %q; want ERR %s", cmd, got, verb)
		}
	}
	// Nothing above may have changed the namespace.
	c.send("CAT /proc/boot")
	ack, _ := c.recv()
	if !strings.HasPrefix(ack, "OK CAT") {
		t.Fatalf("CAT /proc/boot after the refusals: %q", ack)
	}
}

func TestConsoleWorkerLifecycleAndBudget(t *testing.T) {
	s := startServer(t, false)
	c := attachedQueen(t, s)
	c.send(`ECHO /queen/ctl {"spawn":"heartbeat","ticks":100,"budget":{"ttl_s":1}}`)
	c.expect(`OK ECHO path=/queen/ctl bytes=54`)
	c.send("LS /worker")
	c.expect("OK LS path=/worker entries=1")
	if got := c.until("END"); len(got) != 1 || got[0] != "worker-1" {
		t.Fatalf("LS /worker = %q", got)
	}
	c.send("TAIL /shard/13/worker/worker-1/telemetry")
	c.expect("OK TAIL path=/shard/13/worker/worker-1/telemetry")
	c.until("END")
	// The ttl budget runs out after a second and the worker is revoked
	// without anyone asking.
	time.Sleep(1500 * time.Millisecond)
	c.send("TAIL /worker/worker-1/telemetry")
	got, _ := c.recv()
	if !strings.HasPrefix(got, "ERR TAIL") {
		t.Fatalf("TAIL of a revoked worker: %q", got)
	}
	c.send("LS /worker")
	c.expect("OK LS path=/worker entries=0")
	c.until("END")
}

// TestCohshScripts runs every regression script with our cohsh against a
// fresh hosted rootserver each.
func TestCohshScripts(t *testing.T) {
	scripts, err := filepath.Glob(filepath.Join(repoRoot(), "scripts", "cohsh", "*.coh"))
	if err != nil {
		t.Fatal(err)
	}
	if len(scripts) == 0 {
		t.Fatal("no scripts under scripts/cohsh")
	}
	for _, script := range scripts {
		t.Run(filepath.Base(script), func(t *testing.T) {
			s := startServer(t, false)
			r := runCohsh(t, s, "", "--script", script)
			if r.exit != 0 {
				t.Fatalf("cohsh --script %s exit %d\nstdout:\n%s\nstderr:\n%s", script, r.exit, r.stdout, r.stderr)
			}
		})
	}
}

// TestInSessionSelftest runs the server-hosted /proc/tests scripts through
// cohsh's test command, in both output forms.
func TestInSessionSelftest(t *testing.T) {
	for _, mode := range []string{"quick", "full"} {
		t.Run(mode, func(t *testing.T) {
			s := startServer(t, false)
			r := runCohsh(t, s, "attach queen\ntest --mode "+mode+" --json\nquit\n")
			var report struct {
				OK      bool   `json:"ok"`
				Mode    string `json:"mode"`
				Version string `json:"version"`
				Checks  []struct {
					Name   string `json:"name"`
					OK     bool   `json:"ok"`
					Detail string `json:"detail"`
				} `json:"checks"`
			}
			var found bool
			for _, line := range strings.Split(r.stdout, "\n") {
				// The non-interactive shell still prints its prompt.
				if i := strings.Index(line, `{"ok":`); i >= 0 {
					if err := json.Unmarshal([]byte(line[i:]), &report); err != nil {
						t.Fatalf("bad JSON report %q: %v", line, err)
					}
					found = true
				}
			}
			if !found {
				t.Fatalf("no JSON report in output:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			}
			if !report.OK || report.Mode != mode || report.Version != "1" || len(report.Checks) < 5 {
				t.Fatalf("report %+v\noutput:\n%s", report, r.stdout)
			}
		})
	}
}

func TestMain9PIsOffByDefault(t *testing.T) {
	s := startServer(t, false)
	if s.ninep != "" {
		t.Fatalf("9P listener %s started without -9p", s.ninep)
	}
}

// TestBootLogOrder checks the boot log against the reference order of
// milestone 8b: banner, manifest fingerprint and key fields, mounts, then
// ticket registration, with the fingerprint /proc/boot also serves.
func TestBootLogOrder(t *testing.T) {
	s := startServer(t, false)
	out := s.stderr.String()
	order := []string{
		"[cohesix:root-task] Cohesix boot: root-task online",
		"[cohesix:root-task] manifest.schema=1.5",
		"[cohesix:root-task] manifest.profile=",
		"[cohesix:root-task] manifest.sha256=",
		"[cohesix:root-task] manifest.tickets=5",
		"[cohesix:root-task] manifest.secure9p.msize=8192",
		"[cohesix:root-task] manifest.secure9p.walk_depth=8",
		"[cohesix:root-task] telemetry.ring_bytes_per_worker=1024",
		"[cohesix:root-task] event_pump.fds=serial,timer,ipc,net-console,ninedoor",
		"[cohesix:root-task] [manifest] mount service=logs target=/log",
		"[cohesix:root-task] [manifest] ticket role=queen source=generated",
		"[cohesix:root-task] [manifest] ticket role=worker-lora source=generated",
	}
	at := 0
	for _, want := range order {
		i := strings.Index(out[at:], want)
		if i < 0 {
			t.Fatalf("boot log lacks %q after offset %d:\n%s", want, at, out)
		}
		at += i + len(want)
	}
	c := attachedQueen(t, s)
	c.send("CAT /proc/boot")
	c.recv()
	var sha string
	for _, l := range c.until("END") {
		if v, ok := strings.CutPrefix(l, "manifest.sha256="); ok {
			sha = v
		}
	}
	if sha == "" || !strings.Contains(out, "manifest.sha256="+sha+"\n") {
		t.Fatalf("/proc/boot fingerprint %q differs from the boot log:\n%s", sha, out)
	}
}

// TestConsoleWorkerForbidden checks the role policy over the console: a
// worker may read but not drive the queen.
func TestConsoleWorkerForbidden(t *testing.T) {
	s := startServer(t, false)
	q := attachedQueen(t, s) // a queen attach makes the root reachable
	q.send("quit")
	q.expect("OK QUIT")
	q.expectEOF()

	c := authed(t, s)
	c.send("ATTACH worker " + mintWorkerTicket(t))
	c.expect("OK ATTACH role=worker-heartbeat")
	c.send("CAT /proc/boot")
	if ack, _ := c.recv(); !strings.HasPrefix(ack, "OK CAT path=/proc/boot") {
		t.Fatalf("worker CAT /proc/boot: %q", ack)
	}
	c.until("END")
	for _, cmd := range []string{
		`ECHO /queen/ctl {"spawn":"heartbeat","ticks":1}`,
		`ECHO /queen/ctl {"bind":{"from":"/log","to":"/queen"}}`,
		"ECHO /log/queen.log forged",
		"LOG",
	} {
		c.send(cmd)
		got, _ := c.recv()
		verb := strings.Fields(cmd)[0]
		if !strings.HasPrefix(got, "ERR "+verb+" reason=policy") {
			t.Errorf("worker %s: got %q; want ERR %s reason=policy", cmd, got, verb)
		}
	}
	c.send("quit")
	c.expect("OK QUIT")
	c.expectEOF()
	// The refusals are audited in the queen log.
	q = attachedQueen(t, s)
	q.send("TAIL /log/queen.log")
	q.expect("OK TAIL path=/log/queen.log")
	if log := q.until("END"); !contains(log, "worker-heartbeat") {
		t.Errorf("no audit line for the worker's refusals: %q", log)
	}
}

// TestProcCounters reads the pump's and the 9P server's counters through
// the namespace.
func TestProcCounters(t *testing.T) {
	s := startServer(t, false)
	c := attachedQueen(t, s)
	c.send("CAT /proc/pump")
	if ack, _ := c.recv(); !strings.HasPrefix(ack, "OK CAT path=/proc/pump") {
		t.Fatalf("CAT /proc/pump: %q", ack)
	}
	lines := c.until("END")
	for _, task := range []string{"console", "ninedoor", "9p"} {
		if !contains(lines, "task "+task+" polls=") {
			t.Errorf("/proc/pump has no line for %s: %q", task, lines)
		}
	}
	c.send("CAT /proc/9p/outstanding")
	c.recv()
	if got := c.until("END"); len(got) != 1 || !strings.HasPrefix(got[0], "outstanding current=0 limit=") {
		t.Errorf("/proc/9p/outstanding = %q", got)
	}
}

// TestSerialConsoleOnStdio drives the hosted serial console: newline-ended
// text lines on stdin, replies on stdout, the same grammar as TCP.
func TestSerialConsoleOnStdio(t *testing.T) {
	bin, _ := binaries(t)
	cmd := exec.Command(bin, "-listen", "127.0.0.1:0")
	cmd.Dir = repoRoot()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	io.WriteString(stdin, "attach queen\nping\ncat /proc/boot\n")
	lines := make(chan string, 128)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- strings.TrimRight(sc.Text(), "\r")
		}
		close(lines)
	}()
	want := []string{"OK ATTACH role=queen", "OK PING reply=pong", "PONG", "Cohesix boot: root-task online", "END"}
	deadline := time.After(20 * time.Second)
	for len(want) > 0 {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("stdout closed still waiting for %q", want)
			}
			if l == want[0] {
				want = want[1:]
			}
		case <-deadline:
			t.Fatalf("serial console: still waiting for %q", want)
		}
	}
}
