package console

import (
	"strings"
	"testing"
	"time"

	"github.com/cohesix/cohesix/services/console/memconn"
)

// serialClient drives the serial console end of a server.
type serialClient struct {
	t   *testing.T
	srv *Server
	clk *fakeClock
	c   *memconn.Conn
}

func newSerial(t *testing.T) (*serialClient, *fakeHive) {
	srv, hive, clk, _ := newTestServer(DefaultConfig())
	client, server := memconn.Pipe(1<<16, "operator", "serial")
	srv.AddSerial(server)
	return &serialClient{t: t, srv: srv, clk: clk, c: client}, hive
}

// do writes raw bytes and returns the text the console wrote back.
func (s *serialClient) do(in string) string {
	s.t.Helper()
	if n, err := s.c.Write([]byte(in)); err != nil || n != len(in) {
		s.t.Fatalf("write: %d %v", n, err)
	}
	for range 100 {
		next := s.srv.Poll(s.clk.Now(), 0)
		if next.IsZero() || next.After(s.clk.Now()) {
			break
		}
	}
	var out []byte
	var b [4096]byte
	for {
		n, _ := s.c.Read(b[:])
		if n == 0 {
			break
		}
		out = append(out, b[:n]...)
	}
	return string(out)
}

func crlf(lines ...string) string { return strings.Join(lines, "\r\n") + "\r\n" }

func TestSerialConsole(t *testing.T) {
	s, hive := newSerial(t)
	tests := []struct {
		name, in, want string
	}{
		{"no auth needed", "ping\n", crlf("OK PING reply=pong", "PONG")},
		{"CR ignored", "pi\rng\r\n", crlf("OK PING reply=pong", "PONG")},
		{"erase", "pinx\x08g\n", crlf("OK PING reply=pong", "PONG")},
		{"delete erases too", "pingg\x7f\n", crlf("OK PING reply=pong", "PONG")},
		{"controls dropped", "p\x01i\x1bn\tg\n", crlf("OK PING reply=pong", "PONG")},
		{"split across writes", "pi", ""},
		{"rest of it", "ng\n", crlf("OK PING reply=pong", "PONG")},
		{"empty line", "\n", crlf("ERR PARSE reason=policy detail=empty command")},
		{"unauthenticated", "cat /proc/boot\n", crlf("ERR CAT reason=policy detail=unauthenticated")},
		{"attach", "attach queen\n", crlf("OK ATTACH role=queen")},
		{"ls", "ls /log\n", crlf("OK LS path=/log entries=1", "queen.log", "END")},
		{"too long", strings.Repeat("x", 300) + "\nping\n", crlf("ERR PARSE reason=policy detail=console line exceeded maximum length", "OK PING reply=pong", "PONG")},
		{"exactly 256", "echo /bus/tx " + strings.Repeat("y", 256-13) + "\n", crlf("ERR PARSE reason=policy detail=argument payload exceeds allowed length")},
		{"latin-1", "echo /bus/tx caf\xe9\n", crlf("OK ECHO path=/bus/tx bytes=5")},
		{"quit keeps the line", "quit\n", crlf("OK QUIT")},
		{"session ended", "log\n", crlf("ERR LOG reason=policy detail=unauthenticated")},
	}
	for _, tt := range tests {
		if got := s.do(tt.in); got != tt.want {
			t.Fatalf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
	if hive.appends[0] != "/bus/tx café" {
		t.Fatalf("latin-1 payload appended as %q", hive.appends[0])
	}
	if len(hive.ended) != 1 || !hive.ended[0].clean {
		t.Fatalf("ended %+v", hive.ended)
	}
	// No idle timeout on the serial line.
	s.clk.advance(time.Hour)
	if got := s.do("ping\n"); got != crlf("OK PING reply=pong", "PONG") {
		t.Fatalf("after an hour: %q", got)
	}
	if s.c.PeerClosed() {
		t.Fatal("serial line closed")
	}
}

// TestSerialMatchesTCP runs the same requests over both transports: the
// lines are the same, only the framing differs (milestone 19 parity).
func TestSerialMatchesTCP(t *testing.T) {
	script := []string{"help", "ping", "attach queen", "cat /proc/boot", "ls /proc", "tail /log/queen.log",
		"echo /bus/tx hi", "kill worker-9", "bogus", "test", "bi"}
	s, _ := newSerial(t)
	srv, _, clk, ln := newTestServer(DefaultConfig())
	c := authed(t, srv, clk, ln)
	for _, line := range script {
		got := s.do(line + "\n")
		want := c.do(line)
		if got != crlf(want...) {
			t.Fatalf("%s: serial %q, tcp %q", line, got, want)
		}
	}
}
