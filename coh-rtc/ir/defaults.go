package ir

// DefaultSidecarSpool is the offline spool of a bus adapter that declares
// none.
var DefaultSidecarSpool = SidecarSpool{MaxEntries: 32, MaxBytes: 4096}

// Defaults returns the manifest that a TOML file is decoded on top of: every
// key the file leaves out keeps the value here. Optional features default to
// disabled; limits default to the seed's shipped values.
func Defaults() Manifest {
	return Manifest{
		Meta:    Meta{Author: "", Purpose: ""},
		Profile: Profile{Gates: []string{}},
		EventPump: EventPump{
			TickMS:               5,
			PollBudgetUS:         1000,
			MaxWorkers:           8,
			TelemetryBudgetBytes: 32 * 1024,
			CASBudgetBytes:       32 * 1024,
			SidecarBudgetBytes:   16 * 1024,
		},
		Console: Console{
			AuthToken:     "changeme",
			TCPPort:       31337,
			AuthTimeoutMS: 5000,
			IdleTimeoutMS: 300000,
			Net:           ConsoleNet{Address: "10.0.2.15/24", Gateway: "10.0.2.2"},
		},
		Secure9P: Secure9P{
			MSize:          8192,
			WalkDepth:      8,
			TagsPerSession: 16,
			BatchFrames:    1,
			MaxBatchBytes:  8192,
			ShortWrite:     ShortWrite{Policy: "reject"},
		},
		CAS: CAS{Store: CASStore{ChunkBytes: 128}},
		Features: Features{
			SerialConsole: true,
		},
		Namespaces: Namespaces{RoleIsolation: true, Mounts: []Mount{}},
		Telemetry: Telemetry{
			RingBytesPerWorker: 1024,
			FrameSchema:        "legacy-plaintext",
		},
		TelemetryIngest: TelemetryIngest{MaxRecordBytes: 4096, EvictionPolicy: "evict-oldest"},
		Lifecycle: Lifecycle{
			InitialState:    "BOOTING",
			AutoTransitions: []Transition{{From: "BOOTING", To: "ONLINE"}},
		},
		Persistence: Persistence{Spool: Spool{Mode: "refuse"}},
		Observability: Observability{
			Proc9P:        Proc9P{SessionsBytes: 8192, OutstandingBytes: 128, ShortWritesBytes: 128},
			Proc9PSession: Proc9PSession{ActiveBytes: 128, StateBytes: 64, SinceMSBytes: 64, OwnerBytes: 96},
			ProcIngest: ProcIngest{
				P50MSBytes: 64, P95MSBytes: 64, BackpressureBytes: 64, DroppedBytes: 64, QueuedBytes: 64,
				WatchMaxEntries: 16, WatchLineBytes: 192, WatchMinIntervalMS: 50,
				LatencySamples: 32, LatencyToleranceMS: 5, CounterTolerance: 1,
			},
			ProcRoot:     ProcRoot{ReachableBytes: 32, LastSeenMSBytes: 64, CutReasonBytes: 64},
			ProcPressure: ProcPressure{BusyBytes: 64, QuotaBytes: 64, CutBytes: 64, PolicyBytes: 64},
		},
		ClientPolicies: ClientPolicies{
			Cohsh: CohshPolicy{
				Pool:          CohshPool{ControlSessions: 2, TelemetrySessions: 4},
				Tail:          CohshTail{PollMSDefault: 1000, PollMSMin: 250, PollMSMax: 10000},
				HostTelemetry: CohshHostTelemetry{NvidiaPollMS: 1000, SystemdPollMS: 2000, DockerPollMS: 2000, K8sPollMS: 5000},
			},
			Coh: CohPolicy{
				Mount: CohMount{Root: "/", Allowlist: []string{"/proc", "/queen", "/worker", "/log", "/gpu", "/host"}},
				Telemetry: CohTelemetry{
					Root: "/queen/telemetry", MaxDevices: 32, MaxSegmentsPerDevice: 4,
					MaxBytesPerSegment: 32768, MaxTotalBytesPerDevice: 131072,
				},
				Run: CohRun{
					Lease:      CohLease{Schema: "gpu-lease/v1", ActiveState: "ACTIVE", MaxBytes: 1024},
					Breadcrumb: CohBreadcrumb{Schema: "gpu-breadcrumb/v1", MaxLineBytes: 512, MaxCommandBytes: 256},
				},
				PEFT: CohPEFT{
					Export: CohPEFTExport{Root: "/queen/export/lora_jobs", MaxTelemetryBytes: 131072, MaxPolicyBytes: 8192, MaxBaseModelBytes: 1024},
					Import: CohPEFTImport{
						RegistryRoot: "out/model_registry", MaxAdapterBytes: 64 << 20, MaxLoraBytes: 65536,
						MaxMetricsBytes: 65536, MaxManifestBytes: 8192,
					},
					Activate: CohPEFTActivate{MaxModelIDBytes: 128, MaxStateBytes: 4096},
				},
			},
			Retry:     RetryPolicy{MaxAttempts: 3, BackoffMS: 200, CeilingMS: 2000, TimeoutMS: 5000},
			Heartbeat: HeartbeatPolicy{IntervalMS: 15000},
			Trace:     TracePolicy{MaxBytes: 1 << 20},
		},
		ClientPaths: ClientPaths{
			QueenCtl:          "/queen/ctl",
			QueenLifecycleCtl: "/queen/lifecycle/ctl",
			Log:               "/log/queen.log",
		},
		TicketLimits: TicketLimits{
			MaxScopes: 8, MaxScopePathLen: 128, MaxScopeRatePerS: 64,
			BandwidthBytes: 131072, CursorResumes: 16, CursorAdvances: 256,
		},
		Tickets: []Ticket{},
		Sidecars: Sidecars{
			Modbus: SidecarBus{MountAt: "/bus", Adapters: []SidecarBusAdapter{}},
			DNP3:   SidecarBus{MountAt: "/bus", Adapters: []SidecarBusAdapter{}},
			Lora:   SidecarLora{MountAt: "/lora", Adapters: []SidecarLoraAdapter{}},
		},
		Ecosystem: Ecosystem{
			Host: EcosystemHost{Providers: []string{}, MountAt: "/host"},
			Audit: EcosystemAudit{
				JournalMaxBytes: 8192, DecisionsMaxBytes: 4096, ReplayMaxEntries: 64,
				ReplayCtlMaxBytes: 1024, ReplayStatusMaxBytes: 1024,
			},
			Policy: EcosystemPolicy{
				QueueMaxEntries: 32, QueueMaxBytes: 4096, CtlMaxBytes: 2048, StatusMaxBytes: 512,
				Rules: []PolicyRule{},
			},
		},
		HW: HW{Devices: []HWDevice{}},
		SwarmUI: SwarmUI{
			TicketScope: "per-ticket",
			Cache:       SwarmUICache{MaxBytes: 262144, TTLS: 3600},
			Hive: SwarmUIHive{
				FrameCapFPS: 60, StepMS: 16, LODZoomOut: 0.7, LODZoomIn: 1.25, LODEventBudget: 512,
				SnapshotMaxEvents: 4096, OverlayLines: 3, DetailLines: 50, LineCapBytes: 160, PerWorkerBytes: 2048,
			},
			Paths: SwarmUIPaths{
				TelemetryRoot: "/worker", ProcIngestRoot: "/proc/ingest", WorkerRoot: "/worker",
				NamespaceRoots: []string{"/proc", "/queen", "/worker", "/log", "/gpu"},
			},
		},
	}
}
