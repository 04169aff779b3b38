package sel4

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
)

// Symbols MakeCPIO and the elfloader linker script put around the archive.
// The end symbol is "_archive_start_end" (the CPIO_SYMBOL name plus "_end");
// the linker script's own "_archive_end" marks the same place.
const (
	symArchiveStart  = "_archive_start"
	symArchiveEnd    = "_archive_start_end"
	symArchiveEndAlt = "_archive_end"
	symText          = "_text"
)

// Names of the fixed members the elfloader expects before the rootserver.
const (
	KernelEntry = "kernel.elf"
	DTBEntry    = "kernel.dtb"
)

// pageSize is the granule the elfloader rounds images to.
const pageSize = 4096

// Elfloader is an upstream elfloader ELF opened for rewriting. Only the bytes
// of its embedded archive change; every other byte of the file is kept.
type Elfloader struct {
	raw []byte
	// archiveOff and archiveCap locate the archive in the file: the span
	// between _archive_start and _archive_start_end. A rewritten archive
	// must fit in it, since the elfloader's code addresses it absolutely.
	archiveOff int
	archiveCap int
	// loadBase is the lowest physical address of the elfloader image
	// (its _text symbol); unpacked images must end below it.
	loadBase uint64
	Archive  *Archive
}

// OpenElfloader parses raw as an aarch64 elfloader ELF and decodes the CPIO
// archive between its _archive_start and _archive_start_end symbols.
func OpenElfloader(raw []byte) (*Elfloader, error) {
	f, err := elf.NewFile(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("elfloader: %w", err)
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_AARCH64 {
		return nil, fmt.Errorf("elfloader: want ELF64 AArch64, got %v %v", f.Class, f.Machine)
	}
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("elfloader: symbols: %w (a stripped elfloader cannot be rewritten)", err)
	}
	addr := map[string]uint64{}
	for _, s := range syms {
		switch s.Name {
		case symArchiveStart, symArchiveEnd, symArchiveEndAlt, symText:
			addr[s.Name] = s.Value
		}
	}
	start, ok := addr[symArchiveStart]
	if !ok {
		return nil, fmt.Errorf("elfloader: no %s symbol", symArchiveStart)
	}
	end, ok := addr[symArchiveEnd]
	if !ok {
		if end, ok = addr[symArchiveEndAlt]; !ok {
			return nil, fmt.Errorf("elfloader: no %s or %s symbol", symArchiveEnd, symArchiveEndAlt)
		}
	}
	if end <= start {
		return nil, fmt.Errorf("elfloader: archive symbols out of order: %#x..%#x", start, end)
	}
	off, err := fileOffset(f, start, end-start)
	if err != nil {
		return nil, fmt.Errorf("elfloader: archive %#x..%#x: %w", start, end, err)
	}
	if off+int(end-start) > len(raw) {
		return nil, fmt.Errorf("elfloader: archive runs past the end of the file")
	}
	a, err := ParseArchive(raw[off : off+int(end-start)])
	if err != nil {
		return nil, fmt.Errorf("elfloader: embedded archive: %w", err)
	}
	l := &Elfloader{raw: raw, archiveOff: off, archiveCap: int(end - start), Archive: a}
	if t, ok := addr[symText]; ok {
		l.loadBase = physOf(f, t)
	}
	if _, _, err := l.rootserverIndex(); err != nil {
		return nil, err
	}
	return l, nil
}

// fileOffset maps the virtual range [va, va+n) to a file offset through the
// PT_LOAD segment that holds it in its file image.
func fileOffset(f *elf.File, va, n uint64) (int, error) {
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		if va >= p.Vaddr && va+n <= p.Vaddr+p.Filesz {
			return int(p.Off + (va - p.Vaddr)), nil
		}
	}
	return 0, errors.New("not inside the file image of any PT_LOAD segment")
}

func physOf(f *elf.File, va uint64) uint64 {
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && va >= p.Vaddr && va < p.Vaddr+p.Memsz {
			return p.Paddr + (va - p.Vaddr)
		}
	}
	return va
}

// rootserverIndex finds the rootserver member by position, as the elfloader
// does: after kernel.elf (member 0) and kernel.dtb (member 1, when present).
func (l *Elfloader) rootserverIndex() (idx int, hasDTB bool, err error) {
	es := l.Archive.Entries
	if len(es) == 0 || es[0].Name != KernelEntry {
		return 0, false, fmt.Errorf("elfloader: archive member 0 is not %s", KernelEntry)
	}
	idx = 1
	if len(es) > 1 && es[1].Name == DTBEntry {
		hasDTB, idx = true, 2
	}
	if idx >= len(es) {
		return 0, hasDTB, errors.New("elfloader: archive has no rootserver member")
	}
	return idx, hasDTB, nil
}

// Capacity is the number of bytes the embedded archive may occupy.
func (l *Elfloader) Capacity() int { return l.archiveCap }

// Rootserver returns the current rootserver member.
func (l *Elfloader) Rootserver() *Entry {
	i, _, _ := l.rootserverIndex()
	return &l.Archive.Entries[i]
}

// Member returns the named member, or nil.
func (l *Elfloader) Member(name string) *Entry {
	for i := range l.Archive.Entries {
		if l.Archive.Entries[i].Name == name {
			return &l.Archive.Entries[i]
		}
	}
	return nil
}

// ReplaceRootserver puts data in place of the rootserver member, keeping its
// header fields. An empty name keeps the member's name (the elfloader finds
// it by position, so the name is only a label). The data must be an AArch64
// ELF the elfloader can load; see CheckRootserver.
func (l *Elfloader) ReplaceRootserver(data []byte, name string) error {
	if _, err := CheckRootserver(data); err != nil {
		return err
	}
	e := l.Rootserver()
	e.Data = data
	if name != "" {
		e.Name = name
	}
	return nil
}

// Bytes returns the rewritten elfloader: the original file with the archive
// re-encoded in place and the rest of its span zero-filled. It fails, naming
// both sizes, when the new archive does not fit.
func (l *Elfloader) Bytes() ([]byte, error) {
	enc := l.Archive.Encode()
	if len(enc) > l.archiveCap {
		return nil, fmt.Errorf("elfloader: new archive is %d bytes but the elfloader reserves %d (over by %d); "+
			"strip the rootserver (-ldflags=-s -w) or use an upstream build made with a larger rootserver",
			len(enc), l.archiveCap, len(enc)-l.archiveCap)
	}
	out := bytes.Clone(l.raw)
	span := out[l.archiveOff : l.archiveOff+l.archiveCap]
	n := copy(span, enc)
	clear(span[n:])
	return out, nil
}
