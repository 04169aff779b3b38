package ninedoor

import (
	"io"
	"testing"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

func TestProcFilesFromTheEmbedding(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ProcFiles = map[string]func() []byte{
		"pump":           func() []byte { return []byte("task console polls=1\n") },
		"9p/outstanding": func() []byte { return []byte("outstanding current=0 limit=256\n") },
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := h.Attach(vfs.AttachRequest{Role: vfs.RoleQueen})
	if err != nil {
		t.Fatal(err)
	}
	names := func(path ...string) []string {
		ls, err := s.List(path)
		if err != nil {
			t.Fatalf("List %v: %v", path, err)
		}
		var out []string
		for _, st := range ls {
			out = append(out, st.Name)
		}
		return out
	}
	if got := names("proc"); len(got) != 8 || got[7] != "pump" || got[0] != "boot" {
		t.Errorf("/proc lists %v; want the standard entries then pump", got)
	}
	if got := names("proc", "9p"); len(got) != 2 || got[0] != "session" || got[1] != "outstanding" {
		t.Errorf("/proc/9p lists %v", got)
	}
	read := func(path ...string) string {
		f, err := s.Open(path, vfs.OpenRead)
		if err != nil {
			t.Fatalf("Open %v: %v", path, err)
		}
		defer f.Close()
		buf := make([]byte, 256)
		m, err := f.ReadAt(buf, 0)
		if err != nil && err != io.EOF {
			t.Fatal(err)
		}
		return string(buf[:m])
	}
	if got := read("proc", "9p", "outstanding"); got != "outstanding current=0 limit=256\n" {
		t.Errorf("/proc/9p/outstanding = %q", got)
	}
	if got := read("proc", "pump"); got != "task console polls=1\n" {
		t.Errorf("/proc/pump = %q", got)
	}
	if _, err := s.Open([]string{"proc", "pump"}, vfs.OpenAppend); vfs.KindOf(err) != vfs.Permission && vfs.KindOf(err) != vfs.NotFound {
		t.Errorf("append to /proc/pump: %v; want a refusal", err)
	}
}
