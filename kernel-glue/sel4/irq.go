package sel4

import "math/bits"

// MaxIRQLines is how many lines one IRQSet binds: one badge bit each.
const MaxIRQLines = 64

// IRQSet binds interrupt lines to one notification, each under its own
// badge bit, so the idle loop blocks in a single seL4_Wait and learns which
// lines fired (§10). seL4 masks a line when it signals it and unmasks it
// only on IRQHandler_Ack. AckFired acks the lines of the previous wake-up,
// whose devices the pump has serviced by the time the board idles again:
// acking at once would re-raise a level-triggered line that the device is
// still asserting, and cost a second, spurious wake-up.
type IRQSet struct {
	// Ntfn is the unbadged notification to Wait or Poll on.
	Ntfn CPtr

	inv      Invoker
	n        int
	intids   [MaxIRQLines]uint
	handlers [MaxIRQLines]CPtr
	fired    Word
	counts   [MaxIRQLines]uint64
}

// Setup makes the notification and binds every INTID in intids to it; the
// line intids[i] signals badge bit i. Level-triggered lines only (all of
// QEMU virt's devices and the generic timer are).
func (s *IRQSet) Setup(e *Env, intids []uint) error {
	if len(intids) > MaxIRQLines {
		return errorf(0, "irq setup", "%d lines, at most %d", len(intids), MaxIRQLines)
	}
	nt, err := e.NewObject(NotificationObject, 0)
	if err != nil {
		return err
	}
	for i, id := range intids {
		h, err := e.Slots.Alloc()
		if err != nil {
			return err
		}
		if err := e.Inv.IRQControlGet(id, h); err != nil {
			return err
		}
		badged, err := e.Slots.Alloc()
		if err != nil {
			return err
		}
		if err := e.Inv.CNodeMint(badged, nt.Cap, AllRights, 1<<i); err != nil {
			return err
		}
		if err := e.Inv.IRQHandlerSetNotification(h, badged); err != nil {
			return err
		}
		s.intids[i], s.handlers[i] = id, h
	}
	s.Ntfn, s.n, s.inv = nt.Cap, len(intids), e.Inv
	return nil
}

// Lines is how many lines are bound.
func (s *IRQSet) Lines() int { return s.n }

// Fired records the badge bits a Wait or Poll on Ntfn returned.
func (s *IRQSet) Fired(badge Word) {
	s.fired |= badge
	for b := badge; b != 0; b &= b - 1 {
		s.counts[bits.TrailingZeros64(uint64(b))]++
	}
}

// AckFired unmasks every line recorded by Fired since the last call. It
// does not allocate: the idle hook calls it from the scheduler.
func (s *IRQSet) AckFired() error {
	var first error
	for b := s.fired; b != 0; b &= b - 1 {
		i := bits.TrailingZeros64(uint64(b))
		if i >= s.n {
			continue
		}
		if _, code := s.inv.raw(s.handlers[i], s.inv.L.IRQAckIRQ, nil); code != NoError && first == nil {
			first = errIRQAck
		}
	}
	s.fired = 0
	return first
}

// Line is the i-th bound line's INTID and how often it fired.
func (s *IRQSet) Line(i int) (intid uint, fired uint64) { return s.intids[i], s.counts[i] }

// Count is how often the line bound as intid has fired.
func (s *IRQSet) Count(intid uint) uint64 {
	for i := range s.n {
		if s.intids[i] == intid {
			return s.counts[i]
		}
	}
	return 0
}

var errIRQAck = errorf(0, "IRQHandler_Ack", "the kernel refused an ack")
