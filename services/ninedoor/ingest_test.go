package ninedoor

import (
	"strings"
	"testing"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

const newSegment = `{"new":"segment","mime":"text/plain"}`

func TestIngestSegments(t *testing.T) {
	f := newFixture(t)
	q := f.queen()
	_, err := q.Stat(split("/queen/telemetry/dev-1"))
	wantErr(t, "device before first ctl", err, vfs.NotFound, "")
	f.mustEcho(q, "/queen/telemetry/dev-1/ctl", newSegment)
	if got := f.mustList(q, "/queen/telemetry"); got != "dev-1" {
		t.Fatalf("LS /queen/telemetry = %q", got)
	}
	if got := f.mustList(q, "/queen/telemetry/dev-1"); got != "ctl latest seg" {
		t.Fatalf("LS device = %q", got)
	}
	if got := f.mustRead(q, "/queen/telemetry/dev-1/latest"); got != "seg-000001\n" {
		t.Fatalf("latest = %q", got)
	}
	wantErr(t, "latest is read-only", echo(q, "/queen/telemetry/dev-1/latest", "x"), vfs.Permission, vfs.TagDenied)
	f.mustEcho(q, "/queen/telemetry/dev-1/seg/seg-000001", "drain-prep")
	f.mustEcho(q, "/queen/telemetry/dev-1/seg/seg-000001", "second\n")
	if got := f.mustRead(q, "/queen/telemetry/dev-1/seg/seg-000001"); got != "drain-prep\nsecond\n" {
		t.Fatalf("segment = %q", got)
	}
	// Ingest continues while DRAINING (lifecycle_drain_spool).
	f.mustEcho(q, "/queen/lifecycle/ctl", "cordon")
	f.mustEcho(q, "/queen/telemetry/dev-1/ctl", newSegment)
	f.mustEcho(q, "/queen/telemetry/dev-1/seg/seg-000002", "drain-live")
	wantErr(t, "append to a sealed segment", echo(q, "/queen/telemetry/dev-1/seg/seg-000001", "late"), vfs.Permission, vfs.TagDenied)
	// Five segments: the oldest is evicted.
	for i := 0; i < 3; i++ {
		f.mustEcho(q, "/queen/telemetry/dev-1/ctl", newSegment)
	}
	if got := f.mustList(q, "/queen/telemetry/dev-1/seg"); got != "seg-000002 seg-000003 seg-000004 seg-000005" {
		t.Fatalf("segments = %q", got)
	}
	_, err = readAll(q, "/queen/telemetry/dev-1/seg/seg-000001")
	wantErr(t, "evicted segment", err, vfs.NotFound, "")
	f.wantLog("telemetry ingest device=dev-1 evicted=seg-000001 bytes=18 reason=max_segments_per_device")
}

func TestIngestBounds(t *testing.T) {
	f := newFixture(t, func(c *Config) {
		c.Limits.IngestRecordBytes = 16
		c.Limits.IngestSegmentBytes = 32
		c.Limits.IngestDeviceBytes = 64
		c.Limits.IngestDevices = 2
	})
	q := f.queen()
	seg := func(n string) string { return "/queen/telemetry/d/seg/seg-00000" + n }
	f.mustEcho(q, "/queen/telemetry/d/ctl", newSegment)
	wantErr(t, "record too big", echo(q, seg("1"), strings.Repeat("r", 16)), vfs.BufferFull, "")
	f.mustEcho(q, seg("1"), strings.Repeat("a", 15))
	f.mustEcho(q, seg("1"), strings.Repeat("b", 15))
	wantErr(t, "segment full", echo(q, seg("1"), "c"), vfs.BufferFull, "")
	f.mustEcho(q, "/queen/telemetry/d/ctl", newSegment)
	f.mustEcho(q, seg("2"), strings.Repeat("c", 15))
	f.mustEcho(q, seg("2"), strings.Repeat("d", 15))
	f.mustEcho(q, "/queen/telemetry/d/ctl", newSegment)
	f.mustEcho(q, seg("3"), strings.Repeat("e", 15)) // 80 bytes > 64: seg-000001 goes
	if got := f.mustList(q, "/queen/telemetry/d/seg"); got != "seg-000002 seg-000003" {
		t.Fatalf("segments = %q", got)
	}
	f.wantLog("reason=max_total_bytes_per_device")
	for _, bad := range []string{`{"new":"stream"}`, `{"mime":"text/plain"}`, `{"new":"segment","mime":"image/png"}`, `nope`} {
		wantErr(t, "ctl "+bad, echo(q, "/queen/telemetry/d/ctl", bad), vfs.Invalid, "")
	}
	f.mustEcho(q, "/queen/telemetry/e/ctl", newSegment)
	wantErr(t, "third device", echo(q, "/queen/telemetry/f/ctl", newSegment), vfs.BufferFull, "")
	w := f.worker("worker-1")
	wantErr(t, "worker ctl", echo(w, "/queen/telemetry/d/ctl", newSegment), vfs.Permission, vfs.TagDenied)
	if got := f.mustRead(w, "/queen/telemetry/d/latest"); got != "seg-000003\n" {
		t.Fatalf("worker read latest = %q", got)
	}
}
