package virt

import "errors"

// A minimal reader for the flattened device tree QEMU places at the start
// of RAM (Devicetree Specification v0.4, chapter 5). The board reads two
// facts from it before the heap exists: the RAM size (/memory reg) and the
// boot entropy (/chosen rng-seed, kaslr-seed). It does not allocate.

const (
	fdtMagic     = 0xd00dfeed
	fdtBeginNode = 1
	fdtEndNode   = 2
	fdtProp      = 3
	fdtNop       = 4
	fdtEnd       = 9
	fdtHeaderLen = 40
	// fdtMaxSize bounds what the board trusts as a blob size.
	fdtMaxSize = 2 << 20
	// fdtMaxDepth bounds node nesting.
	fdtMaxDepth = 16
)

var (
	errFDTShort     = errors.New("fdt: blob shorter than its header says")
	errFDTMagic     = errors.New("fdt: bad magic")
	errFDTBounds    = errors.New("fdt: block outside the blob")
	errFDTStructure = errors.New("fdt: malformed structure block")
	errFDTNotFound  = errors.New("fdt: property not found")
)

func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// fdtTotalSize returns the size a blob claims, from its header.
func fdtTotalSize(hdr []byte) (int, error) {
	if len(hdr) < fdtHeaderLen {
		return 0, errFDTShort
	}
	if be32(hdr) != fdtMagic {
		return 0, errFDTMagic
	}
	n := be32(hdr[4:])
	if n < fdtHeaderLen || n > fdtMaxSize {
		return 0, errFDTBounds
	}
	return int(n), nil
}

// fdt is a validated view of one blob.
type fdt struct {
	structs []byte
	strings []byte
}

func parseFDT(b []byte) (fdt, error) {
	n, err := fdtTotalSize(b)
	if err != nil {
		return fdt{}, err
	}
	if len(b) < n {
		return fdt{}, errFDTShort
	}
	b = b[:n]
	offStruct, offStrings := be32(b[8:]), be32(b[12:])
	sizeStrings, sizeStruct := be32(b[32:]), be32(b[36:])
	if uint64(offStruct)+uint64(sizeStruct) > uint64(n) || uint64(offStrings)+uint64(sizeStrings) > uint64(n) {
		return fdt{}, errFDTBounds
	}
	return fdt{structs: b[offStruct : offStruct+sizeStruct], strings: b[offStrings : offStrings+sizeStrings]}, nil
}

// nodeMatches reports whether a node called name (unit address included)
// is the path component want; "memory" matches "memory@40000000".
func nodeMatches(name []byte, want string) bool {
	if len(name) < len(want) || string(name[:len(want)]) != want {
		return false
	}
	return len(name) == len(want) || name[len(want)] == '@'
}

// cstring returns the NUL-terminated string at b[off:].
func cstring(b []byte, off uint32) ([]byte, bool) {
	if uint64(off) >= uint64(len(b)) {
		return nil, false
	}
	for i := int(off); i < len(b); i++ {
		if b[i] == 0 {
			return b[off:i], true
		}
	}
	return nil, false
}

// property finds property prop of the node at path, given as top-level
// node names below the root ("" is the root itself, "chosen", "memory").
// Only one level below the root is supported, which is all the board needs.
func (t fdt) property(node, prop string) ([]byte, error) {
	s := t.structs
	depth := 0
	inTarget := false
	for off := 0; ; {
		if off+4 > len(s) {
			return nil, errFDTStructure
		}
		tok := be32(s[off:])
		off += 4
		switch tok {
		case fdtBeginNode:
			name, ok := cstring(s, uint32(off))
			if !ok {
				return nil, errFDTStructure
			}
			off += (len(name) + 1 + 3) &^ 3
			depth++
			if depth > fdtMaxDepth {
				return nil, errFDTStructure
			}
			if node == "" {
				inTarget = depth == 1
			} else {
				inTarget = depth == 2 && nodeMatches(name, node)
			}
		case fdtEndNode:
			if depth == 0 {
				return nil, errFDTStructure
			}
			depth--
			inTarget = node == "" && depth == 1
		case fdtProp:
			if off+8 > len(s) {
				return nil, errFDTStructure
			}
			size, nameoff := be32(s[off:]), be32(s[off+4:])
			off += 8
			if uint64(size) > uint64(len(s)-off) {
				return nil, errFDTStructure
			}
			val := s[off : off+int(size)]
			off += (int(size) + 3) &^ 3
			if inTarget {
				name, ok := cstring(t.strings, nameoff)
				if !ok {
					return nil, errFDTStructure
				}
				if string(name) == prop {
					return val, nil
				}
			}
		case fdtNop:
		case fdtEnd:
			return nil, errFDTNotFound
		default:
			return nil, errFDTStructure
		}
	}
}

// cells reads a big-endian number of n 32-bit cells (1 or 2).
func cells(b []byte, n int) (uint64, []byte, bool) {
	if n < 1 || n > 2 || len(b) < 4*n {
		return 0, nil, false
	}
	var v uint64
	for i := 0; i < n; i++ {
		v = v<<32 | uint64(be32(b[4*i:]))
	}
	return v, b[4*n:], true
}

// memoryRange returns the first range of the /memory node.
func (t fdt) memoryRange() (base, size uint64, err error) {
	addrCells, sizeCells := 2, 1
	if v, err := t.property("", "#address-cells"); err == nil && len(v) == 4 {
		addrCells = int(be32(v))
	}
	if v, err := t.property("", "#size-cells"); err == nil && len(v) == 4 {
		sizeCells = int(be32(v))
	}
	reg, err := t.property("memory", "reg")
	if err != nil {
		return 0, 0, err
	}
	base, rest, ok := cells(reg, addrCells)
	if !ok {
		return 0, 0, errFDTStructure
	}
	size, _, ok = cells(rest, sizeCells)
	if !ok {
		return 0, 0, errFDTStructure
	}
	return base, size, nil
}
