package ninedoor

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

func withGPUs(c *Config) { c.GPUs = MockGPUs() }

func TestGPUNamespace(t *testing.T) {
	f := newFixture(t, withGPUs)
	q := f.queen()
	if got := f.mustList(q, "/"); got != "gpu log proc queen shard worker host" {
		t.Fatalf("LS / = %q", got)
	}
	if got := f.mustList(q, "/gpu"); got != "bridge GPU-0 GPU-1" {
		t.Fatalf("LS /gpu = %q", got)
	}
	if got := f.mustList(q, "/gpu/GPU-0"); got != "info ctl lease status" {
		t.Fatalf("LS /gpu/GPU-0 = %q", got)
	}
	if got := f.mustRead(q, "/gpu/bridge/status"); got != "state=idle\n" {
		t.Fatalf("bridge status = %q", got)
	}
	if got := f.mustRead(q, "/gpu/GPU-0/ctl"); got != "LEASE GPU-0\n" {
		t.Fatalf("ctl = %q", got)
	}
	info := f.mustRead(q, "/gpu/GPU-1/info")
	for _, k := range []string{`"id": "GPU-1"`, `"name"`, `"memory_mb": 4096`, `"sm_count"`, `"driver_version"`, `"runtime_version"`} {
		if !strings.Contains(info, k) {
			t.Errorf("info lacks %s:\n%s", k, info)
		}
	}
	wantErr(t, "echo info", echo(q, "/gpu/GPU-0/info", "x"), vfs.Permission, vfs.TagDenied)
	wantErr(t, "non-JSON status", echo(q, "/gpu/GPU-0/status", "running"), vfs.Invalid, "")
	f.mustEcho(q, "/gpu/GPU-0/status", `{"job":"j1","state":"RUNNING"}`)
}

func TestGPUSpawn(t *testing.T) {
	f := newFixture(t, withGPUs)
	q := f.queen()
	f.mustEcho(q, "/queen/ctl", `{"spawn":"gpu","lease":{"gpu_id":"GPU-0","mem_mb":4096,"streams":2,"ttl_s":60,"priority":1}}`)
	f.wantLog("spawned worker-1 gpu=GPU-0 ttl=60 streams=2")
	want := `{"schema":"gpu-lease/v1","state":"ACTIVE","gpu_id":"GPU-0","worker_id":"worker-1","mem_mb":4096,"streams":2,"ttl_s":60,"priority":1}` + "\n"
	if got := f.mustRead(q, "/gpu/GPU-0/lease"); got != want {
		t.Fatalf("lease = %q, want %q", got, want)
	}
	if got := f.mustRead(q, "/gpu/GPU-0/ctl"); got != "LEASE GPU-0\n"+want {
		t.Fatalf("ctl = %q", got)
	}
	// GPU workers do not tick; the lease ttl bounds them.
	f.advance(59 * time.Second)
	if got := f.mustRead(q, "/worker/worker-1/telemetry"); got != "" {
		t.Fatalf("gpu worker ticked: %q", got)
	}
	f.advance(time.Second)
	f.wantLog("revoked worker-1: ttl expired")
	if got := f.mustRead(q, "/gpu/GPU-0/lease"); !strings.Contains(got, `"state":"RELEASED","gpu_id":"GPU-0","worker_id":"worker-1","reason":"ttl expired"`) {
		t.Fatalf("lease after expiry = %q", got)
	}
	for _, bad := range []struct {
		cmd  string
		kind vfs.Kind
	}{
		{`{"spawn":"gpu","lease":{"gpu_id":"GPU-9","mem_mb":1,"streams":1,"ttl_s":1}}`, vfs.NotFound},
		{`{"spawn":"gpu","lease":{"gpu_id":"GPU-0","mem_mb":0,"streams":1,"ttl_s":1}}`, vfs.Invalid},
		{`{"spawn":"gpu","lease":{"gpu_id":"GPU-0","mem_mb":8192,"streams":1,"ttl_s":1}}`, vfs.Invalid},
		{`{"spawn":"gpu"}`, vfs.Invalid},
	} {
		wantErr(t, bad.cmd, echo(q, "/queen/ctl", bad.cmd), bad.kind, "")
	}
}

func TestTestsFrom(t *testing.T) {
	fsys := fstest.MapFS{
		"proc/tests/selftest_quick.coh": {Data: []byte("ping\n")},
		"proc/tests/README":             {Data: []byte("no")},
	}
	m, err := TestsFrom(fsys, "proc/tests")
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 1 || string(m["selftest_quick.coh"]) != "ping\n" {
		t.Fatalf("TestsFrom = %v", m)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for name, mutate := range map[string]func(*Config){
		"nil clock":   func(c *Config) { c.Clock = nil },
		"no workers":  func(c *Config) { c.Limits.MaxWorkers = 0 },
		"no ring":     func(c *Config) { c.Limits.TelemetryRingBytes = 0 },
		"bad mount":   func(c *Config) { c.Mounts = []Mount{{Service: "x", Path: "rel"}} },
		"long secret": func(c *Config) { c.Secrets[vfs.RoleQueen] = strings.Repeat("s", 225) },
		"bad gpu id":  func(c *Config) { c.GPUs = []GPU{{ID: "a/b"}} },
		"bad shard":   func(c *Config) { c.Limits.ShardBits = 17 },
	} {
		cfg := DefaultConfig()
		mutate(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted the config", name)
		}
	}
}
