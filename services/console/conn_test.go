package console

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/cohesix/cohesix/services/console/memconn"
	"github.com/cohesix/cohesix/services/console/wire"
)

func header(n uint32) []byte {
	var h [4]byte
	binary.LittleEndian.PutUint32(h[:], n)
	return h[:]
}

// TestMalformedFrames covers every row of §1.4, before and after AUTH.
func TestMalformedFrames(t *testing.T) {
	long := wire.Frame(strings.Repeat("p", 257))
	huge := header(9000)
	tests := []struct {
		name      string
		frame     []byte
		afterAuth bool
		want      []string // replies; nil with closed=true means "no bytes"
		closed    bool
	}{
		{"short/before", header(3), false, nil, true},
		{"short/after", header(3), true, nil, true},
		{"zero/after", header(0), true, nil, true},
		{"huge/before", huge, false, nil, true},
		{"huge/after", huge, true, []string{"ERR FRAME reason=invalid-length"}, false},
		{"long/before", long, false, nil, true},
		{"long/after", long, true, []string{"ERR FRAME reason=invalid-length"}, false},
		{"utf8/before", wire.Frame("AUTH chang\xffe"), false, nil, true},
		{"utf8/after", wire.Frame("PING \xff"), true, nil, true},
		{"empty/after", header(4), true, []string{"ERR PARSE reason=policy detail=empty command"}, false},
		{"blank/after", wire.Frame("   "), true, []string{"ERR PARSE reason=policy detail=empty command"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _, clk, ln := newTestServer(DefaultConfig())
			var c *client
			if tt.afterAuth {
				c = authed(t, srv, clk, ln)
			} else {
				c = dial(t, srv, clk, ln)
			}
			c.raw = nil
			c.write(tt.frame)
			got := c.recv()
			equalLines(t, "reply", got, tt.want)
			if tt.closed {
				if !c.closedByServer() {
					t.Fatal("connection left open")
				}
				if len(c.raw) != 0 {
					t.Fatalf("closed with bytes %q", c.raw)
				}
				return
			}
			if c.closedByServer() {
				t.Fatal("connection closed; want the session kept")
			}
		})
	}
}

// TestOversizeFrameSkipped checks that the refused payload is skipped even
// when it arrives in pieces, and the session carries on.
func TestOversizeFrameSkipped(t *testing.T) {
	srv, _, clk, ln := newTestServer(DefaultConfig())
	c := queen(t, srv, clk, ln)
	c.write(header(8192))
	equalLines(t, "header", c.recv(), []string{"ERR FRAME reason=invalid-length"})
	payload := []byte(strings.Repeat("\x00PING", 8188/5) + "xxx")
	for len(payload) > 0 {
		n := min(1000, len(payload))
		c.write(payload[:n])
		payload = payload[n:]
		equalLines(t, "skipped bytes", c.recv(), nil)
	}
	equalLines(t, "after skip", c.do("PING"), []string{"OK PING reply=pong", "PONG"})
}

func TestAuthFailures(t *testing.T) {
	tests := []struct {
		name  string
		frame []byte
		want  string
	}{
		{"invalid-length", wire.Frame("AUTH wrong"), "ERR AUTH reason=invalid-length"},
		{"empty frame", header(4), "ERR AUTH reason=invalid-length"},
		{"expected-token", wire.Frame("AUTX changeme"), "ERR AUTH reason=expected-token"},
		{"blank token", wire.Frame("AUTH         "), "ERR AUTH reason=expected-token"},
		{"command first", wire.Frame("PING changeme"), "ERR AUTH reason=expected-token"},
		{"invalid-token", wire.Frame("AUTH changeyo"), "ERR AUTH reason=invalid-token"},
		{"lower-case auth", wire.Frame("auth changeme"), "ERR AUTH reason=expected-token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _, clk, ln := newTestServer(DefaultConfig())
			c := dial(t, srv, clk, ln)
			c.write(tt.frame)
			equalLines(t, "reply", c.recv(), []string{tt.want})
			if !c.closedByServer() {
				t.Fatal("connection left open after a failed AUTH")
			}
		})
	}
}

func TestAuthTokenConfigurable(t *testing.T) {
	cfg := DefaultConfig()
	cfg.AuthToken = "s3cret"
	srv, _, clk, ln := newTestServer(cfg)
	c := dial(t, srv, clk, ln)
	equalLines(t, "AUTH", c.do("AUTH s3cret"), []string{"OK AUTH"})
	c2srv, _, clk2, ln2 := newTestServer(cfg)
	c2 := dial(t, c2srv, clk2, ln2)
	equalLines(t, "AUTH default", c2.do("AUTH changeme"), []string{"ERR AUTH reason=invalid-length"})
}

func TestAuthTimeout(t *testing.T) {
	srv, _, clk, ln := newTestServer(DefaultConfig())
	c := dial(t, srv, clk, ln)
	c.write([]byte("\x11\x00\x00\x00AUTH")) // incomplete frame
	equalLines(t, "early", c.recv(), nil)
	next := srv.Poll(clk.Now(), 0)
	if want := clk.Now().Add(5 * time.Second); !next.Equal(want) {
		t.Fatalf("next deadline %v, want the AUTH timeout %v", next, want)
	}
	clk.advance(4999 * time.Millisecond)
	equalLines(t, "before timeout", c.recv(), nil)
	clk.advance(time.Millisecond)
	equalLines(t, "timeout", c.recv(), []string{"ERR AUTH reason=timeout"})
	if !c.closedByServer() {
		t.Fatal("connection left open after the AUTH timeout")
	}
}

func TestIdleTimeout(t *testing.T) {
	srv, hive, clk, ln := newTestServer(DefaultConfig())
	c := queen(t, srv, clk, ln)
	clk.advance(299 * time.Second)
	equalLines(t, "ping", c.do("PING"), []string{"OK PING reply=pong", "PONG"})
	clk.advance(299 * time.Second) // measured from the last frame
	equalLines(t, "quiet", c.recv(), nil)
	if next := srv.Poll(clk.Now(), 0); !next.Equal(clk.Now().Add(time.Second)) {
		t.Fatalf("next deadline %v, want idle expiry in 1s", next.Sub(clk.Now()))
	}
	clk.advance(time.Second)
	equalLines(t, "idle", c.recv(), []string{"ERR CONSOLE reason=timeout"})
	if !c.closedByServer() {
		t.Fatal("connection left open after the idle timeout")
	}
	if len(hive.ended) != 1 || hive.ended[0].clean {
		t.Fatalf("ended %+v, want one unclean end", hive.ended)
	}
}

func TestSingleClient(t *testing.T) {
	srv, _, clk, ln := newTestServer(DefaultConfig())
	first := queen(t, srv, clk, ln)
	second := dial(t, srv, clk, ln)
	second.send("AUTH changeme")
	if !second.closedByServer() || len(second.raw) != 0 {
		t.Fatalf("second connection: closed=%v bytes=%q, want closed without bytes", second.eof, second.raw)
	}
	equalLines(t, "first still served", first.do("PING"), []string{"OK PING reply=pong", "PONG"})
	equalLines(t, "quit", first.do("quit"), []string{"OK QUIT"})
	if !first.closedByServer() {
		t.Fatal("first not closed")
	}
	third := dial(t, srv, clk, ln)
	equalLines(t, "third after first left", third.do("AUTH changeme"), []string{"OK AUTH"})
	if got := srv.Stats(); got.Accepted != 2 || got.Refused != 1 {
		t.Fatalf("stats %+v", got)
	}
}

// TestPipelining: ten pipelined PINGs get ten replies, in order (the
// reference drops two).
func TestPipelining(t *testing.T) {
	srv, _, clk, ln := newTestServer(DefaultConfig())
	c := dial(t, srv, clk, ln)
	var b []byte
	b = wire.AppendFrame(b, "AUTH changeme")
	b = wire.AppendFrame(b, "ATTACH queen")
	for range 10 {
		b = wire.AppendFrame(b, "PING")
	}
	b = wire.AppendFrame(b, "ECHO /bus/tx one")
	b = wire.AppendFrame(b, "ECHO /bus/tx two")
	c.write(b)
	want := []string{"OK AUTH", "OK ATTACH role=queen"}
	for range 10 {
		want = append(want, "OK PING reply=pong", "PONG")
	}
	want = append(want, "OK ECHO path=/bus/tx bytes=3", "OK ECHO path=/bus/tx bytes=3")
	equalLines(t, "pipelined", c.recv(), want)
}

// TestBackPressure: a client that pipelines far more than fits and does not
// read gets every reply once it does, and the server never holds more than
// its configured buffers.
func TestBackPressure(t *testing.T) {
	cfg := DefaultConfig()
	srv, _, clk, ln := newTestServer(cfg)
	c := queen(t, srv, clk, ln)
	const n = 5000
	frame := wire.Frame("CAT /proc/boot")
	var pending []byte
	for range n {
		pending = append(pending, frame...)
	}
	var got []string
	stalled := false
	for rounds := 0; len(got) < n*10; rounds++ {
		if len(pending) > 0 {
			w, err := c.c.Write(pending)
			if err != nil {
				t.Fatal(err)
			}
			pending = pending[w:]
		}
		c.pump()
		if len(pending) > 0 && c.c.Buffered() > 0 {
			stalled = true // the pipes are full in both directions
		}
		if len(srv.tcp.out) > cap(srv.tcp.out) || len(srv.tcp.in) > cfg.InBuffer {
			t.Fatalf("buffers grew: out %d/%d in %d/%d", len(srv.tcp.out), cap(srv.tcp.out), len(srv.tcp.in), cfg.InBuffer)
		}
		got = append(got, c.recv()...)
		if rounds > 10*n {
			t.Fatal("no progress")
		}
	}
	if !stalled {
		t.Fatal("the test never filled the pipes; raise n")
	}
	got = append(got, c.recv()...)
	if len(got) != n*10 {
		t.Fatalf("got %d lines, want %d", len(got), n*10)
	}
	for i := 0; i < len(got); i += 10 {
		if !strings.HasPrefix(got[i], "OK CAT path=/proc/boot") || got[i+9] != "END" {
			t.Fatalf("reply %d out of order: %q ... %q", i/10, got[i], got[i+9])
		}
	}
}

// TestQuitFlushForced: quit closes after 250 ms even if the peer never reads.
func TestQuitFlushForced(t *testing.T) {
	srv, hive, clk, ln := newTestServer(DefaultConfig())
	c := queen(t, srv, clk, ln)
	// Fill the client's receive pipe so the final OK QUIT cannot be flushed.
	var b []byte
	for range 500 {
		b = wire.AppendFrame(b, "CAT /proc/boot")
	}
	for len(b) > 0 {
		n, _ := c.c.Write(b)
		b = b[n:]
		c.pump()
		if n == 0 {
			break
		}
	}
	srv.tcp.in = srv.tcp.in[:0] // drop the queued requests; only quit matters
	srv.tcp.rd = 0
	srv.tcp.out = srv.tcp.out[:0]
	srv.tcp.wr = 0
	srv.handleLine(srv.tcp, "quit", clk.Now())
	c.pump()
	if c.c.PeerClosed() {
		t.Fatal("closed before the flush window")
	}
	clk.advance(250 * time.Millisecond)
	c.pump()
	if !c.c.PeerClosed() {
		t.Fatal("not closed after 250 ms")
	}
	if len(hive.ended) != 1 || !hive.ended[0].clean {
		t.Fatalf("ended %+v, want clean", hive.ended)
	}
}

func TestEOFEndsSessionUnclean(t *testing.T) {
	srv, hive, clk, ln := newTestServer(DefaultConfig())
	c := queen(t, srv, clk, ln)
	c.send("PING")
	c.c.Close()
	c.pump()
	if srv.tcp != nil {
		t.Fatal("connection still held after EOF")
	}
	if len(hive.ended) != 1 || hive.ended[0].clean {
		t.Fatalf("ended %+v, want one unclean end", hive.ended)
	}
}

func TestCRLFAndControlBytesOnTCP(t *testing.T) {
	srv, _, clk, ln := newTestServer(DefaultConfig())
	c := authed(t, srv, clk, ln)
	equalLines(t, "crlf", c.do("PING\r\n"), []string{"OK PING reply=pong", "PONG"})
	equalLines(t, "erase", c.do("PINX\x08G"), []string{"OK PING reply=pong", "PONG"})
	equalLines(t, "control dropped", c.do("PI\x01NG"), []string{"OK PING reply=pong", "PONG"})
	// The part before an embedded newline is parsed, not executed.
	equalLines(t, "embedded ok", c.do("PING\nHELP x"), append([]string{"OK HELP"}, helpLines[:]...))
	equalLines(t, "embedded bad", c.do("BOGUS\nPING"), []string{
		"ERR PARSE reason=policy detail=unsupported console command", "OK PING reply=pong", "PONG"})
}

// tickingClock advances by step on every read, so Poll's budget runs out.
type tickingClock struct {
	t    fakeClock
	step int64
}

func (c *tickingClock) Now() time.Time { c.t.advance(time.Duration(c.step)); return c.t.t }

func TestPollBudget(t *testing.T) {
	hive := newFakeHive()
	clk := &tickingClock{t: fakeClock{t: time.Unix(1700000000, 0)}, step: int64(time.Millisecond)}
	srv := New(DefaultConfig(), hive, clk)
	ln := memconn.NewListener("mem", 1<<16)
	srv.AddListener(ln)
	c, _ := ln.Dial()
	var b []byte
	b = wire.AppendFrame(b, "AUTH changeme")
	for range 50 {
		b = wire.AppendFrame(b, "PING")
	}
	c.Write(b)
	now := clk.t.t
	polls := 0
	for {
		polls++
		next := srv.Poll(now, 5*time.Millisecond)
		if !next.Equal(now) {
			break
		}
		if polls > 100 {
			t.Fatal("never finished")
		}
	}
	if polls < 5 {
		t.Fatalf("51 lines took %d polls with a 5-tick budget; the budget is not enforced", polls)
	}
	buf := make([]byte, 1<<16)
	n, _ := c.Read(buf)
	var lines int
	for rest := buf[:n]; ; lines++ {
		_, k, _, ok, _ := wire.Next(rest)
		if !ok {
			break
		}
		rest = rest[k:]
	}
	if lines != 101 {
		t.Fatalf("got %d lines, want 101", lines)
	}
}

// TestWriteRetry: while the peer is not reading, Poll asks to be polled
// again after WriteRetry rather than only on I/O.
func TestWriteRetry(t *testing.T) {
	hive := newFakeHive()
	clk := &fakeClock{t: time.Unix(1700000000, 0)}
	srv := New(DefaultConfig(), hive, clk)
	ln := memconn.NewListener("mem", 64) // a tiny pipe
	srv.AddListener(ln)
	c, _ := ln.Dial()
	c.Write(wire.Frame("AUTH changeme"))
	srv.Poll(clk.Now(), 0)
	c.Write(wire.Frame("HELP"))
	next := srv.Poll(clk.Now(), 0)
	if want := clk.Now().Add(10 * time.Millisecond); !next.Equal(want) {
		t.Fatalf("next = %v, want now+10ms", next.Sub(clk.Now()))
	}
}
