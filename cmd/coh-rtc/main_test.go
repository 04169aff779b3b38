package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeManifest(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "root_task.toml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const minimal = "[root_task]\nschema = \"1.5\"\n[profile]\nname = \"virt-aarch64\"\nkernel = true\n[[tickets]]\nrole = \"queen\"\nsecret = \"bootstrap\"\n"

func TestRefusesRedLineWithFieldPath(t *testing.T) {
	tests := []struct{ extra, path string }{
		{"[secure9p]\nmsize = 16384\n", "secure9p.msize"},
		{"[secure9p]\nwalk_depth = 9\n", "secure9p.walk_depth"},
		{"[[namespaces.mounts]]\nservice = \"logs\"\ntarget = [\"..\"]\n", "namespaces.mounts[0].target"},
		{"[secure9p]\nmsiz = 1\n", "secure9p.msiz"},
	}
	for _, tt := range tests {
		out := t.TempDir()
		var stdout, stderr bytes.Buffer
		code := run([]string{"-manifest", writeManifest(t, minimal+tt.extra), "-docs", t.TempDir(), "-out", out}, &stdout, &stderr)
		if code != 1 {
			t.Errorf("%s: exit %d, want 1", tt.path, code)
		}
		if !strings.Contains(stderr.String(), tt.path) {
			t.Errorf("%s: stderr %q does not name the field", tt.path, stderr.String())
		}
		if entries, _ := os.ReadDir(out); len(entries) != 0 {
			t.Errorf("%s: refused manifest still wrote %d entries", tt.path, len(entries))
		}
	}
}

func TestWritesArtefacts(t *testing.T) {
	out := t.TempDir()
	docs := t.TempDir()
	if err := os.WriteFile(filepath.Join(docs, "A.md"), []byte("<!-- coh-rtc:boot:start -->\n<!-- coh-rtc:boot:end -->\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	manifest := writeManifest(t, minimal)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-manifest", manifest, "-docs", docs, "-out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	stdout.Reset()
	if code := run([]string{"-manifest", manifest, "-docs", docs, "-list"}, &stdout, &stderr); code != 0 {
		t.Fatalf("-list exit %d: %s", code, stderr.String())
	}
	paths := strings.Fields(stdout.String())
	if len(paths) < 8 {
		t.Fatalf("-list printed %v", paths)
	}
	for _, p := range paths {
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(p))); err != nil {
			t.Errorf("listed %s not written: %v", p, err)
		}
	}
	doc, err := os.ReadFile(filepath.Join(out, "docs", "A.md"))
	if err != nil || !bytes.Contains(doc, []byte("manifest.sha256=")) {
		t.Errorf("docs/A.md marker block not filled: %q, %v", doc, err)
	}
	stdout.Reset()
	if code := run([]string{"-manifest", manifest, "-fingerprint"}, &stdout, &stderr); code != 0 || len(strings.TrimSpace(stdout.String())) != 64 {
		t.Errorf("-fingerprint: exit %d, %q", code, stdout.String())
	}
}

func TestUsageErrors(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-nope"}, &stdout, &stderr); code != 2 {
		t.Errorf("unknown flag: exit %d, want 2", code)
	}
	if code := run([]string{"-manifest", filepath.Join(t.TempDir(), "missing.toml")}, &stdout, &stderr); code != 1 {
		t.Errorf("missing manifest: exit %d, want 1", code)
	}
}

// TestTwoRunsIdenticalTrees regenerates the shipped manifest into two
// directories and compares every byte.
func TestTwoRunsIdenticalTrees(t *testing.T) {
	manifest := filepath.Join("..", "..", "configs", "root_task.toml")
	docs := filepath.Join("..", "..", "docs")
	dirs := []string{t.TempDir(), t.TempDir()}
	for _, d := range dirs {
		var stdout, stderr bytes.Buffer
		if code := run([]string{"-manifest", manifest, "-docs", docs, "-out", d}, &stdout, &stderr); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
	}
	n := 0
	err := filepath.WalkDir(dirs[0], func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dirs[0], p)
		a, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(filepath.Join(dirs[1], rel))
		if err != nil {
			return err
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between runs", rel)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 8 {
		t.Fatalf("only %d files generated", n)
	}
}
