package ninedoor

import (
	"fmt"
	"strings"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// Telemetry ingest (§5.5): /queen/telemetry/<device>/{ctl,latest,seg/<id>}.
// A device appears on its first ctl command; each {"new":"segment"} opens
// seg-000001, seg-000002, ... and the oldest segments are evicted past the
// per-device bounds.

// IngestMIMEs are the segment types a ctl command may name.
var IngestMIMEs = []string{"text/plain", "application/json", "application/x-ndjson", "text/csv"}

type ingestSegment struct {
	id      string
	mime    string
	data    []byte
	version uint32
}

type ingestDevice struct {
	id      string
	segs    []*ingestSegment // oldest first
	nextSeg uint64
}

func (d *ingestDevice) total() int {
	n := 0
	for _, s := range d.segs {
		n += len(s.data)
	}
	return n
}

func (d *ingestDevice) latest() *ingestSegment {
	if len(d.segs) == 0 {
		return nil
	}
	return d.segs[len(d.segs)-1]
}

func (d *ingestDevice) segment(id string) *ingestSegment {
	for _, s := range d.segs {
		if s.id == id {
			return s
		}
	}
	return nil
}

func (h *Hive) ingestDevice(id string) *ingestDevice {
	for _, d := range h.devices {
		if d.id == id {
			return d
		}
	}
	return nil
}

func validDeviceID(id string) bool {
	return id != "" && len(id) <= 64 && !strings.ContainsAny(id, "/\"\\*") && id != "." && id != ".." &&
		!strings.ContainsFunc(id, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

func ingestErr(kind vfs.Kind, format string, args ...any) error {
	e := &vfs.Error{Kind: kind, Op: "ingest", Msg: fmt.Sprintf(format, args...)}
	if kind == vfs.BufferFull {
		e.Tag = "buffer-full"
	}
	return e
}

// ingestCtl runs one ctl command for device id, creating it on first use.
func (h *Hive) ingestCtl(id string, p []byte) error {
	var cmd struct {
		New  *string `json:"new"`
		MIME *string `json:"mime"`
	}
	if err := strictObject(p, &cmd); err != nil {
		return ingestErr(vfs.Invalid, "ctl: malformed JSON: %v", err)
	}
	if cmd.New == nil || *cmd.New != "segment" {
		return ingestErr(vfs.Invalid, `ctl: want {"new":"segment","mime":...}`)
	}
	mime := "text/plain"
	if cmd.MIME != nil {
		mime = *cmd.MIME
		ok := false
		for _, m := range IngestMIMEs {
			ok = ok || m == mime
		}
		if !ok {
			return ingestErr(vfs.Invalid, "ctl: unsupported mime %q", mime)
		}
	}
	d := h.ingestDevice(id)
	if d == nil {
		if len(h.devices) >= h.cfg.Limits.IngestDevices {
			return ingestErr(vfs.BufferFull, "ctl: device table full")
		}
		d = &ingestDevice{id: id}
		h.devices = append(h.devices, d)
		h.Logf("telemetry ingest device=%s created", id)
	}
	d.nextSeg++
	seg := &ingestSegment{id: fmt.Sprintf("seg-%06d", d.nextSeg), mime: mime}
	d.segs = append(d.segs, seg)
	for len(d.segs) > h.cfg.Limits.IngestSegmentsPerDevice {
		h.evictSegment(d, "max_segments_per_device")
	}
	h.Logf("telemetry ingest device=%s segment=%s mime=%s", id, seg.id, mime)
	return nil
}

func (h *Hive) evictSegment(d *ingestDevice, why string) {
	old := d.segs[0]
	d.segs = d.segs[1:]
	h.ingest.dropped++
	h.Logf("telemetry ingest device=%s evicted=%s bytes=%d reason=%s", d.id, old.id, len(old.data), why)
}

// ingestAppend adds one record to a segment; only the latest segment of a
// device is open for appends.
func (h *Hive) ingestAppend(d *ingestDevice, seg *ingestSegment, p []byte) error {
	l := h.cfg.Limits
	if d.segment(seg.id) == nil {
		return &vfs.Error{Kind: vfs.Closed, Msg: "segment " + seg.id + " was evicted"}
	}
	if seg != d.latest() {
		return &vfs.Error{Kind: vfs.Permission, Tag: vfs.TagDenied, Msg: "segment " + seg.id + " is sealed"}
	}
	rec := p
	if len(rec) == 0 || rec[len(rec)-1] != '\n' {
		rec = append(append(make([]byte, 0, len(p)+1), p...), '\n')
	}
	if len(rec) > l.IngestRecordBytes {
		return ingestErr(vfs.BufferFull, "record of %d bytes over max_bytes_per_record=%d", len(rec), l.IngestRecordBytes)
	}
	if len(seg.data)+len(rec) > l.IngestSegmentBytes {
		return ingestErr(vfs.BufferFull, "segment over max_bytes_per_segment=%d", l.IngestSegmentBytes)
	}
	for d.total()+len(rec) > l.IngestDeviceBytes && len(d.segs) > 1 {
		h.evictSegment(d, "max_total_bytes_per_device")
	}
	if d.total()+len(rec) > l.IngestDeviceBytes {
		return ingestErr(vfs.BufferFull, "device over max_total_bytes_per_device=%d", l.IngestDeviceBytes)
	}
	seg.data = append(seg.data, rec...)
	seg.version++
	return nil
}

// lookupIngest resolves p below /queen/telemetry (p[0] == "queen", p[1] == "telemetry").
func (h *Hive) lookupIngest(p []string) *node {
	if len(p) == 2 {
		ids := make([]string, len(h.devices))
		for i, d := range h.devices {
			ids[i] = d.id
		}
		return dir("/queen/telemetry", ids...)
	}
	id := p[2]
	if !validDeviceID(id) {
		return nil
	}
	base := "/queen/telemetry/" + id
	d := h.ingestDevice(id)
	if len(p) == 4 && p[3] == "ctl" {
		// ctl exists for any valid id: the first command creates the device.
		return &node{kind: nodeIngestCtl, canon: base + "/ctl", name: "ctl", mode: vfs.Append, device: id}
	}
	if d == nil {
		return nil
	}
	switch {
	case len(p) == 3:
		return dir(base, "ctl", "latest", "seg")
	case len(p) == 4 && p[3] == "latest":
		return static(base+"/latest", func() []byte {
			if s := d.latest(); s != nil {
				return []byte(s.id + "\n")
			}
			return nil
		})
	case len(p) == 4 && p[3] == "seg":
		ids := make([]string, len(d.segs))
		for i, s := range d.segs {
			ids[i] = s.id
		}
		return dir(base+"/seg", ids...)
	case len(p) == 5 && p[3] == "seg":
		seg := d.segment(p[4])
		if seg == nil {
			return nil
		}
		return &node{kind: nodeIngestSeg, canon: base + "/seg/" + seg.id, name: seg.id, mode: vfs.Read | vfs.Append,
			content: func() []byte { return seg.data }, seg: seg, dev: d}
	}
	return nil
}
