package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuildPacksAndGuardsSize(t *testing.T) {
	dir := t.TempDir()
	elf := filepath.Join(dir, "rs.elf")
	os.WriteFile(elf, []byte("\x7fELF-not-really"), 0o644)
	tests := filepath.Join(dir, "tests")
	os.Mkdir(tests, 0o755)
	os.WriteFile(filepath.Join(tests, "b.coh"), []byte("PING\n"), 0o644)
	os.WriteFile(filepath.Join(tests, "a.coh"), []byte("CAT /proc/boot\n"), 0o644)
	os.WriteFile(filepath.Join(tests, "ignored.txt"), []byte("x"), 0o644)
	out := filepath.Join(dir, "out", "rootfs.cpio")

	size, err := build(out, elf, "", tests, 4<<20)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil || int64(len(b)) != size {
		t.Fatalf("read %d bytes (%v), build said %d", len(b), err, size)
	}
	s := string(b)
	for _, want := range []string{"rootserver\x00", "proc/tests/a.coh\x00", "proc/tests/b.coh\x00", "TRAILER!!!"} {
		if !strings.Contains(s, want) {
			t.Errorf("archive lacks %q", want)
		}
	}
	if strings.Contains(s, "ignored.txt") {
		t.Error("archive packs a non-.coh file")
	}
	if strings.Index(s, "a.coh") > strings.Index(s, "b.coh") {
		t.Error("scripts are not in name order")
	}

	if _, err := build(out, elf, "", tests, size); err == nil {
		t.Fatal("archive at the limit was accepted")
	}
	if b2, _ := os.ReadFile(out); string(b2) != s {
		t.Fatal("a refused build replaced the previous archive")
	}
}
