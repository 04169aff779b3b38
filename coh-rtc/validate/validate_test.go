package validate

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cohesix/cohesix/coh-rtc/ir"
)

// shipped parses the committed manifest; every rejection case starts from
// it and breaks exactly one thing.
func shipped(t *testing.T) *ir.Manifest {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "configs", "root_task.toml"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ir.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestShippedManifestIsValid(t *testing.T) {
	if err := Manifest(shipped(t)); err != nil {
		t.Fatalf("shipped manifest refused:\n%v", err)
	}
}

func TestTestdataManifestsAreValid(t *testing.T) {
	for _, name := range []string{"minimal.toml", "uefi.toml", "reference_root_task.toml", "reference_regression.toml"} {
		src, err := os.ReadFile(filepath.Join("..", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		m, err := ir.Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := Manifest(m); err != nil {
			t.Errorf("%s refused:\n%v", name, err)
		}
	}
}

// TestRedLines has one case per red line: the mutation crosses it and the
// refusal must name the field path.
func TestRedLines(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(m *ir.Manifest)
		path   string
	}{
		{"schema mismatch", func(m *ir.Manifest) { m.RootTask.Schema = "1.4" }, "root_task.schema"},
		{"msize above 8192", func(m *ir.Manifest) { m.Secure9P.MSize = 8193 }, "secure9p.msize"},
		{"walk depth above 8", func(m *ir.Manifest) { m.Secure9P.WalkDepth = 9 }, "secure9p.walk_depth"},
		{"dotdot in mount", func(m *ir.Manifest) { m.Namespaces.Mounts[0].Target = []string{"log", ".."} }, "namespaces.mounts[0].target"},
		{"mount deeper than walk", func(m *ir.Manifest) {
			m.Namespaces.Mounts[0].Target = strings.Split("a/b/c/d/e/f/g/h/i", "/")
		}, "namespaces.mounts[0].target"},
		{"dotdot in host mount", func(m *ir.Manifest) { m.Ecosystem.Host.MountAt = "/host/../queen" }, "ecosystem.host.mount_at"},
		{"dotdot in policy rule", func(m *ir.Manifest) { m.Ecosystem.Policy.Rules[0].Target = "/queen/../log" }, "ecosystem.policy.rules[0].target"},
		{"dotdot in client path", func(m *ir.Manifest) { m.ClientPaths.Log = "/log/../queen/ctl" }, "client_paths.log"},
		{"shard bits above 8", func(m *ir.Manifest) { m.Sharding.ShardBits = 9 }, "sharding.shard_bits"},
		{"shard depth", func(m *ir.Manifest) { m.Secure9P.WalkDepth = 4 }, "sharding.enabled"},
		{"legacy alias depth", func(m *ir.Manifest) { m.Secure9P.WalkDepth = 2 }, "sharding.legacy_worker_alias"},
		{"legacy mount without alias", func(m *ir.Manifest) {
			m.Sharding.LegacyWorkerAlias = false
			m.Namespaces.Mounts[0].Target = []string{"worker", "x"}
		}, "namespaces.mounts[0].target"},
		{"tags per session zero", func(m *ir.Manifest) { m.Secure9P.TagsPerSession = 0 }, "secure9p.tags_per_session"},
		{"batched payload above msize", func(m *ir.Manifest) { m.Secure9P.MSize = 4096 }, "secure9p.max_batch_bytes"},
		{"batch frames above tags", func(m *ir.Manifest) { m.Secure9P.BatchFrames = 17 }, "secure9p.batch_frames"},
		{"cas chunk above msize", func(m *ir.Manifest) { m.CAS.Store.ChunkBytes = 8193 }, "cas.store.chunk_bytes"},
		{"cas chunks above pump budget", func(m *ir.Manifest) { m.EventPump.CASBudgetBytes = 512 }, "cas.store.chunk_bytes"},
		{"telemetry rings above pump budget", func(m *ir.Manifest) { m.Telemetry.RingBytesPerWorker = 8192 }, "telemetry.ring_bytes_per_worker"},
		{"pump budget raised above ceiling", func(m *ir.Manifest) { m.EventPump.TelemetryBudgetBytes = 64 * 1024 }, "event_pump.telemetry_budget_bytes"},
		{"sidecar buffers above pump budget", func(m *ir.Manifest) {
			m.Sidecars.Modbus.Enable = true
			m.Sidecars.Modbus.Adapters = []ir.SidecarBusAdapter{{ID: "plc", Mount: "plc", Scope: "plc", Link: "tcp", Spool: ir.SidecarSpool{MaxEntries: 8, MaxBytes: 20000}}}
		}, "sidecars"},
		{"proc buffer below its line", func(m *ir.Manifest) { m.Observability.Proc9P.SessionsBytes = 100 }, "observability.proc_9p.sessions_bytes"},
		{"proc buffer above msize", func(m *ir.Manifest) { m.Observability.ProcPressure.BusyBytes = 9000 }, "observability.proc_pressure.busy_bytes"},
		{"ecosystem policy relaxes msize", func(m *ir.Manifest) { m.Ecosystem.Policy.QueueMaxBytes = 9000 }, "ecosystem.policy.queue_max_bytes"},
		{"ecosystem audit relaxes msize", func(m *ir.Manifest) { m.Ecosystem.Audit.JournalMaxBytes = 9000 }, "ecosystem.audit.journal_max_bytes"},
		{"ecosystem host over a core root", func(m *ir.Manifest) { m.Ecosystem.Host.MountAt = "/proc/host" }, "ecosystem.host.mount_at"},
		{"ecosystem host without role isolation", func(m *ir.Manifest) { m.Namespaces.RoleIsolation = false }, "ecosystem.host.enable"},
		{"ecosystem replay without audit", func(m *ir.Manifest) { m.Ecosystem.Audit.ReplayEnable = true }, "ecosystem.audit.replay_enable"},
		{"models without cas", func(m *ir.Manifest) {
			m.Ecosystem.Models.Enable = true
			m.CAS.Enable = false
			m.CAS.Delta.Enable = false
		}, "ecosystem.models.enable"},
		{"gpu without gate", func(m *ir.Manifest) { m.Profile.Gates = []string{} }, "features.gpu"},
		{"std console on kernel", func(m *ir.Manifest) { m.Features.StdConsole = true }, "features.std_console"},
		{"dma clean without kernel ops", func(m *ir.Manifest) { m.Cache.KernelOps = false }, "cache.dma_clean"},
		{"unify without kernel ops", func(m *ir.Manifest) {
			m.Cache = ir.Cache{UnifyInstructions: true}
		}, "cache.unify_instructions"},
		{"uefi without hardware bindings", func(m *ir.Manifest) { m.Profile.Name = "uefi-aarch64" }, "hw.devices"},
		{"hardware on a virt profile", func(m *ir.Manifest) { m.HW.Devices = []ir.HWDevice{{Kind: "uart", Name: "pl011"}} }, "hw"},
		{"tpm attestation without tpm", func(m *ir.Manifest) {
			m.Profile.Name = "uefi-aarch64"
			m.HW.Devices = []ir.HWDevice{{Kind: "uart", Name: "pl011"}, {Kind: "net", Name: "ena0"}}
			m.HW.Attestation = ir.HWAttestation{Enabled: true, Mechanism: "tpm"}
		}, "hw.attestation.mechanism"},
		{"uefi without attestation settings", func(m *ir.Manifest) {
			m.Profile.Name = "uefi-aarch64"
			m.HW.Devices = []ir.HWDevice{{Kind: "uart", Name: "pl011"}, {Kind: "net", Name: "ena0"}}
		}, "hw.attestation.mechanism"},
		{"ticket secret too long", func(m *ir.Manifest) { m.Tickets[1].Secret = strings.Repeat("s", 225) }, "tickets[1].secret"},
		{"ticket unknown role", func(m *ir.Manifest) { m.Tickets[1].Role = "drone" }, "tickets[1].role"},
		{"ticket duplicate role", func(m *ir.Manifest) { m.Tickets[2].Role = "worker-heartbeat" }, "tickets[2].role"},
		{"no queen ticket", func(m *ir.Manifest) { m.Tickets = m.Tickets[1:] }, "tickets"},
		{"newline in policy rule target", func(m *ir.Manifest) { m.Ecosystem.Policy.Rules[0].Target = "/queen/ctl\nattach worker" }, "ecosystem.policy.rules[0].target"},
		{"console token with control", func(m *ir.Manifest) { m.Console.AuthToken = "change\x01me" }, "console.auth_token"},
		{"console token with space", func(m *ir.Manifest) { m.Console.AuthToken = "change me" }, "console.auth_token"},
		{"console gateway off-net", func(m *ir.Manifest) { m.Console.Net.Gateway = "10.0.3.1" }, "console.net.gateway"},
		{"console address not cidr", func(m *ir.Manifest) { m.Console.Net.Address = "10.0.2.15" }, "console.net.address"},
		{"lifecycle unsupported transition", func(m *ir.Manifest) { m.Lifecycle.AutoTransitions[0].To = "OFFLINE" }, "lifecycle.auto_transitions[0]"},
		{"ingest partly disabled", func(m *ir.Manifest) { m.TelemetryIngest.MaxSegmentsPerDevice = 0 }, "telemetry_ingest"},
		{"ingest record above msize", func(m *ir.Manifest) { m.TelemetryIngest.MaxRecordBytes = 9000 }, "telemetry_ingest.max_record_bytes"},
		{"spool record above spool", func(m *ir.Manifest) {
			m.Persistence.Spool = ir.Spool{Enable: true, MaxBytes: 100, MaxRecordBytes: 200, Mode: "refuse"}
		}, "persistence.spool.max_record_bytes"},
		{"ticket scopes above 16", func(m *ir.Manifest) { m.TicketLimits.MaxScopes = 17 }, "ticket_limits.max_scopes"},
		{"retry ceiling below backoff", func(m *ir.Manifest) { m.ClientPolicies.Retry.CeilingMS = 100 }, "client_policies.retry.ceiling_ms"},
		{"swarmui zoom inverted", func(m *ir.Manifest) { m.SwarmUI.Hive.LODZoomIn = 0.5 }, "swarmui.hive.lod_zoom_in"},
		{"unknown profile", func(m *ir.Manifest) { m.Profile.Name = "pdp11" }, "profile.name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := shipped(t)
			tt.mutate(m)
			err := Manifest(m)
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Manifest accepted it (err = %v)", err)
			}
			if !errs.Has(tt.path) {
				t.Fatalf("no refusal names %s; got:\n%v", tt.path, errs)
			}
			if !strings.Contains(errs.Error(), tt.path+": ") {
				t.Errorf("message does not lead with the path: %v", errs)
			}
		})
	}
}

// TestClampedWalkDepth: a bad walk depth must not loosen the path checks.
func TestClampedWalkDepth(t *testing.T) {
	m := shipped(t)
	m.Secure9P.WalkDepth = 200
	m.Namespaces.Mounts[0].Target = strings.Split("a/b/c/d/e/f/g/h/i", "/")
	errs, _ := Manifest(m).(Errors)
	if !errs.Has("secure9p.walk_depth") || !errs.Has("namespaces.mounts[0].target") {
		t.Fatalf("want both walk_depth and mount refused, got:\n%v", errs)
	}
}
