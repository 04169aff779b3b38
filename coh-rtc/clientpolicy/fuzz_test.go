package clientpolicy

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary policy and hash-file bytes to Parse: it must
// never panic, and whatever it accepts must hash to what the hash file says.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("..", "..", CohshPath)); err == nil {
		f.Add(data, []byte(hashLine(string(data), "p.toml")))
	}
	f.Add([]byte(sample), []byte(hashLine(sample, "p.toml")))
	f.Add([]byte(sample), []byte("# c\n"+hashLine(sample, "p.toml")))
	f.Add([]byte("[meta\n"), []byte("00  p.toml\n"))
	f.Fuzz(func(t *testing.T, data, hash []byte) {
		p, err := Parse(data, hash, "p.toml")
		if err != nil {
			return
		}
		if p.SHA256 != hashLine(string(data), "p.toml")[:64] {
			t.Fatalf("accepted with SHA256 %s for other bytes", p.SHA256)
		}
		_ = p.CheckManifest(p.Meta.ManifestSHA256)
	})
}
