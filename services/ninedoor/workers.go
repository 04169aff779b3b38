package ninedoor

import (
	"crypto/sha256"
	"fmt"
	"strconv"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// Worker kinds.
const (
	KindHeartbeat = "heartbeat"
	KindGPU       = "gpu"
)

// budget is a spawn budget; zero fields are unlimited.
type budget struct {
	ttl   time.Duration
	ops   uint64
	ticks uint64
}

type worker struct {
	id       string
	kind     string
	label    string
	ring     *byteRing
	budget   budget
	spawned  time.Time
	deadline time.Time // spawned+ttl, zero if none
	nextTick time.Time // zero for workers that do not tick
	ticks    uint64    // heartbeats emitted
	ops      uint64    // telemetry records appended
	gpuID    string
	dead     bool

	wrapped      bool   // the ring has wrapped and that was logged
	unloggedDrop uint64 // bytes overwritten since the last wrap line
}

// ShardLabel is the shard of a worker id: the first bits of SHA-256(id)
// as lower-case hex, two digits for shard_bits 8 (§5.2).
func ShardLabel(id string, bits int) string {
	sum := sha256.Sum256([]byte(id))
	if bits <= 0 {
		return "00"
	}
	digits := (bits + 3) / 4
	v := uint64(0)
	for i := 0; i < 8; i++ {
		v = v<<8 | uint64(sum[i])
	}
	v >>= 64 - uint(bits)
	s := strconv.FormatUint(v, 16)
	for len(s) < digits {
		s = "0" + s
	}
	return s
}

func (h *Hive) shardLabels() []string {
	bits := h.cfg.Limits.ShardBits
	if bits <= 0 {
		return []string{"00"}
	}
	n := 1 << bits
	digits := (bits + 3) / 4
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%0*x", digits, i)
	}
	return out
}

func validLabel(label string, bits int) bool {
	digits := 2
	if bits > 0 {
		digits = (bits + 3) / 4
	}
	if len(label) != digits {
		return false
	}
	for i := 0; i < len(label); i++ {
		if c := label[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func (h *Hive) spawn(kind string, b budget, gpuID string) (*worker, error) {
	if !h.acceptsWork() {
		return nil, &vfs.Error{Kind: vfs.Permission, Op: "spawn", Path: "/queen/ctl", Tag: vfs.TagDenied, Msg: "lifecycle " + h.life.state}
	}
	if len(h.workers) >= h.cfg.Limits.MaxWorkers {
		return nil, &vfs.Error{Kind: vfs.BufferFull, Op: "spawn", Path: "/queen/ctl", Tag: "buffer-full", Msg: "worker table full"}
	}
	now := h.now()
	h.nextWorker++
	id := "worker-" + itoa(h.nextWorker)
	w := &worker{
		id:      id,
		kind:    kind,
		label:   ShardLabel(id, h.cfg.Limits.ShardBits),
		ring:    newByteRing(h.cfg.Limits.TelemetryRingBytes),
		budget:  b,
		spawned: now,
		gpuID:   gpuID,
	}
	if b.ttl > 0 {
		w.deadline = now.Add(b.ttl)
	}
	if kind == KindHeartbeat && h.cfg.HeartbeatInterval > 0 {
		w.nextTick = now.Add(h.cfg.HeartbeatInterval)
	}
	h.workers = append(h.workers, w)
	if kind == KindHeartbeat {
		h.Logf("spawned %s ticks=%s ttl=%s ops=%s", id, limitString(b.ticks), limitString(uint64(b.ttl/time.Second)), limitString(b.ops))
	}
	return w, nil
}

func limitString(v uint64) string {
	if v == 0 {
		return "none"
	}
	return itoa(v)
}

func (h *Hive) worker(id string) *worker {
	for _, w := range h.workers {
		if w.id == id {
			return w
		}
	}
	return nil
}

// removeWorker drops w; its open telemetry files turn Closed.
func (h *Hive) removeWorker(w *worker, reason string) {
	for i, x := range h.workers {
		if x == w {
			h.workers = append(h.workers[:i], h.workers[i+1:]...)
			break
		}
	}
	w.dead = true
	h.releaseGPU(w, reason)
	h.Logf("revoked %s: %s", w.id, reason)
}

func (h *Hive) kill(id string) error {
	w := h.worker(id)
	if w == nil {
		return &vfs.Error{Kind: vfs.NotFound, Op: "kill", Path: "/queen/ctl", Msg: "unknown worker " + id}
	}
	h.Logf("killed %s", id)
	h.removeWorker(w, "killed by queen")
	return nil
}

// appendTelemetry adds one record to w's ring (§5.3, §9.6).
func (h *Hive) appendTelemetry(w *worker, p []byte) error {
	rec := p
	if len(rec) == 0 || rec[len(rec)-1] != '\n' {
		rec = append(append(make([]byte, 0, len(p)+1), p...), '\n')
	}
	if quota := w.ring.capacity(); len(rec) > quota {
		h.logUser(fmt.Sprintf("telemetry quota reject bytes=%d quota=%d", len(rec), quota))
		return &vfs.Error{Kind: vfs.Invalid, Op: "append", Path: w.path(), Msg: "record larger than the telemetry ring"}
	}
	if w.budget.ops > 0 && w.ops >= w.budget.ops {
		h.removeWorker(w, "ops budget exhausted")
		return &vfs.Error{Kind: vfs.Expired, Op: "append", Path: w.path(), Msg: "worker ops budget exhausted"}
	}
	w.ops++
	if dropped := w.ring.push(rec); dropped > 0 {
		// The first wrap is logged at once, later ones once per ring's worth
		// of dropped bytes: a ticking worker must not flush the queen log.
		h.ingest.dropped++
		w.unloggedDrop += uint64(dropped)
		if !w.wrapped || w.unloggedDrop >= uint64(w.ring.capacity()) {
			h.logUser(fmt.Sprintf("telemetry ring wrap dropped_bytes=%d new_base=%d", w.unloggedDrop, w.ring.base))
			w.wrapped, w.unloggedDrop = true, 0
		}
	}
	return nil
}

func (w *worker) path() string { return "/shard/" + w.label + "/worker/" + w.id + "/telemetry" }

// pollWorkers emits due heartbeats and revokes workers whose budgets ran out.
// It returns the earliest time a worker next needs attention.
func (h *Hive) pollWorkers(now time.Time) time.Time {
	var next time.Time
	for i := 0; i < len(h.workers); {
		w := h.workers[i]
		if !w.deadline.IsZero() && !now.Before(w.deadline) {
			h.removeWorker(w, "ttl expired")
			continue
		}
		if !w.nextTick.IsZero() && !now.Before(w.nextTick) {
			if w.budget.ticks > 0 && w.ticks >= w.budget.ticks {
				h.removeWorker(w, "tick budget exhausted")
				continue
			}
			w.ticks++
			rec := fmt.Sprintf(`{"tick":%d,"ts_ms":%d}`, w.ticks, unixMs(now))
			if err := h.appendTelemetry(w, []byte(rec)); err != nil && w.dead {
				continue
			}
			w.nextTick = w.nextTick.Add(h.cfg.HeartbeatInterval)
			if !w.nextTick.After(now) {
				w.nextTick = now.Add(h.cfg.HeartbeatInterval) // no catch-up bursts
			}
		}
		next = earliest(next, w.deadline)
		next = earliest(next, w.nextTick)
		i++
	}
	return next
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }
