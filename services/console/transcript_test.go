package console

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/cohesix/cohesix/services/console/wire"
)

// TestTranscript replays the observed exchanges of CONSOLE_PROTOCOL.md §2.5.
func TestTranscript(t *testing.T) {
	srv, hive, clk, ln := newTestServer(DefaultConfig())
	failures := 0
	hive.refuse = func(req vfs.AttachRequest) error {
		if req.Role == vfs.RoleQueen {
			return nil
		}
		failures++
		if failures > 1 {
			return &vfs.Error{Kind: vfs.RateLimited, Op: "attach", Tag: "throttled delay_ms=250"}
		}
		return &vfs.Error{Kind: vfs.Permission, Op: "attach", Tag: vfs.TagDenied}
	}
	hive.onAppend = func(path string, p []byte) error {
		if path == queenCtl && string(p) == `{"kill":"worker-9"}` {
			return &vfs.Error{Kind: vfs.NotFound, Op: "kill", Msg: "unknown worker"}
		}
		return nil
	}
	c := dial(t, srv, clk, ln)

	// The first exchanges byte for byte, frame headers included.
	c.write([]byte("\x11\x00\x00\x00AUTH changeme"))
	c.recv()
	if want := []byte("\x0b\x00\x00\x00OK AUTH"); !bytes.Equal(c.raw, want) {
		t.Fatalf("AUTH reply bytes = %q, want %q", c.raw, want)
	}
	c.raw = nil
	c.write([]byte("\x11\x00\x00\x00ATTACH queen "))
	c.recv()
	if want := []byte("\x18\x00\x00\x00OK ATTACH role=queen"); !bytes.Equal(c.raw, want) {
		t.Fatalf("ATTACH reply bytes = %q, want %q", c.raw, want)
	}
	c.raw = nil
	c.write([]byte("\x17\x00\x00\x00TAIL /log/queen.log"))
	c.recv()
	want := wire.Frame("OK TAIL path=/log/queen.log")
	want = wire.AppendFrame(want, firstLogLine)
	want = wire.AppendFrame(want, "END")
	if !bytes.Equal(c.raw, want) {
		t.Fatalf("TAIL reply bytes = %q, want %q", c.raw, want)
	}
	if !bytes.HasPrefix(c.raw, []byte("\x1f\x00\x00\x00")) || !bytes.HasSuffix(c.raw, []byte("\x07\x00\x00\x00END")) {
		t.Fatalf("TAIL framing %q", c.raw)
	}

	bootLines := strings.Split(strings.TrimSuffix(procBoot, "\n"), "\n")
	steps := []struct {
		send string
		want []string
	}{
		{"CAT /proc/boot", append(append([]string{
			"OK CAT path=/proc/boot data=telemetry.ring_bytes_per_worker=1024|telemetry.cursor.retain_on_boot=false|event_pump.fds=serial,timer,ipc,",
		}, bootLines...), "END")},
		{`ECHO /queen/ctl {"spawn":"heartbeat","ticks":1,"budget":{"ttl_s":30}}`, []string{"OK ECHO path=/queen/ctl bytes=53"}},
		{"TAIL /worker/worker-1/telemetry", []string{"OK TAIL path=/worker/worker-1/telemetry", "END"}},
		{`ECHO /queen/ctl {"kill":"worker-1"}`, []string{"OK ECHO path=/queen/ctl bytes=19"}},
		{`SPAWN {"spawn":"heartbeat","ticks":2}`, []string{`OK SPAWN payload={"spawn":"heartbeat","ticks":2}`}},
		{"KILL worker-9", []string{"OK KILL id=worker-9", "ERR KILL reason=policy detail=invalid-path error=invalid path"}},
		{"PING", []string{"OK PING reply=pong", "PONG"}},
		{"ATTACH worker-heartbeat cohesix-ticket-00.00", []string{"ERR ATTACH reason=policy detail=denied"}},
		{"ATTACH worker-heartbeat cohesix-ticket-00.00", []string{"ERR ATTACH reason=quota detail=throttled delay_ms=250"}},
		{"ECHO /log/queen.log " + strings.Repeat("a", 236), []string{"ERR PARSE reason=policy detail=argument payload exceeds allowed length"}},
		{"ECHO /log/queen.log " + strings.Repeat("a", 237), []string{"ERR FRAME reason=invalid-length"}},
		{"quit", []string{"OK QUIT"}},
	}
	for _, st := range steps {
		equalLines(t, st.send, c.do(st.send), st.want)
	}
	if !c.closedByServer() {
		t.Fatal("connection still open after quit")
	}
	if got := hive.appends[len(hive.appends)-1]; got != `/queen/ctl {"spawn":"heartbeat","ticks":2}` {
		t.Fatalf("SPAWN appended %q", got)
	}
	if len(hive.ended) != 1 || !hive.ended[0].clean || hive.ended[0].role != vfs.RoleQueen {
		t.Fatalf("sessions ended: %+v, want one clean queen", hive.ended)
	}
}
