package cpio

import (
	"bytes"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// entry is one decoded member, for checking what the writer produced.
type entry struct {
	name string
	mode uint32
	data string
}

// decode reads back an archive written by Writer.
func decode(t *testing.T, b []byte) []entry {
	t.Helper()
	var out []entry
	for off := 0; ; {
		if off+headerLen > len(b) || string(b[off:off+6]) != magic {
			t.Fatalf("no header at %d", off)
		}
		field := func(i int) uint32 {
			v, err := strconv.ParseUint(string(b[off+6+8*i:off+14+8*i]), 16, 32)
			if err != nil {
				t.Fatal(err)
			}
			return uint32(v)
		}
		mode, size, namesize := field(1), field(6), field(11)
		name := string(b[off+headerLen : off+headerLen+int(namesize)-1])
		off = (off + headerLen + int(namesize) + 3) &^ 3
		if name == trailer {
			if off != len(b) {
				t.Fatalf("%d bytes after the trailer", len(b)-off)
			}
			return out
		}
		out = append(out, entry{name, mode, string(b[off : off+int(size)])})
		off = (off + int(size) + 3) &^ 3
	}
}

func TestWriteAndReadBack(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.Dir("proc", 0o755))
	must(w.Dir("proc/tests", 0o755))
	must(w.File("proc/tests/quick.coh", 0o644, []byte("PING\n")))
	must(w.File("rootserver", 0o755, []byte{1, 2, 3}))
	must(w.File("empty", 0o644, nil))
	must(w.Close())
	if w.Size() != int64(buf.Len()) || buf.Len()%4 != 0 {
		t.Fatalf("Size = %d, len = %d", w.Size(), buf.Len())
	}
	got := decode(t, buf.Bytes())
	want := []entry{
		{"proc", modeDir | 0o755, ""},
		{"proc/tests", modeDir | 0o755, ""},
		{"proc/tests/quick.coh", modeFile | 0o644, "PING\n"},
		{"rootserver", modeFile | 0o755, "\x01\x02\x03"},
		{"empty", modeFile | 0o644, ""},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d entries, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestDeterministic(t *testing.T) {
	build := func() []byte {
		var buf bytes.Buffer
		w := NewWriter(&buf)
		w.File("a", 0o644, []byte("x"))
		w.Close()
		return buf.Bytes()
	}
	if !bytes.Equal(build(), build()) {
		t.Fatal("two identical archives differ")
	}
}

func TestRejectsBadNames(t *testing.T) {
	for _, name := range []string{"", "/abs", "a/../b", "a//b", "./a", trailer, "a\x00b"} {
		w := NewWriter(new(bytes.Buffer))
		if err := w.File(name, 0o644, nil); err == nil {
			t.Errorf("File(%q) succeeded", name)
		}
	}
}

// TestSystemCpioReadsIt checks interop with GNU cpio when it is installed.
func TestSystemCpioReadsIt(t *testing.T) {
	path, err := exec.LookPath("cpio")
	if err != nil {
		t.Skip("cpio not installed")
	}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.Dir("proc", 0o755)
	w.File("proc/boot", 0o644, []byte("hello"))
	w.Close()
	cmd := exec.Command(path, "-t", "--quiet")
	cmd.Stdin = &buf
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(string(out)); len(got) != 2 || got[0] != "proc" || got[1] != "proc/boot" {
		t.Fatalf("cpio -t = %q", out)
	}
}
