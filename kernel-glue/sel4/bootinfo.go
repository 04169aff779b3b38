package sel4

import (
	"encoding/binary"
	"fmt"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// SlotRegion is a range [Start, End) of root CNode slots.
type SlotRegion struct{ Start, End CPtr }

// Len is the number of slots in r.
func (r SlotRegion) Len() int { return int(r.End - r.Start) }

// UntypedDesc describes the untyped cap in slot BootInfo.Untyped.Start+i.
type UntypedDesc struct {
	Paddr    uint64
	SizeBits uint8
	IsDevice bool
}

// Size is the untyped's size in bytes.
func (u UntypedDesc) Size() uint64 { return 1 << u.SizeBits }

// End is the first physical address past the untyped.
func (u UntypedDesc) End() uint64 { return u.Paddr + u.Size() }

// BootInfo is the decoded seL4_BootInfo frame (§7.3, non-MCS, 64-bit).
type BootInfo struct {
	ExtraLen                uint64
	NodeID                  uint64
	NumNodes                uint64
	NumIOPTLevels           uint64
	IPCBuffer               uint64 // VA of the root task's IPC buffer
	Empty                   SlotRegion
	SharedFrames            SlotRegion
	UserImageFrames         SlotRegion
	UserImagePaging         SlotRegion
	IOSpaceCaps             SlotRegion
	ExtraBIPages            SlotRegion
	InitThreadCNodeSizeBits uint8
	InitThreadDomain        uint64
	Untyped                 SlotRegion
	Untypeds                []UntypedDesc
}

// Layout constants of seL4_BootInfo (§7.3).
const (
	BootInfoFrameSize = 4096
	// DefaultMaxBootInfoUntypeds is CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS's
	// default (KernelMaxNumBootinfoUntypedCaps in CMakeCache.txt).
	DefaultMaxBootInfoUntypeds = 230

	biUntypedListOff = 0xA8
	untypedDescSize  = 16
)

// ParseBootInfo decodes a bootinfo frame. maxUntypeds is the kernel's
// CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS (0 means the default). Every region
// is checked against the CNode size and every untyped against the seL4
// limits, so later code can trust what it got.
func ParseBootInfo(frame []byte, maxUntypeds int) (*BootInfo, error) {
	bi := &BootInfo{}
	if err := ParseBootInfoInto(bi, frame, maxUntypeds, nil); err != nil {
		return nil, err
	}
	return bi, nil
}

// ParseBootInfoInto is ParseBootInfo into caller storage: bi, and untypeds
// for the descriptor list when it is large enough (else it is allocated).
// With storage it does not allocate unless it fails.
func ParseBootInfoInto(bi *BootInfo, frame []byte, maxUntypeds int, untypeds []UntypedDesc) error {
	if maxUntypeds == 0 {
		maxUntypeds = DefaultMaxBootInfoUntypeds
	}
	if len(frame) < biUntypedListOff {
		return bootErr("frame is %d bytes, shorter than the %d-byte header", len(frame), biUntypedListOff)
	}
	le := binary.LittleEndian
	w := func(off int) uint64 { return le.Uint64(frame[off:]) }
	region := func(off int) SlotRegion { return SlotRegion{CPtr(w(off)), CPtr(w(off + 8))} }
	*bi = BootInfo{
		ExtraLen:         w(0x00),
		NodeID:           w(0x08),
		NumNodes:         w(0x10),
		NumIOPTLevels:    w(0x18),
		IPCBuffer:        w(0x20),
		Empty:            region(0x28),
		SharedFrames:     region(0x38),
		UserImageFrames:  region(0x48),
		UserImagePaging:  region(0x58),
		IOSpaceCaps:      region(0x68),
		ExtraBIPages:     region(0x78),
		InitThreadDomain: w(0x90),
		Untyped:          region(0x98),
	}
	bits := w(0x88)
	if bits < 1 || bits > MaxRootCNodeBits {
		return bootErr("initThreadCNodeSizeBits %d out of range", bits)
	}
	bi.InitThreadCNodeSizeBits = uint8(bits)
	slots := CPtr(1) << bits
	for _, r := range []struct {
		name string
		r    SlotRegion
	}{
		{"empty", bi.Empty}, {"sharedFrames", bi.SharedFrames}, {"userImageFrames", bi.UserImageFrames},
		{"userImagePaging", bi.UserImagePaging}, {"ioSpaceCaps", bi.IOSpaceCaps},
		{"extraBIPages", bi.ExtraBIPages}, {"untyped", bi.Untyped},
	} {
		if r.r.Start > r.r.End || r.r.End > slots {
			return bootErr("%s region [%#x, %#x) invalid for a %d-slot CNode", r.name, r.r.Start, r.r.End, slots)
		}
	}
	if bi.Empty.Len() == 0 {
		return bootErr("no empty slots")
	}
	if bi.Empty.Start < NumInitialCaps {
		return bootErr("empty region starts at %#x, inside the initial caps", bi.Empty.Start)
	}
	n := bi.Untyped.Len()
	if n > maxUntypeds {
		return bootErr("%d untypeds, more than the kernel's maximum %d", n, maxUntypeds)
	}
	if biUntypedListOff+n*untypedDescSize > len(frame) {
		return bootErr("%d untyped descriptors run past the %d-byte frame", n, len(frame))
	}
	if cap(untypeds) >= n {
		bi.Untypeds = untypeds[:n]
	} else {
		bi.Untypeds = make([]UntypedDesc, n)
	}
	for i := range bi.Untypeds {
		d := frame[biUntypedListOff+i*untypedDescSize:]
		u := UntypedDesc{Paddr: le.Uint64(d), SizeBits: d[8], IsDevice: d[9] != 0}
		if d[9] > 1 {
			return bootErr("untyped %d: isDevice byte %d", i, d[9])
		}
		if u.SizeBits < MinUntypedBits || u.SizeBits > MaxUntypedBits {
			return bootErr("untyped %d: sizeBits %d outside [%d, %d]", i, u.SizeBits, MinUntypedBits, MaxUntypedBits)
		}
		if u.Paddr&(u.Size()-1) != 0 {
			return bootErr("untyped %d: paddr %#x not aligned to its size 2^%d", i, u.Paddr, u.SizeBits)
		}
		bi.Untypeds[i] = u
	}
	return nil
}

func bootErr(format string, args ...any) error {
	return errorf(vfs.Invalid, "bootinfo", format, args...)
}

// UntypedCap is the CPtr of untyped i.
func (bi *BootInfo) UntypedCap(i int) CPtr { return bi.Untyped.Start + CPtr(i) }

// RAMBytes is the total size of the non-device untypeds.
func (bi *BootInfo) RAMBytes() uint64 {
	var n uint64
	for _, u := range bi.Untypeds {
		if !u.IsDevice {
			n += u.Size()
		}
	}
	return n
}

// Extra bootinfo chunk IDs (§7.3).
const (
	ExtraPadding = 0
	ExtraFDT     = 6
)

// ExtraChunk is one chunk of the extra bootinfo region.
type ExtraChunk struct {
	ID   uint64
	Data []byte // the chunk without its 16-byte header
}

const extraHeaderLen = 16

// maxExtraChunks bounds the chain; a real one has two (FDT, padding).
const maxExtraChunks = 64

// ParseExtra splits the extra bootinfo region (bootinfo VA + 4 KiB,
// ExtraLen bytes) into chunks. Each header's len includes the header.
func ParseExtra(b []byte) ([]ExtraChunk, error) {
	var out []ExtraChunk
	le := binary.LittleEndian
	for off := 0; off < len(b); {
		if len(out) == maxExtraChunks {
			return nil, bootErr("extra bootinfo: more than %d chunks", maxExtraChunks)
		}
		if len(b)-off < extraHeaderLen {
			return nil, bootErr("extra bootinfo: %d stray bytes at offset %d", len(b)-off, off)
		}
		id, n := le.Uint64(b[off:]), le.Uint64(b[off+8:])
		if n < extraHeaderLen || n > uint64(len(b)-off) {
			return nil, bootErr("extra bootinfo: chunk id %d at offset %d has length %d (region %d bytes)", id, off, n, len(b))
		}
		out = append(out, ExtraChunk{ID: id, Data: b[off+extraHeaderLen : off+int(n)]})
		off += int(n)
	}
	return out, nil
}

// fdtMagic is the big-endian magic at the start of a flattened device tree.
const fdtMagic = 0xd00dfeed

// FDT returns the device tree the kernel copied into the extra bootinfo,
// trimmed to the size its header declares.
func FDT(extra []byte) ([]byte, error) {
	chunks, err := ParseExtra(extra)
	if err != nil {
		return nil, err
	}
	for _, c := range chunks {
		if c.ID != ExtraFDT {
			continue
		}
		if len(c.Data) < 8 || binary.BigEndian.Uint32(c.Data) != fdtMagic {
			return nil, bootErr("extra bootinfo: FDT chunk has no FDT magic")
		}
		total := binary.BigEndian.Uint32(c.Data[4:])
		if int(total) > len(c.Data) || total < 8 {
			return nil, bootErr("extra bootinfo: FDT totalsize %d, chunk %d bytes", total, len(c.Data))
		}
		return c.Data[:total], nil
	}
	return nil, errorf(vfs.NotFound, "bootinfo", "extra bootinfo has no FDT chunk")
}

// String summarises bootinfo for the boot log.
func (bi *BootInfo) String() string {
	dev := 0
	for _, u := range bi.Untypeds {
		if u.IsDevice {
			dev++
		}
	}
	return fmt.Sprintf("bootinfo: cnode 2^%d slots, empty [%#x,%#x), %d untypeds (%d device), %d MiB RAM, ipcbuf %#x, extra %d bytes",
		bi.InitThreadCNodeSizeBits, bi.Empty.Start, bi.Empty.End, len(bi.Untypeds), dev, bi.RAMBytes()>>20, bi.IPCBuffer, bi.ExtraLen)
}

// MaxRootCNodeBits bounds initThreadCNodeSizeBits; the slot allocator keeps
// a bitmap of the root CNode (2^20 slots = 128 KiB of bitmap). Real builds
// use 12 to 19.
const MaxRootCNodeBits = 20
