package ninedoor

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/cohesix/cohesix/services/pump"
)

type rootState struct {
	reachable bool
	lastSeen  time.Time
	cut       string // why the last queen session was lost; "" if never
}

// Cut reasons of /proc/root/cut_reason.
const (
	CutNone               = "none"
	CutNetworkUnreachable = "network_unreachable"
	CutSessionRevoked     = "session_revoked"
	CutPolicyDenied       = "policy_denied"
	CutLifecycleOffline   = "lifecycle_offline"
)

// CutReason is /proc/root/cut_reason: none while reachable, otherwise why
// not. A hive no queen has attached to yet is network_unreachable, as the
// reference's is.
func (h *Hive) CutReason() string {
	switch {
	case h.RootReachable():
		return CutNone
	case h.life.state == StateOffline:
		return CutLifecycleOffline
	case h.root.cut != "":
		return h.root.cut
	}
	return CutNetworkUnreachable
}

func (h *Hive) cutRoot(reason string, sessionID uint64) {
	h.root.reachable = false
	h.root.cut = reason
	h.Logf("root cut session=%d reason=%s", sessionID, reason)
}

// Pressure classes of §6.
const (
	PressureBusy   = "busy"
	PressureQuota  = "quota"
	PressureCut    = "cut"
	PressurePolicy = "policy"
)

// Hive is the NineDoor namespace and control plane.
type Hive struct {
	cfg  Config
	boot time.Time

	log    *lineRing
	life   lifecycle
	booted bool
	guard  loginGuard
	root   rootState

	workers       []*worker // spawn order
	nextWorker    uint64
	defaultBudget budget

	sessions    []*session // attach order
	nextSession uint64

	gpus    []*gpuDev
	host    *hostTree
	devices []*ingestDevice // telemetry ingest, creation order

	pressureCounts map[string]uint64
	ingest         ingestObserver
}

var (
	_ vfs.Attacher = (*Hive)(nil)
	_ pump.Task    = (*Hive)(nil)
)

// New validates cfg and boots a hive in BOOTING; the first Poll brings it ONLINE.
func New(cfg Config) (*Hive, error) {
	if cfg.Clock == nil {
		return nil, errors.New("ninedoor: Config.Clock is nil")
	}
	l := cfg.Limits
	switch {
	case l.MaxWorkers < 1, l.MaxSessions < 1, l.MaxBinds < 0, l.TelemetryRingBytes < 1, l.LogLines < 1,
		l.MaxLogLineBytes < 1, l.ShardBits < 0, l.ShardBits > 16, len(cfg.GPUs) > 0 && l.GPUFileBytes < 256,
		l.IngestDevices < 0, l.IngestSegmentsPerDevice < 1, l.IngestRecordBytes < 1,
		l.IngestSegmentBytes < l.IngestRecordBytes, l.IngestDeviceBytes < l.IngestSegmentBytes:
		return nil, fmt.Errorf("ninedoor: bad limits %+v", l)
	}
	if cfg.Throttle.WindowLimit < 1 || cfg.Throttle.Base <= 0 || cfg.Throttle.ScopeRateSpan <= 0 {
		return nil, fmt.Errorf("ninedoor: bad throttle %+v", cfg.Throttle)
	}
	for _, m := range cfg.Mounts {
		if _, err := parsePath(m.Path); err != nil || m.Service == "" {
			return nil, fmt.Errorf("ninedoor: bad mount %q -> %q", m.Service, m.Path)
		}
	}
	for role, secret := range cfg.Secrets {
		if !role.Valid() || len(secret) > 224 {
			return nil, fmt.Errorf("ninedoor: bad ticket secret for role %d", role)
		}
	}
	// The hive owns its configuration: later edits by the caller must not
	// change secrets, mounts or scripts underneath it.
	cfg.Secrets = maps.Clone(cfg.Secrets)
	cfg.Tests = maps.Clone(cfg.Tests)
	cfg.Mounts = slices.Clone(cfg.Mounts)
	cfg.GPUs = slices.Clone(cfg.GPUs)
	if cfg.Host != nil {
		host := *cfg.Host
		host.Providers = slices.Clone(host.Providers)
		cfg.Host = &host
	}
	now := cfg.Clock()
	h := &Hive{
		cfg:            cfg,
		boot:           now,
		log:            newLineRing(l.LogLines),
		life:           lifecycle{state: StateBooting, reason: "boot", since: now},
		pressureCounts: map[string]uint64{},
		ingest:         newIngestObserver(l),
	}
	for _, g := range cfg.GPUs {
		if g.ID == "" || g.ID == "bridge" || strings.ContainsAny(g.ID, "/\"\\") {
			return nil, fmt.Errorf("ninedoor: bad GPU id %q", g.ID)
		}
		h.gpus = append(h.gpus, newGPUDev(g, l.GPUFileBytes))
	}
	if cfg.Host != nil {
		if l.HostFileBytes < 64 {
			return nil, fmt.Errorf("ninedoor: bad limits %+v", l)
		}
		t, err := newHostTree(cfg.Host, l.HostFileBytes)
		if err != nil {
			return nil, fmt.Errorf("ninedoor: %w", err)
		}
		switch t.name {
		case "gpu", "log", "proc", "queen", "shard", "worker":
			return nil, fmt.Errorf("ninedoor: host mount %s shadows /%s", cfg.Host.MountAt, t.name)
		}
		h.host = t
	}
	h.log.add(LogLine{Text: FirstLogLine})
	h.Logf("ninedoor boot manifest.schema=%s profile=%s workers.max=%d", cfg.ManifestSchema, cfg.ManifestProfile, l.MaxWorkers)
	return h, nil
}

func (h *Hive) now() time.Time { return h.cfg.Clock() }

// uptimeMs is t in ms since the hive booted.
func (h *Hive) uptimeMs(t time.Time) uint64 {
	if t.IsZero() || t.Before(h.boot) {
		return 0
	}
	return uint64(t.Sub(h.boot).Milliseconds())
}

// Poll runs the hive's timers: boot completion on the first poll, heartbeat
// ticks, and worker and session budgets. It returns the next deadline.
func (h *Hive) Poll(now time.Time, budget time.Duration) time.Time {
	if !h.booted {
		h.booted = true
		if h.life.state == StateBooting {
			h.transition(StateOnline, "boot-complete")
		}
	}
	next := h.pollWorkers(now)
	for i := 0; i < len(h.sessions); {
		s := h.sessions[i]
		if !s.expires.IsZero() && !now.Before(s.expires) {
			s.revoke("ticket expired") // removes s from h.sessions
			continue
		}
		next = earliest(next, s.expires)
		i++
	}
	return next
}

// RootReachable reports whether a queen is attached (§3.6).
func (h *Hive) RootReachable() bool {
	return h.root.reachable && h.life.state != StateOffline
}

// SessionEnded tells the hive a transport's session is over. clean is true
// for quit; a queen session lost to EOF or an error cuts root reachability.
func (h *Hive) SessionEnded(s vfs.Session, clean bool) {
	ss, ok := s.(*session)
	if !ok || ss.h != h {
		return
	}
	if ss.role == vfs.RoleQueen && !clean && !ss.revoked {
		h.cutRoot(CutNetworkUnreachable, ss.id)
	}
	ss.Close()
}

// NotePressure counts one refusal of class (PressureBusy, ...) that a
// transport produced itself, for example a cut.
func (h *Hive) NotePressure(class string) {
	switch class {
	case PressureBusy, PressureQuota, PressureCut, PressurePolicy:
		h.pressureCounts[class]++
	}
}

// pressure counts err in its §6 class.
func (h *Hive) pressure(err error) {
	h.pressureCounts[pressureClass(vfs.KindOf(err))]++
}

func pressureClass(k vfs.Kind) string {
	switch k {
	case vfs.RateLimited, vfs.BufferFull, vfs.Expired:
		return PressureQuota
	case vfs.Busy:
		return PressureBusy
	default:
		return PressurePolicy
	}
}

// reasonOf renders err for an audit line: its tag, else its kind.
func reasonOf(err error) string {
	e := vfs.AsError(err)
	if e.Tag != "" {
		return e.Tag
	}
	return strings.ToLower(e.Kind.String())
}

// TestsFrom reads the *.coh scripts of dir in fsys, for Config.Tests (the
// rootserver passes images/rootfs.FS and "proc/tests").
func TestsFrom(fsys fs.FS, dir string) (map[string][]byte, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".coh") {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out[e.Name()] = b
	}
	return out, nil
}

// Workers returns the live worker ids in spawn order.
func (h *Hive) Workers() []string {
	out := make([]string, len(h.workers))
	for i, w := range h.workers {
		out[i] = w.id
	}
	return out
}
