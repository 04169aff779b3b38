// Package codegen turns a validated manifest into the compiler's artefacts:
// the resolved JSON and its fingerprint, the Go tables of services/manifest,
// the client policy files, the boot script and the docs snippets. Every
// emitter is a pure function of the manifest, so output is byte-for-byte
// identical across runs and machines.
package codegen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/cohesix/cohesix/coh-rtc/ir"
)

// ResolvedJSON is the manifest after defaults, in canonical form: object
// keys sorted, no insignificant whitespace, no HTML escaping, exactly one
// trailing newline. Derived values are included where services read them:
// event_pump.fds and sharding.shard_count.
func ResolvedJSON(m *ir.Manifest) ([]byte, error) {
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("resolve manifest: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("resolve manifest: %w", err)
	}
	doc["event_pump"].(map[string]any)["fds"] = EventPumpFDs(m)
	doc["sharding"].(map[string]any)["shard_count"] = ShardCount(m)
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil { // Encode sorts map keys and appends "\n"
		return nil, fmt.Errorf("resolve manifest: %w", err)
	}
	return out.Bytes(), nil
}

// Fingerprint is the lower-case hex SHA-256 of the resolved JSON bytes,
// trailing newline included.
func Fingerprint(resolved []byte) string {
	return SHA256Hex(resolved)
}

// SHA256Hex is the lower-case hex SHA-256 of b.
func SHA256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// EventPumpFDs are the event sources the pump polls, in polling order. They
// follow from the feature toggles: the consoles are present only when
// enabled; the timer, IPC and NineDoor sources are always there.
func EventPumpFDs(m *ir.Manifest) []string {
	fds := []string{}
	if m.Features.SerialConsole {
		fds = append(fds, "serial")
	}
	fds = append(fds, "timer", "ipc")
	if m.Features.NetConsole {
		fds = append(fds, "net-console")
	}
	return append(fds, "ninedoor")
}

// ShardCount is the number of /shard/<label> directories, 0 when sharding
// is off.
func ShardCount(m *ir.Manifest) int {
	if !m.Sharding.Enabled || m.Sharding.ShardBits > 8 {
		return 0
	}
	return 1 << m.Sharding.ShardBits
}

// BootLines are the lines of /proc/boot, in the order the rootserver prints
// them on the serial console at boot.
func BootLines(m *ir.Manifest, fingerprint string) []string {
	fds := EventPumpFDs(m)
	joined := ""
	for i, fd := range fds {
		if i > 0 {
			joined += ","
		}
		joined += fd
	}
	return []string{
		"Cohesix boot: root-task online",
		"manifest.schema=" + m.RootTask.Schema,
		"manifest.profile=" + m.Profile.Name,
		"manifest.sha256=" + fingerprint,
		fmt.Sprintf("telemetry.ring_bytes_per_worker=%d", m.Telemetry.RingBytesPerWorker),
		"telemetry.frame_schema=" + m.Telemetry.FrameSchema,
		fmt.Sprintf("telemetry.cursor.retain_on_boot=%t", m.Telemetry.Cursor.RetainOnBoot),
		"event_pump.fds=" + joined,
	}
}
