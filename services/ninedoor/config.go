package ninedoor

import (
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// Mount is a manifest namespace mount: a service name that {"mount":...}
// accepts and the canonical path it stands for.
type Mount struct {
	Service string
	Path    string
}

// Limits are the manifest's bounds. Every table and queue in the hive is
// sized from here; nothing grows past them.
type Limits struct {
	MaxWorkers         int // live workers (spawn past it is BufferFull)
	MaxSessions        int // live sessions across transports
	MaxBinds           int // bind/mount entries per session
	TelemetryRingBytes int // per worker ring
	LogLines           int // /log/queen.log ring
	MaxLogLineBytes    int // a longer line appended to the log is BufferFull
	ShardBits          int // 8 => labels 00..ff
	GPUFileBytes       int // each mock GPU ctl/lease/status file
	HostFileBytes      int // each /host file

	// Telemetry ingest (§5.5).
	IngestDevices           int
	IngestSegmentsPerDevice int
	IngestRecordBytes       int
	IngestSegmentBytes      int
	IngestDeviceBytes       int

	// /proc/ingest observability.
	IngestLatencySamples int
	IngestWatchEntries   int
	IngestWatchInterval  time.Duration

	// Ticket claims bounds (§3.5 step 6).
	MaxScopes          int
	MaxScopePathBytes  int
	MaxScopeRatePerSec uint32
	MaxBandwidthBytes  uint64 // also the default when a ticket leaves it unset
	MaxCursorResumes   uint32 // also the default
	MaxCursorAdvances  uint32 // also the default
}

// Throttle is the login throttle and window limiter of §3.4.
type Throttle struct {
	Base          time.Duration // first delay after a denied attach
	MaxShift      int           // delay = Base << min(k, MaxShift)
	Window        time.Duration // failures counted from the first failure
	WindowLimit   int           // the failure that reaches it starts the cooldown
	Cooldown      time.Duration
	ScopeRateSpan time.Duration // the window of a scope's rate_per_s
}

// GPU describes one GPU of the mock provider.
type GPU struct {
	ID             string
	Name           string
	MemoryMB       uint32
	SMCount        uint32
	DriverVersion  string
	RuntimeVersion string
}

// Config configures a Hive. DefaultConfig returns the shipped values; the
// generated manifest package overrides them.
type Config struct {
	// Secrets maps each role to its ticket secret; a role without one can
	// never present a valid ticket (the queen can still attach without one).
	Secrets map[vfs.Role]string

	Limits   Limits
	Throttle Throttle

	// LegacyWorkerAlias publishes /worker/<id> next to /shard/<l>/worker/<id>.
	LegacyWorkerAlias bool

	Mounts []Mount

	// /proc/boot fields.
	ManifestSchema       string
	ManifestProfile      string
	ManifestSHA256       string
	TelemetryFrameSchema string
	CursorRetainOnBoot   bool
	EventPumpFDs         string

	// Tests are the /proc/tests/*.coh scripts, by file name.
	Tests map[string][]byte

	// GPUs, when non-empty, enables the mock GPU provider with these devices
	// under /gpu/<id>/{info,ctl,lease,status}. Without it spawn gpu is Busy.
	GPUs []GPU

	// Host, when non-nil, publishes the host-provider mount (§7.2 /host).
	Host *Host

	// ProcFiles are extra read-only /proc files supplied by the embedding,
	// keyed by their path below /proc ("pump", "9p/outstanding"): counters
	// of tasks that live outside the hive. Keys have one or two components;
	// two-component keys must be under an existing /proc directory. They are
	// listed after the standard entries, sorted.
	ProcFiles map[string]func() []byte

	// Clock returns Unix time; ticket expiry and every budget use it.
	Clock func() time.Time

	// HeartbeatInterval is the cadence of heartbeat workers' ticks.
	HeartbeatInterval time.Duration
}

// DefaultConfig returns the shipped manifest values.
func DefaultConfig() Config {
	return Config{
		Secrets: map[vfs.Role]string{
			vfs.RoleQueen:           "bootstrap",
			vfs.RoleWorkerHeartbeat: "worker",
			vfs.RoleWorkerGPU:       "worker-gpu",
			vfs.RoleWorkerBus:       "worker-bus",
			vfs.RoleWorkerLoRa:      "worker-lora",
		},
		Limits: Limits{
			MaxWorkers:         8,
			MaxSessions:        64,
			MaxBinds:           8,
			TelemetryRingBytes: 1024,
			LogLines:           128,
			MaxLogLineBytes:    256,
			ShardBits:          8,
			GPUFileBytes:       4096,
			HostFileBytes:      1024,

			IngestDevices:           32,
			IngestSegmentsPerDevice: 4,
			IngestRecordBytes:       4096,
			IngestSegmentBytes:      32768,
			IngestDeviceBytes:       131072,

			IngestLatencySamples: 32,
			IngestWatchEntries:   16,
			IngestWatchInterval:  50 * time.Millisecond,
			MaxScopes:            8,
			MaxScopePathBytes:    128,
			MaxScopeRatePerSec:   64,
			MaxBandwidthBytes:    131072,
			MaxCursorResumes:     16,
			MaxCursorAdvances:    256,
		},
		Throttle: Throttle{
			Base:          250 * time.Millisecond,
			MaxShift:      8,
			Window:        60 * time.Second,
			WindowLimit:   3,
			Cooldown:      90 * time.Second,
			ScopeRateSpan: time.Second,
		},
		LegacyWorkerAlias:    true,
		Host:                 &Host{MountAt: "/host", Providers: []string{"systemd", "k8s", "docker", "nvidia"}},
		Mounts:               []Mount{{Service: "logs", Path: "/log"}},
		ManifestSchema:       "1.5",
		ManifestProfile:      "virt-aarch64",
		ManifestSHA256:       "0000000000000000000000000000000000000000000000000000000000000000",
		TelemetryFrameSchema: "legacy-plaintext",
		CursorRetainOnBoot:   false,
		EventPumpFDs:         "serial,timer,ipc,net-console,ninedoor",
		Clock:                time.Now,
		HeartbeatInterval:    time.Second,
	}
}

// MockGPUs are the two devices of the reference mock provider.
func MockGPUs() []GPU {
	return []GPU{
		{ID: "GPU-0", Name: "NVIDIA Jetson Mock", MemoryMB: 4096, SMCount: 8, DriverVersion: "mock-1.0", RuntimeVersion: "mock-cuda-12"},
		{ID: "GPU-1", Name: "NVIDIA Jetson Mock", MemoryMB: 4096, SMCount: 8, DriverVersion: "mock-1.0", RuntimeVersion: "mock-cuda-12"},
	}
}
