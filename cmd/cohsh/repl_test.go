package main

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/term"
)

func TestHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".cohsh_history")
	h := loadHistory(path)
	for i := range maxHistory + 5 {
		h.Add(fmt.Sprint("cmd ", i))
	}
	h.Add(fmt.Sprint("cmd ", maxHistory+4)) // repeat of the newest: skipped
	h.Add("")
	if h.Len() != maxHistory || h.At(0) != fmt.Sprint("cmd ", maxHistory+4) || h.At(maxHistory-1) != "cmd 5" {
		t.Fatalf("len %d newest %q oldest %q", h.Len(), h.At(0), h.At(h.Len()-1))
	}
	h.save()
	h2 := loadHistory(path)
	if h2.Len() != maxHistory || h2.At(0) != h.At(0) || h2.At(maxHistory-1) != h.At(maxHistory-1) {
		t.Errorf("reloaded history differs: len %d", h2.Len())
	}
	var _ term.History = h
}

func TestCompleteVerbs(t *testing.T) {
	var screen bytes.Buffer
	tm := &terminal{t: term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{bytes.NewReader(nil), &screen}, "")}
	tests := []struct {
		line   string
		want   string
		ok     bool
		listed string
	}{
		{"pi", "ping ", true, ""},
		{"  tel", "  telemetry ", true, ""},
		{"te", "te", false, "telemetry   test "},
		{"l", "l", false, "lifecycle   log   login   ls "},
		{"zz", "", false, ""},
		{"cat /proc", "", false, ""}, // paths need a session
	}
	for _, tc := range tests {
		screen.Reset()
		line, pos, ok := tm.complete(tc.line, len(tc.line), '\t')
		if ok != tc.ok || ok && (line != tc.want || pos != len(tc.want)) {
			t.Errorf("complete(%q) = %q, %d, %v; want %q", tc.line, line, pos, ok, tc.want)
		}
		if tc.listed != "" && !strings.Contains(screen.String(), tc.listed) {
			t.Errorf("complete(%q) listed %q, want %q", tc.line, screen.String(), tc.listed)
		}
	}
	if _, _, ok := tm.complete("pi", 2, 'x'); ok {
		t.Error("only Tab completes")
	}
}

func TestCtrlCClears(t *testing.T) {
	b := make([]byte, 8)
	n, _ := ctrlCClears{strings.NewReader("ab\x03c")}.Read(b)
	if string(b[:n]) != "ab\x15c" {
		t.Errorf("got %q", b[:n])
	}
}
