package cohclient

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/cohesix/cohesix/services/console/wire"
)

// fakeServer is a scripted console on loopback: each connection's lines go
// to handle, which returns the reply lines and whether to hang up after them.
type fakeServer struct {
	t      *testing.T
	ln     net.Listener
	mu     sync.Mutex
	conns  int
	lines  []string // every line received, prefixed with the connection number
	handle func(conn int, line string) (reply []string, hangup bool)
}

func newFakeServer(t *testing.T, handle func(conn int, line string) ([]string, bool)) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{t: t, ln: ln, handle: handle}
	t.Cleanup(func() { ln.Close() })
	go s.serve()
	return s
}

func (s *fakeServer) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns++
		n := s.conns
		s.mu.Unlock()
		go s.conn(n, c)
	}
}

func (s *fakeServer) conn(n int, c net.Conn) {
	defer c.Close()
	var buf []byte
	tmp := make([]byte, 4096)
	for {
		m, err := c.Read(tmp)
		if err != nil {
			return
		}
		buf = append(buf, tmp[:m]...)
		for {
			payload, used, _, ok, ferr := wire.Next(buf)
			if ferr != nil {
				return
			}
			if !ok {
				break
			}
			line := string(payload)
			buf = buf[used:]
			s.mu.Lock()
			s.lines = append(s.lines, fmt.Sprintf("%d:%s", n, line))
			s.mu.Unlock()
			reply, hangup := s.handle(n, line)
			var out []byte
			for _, r := range reply {
				out = wire.AppendFrame(out, r)
			}
			c.Write(out)
			if hangup {
				return
			}
		}
	}
}

func (s *fakeServer) received() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.lines, "\n")
}

// standard answers like a healthy server.
func standard(line string) []string {
	verb, rest, _ := strings.Cut(line, " ")
	switch strings.ToUpper(verb) {
	case "AUTH":
		if rest == "changeme" {
			return []string{"OK AUTH"}
		}
		return []string{"ERR AUTH reason=invalid-token"}
	case "ATTACH":
		role, _, _ := strings.Cut(rest, " ")
		return []string{"OK ATTACH role=" + role}
	case "PING":
		return []string{"OK PING reply=pong", "PONG"}
	case "CAT":
		return []string{"OK CAT path=" + rest + " data=summary", "END"}
	case "ECHO":
		p, payload, _ := strings.Cut(rest, " ")
		return []string{fmt.Sprintf("OK ECHO path=%s bytes=%d", p, len(payload))}
	case "QUIT":
		return []string{"OK QUIT"}
	}
	return []string{"ERR PARSE reason=policy detail=unsupported console command"}
}

func (s *fakeServer) console(t *testing.T) (*Console, *bytes.Buffer) {
	port := s.ln.Addr().(*net.TCPAddr).Port
	con := NewConsole("127.0.0.1", port, "changeme")
	logs := &bytes.Buffer{}
	con.Log = logs
	con.Sleep = func(time.Duration) {}
	con.Policy.Timeout = 200 * time.Millisecond
	t.Cleanup(con.Close)
	return con, logs
}

func TestConsoleHandshakeAndSummary(t *testing.T) {
	srv := newFakeServer(t, func(_ int, l string) ([]string, bool) { return standard(l), false })
	con, logs := srv.console(t)
	locks := 0
	con.Lock = func() error { locks++; return nil }
	id, err := con.Attach(vfs.RoleQueen, "")
	if err != nil || id != 2 {
		t.Fatalf("Attach = %d, %v", id, err)
	}
	if acks := strings.Join(con.DrainAcks(), "|"); acks != "OK AUTH|OK ATTACH role=queen" {
		t.Errorf("acks %q", acks)
	}
	lines, err := con.Stream("CAT", "/log/queen.log")
	if err != nil || strings.Join(lines, "|") != "summary" {
		t.Errorf("CAT without data lines must yield the data= summary: %q, %v", lines, err)
	}
	if r, err := con.Ping(); r != "pong" || err != nil {
		t.Errorf("Ping = %q, %v", r, err)
	}
	if err := con.Quit(); err != nil {
		t.Errorf("Quit: %v", err)
	}
	if _, err := con.Attach(vfs.RoleQueen, ""); err != nil {
		t.Fatalf("re-attach after quit: %v", err)
	}
	want := "1:AUTH changeme\n1:ATTACH queen \n1:CAT /log/queen.log\n1:PING\n1:quit\n2:AUTH changeme\n2:ATTACH queen "
	if got := srv.received(); got != want {
		t.Errorf("wire:\n%s\nwant:\n%s", got, want)
	}
	if locks != 1 {
		t.Errorf("lock taken %d times, want once", locks)
	}
	if !strings.Contains(logs.String(), "[cohsh][tcp] connected to 127.0.0.1:") || !strings.Contains(logs.String(), "remote NineDoor ready as role Queen") {
		t.Errorf("logs: %s", logs)
	}
}

func TestConsoleAuthFailures(t *testing.T) {
	t.Run("rejected is fatal", func(t *testing.T) {
		srv := newFakeServer(t, func(_ int, l string) ([]string, bool) { return standard(l), true })
		con, _ := srv.console(t)
		con.Token = "wrong"
		_, err := con.Attach(vfs.RoleQueen, "")
		if err == nil || err.Error() != "authentication failed: authentication rejected: ERR AUTH reason=invalid-token" {
			t.Fatalf("err = %v", err)
		}
		if srv.conns != 1 {
			t.Errorf("ERR AUTH must not be retried: %d connections", srv.conns)
		}
	})
	t.Run("EOF is retried", func(t *testing.T) {
		srv := newFakeServer(t, func(_ int, l string) ([]string, bool) { return nil, true })
		con, _ := srv.console(t)
		_, err := con.Attach(vfs.RoleQueen, "")
		if err == nil || err.Error() != "authentication failed: connection closed during authentication" {
			t.Fatalf("err = %v", err)
		}
		if srv.conns != con.Policy.MaxAttempts+1 {
			t.Errorf("%d connections, want %d", srv.conns, con.Policy.MaxAttempts+1)
		}
	})
	t.Run("connect refused is retried", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		con := NewConsole("127.0.0.1", port, "changeme")
		logs := &bytes.Buffer{}
		con.Log, con.Sleep = logs, func(time.Duration) {}
		_, err := con.Attach(vfs.RoleQueen, "")
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("failed to connect to Cohesix TCP console at 127.0.0.1:%d", port)) {
			t.Fatalf("err = %v", err)
		}
		if n := strings.Count(logs.String(), "reconnect attempt #"); n != 3 {
			t.Errorf("%d reconnect attempts logged, want 3:\n%s", n, logs)
		}
	})
	t.Run("attach refused", func(t *testing.T) {
		srv := newFakeServer(t, func(_ int, l string) ([]string, bool) {
			if strings.HasPrefix(l, "ATTACH") {
				return []string{"ERR ATTACH reason=policy detail=denied"}, false
			}
			return standard(l), false
		})
		con, _ := srv.console(t)
		_, err := con.Attach(vfs.RoleWorkerHeartbeat, vecWorker)
		if err == nil || err.Error() != "remote attach failed: ERR ATTACH reason=policy detail=denied" {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestConsoleBackoff(t *testing.T) {
	p := DefaultPolicy()
	var got []time.Duration
	for d := p.Backoff; len(got) < 6; d = p.nextDelay(d) {
		got = append(got, d)
	}
	if fmt.Sprint(got) != "[200ms 400ms 800ms 1.6s 2s 2s]" {
		t.Errorf("backoff sequence %v", got)
	}
	if p.streamWait() != 35*time.Second {
		t.Errorf("stream wait %v, want 35s", p.streamWait())
	}
}

// A dropped connection mid-session is recovered: reconnect, AUTH, the
// cached ATTACH (with its ticket), then the pending command again.
func TestConsoleReconnect(t *testing.T) {
	var mu sync.Mutex
	dropped := false
	srv := newFakeServer(t, func(n int, l string) ([]string, bool) {
		mu.Lock()
		defer mu.Unlock()
		if strings.HasPrefix(l, "ECHO") && !dropped {
			dropped = true
			return nil, true // hang up before acking
		}
		return standard(l), false
	})
	con, logs := srv.console(t)
	if _, err := con.Attach(vfs.RoleWorkerHeartbeat, " "+vecWorker); err != nil {
		t.Fatal(err)
	}
	con.DrainAcks()
	if err := con.Echo("/bus/x", "hello\n"); err != nil {
		t.Fatalf("Echo across a drop: %v\n%s", err, logs)
	}
	want := "1:AUTH changeme\n1:ATTACH worker-heartbeat " + vecWorker + "\n1:ECHO /bus/x hello\n2:AUTH changeme\n2:ATTACH worker-heartbeat " + vecWorker + "\n2:ECHO /bus/x hello"
	if got := srv.received(); got != want {
		t.Errorf("wire:\n%s\nwant:\n%s", got, want)
	}
	if acks := strings.Join(con.DrainAcks(), "|"); acks != "OK AUTH|OK ATTACH role=worker-heartbeat|OK ECHO path=/bus/x bytes=5" {
		t.Errorf("acks %q", acks)
	}
}

func TestConsoleStreamIgnoresForeignAcks(t *testing.T) {
	srv := newFakeServer(t, func(_ int, l string) ([]string, bool) {
		if strings.HasPrefix(l, "TAIL") {
			return []string{"OK PING reply=pong", "OK TAIL path=/x", "PONG", "a", "b", "END"}, false
		}
		if strings.HasPrefix(l, "LS") {
			return []string{"ERR FRAME reason=invalid-length"}, false
		}
		return standard(l), false
	})
	con, _ := srv.console(t)
	con.Attach(vfs.RoleQueen, "")
	con.DrainAcks()
	lines, err := con.Stream("TAIL", "/x")
	if err != nil || strings.Join(lines, "|") != "a|b" {
		t.Errorf("TAIL = %q, %v", lines, err)
	}
	if acks := strings.Join(con.DrainAcks(), "|"); acks != "OK TAIL path=/x" {
		t.Errorf("acks %q", acks)
	}
	if _, err := con.Stream("LS", "/x"); err == nil || err.Error() != "console frame rejected: ERR FRAME reason=invalid-length" {
		t.Errorf("LS err = %v", err)
	}
}

func TestShellTelemetryPush(t *testing.T) {
	srv := newFakeServer(t, func(_ int, l string) ([]string, bool) {
		switch {
		case strings.HasPrefix(l, "ECHO /queen/telemetry/dev-1/ctl "):
			return []string{"OK ECHO path=/queen/telemetry/dev-1/ctl bytes=37"}, false
		case l == "CAT /queen/telemetry/dev-1/latest":
			return []string{"OK CAT path=/queen/telemetry/dev-1/latest data=seg-000001", "seg-000001", "END"}, false
		}
		return standard(l), false
	})
	con, _ := srv.console(t)
	out := &bytes.Buffer{}
	sh := NewShell(con, out)
	if err := sh.Attach(vfs.RoleQueen, ""); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "sample.ndjson")
	data := strings.Repeat(`{"metric":"temp","value":42}`+"\n", 8)
	os.WriteFile(src, []byte(data), 0o644)
	out.Reset()
	if _, err := sh.Execute("telemetry push " + src + " --device=dev-1"); err != nil {
		t.Fatal(err)
	}
	recs, _ := TelemetryRecords(data, "application/x-ndjson", 128)
	bytes := 0
	for _, r := range recs {
		bytes += len(r) + 1
	}
	want := fmt.Sprintf("[console] OK TELEMETRY action=push device=dev-1 seg_id=seg-000001 records=%d bytes=%d\n", len(recs), bytes)
	if out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
	wire := srv.received()
	if !strings.Contains(wire, `1:ECHO /queen/telemetry/dev-1/ctl {"new":"segment","mime":"application/x-ndjson"}`) ||
		strings.Count(wire, "1:ECHO /queen/telemetry/dev-1/seg/seg-000001 {\"schema\":\"cohsh-telemetry-push/v1\"") != len(recs) {
		t.Errorf("wire:\n%s", wire)
	}
	for _, l := range strings.Split(wire, "\n") {
		if _, payload, _ := strings.Cut(strings.TrimPrefix(l, "1:ECHO "), " "); strings.HasPrefix(l, "1:ECHO") && len(payload) > 128 {
			t.Errorf("ECHO payload over 128 bytes: %s", l)
		}
	}
}

func TestKeepalive(t *testing.T) {
	srv := newFakeServer(t, func(_ int, l string) ([]string, bool) { return standard(l), false })
	con, _ := srv.console(t)
	con.Policy.Heartbeat = 30 * time.Millisecond
	sh := NewShell(con, &bytes.Buffer{})
	sh.Keepalive() // detached: nothing to keep alive
	if err := sh.Attach(vfs.RoleQueen, ""); err != nil {
		t.Fatal(err)
	}
	sh.Keepalive() // not idle yet
	time.Sleep(40 * time.Millisecond)
	sh.Keepalive()
	sh.Keepalive() // the PING reset the idle clock
	if got := strings.Count(srv.received(), ":PING"); got != 1 {
		t.Errorf("%d keepalive PINGs, want 1:\n%s", got, srv.received())
	}
	if acks := con.DrainAcks(); len(acks) != 0 {
		t.Errorf("keepalive acks must not reach the shell: %q", acks)
	}
}

// A reply arriving only after the heartbeat interval is waited for, with a
// PING sent meanwhile (§1.7).
func TestHeartbeatWhileWaiting(t *testing.T) {
	srv := newFakeServer(t, func(_ int, l string) ([]string, bool) {
		if strings.HasPrefix(l, "ECHO") {
			return nil, false // the ack comes with the PING reply below
		}
		if l == "PING" {
			return []string{"OK PING reply=pong", "PONG", "OK ECHO path=/x bytes=1"}, false
		}
		return standard(l), false
	})
	con, _ := srv.console(t)
	con.Policy.Timeout = 20 * time.Millisecond
	con.Policy.Heartbeat = 30 * time.Millisecond
	con.Attach(vfs.RoleQueen, "")
	if err := con.Echo("/x", "y\n"); err != nil {
		t.Fatalf("Echo: %v", err)
	}
	if !strings.Contains(srv.received(), "1:ECHO /x y\n1:PING") {
		t.Errorf("wire:\n%s", srv.received())
	}
}

// fuzzStream replays fixed server bytes to a Console.
type fuzzStream struct {
	data []byte
}

func (s *fuzzStream) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.data)
	s.data = s.data[n:]
	return n, nil
}
func (s *fuzzStream) Write(p []byte) (int, error)      { return len(p), nil }
func (s *fuzzStream) Close() error                     { return nil }
func (s *fuzzStream) SetReadDeadline(time.Time) error  { return nil }
func (s *fuzzStream) SetWriteDeadline(time.Time) error { return nil }

// FuzzConsoleReplies feeds arbitrary server bytes to the client's framing
// and ack handling: it must never panic or hang, whatever arrives.
func FuzzConsoleReplies(f *testing.F) {
	frames := func(lines ...string) []byte {
		var b []byte
		for _, l := range lines {
			b = wire.AppendFrame(b, l)
		}
		return b
	}
	f.Add(frames("OK AUTH", "OK ATTACH role=queen", "OK CAT path=/p data=x", "a", "END"))
	f.Add(frames("OK AUTH", "ERR ATTACH reason=policy detail=denied"))
	f.Add(frames("OK AUTH detail", "PONG", "OK AUTH", "OK ATTACH", "ERR FRAME reason=invalid-length"))
	f.Add([]byte{0xff, 0xff, 0, 0, 'O', 'K'})
	f.Add(append(frames("OK AUTH", "OK ATTACH role=queen"), 3, 0, 0, 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		con := NewConsole("fuzz", 0, "changeme")
		con.Log = nil
		con.Sleep = func(time.Duration) {}
		con.Policy.MaxAttempts = 0
		dials := 0
		con.Dial = func(time.Duration) (Stream, error) {
			dials++
			if dials > 4 {
				return nil, io.ErrUnexpectedEOF
			}
			return &fuzzStream{data: append([]byte(nil), data...)}, nil
		}
		if _, err := con.Attach(vfs.RoleQueen, ""); err != nil {
			return
		}
		con.Stream("CAT", "/p")
		con.Echo("/p", "x\n")
		con.Ping()
		con.Quit()
		for _, a := range con.DrainAcks() {
			if _, ok := wire.ParseAck(a); !ok {
				t.Fatalf("recorded non-ack %q", a)
			}
		}
	})
}

func TestConsoleDebugHidesToken(t *testing.T) {
	srv := newFakeServer(t, func(_ int, l string) ([]string, bool) { return standard(l), false })
	con, logs := srv.console(t)
	con.Debug = true
	if _, err := con.Attach(vfs.RoleQueen, ""); err != nil {
		t.Fatal(err)
	}
	l := logs.String()
	if strings.Contains(l, "changeme") || !strings.Contains(l, "send frame len=17: AUTH <token len=8>") ||
		!strings.Contains(l, "recv frame len=24: OK ATTACH role=queen") {
		t.Errorf("debug log:\n%s", l)
	}
}
