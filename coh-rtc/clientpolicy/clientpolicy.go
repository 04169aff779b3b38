// Package clientpolicy loads the client policy files coh-rtc generates
// (configs/cohsh_policy.toml, configs/coh_policy.toml) and refuses any whose
// bytes do not match their .sha256 file or that were generated from another
// manifest than the one the client expects.
//
// A client calls Load at start-up and exits if it fails:
//
//	p, err := clientpolicy.LoadFor(clientpolicy.CohshPath, manifest.Fingerprint)
//	if err != nil {
//		log.Fatal(err) // names the file and why; regenerate with make generate
//	}
package clientpolicy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Default locations, relative to the repository root.
const (
	CohshPath = "configs/cohsh_policy.toml"
	CohPath   = "configs/coh_policy.toml"
)

// Errors a caller may want to tell apart (match with errors.Is).
var (
	ErrNoHash           = errors.New("policy hash file missing")
	ErrHashMismatch     = errors.New("policy does not match its hash file")
	ErrManifestMismatch = errors.New("policy was generated from another manifest")
	ErrMalformed        = errors.New("malformed policy")
)

// Policy is one loaded client policy. Sections the file does not carry stay
// zero: a cohsh policy has no Coh section, a coh policy no Cohsh,
// Heartbeat or Trace.
type Policy struct {
	Meta      Meta      `toml:"meta"`
	Cohsh     Cohsh     `toml:"cohsh"`
	Coh       Coh       `toml:"coh"`
	Retry     Retry     `toml:"retry"`
	Heartbeat Heartbeat `toml:"heartbeat"`
	Trace     Trace     `toml:"trace"`

	// SHA256 is the verified lower-case hex SHA-256 of the file.
	SHA256 string `toml:"-"`
}

// Meta ties the policy to its manifest.
type Meta struct {
	ManifestSHA256 string `toml:"manifest_sha256"`
}

// Cohsh holds cohsh's pool and polling defaults.
type Cohsh struct {
	Pool struct {
		ControlSessions   int `toml:"control_sessions"`
		TelemetrySessions int `toml:"telemetry_sessions"`
	} `toml:"pool"`
	Tail struct {
		PollMSDefault int `toml:"poll_ms_default"`
		PollMSMin     int `toml:"poll_ms_min"`
		PollMSMax     int `toml:"poll_ms_max"`
	} `toml:"tail"`
	HostTelemetry struct {
		NvidiaPollMS  int `toml:"nvidia_poll_ms"`
		SystemdPollMS int `toml:"systemd_poll_ms"`
		DockerPollMS  int `toml:"docker_poll_ms"`
		K8sPollMS     int `toml:"k8s_poll_ms"`
	} `toml:"host_telemetry"`
}

// Coh holds coh's mount, telemetry, run and PEFT bounds.
type Coh struct {
	Mount struct {
		Root      string   `toml:"root"`
		Allowlist []string `toml:"allowlist"`
	} `toml:"mount"`
	Telemetry struct {
		Root                   string `toml:"root"`
		MaxDevices             int    `toml:"max_devices"`
		MaxSegmentsPerDevice   int    `toml:"max_segments_per_device"`
		MaxBytesPerSegment     int    `toml:"max_bytes_per_segment"`
		MaxTotalBytesPerDevice int    `toml:"max_total_bytes_per_device"`
	} `toml:"telemetry"`
	Run struct {
		Lease struct {
			Schema      string `toml:"schema"`
			ActiveState string `toml:"active_state"`
			MaxBytes    int    `toml:"max_bytes"`
		} `toml:"lease"`
		Breadcrumb struct {
			Schema          string `toml:"schema"`
			MaxLineBytes    int    `toml:"max_line_bytes"`
			MaxCommandBytes int    `toml:"max_command_bytes"`
		} `toml:"breadcrumb"`
	} `toml:"run"`
	PEFT struct {
		Export struct {
			Root              string `toml:"root"`
			MaxTelemetryBytes int    `toml:"max_telemetry_bytes"`
			MaxPolicyBytes    int    `toml:"max_policy_bytes"`
			MaxBaseModelBytes int    `toml:"max_base_model_bytes"`
		} `toml:"export"`
		Import struct {
			RegistryRoot     string `toml:"registry_root"`
			MaxAdapterBytes  uint64 `toml:"max_adapter_bytes"`
			MaxLoraBytes     int    `toml:"max_lora_bytes"`
			MaxMetricsBytes  int    `toml:"max_metrics_bytes"`
			MaxManifestBytes int    `toml:"max_manifest_bytes"`
		} `toml:"import"`
		Activate struct {
			MaxModelIDBytes int `toml:"max_model_id_bytes"`
			MaxStateBytes   int `toml:"max_state_bytes"`
		} `toml:"activate"`
	} `toml:"peft"`
}

// Retry is the connect/reply retry policy: back-off starts at Backoff and
// doubles up to Ceiling; Timeout is the socket read/write timeout.
type Retry struct {
	MaxAttempts int `toml:"max_attempts"`
	BackoffMS   int `toml:"backoff_ms"`
	CeilingMS   int `toml:"ceiling_ms"`
	TimeoutMS   int `toml:"timeout_ms"`
}

// Backoff is the first retry delay.
func (r Retry) Backoff() time.Duration { return time.Duration(r.BackoffMS) * time.Millisecond }

// Ceiling is the largest retry delay.
func (r Retry) Ceiling() time.Duration { return time.Duration(r.CeilingMS) * time.Millisecond }

// Timeout is the socket read/write timeout.
func (r Retry) Timeout() time.Duration { return time.Duration(r.TimeoutMS) * time.Millisecond }

// Heartbeat is the keepalive interval.
type Heartbeat struct {
	IntervalMS int `toml:"interval_ms"`
}

// Interval is the keepalive interval.
func (h Heartbeat) Interval() time.Duration { return time.Duration(h.IntervalMS) * time.Millisecond }

// Trace bounds trace files.
type Trace struct {
	MaxBytes int `toml:"max_bytes"`
}

// Load reads the policy at path and its hash file path+".sha256" and
// verifies one against the other.
func Load(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("client policy: %w", err)
	}
	hashFile, err := os.ReadFile(path + ".sha256")
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("client policy %s: %w (%s.sha256)", path, ErrNoHash, path)
		}
		return nil, fmt.Errorf("client policy: %w", err)
	}
	p, err := Parse(data, hashFile, filepath.Base(path))
	if err != nil {
		return nil, fmt.Errorf("client policy %s: %w", path, err)
	}
	return p, nil
}

// LoadFor loads the policy at path and refuses it unless it was generated
// from the manifest with the given fingerprint (normally
// manifest.Fingerprint from services/manifest).
func LoadFor(path, fingerprint string) (*Policy, error) {
	p, err := Load(path)
	if err != nil {
		return nil, err
	}
	if err := p.CheckManifest(fingerprint); err != nil {
		return nil, fmt.Errorf("client policy %s: %w", path, err)
	}
	return p, nil
}

// Parse verifies data against hashFile (a sha256sum line naming name) and
// decodes it. Unknown keys are refused.
func Parse(data, hashFile []byte, name string) (*Policy, error) {
	want, gotName, err := parseHashLine(hashFile)
	if err != nil {
		return nil, err
	}
	if gotName != name {
		return nil, fmt.Errorf("%w: hash file names %q, not %q", ErrHashMismatch, gotName, name)
	}
	sum := sha256.Sum256(data)
	got := hex.EncodeToString(sum[:])
	if got != want {
		return nil, fmt.Errorf("%w: sha256 %s, hash file says %s", ErrHashMismatch, got, want)
	}
	var p Policy
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&p)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		sort.Strings(keys)
		return nil, fmt.Errorf("%w: unknown key %s", ErrMalformed, strings.Join(keys, ", "))
	}
	if !isHex64(p.Meta.ManifestSHA256) {
		return nil, fmt.Errorf("%w: meta.manifest_sha256 %q is not 64 lower-case hex digits", ErrMalformed, p.Meta.ManifestSHA256)
	}
	p.SHA256 = got
	return &p, nil
}

// CheckManifest refuses a policy generated from a manifest other than the
// one with fingerprint (normally manifest.Fingerprint).
func (p *Policy) CheckManifest(fingerprint string) error {
	if p.Meta.ManifestSHA256 != fingerprint {
		return fmt.Errorf("%w: policy manifest_sha256 %s, expected %s (run make generate)", ErrManifestMismatch, p.Meta.ManifestSHA256, fingerprint)
	}
	return nil
}

// parseHashLine reads "<64 hex>  <name>" (sha256sum format, optional "*"
// binary marker before the name). Blank lines and "#" comment lines, which
// the reference compiler writes above the sum, are skipped; exactly one sum
// line must remain.
func parseHashLine(b []byte) (sum, name string, err error) {
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimRight(l, "\r")
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		lines = append(lines, l)
	}
	if len(lines) != 1 {
		return "", "", fmt.Errorf("%w: hash file has %d sum lines, want 1", ErrHashMismatch, len(lines))
	}
	sum, name, ok := strings.Cut(lines[0], " ")
	if !ok || !isHex64(sum) {
		return "", "", fmt.Errorf("%w: hash file is not \"<sha256>  <name>\"", ErrHashMismatch)
	}
	name = strings.TrimPrefix(strings.TrimPrefix(name, " "), "*")
	return sum, name, nil
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}
