package ninedoor

import (
	"strings"
	"testing"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

var ctlSeeds = []string{
	`{"spawn":"heartbeat","ticks":1,"budget":{"ttl_s":30}}`,
	`{"spawn":"gpu","lease":{"gpu_id":"GPU-0","mem_mb":1024,"streams":1,"ttl_s":30,"priority":0}}`,
	`{"kill":"worker-1"}`,
	`{"bind":{"from":"/proc","to":"/p"}}`,
	`{"mount":{"service":"logs","at":"/l"}}`,
	`{"budget":{"ttl_s":5,"ops":3}}`,
	`{"spawn":"heartbeat"}` + "\n" + `{"kill":"worker-1"}`,
	`{"bind":{"from":"/proc/../boot","to":"/tmp"}}`,
	`{`,
}

// FuzzQueenCtl drives /queen/ctl with arbitrary payloads: nothing panics,
// every refusal is a *vfs.Error, and the hive's bounds hold.
func FuzzQueenCtl(f *testing.F) {
	for _, s := range ctlSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		clk := &fakeClock{t: epoch}
		cfg := DefaultConfig()
		cfg.Clock = clk.now
		cfg.GPUs = MockGPUs()
		h, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		h.Poll(clk.t, time.Millisecond)
		q, err := h.Attach(vfs.AttachRequest{Role: vfs.RoleQueen})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			err := echo(q, "/queen/ctl", string(payload))
			if err != nil && vfs.KindOf(err) == vfs.KindInternal {
				t.Fatalf("foreign error %v", err)
			}
			clk.advance(time.Second)
			h.Poll(clk.t, time.Millisecond)
		}
		if len(h.workers) > cfg.Limits.MaxWorkers {
			t.Fatalf("%d workers", len(h.workers))
		}
		if len(h.LogLines()) > cfg.Limits.LogLines {
			t.Fatalf("%d log lines", len(h.LogLines()))
		}
		if _, err := ParseCommand(payload); err != nil && vfs.KindOf(err) != vfs.Invalid {
			t.Fatalf("ParseCommand error kind %v", vfs.KindOf(err))
		}
	})
}

// FuzzResolve resolves arbitrary paths through a session with binds: no
// panics, only namespace errors, and bind paths that parse are well formed.
func FuzzResolve(f *testing.F) {
	for _, s := range []string{"/", "/proc/boot", "/shard/13/worker/worker-1/telemetry", "/worker/worker-1", "/gpu/GPU-0/lease",
		"/p/boot", "/l/queen.log", "/proc/../x", "//", "/a/*", "/1/2/3/4/5/6/7/8/9"} {
		f.Add(s, "/proc")
	}
	f.Fuzz(func(t *testing.T, p, bindFrom string) {
		clk := &fakeClock{t: epoch}
		cfg := DefaultConfig()
		cfg.Clock = clk.now
		cfg.GPUs = MockGPUs()
		h, _ := New(cfg)
		h.Poll(clk.t, time.Millisecond)
		q, _ := h.Attach(vfs.AttachRequest{Role: vfs.RoleQueen})
		echo(q, "/queen/ctl", `{"spawn":"heartbeat"}`)
		echo(q, "/queen/ctl", `{"bind":{"from":"`+strings.ReplaceAll(bindFrom, `"`, ``)+`","to":"/p"}}`)
		if parts, err := parsePath(p); err == nil {
			if len(parts) < 1 || len(parts) > MaxPathDepth {
				t.Fatalf("parsePath(%q) = %d parts", p, len(parts))
			}
			for _, c := range parts {
				if c == "" || c == ".." || c == "." || strings.Contains(c, "*") {
					t.Fatalf("parsePath(%q) let %q through", p, c)
				}
			}
		}
		comps := strings.Split(p, "/")
		for _, try := range [][]string{comps, split(p)} {
			for _, call := range []func() error{
				func() error { _, err := q.Stat(try); return err },
				func() error { _, err := q.List(try); return err },
				func() error { _, err := readAll(q, "/"+strings.Join(try, "/")); return err },
			} {
				if err := call(); err != nil && vfs.KindOf(err) == vfs.KindInternal {
					t.Fatalf("foreign error for %q: %v", p, err)
				}
			}
		}
	})
}
