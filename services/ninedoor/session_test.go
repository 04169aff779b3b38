package ninedoor

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/cohesix/cohesix/services/ticket"
)

func TestRoleIsolation(t *testing.T) {
	f := newFixture(t)
	q := f.queen()
	f.mustEcho(q, "/queen/ctl", `{"spawn":"heartbeat"}`)
	w := f.worker("worker-1")
	// Workers read anything readable.
	for _, p := range []string{"/proc/boot", "/log/queen.log", "/proc/lifecycle/state", "/worker/worker-1/telemetry"} {
		if _, err := readAll(w, p); err != nil {
			t.Errorf("worker read %s: %v", p, err)
		}
	}
	if _, err := names(w, "/worker"); err != nil {
		t.Errorf("worker ls /worker: %v", err)
	}
	// ...and append nowhere outside /bus and /lora.
	for _, tt := range []struct{ path, payload string }{
		{"/queen/ctl", `{"spawn":"heartbeat"}`},
		{"/queen/ctl", `{"bind":{"from":"/proc","to":"/queen"}}`},
		{"/queen/ctl", `{"mount":{"service":"logs","at":"/l"}}`},
		{"/queen/lifecycle/ctl", "cordon"},
		{"/log/queen.log", "hi"},
		{"/worker/worker-1/telemetry", "hi"},
		{"/shard/13/worker/worker-1/telemetry", "hi"},
	} {
		wantErr(t, "worker echo "+tt.path, echo(w, tt.path, tt.payload), vfs.Permission, vfs.TagDenied)
	}
	if got := f.mustList(q, "/worker"); got != "worker-1" {
		t.Errorf("worker spawned something: %q", got)
	}
	f.wantLog("audit denied session=2 role=worker-heartbeat op=open path=/queen/ctl reason=denied")
	if got := f.mustRead(q, "/proc/pressure/policy"); got != "policy=7\n" {
		t.Errorf("pressure policy = %q", got)
	}
}

// TestBindIsPerSession is milestone 4: the queen remaps /queen onto a
// subdirectory and another session still sees the original.
func TestBindIsPerSession(t *testing.T) {
	f := newFixture(t)
	a, b := f.queen(), f.queen()
	f.mustEcho(a, "/queen/ctl", `{"bind":{"from":"/queen/lifecycle","to":"/queen"}}`)
	if got := f.mustList(a, "/queen"); got != "ctl" {
		t.Fatalf("bound LS /queen = %q, want ctl", got)
	}
	if got := f.mustList(b, "/queen"); got != "ctl lifecycle telemetry" {
		t.Fatalf("other session LS /queen = %q", got)
	}
	// /queen/ctl in session a is now the lifecycle ctl.
	f.mustEcho(a, "/queen/ctl", "cordon")
	if f.h.Lifecycle() != StateDraining {
		t.Fatalf("state = %s, want DRAINING", f.h.Lifecycle())
	}
	f.mustEcho(b, "/queen/lifecycle/ctl", "resume")
	st, err := a.Stat(split("/queen"))
	if err != nil || st.Name != "queen" || st.Mode != vfs.Dir {
		t.Fatalf("Stat bound /queen = %+v, %v", st, err)
	}
	// Generic prefix rewriting: every verb sees the mount.
	f.mustEcho(b, "/queen/ctl", `{"mount":{"service":"logs","at":"/mylogs"}}`)
	if got := f.mustList(b, "/mylogs"); got != "queen.log" {
		t.Fatalf("LS /mylogs = %q", got)
	}
	f.mustEcho(b, "/mylogs/queen.log", "via-mount")
	if !strings.Contains(f.mustRead(b, "/mylogs/queen.log"), "via-mount\n") {
		t.Fatal("mounted log lacks the echo")
	}
	if _, err := a.Stat(split("/mylogs")); vfs.KindOf(err) != vfs.NotFound {
		t.Fatalf("mount leaked into session a: %v", err)
	}
	// The same target rebinds.
	f.mustEcho(b, "/queen/ctl", `{"bind":{"from":"/proc","to":"/mylogs"}}`)
	if got := f.mustList(b, "/mylogs"); !strings.HasPrefix(got, "boot tests") {
		t.Fatalf("rebound LS /mylogs = %q", got)
	}
	// Closing drops the binds.
	a.Close()
	if _, err := a.List(split("/queen")); vfs.KindOf(err) != vfs.Closed {
		t.Fatalf("closed session: %v", err)
	}
}

func TestBindTableFull(t *testing.T) {
	f := newFixture(t)
	q := f.queen()
	for i := 0; i < 8; i++ {
		f.mustEcho(q, "/queen/ctl", `{"bind":{"from":"/proc","to":"/p`+itoa(uint64(i))+`"}}`)
	}
	wantErr(t, "9th bind", echo(q, "/queen/ctl", `{"bind":{"from":"/proc","to":"/p9"}}`), vfs.BufferFull, "")
	f.mustEcho(q, "/queen/ctl", `{"bind":{"from":"/log","to":"/p0"}}`) // rebinding needs no slot
}

func TestTicketMount(t *testing.T) {
	f := newFixture(t)
	s := f.attach(vfs.RoleQueen, f.mint(ticket.Claims{Role: vfs.RoleQueen, IssuedAtMs: unixMs(epoch), MountService: "logs", MountAt: "/l"}))
	if got := f.mustList(s, "/l"); got != "queen.log" {
		t.Fatalf("LS /l = %q", got)
	}
	_, err := f.h.Attach(vfs.AttachRequest{Role: vfs.RoleQueen, Ticket: f.mint(ticket.Claims{Role: vfs.RoleQueen, MountService: "nope", MountAt: "/l"})})
	wantErr(t, "unknown ticket mount", err, vfs.Invalid, vfs.TagInvalidClaims)
}

// TestScopedQueen replays the reference's telemetry_ring script with the
// spec's scoped queen ticket (/log read 1/s, /queen write, /shard write).
func TestScopedQueen(t *testing.T) {
	f := newFixture(t)
	q := f.attach(vfs.RoleQueen, ticketQueenScoped)
	wantErr(t, "echo log", echo(q, "/log/queen.log", "forbidden"), vfs.Permission, vfs.TagScope)
	f.mustEcho(q, "/queen/ctl", `{"spawn":"heartbeat","ticks":40,"budget":{"ttl_s":60}}`)
	f.mustEcho(q, "/shard/13/worker/worker-1/telemetry", "x")
	if _, err := readAll(q, "/log/queen.log"); err != nil {
		t.Fatalf("first read of the log: %v", err)
	}
	_, err := readAll(q, "/log/queen.log")
	wantErr(t, "second read within 1 s", err, vfs.RateLimited, vfs.TagLimit)
	f.clock.advance(time.Second)
	if _, err := readAll(q, "/log/queen.log"); err != nil {
		t.Fatalf("read after the window: %v", err)
	}
	_, err = readAll(q, "/shard/13/worker/worker-1/telemetry")
	wantErr(t, "read of write-only scope", err, vfs.Permission, vfs.TagScope)
	// Stat (a 9P walk) needs a scope of any verb, or to lie above one.
	for _, p := range []string{"/", "/shard/13/worker/worker-1/telemetry", "/queen/ctl", "/log"} {
		if _, err := q.Stat(split(p)); err != nil {
			t.Errorf("stat %s: %v", p, err)
		}
	}
	_, err = q.Stat(split("/proc/boot"))
	wantErr(t, "stat outside scopes", err, vfs.Permission, vfs.TagScope)
	_, err = q.List(nil)
	wantErr(t, "ls / outside read scopes", err, vfs.Permission, vfs.TagScope)
	f.wantLog("audit denied session=1 role=queen op=open path=/log/queen.log reason=scope")
	f.wantLog("audit denied session=1 role=queen op=open path=/log/queen.log reason=limit")
}

func TestLongestScopeWins(t *testing.T) {
	f := newFixture(t)
	q := f.attach(vfs.RoleQueen, f.mint(ticket.Claims{Role: vfs.RoleQueen, IssuedAtMs: unixMs(epoch), Scopes: []ticket.Scope{
		{Path: "/proc", Verb: ticket.ScopeRead, RatePerSec: 1},
		{Path: "/proc/lifecycle", Verb: ticket.ScopeReadWrite},
		{Path: "/", Verb: ticket.ScopeRead},
	}}))
	for i := 0; i < 3; i++ {
		f.mustRead(q, "/proc/lifecycle/state") // unlimited: the longer scope applies
		f.mustRead(q, "/log/queen.log")        // "/" covers everything
	}
	f.mustRead(q, "/proc/boot")
	_, err := readAll(q, "/proc/boot")
	wantErr(t, "second /proc read", err, vfs.RateLimited, vfs.TagLimit)
	wantErr(t, "echo under /", echo(q, "/log/queen.log", "x"), vfs.Permission, vfs.TagScope)
	// A prefix matches whole components only.
	q2 := f.attach(vfs.RoleQueen, f.mint(ticket.Claims{Role: vfs.RoleQueen, Scopes: []ticket.Scope{{Path: "/pro", Verb: ticket.ScopeRead}}}))
	_, err = readAll(q2, "/proc/boot")
	wantErr(t, "component prefix", err, vfs.Permission, vfs.TagScope)
}

func TestBindCannotEscapeScopes(t *testing.T) {
	f := newFixture(t)
	q := f.attach(vfs.RoleQueen, ticketQueenScoped) // /log read, /queen and /shard write
	_, err := readAll(q, "/proc/boot")
	wantErr(t, "read outside scopes", err, vfs.Permission, vfs.TagScope)
	f.mustEcho(q, "/queen/ctl", `{"bind":{"from":"/proc","to":"/log"}}`)
	_, err = readAll(q, "/log/boot")
	wantErr(t, "read through a bind", err, vfs.Permission, vfs.TagScope)
}

func TestBandwidthQuota(t *testing.T) {
	f := newFixture(t)
	q := f.attach(vfs.RoleQueen, f.mint(ticket.Claims{Role: vfs.RoleQueen, Quotas: &ticket.Quotas{BandwidthBytes: 400}}))
	boot := f.mustRead(q, "/proc/boot") // 332 bytes
	if len(boot) > 400 || 2*len(boot) <= 400 {
		t.Fatalf("boot is %d bytes", len(boot))
	}
	_, err := readAll(q, "/proc/boot")
	wantErr(t, "over bandwidth", err, vfs.RateLimited, vfs.TagLimit)
	// A queen without ticket has no limits.
	free := f.queen()
	for i := 0; i < 600; i++ {
		f.mustRead(free, "/proc/boot")
	}
}

func TestCursorQuotas(t *testing.T) {
	f := newFixture(t)
	q := f.queen()
	f.mustEcho(q, "/queen/ctl", `{"spawn":"heartbeat"}`)
	f.mustEcho(q, "/worker/worker-1/telemetry", "rec")
	s := f.attach(vfs.RoleQueen, f.mint(ticket.Claims{Role: vfs.RoleQueen, Quotas: &ticket.Quotas{CursorResumes: 2, CursorAdvances: 1}}))
	fl, err := s.Open(split("/worker/worker-1/telemetry"), vfs.OpenRead)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if n, err := fl.ReadAt(buf, 0); n != 2 || err != nil {
		t.Fatalf("first advance: %d %v", n, err)
	}
	_, err = fl.ReadAt(buf, 2)
	wantErr(t, "second advance", err, vfs.RateLimited, vfs.TagLimit)
	if _, err := s.Open(split("/shard/13/worker/worker-1/telemetry"), vfs.OpenRead); err != nil {
		t.Fatalf("second resume: %v", err)
	}
	_, err = s.Open(split("/worker/worker-1/telemetry"), vfs.OpenRead)
	wantErr(t, "third resume", err, vfs.RateLimited, vfs.TagLimit)
	// Other paths are unaffected.
	f.mustRead(s, "/proc/boot")
}

func TestOpsBudgetRevokes(t *testing.T) {
	f := newFixture(t)
	s := f.attach(vfs.RoleQueen, f.mint(ticket.Claims{Role: vfs.RoleQueen, HasOps: true, Ops: 3}))
	for i := 0; i < 3; i++ {
		f.mustRead(s, "/proc/boot")
	}
	_, err := s.Open(split("/proc/boot"), vfs.OpenRead)
	wantErr(t, "4th op", err, vfs.Expired, "")
	_, err = s.List(nil)
	wantErr(t, "after revocation", err, vfs.Closed, "")
	f.wantLog("revoked session=1 role=queen: ops budget exhausted")
	if f.h.RootReachable() || f.h.CutReason() != CutSessionRevoked {
		t.Fatalf("after the queen's revocation: reachable=%v cut=%s", f.h.RootReachable(), f.h.CutReason())
	}
}

func TestTicketTTLRevokesOnPoll(t *testing.T) {
	f := newFixture(t)
	w := f.worker("worker-1") // ttl 300 s from now
	fl, err := w.Open(split("/log/queen.log"), vfs.OpenRead)
	if err != nil {
		t.Fatal(err)
	}
	if next := f.poll(); !next.Equal(epoch.Add(300 * time.Second)) {
		t.Fatalf("deadline = %v, want ticket expiry", next)
	}
	f.advance(300 * time.Second)
	f.wantLog("revoked session=1 role=worker-heartbeat: ticket expired")
	_, err = fl.ReadAt(make([]byte, 8), 0)
	wantErr(t, "open file after revocation", err, vfs.Closed, "")
	_, err = w.Stat(nil)
	wantErr(t, "session after revocation", err, vfs.Closed, "")
}

func TestTicketTTLExpiresBetweenPolls(t *testing.T) {
	f := newFixture(t)
	w := f.worker("worker-1")
	f.clock.advance(300 * time.Second) // no poll
	_, err := w.Stat(nil)
	wantErr(t, "call after expiry", err, vfs.Expired, "expired")
	_, err = w.Stat(nil)
	wantErr(t, "later call", err, vfs.Closed, "")
}

func TestRootReachability(t *testing.T) {
	f := newFixture(t)
	if f.h.RootReachable() || f.h.CutReason() != CutNetworkUnreachable {
		t.Fatalf("fresh hive: reachable=%v cut=%s, want false network_unreachable", f.h.RootReachable(), f.h.CutReason())
	}
	q := f.queen()
	f.clock.advance(1500 * time.Millisecond)
	if got := f.mustRead(q, "/proc/root/last_seen_ms"); got != "last_seen_ms=1500\n" {
		t.Errorf("last_seen_ms = %q", got)
	}
	f.h.SessionEnded(q, true) // quit keeps reachability
	if !f.h.RootReachable() {
		t.Fatal("quit cut the root")
	}
	w := f.worker("worker-1")
	f.h.SessionEnded(w, false) // a worker's EOF does not matter
	if !f.h.RootReachable() {
		t.Fatal("worker EOF cut the root")
	}
	q = f.queen()
	f.h.SessionEnded(q, false)
	if f.h.RootReachable() {
		t.Fatal("queen EOF left the root reachable")
	}
	q2 := f.queen()
	_ = q2
	q3 := f.queen()
	f.h.SessionEnded(q3, false)
	if got := f.mustRead(q2, "/proc/root/reachable"); got != "reachable=no\n" {
		t.Errorf("reachable = %q", got)
	}
	if got := f.mustRead(q2, "/proc/root/cut_reason"); got != "cut_reason=network_unreachable\n" {
		t.Errorf("cut_reason = %q", got)
	}
	f.queen()
	if !f.h.RootReachable() {
		t.Fatal("a queen attach did not restore reachability")
	}
	if _, err := q.Stat(nil); vfs.KindOf(err) != vfs.Closed {
		t.Fatalf("ended session still works: %v", err)
	}
}

func TestQueenLogEcho(t *testing.T) {
	f := newFixture(t)
	q := f.queen()
	f.mustEcho(q, "/log/queen.log", "test-ack-1")
	f.mustEcho(q, "/log/queen.log", "test-ack-2\nsecond-line\n")
	lines := f.h.LogLines()
	var user []string
	for _, l := range lines {
		if l.User {
			user = append(user, l.Text)
		}
	}
	if strings.Join(user, ",") != "test-ack-1,test-ack-2,second-line" {
		t.Fatalf("user lines = %q", user)
	}
	if lines[0].Text != FirstLogLine || lines[0].User {
		t.Fatalf("first line %+v", lines[0])
	}
	wantErr(t, "line over 256 bytes", echo(q, "/log/queen.log", strings.Repeat("x", 257)), vfs.BufferFull, "")
	f.h.Logf("long %s", strings.Repeat("é", 200))
	if l := f.h.LogLines(); len(l[len(l)-1].Text) > 256 || !utf8.ValidString(l[len(l)-1].Text) {
		t.Fatalf("long system line kept %d bytes", len(l[len(l)-1].Text))
	}
	f.h.Logf("system %d\nsplit", 7)
	if l := f.h.LogLines(); l[len(l)-1] != (LogLine{Text: "system 7 split"}) {
		t.Fatalf("last line %+v", l[len(l)-1])
	}
}

func TestQueenLogRing(t *testing.T) {
	f := newFixture(t)
	q := f.queen()
	fl, err := q.Open(split("/log/queen.log"), vfs.OpenRead)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 300; i++ {
		f.h.Logf("line %03d", i)
	}
	lines := f.h.LogLines()
	if len(lines) != 128 || lines[127].Text != "line 299" || lines[0].Text != "line 172" {
		t.Fatalf("ring holds %d lines, %q..%q", len(lines), lines[0].Text, lines[len(lines)-1].Text)
	}
	// A reader that starts at 0 is moved to the oldest retained line and reads contiguously.
	var got []byte
	buf := make([]byte, 50)
	for off := uint64(0); ; {
		n, err := fl.ReadAt(buf, off)
		got = append(got, buf[:n]...)
		off += uint64(n)
		if err != nil {
			break
		}
	}
	if !strings.HasPrefix(string(got), "line 172\n") || !strings.HasSuffix(string(got), "line 299\n") || strings.Count(string(got), "\n") != 128 {
		t.Fatalf("stream read %d lines starting %q", strings.Count(string(got), "\n"), got[:20])
	}
}

func TestCloseFile(t *testing.T) {
	f := newFixture(t)
	q := f.queen()
	fl, err := q.Open(split("/proc/boot"), vfs.OpenRead)
	if err != nil {
		t.Fatal(err)
	}
	if err := fl.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = fl.ReadAt(make([]byte, 1), 0)
	wantErr(t, "read after close", err, vfs.Closed, "")
	wantErr(t, "double close", fl.Close(), vfs.Closed, "")
	_, err = q.Open(split("/proc/boot"), vfs.OpenRead|vfs.OpenAppend)
	wantErr(t, "read+append of a read-only file", err, vfs.Permission, vfs.TagDenied)
	_, err = q.Open(split("/proc/boot"), 0)
	wantErr(t, "no flags", err, vfs.Invalid, "")
	// ORDWR on the queen log reads and appends through one handle.
	rw, err := q.Open(split("/log/queen.log"), vfs.OpenRead|vfs.OpenAppend)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rw.Append([]byte("rw-line")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<14)
	n, _ := rw.ReadAt(buf, 0)
	if !strings.HasSuffix(string(buf[:n]), "rw-line\n") {
		t.Fatalf("read back %q", buf[:n])
	}
	ro, _ := q.Open(split("/log/queen.log"), vfs.OpenRead)
	if _, err := ro.Append([]byte("x")); vfs.KindOf(err) != vfs.Invalid {
		t.Fatalf("append on a read handle: %v", err)
	}
}

func TestSessionTableFull(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Limits.MaxSessions = 2 })
	a := f.queen()
	f.queen()
	_, err := f.h.Attach(vfs.AttachRequest{Role: vfs.RoleQueen})
	wantErr(t, "3rd session", err, vfs.BufferFull, "")
	a.Close()
	f.queen()
}

func TestWorkerOwnTelemetryOver9P(t *testing.T) {
	f := newFixture(t, withGPUs)
	q := f.queen()
	f.mustEcho(q, "/queen/ctl", `{"spawn":"heartbeat"}`)
	f.mustEcho(q, "/queen/ctl", `{"spawn":"heartbeat"}`)
	f.mustEcho(q, "/queen/ctl", `{"spawn":"gpu","lease":{"gpu_id":"GPU-1","mem_mb":1,"streams":1,"ttl_s":60}}`)
	mint := func(role vfs.Role, subject string, ticks uint64) string {
		return f.mint(ticket.Claims{Role: role, HasSubject: true, Subject: subject, HasTicks: true, Ticks: ticks, IssuedAtMs: unixMs(epoch)})
	}
	attach := func(role vfs.Role, tk string, tr vfs.Transport) vfs.Session {
		s, err := f.h.Attach(vfs.AttachRequest{Role: role, Ticket: tk, Transport: tr})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	w1 := attach(vfs.RoleWorkerHeartbeat, mint(vfs.RoleWorkerHeartbeat, "worker-1", 2), vfs.Transport9P)
	f.mustEcho(w1, "/worker/worker-1/telemetry", "heartbeat 1")
	f.mustEcho(w1, "/shard/13/worker/worker-1/telemetry", "heartbeat 2")
	wantErr(t, "other worker's telemetry", echo(w1, "/worker/worker-2/telemetry", "x"), vfs.Permission, vfs.TagDenied)
	wantErr(t, "third tick", echo(w1, "/worker/worker-1/telemetry", "heartbeat 3"), vfs.Expired, "")
	f.wantLog("revoked session=2 role=worker-heartbeat: tick budget exhausted")
	if got := f.mustRead(q, "/worker/worker-1/telemetry"); got != "heartbeat 1\nheartbeat 2\n" {
		t.Fatalf("telemetry = %q", got)
	}
	// The console keeps §3.6.
	c1 := attach(vfs.RoleWorkerHeartbeat, mint(vfs.RoleWorkerHeartbeat, "worker-1", 9), vfs.TransportConsole)
	wantErr(t, "console worker echo", echo(c1, "/worker/worker-1/telemetry", "x"), vfs.Permission, vfs.TagDenied)
	// Kind must match: a GPU worker subject does not give a heartbeat ticket rights.
	h3 := attach(vfs.RoleWorkerHeartbeat, mint(vfs.RoleWorkerHeartbeat, "worker-3", 9), vfs.Transport9P)
	wantErr(t, "kind mismatch", echo(h3, "/worker/worker-3/telemetry", "x"), vfs.Permission, vfs.TagDenied)
	g3 := attach(vfs.RoleWorkerGPU, mint(vfs.RoleWorkerGPU, "worker-3", 9), vfs.Transport9P)
	f.mustEcho(g3, "/worker/worker-3/telemetry", `{"job":"j1","state":"RUNNING","detail":"x"}`)
	f.mustEcho(g3, "/gpu/GPU-1/status", `{"job":"j1","state":"OK"}`)
	wantErr(t, "other GPU", echo(g3, "/gpu/GPU-0/status", `{"x":1}`), vfs.Permission, vfs.TagDenied)
	wantErr(t, "lease file", echo(g3, "/gpu/GPU-1/lease", `{"x":1}`), vfs.Permission, vfs.TagDenied)
}
