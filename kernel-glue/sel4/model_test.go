package sel4

import (
	"fmt"
	"testing"
)

// modelKernel is an independent model of the seL4 invocations the root task
// makes, written from the ABI facts: untyped placement by freeIndex and
// alignment, the four-level page-table lookups of Page_Map, GetAddress and
// the one-frame rule of the VSpace cache calls. The allocators' predictions
// are checked against it.
type modelKernel struct {
	t      testing.TB
	l      Labels
	caps   map[CPtr]*modelCap
	slots  CPtr // CNode size
	tables map[string]bool
	pages  map[uint64]CPtr // va page -> frame
	cache  []string
	calls  int
}

type modelCap struct {
	typ      ObjectType
	paddr    uint64
	sizeBits uint
	device   bool
	free     uint64 // untyped freeIndex
	mappedAt uint64
	mapped   bool
}

func newModelKernel(t testing.TB, l Labels, bi *BootInfo) *modelKernel {
	k := &modelKernel{t: t, l: l, caps: map[CPtr]*modelCap{}, slots: 1 << bi.InitThreadCNodeSizeBits,
		tables: map[string]bool{}, pages: map[uint64]CPtr{}}
	for i, u := range bi.Untypeds {
		k.caps[bi.UntypedCap(i)] = &modelCap{typ: UntypedObject, paddr: u.Paddr, sizeBits: uint(u.SizeBits), device: u.IsDevice}
	}
	k.caps[CapInitThreadCNode] = &modelCap{typ: CapTableObject}
	k.caps[CapInitThreadVSpace] = &modelCap{typ: VSpaceObject}
	k.caps[CapInitThreadTCB] = &modelCap{typ: TCBObject}
	return k
}

func reply(code ErrorCode, mr ...Word) Msg {
	var r Msg
	r.Info = NewMessageInfo(Word(code), 0, 0, uint(len(mr)))
	copy(r.MR[:], mr)
	return r
}

func (k *modelKernel) Call(dest CPtr, msg Msg) Msg {
	m := &msg
	k.calls++
	c := k.caps[dest]
	if c == nil {
		return reply(InvalidCapability)
	}
	if m.Info.Length() > MaxInvocationWords || m.Info.ExtraCaps() > MsgMaxExtraCaps {
		return reply(TruncatedMessage)
	}
	switch lab := m.Info.Label(); lab {
	case k.l.UntypedRetype:
		return k.retype(c, m)
	case k.l.ARMPageMap:
		return k.pageMap(dest, c, m)
	case k.l.ARMPageTableMap:
		return k.ptMap(c, m)
	case k.l.ARMPageGetAddress:
		if !isFrame(c.typ) {
			return reply(IllegalOperation)
		}
		return reply(NoError, c.paddr)
	case k.l.ARMVSpaceCleanData, k.l.ARMVSpaceInvalidateData, k.l.ARMVSpaceCleanInvalidateData, k.l.ARMVSpaceUnifyInstruction:
		start, end := m.MR[0], m.MR[1]
		if c.typ != VSpaceObject || m.Info.Length() != 2 {
			return reply(IllegalOperation)
		}
		if end <= start {
			return reply(InvalidArgument)
		}
		if _, ok := k.pages[start&^(PageSize-1)]; !ok {
			return reply(FailedLookup)
		}
		if (end-1)&^(PageSize-1) != start&^(PageSize-1) {
			return reply(RangeError)
		}
		k.cache = append(k.cache, fmt.Sprintf("%d %#x-%#x", lab, start, end))
		return reply(NoError)
	case k.l.TCBSuspend:
		return reply(NoError)
	}
	return reply(IllegalOperation)
}

func (k *modelKernel) retype(ut *modelCap, m *Msg) Msg {
	if ut.typ != UntypedObject || m.Info.Length() != 6 || m.Info.ExtraCaps() != 1 || m.Caps[0] != CapInitThreadCNode {
		return reply(InvalidArgument)
	}
	t, sizeBits, idx, depth, off, num := ObjectType(m.MR[0]), uint(m.MR[1]), m.MR[2], m.MR[3], CPtr(m.MR[4]), int(m.MR[5])
	if idx != 0 || depth != 0 {
		k.t.Errorf("retype into node index %d depth %d; the root task uses 0/0", idx, depth)
		return reply(FailedLookup)
	}
	bits, ok := ObjectBits(t, sizeBits)
	if !ok || num < 1 {
		return reply(InvalidArgument)
	}
	if ut.device && !isFrame(t) && t != UntypedObject {
		return reply(InvalidArgument)
	}
	pa := alignUp(ut.paddr+ut.free, 1<<bits)
	if pa+uint64(num)<<bits > ut.paddr+1<<ut.sizeBits {
		return reply(NotEnoughMemory)
	}
	for i := range num {
		s := off + CPtr(i)
		if s >= k.slots {
			return reply(RangeError)
		}
		if k.caps[s] != nil {
			return reply(DeleteFirst)
		}
	}
	for i := range num {
		k.caps[off+CPtr(i)] = &modelCap{typ: t, paddr: pa + uint64(i)<<bits, sizeBits: bits, device: ut.device}
	}
	ut.free = pa + uint64(num)<<bits - ut.paddr
	return reply(NoError)
}

func levelKeys(va uint64) [3]string {
	return [3]string{fmt.Sprintf("l1 %d", va>>39), fmt.Sprintf("l2 %d", va>>30), fmt.Sprintf("l3 %d", va>>21)}
}

func (k *modelKernel) pageMap(dest CPtr, f *modelCap, m *Msg) Msg {
	levels := 3
	switch f.typ {
	case SmallPageObject:
	case LargePageObject:
		levels = 2 // a 2 MiB frame is a level-2 block
	default:
		return reply(InvalidCapability)
	}
	if k.caps[m.Caps[0]] == nil || k.caps[m.Caps[0]].typ != VSpaceObject {
		return reply(InvalidCapability)
	}
	va := m.MR[0]
	if va&(1<<f.sizeBits-1) != 0 {
		return reply(AlignmentError)
	}
	if f.mapped {
		return reply(InvalidArgument)
	}
	keys := levelKeys(va)
	for i, key := range keys[:levels] {
		if !k.tables[key] {
			return reply(FailedLookup, Word(39-9*i))
		}
	}
	if levels == 2 {
		if k.tables[keys[2]] {
			return reply(DeleteFirst) // a table is already there
		}
		k.tables["block "+keys[2]] = true
		f.mapped, f.mappedAt = true, va
		return reply(NoError)
	}
	if _, ok := k.pages[va]; ok {
		return reply(DeleteFirst)
	}
	k.pages[va] = dest
	f.mapped, f.mappedAt = true, va
	return reply(NoError)
}

func (k *modelKernel) ptMap(pt *modelCap, m *Msg) Msg {
	if pt.typ != PageTableObject || pt.mapped {
		return reply(InvalidCapability)
	}
	for _, key := range levelKeys(m.MR[0]) {
		if !k.tables[key] {
			k.tables[key] = true
			pt.mapped = true
			return reply(NoError)
		}
	}
	return reply(DeleteFirst)
}
