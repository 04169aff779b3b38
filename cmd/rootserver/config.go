package main

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/cohesix/cohesix/images/rootfs"
	"github.com/cohesix/cohesix/p9srv"
	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/cohesix/cohesix/services/console"
	"github.com/cohesix/cohesix/services/manifest"
	"github.com/cohesix/cohesix/services/ninedoor"
)

// hiveConfig is the NineDoor configuration the manifest compiler resolved,
// with the /proc/tests scripts of the root file system. Every embedding
// starts from it, so no limit is written twice.
func hiveConfig(tests fs.FS) (ninedoor.Config, error) {
	cfg := ninedoor.DefaultConfig()

	cfg.Secrets = map[vfs.Role]string{}
	for _, t := range manifest.Tickets() {
		role, ok := vfs.ParseRole(t.Role)
		if !ok || strings.EqualFold(t.Role, "worker") {
			return cfg, fmt.Errorf("rootserver: manifest ticket for unknown role %q", t.Role)
		}
		cfg.Secrets[role] = t.Secret
	}
	cfg.Mounts = nil
	for _, m := range manifest.Mounts() {
		cfg.Mounts = append(cfg.Mounts, ninedoor.Mount{Service: m.Service, Path: m.Path})
	}

	sh := manifest.Sharding()
	cfg.Limits.ShardBits = sh.ShardBits
	cfg.LegacyWorkerAlias = sh.LegacyWorkerAlias
	tel := manifest.Telemetry()
	cfg.Limits.TelemetryRingBytes = tel.RingBytesPerWorker
	cfg.TelemetryFrameSchema = tel.FrameSchema
	cfg.CursorRetainOnBoot = tel.RetainCursorOnBoot
	ep := manifest.EventPump()
	cfg.Limits.MaxWorkers = ep.MaxWorkers
	cfg.EventPumpFDs = strings.Join(ep.FDs, ",")
	tl := manifest.TicketLimits()
	cfg.Limits.MaxScopes = tl.MaxScopes
	cfg.Limits.MaxScopePathBytes = tl.MaxScopePathLen
	cfg.Limits.MaxScopeRatePerSec = uint32(tl.MaxScopeRatePerSecond)
	cfg.Limits.MaxBandwidthBytes = tl.BandwidthBytes
	cfg.Limits.MaxCursorResumes = uint32(tl.CursorResumes)
	cfg.Limits.MaxCursorAdvances = uint32(tl.CursorAdvances)

	if in := manifest.TelemetryIngest(); in.Enabled {
		cfg.Limits.IngestSegmentsPerDevice = in.MaxSegmentsPerDevice
		cfg.Limits.IngestSegmentBytes = in.MaxBytesPerSegment
		cfg.Limits.IngestDeviceBytes = in.MaxTotalBytesPerDevice
		cfg.Limits.IngestRecordBytes = in.MaxRecordBytes
	}
	w := manifest.IngestWatch()
	cfg.Limits.IngestWatchEntries = w.MaxEntries
	cfg.Limits.IngestWatchInterval = w.MinInterval
	cfg.Limits.IngestLatencySamples = w.LatencySamples
	if h := manifest.HostNamespace(); h.Enabled {
		cfg.Host = &ninedoor.Host{MountAt: h.MountAt, Providers: h.Providers}
	} else {
		cfg.Host = nil
	}
	if manifest.FeatureToggles().GPU {
		// No host GPU bridge exists yet; the manifest's gpu feature
		// publishes the mock provider so lease flows can be exercised.
		cfg.GPUs = ninedoor.MockGPUs()
	}

	cfg.ManifestSchema = manifest.SchemaVersion
	cfg.ManifestProfile = manifest.ProfileName
	cfg.ManifestSHA256 = manifest.Fingerprint

	cfg.Tests = map[string][]byte{}
	entries, err := fs.ReadDir(tests, "proc/tests")
	if err != nil {
		return cfg, fmt.Errorf("rootserver: /proc/tests: %w", err)
	}
	for _, e := range entries {
		b, err := fs.ReadFile(tests, "proc/tests/"+e.Name())
		if err != nil {
			return cfg, fmt.Errorf("rootserver: /proc/tests/%s: %w", e.Name(), err)
		}
		cfg.Tests[e.Name()] = b
	}
	return cfg, nil
}

// consoleConfig is the console configuration of the manifest.
func consoleConfig(token string) console.Config {
	cfg := console.DefaultConfig()
	mc := manifest.Console()
	cfg.AuthToken = mc.AuthToken
	cfg.AuthTimeout = mc.AuthTimeout
	cfg.IdleTimeout = mc.IdleTimeout
	if token != "" {
		cfg.AuthToken = token
	}
	return cfg
}

// ninePOptions are the Secure9P server's limits from the manifest.
func ninePOptions() p9srv.Options {
	l := manifest.Secure9P()
	return p9srv.Options{
		Msize:        uint32(l.MaxMessageSize),
		MaxTags:      l.TagsPerSession,
		MaxWalkDepth: l.MaxWalkDepth,
	}
}

// hostedOptions are the options of the hosted embedding: the manifest, the
// embedded root file system, and an optional console token override.
func hostedOptions(token string) (options, error) {
	hive, err := hiveConfig(rootfs.FS)
	if err != nil {
		return options{}, err
	}
	return options{hive: hive, console: consoleConfig(token), ninep: ninePOptions()}, nil
}

// hiveAdapter gives the console the hive's log in the console's own type, so
// neither package imports the other.
type hiveAdapter struct{ *ninedoor.Hive }

func (h hiveAdapter) LogLines() []console.LogLine {
	src := h.Hive.LogLines()
	out := make([]console.LogLine, len(src))
	for i, l := range src {
		out[i] = console.LogLine{Text: l.Text, User: l.User}
	}
	return out
}
