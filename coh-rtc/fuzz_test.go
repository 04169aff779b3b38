package rtc

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cohesix/cohesix/coh-rtc/clientpolicy"
	"github.com/cohesix/cohesix/coh-rtc/codegen"
)

// FuzzCompile drives arbitrary bytes through TOML -> IR -> validation ->
// resolution -> snippets. It must never panic, and whatever compiles must
// resolve and render.
func FuzzCompile(f *testing.F) {
	for _, p := range []string{
		filepath.Join("testdata", "minimal.toml"),
		filepath.Join("testdata", "uefi.toml"),
	} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	// The shipped manifest is too large to mutate and minimize quickly, so
	// it is seeded a few sections at a time behind the minimal header.
	if shipped, err := os.ReadFile(filepath.Join("..", "configs", "root_task.toml")); err == nil {
		for _, chunk := range sectionChunks(shipped, maxFuzzInput/2) {
			f.Add(append([]byte(fuzzHeader), chunk...))
		}
	}
	f.Add([]byte(""))
	f.Add([]byte("[root_task]\nschema = \"1.5\"\n[profile]\nname = \"hosted\"\nkernel = false\n[[tickets]]\nrole = \"queen\"\nsecret = \"q\"\n[sharding]\nenabled = true\nshard_bits = 255\n"))
	f.Add([]byte("[secure9p]\nmsize = 4294967295\nwalk_depth = 4294967295\n"))
	f.Add([]byte("[console.net]\naddress = \"::1/128\"\ngateway = \"x\"\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > maxFuzzInput {
			return
		}
		c, err := Compile(src)
		if err != nil {
			return
		}
		// The cheap emitters run on every accepted input; the Go tables go
		// through go/format, which is too slow to fuzz and is covered by
		// the golden tests.
		if len(c.Fingerprint) != 64 || !bytes.HasSuffix(c.Resolved, []byte("\n")) {
			t.Fatalf("bad resolution: %q", c.Fingerprint)
		}
		// Client policies must load back through the loader clients use.
		for _, p := range codegen.ClientPolicies(c.Manifest, c.Fingerprint) {
			name := filepath.Base(p.Path)
			pol, err := clientpolicy.Parse(p.Data, codegen.HashFile(codegen.SHA256Hex(p.Data), name), name)
			if err != nil {
				t.Fatalf("%s does not load: %v\n%s", p.Path, err, p.Data)
			}
			if err := pol.CheckManifest(c.Fingerprint); err != nil {
				t.Fatal(err)
			}
		}
		// Manifest text only ever reaches the boot script in comments.
		for _, line := range strings.Split(string(codegen.BootScript(c.Manifest)), "\n") {
			switch line {
			case "", "attach queen", "EXPECT OK", "log", "WAIT 250", "quit":
			default:
				if !strings.HasPrefix(line, "# ") {
					t.Fatalf("boot script line %q is not a fixed command or comment", line)
				}
			}
		}
		doc := []byte("<!-- coh-rtc:boot:start -->\n<!-- coh-rtc:boot:end -->\n")
		if _, _, err := codegen.UpdateMarkers(doc, codegen.Snippets(c.Manifest, c.Fingerprint)); err != nil {
			t.Fatalf("compiled but snippets failed: %v", err)
		}
	})
}

// maxFuzzInput bounds fuzz inputs: TOML decoding dominates and the fuzzer
// spends its time minimizing big inputs instead of exploring.
const maxFuzzInput = 2048

const fuzzHeader = "[root_task]\nschema = \"1.5\"\n[profile]\nname = \"virt-aarch64\"\nkernel = true\n[[tickets]]\nrole = \"queen\"\nsecret = \"q\"\n"

// sectionChunks splits a TOML file at table headers into runs of at most
// limit bytes (a single larger section stays whole).
func sectionChunks(src []byte, limit int) [][]byte {
	var chunks [][]byte
	var cur []byte
	for _, sec := range bytes.SplitAfter(src, []byte("\n\n")) {
		if len(cur) > 0 && len(cur)+len(sec) > limit {
			chunks = append(chunks, cur)
			cur = nil
		}
		cur = append(cur, sec...)
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	return chunks
}
