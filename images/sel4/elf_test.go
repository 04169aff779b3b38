package sel4

import (
	"bytes"
	"encoding/binary"
	"sort"
)

// seg is one PT_LOAD of a synthetic ELF.
type seg struct {
	vaddr, paddr uint64
	data         []byte
	memsz        uint64
}

// buildELF writes a minimal little-endian ELF64 AArch64 executable: the
// header, one program header per segment, the segments page-aligned in the
// file, and when syms is not empty a .symtab/.strtab/.shstrtab so that
// debug/elf can resolve them. It is the fixture generator for the tests; no
// upstream binary is needed.
func buildELF(entry uint64, segs []seg, syms map[string]uint64) []byte {
	le := binary.LittleEndian
	const ehsize, phentsize, shentsize = 64, 56, 64
	var b bytes.Buffer
	b.Write(make([]byte, ehsize+phentsize*len(segs)))
	offs := make([]uint64, len(segs))
	for i, s := range segs {
		for b.Len()%pageSize != 0 {
			b.WriteByte(0)
		}
		offs[i] = uint64(b.Len())
		b.Write(s.data)
	}
	var shoff uint64
	var shnum, shstrndx uint16
	if len(syms) > 0 {
		names := make([]string, 0, len(syms))
		for n := range syms {
			names = append(names, n)
		}
		sort.Strings(names)
		strtab := []byte{0}
		symtab := make([]byte, 24) // null symbol
		for _, n := range names {
			e := make([]byte, 24)
			le.PutUint32(e[0:], uint32(len(strtab)))
			e[4] = 0x10 // STB_GLOBAL, STT_NOTYPE
			le.PutUint16(e[6:], 1)
			le.PutUint64(e[8:], syms[n])
			symtab = append(symtab, e...)
			strtab = append(strtab, n...)
			strtab = append(strtab, 0)
		}
		shstr := []byte("\x00.text\x00.symtab\x00.strtab\x00.shstrtab\x00")
		for b.Len()%8 != 0 {
			b.WriteByte(0)
		}
		symOff := uint64(b.Len())
		b.Write(symtab)
		strOff := uint64(b.Len())
		b.Write(strtab)
		shstrOff := uint64(b.Len())
		b.Write(shstr)
		for b.Len()%8 != 0 {
			b.WriteByte(0)
		}
		shoff = uint64(b.Len())
		sh := func(name, typ uint32, flags, addr, off, size uint64, link, info uint32, align, entsize uint64) {
			e := make([]byte, shentsize)
			le.PutUint32(e[0:], name)
			le.PutUint32(e[4:], typ)
			le.PutUint64(e[8:], flags)
			le.PutUint64(e[16:], addr)
			le.PutUint64(e[24:], off)
			le.PutUint64(e[32:], size)
			le.PutUint32(e[40:], link)
			le.PutUint32(e[44:], info)
			le.PutUint64(e[48:], align)
			le.PutUint64(e[56:], entsize)
			b.Write(e)
		}
		sh(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
		sh(1, 1, 0x7, segs[0].vaddr, offs[0], uint64(len(segs[0].data)), 0, 0, 16, 0) // .text
		sh(7, 2, 0, 0, symOff, uint64(len(symtab)), 3, 1, 8, 24)                      // .symtab
		sh(15, 3, 0, 0, strOff, uint64(len(strtab)), 0, 0, 1, 0)                      // .strtab
		sh(23, 3, 0, 0, shstrOff, uint64(len(shstr)), 0, 0, 1, 0)                     // .shstrtab
		shnum, shstrndx = 5, 4
	}
	out := b.Bytes()
	copy(out, "\x7fELF")
	out[4], out[5], out[6] = 2, 1, 1 // ELF64, LSB, version
	le.PutUint16(out[16:], 2)        // ET_EXEC
	le.PutUint16(out[18:], 183)      // EM_AARCH64
	le.PutUint32(out[20:], 1)
	le.PutUint64(out[24:], entry)
	le.PutUint64(out[32:], ehsize)
	le.PutUint64(out[40:], shoff)
	le.PutUint16(out[52:], ehsize)
	le.PutUint16(out[54:], phentsize)
	le.PutUint16(out[56:], uint16(len(segs)))
	le.PutUint16(out[58:], shentsize)
	le.PutUint16(out[60:], shnum)
	le.PutUint16(out[62:], shstrndx)
	for i, s := range segs {
		p := out[ehsize+phentsize*i:]
		le.PutUint32(p[0:], 1) // PT_LOAD
		le.PutUint32(p[4:], 7) // RWX
		le.PutUint64(p[8:], offs[i])
		le.PutUint64(p[16:], s.vaddr)
		le.PutUint64(p[24:], s.paddr)
		le.PutUint64(p[32:], uint64(len(s.data)))
		le.PutUint64(p[40:], max(s.memsz, uint64(len(s.data))))
		le.PutUint64(p[48:], pageSize)
	}
	return out
}
