package cohclient

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/hugelgupf/p9/p9"
)

// mockPair is one hive reached both over the console and over 9P.
func mockPair(t *testing.T) (*Console, *NineP) {
	t.Helper()
	m, err := NewMock(MockConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	con := NewConsole("mock", 0, "changeme")
	con.Dial, con.Log = m.Dial, io.Discard
	con.Policy.Timeout = 2 * time.Second
	t.Cleanup(con.Close)
	if _, err := con.Attach(vfs.RoleQueen, ""); err != nil {
		t.Fatal(err)
	}
	s, err := m.DialNineP()
	if err != nil {
		t.Fatal(err)
	}
	n, err := NewNineP(s, vfs.RoleQueen, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return con, n
}

func TestNinePMatchesConsole(t *testing.T) {
	con, n := mockPair(t)
	boot, err := n.ReadFile("/proc/boot")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := con.Stream("CAT", "/proc/boot")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cat, "\n")+"\n" != string(boot) {
		t.Errorf("9P read:\n%s\nconsole CAT:\n%s", boot, strings.Join(cat, "\n"))
	}
	for _, dir := range []string{"/", "/proc", "/proc/tests", "/queen"} {
		ls9, err := n.List(dir)
		if err != nil {
			t.Fatalf("List %s: %v", dir, err)
		}
		lsCon, err := con.Stream("LS", dir)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(ls9, " ") != strings.Join(lsCon, " ") {
			t.Errorf("%s: 9P %v, console %v", dir, ls9, lsCon)
		}
	}

	// spawn/kill via file writes; the console sees the effects.
	if err := n.Spawn("heartbeat", "ticks=2", "ttl_s=30"); err != nil {
		t.Fatalf("Spawn: %v", err)
	}
	if ws, err := n.List("/worker"); err != nil || strings.Join(ws, " ") != "worker-1" {
		t.Fatalf("workers after spawn: %v, %v", ws, err)
	}
	if err := n.Append("/worker/worker-1/telemetry", []byte("hello\n")); err != nil {
		t.Fatalf("telemetry append: %v", err)
	}
	tail9, err := n.Tail("/shard/13/worker/worker-1/telemetry")
	if err != nil {
		t.Fatal(err)
	}
	tailCon, err := con.Stream("TAIL", "/shard/13/worker/worker-1/telemetry")
	if err != nil || strings.Join(tail9, "|") != strings.Join(tailCon, "|") {
		t.Errorf("tail: 9P %q, console %q (%v)", tail9, tailCon, err)
	}
	log9, err := n.Tail(QueenLogPath)
	if err != nil {
		t.Fatal(err)
	}
	logCon, err := con.Stream("TAIL", QueenLogPath)
	if err != nil || strings.Join(log9, "\n") != strings.Join(logCon, "\n") {
		t.Errorf("queen log: 9P\n%s\nconsole\n%s", strings.Join(log9, "\n"), strings.Join(logCon, "\n"))
	}
	if err := n.Kill("worker-1"); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	if ws, _ := n.List("/worker"); len(ws) != 0 {
		t.Errorf("workers after kill: %v", ws)
	}
	ttl := uint64(60)
	if err := n.Budget(&ttl, nil); err != nil {
		t.Errorf("Budget: %v", err)
	}
}

func TestNinePErrors(t *testing.T) {
	_, n := mockPair(t)
	tests := []struct {
		name string
		err  func() error
		kind vfs.Kind
	}{
		{"dotdot", func() error { _, err := n.ReadFile("/proc/../boot"); return err }, vfs.Invalid},
		{"depth 9", func() error { _, err := n.ReadFile("/a/b/c/d/e/f/g/h/i"); return err }, vfs.Invalid},
		{"missing", func() error { _, err := n.ReadFile("/no/such"); return err }, vfs.NotFound},
		{"read-only", func() error { return n.Append("/proc/boot", []byte("x\n")) }, vfs.Permission},
		{"bad ctl", func() error { return n.QueenCtl(`{"frob":1}`) }, vfs.Invalid},
		{"unknown worker", func() error { return n.Kill("worker-9") }, vfs.NotFound},
		{"ctl not readable", func() error { _, err := n.Open(QueenCtlPath, p9.ReadOnly); return err }, vfs.NotFound}, // wrong mode (§6)
		// Past the local checks, the server refuses too.
		{"raw dotdot walk", func() error { _, _, err := n.root.Walk([]string{"proc", ".."}); return ninepErr("walk", "", err) }, vfs.Invalid},
		{"raw depth 9 walk", func() error {
			_, _, err := n.root.Walk(strings.Split("a/b/c/d/e/f/g/h/i", "/"))
			return ninepErr("walk", "", err)
		}, vfs.Invalid},
	}
	for _, tc := range tests {
		err := tc.err()
		var ve *vfs.Error
		if !errors.As(err, &ve) || ve.Kind != tc.kind {
			t.Errorf("%s: err = %v, want kind %v", tc.name, err, tc.kind)
		}
	}
	// The session is unharmed.
	if _, err := n.ReadFile("/proc/boot"); err != nil {
		t.Errorf("read after errors: %v", err)
	}
}

func TestNinePAttachChecks(t *testing.T) {
	m, err := NewMock(MockConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s, _ := m.DialNineP()
	if _, err := NewNineP(s, vfs.RoleWorkerHeartbeat, ""); err == nil || !strings.Contains(err.Error(), "requires a non-empty ticket") {
		t.Errorf("worker without ticket: %v", err)
	}
	s.Close()
	s, _ = m.DialNineP()
	_, err = NewNineP(s, vfs.RoleWorkerHeartbeat, vecWorker) // expired (issued 2023, ttl 300 s)
	var ve *vfs.Error
	if !errors.As(err, &ve) || ve.Kind != vfs.Expired {
		t.Errorf("expired worker ticket: %v", err)
	}
}
