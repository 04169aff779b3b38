// Package fdt is a minimal reader for flattened device trees (Devicetree
// Specification v0.4, chapter 5): the blob QEMU places at the start of RAM
// for the virt board, and the one seL4 passes its root task in the extra
// bootinfo. The boards read a few facts from it, some before the heap
// exists (the RAM size, the boot entropy), so it does not allocate.
package fdt

import "errors"

const (
	fdtMagic     = 0xd00dfeed
	fdtBeginNode = 1
	fdtEndNode   = 2
	fdtProp      = 3
	fdtNop       = 4
	fdtEnd       = 9
	// HeaderLen is the size of the blob header.
	HeaderLen = 40
	// fdtMaxSize bounds what the board trusts as a blob size.
	fdtMaxSize = 2 << 20
	// fdtMaxDepth bounds node nesting.
	fdtMaxDepth = 16
)

// Errors for blobs that are not what they claim.
var (
	ErrShort     = errors.New("fdt: blob shorter than its header says")
	ErrMagic     = errors.New("fdt: bad magic")
	ErrBounds    = errors.New("fdt: block outside the blob")
	ErrStructure = errors.New("fdt: malformed structure block")
	ErrNotFound  = errors.New("fdt: property not found")
)

func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// TotalSize returns the size a blob claims, from its header.
func TotalSize(hdr []byte) (int, error) {
	if len(hdr) < HeaderLen {
		return 0, ErrShort
	}
	if be32(hdr) != fdtMagic {
		return 0, ErrMagic
	}
	n := be32(hdr[4:])
	if n < HeaderLen || n > fdtMaxSize {
		return 0, ErrBounds
	}
	return int(n), nil
}

// Tree is a validated view of one blob.
type Tree struct {
	structs []byte
	strings []byte
}

// Parse checks b's header and blocks and returns a view of it.
func Parse(b []byte) (Tree, error) {
	n, err := TotalSize(b)
	if err != nil {
		return Tree{}, err
	}
	if len(b) < n {
		return Tree{}, ErrShort
	}
	b = b[:n]
	offStruct, offStrings := be32(b[8:]), be32(b[12:])
	sizeStrings, sizeStruct := be32(b[32:]), be32(b[36:])
	if uint64(offStruct)+uint64(sizeStruct) > uint64(n) || uint64(offStrings)+uint64(sizeStrings) > uint64(n) {
		return Tree{}, ErrBounds
	}
	return Tree{structs: b[offStruct : offStruct+sizeStruct], strings: b[offStrings : offStrings+sizeStrings]}, nil
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

// Property finds property prop of the node at path, given as top-level
// node names below the root ("" is the root itself, "chosen", "memory",
// "virtio_mmio@a000000"). Only one level below the root is supported, which
// is all the boards need.
func (t Tree) Property(node, prop string) ([]byte, error) {
	s := t.structs
	depth := 0
	inTarget := false
	for off := 0; ; {
		if off+4 > len(s) {
			return nil, ErrStructure
		}
		tok := be32(s[off:])
		off += 4
		switch tok {
		case fdtBeginNode:
			name, ok := cstring(s, uint32(off))
			if !ok {
				return nil, ErrStructure
			}
			off += (len(name) + 1 + 3) &^ 3
			depth++
			if depth > fdtMaxDepth {
				return nil, ErrStructure
			}
			if node == "" {
				inTarget = depth == 1
			} else {
				inTarget = depth == 2 && nodeMatches(name, node)
			}
		case fdtEndNode:
			if depth == 0 {
				return nil, ErrStructure
			}
			depth--
			inTarget = node == "" && depth == 1
		case fdtProp:
			if off+8 > len(s) {
				return nil, ErrStructure
			}
			size, nameoff := be32(s[off:]), be32(s[off+4:])
			off += 8
			if uint64(size) > uint64(len(s)-off) {
				return nil, ErrStructure
			}
			val := s[off : off+int(size)]
			off += (int(size) + 3) &^ 3
			if inTarget {
				name, ok := cstring(t.strings, nameoff)
				if !ok {
					return nil, ErrStructure
				}
				if string(name) == prop {
					return val, nil
				}
			}
		case fdtNop:
		case fdtEnd:
			return nil, ErrNotFound
		default:
			return nil, ErrStructure
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

// MemoryRange returns the first range of the /memory node.
func (t Tree) MemoryRange() (base, size uint64, err error) {
	addrCells, sizeCells := 2, 1
	if v, err := t.Property("", "#address-cells"); err == nil && len(v) == 4 {
		addrCells = int(be32(v))
	}
	if v, err := t.Property("", "#size-cells"); err == nil && len(v) == 4 {
		sizeCells = int(be32(v))
	}
	reg, err := t.Property("memory", "reg")
	if err != nil {
		return 0, 0, err
	}
	base, rest, ok := cells(reg, addrCells)
	if !ok {
		return 0, 0, ErrStructure
	}
	size, _, ok = cells(rest, sizeCells)
	if !ok {
		return 0, 0, ErrStructure
	}
	return base, size, nil
}

// DMACoherent reports whether the top-level node says its DMA is coherent
// with the CPU caches: a dma-coherent property on it or on the root.
func (t Tree) DMACoherent(node string) bool {
	if _, err := t.Property(node, "dma-coherent"); err == nil {
		return true
	}
	_, err := t.Property("", "dma-coherent")
	return err == nil
}
