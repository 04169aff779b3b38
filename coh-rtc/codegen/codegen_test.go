package codegen

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
	"testing"

	"github.com/cohesix/cohesix/coh-rtc/ir"
	"github.com/cohesix/cohesix/coh-rtc/validate"
)

func parsed(t *testing.T, src string) *ir.Manifest {
	t.Helper()
	m, err := ir.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Manifest(m); err != nil {
		t.Fatal(err)
	}
	return m
}

const minimal = "[root_task]\nschema = \"1.5\"\n[profile]\nname = \"virt-aarch64\"\nkernel = true\n[[tickets]]\nrole = \"queen\"\nsecret = \"q\\\"uote\"\n"

// TestGoTablesTypeCheck: the generated package compiles and imports only
// the standard library, for a manifest with every list empty or odd.
func TestGoTablesTypeCheck(t *testing.T) {
	m := parsed(t, minimal+`
[lifecycle]
auto_transitions = []
[sidecars.lora]
enable = true
[[sidecars.lora.adapters]]
id = "gw"
mount = "gw"
scope = "lora-gw"
max_payload_bytes = 64
region = "eu868"
window_ms = 1000
duty_cycle_percent = 1
tamper_log_max_entries = 4
`)
	src, err := GoTables(m, strings.Repeat("a", 64))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "manifest_gen.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range f.Imports {
		if p := strings.Trim(imp.Path.Value, `"`); strings.Contains(p, ".") {
			t.Errorf("generated code imports non-stdlib %s", p)
		}
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	pkg, err := conf.Check("github.com/cohesix/cohesix/services/manifest", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatalf("generated code does not type-check: %v\n%s", err, src)
	}
	for _, name := range []string{"Fingerprint", "BootLines", "Tickets", "Mounts", "Secure9P", "Sharding", "Telemetry", "EventPump", "Console", "ClientPolicy", "Lifecycle", "FeatureToggles", "Hardware"} {
		if pkg.Scope().Lookup(name) == nil {
			t.Errorf("generated package lacks %s", name)
		}
	}
	if !strings.Contains(string(src), `Secret: "q\"uote"`) {
		t.Error("ticket secret not quoted as a Go string")
	}
	if strings.Contains(string(src), "time.Now") {
		t.Error("generated code reads the clock")
	}
	// No package state: every table is a constant or a function returning
	// a fresh value.
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.VAR {
			t.Errorf("generated code declares package variables at %v", fset.Position(g.Pos()))
		}
	}
}

func TestUpdateMarkersIdempotent(t *testing.T) {
	m := parsed(t, minimal)
	snips := Snippets(m, strings.Repeat("b", 64))
	doc := []byte("intro\n<!-- coh-rtc:secure9p:start -->\nstale text\n<!-- coh-rtc:secure9p:end -->\nmiddle\n<!-- coh-rtc:boot:start --><!-- coh-rtc:boot:end -->\nend\n")
	once, found, err := UpdateMarkers(doc, snips)
	if err != nil || !found {
		t.Fatalf("UpdateMarkers: %v, found=%v", err, found)
	}
	twice, _, err := UpdateMarkers(once, snips)
	if err != nil {
		t.Fatal(err)
	}
	if string(once) != string(twice) {
		t.Errorf("not idempotent:\n%s\n---\n%s", once, twice)
	}
	s := string(once)
	if strings.Contains(s, "stale text") || !strings.HasPrefix(s, "intro\n") || !strings.Contains(s, "\nmiddle\n") || !strings.HasSuffix(s, "-->\nend\n") {
		t.Errorf("text outside the blocks changed or stale text kept:\n%s", s)
	}
	if !strings.Contains(s, "| `secure9p.msize` | `8192` |") {
		t.Errorf("secure9p block not filled:\n%s", s)
	}
}

func TestBootLinesOrder(t *testing.T) {
	m := parsed(t, minimal+"[features]\nserial_console = false\nnet_console = true\n")
	got := BootLines(m, "fp")
	want := []string{
		"Cohesix boot: root-task online", "manifest.schema=1.5", "manifest.profile=virt-aarch64", "manifest.sha256=fp",
		"telemetry.ring_bytes_per_worker=1024", "telemetry.frame_schema=legacy-plaintext",
		"telemetry.cursor.retain_on_boot=false", "event_pump.fds=timer,ipc,net-console,ninedoor",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("BootLines =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestHashFileFormat(t *testing.T) {
	if got := string(HashFile("ab", "x.toml")); got != "ab  x.toml\n" {
		t.Errorf("HashFile = %q", got)
	}
}

func TestTOMLQuote(t *testing.T) {
	for in, want := range map[string]string{
		"plain":     `"plain"`,
		`q"b\s`:     `"q\"b\\s"`,
		"tab\tnl\n": `"tab\u0009nl\u000A"`,
		"é":         `"é"`,
	} {
		if got := tomlQuote(in); got != want {
			t.Errorf("tomlQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
