package ninedoor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// Command is one decoded /queen/ctl command (§5.1).
type Command struct {
	Op string // "spawn", "kill", "bind", "mount", "budget"

	// spawn
	Kind     string // KindHeartbeat or KindGPU
	HasTicks bool
	Ticks    uint64
	Budget   *BudgetSpec
	Lease    *Lease

	// kill
	Worker string

	// bind: From -> To; mount: Service at To
	From, To, Service string

	// Ignored lists unknown fields, which are logged and ignored.
	Ignored []string
}

// BudgetSpec is a {"ttl_s":..,"ops":..} object.
type BudgetSpec struct {
	HasTTL bool
	TTLSec uint64
	HasOps bool
	Ops    uint64
}

// Lease is a GPU lease request.
type Lease struct {
	GPUID    string
	MemMB    uint32
	Streams  uint8
	TTLSec   uint32
	Priority uint8
}

// commandKeys name the commands; "budget" is a command on its own and a
// field of spawn.
var commandKeys = []string{"spawn", "kill", "bind", "mount"}

func ctlError(format string, args ...any) error {
	return &vfs.Error{Kind: vfs.Invalid, Op: "ctl", Path: "/queen/ctl", Msg: fmt.Sprintf(format, args...)}
}

// ParseCommand decodes one JSON object. It accepts the lenient superset of
// §5.1: exactly one command key, its documented fields, and unknown fields
// (reported in Ignored). Anything else is Invalid.
func ParseCommand(line []byte) (Command, error) {
	var obj map[string]json.RawMessage
	if err := strictObject(line, &obj); err != nil {
		return Command{}, ctlError("malformed JSON: %v", err)
	}
	var c Command
	for _, k := range commandKeys {
		if _, ok := obj[k]; ok {
			if c.Op != "" {
				return Command{}, ctlError("more than one command (%s, %s)", c.Op, k)
			}
			c.Op = k
		}
	}
	if _, ok := obj["budget"]; ok && c.Op == "" {
		c.Op = "budget"
	}
	if c.Op == "" {
		return Command{}, ctlError("unknown command")
	}
	known := map[string]bool{c.Op: true}
	switch c.Op {
	case "spawn":
		var kind string
		if err := json.Unmarshal(obj["spawn"], &kind); err != nil {
			return Command{}, ctlError("spawn: want a string")
		}
		switch strings.ToLower(kind) {
		case "heartbeat", "worker", "worker-heartbeat":
			c.Kind = KindHeartbeat
		case "gpu", "worker-gpu":
			c.Kind = KindGPU
		default:
			return Command{}, ctlError("spawn: unknown worker kind %q", kind)
		}
		known["ticks"], known["budget"], known["lease"] = true, true, true
		if raw, ok := obj["ticks"]; ok {
			if err := json.Unmarshal(raw, &c.Ticks); err != nil {
				return Command{}, ctlError("ticks: want an unsigned integer")
			}
			c.HasTicks = true
		}
		if raw, ok := obj["budget"]; ok {
			b, err := parseBudget(raw)
			if err != nil {
				return Command{}, err
			}
			c.Budget = &b
		}
		if c.Kind == KindGPU {
			raw, ok := obj["lease"]
			if !ok {
				return Command{}, ctlError("spawn gpu: missing lease")
			}
			l, err := parseLease(raw)
			if err != nil {
				return Command{}, err
			}
			c.Lease = &l
		}
	case "kill":
		if err := json.Unmarshal(obj["kill"], &c.Worker); err != nil || c.Worker == "" {
			return Command{}, ctlError("kill: want a worker id")
		}
	case "bind":
		var b struct{ From, To *string }
		if err := strictObject(obj["bind"], &b); err != nil || b.From == nil || b.To == nil {
			return Command{}, ctlError("bind: want {\"from\":..,\"to\":..}")
		}
		c.From, c.To = *b.From, *b.To
	case "mount":
		var m struct{ Service, At *string }
		if err := strictObject(obj["mount"], &m); err != nil || m.Service == nil || m.At == nil {
			return Command{}, ctlError("mount: want {\"service\":..,\"at\":..}")
		}
		c.Service, c.To = *m.Service, *m.At
	case "budget":
		b, err := parseBudget(obj["budget"])
		if err != nil {
			return Command{}, err
		}
		c.Budget = &b
	}
	for k := range obj {
		if !known[k] {
			c.Ignored = append(c.Ignored, k)
		}
	}
	sort.Strings(c.Ignored)
	return c, nil
}

// strictObject decodes a JSON object and refuses trailing data.
func strictObject(raw []byte, v any) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return fmt.Errorf("not an object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data")
	}
	if _, err := dec.Token(); err == nil {
		return fmt.Errorf("trailing data")
	}
	return nil
}

func parseBudget(raw json.RawMessage) (BudgetSpec, error) {
	var b struct {
		TTL *uint64 `json:"ttl_s"`
		Ops *uint64 `json:"ops"`
	}
	if err := strictObject(raw, &b); err != nil {
		return BudgetSpec{}, ctlError("budget: want {\"ttl_s\":..,\"ops\":..}")
	}
	var s BudgetSpec
	if b.TTL != nil {
		if *b.TTL > math.MaxInt64/uint64(time.Second) {
			return BudgetSpec{}, ctlError("budget: ttl_s too large")
		}
		s.HasTTL, s.TTLSec = true, *b.TTL
	}
	if b.Ops != nil {
		s.HasOps, s.Ops = true, *b.Ops
	}
	return s, nil
}

func parseLease(raw json.RawMessage) (Lease, error) {
	var l struct {
		GPUID    *string `json:"gpu_id"`
		MemMB    *uint32 `json:"mem_mb"`
		Streams  *uint8  `json:"streams"`
		TTL      *uint32 `json:"ttl_s"`
		Priority *uint8  `json:"priority"`
	}
	if err := strictObject(raw, &l); err != nil {
		return Lease{}, ctlError("lease: %v", err)
	}
	if l.GPUID == nil || *l.GPUID == "" || l.MemMB == nil || *l.MemMB == 0 || l.Streams == nil || *l.Streams == 0 || l.TTL == nil || *l.TTL == 0 {
		return Lease{}, ctlError("lease: gpu_id, mem_mb, streams and ttl_s are required and non-zero")
	}
	out := Lease{GPUID: *l.GPUID, MemMB: *l.MemMB, Streams: *l.Streams, TTLSec: *l.TTL}
	if l.Priority != nil {
		out.Priority = *l.Priority
	}
	return out, nil
}

// queenCtl executes the records of one /queen/ctl append: one JSON object
// per line. Lines run in order; the first failure stops the rest.
func (h *Hive) queenCtl(s *session, p []byte) error {
	n := 0
	for _, line := range bytes.Split(p, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		n++
		if err := h.runCommand(s, line); err != nil {
			return err
		}
	}
	if n == 0 {
		return ctlError("empty command")
	}
	return nil
}

func (h *Hive) runCommand(s *session, line []byte) error {
	c, err := ParseCommand(line)
	if err != nil {
		h.Logf("queen ctl rejected: %v", vfs.AsError(err).Msg)
		return err
	}
	if len(c.Ignored) > 0 {
		h.Logf("queen ctl %s: ignored unknown fields %s", c.Op, strings.Join(c.Ignored, ","))
	}
	switch c.Op {
	case "spawn":
		b := h.defaultBudget
		if c.Budget != nil {
			if c.Budget.HasTTL {
				b.ttl = time.Duration(c.Budget.TTLSec) * time.Second
			}
			if c.Budget.HasOps {
				b.ops = c.Budget.Ops
			}
		}
		if c.HasTicks {
			b.ticks = c.Ticks
		}
		if c.Kind == KindGPU {
			return h.spawnGPU(b, *c.Lease)
		}
		_, err := h.spawn(KindHeartbeat, b, "")
		return err
	case "kill":
		return h.kill(c.Worker)
	case "bind":
		if !h.acceptsWork() {
			return &vfs.Error{Kind: vfs.Permission, Op: "bind", Path: "/queen/ctl", Tag: vfs.TagDenied, Msg: "lifecycle " + h.life.state}
		}
		return s.bind(c.From, c.To)
	case "mount":
		if !h.acceptsWork() {
			return &vfs.Error{Kind: vfs.Permission, Op: "mount", Path: "/queen/ctl", Tag: vfs.TagDenied, Msg: "lifecycle " + h.life.state}
		}
		return s.mount(c.Service, c.To)
	case "budget":
		if c.Budget.HasTTL {
			h.defaultBudget.ttl = time.Duration(c.Budget.TTLSec) * time.Second
		}
		if c.Budget.HasOps {
			h.defaultBudget.ops = c.Budget.Ops
		}
		h.Logf("queen ctl budget default ttl=%s ops=%s", limitString(uint64(h.defaultBudget.ttl/time.Second)), limitString(h.defaultBudget.ops))
		return nil
	}
	return ctlError("unknown command")
}
