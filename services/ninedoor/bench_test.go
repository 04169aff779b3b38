package ninedoor

import (
	"testing"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

func benchHive(b *testing.B) (*Hive, *fakeClock) {
	clk := &fakeClock{t: epoch}
	cfg := DefaultConfig()
	cfg.Clock = clk.now
	h, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	h.Poll(clk.t, time.Millisecond)
	return h, clk
}

// BenchmarkAttachWorkerTicket is one ATTACH with a worker ticket: envelope,
// MAC, claims decode and limits, then session teardown.
func BenchmarkAttachWorkerTicket(b *testing.B) {
	h, _ := benchHive(b)
	req := vfs.AttachRequest{Role: vfs.RoleWorkerHeartbeat, Ticket: ticketWorker1}
	b.ReportAllocs()
	for b.Loop() {
		s, err := h.Attach(req)
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// BenchmarkTelemetryAppend appends a 100-byte record to a wrapping ring.
func BenchmarkTelemetryAppend(b *testing.B) {
	h, _ := benchHive(b)
	q, _ := h.Attach(vfs.AttachRequest{Role: vfs.RoleQueen})
	if err := echo(q, "/queen/ctl", `{"spawn":"heartbeat"}`); err != nil {
		b.Fatal(err)
	}
	f, err := q.Open(split("/shard/13/worker/worker-1/telemetry"), vfs.OpenAppend)
	if err != nil {
		b.Fatal(err)
	}
	rec := make([]byte, 100)
	for i := range rec {
		rec[i] = 'a'
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(rec)))
	for b.Loop() {
		if _, err := f.Append(rec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStatThroughBind resolves a path through a session bind.
func BenchmarkStatThroughBind(b *testing.B) {
	h, _ := benchHive(b)
	q, _ := h.Attach(vfs.AttachRequest{Role: vfs.RoleQueen})
	if err := echo(q, "/queen/ctl", `{"bind":{"from":"/proc/lifecycle","to":"/l"}}`); err != nil {
		b.Fatal(err)
	}
	p := split("/l/state")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := q.Stat(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPollHeartbeats is one pump poll with 8 heartbeat workers due.
func BenchmarkPollHeartbeats(b *testing.B) {
	h, clk := benchHive(b)
	q, _ := h.Attach(vfs.AttachRequest{Role: vfs.RoleQueen})
	for i := 0; i < 8; i++ {
		if err := echo(q, "/queen/ctl", `{"spawn":"heartbeat"}`); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		clk.advance(time.Second)
		h.Poll(clk.t, time.Millisecond)
	}
}
