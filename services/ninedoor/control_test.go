package ninedoor

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

func TestShardLabels(t *testing.T) {
	for id, want := range map[string]string{"worker-1": "13", "worker-2": "1c", "worker-3": "1a"} {
		if got := ShardLabel(id, 8); got != want {
			t.Errorf("ShardLabel(%s) = %s, want %s", id, got, want)
		}
	}
	if got := ShardLabel("worker-1", 4); got != "1" {
		t.Errorf("ShardLabel(worker-1, 4) = %s", got)
	}
}

// TestSpawnTelemetryKill is milestone 3's and 5's flow: spawn creates the
// worker directory and a live telemetry stream, heartbeats arrive, kill
// removes the directory, closes the open file and logs the revocation.
func TestSpawnTelemetryKill(t *testing.T) {
	f := newFixture(t)
	q := f.queen()
	f.mustEcho(q, "/queen/ctl", `{"spawn":"heartbeat","ticks":5,"budget":{"ttl_s":30}}`)
	f.wantLog("spawned worker-1 ticks=5 ttl=30 ops=none")
	if got := f.mustList(q, "/worker"); got != "worker-1" {
		t.Fatalf("LS /worker = %q", got)
	}
	if got := f.mustList(q, "/shard/13/worker"); got != "worker-1" {
		t.Fatalf("LS /shard/13/worker = %q", got)
	}
	if got := f.mustList(q, "/shard/1c/worker"); got != "" {
		t.Fatalf("LS /shard/1c/worker = %q", got)
	}
	if got := f.mustList(q, "/worker/worker-1"); got != "telemetry" {
		t.Fatalf("LS /worker/worker-1 = %q", got)
	}
	// A fresh worker's tail is empty: the first tick comes one interval later.
	if got := f.mustRead(q, "/worker/worker-1/telemetry"); got != "" {
		t.Fatalf("fresh telemetry = %q", got)
	}
	tail, err := q.Open(split("/shard/13/worker/worker-1/telemetry"), vfs.OpenRead)
	if err != nil {
		t.Fatal(err)
	}
	f.advance(time.Second)
	f.advance(time.Second)
	want := fmt.Sprintf("{\"tick\":1,\"ts_ms\":%d}\n{\"tick\":2,\"ts_ms\":%d}\n", unixMs(epoch)+1000, unixMs(epoch)+2000)
	if got := f.mustRead(q, "/worker/worker-1/telemetry"); got != want {
		t.Fatalf("telemetry = %q, want %q", got, want)
	}
	buf := make([]byte, 64)
	if n, _ := tail.ReadAt(buf, 0); n == 0 {
		t.Fatal("open tail reads nothing")
	}
	f.mustEcho(q, "/queen/ctl", `{"kill":"worker-1"}`)
	f.wantLog("killed worker-1")
	f.wantLog("revoked worker-1: killed by queen")
	if _, err := tail.ReadAt(buf, 0); vfs.KindOf(err) != vfs.Closed {
		t.Fatalf("read of killed worker's telemetry: %v, want Closed", err)
	}
	if got := f.mustList(q, "/worker"); got != "" {
		t.Fatalf("LS /worker after kill = %q", got)
	}
	_, err = q.Stat(split("/worker/worker-1"))
	wantErr(t, "stat killed worker", err, vfs.NotFound, "")
	wantErr(t, "kill again", echo(q, "/queen/ctl", `{"kill":"worker-1"}`), vfs.NotFound, "")
	// Ids are never reused.
	f.mustEcho(q, "/queen/ctl", `{"spawn":"heartbeat","ticks":1}`)
	if got := f.mustList(q, "/worker"); got != "worker-2" {
		t.Fatalf("LS /worker = %q, want worker-2", got)
	}
	if got := f.mustList(q, "/shard/1c/worker"); got != "worker-2" {
		t.Fatalf("LS /shard/1c/worker = %q", got)
	}
}

func TestWorkerBudgets(t *testing.T) {
	tests := []struct {
		name   string
		cmd    string
		steps  int // heartbeat intervals to advance
		reason string
	}{
		{"ticks", `{"spawn":"heartbeat","ticks":2}`, 3, "tick budget exhausted"},
		{"ttl", `{"spawn":"heartbeat","budget":{"ttl_s":2}}`, 2, "ttl expired"},
		{"ops", `{"spawn":"heartbeat","budget":{"ops":2}}`, 3, "ops budget exhausted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			q := f.queen()
			f.mustEcho(q, "/queen/ctl", tt.cmd)
			for i := 0; i < tt.steps-1; i++ {
				f.advance(time.Second)
			}
			if got := f.mustList(q, "/worker"); got != "worker-1" {
				t.Fatalf("worker gone early: LS /worker = %q", got)
			}
			f.advance(time.Second)
			if got := f.mustList(q, "/worker"); got != "" {
				t.Fatalf("worker not revoked: LS /worker = %q", got)
			}
			f.wantLog("revoked worker-1: " + tt.reason)
		})
	}
}

func TestPollDeadline(t *testing.T) {
	f := newFixture(t)
	if next := f.poll(); !next.IsZero() {
		t.Fatalf("idle hive deadline = %v, want zero", next)
	}
	q := f.queen()
	f.mustEcho(q, "/queen/ctl", `{"spawn":"heartbeat","budget":{"ttl_s":10}}`)
	if next := f.poll(); !next.Equal(epoch.Add(time.Second)) {
		t.Fatalf("deadline = %v, want first tick", next)
	}
}

func TestDefaultBudget(t *testing.T) {
	f := newFixture(t)
	q := f.queen()
	f.mustEcho(q, "/queen/ctl", `{"budget":{"ttl_s":1}}`)
	f.mustEcho(q, "/queen/ctl", `{"spawn":"heartbeat"}`)
	f.wantLog("spawned worker-1 ticks=none ttl=1 ops=none")
	f.advance(time.Second)
	f.wantLog("revoked worker-1: ttl expired")
}

func TestWorkerTableFull(t *testing.T) {
	f := newFixture(t)
	q := f.queen()
	for i := 0; i < 8; i++ {
		f.mustEcho(q, "/queen/ctl", `{"spawn":"heartbeat","ticks":1}`)
	}
	wantErr(t, "9th spawn", echo(q, "/queen/ctl", `{"spawn":"heartbeat","ticks":1}`), vfs.BufferFull, "")
	f.mustEcho(q, "/queen/ctl", `{"kill":"worker-3"}`)
	f.mustEcho(q, "/queen/ctl", `{"spawn":"heartbeat","ticks":1}`)
	if got := f.mustList(q, "/worker"); got != "worker-1 worker-2 worker-4 worker-5 worker-6 worker-7 worker-8 worker-9" {
		t.Fatalf("LS /worker = %q", got)
	}
}

func TestQueenCtlErrors(t *testing.T) {
	tests := []struct {
		payload string
		kind    vfs.Kind
	}{
		{`not json`, vfs.Invalid},
		{`{"spawn":"heartbeat"`, vfs.Invalid},
		{`{"spawn":"heartbeat"} {}`, vfs.Invalid},
		{`[]`, vfs.Invalid},
		{`{}`, vfs.Invalid},
		{`{"frobnicate":1}`, vfs.Invalid},
		{`{"spawn":"toaster"}`, vfs.Invalid},
		{`{"spawn":7}`, vfs.Invalid},
		{`{"spawn":"heartbeat","ticks":-1}`, vfs.Invalid},
		{`{"spawn":"heartbeat","kill":"worker-1"}`, vfs.Invalid},
		{`{"spawn":"gpu","lease":{"gpu_id":"GPU-0","mem_mb":1,"streams":1,"ttl_s":1}}`, vfs.Busy},
		{`{"kill":""}`, vfs.Invalid},
		{`{"kill":"worker-9"}`, vfs.NotFound},
		{`{"bind":{"from":"/proc/../boot","to":"/tmp"}}`, vfs.Invalid},
		{`{"bind":{"from":"proc","to":"/tmp"}}`, vfs.Invalid},
		{`{"bind":{"from":"/proc","to":"/a/*"}}`, vfs.Invalid},
		{`{"bind":{"from":"/proc","to":"/1/2/3/4/5/6/7/8/9"}}`, vfs.Invalid},
		{`{"bind":{"from":"/proc","to":"/"}}`, vfs.Invalid},
		{`{"bind":{"from":"/proc"}}`, vfs.Invalid},
		{`{"bind":{"from":"/nope","to":"/x"}}`, vfs.NotFound},
		{`{"mount":{"service":"nope","at":"/x"}}`, vfs.NotFound},
		{`{"budget":{"ttl_s":"x"}}`, vfs.Invalid},
		{"", vfs.Invalid},
		{"\xff", vfs.Invalid},
	}
	for _, tt := range tests {
		f := newFixture(t)
		q := f.queen()
		wantErr(t, "ECHO /queen/ctl "+tt.payload, echo(q, "/queen/ctl", tt.payload), tt.kind, "")
	}
}

func TestQueenCtlLenient(t *testing.T) {
	f := newFixture(t)
	q := f.queen()
	f.mustEcho(q, "/queen/ctl", `{"spawn":"worker-heartbeat","ticks":1,"colour":"blue","budget":{"ttl_s":5,"ops":9,"x":1}}`)
	f.wantLog("ignored unknown fields colour")
	f.wantLog("spawned worker-1 ticks=1 ttl=5 ops=9")
	// One command per line.
	f.mustEcho(q, "/queen/ctl", "{\"spawn\":\"heartbeat\"}\n{\"spawn\":\"worker\"}\n")
	if got := f.mustList(q, "/worker"); got != "worker-1 worker-2 worker-3" {
		t.Fatalf("LS /worker = %q", got)
	}
}

func TestRingWrapAndReject(t *testing.T) {
	f := newFixture(t)
	q := f.queen()
	f.mustEcho(q, "/queen/ctl", `{"spawn":"heartbeat","ticks":40,"budget":{"ttl_s":60}}`)
	rec := "wrap-" + strings.Repeat("0123456789", 9) + "01234" // 100 bytes, 101 with '\n'
	for i := 0; i < 10; i++ {
		f.mustEcho(q, "/shard/13/worker/worker-1/telemetry", rec)
	}
	if f.logHas("telemetry ring wrap") {
		t.Fatal("wrapped before the ring was full")
	}
	f.mustEcho(q, "/shard/13/worker/worker-1/telemetry", rec) // 1111 bytes > 1024
	f.wantLog("telemetry ring wrap dropped_bytes=87 new_base=87")
	got := f.mustRead(q, "/worker/worker-1/telemetry")
	if len(got) != 1024 || !strings.HasSuffix(got, rec+"\n") {
		t.Fatalf("ring holds %d bytes, tail %q", len(got), got[max(0, len(got)-20):])
	}
	// Offsets below the base read from the oldest retained byte; Size counts everything written.
	st, _ := q.Stat(split("/worker/worker-1/telemetry"))
	if st.Size != 1111 {
		t.Fatalf("Size = %d, want 1111", st.Size)
	}
	var wrap LogLine
	for _, l := range f.h.LogLines() {
		if strings.Contains(l.Text, "telemetry ring wrap") {
			wrap = l
		}
	}
	if !wrap.User {
		t.Fatal("ring wrap audit line is not a user line")
	}
	big := strings.Repeat("x", 1024) // 1025 with '\n'
	wantErr(t, "oversized record", echo(q, "/worker/worker-1/telemetry", big), vfs.Invalid, "")
	f.wantLog("telemetry quota reject bytes=1025 quota=1024")
	// Records are newline-terminated (§9.6): hello then world reads as two lines.
	f.mustEcho(q, "/queen/ctl", `{"spawn":"heartbeat"}`)
	f.mustEcho(q, "/worker/worker-2/telemetry", "hello")
	f.mustEcho(q, "/worker/worker-2/telemetry", "world\n")
	if got := f.mustRead(q, "/worker/worker-2/telemetry"); got != "hello\nworld\n" {
		t.Fatalf("telemetry = %q", got)
	}
}

func TestHeartbeatWrapDoesNotFloodLog(t *testing.T) {
	f := newFixture(t)
	q := f.queen()
	f.mustEcho(q, "/queen/ctl", `{"spawn":"heartbeat"}`)
	for i := 0; i < 200; i++ { // ~36-byte records: the 1024-byte ring wraps about every 28 ticks
		f.advance(time.Second)
	}
	n := 0
	for _, l := range f.h.LogLines() {
		if strings.HasPrefix(l.Text, "telemetry ring wrap") {
			n++
		}
	}
	if n < 2 || n > 8 {
		t.Fatalf("%d wrap lines for 200 ticks, want one per ring cycle", n)
	}
	got := f.mustRead(q, "/worker/worker-1/telemetry")
	if !strings.HasSuffix(got, "{\"tick\":200,\"ts_ms\":"+itoa(unixMs(f.clock.t))+"}\n") {
		t.Fatalf("ring tail %q", got[len(got)-40:])
	}
}

func TestLifecycle(t *testing.T) {
	f := newFixture(t)
	q := f.queen()
	steps := []struct {
		cmd   string
		kind  vfs.Kind // 0 = ok
		state string
		log   string
	}{
		{"drain", vfs.Invalid, "ONLINE", "lifecycle denied action=drain state=ONLINE reason=invalid-transition"},
		{"resume", vfs.Invalid, "ONLINE", "lifecycle denied action=resume state=ONLINE reason=invalid-transition"},
		{"bogus", vfs.Invalid, "ONLINE", "lifecycle denied action=bogus state=ONLINE reason=invalid-command"},
		{" QUIESCE\n", 0, "QUIESCED", "lifecycle transition old=ONLINE new=QUIESCED reason=quiesce"},
		{"cordon", vfs.Invalid, "QUIESCED", ""},
		{"resume", 0, "ONLINE", "lifecycle transition old=QUIESCED new=ONLINE reason=resume"},
		{"cordon", 0, "DRAINING", "lifecycle transition old=ONLINE new=DRAINING reason=cordon"},
		{"drain", 0, "QUIESCED", "lifecycle transition old=DRAINING new=QUIESCED reason=drain"},
		{"reset", 0, "BOOTING", "lifecycle transition old=QUIESCED new=BOOTING reason=reset"},
		{"reset", vfs.Invalid, "BOOTING", ""},
		{"resume", 0, "ONLINE", ""},
	}
	for _, s := range steps {
		f.clock.advance(10 * time.Millisecond)
		err := echo(q, "/queen/lifecycle/ctl", s.cmd)
		if s.kind == 0 && err != nil {
			t.Fatalf("%q: %v", s.cmd, err)
		}
		if s.kind != 0 {
			wantErr(t, s.cmd, err, s.kind, "")
		}
		if got := f.h.Lifecycle(); got != s.state {
			t.Fatalf("after %q state = %s, want %s", s.cmd, got, s.state)
		}
		if s.log != "" {
			f.wantLog(s.log)
		}
	}
	if got := f.mustRead(q, "/proc/lifecycle/reason"); got != "reason=resume\n" {
		t.Errorf("reason = %q", got)
	}
	if got := f.mustRead(q, "/proc/lifecycle/since"); got != "since_ms=110\n" {
		t.Errorf("since = %q", got)
	}
}

func TestLifecycleGates(t *testing.T) {
	f := newFixture(t)
	q := f.queen()
	f.mustEcho(q, "/queen/ctl", `{"spawn":"heartbeat"}`)
	wantErr(t, "quiesce with a worker", echo(q, "/queen/lifecycle/ctl", "quiesce"), vfs.Permission, vfs.TagDenied)
	f.wantLog("lifecycle denied action=quiesce state=ONLINE reason=outstanding-leases leases=1")
	f.mustEcho(q, "/queen/lifecycle/ctl", "cordon")
	// DRAINING: no new work, workers may still attach.
	wantErr(t, "spawn while DRAINING", echo(q, "/queen/ctl", `{"spawn":"heartbeat"}`), vfs.Permission, vfs.TagDenied)
	wantErr(t, "bind while DRAINING", echo(q, "/queen/ctl", `{"bind":{"from":"/proc","to":"/p"}}`), vfs.Permission, vfs.TagDenied)
	f.worker("worker-1")
	wantErr(t, "drain with a worker", echo(q, "/queen/lifecycle/ctl", "drain"), vfs.Permission, vfs.TagDenied)
	f.mustEcho(q, "/queen/ctl", `{"kill":"worker-1"}`)
	f.mustEcho(q, "/queen/lifecycle/ctl", "drain")
	_, err := f.h.Attach(vfs.AttachRequest{Role: vfs.RoleWorkerHeartbeat, Ticket: ticketWorker1})
	wantErr(t, "worker attach while QUIESCED", err, vfs.Permission, "lifecycle-denied state=QUIESCED")
}
