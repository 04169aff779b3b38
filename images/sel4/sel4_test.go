package sel4

import (
	"bytes"
	"strings"
	"testing"
)

const (
	loaderBase = 0x40640000
	loaderText = 0x4064f000
)

func testKernel() []byte {
	return buildELF(0x40000000, []seg{{vaddr: 0xffffff8040000000, paddr: 0x40000000, data: []byte("kernel"), memsz: 0x237000}}, nil)
}

func testRootserver(text string, memsz uint64) []byte {
	return buildELF(0x400000, []seg{{vaddr: 0x400000, paddr: 0x400000, data: []byte(text), memsz: memsz}}, nil)
}

func testArchive(rootserver []byte) *Archive {
	return &Archive{
		Entries: []Entry{
			{Name: KernelEntry, Ino: 1, Mode: 0o100755, Nlink: 1, Data: testKernel()},
			{Name: DTBEntry, Ino: 2, Mode: 0o100644, Nlink: 1, Data: bytes.Repeat([]byte{0xd0}, 7697)},
			{Name: "rootserver", Ino: 3, Mode: 0o100755, Nlink: 1, Data: rootserver},
		},
		Trailer: Entry{Nlink: 1},
	}
}

// testLoader builds a synthetic elfloader: code, then the archive padded to
// capacity bytes between the archive symbols, then a data sentinel that a
// rewrite must leave alone.
func testLoader(t *testing.T, a *Archive, capacity int) []byte {
	t.Helper()
	enc := a.Encode()
	if len(enc) > capacity {
		t.Fatalf("fixture archive %d > capacity %d", len(enc), capacity)
	}
	code := bytes.Repeat([]byte{0x1f, 0x20, 0x03, 0xd5}, 0x40) // nops
	body := append(bytes.Clone(code), enc...)
	body = append(body, make([]byte, capacity-len(enc))...)
	body = append(body, "DATA-SENTINEL..."...)
	start := uint64(loaderText + len(code))
	return buildELF(loaderText, []seg{{vaddr: loaderText, paddr: loaderText, data: body, memsz: uint64(len(body)) + 0x6000}},
		map[string]uint64{
			"_text":              loaderText,
			"_archive_start":     start,
			"_archive_start_end": start + uint64(capacity),
		})
}

func TestArchiveRoundTrip(t *testing.T) {
	a := testArchive(testRootserver("rs", 0x2000))
	enc := a.Encode()
	got, err := ParseArchive(append(bytes.Clone(enc), make([]byte, 512)...))
	if err != nil {
		t.Fatal(err)
	}
	if got.Len != len(enc) {
		t.Errorf("Len = %d, want %d", got.Len, len(enc))
	}
	if !bytes.Equal(got.Encode(), enc) {
		t.Error("re-encoding a parsed archive changed its bytes")
	}
	for i, e := range got.Entries {
		if e.Name != a.Entries[i].Name || !bytes.Equal(e.Data, a.Entries[i].Data) || e.Mode != a.Entries[i].Mode {
			t.Errorf("entry %d = %q mode %o, want %q mode %o", i, e.Name, e.Mode, a.Entries[i].Name, a.Entries[i].Mode)
		}
	}
}

func TestParseArchiveRejects(t *testing.T) {
	good := testArchive(testRootserver("rs", 0)).Encode()
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "truncated header"},
		{"magic", append([]byte("070702"), good[6:]...), "bad magic"},
		{"hexfield", append(append(bytes.Clone(good[:6]), "ZZZZZZZZ"...), good[14:]...), "header field 0"},
		{"truncated data", good[:200], "runs past"},
		{"no trailer", good[:len(good)-124], "truncated header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseArchive(tc.b)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestElfloaderRewriteSameIsIdentity(t *testing.T) {
	rs := testRootserver("original", 0x3000)
	raw := testLoader(t, testArchive(rs), 64<<10)
	l, err := OpenElfloader(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.ReplaceRootserver(bytes.Clone(rs), ""); err != nil {
		t.Fatal(err)
	}
	out, err := l.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, raw) {
		t.Fatal("swapping in the same rootserver changed the elfloader")
	}
}

func TestElfloaderRewriteRoundTrip(t *testing.T) {
	raw := testLoader(t, testArchive(testRootserver("original", 0x3000)), 64<<10)
	l, err := OpenElfloader(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Capacity(); got != 64<<10 {
		t.Errorf("Capacity = %d", got)
	}
	ours := testRootserver("cohesix rootserver, a different and longer image", 0x8000)
	if err := l.ReplaceRootserver(ours, "cohesix-rootserver"); err != nil {
		t.Fatal(err)
	}
	out, err := l.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(raw) {
		t.Fatalf("rewritten file is %d bytes, original %d", len(out), len(raw))
	}
	// Everything outside the archive span is byte-identical.
	if !bytes.Equal(out[:l.archiveOff], raw[:l.archiveOff]) || !bytes.Equal(out[l.archiveOff+l.archiveCap:], raw[l.archiveOff+l.archiveCap:]) {
		t.Fatal("bytes outside the archive changed")
	}
	back, err := OpenElfloader(out)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, e := range back.Archive.Entries {
		names = append(names, e.Name)
	}
	if strings.Join(names, ",") != "kernel.elf,kernel.dtb,cohesix-rootserver" {
		t.Errorf("members = %v", names)
	}
	if !bytes.Equal(back.Rootserver().Data, ours) {
		t.Error("rootserver data did not round-trip")
	}
	if !bytes.Equal(back.Member(KernelEntry).Data, testKernel()) || len(back.Member(DTBEntry).Data) != 7697 {
		t.Error("kernel.elf or kernel.dtb changed")
	}
	lay, err := back.Layout()
	if err != nil {
		t.Fatal(err)
	}
	if lay.Kernel.Min != 0x40000000 || lay.Kernel.Max != 0x40237000 || lay.DTB.Max != 0x40239000 ||
		lay.Rootserver.Min != 0x40239000 || lay.Rootserver.Size() != 0x8000 || lay.Limit != loaderText {
		t.Errorf("layout = %+v", lay)
	}
	if err := lay.Fits(); err != nil {
		t.Error(err)
	}
}

func TestElfloaderRewriteRefusesOversize(t *testing.T) {
	raw := testLoader(t, testArchive(testRootserver("x", 0)), 32<<10)
	l, err := OpenElfloader(raw)
	if err != nil {
		t.Fatal(err)
	}
	big := testRootserver(strings.Repeat("y", 40<<10), 0)
	if err := l.ReplaceRootserver(big, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Bytes(); err == nil || !strings.Contains(err.Error(), "reserves 32768") {
		t.Fatalf("err = %v, want the capacity named", err)
	}
}

func TestLayoutOverlap(t *testing.T) {
	// 6 MiB of BSS cannot fit between the DTB and the elfloader at 0x4064f000.
	raw := testLoader(t, testArchive(testRootserver("x", 6<<20)), 32<<10)
	l, err := OpenElfloader(raw)
	if err != nil {
		t.Fatal(err)
	}
	lay, err := l.Layout()
	if err != nil {
		t.Fatal(err)
	}
	if err := lay.Fits(); err == nil || !strings.Contains(err.Error(), "past the elfloader") {
		t.Fatalf("Fits = %v, want an overlap error", err)
	}
}

func TestCheckRootserverRejects(t *testing.T) {
	unaligned := buildELF(0x400010, []seg{{vaddr: 0x400010, data: []byte("x")}}, nil)
	if _, err := CheckRootserver(unaligned); err == nil || !strings.Contains(err.Error(), "4 KiB") {
		t.Errorf("unaligned: %v", err)
	}
	if _, err := CheckRootserver([]byte("not an elf")); err == nil {
		t.Error("garbage accepted")
	}
	dyn := testRootserver("x", 0)
	dyn[16] = 3 // ET_DYN
	if _, err := CheckRootserver(dyn); err == nil || !strings.Contains(err.Error(), "pie") {
		t.Errorf("ET_DYN: %v", err)
	}
}

func TestOpenElfloaderRejects(t *testing.T) {
	noSyms := buildELF(loaderText, []seg{{vaddr: loaderText, data: []byte("code")}}, nil)
	if _, err := OpenElfloader(noSyms); err == nil {
		t.Error("elfloader without symbols accepted")
	}
	a := testArchive(testRootserver("x", 0))
	a.Entries[0], a.Entries[1] = a.Entries[1], a.Entries[0]
	if _, err := OpenElfloader(testLoader(t, a, 32<<10)); err == nil || !strings.Contains(err.Error(), "member 0") {
		t.Errorf("kernel not first: %v", err)
	}
}

func TestStripELF(t *testing.T) {
	withSyms := buildELF(0x400000, []seg{{vaddr: 0x400000, data: []byte("code")}}, map[string]uint64{"main": 0x400000})
	out, err := StripELF(withSyms)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) >= len(withSyms) {
		t.Errorf("stripped %d bytes, original %d", len(out), len(withSyms))
	}
	a, err := CheckRootserver(withSyms)
	if err != nil {
		t.Fatal(err)
	}
	b, err := CheckRootserver(out)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Errorf("span changed: %+v -> %+v", a, b)
	}
}

func FuzzParseArchive(f *testing.F) {
	f.Add(testArchive(testRootserver("rs", 0)).Encode())
	f.Add([]byte("070701"))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseArchive(b)
		if err != nil {
			return
		}
		// A parsed archive re-encodes and re-parses to the same members.
		b2, err := ParseArchive(a.Encode())
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if len(b2.Entries) != len(a.Entries) {
			t.Fatalf("members %d -> %d", len(a.Entries), len(b2.Entries))
		}
	})
}

func TestFlashImage(t *testing.T) {
	rs := testRootserver("the real rootserver", 0x4000)
	img, err := FlashImage(rs)
	if err != nil {
		t.Fatal(err)
	}
	if len(img) != FlashBankSize || string(img[:8]) != FlashMagic {
		t.Fatalf("flash image %d bytes, magic %q", len(img), img[:8])
	}
	if n := int(img[8]) | int(img[9])<<8 | int(img[10])<<16; n != len(rs) || !bytes.Equal(img[16:16+n], rs) {
		t.Errorf("payload length %d / contents differ", n)
	}
	if _, err := FlashImage([]byte("not an elf")); err == nil {
		t.Error("garbage accepted")
	}
}

func BenchmarkElfloaderRewrite(b *testing.B) {
	raw := func() []byte {
		t := &testing.T{}
		return testLoader(t, testArchive(testRootserver("x", 0)), 4<<20)
	}()
	rs := testRootserver(strings.Repeat("r", 3<<20), 0)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		l, err := OpenElfloader(raw)
		if err != nil {
			b.Fatal(err)
		}
		if err := l.ReplaceRootserver(rs, ""); err != nil {
			b.Fatal(err)
		}
		if _, err := l.Bytes(); err != nil {
			b.Fatal(err)
		}
	}
}
