package console

import (
	"strings"
	"testing"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

type platform struct{}

func (platform) BootInfo() []string {
	return []string{"[bi] node_bits=12 empty=[0x0100..0x1000) ipc=0x0000000000400000"}
}
func (platform) Caps() []string { return []string{"[caps] root=0x0002 ep=0x0101 uart=0x0102"} }
func (platform) Mem() []string  { return []string{"[mem] untyped caps=40 ram_ut=30 device_ut=10", ""} }

type cacheLog struct{ asked int }

func (c *cacheLog) CacheLog(n int) []string {
	c.asked = n
	out := make([]string, 100)
	for i := range out {
		out[i] = "[cache] op=clean"
	}
	return out[:min(n, len(out))]
}

type netHook struct{ enabled bool }

func (n netHook) NetStats() []string {
	return []string{"netstats: rx=1", "netstats: tx=2", "netstats: drops=0", "netstats: link=up", "nettest: enabled=true running=false last=none"}
}
func (n netHook) NetTest() bool { return n.enabled }

func TestVerbsWithoutSession(t *testing.T) {
	srv, _, clk, ln := newTestServer(DefaultConfig())
	c := authed(t, srv, clk, ln)
	tests := []struct {
		send string
		want []string
	}{
		{"help", append([]string{"OK HELP"}, helpLines[:]...)},
		{"HeLp extra args", append([]string{"OK HELP"}, helpLines[:]...)},
		{"bi", []string{"ERR BOOTINFO reason=policy detail=unavailable"}},
		{"caps", []string{"ERR CAPS reason=policy detail=unavailable"}},
		{"mem", []string{"ERR MEM reason=policy detail=unavailable"}},
		{"cachelog", []string{"ERR CACHELOG reason=policy detail=unsupported"}},
		{"cachelog x", []string{"ERR PARSE reason=policy detail=invalid value for argument count"}},
		{"ping", []string{"OK PING reply=pong", "PONG"}},
		{"test", []string{"ERR TEST reason=policy detail=host-only"}},
		{"test --mode quick", []string{"ERR PARSE reason=policy detail=invalid value for argument test"}},
		{"nettest", []string{"ERR NETTEST reason=policy detail=unsupported"}},
		{"netstats", []string{"ERR NETSTATS reason=policy detail=unsupported"}},
		{"tail /log/queen.log", []string{"ERR TAIL reason=policy detail=unauthenticated"}},
		{"cat /proc/boot", []string{"ERR CAT reason=policy detail=unauthenticated"}},
		{"ls /", []string{"ERR LS reason=policy detail=unauthenticated"}},
		{"echo /log/queen.log hi", []string{"ERR ECHO reason=policy detail=unauthenticated"}},
		{"log", []string{"ERR LOG reason=policy detail=unauthenticated"}},
		{`spawn {"spawn":"heartbeat"}`, []string{"ERR SPAWN reason=policy detail=unauthenticated"}},
		{"kill worker-1", []string{"ERR KILL reason=policy detail=unauthenticated"}},
		{"AUTH changeme", []string{"ERR PARSE reason=policy detail=unsupported console command"}},
	}
	for _, tt := range tests {
		equalLines(t, tt.send, c.do(tt.send), tt.want)
	}
}

func TestPlatformHooks(t *testing.T) {
	cfg := DefaultConfig()
	cl := &cacheLog{}
	cfg.Platform, cfg.CacheLog, cfg.Net = platform{}, cl, netHook{enabled: true}
	srv, _, clk, ln := newTestServer(cfg)
	c := authed(t, srv, clk, ln)
	equalLines(t, "bi", c.do("bi"), []string{"OK BOOTINFO", platform{}.BootInfo()[0]})
	equalLines(t, "caps", c.do("caps"), []string{"OK CAPS", platform{}.Caps()[0]})
	equalLines(t, "mem (blank line left out)", c.do("mem"), []string{"OK MEM", platform{}.Mem()[0]})
	equalLines(t, "cachelog 2", c.do("cachelog 2"), []string{"OK CACHELOG", "[cache] op=clean", "[cache] op=clean"})
	if got := c.do("cachelog"); len(got) != 65 || cl.asked != 64 {
		t.Fatalf("cachelog default: %d lines, asked %d; want 65 and 64", len(got), cl.asked)
	}
	if got := c.do("cachelog 65535"); len(got) != 65 || cl.asked != 64 {
		t.Fatalf("cachelog clamp: %d lines, asked %d", len(got), cl.asked)
	}
	equalLines(t, "nettest", c.do("nettest"), []string{"OK NETTEST", "[net-selftest] triggered"})
	equalLines(t, "netstats", c.do("netstats"), append([]string{"OK NETSTATS"}, netHook{}.NetStats()...))

	cfg.Net = netHook{enabled: false}
	srv, _, clk, ln = newTestServer(cfg)
	c = authed(t, srv, clk, ln)
	equalLines(t, "nettest disabled", c.do("nettest"), []string{"ERR NETTEST reason=policy detail=net-disabled"})
}

func TestAttach(t *testing.T) {
	tests := []struct {
		name   string
		send   string
		refuse error
		want   string
		role   vfs.Role
		ticket string
	}{
		{"queen", "ATTACH queen", nil, "OK ATTACH role=queen", vfs.RoleQueen, ""},
		{"queen trailing space", "attach QUEEN ", nil, "OK ATTACH role=queen", vfs.RoleQueen, ""},
		{"worker alias", "ATTACH worker  tkt  ", nil, "OK ATTACH role=worker-heartbeat", vfs.RoleWorkerHeartbeat, "tkt"},
		{"gpu", "ATTACH worker-gpu t", nil, "OK ATTACH role=worker-gpu", vfs.RoleWorkerGPU, "t"},
		{"invalid role", "ATTACH drone t", nil, "ERR ATTACH reason=policy detail=invalid-role", vfs.Role(255), "t"},
		{"throttled", "ATTACH drone t", &vfs.Error{Kind: vfs.RateLimited, Tag: "throttled delay_ms=500"}, "ERR ATTACH reason=quota detail=throttled delay_ms=500", vfs.Role(255), "t"},
		{"rate-limited", "ATTACH queen", &vfs.Error{Kind: vfs.RateLimited, Tag: "rate-limited delay_ms=90000"}, "ERR ATTACH reason=quota detail=rate-limited delay_ms=90000", vfs.RoleQueen, ""},
		{"lifecycle", "ATTACH worker t", &vfs.Error{Kind: vfs.Permission, Tag: "lifecycle-denied state=BOOTING"}, "ERR ATTACH reason=policy detail=lifecycle-denied state=BOOTING", vfs.RoleWorkerHeartbeat, "t"},
		{"claims", "ATTACH queen t", &vfs.Error{Kind: vfs.Invalid, Tag: vfs.TagInvalidClaims}, "ERR ATTACH reason=policy detail=invalid-claims", vfs.RoleQueen, "t"},
		{"claims over limits", "ATTACH queen t", &vfs.Error{Kind: vfs.BufferFull, Tag: vfs.TagInvalidClaims}, "ERR ATTACH reason=quota detail=invalid-claims", vfs.RoleQueen, "t"},
		{"expired", "ATTACH queen t", &vfs.Error{Kind: vfs.Expired, Tag: "expired"}, "ERR ATTACH reason=quota detail=expired", vfs.RoleQueen, "t"},
		{"denied", "ATTACH worker-bus t", &vfs.Error{Kind: vfs.Permission, Tag: vfs.TagDenied}, "ERR ATTACH reason=policy detail=denied", vfs.RoleWorkerBus, "t"},
		{"busy", "ATTACH queen", &vfs.Error{Kind: vfs.Busy}, "ERR ATTACH reason=busy detail=attach-timeout error=attach handshake timed out", vfs.RoleQueen, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, hive, clk, ln := newTestServer(DefaultConfig())
			hive.refuse = func(vfs.AttachRequest) error {
				if tt.refuse == nil {
					return nil
				}
				return tt.refuse
			}
			c := authed(t, srv, clk, ln)
			equalLines(t, tt.send, c.do(tt.send), []string{tt.want})
			got := hive.attaches[0]
			if got.Role != tt.role || got.Ticket != tt.ticket || got.Transport != vfs.TransportConsole {
				t.Fatalf("Attach(%+v), want role %v ticket %q", got, tt.role, tt.ticket)
			}
		})
	}
	t.Run("parse", func(t *testing.T) {
		srv, hive, clk, ln := newTestServer(DefaultConfig())
		c := authed(t, srv, clk, ln)
		equalLines(t, "no role", c.do("ATTACH"), []string{"ERR PARSE reason=policy detail=missing required argument: role"})
		equalLines(t, "long role", c.do("ATTACH "+strings.Repeat("r", 17)), []string{"ERR PARSE reason=policy detail=argument role exceeds allowed length"})
		equalLines(t, "long ticket", c.do("ATTACH queen "+strings.Repeat("t", 225)), []string{"ERR PARSE reason=policy detail=argument ticket exceeds allowed length"})
		if len(hive.attaches) != 0 {
			t.Fatal("parse errors reached the Hive")
		}
	})
}

func TestAttachReplacesSession(t *testing.T) {
	srv, hive, clk, ln := newTestServer(DefaultConfig())
	c := queen(t, srv, clk, ln)
	first := srv.tcp.session.(*fakeSession)
	equalLines(t, "reattach", c.do("ATTACH worker t"), []string{"OK ATTACH role=worker-heartbeat"})
	if !first.closed || len(hive.ended) != 1 || !hive.ended[0].clean || hive.ended[0].role != vfs.RoleQueen {
		t.Fatalf("old session closed=%v ended=%+v", first.closed, hive.ended)
	}
	// A failed ATTACH keeps the current session.
	hive.refuse = func(vfs.AttachRequest) error { return &vfs.Error{Kind: vfs.Permission, Tag: vfs.TagDenied} }
	equalLines(t, "refused", c.do("ATTACH queen"), []string{"ERR ATTACH reason=policy detail=denied"})
	equalLines(t, "still worker", c.do("LOG"), []string{"ERR LOG reason=policy detail=unauthenticated"})
	equalLines(t, "worker may tail", c.do("TAIL /worker/worker-1/telemetry"), []string{"OK TAIL path=/worker/worker-1/telemetry", "END"})
}

func TestNamespaceVerbs(t *testing.T) {
	srv, hive, clk, ln := newTestServer(DefaultConfig())
	hive.log = []LogLine{
		{Text: firstLogLine},
		{Text: "lifecycle transition old=BOOTING new=ONLINE reason=boot-complete"},
		{Text: "batch-1", User: true},
		{Text: "batch-2", User: true},
		{Text: "[INFO] noise"},
		{Text: "worker spawned id=worker-1"},
	}
	c := queen(t, srv, clk, ln)
	tests := []struct {
		send string
		want []string
	}{
		{"CAT /proc/empty", []string{"OK CAT path=/proc/empty data=", "END"}},
		{"CAT /log/queen.log", []string{"OK CAT path=/log/queen.log data=batch-1|batch-2|worker spawned id=worker-1", "END"}},
		{"CAT /worker/worker-1/telemetry", []string{"ERR CAT reason=policy detail=invalid-path path=/worker/worker-1/telemetry error=invalid path"}},
		{"CAT /proc", []string{"ERR CAT reason=policy detail=invalid-path path=/proc error=invalid path"}},
		{"CAT /nope", []string{"ERR CAT reason=policy detail=invalid-path path=/nope error=invalid path"}},
		{"CAT /proc/../boot", []string{"ERR CAT reason=policy detail=invalid-path path=/proc/../boot error=invalid path"}},
		{"CAT /a/b/c/d/e/f/g/h/i", []string{"ERR CAT reason=policy detail=invalid-path path=/a/b/c/d/e/f/g/h/i error=invalid path"}},
		{"CAT proc/boot", []string{"ERR CAT reason=policy detail=invalid-path path=proc/boot error=invalid path"}},
		{"CAT /proc/", []string{"ERR CAT reason=policy detail=invalid-path path=/proc/ error=invalid path"}},
		{"CAT /proc/long", []string{"ERR CAT reason=quota detail=buffer-full path=/proc/long error=buffer full"}},
		{"CAT /proc/many", []string{"ERR CAT reason=quota detail=buffer-full path=/proc/many error=buffer full"}},
		{"CAT /proc/blob", []string{"OK CAT path=/proc/blob data=b64://4AYmluYXJ5", "b64://4AYmluYXJ5", "END"}},
		{"CAT", []string{"ERR PARSE reason=policy detail=missing required argument: path"}},
		{"CAT /" + strings.Repeat("p", 96), []string{"ERR PARSE reason=policy detail=argument path exceeds allowed length"}},
		{"LS /", []string{"OK LS path=/ entries=6", "proc", "log", "queen", "worker", "bus", "wide", "END"}},
		{"ls /proc extra", []string{"OK LS path=/proc entries=5", "boot", "empty", "blob", "long", "many", "END"}},
		{"LS /wide", []string{"ERR LS reason=quota detail=buffer-full path=/wide error=buffer full"}},
		{"LS /proc/boot", []string{"ERR LS reason=policy detail=invalid-path path=/proc/boot error=invalid path"}},
		{"TAIL /proc/boot", []string{"ERR TAIL reason=policy detail=invalid-path path=/proc/boot"}},
		{"TAIL /nope", []string{"ERR TAIL reason=policy detail=invalid-path path=/nope error=invalid path"}},
		{"LOG", []string{"OK LOG", firstLogLine, "END"}},
		{"ECHO /proc/boot x", []string{"ERR ECHO reason=policy detail=denied path=/proc/boot error=EPERM"}},
		{"ECHO /log/queen.log", []string{"ERR PARSE reason=policy detail=missing required argument: payload"}},
		{"ECHO", []string{"ERR PARSE reason=policy detail=missing required argument: path"}},
		{"ECHO /log/queen.log    hello world ", []string{"OK ECHO path=/log/queen.log bytes=11"}},
		{"SPAWN", []string{"ERR PARSE reason=policy detail=missing required argument: payload"}},
		{"SPAWN " + strings.Repeat("j", 193), []string{"ERR PARSE reason=policy detail=argument payload exceeds allowed length"}},
		{"KILL", []string{"ERR PARSE reason=policy detail=missing required argument: worker"}},
		{"KILL " + strings.Repeat("w", 33), []string{"ERR PARSE reason=policy detail=argument worker exceeds allowed length"}},
		{"KILL worker-1 extra", []string{"OK KILL id=worker-1"}},
	}
	for _, tt := range tests {
		equalLines(t, tt.send, c.do(tt.send), tt.want)
	}
	if got := hive.appends; len(got) != 2 || got[0] != "/log/queen.log hello world" || got[1] != `/queen/ctl {"kill":"worker-1"}` {
		t.Fatalf("appends %q", got)
	}
	// A long SPAWN payload does not fit the 128-byte detail: the piece is
	// dropped whole, as the reference does.
	long := `{"spawn":"heartbeat","note":"` + strings.Repeat("x", 100) + `"}`
	equalLines(t, "long spawn", c.do("SPAWN "+long), []string{"OK SPAWN payload="})
	hive.onAppend = func(string, []byte) error {
		return &vfs.Error{Kind: vfs.Invalid, Op: "spawn"}
	}
	equalLines(t, "spawn refused", c.do(`SPAWN {"spawn":"robot"}`), []string{
		`OK SPAWN payload={"spawn":"robot"}`, "ERR SPAWN reason=policy detail=invalid-payload error=invalid payload"})
	hive.onAppend = func(string, []byte) error { return &vfs.Error{Kind: vfs.BufferFull} }
	equalLines(t, "spawn full", c.do(`SPAWN {"spawn":"heartbeat"}`), []string{
		`OK SPAWN payload={"spawn":"heartbeat"}`, "ERR SPAWN reason=quota detail=buffer-full error=buffer full"})
}

func TestTailNewest64(t *testing.T) {
	srv, hive, clk, ln := newTestServer(DefaultConfig())
	log, _ := hive.lookup([]string{"log", "queen.log"})
	log.data = nil
	for i := range 200 {
		log.data = append(log.data, []byte("entry "+strings.Repeat("z", i%40)+"\n")...)
	}
	c := queen(t, srv, clk, ln)
	got := c.do("TAIL /log/queen.log")
	if len(got) != 66 || got[0] != "OK TAIL path=/log/queen.log" || got[65] != "END" {
		t.Fatalf("tail: %d lines, first %q last %q", len(got), got[0], got[len(got)-1])
	}
	if want := "entry " + strings.Repeat("z", 199%40); got[64] != want {
		t.Fatalf("newest line %q, want %q", got[64], want)
	}
	if want := "entry " + strings.Repeat("z", 136%40); got[1] != want {
		t.Fatalf("oldest line %q, want %q", got[1], want)
	}
}

func TestWorkerRestrictions(t *testing.T) {
	srv, _, clk, ln := newTestServer(DefaultConfig())
	c := authed(t, srv, clk, ln)
	equalLines(t, "attach", c.do("ATTACH worker-bus t"), []string{"OK ATTACH role=worker-bus"})
	tests := []struct {
		send string
		want []string
	}{
		{"ECHO /queen/ctl {}", []string{"ERR ECHO reason=policy detail=denied"}},
		{"ECHO /bus/tx frame", []string{"OK ECHO path=/bus/tx bytes=5"}},
		{"LOG", []string{"ERR LOG reason=policy detail=unauthenticated"}},
		{`SPAWN {"spawn":"heartbeat"}`, []string{"ERR SPAWN reason=policy detail=unauthenticated"}},
		{"KILL worker-1", []string{"ERR KILL reason=policy detail=unauthenticated"}},
		{"CAT /proc/empty", []string{"OK CAT path=/proc/empty data=", "END"}},
	}
	for _, tt := range tests {
		equalLines(t, tt.send, c.do(tt.send), tt.want)
	}
}

func TestRootUnreachable(t *testing.T) {
	srv, hive, clk, ln := newTestServer(DefaultConfig())
	c := queen(t, srv, clk, ln)
	hive.reachable = false
	for _, v := range []string{"TAIL /log/queen.log", "CAT /proc/boot", "LS /", "ECHO /bus/tx x"} {
		verb := strings.Fields(v)[0]
		equalLines(t, v, c.do(v), []string{"ERR " + verb + " reason=cut detail=root-unreachable"})
	}
	equalLines(t, "ping", c.do("PING"), []string{"OK PING reply=pong", "PONG"})
}
