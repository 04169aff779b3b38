package ninedoor

import (
	"strings"
	"testing"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

func TestListings(t *testing.T) {
	f := newFixture(t)
	q := f.queen()
	tests := []struct{ path, want string }{
		{"/", "log proc queen shard worker host"},
		{"/proc", "boot tests lifecycle 9p ingest root pressure"},
		{"/proc/ingest", "p50_ms p95_ms backpressure dropped queued watch"},
		{"/proc/tests", "selftest_quick.coh selftest_full.coh selftest_negative.coh"},
		{"/proc/lifecycle", "state reason since"},
		{"/proc/9p", "session"},
		{"/proc/9p/session", "active"},
		{"/proc/root", "reachable last_seen_ms cut_reason"},
		{"/proc/pressure", "busy quota cut policy"},
		{"/log", "queen.log"},
		{"/queen", "ctl lifecycle telemetry"},
		{"/queen/telemetry", ""},
		{"/queen/lifecycle", "ctl"},
		{"/worker", ""},
		{"/shard/13", "worker"},
		{"/shard/13/worker", ""},
	}
	for _, tt := range tests {
		if got := f.mustList(q, tt.path); got != tt.want {
			t.Errorf("LS %s = %q, want %q", tt.path, got, tt.want)
		}
	}
	if got := f.mustList(q, "/shard"); !strings.HasPrefix(got, "00 01 02") || !strings.HasSuffix(got, "fe ff") || len(strings.Fields(got)) != 256 {
		t.Errorf("LS /shard = %d labels %q...", len(strings.Fields(got)), got[:min(20, len(got))])
	}
}

func TestFiles(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.ManifestSHA256 = strings.Repeat("ab", 32) })
	q := f.queen()
	tests := []struct{ path, want string }{
		{"/proc/boot", "Cohesix boot: root-task online\nmanifest.schema=1.5\nmanifest.profile=virt-aarch64\nmanifest.sha256=" + strings.Repeat("ab", 32) +
			"\ntelemetry.ring_bytes_per_worker=1024\ntelemetry.frame_schema=legacy-plaintext\ntelemetry.cursor.retain_on_boot=false\nevent_pump.fds=serial,timer,ipc,net-console,ninedoor\n"},
		{"/proc/tests/selftest_quick.coh", "ping\nEXPECT OK\n"},
		{"/proc/lifecycle/state", "state=ONLINE\n"},
		{"/proc/lifecycle/reason", "reason=boot-complete\n"},
		{"/proc/lifecycle/since", "since_ms=0\n"},
		{"/proc/9p/session/active", "active=1 draining=0\n"},
		{"/proc/root/reachable", "reachable=yes\n"},
		{"/proc/root/last_seen_ms", "last_seen_ms=0\n"},
		{"/proc/root/cut_reason", "cut_reason=none\n"}, // a queen is attached
		{"/proc/pressure/busy", "busy=0\n"},
		{"/proc/pressure/quota", "quota=0\n"},
		{"/proc/pressure/cut", "cut=0\n"},
		{"/proc/pressure/policy", "policy=0\n"},
	}
	for _, tt := range tests {
		if got := f.mustRead(q, tt.path); got != tt.want {
			t.Errorf("CAT %s = %q, want %q", tt.path, got, tt.want)
		}
	}
	log := f.mustRead(q, "/log/queen.log")
	if !strings.HasPrefix(log, FirstLogLine+"\n") {
		t.Errorf("queen.log starts %q", log[:min(60, len(log))])
	}
	if !strings.Contains(log, "lifecycle transition old=BOOTING new=ONLINE reason=boot-complete\n") {
		t.Errorf("queen.log lacks boot-complete transition:\n%s", log)
	}
}

func TestModes(t *testing.T) {
	f := newFixture(t)
	q := f.queen()
	f.mustEcho(q, "/queen/ctl", `{"spawn":"heartbeat","ticks":2}`)
	tests := []struct {
		path string
		mode vfs.Mode
	}{
		{"/", vfs.Dir},
		{"/proc/boot", vfs.Read},
		{"/proc/tests/selftest_full.coh", vfs.Read},
		{"/log/queen.log", vfs.Read | vfs.Append | vfs.Stream},
		{"/queen/ctl", vfs.Append},
		{"/queen/lifecycle/ctl", vfs.Append},
		{"/worker/worker-1/telemetry", vfs.Append | vfs.Stream},
		{"/shard/13/worker/worker-1/telemetry", vfs.Append | vfs.Stream},
	}
	for _, tt := range tests {
		st, err := q.Stat(split(tt.path))
		if err != nil {
			t.Errorf("Stat %s: %v", tt.path, err)
			continue
		}
		if st.Mode != tt.mode {
			t.Errorf("Stat %s mode = %v, want %v", tt.path, st.Mode, tt.mode)
		}
	}
	a, _ := q.Stat(split("/worker/worker-1/telemetry"))
	b, _ := q.Stat(split("/shard/13/worker/worker-1/telemetry"))
	if a.Path != b.Path {
		t.Errorf("alias qid %x != canonical qid %x", a.Path, b.Path)
	}
}

func TestNotFoundAndReadOnly(t *testing.T) {
	f := newFixture(t)
	q := f.queen()
	f.mustEcho(q, "/queen/ctl", `{"spawn":"heartbeat"}`)
	for _, p := range []string{"/nope", "/proc/nope", "/proc/tests/x.coh", "/shard/14/worker/worker-1/telemetry",
		"/shard/1/worker", "/shard/1G", "/worker/worker-2", "/worker/worker-1/other", "/queen/ctl/x", "/gpu"} {
		_, err := q.Stat(split(p))
		wantErr(t, "Stat "+p, err, vfs.NotFound, "")
	}
	for _, p := range []string{"/proc/boot", "/proc/tests/selftest_quick.coh", "/proc/lifecycle/state"} {
		wantErr(t, "echo "+p, echo(q, p, "x"), vfs.Permission, vfs.TagDenied)
	}
	for _, p := range []string{"/queen/ctl", "/queen/lifecycle/ctl"} {
		_, err := readAll(q, p)
		wantErr(t, "read "+p, err, vfs.NotFound, "")
	}
	_, err := q.List(split("/proc/boot"))
	wantErr(t, "ls /proc/boot", err, vfs.NotFound, "")
}
