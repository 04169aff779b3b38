// Package ir is the typed intermediate representation of
// configs/root_task.toml: one Go struct per manifest section, with the
// defaults that apply when a section or key is left out.
//
// Defaults keep every optional feature disabled, so a manifest that does not
// mention a feature gets no namespace nodes, budgets or tables for it. The
// field tags name the TOML key and the key in the resolved JSON, which are
// always the same.
package ir

// SchemaVersion is the only root_task.schema this compiler accepts. It is the
// version the rootserver reports at boot as manifest.schema.
const SchemaVersion = "1.5"

// Manifest is the whole root-task manifest.
type Manifest struct {
	Meta            Meta            `toml:"meta" json:"meta"`
	RootTask        RootTask        `toml:"root_task" json:"root_task"`
	Profile         Profile         `toml:"profile" json:"profile"`
	EventPump       EventPump       `toml:"event_pump" json:"event_pump"`
	Console         Console         `toml:"console" json:"console"`
	Secure9P        Secure9P        `toml:"secure9p" json:"secure9p"`
	CAS             CAS             `toml:"cas" json:"cas"`
	Cache           Cache           `toml:"cache" json:"cache"`
	Features        Features        `toml:"features" json:"features"`
	Namespaces      Namespaces      `toml:"namespaces" json:"namespaces"`
	Sharding        Sharding        `toml:"sharding" json:"sharding"`
	Telemetry       Telemetry       `toml:"telemetry" json:"telemetry"`
	TelemetryIngest TelemetryIngest `toml:"telemetry_ingest" json:"telemetry_ingest"`
	Lifecycle       Lifecycle       `toml:"lifecycle" json:"lifecycle"`
	Persistence     Persistence     `toml:"persistence" json:"persistence"`
	Observability   Observability   `toml:"observability" json:"observability"`
	UIProviders     UIProviders     `toml:"ui_providers" json:"ui_providers"`
	ClientPolicies  ClientPolicies  `toml:"client_policies" json:"client_policies"`
	ClientPaths     ClientPaths     `toml:"client_paths" json:"client_paths"`
	TicketLimits    TicketLimits    `toml:"ticket_limits" json:"ticket_limits"`
	Tickets         []Ticket        `toml:"tickets" json:"tickets"`
	Sidecars        Sidecars        `toml:"sidecars" json:"sidecars"`
	Ecosystem       Ecosystem       `toml:"ecosystem" json:"ecosystem"`
	HW              HW              `toml:"hw" json:"hw"`
	SwarmUI         SwarmUI         `toml:"swarmui" json:"swarmui"`
}

// Meta is free-form provenance; it is carried into the resolved JSON.
type Meta struct {
	Author  string `toml:"author" json:"author"`
	Purpose string `toml:"purpose" json:"purpose"`
}

// RootTask carries the schema version of the manifest.
type RootTask struct {
	Schema string `toml:"schema" json:"schema"`
}

// Profile names the platform the image is built for.
type Profile struct {
	Name   string `toml:"name" json:"name"`
	Kernel bool   `toml:"kernel" json:"kernel"`
	// Gates are the optional kernel feature gates compiled into the image
	// (for example "gpu"); a feature that needs a gate is refused without it.
	Gates []string `toml:"gates" json:"gates"`
}

// EventPump holds the pump cadence and the memory budgets every ring and
// buffer must fit into. Budgets may be lowered, never raised above the
// compiler's ceilings.
type EventPump struct {
	TickMS               uint32 `toml:"tick_ms" json:"tick_ms"`
	PollBudgetUS         uint32 `toml:"poll_budget_us" json:"poll_budget_us"`
	MaxWorkers           uint32 `toml:"max_workers" json:"max_workers"`
	TelemetryBudgetBytes uint32 `toml:"telemetry_budget_bytes" json:"telemetry_budget_bytes"`
	CASBudgetBytes       uint32 `toml:"cas_budget_bytes" json:"cas_budget_bytes"`
	SidecarBudgetBytes   uint32 `toml:"sidecar_budget_bytes" json:"sidecar_budget_bytes"`
}

// Console is the operator console: the TCP listener and its network setup.
type Console struct {
	AuthToken     string     `toml:"auth_token" json:"auth_token"`
	TCPPort       uint16     `toml:"tcp_port" json:"tcp_port"`
	AuthTimeoutMS uint32     `toml:"auth_timeout_ms" json:"auth_timeout_ms"`
	IdleTimeoutMS uint32     `toml:"idle_timeout_ms" json:"idle_timeout_ms"`
	Net           ConsoleNet `toml:"net" json:"net"`
}

// ConsoleNet is the static IPv4 configuration of the image's interface.
type ConsoleNet struct {
	Address string `toml:"address" json:"address"` // CIDR, e.g. 10.0.2.15/24
	Gateway string `toml:"gateway" json:"gateway"`
}

// Secure9P holds the 9P red lines.
type Secure9P struct {
	MSize          uint32     `toml:"msize" json:"msize"`
	WalkDepth      uint32     `toml:"walk_depth" json:"walk_depth"`
	TagsPerSession uint32     `toml:"tags_per_session" json:"tags_per_session"`
	BatchFrames    uint32     `toml:"batch_frames" json:"batch_frames"`
	MaxBatchBytes  uint32     `toml:"max_batch_bytes" json:"max_batch_bytes"`
	ShortWrite     ShortWrite `toml:"short_write" json:"short_write"`
}

// ShortWrite says what a server does with a short write: "reject" or "retry".
type ShortWrite struct {
	Policy string `toml:"policy" json:"policy"`
}

// CAS is the content-addressed update store behind /updates.
type CAS struct {
	Enable  bool       `toml:"enable" json:"enable"`
	Store   CASStore   `toml:"store" json:"store"`
	Delta   CASDelta   `toml:"delta" json:"delta"`
	Signing CASSigning `toml:"signing" json:"signing"`
}

// CASStore sizes CAS chunks.
type CASStore struct {
	ChunkBytes uint32 `toml:"chunk_bytes" json:"chunk_bytes"`
}

// CASDelta enables delta bundles.
type CASDelta struct {
	Enable bool `toml:"enable" json:"enable"`
}

// CASSigning requires signed update manifests.
type CASSigning struct {
	Required bool   `toml:"required" json:"required"`
	KeyPath  string `toml:"key_path" json:"key_path"`
}

// Cache requests AArch64 cache maintenance around DMA.
type Cache struct {
	KernelOps         bool `toml:"kernel_ops" json:"kernel_ops"`
	DMAClean          bool `toml:"dma_clean" json:"dma_clean"`
	DMAInvalidate     bool `toml:"dma_invalidate" json:"dma_invalidate"`
	UnifyInstructions bool `toml:"unify_instructions" json:"unify_instructions"`
}

// Features are the image's feature toggles.
type Features struct {
	NetConsole    bool `toml:"net_console" json:"net_console"`
	SerialConsole bool `toml:"serial_console" json:"serial_console"`
	StdConsole    bool `toml:"std_console" json:"std_console"`
	StdHostTools  bool `toml:"std_host_tools" json:"std_host_tools"`
	GPU           bool `toml:"gpu" json:"gpu"`
}

// Namespaces configures the NineDoor namespace.
type Namespaces struct {
	RoleIsolation bool    `toml:"role_isolation" json:"role_isolation"`
	Mounts        []Mount `toml:"mounts" json:"mounts"`
}

// Mount binds a service at a path, given as its components.
type Mount struct {
	Service string   `toml:"service" json:"service"`
	Target  []string `toml:"target" json:"target"`
}

// Sharding spreads worker paths over /shard/<label>.
type Sharding struct {
	Enabled           bool  `toml:"enabled" json:"enabled"`
	ShardBits         uint8 `toml:"shard_bits" json:"shard_bits"`
	LegacyWorkerAlias bool  `toml:"legacy_worker_alias" json:"legacy_worker_alias"`
}

// Telemetry sizes the per-worker telemetry rings.
type Telemetry struct {
	RingBytesPerWorker uint32          `toml:"ring_bytes_per_worker" json:"ring_bytes_per_worker"`
	FrameSchema        string          `toml:"frame_schema" json:"frame_schema"`
	Cursor             TelemetryCursor `toml:"cursor" json:"cursor"`
}

// TelemetryCursor says whether reader cursors survive a reboot.
type TelemetryCursor struct {
	RetainOnBoot bool `toml:"retain_on_boot" json:"retain_on_boot"`
}

// TelemetryIngest bounds /queen/telemetry/<device>. All zero disables it.
type TelemetryIngest struct {
	MaxSegmentsPerDevice   uint32 `toml:"max_segments_per_device" json:"max_segments_per_device"`
	MaxBytesPerSegment     uint32 `toml:"max_bytes_per_segment" json:"max_bytes_per_segment"`
	MaxTotalBytesPerDevice uint32 `toml:"max_total_bytes_per_device" json:"max_total_bytes_per_device"`
	MaxRecordBytes         uint32 `toml:"max_record_bytes" json:"max_record_bytes"`
	EvictionPolicy         string `toml:"eviction_policy" json:"eviction_policy"`
}

// Lifecycle is the node lifecycle at boot.
type Lifecycle struct {
	InitialState    string       `toml:"initial_state" json:"initial_state"`
	AutoTransitions []Transition `toml:"auto_transitions" json:"auto_transitions"`
}

// Transition is one automatic lifecycle transition taken at boot.
type Transition struct {
	From string `toml:"from" json:"from"`
	To   string `toml:"to" json:"to"`
}

// Persistence is the crash-safe telemetry spool.
type Persistence struct {
	Spool Spool `toml:"spool" json:"spool"`
}

// Spool bounds the persistent spool; mode is "refuse" or "overwrite_acked".
type Spool struct {
	Enable         bool   `toml:"enable" json:"enable"`
	MaxBytes       uint64 `toml:"max_bytes" json:"max_bytes"`
	MaxRecordBytes uint32 `toml:"max_record_bytes" json:"max_record_bytes"`
	Mode           string `toml:"mode" json:"mode"`
}

// Observability gates and sizes the /proc nodes.
type Observability struct {
	Proc9P        Proc9P        `toml:"proc_9p" json:"proc_9p"`
	Proc9PSession Proc9PSession `toml:"proc_9p_session" json:"proc_9p_session"`
	ProcIngest    ProcIngest    `toml:"proc_ingest" json:"proc_ingest"`
	ProcRoot      ProcRoot      `toml:"proc_root" json:"proc_root"`
	ProcPressure  ProcPressure  `toml:"proc_pressure" json:"proc_pressure"`
}

// Proc9P gates /proc/9p/{sessions,outstanding,short_writes}.
type Proc9P struct {
	Sessions         bool   `toml:"sessions" json:"sessions"`
	Outstanding      bool   `toml:"outstanding" json:"outstanding"`
	ShortWrites      bool   `toml:"short_writes" json:"short_writes"`
	SessionsBytes    uint32 `toml:"sessions_bytes" json:"sessions_bytes"`
	OutstandingBytes uint32 `toml:"outstanding_bytes" json:"outstanding_bytes"`
	ShortWritesBytes uint32 `toml:"short_writes_bytes" json:"short_writes_bytes"`
}

// Proc9PSession gates /proc/9p/session/*.
type Proc9PSession struct {
	Active       bool   `toml:"active" json:"active"`
	State        bool   `toml:"state" json:"state"`
	SinceMS      bool   `toml:"since_ms" json:"since_ms"`
	Owner        bool   `toml:"owner" json:"owner"`
	ActiveBytes  uint32 `toml:"active_bytes" json:"active_bytes"`
	StateBytes   uint32 `toml:"state_bytes" json:"state_bytes"`
	SinceMSBytes uint32 `toml:"since_ms_bytes" json:"since_ms_bytes"`
	OwnerBytes   uint32 `toml:"owner_bytes" json:"owner_bytes"`
}

// ProcIngest gates /proc/ingest/*.
type ProcIngest struct {
	P50MS              bool   `toml:"p50_ms" json:"p50_ms"`
	P95MS              bool   `toml:"p95_ms" json:"p95_ms"`
	Backpressure       bool   `toml:"backpressure" json:"backpressure"`
	Dropped            bool   `toml:"dropped" json:"dropped"`
	Queued             bool   `toml:"queued" json:"queued"`
	Watch              bool   `toml:"watch" json:"watch"`
	P50MSBytes         uint32 `toml:"p50_ms_bytes" json:"p50_ms_bytes"`
	P95MSBytes         uint32 `toml:"p95_ms_bytes" json:"p95_ms_bytes"`
	BackpressureBytes  uint32 `toml:"backpressure_bytes" json:"backpressure_bytes"`
	DroppedBytes       uint32 `toml:"dropped_bytes" json:"dropped_bytes"`
	QueuedBytes        uint32 `toml:"queued_bytes" json:"queued_bytes"`
	WatchMaxEntries    uint32 `toml:"watch_max_entries" json:"watch_max_entries"`
	WatchLineBytes     uint32 `toml:"watch_line_bytes" json:"watch_line_bytes"`
	WatchMinIntervalMS uint32 `toml:"watch_min_interval_ms" json:"watch_min_interval_ms"`
	LatencySamples     uint32 `toml:"latency_samples" json:"latency_samples"`
	LatencyToleranceMS uint32 `toml:"latency_tolerance_ms" json:"latency_tolerance_ms"`
	CounterTolerance   uint32 `toml:"counter_tolerance" json:"counter_tolerance"`
}

// ProcRoot gates /proc/root/*.
type ProcRoot struct {
	Reachable       bool   `toml:"reachable" json:"reachable"`
	LastSeenMS      bool   `toml:"last_seen_ms" json:"last_seen_ms"`
	CutReason       bool   `toml:"cut_reason" json:"cut_reason"`
	ReachableBytes  uint32 `toml:"reachable_bytes" json:"reachable_bytes"`
	LastSeenMSBytes uint32 `toml:"last_seen_ms_bytes" json:"last_seen_ms_bytes"`
	CutReasonBytes  uint32 `toml:"cut_reason_bytes" json:"cut_reason_bytes"`
}

// ProcPressure gates /proc/pressure/*.
type ProcPressure struct {
	Busy        bool   `toml:"busy" json:"busy"`
	Quota       bool   `toml:"quota" json:"quota"`
	Cut         bool   `toml:"cut" json:"cut"`
	Policy      bool   `toml:"policy" json:"policy"`
	BusyBytes   uint32 `toml:"busy_bytes" json:"busy_bytes"`
	QuotaBytes  uint32 `toml:"quota_bytes" json:"quota_bytes"`
	CutBytes    uint32 `toml:"cut_bytes" json:"cut_bytes"`
	PolicyBytes uint32 `toml:"policy_bytes" json:"policy_bytes"`
}

// UIProviders gates the read-only nodes UI clients may read.
type UIProviders struct {
	Proc9P          UIProc9P          `toml:"proc_9p" json:"proc_9p"`
	ProcIngest      UIProcIngest      `toml:"proc_ingest" json:"proc_ingest"`
	PolicyPreflight UIPolicyPreflight `toml:"policy_preflight" json:"policy_preflight"`
	Updates         UIUpdates         `toml:"updates" json:"updates"`
}

// UIProc9P gates UI reads of /proc/9p.
type UIProc9P struct {
	Sessions    bool `toml:"sessions" json:"sessions"`
	Outstanding bool `toml:"outstanding" json:"outstanding"`
	ShortWrites bool `toml:"short_writes" json:"short_writes"`
}

// UIProcIngest gates UI reads of /proc/ingest.
type UIProcIngest struct {
	P50MS        bool `toml:"p50_ms" json:"p50_ms"`
	P95MS        bool `toml:"p95_ms" json:"p95_ms"`
	Backpressure bool `toml:"backpressure" json:"backpressure"`
}

// UIPolicyPreflight gates UI policy preflight reads.
type UIPolicyPreflight struct {
	Req  bool `toml:"req" json:"req"`
	Diff bool `toml:"diff" json:"diff"`
}

// UIUpdates gates UI reads of /updates.
type UIUpdates struct {
	Manifest bool `toml:"manifest" json:"manifest"`
	Status   bool `toml:"status" json:"status"`
}

// ClientPolicies are the host clients' defaults, emitted as the client
// policy TOML files that cohsh and coh load.
type ClientPolicies struct {
	Cohsh     CohshPolicy     `toml:"cohsh" json:"cohsh"`
	Coh       CohPolicy       `toml:"coh" json:"coh"`
	Retry     RetryPolicy     `toml:"retry" json:"retry"`
	Heartbeat HeartbeatPolicy `toml:"heartbeat" json:"heartbeat"`
	Trace     TracePolicy     `toml:"trace" json:"trace"`
}

// CohshPolicy is cohsh's session pool and polling defaults.
type CohshPolicy struct {
	Pool          CohshPool          `toml:"pool" json:"pool"`
	Tail          CohshTail          `toml:"tail" json:"tail"`
	HostTelemetry CohshHostTelemetry `toml:"host_telemetry" json:"host_telemetry"`
}

// CohshPool sizes cohsh's session pool.
type CohshPool struct {
	ControlSessions   uint32 `toml:"control_sessions" json:"control_sessions"`
	TelemetrySessions uint32 `toml:"telemetry_sessions" json:"telemetry_sessions"`
}

// CohshTail bounds the tail poll interval.
type CohshTail struct {
	PollMSDefault uint32 `toml:"poll_ms_default" json:"poll_ms_default"`
	PollMSMin     uint32 `toml:"poll_ms_min" json:"poll_ms_min"`
	PollMSMax     uint32 `toml:"poll_ms_max" json:"poll_ms_max"`
}

// CohshHostTelemetry sets host provider poll intervals.
type CohshHostTelemetry struct {
	NvidiaPollMS  uint32 `toml:"nvidia_poll_ms" json:"nvidia_poll_ms"`
	SystemdPollMS uint32 `toml:"systemd_poll_ms" json:"systemd_poll_ms"`
	DockerPollMS  uint32 `toml:"docker_poll_ms" json:"docker_poll_ms"`
	K8sPollMS     uint32 `toml:"k8s_poll_ms" json:"k8s_poll_ms"`
}

// CohPolicy is coh's mount, telemetry, run and PEFT defaults.
type CohPolicy struct {
	Mount     CohMount     `toml:"mount" json:"mount"`
	Telemetry CohTelemetry `toml:"telemetry" json:"telemetry"`
	Run       CohRun       `toml:"run" json:"run"`
	PEFT      CohPEFT      `toml:"peft" json:"peft"`
}

// CohMount is the root and allowlist of coh's mount.
type CohMount struct {
	Root      string   `toml:"root" json:"root"`
	Allowlist []string `toml:"allowlist" json:"allowlist"`
}

// CohTelemetry bounds coh's telemetry export.
type CohTelemetry struct {
	Root                   string `toml:"root" json:"root"`
	MaxDevices             uint32 `toml:"max_devices" json:"max_devices"`
	MaxSegmentsPerDevice   uint32 `toml:"max_segments_per_device" json:"max_segments_per_device"`
	MaxBytesPerSegment     uint32 `toml:"max_bytes_per_segment" json:"max_bytes_per_segment"`
	MaxTotalBytesPerDevice uint32 `toml:"max_total_bytes_per_device" json:"max_total_bytes_per_device"`
}

// CohRun holds the lease and breadcrumb schemas of coh run.
type CohRun struct {
	Lease      CohLease      `toml:"lease" json:"lease"`
	Breadcrumb CohBreadcrumb `toml:"breadcrumb" json:"breadcrumb"`
}

// CohLease is the GPU lease record coh run waits for.
type CohLease struct {
	Schema      string `toml:"schema" json:"schema"`
	ActiveState string `toml:"active_state" json:"active_state"`
	MaxBytes    uint32 `toml:"max_bytes" json:"max_bytes"`
}

// CohBreadcrumb bounds coh run's breadcrumb lines.
type CohBreadcrumb struct {
	Schema          string `toml:"schema" json:"schema"`
	MaxLineBytes    uint32 `toml:"max_line_bytes" json:"max_line_bytes"`
	MaxCommandBytes uint32 `toml:"max_command_bytes" json:"max_command_bytes"`
}

// CohPEFT bounds coh peft export, import and activate.
type CohPEFT struct {
	Export   CohPEFTExport   `toml:"export" json:"export"`
	Import   CohPEFTImport   `toml:"import" json:"import"`
	Activate CohPEFTActivate `toml:"activate" json:"activate"`
}

// CohPEFTExport bounds coh peft export.
type CohPEFTExport struct {
	Root              string `toml:"root" json:"root"`
	MaxTelemetryBytes uint32 `toml:"max_telemetry_bytes" json:"max_telemetry_bytes"`
	MaxPolicyBytes    uint32 `toml:"max_policy_bytes" json:"max_policy_bytes"`
	MaxBaseModelBytes uint32 `toml:"max_base_model_bytes" json:"max_base_model_bytes"`
}

// CohPEFTImport bounds coh peft import.
type CohPEFTImport struct {
	RegistryRoot     string `toml:"registry_root" json:"registry_root"`
	MaxAdapterBytes  uint64 `toml:"max_adapter_bytes" json:"max_adapter_bytes"`
	MaxLoraBytes     uint32 `toml:"max_lora_bytes" json:"max_lora_bytes"`
	MaxMetricsBytes  uint32 `toml:"max_metrics_bytes" json:"max_metrics_bytes"`
	MaxManifestBytes uint32 `toml:"max_manifest_bytes" json:"max_manifest_bytes"`
}

// CohPEFTActivate bounds coh peft activate.
type CohPEFTActivate struct {
	MaxModelIDBytes uint32 `toml:"max_model_id_bytes" json:"max_model_id_bytes"`
	MaxStateBytes   uint32 `toml:"max_state_bytes" json:"max_state_bytes"`
}

// RetryPolicy is the client connect/reply retry policy.
type RetryPolicy struct {
	MaxAttempts uint32 `toml:"max_attempts" json:"max_attempts"`
	BackoffMS   uint32 `toml:"backoff_ms" json:"backoff_ms"`
	CeilingMS   uint32 `toml:"ceiling_ms" json:"ceiling_ms"`
	TimeoutMS   uint32 `toml:"timeout_ms" json:"timeout_ms"`
}

// HeartbeatPolicy is the client keepalive interval.
type HeartbeatPolicy struct {
	IntervalMS uint32 `toml:"interval_ms" json:"interval_ms"`
}

// TracePolicy bounds client trace files.
type TracePolicy struct {
	MaxBytes uint32 `toml:"max_bytes" json:"max_bytes"`
}

// ClientPaths are well-known namespace paths clients write to.
type ClientPaths struct {
	QueenCtl          string `toml:"queen_ctl" json:"queen_ctl"`
	QueenLifecycleCtl string `toml:"queen_lifecycle_ctl" json:"queen_lifecycle_ctl"`
	Log               string `toml:"log" json:"log"`
}

// TicketLimits are the claim limits a presented ticket must stay within, and
// the quotas that fill unset ones.
type TicketLimits struct {
	MaxScopes        uint32 `toml:"max_scopes" json:"max_scopes"`
	MaxScopePathLen  uint32 `toml:"max_scope_path_len" json:"max_scope_path_len"`
	MaxScopeRatePerS uint32 `toml:"max_scope_rate_per_s" json:"max_scope_rate_per_s"`
	BandwidthBytes   uint64 `toml:"bandwidth_bytes" json:"bandwidth_bytes"`
	CursorResumes    uint32 `toml:"cursor_resumes" json:"cursor_resumes"`
	CursorAdvances   uint32 `toml:"cursor_advances" json:"cursor_advances"`
}

// Ticket is the secret a role's tickets are keyed with.
type Ticket struct {
	Role   string `toml:"role" json:"role"`
	Secret string `toml:"secret" json:"secret"`
}

// Sidecars are the host sidecar bridges mounted into the namespace.
type Sidecars struct {
	Modbus SidecarBus  `toml:"modbus" json:"modbus"`
	DNP3   SidecarBus  `toml:"dnp3" json:"dnp3"`
	Lora   SidecarLora `toml:"lora" json:"lora"`
}

// SidecarBus is a MODBUS or DNP3 bridge.
type SidecarBus struct {
	Enable   bool                `toml:"enable" json:"enable"`
	MountAt  string              `toml:"mount_at" json:"mount_at"`
	Adapters []SidecarBusAdapter `toml:"adapters" json:"adapters"`
}

// SidecarBusAdapter is one bus adapter and its offline spool.
type SidecarBusAdapter struct {
	ID    string       `toml:"id" json:"id"`
	Mount string       `toml:"mount" json:"mount"`
	Scope string       `toml:"scope" json:"scope"`
	Link  string       `toml:"link" json:"link"` // "serial" or "tcp"
	Baud  uint32       `toml:"baud" json:"baud"`
	Spool SidecarSpool `toml:"spool" json:"spool"`
}

// SidecarSpool bounds a bus adapter's offline spool.
type SidecarSpool struct {
	MaxEntries uint32 `toml:"max_entries" json:"max_entries"`
	MaxBytes   uint32 `toml:"max_bytes" json:"max_bytes"`
}

// SidecarLora is the LoRa bridge.
type SidecarLora struct {
	Enable   bool                 `toml:"enable" json:"enable"`
	MountAt  string               `toml:"mount_at" json:"mount_at"`
	Adapters []SidecarLoraAdapter `toml:"adapters" json:"adapters"`
}

// SidecarLoraAdapter is one LoRa adapter with its duty-cycle guard.
type SidecarLoraAdapter struct {
	ID                  string `toml:"id" json:"id"`
	Mount               string `toml:"mount" json:"mount"`
	Scope               string `toml:"scope" json:"scope"`
	Region              string `toml:"region" json:"region"`
	MaxPayloadBytes     uint32 `toml:"max_payload_bytes" json:"max_payload_bytes"`
	WindowMS            uint32 `toml:"window_ms" json:"window_ms"` // duty-cycle window
	DutyCyclePercent    uint32 `toml:"duty_cycle_percent" json:"duty_cycle_percent"`
	TamperLogMaxEntries uint32 `toml:"tamper_log_max_entries" json:"tamper_log_max_entries"`
}

// Ecosystem holds the optional host-facing namespaces. Enabling any of them
// must never relax a Secure9P limit.
type Ecosystem struct {
	Host   EcosystemHost   `toml:"host" json:"host"`
	Audit  EcosystemAudit  `toml:"audit" json:"audit"`
	Policy EcosystemPolicy `toml:"policy" json:"policy"`
	Models EcosystemModels `toml:"models" json:"models"`
}

// EcosystemHost mirrors host controls under mount_at (default /host).
type EcosystemHost struct {
	Enable    bool     `toml:"enable" json:"enable"`
	Providers []string `toml:"providers" json:"providers"`
	MountAt   string   `toml:"mount_at" json:"mount_at"`
}

// EcosystemAudit is the audit journal and replay.
type EcosystemAudit struct {
	Enable               bool   `toml:"enable" json:"enable"`
	JournalMaxBytes      uint32 `toml:"journal_max_bytes" json:"journal_max_bytes"`
	DecisionsMaxBytes    uint32 `toml:"decisions_max_bytes" json:"decisions_max_bytes"`
	ReplayEnable         bool   `toml:"replay_enable" json:"replay_enable"`
	ReplayMaxEntries     uint32 `toml:"replay_max_entries" json:"replay_max_entries"`
	ReplayCtlMaxBytes    uint32 `toml:"replay_ctl_max_bytes" json:"replay_ctl_max_bytes"`
	ReplayStatusMaxBytes uint32 `toml:"replay_status_max_bytes" json:"replay_status_max_bytes"`
}

// EcosystemPolicy is the approval queue in front of guarded writes.
type EcosystemPolicy struct {
	Enable          bool         `toml:"enable" json:"enable"`
	QueueMaxEntries uint32       `toml:"queue_max_entries" json:"queue_max_entries"`
	QueueMaxBytes   uint32       `toml:"queue_max_bytes" json:"queue_max_bytes"`
	CtlMaxBytes     uint32       `toml:"ctl_max_bytes" json:"ctl_max_bytes"`
	StatusMaxBytes  uint32       `toml:"status_max_bytes" json:"status_max_bytes"`
	Rules           []PolicyRule `toml:"rules" json:"rules"`
}

// PolicyRule guards writes to target (a path, "*" matches one component).
type PolicyRule struct {
	ID     string `toml:"id" json:"id"`
	Target string `toml:"target" json:"target"`
}

// EcosystemModels exposes the CAS-backed model registry.
type EcosystemModels struct {
	Enable bool `toml:"enable" json:"enable"`
}

// HW declares the hardware of a physical (UEFI) profile.
type HW struct {
	SecureBoot  bool          `toml:"secure_boot" json:"secure_boot"`
	Devices     []HWDevice    `toml:"devices" json:"devices"`
	Attestation HWAttestation `toml:"attestation" json:"attestation"`
}

// HWDevice is one hardware binding: kind is uart, net, tpm or rtc.
type HWDevice struct {
	Kind       string `toml:"kind" json:"kind"`
	Name       string `toml:"name" json:"name"`
	Compatible string `toml:"compatible" json:"compatible"`
}

// HWAttestation binds attestation evidence to the manifest fingerprint.
type HWAttestation struct {
	Enabled   bool   `toml:"enabled" json:"enabled"`
	Mechanism string `toml:"mechanism" json:"mechanism"` // tpm or dice
}

// SwarmUI holds the defaults of the SwarmUI operator client.
type SwarmUI struct {
	TicketScope string       `toml:"ticket_scope" json:"ticket_scope"` // "per-ticket" or "shared"
	Cache       SwarmUICache `toml:"cache" json:"cache"`
	Hive        SwarmUIHive  `toml:"hive" json:"hive"`
	Paths       SwarmUIPaths `toml:"paths" json:"paths"`
}

// SwarmUICache bounds the UI's offline cache.
type SwarmUICache struct {
	Enabled  bool   `toml:"enabled" json:"enabled"`
	MaxBytes uint32 `toml:"max_bytes" json:"max_bytes"`
	TTLS     uint32 `toml:"ttl_s" json:"ttl_s"`
}

// SwarmUIHive bounds the live hive view.
type SwarmUIHive struct {
	FrameCapFPS       uint32  `toml:"frame_cap_fps" json:"frame_cap_fps"`
	StepMS            uint32  `toml:"step_ms" json:"step_ms"`
	LODZoomOut        float64 `toml:"lod_zoom_out" json:"lod_zoom_out"`
	LODZoomIn         float64 `toml:"lod_zoom_in" json:"lod_zoom_in"`
	LODEventBudget    uint32  `toml:"lod_event_budget" json:"lod_event_budget"`
	SnapshotMaxEvents uint32  `toml:"snapshot_max_events" json:"snapshot_max_events"`
	OverlayLines      uint32  `toml:"overlay_lines" json:"overlay_lines"`
	DetailLines       uint32  `toml:"detail_lines" json:"detail_lines"`
	LineCapBytes      uint32  `toml:"line_cap_bytes" json:"line_cap_bytes"`
	PerWorkerBytes    uint32  `toml:"per_worker_bytes" json:"per_worker_bytes"`
}

// SwarmUIPaths are the namespace roots the UI reads.
type SwarmUIPaths struct {
	TelemetryRoot  string   `toml:"telemetry_root" json:"telemetry_root"`
	ProcIngestRoot string   `toml:"proc_ingest_root" json:"proc_ingest_root"`
	WorkerRoot     string   `toml:"worker_root" json:"worker_root"`
	NamespaceRoots []string `toml:"namespace_roots" json:"namespace_roots"`
}
