package console

import (
	"strings"
	"testing"

	"github.com/cohesix/cohesix/services/console/wire"
)

// checkLines fails on any line a server must never send.
func checkLines(t *testing.T, lines []string) {
	t.Helper()
	for _, l := range lines {
		if len(l) > wire.MaxLine || strings.TrimSpace(l) == "" {
			t.Fatalf("server sent %q (%d bytes)", l, len(l))
		}
		if a, ok := wire.ParseAck(l); ok && len(a.Detail) > wire.MaxDetail {
			t.Fatalf("detail of %d bytes: %q", len(a.Detail), l)
		}
	}
}

// FuzzFrames feeds arbitrary bytes, split at an arbitrary point, to a
// connection before or after AUTH and checks that reassembly never panics,
// never emits a malformed or oversize frame and never grows its buffers.
func FuzzFrames(f *testing.F) {
	f.Add([]byte("\x11\x00\x00\x00AUTH changeme\x08\x00\x00\x00PING"), uint16(3), false)
	f.Add(wire.AppendFrame(wire.Frame("ATTACH queen"), "CAT /proc/boot"), uint16(7), true)
	f.Add([]byte("\x00\x00\x01\x00junk"), uint16(1), true)
	f.Add([]byte("\x03\x00\x00\x00"), uint16(0), false)
	f.Add(append([]byte("\x05\x01\x00\x00"), strings.Repeat("q", 300)...), uint16(100), true)
	f.Fuzz(func(t *testing.T, data []byte, split uint16, auth bool) {
		srv, _, clk, ln := newTestServer(DefaultConfig())
		var c *client
		if auth {
			c = authed(t, srv, clk, ln)
		} else {
			c = dial(t, srv, clk, ln)
		}
		cut := int(split) % (len(data) + 1)
		for _, part := range [][]byte{data[:cut], data[cut:]} {
			if len(part) == 0 {
				continue
			}
			if _, err := c.c.Write(part); err != nil {
				return // the server closed the connection
			}
			checkLines(t, c.recv())
			if srv.tcp != nil && (len(srv.tcp.in) > cap(srv.tcp.in) || srv.tcp.rd > len(srv.tcp.in)) {
				t.Fatalf("input queue out of bounds: rd=%d len=%d cap=%d", srv.tcp.rd, len(srv.tcp.in), cap(srv.tcp.in))
			}
		}
	})
}

// FuzzLine parses arbitrary request lines and executes them in a queen
// session: the parser must respect its limits and every reply must be a
// well-formed console line.
func FuzzLine(f *testing.F) {
	for _, s := range []string{
		"PING", "attach queen", "attach worker  ticket ", "cat /proc/boot", "ls /", "tail /log/queen.log",
		"echo /log/queen.log hello", `spawn {"spawn":"heartbeat","ticks":1}`, "kill worker-1", "cachelog 3",
		"test x", "help", "echo /bus/tx \x08\x08", "cat /proc/../x", "ls /" + strings.Repeat("a/", 9),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		cmd, perr := parseLine(line)
		if perr == "" {
			if cmd.verb >= numVerbs {
				t.Fatalf("verb %d", cmd.verb)
			}
			limits := map[verb][2]int{
				verbAttach: {maxRole, maxTicket}, verbTail: {maxPath, 0}, verbCat: {maxPath, 0}, verbLs: {maxPath, 0},
				verbEcho: {maxPath, maxPayload}, verbSpawn: {maxJSON, 0}, verbKill: {maxWorker, 0},
			}
			if l, ok := limits[cmd.verb]; ok && (len(cmd.arg) > l[0] || len(cmd.rest) > l[1]) {
				t.Fatalf("%q parsed past its limits: %+v", line, cmd)
			}
		}
		if len(line) > wire.MaxLine {
			return
		}
		srv, _, clk, ln := newTestServer(DefaultConfig())
		c := queen(t, srv, clk, ln)
		c.send(line)
		checkLines(t, c.recv())
	})
}
