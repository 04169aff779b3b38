package clientpolicy

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cohesix/cohesix/services/manifest"
)

func repoFile(t *testing.T, rel string) string {
	t.Helper()
	return filepath.Join("..", "..", filepath.FromSlash(rel))
}

func TestLoadCommittedPolicies(t *testing.T) {
	for _, path := range []string{CohshPath, CohPath} {
		p, err := Load(repoFile(t, path))
		if err != nil {
			t.Fatalf("Load(%s): %v", path, err)
		}
		if err := p.CheckManifest(manifest.Fingerprint); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		if p.Retry.MaxAttempts != 3 || p.Retry.Backoff().Milliseconds() != 200 ||
			p.Retry.Ceiling().Milliseconds() != 2000 || p.Retry.Timeout().Milliseconds() != 5000 {
			t.Errorf("%s: retry = %+v, want 3/200/2000/5000", path, p.Retry)
		}
	}
	p, err := Load(repoFile(t, CohshPath))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Heartbeat.Interval().Milliseconds(); got != 15000 {
		t.Errorf("heartbeat = %d ms, want 15000", got)
	}
	if p.Cohsh.Pool.ControlSessions != 2 || p.Cohsh.Tail.PollMSMin != 250 {
		t.Errorf("cohsh = %+v", p.Cohsh)
	}
	c, err := Load(repoFile(t, CohPath))
	if err != nil {
		t.Fatal(err)
	}
	if c.Coh.Mount.Root != "/" || len(c.Coh.Mount.Allowlist) == 0 {
		t.Errorf("coh mount = %+v", c.Coh.Mount)
	}
}

const sample = `[meta]
manifest_sha256 = "0000000000000000000000000000000000000000000000000000000000000000"

[retry]
max_attempts = 3
backoff_ms = 200
ceiling_ms = 2000
timeout_ms = 5000
`

func hashLine(data, name string) string {
	sum := sha256.Sum256([]byte(data))
	return hex.EncodeToString(sum[:]) + "  " + name + "\n"
}

func TestParseRefusals(t *testing.T) {
	good := hashLine(sample, "p.toml")
	tests := []struct {
		name     string
		data     string
		hash     string
		fileName string
		want     error
	}{
		{"ok", sample, good, "p.toml", nil},
		{"reference comment header", sample, "# Author: x\n# Purpose: y\n" + good, "p.toml", nil},
		{"tampered", sample + "\n", good, "p.toml", ErrHashMismatch},
		{"other file name", sample, good, "q.toml", ErrHashMismatch},
		{"garbage hash", sample, "nothex  p.toml\n", "p.toml", ErrHashMismatch},
		{"two lines", sample, good + good, "p.toml", ErrHashMismatch},
		{"unknown key", sample + "bogus = 1\n", hashLine(sample+"bogus = 1\n", "p.toml"), "p.toml", ErrMalformed},
		{"no manifest hash", "[retry]\nmax_attempts = 1\n", hashLine("[retry]\nmax_attempts = 1\n", "p.toml"), "p.toml", ErrMalformed},
		{"bad toml", "[retry\n", hashLine("[retry\n", "p.toml"), "p.toml", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data), []byte(tt.hash), tt.fileName)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCheckManifestMismatch(t *testing.T) {
	p, err := Parse([]byte(sample), []byte(hashLine(sample, "p.toml")), "p.toml")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.CheckManifest(strings.Repeat("0", 64)); err != nil {
		t.Errorf("matching fingerprint refused: %v", err)
	}
	if err := p.CheckManifest(strings.Repeat("1", 64)); !errors.Is(err, ErrManifestMismatch) {
		t.Errorf("CheckManifest(other) = %v, want ErrManifestMismatch", err)
	}
}

func TestLoadMissingHash(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.toml")
	if err := os.WriteFile(path, []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); !errors.Is(err, ErrNoHash) {
		t.Fatalf("Load without hash = %v, want ErrNoHash", err)
	}
	if err := os.WriteFile(path+".sha256", []byte(hashLine(sample, "p.toml")), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err != nil {
		t.Fatalf("Load with hash: %v", err)
	}
	if _, err := LoadFor(path, strings.Repeat("0", 64)); err != nil {
		t.Fatalf("LoadFor(matching): %v", err)
	}
	if _, err := LoadFor(path, strings.Repeat("f", 64)); !errors.Is(err, ErrManifestMismatch) {
		t.Fatalf("LoadFor(other manifest) = %v, want ErrManifestMismatch", err)
	}
	if _, err := LoadFor(filepath.Join(dir, "absent.toml"), strings.Repeat("0", 64)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("LoadFor(absent) = %v, want ErrNotExist", err)
	}
}
