package ninedoor

import (
	"strings"
	"testing"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

func TestIngestObservability(t *testing.T) {
	f := newFixture(t)
	q := f.queen()
	for _, tt := range []struct{ path, want string }{
		{"/proc/ingest/p50_ms", "p50_ms=0\n"},
		{"/proc/ingest/p95_ms", "p95_ms=0\n"},
		{"/proc/ingest/backpressure", "backpressure=0\n"},
		{"/proc/ingest/dropped", "dropped=0\n"},
		{"/proc/ingest/queued", "queued=0\n"},
	} {
		if got := f.mustRead(q, tt.path); got != tt.want {
			t.Errorf("CAT %s = %q, want %q", tt.path, got, tt.want)
		}
	}
	f.mustEcho(q, "/queen/ctl", `{"spawn":"heartbeat"}`)
	wantErr(t, "oversized", echo(q, "/worker/worker-1/telemetry", strings.Repeat("x", 2000)), vfs.Invalid, "")
	for i := 0; i < 11; i++ {
		f.mustEcho(q, "/worker/worker-1/telemetry", strings.Repeat("y", 99))
	}
	// A transport reports latencies it measured; percentiles are nearest-rank.
	for i := 1; i <= 20; i++ {
		f.h.ObserveIngest(time.Duration(i)*10*time.Millisecond, 3)
	}
	for _, tt := range []struct{ path, want string }{
		{"/proc/ingest/backpressure", "backpressure=1\n"},
		{"/proc/ingest/dropped", "dropped=1\n"},
		{"/proc/ingest/queued", "queued=3\n"},
		{"/proc/ingest/p95_ms", "p95_ms=190\n"}, // 31 samples: 11 zeros and 10..200 ms
		{"/proc/ingest/p50_ms", "p50_ms=50\n"},
	} {
		if got := f.mustRead(q, tt.path); got != tt.want {
			t.Errorf("CAT %s = %q, want %q", tt.path, got, tt.want)
		}
	}
	st, err := q.Stat(split("/proc/ingest/watch"))
	if err != nil || st.Mode != vfs.Read|vfs.Stream {
		t.Fatalf("watch stat %+v %v", st, err)
	}
	// Each read-open adds a watch line, at most one per 50 ms.
	first := f.mustRead(q, "/proc/ingest/watch")
	if !strings.HasPrefix(first, "watch ts_ms=0 p50_ms=50 p95_ms=190 queued=3 backpressure=1 dropped=1 ui_reads=") || strings.Count(first, "\n") != 1 {
		t.Fatalf("watch = %q", first)
	}
	if got := f.mustRead(q, "/proc/ingest/watch"); strings.Count(got, "\n") != 1 {
		t.Fatalf("second watch within 50 ms: %q", got)
	}
	for i := 0; i < 20; i++ {
		f.clock.advance(50 * time.Millisecond)
		f.mustRead(q, "/proc/ingest/watch")
	}
	if got := f.mustRead(q, "/proc/ingest/watch"); strings.Count(got, "\n") != 16 || !strings.HasPrefix(got, "watch ts_ms=250 ") {
		t.Fatalf("watch holds %d lines starting %q", strings.Count(got, "\n"), got[:20])
	}
}
