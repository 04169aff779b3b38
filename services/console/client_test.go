package console

import (
	"io"
	"testing"

	"github.com/cohesix/cohesix/services/console/memconn"
	"github.com/cohesix/cohesix/services/console/wire"
)

// client is a test's end of a console connection.
type client struct {
	t   testing.TB
	srv *Server
	clk *fakeClock
	c   *memconn.Conn
	raw []byte // every byte received so far
	buf []byte // received bytes not yet decoded
	eof bool
}

func dial(t testing.TB, srv *Server, clk *fakeClock, ln *memconn.Listener) *client {
	t.Helper()
	c, err := ln.Dial()
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, srv: srv, clk: clk, c: c}
}

// pump polls the server until it reports no immediate work.
func (c *client) pump() {
	for range 1000 {
		next := c.srv.Poll(c.clk.Now(), 0)
		if next.IsZero() || next.After(c.clk.Now()) {
			return
		}
	}
	c.t.Fatal("server never settled")
}

func (c *client) write(b []byte) {
	c.t.Helper()
	if n, err := c.c.Write(b); err != nil || n != len(b) {
		c.t.Fatalf("client write: n=%d of %d, err=%v", n, len(b), err)
	}
}

func (c *client) send(lines ...string) {
	c.t.Helper()
	for _, l := range lines {
		c.write(wire.Frame(l))
	}
}

// drain reads everything the server has written.
func (c *client) drain() {
	var b [4096]byte
	for {
		n, err := c.c.Read(b[:])
		c.raw = append(c.raw, b[:n]...)
		c.buf = append(c.buf, b[:n]...)
		if err == io.EOF {
			c.eof = true
			return
		}
		if err != nil {
			c.t.Fatalf("client read: %v", err)
		}
		if n == 0 {
			return
		}
	}
}

// recv pumps the server and returns the complete lines received.
func (c *client) recv() []string {
	c.t.Helper()
	c.pump()
	c.drain()
	var out []string
	for {
		p, n, _, ok, err := wire.Next(c.buf)
		if err != nil {
			c.t.Fatalf("server sent a bad frame: %v", err)
		}
		if !ok {
			return out
		}
		if len(p) > wire.MaxLine {
			c.t.Fatalf("server line of %d bytes: %q", len(p), p)
		}
		out = append(out, string(p))
		c.buf = c.buf[n:]
	}
}

// do sends lines and returns the replies.
func (c *client) do(lines ...string) []string {
	c.t.Helper()
	c.send(lines...)
	return c.recv()
}

// closedByServer pumps and reports whether the server closed the connection.
func (c *client) closedByServer() bool {
	c.pump()
	c.drain()
	return c.eof
}

// authed returns a client that has passed AUTH.
func authed(t testing.TB, srv *Server, clk *fakeClock, ln *memconn.Listener) *client {
	t.Helper()
	c := dial(t, srv, clk, ln)
	if got := c.do("AUTH changeme"); len(got) != 1 || got[0] != "OK AUTH" {
		t.Fatalf("AUTH: got %q", got)
	}
	return c
}

// queen returns a client attached as the queen.
func queen(t testing.TB, srv *Server, clk *fakeClock, ln *memconn.Listener) *client {
	t.Helper()
	c := authed(t, srv, clk, ln)
	if got := c.do("ATTACH queen "); len(got) != 1 || got[0] != "OK ATTACH role=queen" {
		t.Fatalf("ATTACH: got %q", got)
	}
	return c
}

func equalLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d lines %q, want %d %q", what, len(got), got, len(want), want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: line %d = %q, want %q\n(all: %q)", what, i, got[i], want[i], got)
		}
	}
}
