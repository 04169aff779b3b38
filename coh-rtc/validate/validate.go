// Package validate enforces the manifest red lines: the limits the seed
// names that no manifest may relax. Every refusal names the dotted field path
// it is about, so an operator can find the offending key in the TOML.
package validate

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/cohesix/cohesix/coh-rtc/ir"
)

// Red lines. Manifests may tighten these, never loosen them.
const (
	MaxMSize              = 8192 // secure9p.msize ceiling, bytes
	MaxWalkDepth          = 8    // path components per walk
	MaxShardBits          = 8
	ShardedWorkerDepth    = 5 // /shard/<label>/worker/<id>/telemetry
	LegacyWorkerDepth     = 3 // /worker/<id>/telemetry
	MaxTagsPerSession     = 256
	MinMessageBytes       = 7 // size[4] type[1] tag[2]: the smallest 9P frame
	MaxTicketSecretBytes  = 224
	MaxTicketScopes       = 16
	MaxTicketScopePathLen = 255
	MaxAuthTokenBytes     = 251 // "AUTH " + token within the 256-byte console line
	CASMaxChunks          = 8   // chunks a CAS transfer may hold in memory
	LoraTamperEntryBytes  = 128
	MaxPolicyQueueEntries = 64
	MaxReplayEntries      = 256
	MaxAutoTransitions    = 8
	MaxWatchEntries       = 64
	MaxLatencySamples     = 64
	MaxLiveWorkers        = 64

	// Event-pump ceilings: the manifest's budgets must fit under these.
	MaxTelemetryBudgetBytes = 32 * 1024
	MaxCASBudgetBytes       = 32 * 1024
	MaxSidecarBudgetBytes   = 16 * 1024
)

// Known enumerations.
var (
	knownRoles          = []string{"queen", "worker-heartbeat", "worker-gpu", "worker-bus", "worker-lora"}
	knownProfiles       = []string{"virt-aarch64", "uefi-aarch64", "hosted"}
	knownGates          = []string{"gpu"}
	knownHostProviders  = []string{"systemd", "k8s", "docker", "nvidia", "jetson", "net"}
	knownFrameSchemas   = []string{"legacy-plaintext", "cbor-v1"}
	knownShortWrite     = []string{"reject", "retry"}
	knownEviction       = []string{"refuse", "evict-oldest"}
	knownSpoolModes     = []string{"refuse", "overwrite_acked"}
	knownLifecycle      = []string{"BOOTING", "DEGRADED", "ONLINE", "DRAINING", "QUIESCED", "OFFLINE"}
	knownHWDeviceKinds  = []string{"uart", "net", "tpm", "rtc"}
	knownAttestation    = []string{"tpm", "dice"}
	requiredUEFIDevices = []string{"uart", "net"}
	// coreRoots are the top-level directories the rootserver always serves;
	// an optional namespace mounted over one would shadow its checks.
	coreRoots = []string{"proc", "queen", "worker", "shard", "log", "trace", "kmesg", "gpu", "updates"}
)

// Error is one refusal: the field path and why.
type Error struct {
	Path   string
	Reason string
}

func (e *Error) Error() string { return e.Path + ": " + e.Reason }

// Errors is every refusal of one manifest, in a fixed order.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Has reports whether some refusal names path.
func (es Errors) Has(path string) bool {
	for _, e := range es {
		if e.Path == path {
			return true
		}
	}
	return false
}

type checker struct {
	m    *ir.Manifest
	errs Errors
}

func (c *checker) fail(path, format string, args ...any) {
	c.errs = append(c.errs, &Error{Path: path, Reason: fmt.Sprintf(format, args...)})
}

// Manifest checks m against every red line. It returns nil or an Errors
// listing each refusal.
func Manifest(m *ir.Manifest) error {
	c := &checker{m: m}
	c.schema()
	c.profile()
	c.eventPump()
	c.console()
	c.secure9p()
	c.features()
	c.cache()
	c.namespaces()
	c.sharding()
	c.telemetry()
	c.telemetryIngest()
	c.lifecycle()
	c.persistence()
	c.observability()
	c.clientPolicies()
	c.clientPaths()
	c.ticketLimits()
	c.tickets()
	c.sidecars()
	c.ecosystem()
	c.cas()
	c.hw()
	c.swarmUI()
	if len(c.errs) == 0 {
		return nil
	}
	return c.errs
}

func (c *checker) schema() {
	if got := c.m.RootTask.Schema; got != ir.SchemaVersion {
		c.fail("root_task.schema", "unsupported schema %q (this compiler emits %q; update the docs with the schema)", got, ir.SchemaVersion)
	}
}

func (c *checker) profile() {
	p := c.m.Profile
	if !oneOf(p.Name, knownProfiles) {
		c.fail("profile.name", "unknown profile %q (want one of %s)", p.Name, strings.Join(knownProfiles, ", "))
	}
	seen := map[string]bool{}
	for i, g := range p.Gates {
		path := fmt.Sprintf("profile.gates[%d]", i)
		if !oneOf(g, knownGates) {
			c.fail(path, "unknown feature gate %q", g)
		}
		if seen[g] {
			c.fail(path, "duplicate feature gate %q", g)
		}
		seen[g] = true
	}
}

func (c *checker) eventPump() {
	e := c.m.EventPump
	if e.TickMS == 0 {
		c.fail("event_pump.tick_ms", "must be >= 1")
	}
	if e.PollBudgetUS == 0 {
		c.fail("event_pump.poll_budget_us", "must be >= 1")
	}
	if uint64(e.PollBudgetUS) > uint64(e.TickMS)*1000 {
		c.fail("event_pump.poll_budget_us", "%d us exceeds one tick (%d ms)", e.PollBudgetUS, e.TickMS)
	}
	if e.MaxWorkers == 0 || e.MaxWorkers > MaxLiveWorkers {
		c.fail("event_pump.max_workers", "%d outside 1..%d", e.MaxWorkers, MaxLiveWorkers)
	}
	if e.TelemetryBudgetBytes > MaxTelemetryBudgetBytes {
		c.fail("event_pump.telemetry_budget_bytes", "%d exceeds ceiling %d", e.TelemetryBudgetBytes, MaxTelemetryBudgetBytes)
	}
	if e.CASBudgetBytes > MaxCASBudgetBytes {
		c.fail("event_pump.cas_budget_bytes", "%d exceeds ceiling %d", e.CASBudgetBytes, MaxCASBudgetBytes)
	}
	if e.SidecarBudgetBytes > MaxSidecarBudgetBytes {
		c.fail("event_pump.sidecar_budget_bytes", "%d exceeds ceiling %d", e.SidecarBudgetBytes, MaxSidecarBudgetBytes)
	}
}

func (c *checker) console() {
	con := c.m.Console
	tok := con.AuthToken
	switch {
	case tok == "":
		c.fail("console.auth_token", "must not be empty")
	case len(tok) > MaxAuthTokenBytes:
		c.fail("console.auth_token", "%d bytes exceeds %d", len(tok), MaxAuthTokenBytes)
	case !isToken(tok):
		c.fail("console.auth_token", "must be printable ASCII without spaces")
	}
	if con.TCPPort == 0 {
		c.fail("console.tcp_port", "must be 1..65535")
	}
	if con.AuthTimeoutMS == 0 {
		c.fail("console.auth_timeout_ms", "must be >= 1")
	}
	if con.IdleTimeoutMS < con.AuthTimeoutMS {
		c.fail("console.idle_timeout_ms", "%d is shorter than auth_timeout_ms %d", con.IdleTimeoutMS, con.AuthTimeoutMS)
	}
	prefix, err := netip.ParsePrefix(con.Net.Address)
	if err != nil || !prefix.Addr().Is4() {
		c.fail("console.net.address", "%q is not an IPv4 address/prefix", con.Net.Address)
		return
	}
	gw, err := netip.ParseAddr(con.Net.Gateway)
	if err != nil || !gw.Is4() {
		c.fail("console.net.gateway", "%q is not an IPv4 address", con.Net.Gateway)
		return
	}
	if !prefix.Masked().Contains(gw) {
		c.fail("console.net.gateway", "%s is outside %s", gw, prefix.Masked())
	}
	if gw == prefix.Addr() {
		c.fail("console.net.gateway", "equals the interface address")
	}
}

func (c *checker) secure9p() {
	s := c.m.Secure9P
	if s.MSize > MaxMSize {
		c.fail("secure9p.msize", "%d exceeds maximum %d", s.MSize, MaxMSize)
	}
	if s.MSize < 256 {
		c.fail("secure9p.msize", "%d is below 256, too small for a console line", s.MSize)
	}
	if s.WalkDepth > MaxWalkDepth {
		c.fail("secure9p.walk_depth", "%d exceeds maximum %d", s.WalkDepth, MaxWalkDepth)
	}
	if s.WalkDepth < 1 {
		c.fail("secure9p.walk_depth", "must be >= 1")
	}
	if s.TagsPerSession < 1 {
		c.fail("secure9p.tags_per_session", "must be >= 1")
	}
	if s.TagsPerSession > MaxTagsPerSession {
		c.fail("secure9p.tags_per_session", "%d exceeds maximum %d", s.TagsPerSession, MaxTagsPerSession)
	}
	if s.BatchFrames < 1 {
		c.fail("secure9p.batch_frames", "must be >= 1")
	}
	if s.BatchFrames > s.TagsPerSession && s.TagsPerSession >= 1 {
		c.fail("secure9p.batch_frames", "%d exceeds tags_per_session %d", s.BatchFrames, s.TagsPerSession)
	}
	if s.MaxBatchBytes > s.MSize {
		c.fail("secure9p.max_batch_bytes", "batched payload %d exceeds secure9p.msize %d", s.MaxBatchBytes, s.MSize)
	}
	if uint64(s.BatchFrames)*MinMessageBytes > uint64(s.MaxBatchBytes) {
		c.fail("secure9p.batch_frames", "%d frames of at least %d bytes exceed max_batch_bytes %d", s.BatchFrames, MinMessageBytes, s.MaxBatchBytes)
	}
	if !oneOf(s.ShortWrite.Policy, knownShortWrite) {
		c.fail("secure9p.short_write.policy", "unknown policy %q (want reject or retry)", s.ShortWrite.Policy)
	}
}

func (c *checker) features() {
	f, p := c.m.Features, c.m.Profile
	if p.Kernel && f.StdConsole {
		c.fail("features.std_console", "requires profile.kernel = false")
	}
	if p.Kernel && f.StdHostTools {
		c.fail("features.std_host_tools", "requires profile.kernel = false")
	}
	if f.GPU && p.Kernel && !oneOf("gpu", p.Gates) {
		c.fail("features.gpu", "requires the \"gpu\" gate in profile.gates")
	}
	if !f.NetConsole && !f.SerialConsole && !f.StdConsole {
		c.fail("features", "no console enabled (net_console, serial_console or std_console)")
	}
}

func (c *checker) cache() {
	k := c.m.Cache
	if k.KernelOps {
		return
	}
	for _, f := range []struct {
		on   bool
		path string
	}{
		{k.DMAClean, "cache.dma_clean"},
		{k.DMAInvalidate, "cache.dma_invalidate"},
		{k.UnifyInstructions, "cache.unify_instructions"},
	} {
		if f.on {
			c.fail(f.path, "DMA cache maintenance requires cache.kernel_ops = true")
		}
	}
}

func (c *checker) namespaces() {
	seen := map[string]bool{}
	for i, mnt := range c.m.Namespaces.Mounts {
		base := fmt.Sprintf("namespaces.mounts[%d]", i)
		if !isName(mnt.Service) {
			c.fail(base+".service", "%q is not a service name ([a-z0-9_-]+)", mnt.Service)
		}
		if seen[mnt.Service] {
			c.fail(base+".service", "duplicate mount of service %q", mnt.Service)
		}
		seen[mnt.Service] = true
		if len(mnt.Target) == 0 {
			c.fail(base+".target", "must not be empty (mounting over / is refused)")
		}
		c.components(base+".target", mnt.Target)
		if c.m.Sharding.Enabled && !c.m.Sharding.LegacyWorkerAlias && len(mnt.Target) > 0 && mnt.Target[0] == "worker" {
			c.fail(base+".target", "uses legacy /worker while sharding.legacy_worker_alias = false")
		}
	}
}

// components checks a path given as components against the walk red lines.
func (c *checker) components(path string, comps []string) {
	if len(comps) > int(c.walkDepth()) {
		c.fail(path, "%d components exceed walk depth %d", len(comps), c.walkDepth())
	}
	for j, comp := range comps {
		switch {
		case comp == "..":
			c.fail(path, "component %d is '..'", j)
		case comp == "" || comp == ".":
			c.fail(path, "component %d is empty or '.'", j)
		case strings.ContainsAny(comp, "/\x00"):
			c.fail(path, "component %d contains '/' or NUL", j)
		case hasControl(comp):
			c.fail(path, "component %d contains a control character", j)
		}
	}
}

// absPath checks an absolute namespace path; wildcard allows "*" components.
func (c *checker) absPath(path, p string, allowRoot, wildcard bool) {
	if !strings.HasPrefix(p, "/") {
		c.fail(path, "%q must be an absolute path", p)
		return
	}
	if p == "/" {
		if !allowRoot {
			c.fail(path, "must not be /")
		}
		return
	}
	comps := strings.Split(strings.TrimPrefix(p, "/"), "/")
	c.components(path, comps)
	if !wildcard {
		for _, comp := range comps {
			if strings.Contains(comp, "*") {
				c.fail(path, "%q must not contain '*'", p)
				break
			}
		}
	}
}

// notCoreRoot refuses an optional mount placed on or under a core root.
func (c *checker) notCoreRoot(path, p string) {
	first, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	if oneOf(first, coreRoots) {
		c.fail(path, "%q would shadow the core /%s tree", p, first)
	}
}

// walkDepth is the limit paths are checked against: the manifest's own
// walk depth, clamped to the red line so a bad value cannot loosen checks.
func (c *checker) walkDepth() uint32 {
	if d := c.m.Secure9P.WalkDepth; d < MaxWalkDepth {
		return d
	}
	return MaxWalkDepth
}

func (c *checker) sharding() {
	s := c.m.Sharding
	if s.ShardBits > MaxShardBits {
		c.fail("sharding.shard_bits", "%d exceeds maximum %d", s.ShardBits, MaxShardBits)
	}
	if !s.Enabled {
		return
	}
	if s.ShardBits == 0 {
		c.fail("sharding.shard_bits", "must be >= 1 when sharding.enabled = true")
	}
	if c.m.Secure9P.WalkDepth < ShardedWorkerDepth {
		c.fail("sharding.enabled", "sharded worker paths need secure9p.walk_depth >= %d", ShardedWorkerDepth)
	}
	if s.LegacyWorkerAlias && c.m.Secure9P.WalkDepth < LegacyWorkerDepth {
		c.fail("sharding.legacy_worker_alias", "legacy worker paths need secure9p.walk_depth >= %d", LegacyWorkerDepth)
	}
}

func (c *checker) telemetry() {
	t, e := c.m.Telemetry, c.m.EventPump
	if t.RingBytesPerWorker == 0 {
		c.fail("telemetry.ring_bytes_per_worker", "must be > 0")
	}
	if total := uint64(t.RingBytesPerWorker) * uint64(e.MaxWorkers); total > uint64(e.TelemetryBudgetBytes) {
		c.fail("telemetry.ring_bytes_per_worker", "%d bytes x %d workers = %d exceeds event_pump.telemetry_budget_bytes %d",
			t.RingBytesPerWorker, e.MaxWorkers, total, e.TelemetryBudgetBytes)
	}
	if !oneOf(t.FrameSchema, knownFrameSchemas) {
		c.fail("telemetry.frame_schema", "unknown schema %q (want legacy-plaintext or cbor-v1)", t.FrameSchema)
	}
}

func (c *checker) telemetryIngest() {
	t := c.m.TelemetryIngest
	zero := t.MaxSegmentsPerDevice == 0 && t.MaxBytesPerSegment == 0 && t.MaxTotalBytesPerDevice == 0
	if zero {
		return // disabled
	}
	if t.MaxSegmentsPerDevice == 0 || t.MaxBytesPerSegment == 0 || t.MaxTotalBytesPerDevice == 0 {
		c.fail("telemetry_ingest", "max_segments_per_device, max_bytes_per_segment and max_total_bytes_per_device must be all zero (disabled) or all non-zero")
		return
	}
	if t.MaxTotalBytesPerDevice < t.MaxBytesPerSegment {
		c.fail("telemetry_ingest.max_total_bytes_per_device", "%d is below max_bytes_per_segment %d", t.MaxTotalBytesPerDevice, t.MaxBytesPerSegment)
	}
	if t.MaxRecordBytes == 0 || t.MaxRecordBytes > t.MaxBytesPerSegment {
		c.fail("telemetry_ingest.max_record_bytes", "%d outside 1..max_bytes_per_segment (%d)", t.MaxRecordBytes, t.MaxBytesPerSegment)
	}
	if t.MaxRecordBytes > c.m.Secure9P.MSize {
		c.fail("telemetry_ingest.max_record_bytes", "%d exceeds secure9p.msize %d", t.MaxRecordBytes, c.m.Secure9P.MSize)
	}
	if !oneOf(t.EvictionPolicy, knownEviction) {
		c.fail("telemetry_ingest.eviction_policy", "unknown policy %q (want refuse or evict-oldest)", t.EvictionPolicy)
	}
}

func (c *checker) lifecycle() {
	l := c.m.Lifecycle
	if !oneOf(l.InitialState, knownLifecycle) {
		c.fail("lifecycle.initial_state", "unknown state %q", l.InitialState)
	}
	if len(l.AutoTransitions) > MaxAutoTransitions {
		c.fail("lifecycle.auto_transitions", "%d entries exceed %d", len(l.AutoTransitions), MaxAutoTransitions)
	}
	seen := map[ir.Transition]bool{}
	for i, t := range l.AutoTransitions {
		path := fmt.Sprintf("lifecycle.auto_transitions[%d]", i)
		if t.From != "BOOTING" || (t.To != "ONLINE" && t.To != "DEGRADED") {
			c.fail(path, "unsupported %s -> %s (only BOOTING -> ONLINE or DEGRADED)", t.From, t.To)
		}
		if seen[t] {
			c.fail(path, "duplicate %s -> %s", t.From, t.To)
		}
		seen[t] = true
	}
}

func (c *checker) persistence() {
	s := c.m.Persistence.Spool
	if !oneOf(s.Mode, knownSpoolModes) {
		c.fail("persistence.spool.mode", "unknown mode %q (want refuse or overwrite_acked)", s.Mode)
	}
	if !s.Enable {
		return
	}
	if s.MaxBytes == 0 {
		c.fail("persistence.spool.max_bytes", "must be > 0 when persistence.spool.enable = true")
	}
	if s.MaxRecordBytes == 0 || uint64(s.MaxRecordBytes) > s.MaxBytes {
		c.fail("persistence.spool.max_record_bytes", "%d outside 1..max_bytes (%d)", s.MaxRecordBytes, s.MaxBytes)
	}
}

// Digit widths used to size /proc buffers for their worst-case line.
const (
	u64Digits = 20
	u32Digits = 10
	u8Digits  = 3
)

func (c *checker) observability() {
	o := c.m.Observability
	shards := 0
	if c.m.Sharding.Enabled && c.m.Sharding.ShardBits <= MaxShardBits {
		shards = 1 << c.m.Sharding.ShardBits
	}
	sessionsHeader := len("sessions total=") + u64Digits + len(" worker=") + u64Digits +
		len(" shard_bits=") + u8Digits + len(" shard_count=") + 3 + 1
	shardLine := len("shard ") + 2 + 1 + u64Digits + 1
	nodes := []struct {
		on       bool
		path     string
		bytes    uint32
		required int
	}{
		{o.Proc9P.Sessions, "observability.proc_9p.sessions_bytes", o.Proc9P.SessionsBytes, sessionsHeader + shards*shardLine},
		{o.Proc9P.Outstanding, "observability.proc_9p.outstanding_bytes", o.Proc9P.OutstandingBytes, len("outstanding current= limit=\n") + 2*u64Digits},
		{o.Proc9P.ShortWrites, "observability.proc_9p.short_writes_bytes", o.Proc9P.ShortWritesBytes, len("short_writes total= retries=\n") + 2*u64Digits},
		{o.Proc9PSession.Active, "observability.proc_9p_session.active_bytes", o.Proc9PSession.ActiveBytes, len("active= draining=\n") + 2*u64Digits},
		{o.Proc9PSession.State, "observability.proc_9p_session.state_bytes", o.Proc9PSession.StateBytes, len("state=DRAINING\n")},
		{o.Proc9PSession.SinceMS, "observability.proc_9p_session.since_ms_bytes", o.Proc9PSession.SinceMSBytes, len("since_ms=\n") + u64Digits},
		{o.Proc9PSession.Owner, "observability.proc_9p_session.owner_bytes", o.Proc9PSession.OwnerBytes, len("owner=\n") + 64},
		{o.ProcIngest.P50MS, "observability.proc_ingest.p50_ms_bytes", o.ProcIngest.P50MSBytes, len("p50_ms=\n") + u32Digits},
		{o.ProcIngest.P95MS, "observability.proc_ingest.p95_ms_bytes", o.ProcIngest.P95MSBytes, len("p95_ms=\n") + u32Digits},
		{o.ProcIngest.Backpressure, "observability.proc_ingest.backpressure_bytes", o.ProcIngest.BackpressureBytes, len("backpressure=\n") + u64Digits},
		{o.ProcIngest.Dropped, "observability.proc_ingest.dropped_bytes", o.ProcIngest.DroppedBytes, len("dropped=\n") + u64Digits},
		{o.ProcIngest.Queued, "observability.proc_ingest.queued_bytes", o.ProcIngest.QueuedBytes, len("queued=\n") + u32Digits},
		{o.ProcIngest.Watch, "observability.proc_ingest.watch_line_bytes", o.ProcIngest.WatchLineBytes,
			len("watch ts_ms= p50_ms= p95_ms= queued= backpressure= dropped= ui_reads= ui_denies=\n") + 3*u64Digits + 5*u32Digits},
		{o.ProcRoot.Reachable, "observability.proc_root.reachable_bytes", o.ProcRoot.ReachableBytes, len("reachable=yes\n")},
		{o.ProcRoot.LastSeenMS, "observability.proc_root.last_seen_ms_bytes", o.ProcRoot.LastSeenMSBytes, len("last_seen_ms=\n") + u64Digits},
		{o.ProcRoot.CutReason, "observability.proc_root.cut_reason_bytes", o.ProcRoot.CutReasonBytes, len("cut_reason=network_unreachable\n")},
		{o.ProcPressure.Busy, "observability.proc_pressure.busy_bytes", o.ProcPressure.BusyBytes, len("busy=\n") + u64Digits},
		{o.ProcPressure.Quota, "observability.proc_pressure.quota_bytes", o.ProcPressure.QuotaBytes, len("quota=\n") + u64Digits},
		{o.ProcPressure.Cut, "observability.proc_pressure.cut_bytes", o.ProcPressure.CutBytes, len("cut=\n") + u64Digits},
		{o.ProcPressure.Policy, "observability.proc_pressure.policy_bytes", o.ProcPressure.PolicyBytes, len("policy=\n") + u64Digits},
	}
	msize := c.m.Secure9P.MSize
	for _, n := range nodes {
		if !n.on {
			continue
		}
		if int(n.bytes) < n.required {
			c.fail(n.path, "%d is below the %d bytes its longest line needs", n.bytes, n.required)
		}
		if n.bytes > msize {
			c.fail(n.path, "%d exceeds secure9p.msize %d", n.bytes, msize)
		}
	}
	in := o.ProcIngest
	if in.Watch {
		if in.WatchMaxEntries == 0 || in.WatchMaxEntries > MaxWatchEntries {
			c.fail("observability.proc_ingest.watch_max_entries", "%d outside 1..%d", in.WatchMaxEntries, MaxWatchEntries)
		}
		if in.WatchMinIntervalMS == 0 {
			c.fail("observability.proc_ingest.watch_min_interval_ms", "must be >= 1")
		}
		if uint64(in.WatchMaxEntries)*uint64(in.WatchLineBytes) > uint64(msize) {
			c.fail("observability.proc_ingest.watch_max_entries", "%d lines of %d bytes exceed secure9p.msize %d", in.WatchMaxEntries, in.WatchLineBytes, msize)
		}
	}
	if in.P50MS || in.P95MS {
		if in.LatencySamples == 0 || in.LatencySamples > MaxLatencySamples {
			c.fail("observability.proc_ingest.latency_samples", "%d outside 1..%d", in.LatencySamples, MaxLatencySamples)
		}
	}
}

func (c *checker) clientPolicies() {
	p := c.m.ClientPolicies
	positive := []struct {
		path string
		v    uint32
	}{
		{"client_policies.cohsh.pool.control_sessions", p.Cohsh.Pool.ControlSessions},
		{"client_policies.cohsh.pool.telemetry_sessions", p.Cohsh.Pool.TelemetrySessions},
		{"client_policies.cohsh.tail.poll_ms_min", p.Cohsh.Tail.PollMSMin},
		{"client_policies.cohsh.host_telemetry.nvidia_poll_ms", p.Cohsh.HostTelemetry.NvidiaPollMS},
		{"client_policies.cohsh.host_telemetry.systemd_poll_ms", p.Cohsh.HostTelemetry.SystemdPollMS},
		{"client_policies.cohsh.host_telemetry.docker_poll_ms", p.Cohsh.HostTelemetry.DockerPollMS},
		{"client_policies.cohsh.host_telemetry.k8s_poll_ms", p.Cohsh.HostTelemetry.K8sPollMS},
		{"client_policies.retry.max_attempts", p.Retry.MaxAttempts},
		{"client_policies.retry.backoff_ms", p.Retry.BackoffMS},
		{"client_policies.retry.timeout_ms", p.Retry.TimeoutMS},
		{"client_policies.heartbeat.interval_ms", p.Heartbeat.IntervalMS},
		{"client_policies.trace.max_bytes", p.Trace.MaxBytes},
	}
	for _, f := range positive {
		if f.v == 0 {
			c.fail(f.path, "must be >= 1")
		}
	}
	t := p.Cohsh.Tail
	if t.PollMSMax < t.PollMSMin {
		c.fail("client_policies.cohsh.tail.poll_ms_max", "%d is below poll_ms_min %d", t.PollMSMax, t.PollMSMin)
	}
	if t.PollMSDefault < t.PollMSMin || t.PollMSDefault > t.PollMSMax {
		c.fail("client_policies.cohsh.tail.poll_ms_default", "%d outside %d..%d", t.PollMSDefault, t.PollMSMin, t.PollMSMax)
	}
	if p.Retry.CeilingMS < p.Retry.BackoffMS {
		c.fail("client_policies.retry.ceiling_ms", "%d is below backoff_ms %d", p.Retry.CeilingMS, p.Retry.BackoffMS)
	}
	coh := p.Coh
	c.absPath("client_policies.coh.mount.root", coh.Mount.Root, true, false)
	if len(coh.Mount.Allowlist) > 16 {
		c.fail("client_policies.coh.mount.allowlist", "%d entries exceed 16", len(coh.Mount.Allowlist))
	}
	for i, a := range coh.Mount.Allowlist {
		c.absPath(fmt.Sprintf("client_policies.coh.mount.allowlist[%d]", i), a, false, false)
	}
	c.absPath("client_policies.coh.telemetry.root", coh.Telemetry.Root, false, false)
	c.absPath("client_policies.coh.peft.export.root", coh.PEFT.Export.Root, false, false)
	if r := coh.PEFT.Import.RegistryRoot; r == "" || strings.HasPrefix(r, "/") || hasDotDot(r) || hasControl(r) {
		c.fail("client_policies.coh.peft.import.registry_root", "%q must be a relative host path without '..'", r)
	}
	if coh.Telemetry.MaxTotalBytesPerDevice < coh.Telemetry.MaxBytesPerSegment {
		c.fail("client_policies.coh.telemetry.max_total_bytes_per_device", "%d is below max_bytes_per_segment %d",
			coh.Telemetry.MaxTotalBytesPerDevice, coh.Telemetry.MaxBytesPerSegment)
	}
	if coh.Run.Lease.MaxBytes > c.m.Secure9P.MSize {
		c.fail("client_policies.coh.run.lease.max_bytes", "%d exceeds secure9p.msize %d", coh.Run.Lease.MaxBytes, c.m.Secure9P.MSize)
	}
}

func (c *checker) clientPaths() {
	p := c.m.ClientPaths
	c.absPath("client_paths.queen_ctl", p.QueenCtl, false, false)
	c.absPath("client_paths.queen_lifecycle_ctl", p.QueenLifecycleCtl, false, false)
	c.absPath("client_paths.log", p.Log, false, false)
}

func (c *checker) ticketLimits() {
	l := c.m.TicketLimits
	if l.MaxScopes > MaxTicketScopes {
		c.fail("ticket_limits.max_scopes", "%d exceeds maximum %d", l.MaxScopes, MaxTicketScopes)
	}
	if l.MaxScopePathLen == 0 || l.MaxScopePathLen > MaxTicketScopePathLen {
		c.fail("ticket_limits.max_scope_path_len", "%d outside 1..%d", l.MaxScopePathLen, MaxTicketScopePathLen)
	}
}

func (c *checker) tickets() {
	if len(c.m.Tickets) == 0 {
		c.fail("tickets", "at least one [[tickets]] entry is required (queen)")
	}
	seen := map[string]bool{}
	queen := false
	for i, t := range c.m.Tickets {
		base := fmt.Sprintf("tickets[%d]", i)
		if !oneOf(t.Role, knownRoles) {
			c.fail(base+".role", "unknown role %q (want one of %s)", t.Role, strings.Join(knownRoles, ", "))
		}
		if seen[t.Role] {
			c.fail(base+".role", "duplicate ticket for role %q", t.Role)
		}
		seen[t.Role] = true
		queen = queen || t.Role == "queen"
		switch {
		case t.Secret == "":
			c.fail(base+".secret", "must not be empty")
		case len(t.Secret) > MaxTicketSecretBytes:
			c.fail(base+".secret", "%d bytes exceeds %d", len(t.Secret), MaxTicketSecretBytes)
		}
	}
	if len(c.m.Tickets) > 0 && !queen {
		c.fail("tickets", "no ticket for role \"queen\"")
	}
}

func (c *checker) sidecars() {
	s := c.m.Sidecars
	e := c.m.EventPump
	scopes := map[string]string{}
	var budget uint64
	scope := func(path, sc string) {
		if !isName(sc) {
			c.fail(path, "%q is not a scope name ([a-z0-9_-]+)", sc)
		}
		if prev, dup := scopes[sc]; dup {
			c.fail(path, "scope %q already used by %s", sc, prev)
		}
		scopes[sc] = path
	}
	bus := func(name string, b ir.SidecarBus) {
		if !b.Enable {
			return
		}
		base := "sidecars." + name
		c.absPath(base+".mount_at", b.MountAt, false, false)
		c.notCoreRoot(base+".mount_at", b.MountAt)
		if len(b.Adapters) == 0 {
			c.fail(base+".adapters", "enable = true needs at least one adapter")
		}
		for i, a := range b.Adapters {
			ab := fmt.Sprintf("%s.adapters[%d]", base, i)
			if !isName(a.ID) {
				c.fail(ab+".id", "%q is not an id ([a-z0-9_-]+)", a.ID)
			}
			if !isName(a.Mount) {
				c.fail(ab+".mount", "%q is not a single path component", a.Mount)
			}
			scope(ab+".scope", a.Scope)
			if a.Link != "serial" && a.Link != "tcp" {
				c.fail(ab+".link", "unknown link %q (want serial or tcp)", a.Link)
			}
			if a.Link == "serial" && a.Baud == 0 {
				c.fail(ab+".baud", "a serial link needs a baud rate")
			}
			if a.Spool.MaxEntries == 0 || a.Spool.MaxBytes == 0 {
				c.fail(ab+".spool", "max_entries and max_bytes must be >= 1")
			}
			budget += uint64(a.Spool.MaxBytes)
		}
	}
	bus("modbus", s.Modbus)
	bus("dnp3", s.DNP3)
	if s.Lora.Enable {
		c.absPath("sidecars.lora.mount_at", s.Lora.MountAt, false, false)
		c.notCoreRoot("sidecars.lora.mount_at", s.Lora.MountAt)
		if len(s.Lora.Adapters) == 0 {
			c.fail("sidecars.lora.adapters", "enable = true needs at least one adapter")
		}
		for i, a := range s.Lora.Adapters {
			ab := fmt.Sprintf("sidecars.lora.adapters[%d]", i)
			if !isName(a.ID) {
				c.fail(ab+".id", "%q is not an id ([a-z0-9_-]+)", a.ID)
			}
			if !isName(a.Mount) {
				c.fail(ab+".mount", "%q is not a single path component", a.Mount)
			}
			scope(ab+".scope", a.Scope)
			if a.MaxPayloadBytes == 0 || a.MaxPayloadBytes > c.m.Secure9P.MSize {
				c.fail(ab+".max_payload_bytes", "%d outside 1..secure9p.msize (%d)", a.MaxPayloadBytes, c.m.Secure9P.MSize)
			}
			if a.DutyCyclePercent == 0 || a.DutyCyclePercent > 100 {
				c.fail(ab+".duty_cycle_percent", "%d outside 1..100", a.DutyCyclePercent)
			}
			if a.WindowMS == 0 {
				c.fail(ab+".window_ms", "must be >= 1")
			}
			if !isName(a.Region) {
				c.fail(ab+".region", "%q is not a region name ([a-z0-9_-]+)", a.Region)
			}
			budget += uint64(a.TamperLogMaxEntries) * LoraTamperEntryBytes
		}
	}
	if budget > uint64(e.SidecarBudgetBytes) {
		c.fail("sidecars", "spool and tamper buffers need %d bytes, above event_pump.sidecar_budget_bytes %d", budget, e.SidecarBudgetBytes)
	}
}

func (c *checker) ecosystem() {
	eco := c.m.Ecosystem
	msize := c.m.Secure9P.MSize
	within := func(path string, v uint32) {
		if v == 0 {
			c.fail(path, "must be >= 1")
		}
		if v > msize {
			c.fail(path, "%d exceeds secure9p.msize %d: ecosystem sections may not relax limits", v, msize)
		}
	}
	p := eco.Policy
	if p.QueueMaxEntries == 0 || p.QueueMaxEntries > MaxPolicyQueueEntries {
		c.fail("ecosystem.policy.queue_max_entries", "%d outside 1..%d", p.QueueMaxEntries, MaxPolicyQueueEntries)
	}
	within("ecosystem.policy.queue_max_bytes", p.QueueMaxBytes)
	within("ecosystem.policy.ctl_max_bytes", p.CtlMaxBytes)
	within("ecosystem.policy.status_max_bytes", p.StatusMaxBytes)
	ids := map[string]bool{}
	for i, r := range p.Rules {
		base := fmt.Sprintf("ecosystem.policy.rules[%d]", i)
		if !isName(r.ID) || len(r.ID) > 64 {
			c.fail(base+".id", "%q is not a rule id ([a-z0-9_-]{1,64})", r.ID)
		}
		if ids[r.ID] {
			c.fail(base+".id", "duplicate rule id %q", r.ID)
		}
		ids[r.ID] = true
		c.absPath(base+".target", r.Target, false, true)
		if c.m.Sharding.Enabled && !c.m.Sharding.LegacyWorkerAlias && strings.HasPrefix(r.Target, "/worker/") {
			c.fail(base+".target", "uses legacy /worker while sharding.legacy_worker_alias = false")
		}
	}
	a := eco.Audit
	within("ecosystem.audit.journal_max_bytes", a.JournalMaxBytes)
	within("ecosystem.audit.decisions_max_bytes", a.DecisionsMaxBytes)
	within("ecosystem.audit.replay_ctl_max_bytes", a.ReplayCtlMaxBytes)
	within("ecosystem.audit.replay_status_max_bytes", a.ReplayStatusMaxBytes)
	if a.ReplayMaxEntries == 0 || a.ReplayMaxEntries > MaxReplayEntries {
		c.fail("ecosystem.audit.replay_max_entries", "%d outside 1..%d", a.ReplayMaxEntries, MaxReplayEntries)
	}
	if a.ReplayEnable && !a.Enable {
		c.fail("ecosystem.audit.replay_enable", "requires ecosystem.audit.enable = true")
	}
	h := eco.Host
	if h.Enable {
		c.absPath("ecosystem.host.mount_at", h.MountAt, false, false)
		c.notCoreRoot("ecosystem.host.mount_at", h.MountAt)
		if !c.m.Namespaces.RoleIsolation {
			c.fail("ecosystem.host.enable", "requires namespaces.role_isolation = true: ecosystem sections may not relax limits")
		}
		if len(h.Providers) == 0 {
			c.fail("ecosystem.host.providers", "enable = true needs at least one provider")
		}
		seen := map[string]bool{}
		for i, pr := range h.Providers {
			path := fmt.Sprintf("ecosystem.host.providers[%d]", i)
			if !oneOf(pr, knownHostProviders) {
				c.fail(path, "unknown provider %q (want one of %s)", pr, strings.Join(knownHostProviders, ", "))
			}
			if seen[pr] {
				c.fail(path, "duplicate provider %q", pr)
			}
			seen[pr] = true
		}
		if oneOf("nvidia", h.Providers) && c.m.Features.GPU && c.m.Profile.Kernel && !oneOf("gpu", c.m.Profile.Gates) {
			c.fail("ecosystem.host.providers", "nvidia with features.gpu needs the \"gpu\" gate in profile.gates")
		}
	}
	if eco.Models.Enable && !c.m.CAS.Enable {
		c.fail("ecosystem.models.enable", "requires cas.enable = true")
	}
}

func (c *checker) cas() {
	k, e := c.m.CAS, c.m.EventPump
	if !k.Enable {
		if k.Delta.Enable {
			c.fail("cas.delta.enable", "requires cas.enable = true")
		}
		return
	}
	if k.Store.ChunkBytes == 0 {
		c.fail("cas.store.chunk_bytes", "must be > 0")
	}
	if k.Store.ChunkBytes > c.m.Secure9P.MSize {
		c.fail("cas.store.chunk_bytes", "%d exceeds secure9p.msize %d", k.Store.ChunkBytes, c.m.Secure9P.MSize)
	}
	if need := uint64(k.Store.ChunkBytes) * CASMaxChunks; need > uint64(e.CASBudgetBytes) {
		c.fail("cas.store.chunk_bytes", "%d bytes x %d chunks = %d exceeds event_pump.cas_budget_bytes %d", k.Store.ChunkBytes, CASMaxChunks, need, e.CASBudgetBytes)
	}
	if k.Signing.Required {
		if p := k.Signing.KeyPath; strings.TrimSpace(p) == "" || strings.HasPrefix(p, "/") || hasDotDot(p) || hasControl(p) {
			c.fail("cas.signing.key_path", "%q must be a non-empty relative path without '..' when signing.required = true", p)
		}
	}
}

func (c *checker) hw() {
	h := c.m.HW
	uefi := c.m.Profile.Name == "uefi-aarch64"
	if !uefi {
		if len(h.Devices) > 0 || h.SecureBoot || h.Attestation.Enabled {
			c.fail("hw", "hardware bindings are only accepted with profile.name = \"uefi-aarch64\"")
		}
		return
	}
	kinds := map[string]bool{}
	names := map[string]bool{}
	for i, d := range h.Devices {
		base := fmt.Sprintf("hw.devices[%d]", i)
		if !oneOf(d.Kind, knownHWDeviceKinds) {
			c.fail(base+".kind", "unknown device kind %q (want one of %s)", d.Kind, strings.Join(knownHWDeviceKinds, ", "))
		}
		if !isName(d.Name) {
			c.fail(base+".name", "%q is not a device name ([a-z0-9_-]+)", d.Name)
		}
		if names[d.Name] {
			c.fail(base+".name", "duplicate device %q", d.Name)
		}
		names[d.Name] = true
		kinds[d.Kind] = true
	}
	for _, k := range requiredUEFIDevices {
		if !kinds[k] {
			c.fail("hw.devices", "profile uefi-aarch64 requires a %q hardware binding", k)
		}
	}
	// A physical profile must say how its identity is established: TPM 2.0
	// or the declared DICE fallback, whether or not attestation is on.
	at := h.Attestation
	if !oneOf(at.Mechanism, knownAttestation) {
		c.fail("hw.attestation.mechanism", "profile uefi-aarch64 must declare %q (want tpm or dice)", at.Mechanism)
	} else if at.Mechanism == "tpm" && !kinds["tpm"] {
		c.fail("hw.attestation.mechanism", "tpm attestation requires a \"tpm\" hardware binding")
	}
}

func (c *checker) swarmUI() {
	u := c.m.SwarmUI
	if u.TicketScope != "per-ticket" && u.TicketScope != "shared" {
		c.fail("swarmui.ticket_scope", "unknown scope %q (want per-ticket or shared)", u.TicketScope)
	}
	if u.Cache.Enabled && (u.Cache.MaxBytes == 0 || u.Cache.TTLS == 0) {
		c.fail("swarmui.cache", "enabled = true needs max_bytes and ttl_s >= 1")
	}
	h := u.Hive
	if h.FrameCapFPS == 0 || h.FrameCapFPS > 240 {
		c.fail("swarmui.hive.frame_cap_fps", "%d outside 1..240", h.FrameCapFPS)
	}
	if h.StepMS == 0 {
		c.fail("swarmui.hive.step_ms", "must be >= 1")
	}
	// Written so that NaN fails too.
	if !(h.LODZoomOut > 0 && h.LODZoomOut < h.LODZoomIn && h.LODZoomIn <= 100) {
		c.fail("swarmui.hive.lod_zoom_in", "need 0 < lod_zoom_out (%v) < lod_zoom_in (%v) <= 100", h.LODZoomOut, h.LODZoomIn)
	}
	if h.LineCapBytes == 0 || h.LineCapBytes > 256 {
		c.fail("swarmui.hive.line_cap_bytes", "%d outside 1..256 (the console line limit)", h.LineCapBytes)
	}
	if h.PerWorkerBytes > c.m.Secure9P.MSize {
		c.fail("swarmui.hive.per_worker_bytes", "%d exceeds secure9p.msize %d", h.PerWorkerBytes, c.m.Secure9P.MSize)
	}
	p := u.Paths
	c.absPath("swarmui.paths.telemetry_root", p.TelemetryRoot, false, false)
	c.absPath("swarmui.paths.proc_ingest_root", p.ProcIngestRoot, false, false)
	c.absPath("swarmui.paths.worker_root", p.WorkerRoot, false, false)
	for i, r := range p.NamespaceRoots {
		c.absPath(fmt.Sprintf("swarmui.paths.namespace_roots[%d]", i), r, false, false)
	}
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

// isName reports whether s is a non-empty [a-z0-9_-]+ token.
func isName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// hasControl reports whether s has a C0 control character or DEL, which
// would break the line-oriented files paths are rendered into.
func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}

// isToken reports whether s is printable ASCII without spaces.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

func hasDotDot(p string) bool {
	for _, comp := range strings.Split(p, "/") {
		if comp == ".." {
			return true
		}
	}
	return false
}
