package rtc

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cohesix/cohesix/coh-rtc/validate"
	"github.com/cohesix/cohesix/services/manifest"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current compiler")

const repoRoot = ".."

func readDocs(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		docs["docs/"+filepath.Base(n)] = b
	}
	return docs
}

func compileFile(t testing.TB, path string) *Compiled {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Compile(src)
	if err != nil {
		t.Fatalf("Compile(%s): %v", path, err)
	}
	return c
}

// TestCommittedArtefactsAreCurrent is the in-tree twin of
// `make check-generated`: every committed generated file must equal what the
// compiler emits for configs/root_task.toml today.
func TestCommittedArtefactsAreCurrent(t *testing.T) {
	c := compileFile(t, filepath.Join(repoRoot, "configs", "root_task.toml"))
	files, err := c.Artifacts(readDocs(t, filepath.Join(repoRoot, "docs")))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasPrefix(f.Path, "out/") {
			continue // build output, not committed
		}
		got, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Errorf("%s: %v (run make generate)", f.Path, err)
			continue
		}
		if !bytes.Equal(got, f.Data) {
			t.Errorf("%s is stale: run make generate", f.Path)
		}
	}
	if manifest.Fingerprint != c.Fingerprint {
		t.Errorf("services/manifest.Fingerprint = %s, compiler says %s", manifest.Fingerprint, c.Fingerprint)
	}
}

// TestGeneratedTablesMatchSeed pins the values the seed's boot log and
// console spec depend on.
func TestGeneratedTablesMatchSeed(t *testing.T) {
	wantBoot := []string{
		"Cohesix boot: root-task online",
		"manifest.schema=1.5",
		"manifest.profile=virt-aarch64",
		"manifest.sha256=" + manifest.Fingerprint,
		"telemetry.ring_bytes_per_worker=1024",
		"telemetry.frame_schema=legacy-plaintext",
		"telemetry.cursor.retain_on_boot=false",
		"event_pump.fds=serial,timer,ipc,net-console,ninedoor",
	}
	if got := manifest.BootLines(); strings.Join(got, "\n") != strings.Join(wantBoot, "\n") {
		t.Errorf("BootLines =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantBoot, "\n"))
	}
	if manifest.ProcBoot != strings.Join(wantBoot, "\n")+"\n" {
		t.Errorf("ProcBoot = %q", manifest.ProcBoot)
	}
	if s := manifest.Secure9P(); s.MaxMessageSize != 8192 || s.MaxWalkDepth != 8 || s.TagsPerSession < 1 {
		t.Errorf("Secure9P = %+v", s)
	}
	if m := manifest.Mounts(); len(m) != 1 || m[0].Service != "logs" || m[0].Path != "/log" {
		t.Errorf("Mounts = %+v", m)
	}
	if sec, ok := manifest.TicketSecret("queen"); !ok || sec != "bootstrap" {
		t.Errorf("queen secret = %q, %v", sec, ok)
	}
	if _, ok := manifest.TicketSecret("nobody"); ok {
		t.Error("TicketSecret(nobody) found a secret")
	}
	c := manifest.Console()
	if c.TCPPort != 31337 || c.AuthToken != "changeme" || c.Address != "10.0.2.15" || c.PrefixLen != 24 || c.Gateway != "10.0.2.2" {
		t.Errorf("Console = %+v", c)
	}
	p := manifest.ClientPolicy()
	if p.RetryMaxAttempts != 3 || p.RetryBackoff.Milliseconds() != 200 || p.RetryCeiling.Milliseconds() != 2000 ||
		p.RetryTimeout.Milliseconds() != 5000 || p.HeartbeatInterval.Milliseconds() != 15000 {
		t.Errorf("ClientPolicy = %+v", p)
	}
	if s := manifest.Sharding(); !s.Enabled || s.ShardBits != 8 || s.ShardCount != 256 || !s.LegacyWorkerAlias {
		t.Errorf("Sharding = %+v", s)
	}
	// Callers get copies: changing one must not change the next.
	manifest.Tickets()[0].Secret = "mutated"
	if manifest.Tickets()[0].Secret == "mutated" {
		t.Error("Tickets returned shared state")
	}
}

// TestGolden compiles the testdata manifests and compares every artefact
// with testdata/golden (go test -run TestGolden -update rewrites them).
func TestGolden(t *testing.T) {
	for _, name := range []string{"minimal", "uefi", "reference_root_task", "reference_regression"} {
		t.Run(name, func(t *testing.T) {
			c := compileFile(t, filepath.Join("testdata", name+".toml"))
			doc := []byte("# t\n<!-- coh-rtc:boot:start -->\nold\n<!-- coh-rtc:boot:end -->\n")
			files, err := c.Artifacts(map[string][]byte{"docs/T.md": doc})
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join("testdata", "golden", name)
			if *update {
				if err := os.RemoveAll(dir); err != nil {
					t.Fatal(err)
				}
			}
			for _, f := range files {
				golden := filepath.Join(dir, strings.ReplaceAll(f.Path, "/", "__")+".golden")
				if *update {
					if err := os.MkdirAll(dir, 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, f.Data, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -run TestGolden -update)", err)
				}
				if !bytes.Equal(f.Data, want) {
					t.Errorf("%s differs from %s", f.Path, golden)
				}
			}
			if entries, _ := os.ReadDir(dir); !*update && len(entries) != len(files) {
				t.Errorf("%d golden files, %d artefacts", len(entries), len(files))
			}
		})
	}
}

// TestDeterministic: two runs give identical bytes, and reordering the TOML
// (same content) does not change the fingerprint.
func TestDeterministic(t *testing.T) {
	path := filepath.Join(repoRoot, "configs", "root_task.toml")
	docs := readDocs(t, filepath.Join(repoRoot, "docs"))
	a, err := compileFile(t, path).Artifacts(docs)
	if err != nil {
		t.Fatal(err)
	}
	b, err := compileFile(t, path).Artifacts(docs)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("%d vs %d files", len(a), len(b))
	}
	for i := range a {
		if a[i].Path != b[i].Path || !bytes.Equal(a[i].Data, b[i].Data) {
			t.Errorf("run 2 differs at %s", a[i].Path)
		}
	}

	x, err := Compile([]byte("[[tickets]]\nrole = \"queen\"\nsecret = \"s\"\n[profile]\nkernel = true\nname = \"virt-aarch64\"\n[root_task]\nschema = \"1.5\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	y, err := Compile([]byte("[root_task]\nschema = \"1.5\"\n\n[profile]\nname = \"virt-aarch64\"\nkernel = true\n\n[[tickets]]\nsecret = \"s\"\nrole = \"queen\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if x.Fingerprint != y.Fingerprint || !bytes.Equal(x.Resolved, y.Resolved) {
		t.Errorf("key order changed the fingerprint: %s vs %s", x.Fingerprint, y.Fingerprint)
	}
}

func TestResolvedJSONIsCanonical(t *testing.T) {
	c := compileFile(t, filepath.Join("testdata", "minimal.toml"))
	r := c.Resolved
	if !bytes.HasSuffix(r, []byte("}\n")) || bytes.Count(r, []byte("\n")) != 1 {
		t.Errorf("resolved JSON must be one line with one trailing newline")
	}
	if bytes.Contains(r, []byte(": ")) || bytes.Contains(r, []byte("null")) {
		t.Errorf("resolved JSON has insignificant whitespace or null: %.200s", r)
	}
	if !bytes.Contains(r, []byte(`"fds":["serial","timer","ipc","ninedoor"]`)) {
		t.Errorf("derived event_pump.fds missing: %s", r)
	}
}

func TestCompileRefusesWithPath(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "minimal.toml"))
	if err != nil {
		t.Fatal(err)
	}
	bad := append(src, []byte("\n[secure9p]\nmsize = 65536\n")...)
	_, err = Compile(bad)
	var errs validate.Errors
	if !errors.As(err, &errs) || !errs.Has("secure9p.msize") {
		t.Fatalf("Compile = %v, want a secure9p.msize refusal", err)
	}
}

func TestMarkerErrors(t *testing.T) {
	c := compileFile(t, filepath.Join("testdata", "minimal.toml"))
	for name, doc := range map[string]string{
		"unknown":      "<!-- coh-rtc:nope:start -->\n<!-- coh-rtc:nope:end -->\n",
		"unterminated": "<!-- coh-rtc:boot:start -->\n",
		"stray end":    "<!-- coh-rtc:boot:end -->\n",
		"nested":       "<!-- coh-rtc:boot:start -->\n<!-- coh-rtc:tickets:start -->\n<!-- coh-rtc:boot:end -->\n",
	} {
		if _, err := c.Artifacts(map[string][]byte{"docs/X.md": []byte(doc)}); err == nil {
			t.Errorf("%s: accepted %q", name, doc)
		}
	}
	files, err := c.Artifacts(map[string][]byte{"docs/Plain.md": []byte("no markers\n")})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Path == "docs/Plain.md" {
			t.Error("a doc without markers was rewritten")
		}
	}
}
