package ninedoor

import (
	"fmt"
	"sort"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// ingestObserver backs /proc/ingest (§7.2): latency percentiles of
// telemetry appends, refusal and drop counters, and the watch log.
//
// Appends are applied synchronously on the pump loop, so nothing is ever
// queued: queued stays 0 unless a transport reports otherwise through
// ObserveIngest.
type ingestObserver struct {
	samples      []time.Duration // ring of the newest latencies
	next         int
	backpressure uint64 // telemetry/ingest appends refused for capacity
	dropped      uint64 // records or segments overwritten or evicted
	queued       uint64
	uiReads      uint64 // opens of /proc/ingest nodes
	watch        *lineRing
	lastWatch    time.Time
}

func newIngestObserver(l Limits) ingestObserver {
	return ingestObserver{samples: make([]time.Duration, 0, max(1, l.IngestLatencySamples)), watch: newLineRing(max(1, l.IngestWatchEntries))}
}

func (o *ingestObserver) sample(d time.Duration) {
	if d < 0 {
		d = 0
	}
	if len(o.samples) < cap(o.samples) {
		o.samples = append(o.samples, d)
		return
	}
	o.samples[o.next] = d
	o.next = (o.next + 1) % len(o.samples)
}

// percentile is the nearest-rank percentile in ms of the retained samples.
func (o *ingestObserver) percentile(p int) uint64 {
	if len(o.samples) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), o.samples...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := (p*len(s) + 99) / 100
	return uint64(s[max(0, rank-1)].Milliseconds())
}

// ObserveIngest lets a transport report a record's latency from arrival to
// its append and how many records it currently holds queued.
func (h *Hive) ObserveIngest(latency time.Duration, queued int) {
	h.ingest.sample(latency)
	h.ingest.queued = uint64(max(0, queued))
}

// watchLine appends a /proc/ingest/watch line unless one was added less
// than IngestWatchInterval ago.
func (h *Hive) watchLine(now time.Time) {
	o := &h.ingest
	if !o.lastWatch.IsZero() && now.Sub(o.lastWatch) < h.cfg.Limits.IngestWatchInterval {
		return
	}
	o.lastWatch = now
	denies := uint64(0)
	for _, n := range h.pressureCounts {
		denies += n
	}
	o.watch.add(LogLine{Text: fmt.Sprintf("watch ts_ms=%d p50_ms=%d p95_ms=%d queued=%d backpressure=%d dropped=%d ui_reads=%d ui_denies=%d",
		h.uptimeMs(now), o.percentile(50), o.percentile(95), o.queued, o.backpressure, o.dropped, o.uiReads, denies)})
}

func (h *Hive) lookupIngestProc(p []string) *node {
	o := &h.ingest
	if len(p) == 2 {
		return dir("/proc/ingest", "p50_ms", "p95_ms", "backpressure", "dropped", "queued", "watch")
	}
	if len(p) != 3 {
		return nil
	}
	c := "/proc/ingest/" + p[2]
	counter := func(v func() uint64) *node {
		name := p[2]
		return static(c, func() []byte { return []byte(name + "=" + itoa(v()) + "\n") })
	}
	switch p[2] {
	case "p50_ms":
		return counter(func() uint64 { return o.percentile(50) })
	case "p95_ms":
		return counter(func() uint64 { return o.percentile(95) })
	case "backpressure":
		return counter(func() uint64 { return o.backpressure })
	case "dropped":
		return counter(func() uint64 { return o.dropped })
	case "queued":
		return counter(func() uint64 { return o.queued })
	case "watch":
		return &node{kind: nodeLog, canon: c, name: "watch", mode: vfs.Read | vfs.Stream, ring: o.watch, watch: true}
	}
	return nil
}
