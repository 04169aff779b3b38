package fdt

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
	tr, err := Parse(loadDTB(t))
	if err != nil {
		t.Fatal(err)
	}
	base, size, err := tr.MemoryRange()
	if err != nil {
		t.Fatal(err)
	}
	if base != 0x4000_0000 || size != 1<<30 {
		t.Errorf("memory = %#x+%#x, want %#x+%#x", base, size, 0x4000_0000, 1<<30)
	}
	seed, err := tr.Property("chosen", "rng-seed")
	if err != nil {
		t.Fatalf("rng-seed: %v", err)
	}
	if len(seed) < 16 {
		t.Errorf("rng-seed has %d bytes", len(seed))
	}
	if _, err := tr.Property("chosen", "no-such-property"); err != ErrNotFound {
		t.Errorf("missing property: err = %v, want %v", err, ErrNotFound)
	}
	compat, err := tr.Property("", "compatible")
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
		{"empty", func() []byte { return nil }, ErrShort},
		{"bad magic", func() []byte { b := append([]byte(nil), good...); b[0] = 0; return b }, ErrMagic},
		{"truncated", func() []byte { return good[:len(good)/2] }, ErrShort},
		{"struct out of range", func() []byte {
			b := append([]byte(nil), good...)
			b[8], b[9], b[10], b[11] = 0x7f, 0, 0, 0
			return b
		}, ErrBounds},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse(tt.blob()); err != tt.want {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func FuzzParseFDT(f *testing.F) {
	f.Add(loadDTB(f))
	f.Add([]byte{0xd0, 0x0d, 0xfe, 0xed, 0, 0, 0, 40})
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := Parse(b)
		if err != nil {
			return
		}
		tr.MemoryRange()
		tr.Property("chosen", "rng-seed")
		tr.Property("", "compatible")
		tr.DMACoherent("virtio_mmio@a000000")
	})
}

func TestDMACoherent(t *testing.T) {
	tr, err := Parse(loadDTB(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		node string
		want bool
	}{
		{"virtio_mmio@a000000", true}, // QEMU marks its virtio-mmio slots
		{"virtio_mmio@a003e00", true},
		{"pl011@9000000", false},
		{"virtio_mmio@b000000", false}, // no such node
	} {
		if got := tr.DMACoherent(tc.node); got != tc.want {
			t.Errorf("DMACoherent(%q) = %v, want %v", tc.node, got, tc.want)
		}
	}
}
