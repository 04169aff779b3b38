package virt

import (
	"os"
	"testing"
)

func loadDTB(t testing.TB) []byte {
	// Dumped with: qemu-system-aarch64 -machine virt,dumpdtb=... -cpu cortex-a53 -m 1024
	b, err := os.ReadFile("testdata/qemu-virt-1g.dtb")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFDTMemoryAndSeed(t *testing.T) {
	tr, err := parseFDT(loadDTB(t))
	if err != nil {
		t.Fatal(err)
	}
	base, size, err := tr.memoryRange()
	if err != nil {
		t.Fatal(err)
	}
	if base != RAMBase || size != 1<<30 {
		t.Errorf("memory = %#x+%#x, want %#x+%#x", base, size, RAMBase, 1<<30)
	}
	seed, err := tr.property("chosen", "rng-seed")
	if err != nil {
		t.Fatalf("rng-seed: %v", err)
	}
	if len(seed) < 16 {
		t.Errorf("rng-seed has %d bytes", len(seed))
	}
	if _, err := tr.property("chosen", "no-such-property"); err != errFDTNotFound {
		t.Errorf("missing property: err = %v, want %v", err, errFDTNotFound)
	}
	compat, err := tr.property("", "compatible")
	if err != nil || string(compat[:len("linux,dummy-virt")]) != "linux,dummy-virt" {
		t.Errorf("root compatible = %q, %v", compat, err)
	}
}

func TestFDTRejectsBadBlobs(t *testing.T) {
	good := loadDTB(t)
	tests := []struct {
		name string
		blob func() []byte
		want error
	}{
		{"empty", func() []byte { return nil }, errFDTShort},
		{"bad magic", func() []byte { b := append([]byte(nil), good...); b[0] = 0; return b }, errFDTMagic},
		{"truncated", func() []byte { return good[:len(good)/2] }, errFDTShort},
		{"struct out of range", func() []byte {
			b := append([]byte(nil), good...)
			b[8], b[9], b[10], b[11] = 0x7f, 0, 0, 0
			return b
		}, errFDTBounds},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseFDT(tt.blob()); err != tt.want {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func FuzzParseFDT(f *testing.F) {
	f.Add(loadDTB(f))
	f.Add([]byte{0xd0, 0x0d, 0xfe, 0xed, 0, 0, 0, 40})
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := parseFDT(b)
		if err != nil {
			return
		}
		tr.memoryRange()
		tr.property("chosen", "rng-seed")
		tr.property("", "compatible")
	})
}
