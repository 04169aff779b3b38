package ninedoor

import (
	"hash/fnv"
	"sort"
	"strings"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

type nodeKind uint8

const (
	nodeDir nodeKind = iota
	nodeStatic
	nodeLog
	nodeTelemetry
	nodeQueenCtl
	nodeLifecycleCtl
	nodeGPUFile
	nodeIngestCtl
	nodeIngestSeg
	nodeHostFile
)

// node is a resolved namespace entry. Nodes are built on lookup from the
// hive's live state, so nothing has to be kept in sync.
type node struct {
	kind     nodeKind
	name     string
	canon    string
	mode     vfs.Mode
	children []string       // nodeDir
	content  func() []byte  // nodeStatic, nodeIngestSeg: read through a snapshot taken at open
	w        *worker        // nodeTelemetry
	gfile    *gpuFile       // nodeGPUFile
	ring     *lineRing      // nodeLog: the queen log or /proc/ingest/watch
	watch    bool           // /proc/ingest/watch: opening it for read adds a line
	device   string         // nodeIngestCtl
	dev      *ingestDevice  // nodeIngestSeg
	seg      *ingestSegment // nodeIngestSeg
	host     *hostFile      // nodeHostFile
}

func (n *node) stat() vfs.Stat {
	st := vfs.Stat{Name: n.name, Mode: n.mode, Path: qidPath(n.canon)}
	switch n.kind {
	case nodeStatic:
		c := n.content()
		st.Size = uint64(len(c))
		st.Version = hash32(c)
	case nodeIngestSeg:
		st.Size, st.Version = uint64(len(n.seg.data)), n.seg.version
	case nodeLog:
		st.Size, st.Version = n.ring.total(), n.ring.version
	case nodeTelemetry:
		st.Size, st.Version = n.w.ring.total(), n.w.ring.version
	case nodeGPUFile:
		st.Size, st.Version = n.gfile.ring.total(), n.gfile.ring.version
	case nodeHostFile:
		st.Size, st.Version = n.host.ring.total(), n.host.ring.version
	}
	return st
}

func qidPath(canon string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(canon))
	return h.Sum64()
}

func hash32(b []byte) uint32 {
	h := fnv.New32a()
	h.Write(b)
	return h.Sum32()
}

func notFound(p []string) error {
	return &vfs.Error{Kind: vfs.NotFound, Path: joinPath(p), Msg: "no such node"}
}

func dir(canon string, children ...string) *node {
	return &node{kind: nodeDir, canon: canon, name: baseName(canon), mode: vfs.Dir, children: children}
}

func static(canon string, content func() []byte) *node {
	return &node{kind: nodeStatic, canon: canon, name: baseName(canon), mode: vfs.Read, content: content}
}

func text(s string) func() []byte { return func() []byte { return []byte(s) } }

func baseName(canon string) string {
	if canon == "/" {
		return "/"
	}
	return canon[strings.LastIndexByte(canon, '/')+1:]
}

// lookup resolves a canonical path.
func (h *Hive) lookup(p []string) (*node, error) {
	if len(p) == 0 {
		var kids []string
		if len(h.gpus) > 0 {
			kids = append(kids, "gpu")
		}
		kids = append(kids, "log", "proc", "queen", "shard")
		if h.cfg.LegacyWorkerAlias {
			kids = append(kids, "worker")
		}
		if h.host != nil {
			kids = append(kids, h.host.name)
		}
		return dir("/", kids...), nil
	}
	var n *node
	switch p[0] {
	case "proc":
		n = h.lookupProc(p)
	case "log":
		switch {
		case len(p) == 1:
			n = dir("/log", "queen.log")
		case len(p) == 2 && p[1] == "queen.log":
			n = &node{kind: nodeLog, canon: "/log/queen.log", name: "queen.log", mode: vfs.Read | vfs.Append | vfs.Stream, ring: h.log}
		}
	case "queen":
		switch {
		case len(p) == 1:
			n = dir("/queen", "ctl", "lifecycle", "telemetry")
		case p[1] == "telemetry":
			n = h.lookupIngest(p)
		case len(p) == 2 && p[1] == "ctl":
			n = &node{kind: nodeQueenCtl, canon: "/queen/ctl", name: "ctl", mode: vfs.Append}
		case len(p) == 2 && p[1] == "lifecycle":
			n = dir("/queen/lifecycle", "ctl")
		case len(p) == 3 && p[1] == "lifecycle" && p[2] == "ctl":
			n = &node{kind: nodeLifecycleCtl, canon: "/queen/lifecycle/ctl", name: "ctl", mode: vfs.Append}
		}
	case "worker":
		if h.cfg.LegacyWorkerAlias {
			n = h.lookupWorkers(p[1:], "", "/worker")
		}
	case "shard":
		n = h.lookupShard(p)
	case "gpu":
		n = h.lookupGPU(p)
	}
	if n == nil && h.host != nil && p[0] == h.host.name {
		n = h.lookupHost(p)
	}
	if n == nil {
		return nil, notFound(p)
	}
	return n, nil
}

func (h *Hive) lookupProc(p []string) *node {
	if len(p) >= 2 && p[1] == "ingest" {
		return h.lookupIngestProc(p)
	}
	if f, ok := h.cfg.ProcFiles[strings.Join(p[1:], "/")]; ok && len(p) <= 3 {
		return static("/proc/"+strings.Join(p[1:], "/"), f)
	}
	switch len(p) {
	case 1:
		return dir("/proc", append([]string{"boot", "tests", "lifecycle", "9p", "ingest", "root", "pressure"}, h.extraProc("")...)...)
	case 2:
		switch p[1] {
		case "boot":
			return static("/proc/boot", h.bootText)
		case "tests":
			return dir("/proc/tests", h.testNames()...)
		case "lifecycle":
			return dir("/proc/lifecycle", "state", "reason", "since")
		case "9p":
			return dir("/proc/9p", append([]string{"session"}, h.extraProc("9p")...)...)
		case "root":
			return dir("/proc/root", "reachable", "last_seen_ms", "cut_reason")
		case "pressure":
			return dir("/proc/pressure", PressureBusy, PressureQuota, PressureCut, PressurePolicy)
		}
	case 3:
		c := "/proc/" + p[1] + "/" + p[2]
		switch p[1] {
		case "tests":
			if b, ok := h.cfg.Tests[p[2]]; ok {
				return static(c, func() []byte { return b })
			}
		case "lifecycle":
			switch p[2] {
			case "state":
				return static(c, func() []byte { return []byte("state=" + h.life.state + "\n") })
			case "reason":
				return static(c, func() []byte { return []byte("reason=" + h.life.reason + "\n") })
			case "since":
				return static(c, func() []byte { return []byte("since_ms=" + itoa(h.uptimeMs(h.life.since)) + "\n") })
			}
		case "9p":
			if p[2] == "session" {
				return dir(c, "active")
			}
		case "root":
			switch p[2] {
			case "reachable":
				return static(c, func() []byte {
					if h.RootReachable() {
						return []byte("reachable=yes\n")
					}
					return []byte("reachable=no\n")
				})
			case "last_seen_ms":
				return static(c, func() []byte { return []byte("last_seen_ms=" + itoa(h.uptimeMs(h.root.lastSeen)) + "\n") })
			case "cut_reason":
				return static(c, func() []byte { return []byte("cut_reason=" + h.CutReason() + "\n") })
			}
		case "pressure":
			switch name := p[2]; name {
			case PressureBusy, PressureQuota, PressureCut, PressurePolicy:
				return static(c, func() []byte { return []byte(name + "=" + itoa(h.pressureCounts[name]) + "\n") })
			}
		}
	case 4:
		if p[1] == "9p" && p[2] == "session" && p[3] == "active" {
			return static("/proc/9p/session/active", func() []byte {
				active := 0
				if len(h.sessions) > 0 {
					active = 1
				}
				return []byte("active=" + itoa(uint64(active)) + " draining=0\n")
			})
		}
	}
	return nil
}

// extraProc lists the Config.ProcFiles directly under /proc/<parent> (or
// /proc itself for ""), sorted.
func (h *Hive) extraProc(parent string) []string {
	var names []string
	for k := range h.cfg.ProcFiles {
		dir, name, nested := strings.Cut(k, "/")
		switch {
		case parent == "" && !nested:
			names = append(names, dir)
		case parent != "" && nested && dir == parent && !strings.Contains(name, "/"):
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// bootText is /proc/boot (§7.2).
func (h *Hive) bootText() []byte {
	c := h.cfg
	var b strings.Builder
	b.WriteString("Cohesix boot: root-task online\n")
	b.WriteString("manifest.schema=" + c.ManifestSchema + "\n")
	b.WriteString("manifest.profile=" + c.ManifestProfile + "\n")
	b.WriteString("manifest.sha256=" + c.ManifestSHA256 + "\n")
	b.WriteString("telemetry.ring_bytes_per_worker=" + itoa(uint64(c.Limits.TelemetryRingBytes)) + "\n")
	b.WriteString("telemetry.frame_schema=" + c.TelemetryFrameSchema + "\n")
	if c.CursorRetainOnBoot {
		b.WriteString("telemetry.cursor.retain_on_boot=true\n")
	} else {
		b.WriteString("telemetry.cursor.retain_on_boot=false\n")
	}
	b.WriteString("event_pump.fds=" + c.EventPumpFDs + "\n")
	return []byte(b.String())
}

var testOrder = []string{"selftest_quick.coh", "selftest_full.coh", "selftest_negative.coh"}

// testNames lists the shipped scripts in §7.1 order, then any others sorted.
func (h *Hive) testNames() []string {
	var out, rest []string
	for _, n := range testOrder {
		if _, ok := h.cfg.Tests[n]; ok {
			out = append(out, n)
		}
	}
	for n := range h.cfg.Tests {
		known := false
		for _, k := range testOrder {
			known = known || n == k
		}
		if !known {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// lookupWorkers resolves p below a worker directory; label restricts the
// ids to one shard ("" for the legacy /worker alias).
func (h *Hive) lookupWorkers(p []string, label, prefix string) *node {
	if len(p) == 0 {
		var ids []string
		for _, w := range h.workers {
			if label == "" || w.label == label {
				ids = append(ids, w.id)
			}
		}
		return dir(prefix, ids...)
	}
	w := h.worker(p[0])
	if w == nil || (label != "" && w.label != label) {
		return nil
	}
	switch len(p) {
	case 1:
		return dir(prefix+"/"+w.id, "telemetry")
	case 2:
		if p[1] == "telemetry" {
			// One node whichever alias reached it: the qid is the canonical path.
			return &node{kind: nodeTelemetry, canon: w.path(), name: "telemetry", mode: vfs.Append | vfs.Stream, w: w}
		}
	}
	return nil
}

func (h *Hive) lookupShard(p []string) *node {
	if len(p) == 1 {
		return dir("/shard", h.shardLabels()...)
	}
	label := p[1]
	if !validLabel(label, h.cfg.Limits.ShardBits) {
		return nil
	}
	if len(p) == 2 {
		return dir("/shard/"+label, "worker")
	}
	if p[2] != "worker" {
		return nil
	}
	return h.lookupWorkers(p[3:], label, "/shard/"+label+"/worker")
}
