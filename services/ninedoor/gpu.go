package ninedoor

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// gpuFile is an appendable, readable record file of the mock provider.
type gpuFile struct {
	ring *byteRing
	// jsonOnly files (lease, status) accept one JSON object per record.
	jsonOnly bool
}

func (f *gpuFile) readAt(p []byte, off uint64) int { return f.ring.readAt(p, off) }

func (f *gpuFile) append(p []byte) error {
	rec := p
	if len(rec) == 0 || rec[len(rec)-1] != '\n' {
		rec = append(append(make([]byte, 0, len(p)+1), p...), '\n')
	}
	if len(rec) > f.ring.capacity() {
		return &vfs.Error{Kind: vfs.BufferFull, Tag: "buffer-full", Msg: "record larger than the file"}
	}
	if f.jsonOnly {
		var v map[string]json.RawMessage
		if err := strictObject(p, &v); err != nil {
			return &vfs.Error{Kind: vfs.Invalid, Msg: "want one JSON object"}
		}
	}
	f.ring.push(rec)
	return nil
}

type gpuDev struct {
	cfg                GPU
	info               []byte
	ctl, lease, status *gpuFile
}

func newGPUDev(g GPU, fileBytes int) *gpuDev {
	info, _ := json.MarshalIndent(struct {
		ID             string `json:"id"`
		Name           string `json:"name"`
		MemoryMB       uint32 `json:"memory_mb"`
		SMCount        uint32 `json:"sm_count"`
		DriverVersion  string `json:"driver_version"`
		RuntimeVersion string `json:"runtime_version"`
	}{g.ID, g.Name, g.MemoryMB, g.SMCount, g.DriverVersion, g.RuntimeVersion}, "", "  ")
	d := &gpuDev{
		cfg:    g,
		info:   append(info, '\n'),
		ctl:    &gpuFile{ring: newByteRing(fileBytes)},
		lease:  &gpuFile{ring: newByteRing(fileBytes), jsonOnly: true},
		status: &gpuFile{ring: newByteRing(fileBytes), jsonOnly: true},
	}
	d.ctl.ring.push([]byte("LEASE " + g.ID + "\n"))
	return d
}

func (h *Hive) gpu(id string) *gpuDev {
	for _, g := range h.gpus {
		if g.cfg.ID == id {
			return g
		}
	}
	return nil
}

func (h *Hive) lookupGPU(p []string) *node {
	if len(h.gpus) == 0 {
		return nil
	}
	switch len(p) {
	case 1:
		kids := []string{"bridge"}
		for _, g := range h.gpus {
			kids = append(kids, g.cfg.ID)
		}
		return dir("/gpu", kids...)
	case 2:
		if p[1] == "bridge" {
			return dir("/gpu/bridge", "status")
		}
		if h.gpu(p[1]) != nil {
			return dir("/gpu/"+p[1], "info", "ctl", "lease", "status")
		}
	case 3:
		c := "/gpu/" + p[1] + "/" + p[2]
		if p[1] == "bridge" {
			if p[2] == "status" {
				return static(c, text("state=idle\n"))
			}
			return nil
		}
		g := h.gpu(p[1])
		if g == nil {
			return nil
		}
		var f *gpuFile
		switch p[2] {
		case "info":
			return static(c, func() []byte { return g.info })
		case "ctl":
			f = g.ctl
		case "lease":
			f = g.lease
		case "status":
			f = g.status
		default:
			return nil
		}
		return &node{kind: nodeGPUFile, canon: c, name: p[2], mode: vfs.Read | vfs.Append, gfile: f}
	}
	return nil
}

// spawnGPU grants a lease on a mock GPU and starts a gpu worker holding it.
func (h *Hive) spawnGPU(b budget, l Lease) error {
	if len(h.gpus) == 0 {
		return &vfs.Error{Kind: vfs.Busy, Op: "spawn", Path: "/queen/ctl", Msg: "no GPU provider"}
	}
	g := h.gpu(l.GPUID)
	if g == nil {
		return &vfs.Error{Kind: vfs.NotFound, Op: "spawn", Path: "/queen/ctl", Msg: "unknown gpu " + l.GPUID}
	}
	if l.MemMB > g.cfg.MemoryMB {
		return &vfs.Error{Kind: vfs.Invalid, Op: "spawn", Path: "/queen/ctl", Msg: "mem_mb exceeds the GPU"}
	}
	if b.ttl == 0 {
		b.ttl = time.Duration(l.TTLSec) * time.Second
	}
	b.ticks = 0
	w, err := h.spawn(KindGPU, b, l.GPUID)
	if err != nil {
		return err
	}
	rec := fmt.Sprintf(`{"schema":"gpu-lease/v1","state":"ACTIVE","gpu_id":%q,"worker_id":%q,"mem_mb":%d,"streams":%d,"ttl_s":%d,"priority":%d}`,
		l.GPUID, w.id, l.MemMB, l.Streams, l.TTLSec, l.Priority)
	g.lease.ring.push([]byte(rec + "\n"))
	g.ctl.ring.push([]byte(rec + "\n")) // INTERFACES.md §3: issuance is mirrored to ctl
	h.Logf("spawned %s gpu=%s ttl=%d streams=%d", w.id, l.GPUID, l.TTLSec, l.Streams)
	return nil
}

func (h *Hive) releaseGPU(w *worker, reason string) {
	if w.gpuID == "" {
		return
	}
	if g := h.gpu(w.gpuID); g != nil {
		rec := fmt.Sprintf(`{"schema":"gpu-lease/v1","state":"RELEASED","gpu_id":%q,"worker_id":%q,"reason":%q}`, w.gpuID, w.id, reason)
		g.lease.ring.push([]byte(rec + "\n"))
	}
}
