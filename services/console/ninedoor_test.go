package console

import (
	"strings"
	"testing"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/cohesix/cohesix/services/console/memconn"
	"github.com/cohesix/cohesix/services/ninedoor"
	"github.com/cohesix/cohesix/services/ticket"
)

// nineDoor adapts the real hive to Hive: only LogLines differs, by type.
type nineDoor struct{ *ninedoor.Hive }

func (h nineDoor) LogLines() []LogLine {
	src := h.Hive.LogLines()
	out := make([]LogLine, len(src))
	for i, l := range src {
		out[i] = LogLine{Text: l.Text, User: l.User}
	}
	return out
}

var (
	_ Hive          = nineDoor{}
	_ PressureNoter = nineDoor{}
)

func newNineDoorServer(t *testing.T) (*Server, *ninedoor.Hive, *fakeClock, *memconn.Listener) {
	t.Helper()
	clk := &fakeClock{t: time.UnixMilli(1700000000000)}
	cfg := ninedoor.DefaultConfig()
	cfg.Clock = clk.Now
	h, err := ninedoor.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.Poll(clk.Now(), time.Millisecond) // BOOTING -> ONLINE
	srv := New(DefaultConfig(), nineDoor{h}, clk)
	ln := memconn.NewListener("127.0.0.1:31337", 1<<16)
	srv.AddListener(ln)
	return srv, h, clk, ln
}

// TestNineDoorTranscript replays §2.5 against the real hive.
func TestNineDoorTranscript(t *testing.T) {
	srv, h, clk, ln := newNineDoorServer(t)
	c := dial(t, srv, clk, ln)
	equalLines(t, "auth", c.do("AUTH changeme"), []string{"OK AUTH"})
	if h.RootReachable() {
		t.Fatal("root reachable before a queen attached")
	}
	equalLines(t, "cut", c.do("ATTACH worker x", "CAT /proc/boot"), []string{
		"ERR ATTACH reason=policy detail=denied", "ERR CAT reason=policy detail=unauthenticated"})
	clk.advance(time.Minute) // let the throttle lapse
	equalLines(t, "attach", c.do("ATTACH queen "), []string{"OK ATTACH role=queen"})
	tail := c.do("TAIL /log/queen.log")
	if len(tail) < 3 || tail[0] != "OK TAIL path=/log/queen.log" || tail[1] != ninedoor.FirstLogLine || tail[len(tail)-1] != "END" {
		t.Fatalf("tail: %q", tail)
	}
	cat := c.do("CAT /proc/boot")
	if len(cat) != 10 || cat[0] != "OK CAT path=/proc/boot data=telemetry.ring_bytes_per_worker=1024|telemetry.cursor.retain_on_boot=false|event_pump.fds=serial,timer,ipc," ||
		cat[1] != "Cohesix boot: root-task online" || cat[9] != "END" {
		t.Fatalf("cat /proc/boot: %q", cat)
	}
	steps := []struct {
		send string
		want []string
	}{
		{`ECHO /queen/ctl {"spawn":"heartbeat","ticks":1,"budget":{"ttl_s":30}}`, []string{"OK ECHO path=/queen/ctl bytes=53"}},
		{"TAIL /worker/worker-1/telemetry", []string{"OK TAIL path=/worker/worker-1/telemetry", "END"}},
		{"LS /worker", []string{"OK LS path=/worker entries=1", "worker-1", "END"}},
		{`ECHO /queen/ctl {"kill":"worker-1"}`, []string{"OK ECHO path=/queen/ctl bytes=19"}},
		{`SPAWN {"spawn":"heartbeat","ticks":2}`, []string{`OK SPAWN payload={"spawn":"heartbeat","ticks":2}`}},
		{"KILL worker-9", []string{"OK KILL id=worker-9", "ERR KILL reason=policy detail=invalid-path error=invalid path"}},
		{"KILL worker-2", []string{"OK KILL id=worker-2"}},
		{"PING", []string{"OK PING reply=pong", "PONG"}},
		{"ATTACH worker-heartbeat cohesix-ticket-0100.00", []string{"ERR ATTACH reason=policy detail=denied"}},
		{"ATTACH worker-heartbeat cohesix-ticket-0100.00", []string{"ERR ATTACH reason=quota detail=throttled delay_ms=250"}},
		{"ECHO /log/queen.log batch-1", []string{"OK ECHO path=/log/queen.log bytes=7"}},
		{"ECHO /log/queen.log batch-2", []string{"OK ECHO path=/log/queen.log bytes=7"}},
		{"ECHO /proc/boot x", []string{"ERR ECHO reason=policy detail=denied path=/proc/boot error=EPERM"}},
		{"TAIL /proc/boot", []string{"ERR TAIL reason=policy detail=invalid-path path=/proc/boot"}},
		{"CAT /nope", []string{"ERR CAT reason=policy detail=invalid-path path=/nope error=invalid path"}},
	}
	for _, st := range steps {
		equalLines(t, st.send, c.do(st.send), st.want)
	}
	if got := c.do(`ECHO /queen/ctl {"bind":{"from":"/proc/../boot","to":"/tmp"}}`); len(got) != 1 || !strings.HasPrefix(got[0], "ERR ECHO ") {
		t.Fatalf("bind with ..: %q", got)
	}
	cat = c.do("CAT /log/queen.log")
	if len(cat) != 2 || !strings.HasPrefix(cat[0], "OK CAT path=/log/queen.log data=") || !strings.Contains(cat[0], "batch-1|batch-2") || cat[1] != "END" {
		t.Fatalf("cat queen.log: %q", cat)
	}
	equalLines(t, "quit", c.do("quit"), []string{"OK QUIT"})
	if !c.closedByServer() {
		t.Fatal("open after quit")
	}
	if !h.RootReachable() {
		t.Fatal("quit cut the root; only EOF should")
	}
}

func TestNineDoorWorkerAndEOF(t *testing.T) {
	srv, h, clk, ln := newNineDoorServer(t)
	q := queen(t, srv, clk, ln)
	equalLines(t, "spawn", q.do(`ECHO /queen/ctl {"spawn":"heartbeat","ticks":5}`), []string{"OK ECHO path=/queen/ctl bytes=31"})
	q.c.Close() // EOF: the queen session is lost
	q.pump()
	if h.RootReachable() {
		t.Fatal("root still reachable after the queen's EOF")
	}
	tk, err := ticket.Mint(ticket.Claims{
		Role: vfs.RoleWorkerHeartbeat, HasSubject: true, Subject: "worker-1", IssuedAtMs: uint64(clk.Now().UnixMilli()),
		HasTTL: true, TTL: 300, HasOps: true, Ops: 10000, HasTicks: true, Ticks: 1000,
	}, "worker")
	if err != nil {
		t.Fatal(err)
	}
	w := authed(t, srv, clk, ln)
	equalLines(t, "worker attach", w.do("ATTACH worker "+tk), []string{"OK ATTACH role=worker-heartbeat"})
	equalLines(t, "cut", w.do("TAIL /worker/worker-1/telemetry"), []string{"ERR TAIL reason=cut detail=root-unreachable"})
	equalLines(t, "log", w.do("LOG"), []string{"ERR LOG reason=policy detail=unauthenticated"})
	equalLines(t, "requeen", w.do("ATTACH queen"), []string{"OK ATTACH role=queen"})
	equalLines(t, "echo telemetry", w.do("ECHO /worker/worker-1/telemetry hello"), []string{"OK ECHO path=/worker/worker-1/telemetry bytes=5"})
	got := w.do("TAIL /worker/worker-1/telemetry")
	if len(got) < 3 || got[len(got)-2] != "hello" {
		t.Fatalf("telemetry tail %q", got)
	}
}

// TestNineDoorPressure: refusals the console makes itself reach the hive's
// /proc/pressure counters once.
func TestNineDoorPressure(t *testing.T) {
	srv, _, clk, ln := newNineDoorServer(t)
	c := queen(t, srv, clk, ln)
	count := func(class string) string {
		got := c.do("CAT /proc/pressure/" + class)
		if len(got) != 3 {
			t.Fatalf("cat pressure: %q", got)
		}
		return got[1]
	}
	if got := count("policy"); got != "policy=0" {
		t.Fatalf("before: %s", got)
	}
	c.do("bogus")
	c.do("CAT /proc/..")
	c.do("ECHO /proc/boot x") // refused by the hive: counted there, not again
	if got := count("policy"); got != "policy=3" {
		t.Fatalf("after three policy refusals: %s", got)
	}
	c.do("LS /shard") // 256 labels: buffer-full, a quota refusal of the console's
	if got := count("quota"); got != "quota=1" {
		t.Fatalf("quota: %s", got)
	}
}
