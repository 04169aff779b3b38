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

// FuzzHiveOps runs a byte-coded sequence of attaches, control writes,
// reads, binds and clock steps against one hive and checks its bounds after
// every step.
func FuzzHiveOps(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	f.Add([]byte{0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 7, 7, 7, 3, 3})
	f.Add([]byte{0, 6, 6, 6, 8, 9, 2, 5, 4, 10, 11, 0, 12})
	paths := []string{"/proc/boot", "/log/queen.log", "/worker/worker-1/telemetry", "/shard/13/worker/worker-1/telemetry",
		"/queen/telemetry/d/seg/seg-000001", "/proc/ingest/watch", "/p/state", "/host/docker/status", "/gpu/GPU-0/lease"}
	cmds := []string{`{"spawn":"heartbeat","ticks":3}`, `{"kill":"worker-1"}`, `{"bind":{"from":"/proc/lifecycle","to":"/p"}}`,
		`{"spawn":"gpu","lease":{"gpu_id":"GPU-0","mem_mb":1,"streams":1,"ttl_s":2}}`, `{"budget":{"ttl_s":2}}`}
	f.Fuzz(func(t *testing.T, prog []byte) {
		clk := &fakeClock{t: epoch}
		cfg := DefaultConfig()
		cfg.Clock = clk.now
		cfg.GPUs = MockGPUs()
		h, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var sessions []vfs.Session
		pick := func(i int) vfs.Session {
			if len(sessions) == 0 {
				return nil
			}
			return sessions[i%len(sessions)]
		}
		tickets := []string{"", ticketWorker1, ticketQueenScoped, ticketWorkerBadMAC, ticketQueenTTL0}
		for i, b := range prog {
			arg := int(b >> 4)
			s := pick(arg)
			switch b & 15 {
			case 0:
				h.Poll(clk.t, time.Millisecond)
			case 1:
				role := vfs.RoleQueen
				tk := tickets[arg%len(tickets)]
				if tk == ticketWorker1 || tk == ticketWorkerBadMAC {
					role = vfs.RoleWorkerHeartbeat
				}
				if s, err := h.Attach(vfs.AttachRequest{Role: role, Ticket: tk}); err == nil {
					sessions = append(sessions, s)
				}
			case 2, 3:
				if s != nil {
					echo(s, "/queen/ctl", cmds[(arg+i)%len(cmds)])
				}
			case 4:
				if s != nil {
					readAll(s, paths[arg%len(paths)])
				}
			case 5:
				if s != nil {
					echo(s, paths[arg%len(paths)], "record")
				}
			case 6:
				clk.advance(time.Duration(arg+1) * 300 * time.Millisecond)
			case 7:
				if s != nil {
					echo(s, "/queen/lifecycle/ctl", []string{"cordon", "drain", "resume", "quiesce", "reset"}[arg%5])
				}
			case 8:
				if s != nil {
					echo(s, "/queen/telemetry/d/ctl", `{"new":"segment"}`)
				}
			case 9:
				if s != nil {
					s.List(split([]string{"/", "/worker", "/p", "/shard/13/worker", "/queen/telemetry/d/seg"}[arg%5]))
				}
			case 10:
				if s != nil {
					h.SessionEnded(s, arg%2 == 0)
				}
			default:
				h.Poll(clk.t, time.Millisecond)
				clk.advance(time.Second)
			}
			l := cfg.Limits
			if len(h.workers) > l.MaxWorkers || len(h.sessions) > l.MaxSessions || len(h.LogLines()) > l.LogLines || len(h.devices) > l.IngestDevices {
				t.Fatalf("step %d: bounds broken: %d workers %d sessions %d lines %d devices", i, len(h.workers), len(h.sessions), len(h.LogLines()), len(h.devices))
			}
			for _, w := range h.workers {
				if len(w.ring.buf) > w.ring.capacity() || w.dead {
					t.Fatalf("step %d: worker %s ring %d dead=%v", i, w.id, len(w.ring.buf), w.dead)
				}
			}
		}
	})
}
