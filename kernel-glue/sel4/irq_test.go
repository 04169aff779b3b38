package sel4

import (
	"testing"
)

// irqModel adds the IRQ and badge invocations to modelKernel: IRQControl
// issues one handler per INTID, a handler binds to a notification cap
// (which carries a badge), and Ack unmasks a line that signalled.
type irqModel struct {
	*modelKernel
	badges   map[CPtr]Word // notification caps minted with a badge
	handlers map[CPtr]uint // handler slot -> INTID
	bound    map[uint]Word // INTID -> badge it signals
	masked   map[uint]bool
	acks     []uint
}

func newIRQModel(t *testing.T) (*Env, *irqModel) {
	e, k := captureEnv(t)
	m := &irqModel{modelKernel: k, badges: map[CPtr]Word{}, handlers: map[CPtr]uint{},
		bound: map[uint]Word{}, masked: map[uint]bool{}}
	e.Inv.K = m
	return e, m
}

// signal is the line firing: the kernel masks it and ORs its badge into
// the notification word.
func (m *irqModel) signal(intid uint) Word {
	if m.masked[intid] {
		return 0
	}
	m.masked[intid] = true
	return m.bound[intid]
}

func (m *irqModel) Call(dest CPtr, msg Msg) Msg {
	switch lab := msg.Info.Label(); {
	case dest == CapIRQControl && lab == m.l.IRQIssueIRQHandler:
		id, slot := uint(msg.MR[0]), CPtr(msg.MR[1])
		if msg.Caps[0] != CapInitThreadCNode || msg.MR[2] != rootDepth {
			return reply(InvalidArgument)
		}
		for _, have := range m.handlers {
			if have == id {
				return reply(RevokeFirst)
			}
		}
		if m.caps[slot] != nil {
			return reply(DeleteFirst)
		}
		m.caps[slot] = &modelCap{typ: ObjectType(200)}
		m.handlers[slot] = id
		return reply(NoError)
	case dest == CapInitThreadCNode && lab == m.l.CNodeMint:
		dst, src, badge := CPtr(msg.MR[0]), CPtr(msg.MR[2]), msg.MR[5]
		if c := m.caps[src]; c == nil || c.typ != NotificationObject {
			return reply(FailedLookup)
		}
		if m.caps[dst] != nil {
			return reply(DeleteFirst)
		}
		m.caps[dst] = &modelCap{typ: NotificationObject}
		m.badges[dst] = badge
		return reply(NoError)
	case lab == m.l.IRQSetIRQHandler:
		id, ok := m.handlers[dest]
		if !ok {
			return reply(InvalidCapability)
		}
		if c := m.caps[msg.Caps[0]]; c == nil || c.typ != NotificationObject {
			return reply(IllegalOperation)
		}
		m.bound[id] = m.badges[msg.Caps[0]]
		return reply(NoError)
	case lab == m.l.IRQAckIRQ:
		id, ok := m.handlers[dest]
		if !ok {
			return reply(InvalidCapability)
		}
		m.masked[id] = false
		m.acks = append(m.acks, id)
		return reply(NoError)
	}
	return m.modelKernel.Call(dest, msg)
}

func TestIRQSetBadgesAndAcks(t *testing.T) {
	e, m := newIRQModel(t)
	var s IRQSet
	lines := []uint{PL011IntID, PL031IntID, VirtioIntID0 + 31, VirtioIntID0 + 30}
	if err := s.Setup(e, lines); err != nil {
		t.Fatal(err)
	}
	if s.Lines() != len(lines) || m.caps[s.Ntfn] == nil || m.caps[s.Ntfn].typ != NotificationObject {
		t.Fatalf("Setup: %d lines, notification %v", s.Lines(), m.caps[s.Ntfn])
	}
	for i, id := range lines {
		if m.bound[id] != 1<<i {
			t.Errorf("INTID %d signals badge %#x, want %#x", id, m.bound[id], 1<<i)
		}
	}

	// Two lines fire while the root task is busy; one Wait returns both.
	word := m.signal(PL011IntID) | m.signal(VirtioIntID0+30)
	word |= m.signal(PL011IntID) // masked until acked: no second signal
	s.Fired(word)
	if err := s.AckFired(); err != nil {
		t.Fatal(err)
	}
	if len(m.acks) != 2 || m.masked[PL011IntID] || m.masked[VirtioIntID0+30] {
		t.Errorf("acks %v, masked %v; want both lines unmasked once", m.acks, m.masked)
	}
	if err := s.AckFired(); err != nil || len(m.acks) != 2 {
		t.Errorf("a second AckFired acked again: %v, %v", m.acks, err)
	}
	if s.Count(PL011IntID) != 1 || s.Count(VirtioIntID0+30) != 1 || s.Count(PL031IntID) != 0 {
		t.Errorf("counts: uart %d, virtio %d, rtc %d", s.Count(PL011IntID), s.Count(VirtioIntID0+30), s.Count(PL031IntID))
	}
	// A badge bit past the bound lines (a stray signal) is ignored.
	s.Fired(1 << 40)
	if err := s.AckFired(); err != nil || len(m.acks) != 2 {
		t.Errorf("stray badge: acks %v, %v", m.acks, err)
	}
}

func TestIRQSetRefusals(t *testing.T) {
	e, _ := newIRQModel(t)
	var s IRQSet
	if err := s.Setup(e, make([]uint, MaxIRQLines+1)); err == nil {
		t.Error("65 lines accepted")
	}
	if err := s.Setup(e, []uint{PL011IntID, PL011IntID}); err == nil {
		t.Error("the same INTID twice accepted")
	}
}
