package sel4

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
)

// ImageSpan is what the elfloader unpacks for an ELF image: the page-rounded
// range [Min, Max) of its PT_LOAD segments, entry point and segment count.
type ImageSpan struct {
	Min, Max uint64
	Entry    uint64
	Loads    int
}

// Size is the number of bytes of physical memory the image occupies.
func (s ImageSpan) Size() uint64 { return s.Max - s.Min }

// CheckRootserver checks the rules the elfloader and kernel impose on a root
// task image (ELF64 AArch64 executable, a PT_LOAD, lowest vaddr 4 KiB
// aligned, no PIE) and returns its span.
func CheckRootserver(data []byte) (ImageSpan, error) {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return ImageSpan{}, fmt.Errorf("rootserver: %w", err)
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_AARCH64 {
		return ImageSpan{}, fmt.Errorf("rootserver: want ELF64 AArch64, got %v %v", f.Class, f.Machine)
	}
	if f.Type != elf.ET_EXEC {
		return ImageSpan{}, fmt.Errorf("rootserver: want an ET_EXEC image, got %v (the elfloader applies no relocations; do not build with -buildmode=pie)", f.Type)
	}
	return loadSpan(f, false)
}

// loadSpan computes the unpacked span of f by virtual (or, for the kernel,
// physical) addresses.
func loadSpan(f *elf.File, phys bool) (ImageSpan, error) {
	s := ImageSpan{Min: ^uint64(0), Entry: f.Entry}
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || p.Memsz == 0 {
			continue
		}
		a := p.Vaddr
		if phys {
			a = p.Paddr
		}
		if p.Filesz > p.Memsz {
			return ImageSpan{}, fmt.Errorf("segment at %#x: filesz %#x > memsz %#x", a, p.Filesz, p.Memsz)
		}
		s.Min = min(s.Min, a)
		s.Max = max(s.Max, a+p.Memsz)
		s.Loads++
	}
	if s.Loads == 0 {
		return ImageSpan{}, fmt.Errorf("no PT_LOAD segment")
	}
	if s.Min%pageSize != 0 {
		return ImageSpan{}, fmt.Errorf("lowest load address %#x is not 4 KiB aligned", s.Min)
	}
	s.Max = roundUp(s.Max, pageSize)
	return s, nil
}

func roundUp(v, a uint64) uint64 { return (v + a - 1) &^ (a - 1) }

// Layout is the elfloader's physical placement of the payload: the kernel at
// its ELF physical addresses, the DTB page-aligned after it, the rootserver
// right after the DTB, and one more page for the program headers the
// elfloader copies after the image. Limit is the elfloader's own load base.
type Layout struct {
	Kernel, DTB, Rootserver ImageSpan
	HeadersPage             uint64
	Limit                   uint64
}

// Fits reports whether the payload ends below the elfloader image. It is the
// same overlap the elfloader refuses at boot, found before boot.
func (l Layout) Fits() error {
	end := l.HeadersPage + pageSize
	if l.Limit != 0 && end > l.Limit {
		return fmt.Errorf("payload: unpacked images end at %#x, past the elfloader at %#x (over by %d bytes; rootserver occupies %d bytes)",
			end, l.Limit, end-l.Limit, l.Rootserver.Size())
	}
	return nil
}

// Layout estimates where the elfloader will unpack the current archive.
func (l *Elfloader) Layout() (Layout, error) {
	var out Layout
	k := l.Member(KernelEntry)
	kf, err := elf.NewFile(bytes.NewReader(k.Data))
	if err != nil {
		return out, fmt.Errorf("kernel.elf: %w", err)
	}
	defer kf.Close()
	if out.Kernel, err = loadSpan(kf, true); err != nil {
		return out, fmt.Errorf("kernel.elf: %w", err)
	}
	next := out.Kernel.Max
	if d := l.Member(DTBEntry); d != nil {
		out.DTB = ImageSpan{Min: next, Max: roundUp(next+uint64(len(d.Data)), pageSize)}
		next = out.DTB.Max
	}
	rs, err := CheckRootserver(l.Rootserver().Data)
	if err != nil {
		return out, err
	}
	out.Rootserver = ImageSpan{Min: next, Max: next + rs.Size(), Entry: rs.Entry, Loads: rs.Loads}
	out.HeadersPage = out.Rootserver.Max
	out.Limit = l.loadBase
	return out, nil
}

// StripELF drops everything of an ELF64 file the loader does not read: the
// section headers and any bytes after the last segment's file image (DWARF,
// symbol tables). Segment offsets are unchanged, so the result loads
// identically. It saves archive space when the rootserver was not linked
// with -s -w.
func StripELF(data []byte) ([]byte, error) {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("strip: %w", err)
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB {
		return nil, fmt.Errorf("strip: want little-endian ELF64")
	}
	le := binary.LittleEndian
	phoff := le.Uint64(data[0x20:])
	phentsize := uint64(le.Uint16(data[0x36:]))
	end := phoff + phentsize*uint64(len(f.Progs))
	for _, p := range f.Progs {
		if p.Filesz > 0 {
			end = max(end, p.Off+p.Filesz)
		}
	}
	if end > uint64(len(data)) {
		return nil, fmt.Errorf("strip: segments run past the file end")
	}
	out := bytes.Clone(data[:end])
	le.PutUint64(out[0x28:], 0) // e_shoff
	le.PutUint16(out[0x3C:], 0) // e_shnum
	le.PutUint16(out[0x3E:], 0) // e_shstrndx
	return out, nil
}
