package sel4

// MaxInvocationWords is how many message words an encoded invocation may
// carry here. The kernel allows MsgMaxLength; the widest invocation the root
// task makes (Untyped_Retype, CNode_Mint) uses six.
const MaxInvocationWords = 8

// Msg is one message of a Call: the info word, the extra caps (sent through
// the IPC buffer's caps_or_badges) and the message registers (MR0..MR3 in
// X2..X5, the rest in the IPC buffer).
type Msg struct {
	Info MessageInfo
	Caps [MsgMaxExtraCaps]CPtr
	MR   [MaxInvocationWords]Word
}

// Kernel performs seL4_Call on a capability. The in-image implementation is
// the syscall stub plus the IPC buffer; tests use a model kernel. It returns
// the reply, whose label is an seL4_Error for kernel objects, and whose
// MR0..MR3 are the registers X2..X5.
//
// Messages travel by value so that nothing escapes to the heap: the root
// task maps its heap with these calls before the Go heap exists.
type Kernel interface {
	Call(dest CPtr, m Msg) Msg
}

// Invoker encodes invocations with the label set of the running kernel and
// turns error replies into *Error.
type Invoker struct {
	K Kernel
	L Labels
}

func (iv Invoker) call(op string, dest CPtr, label Word, caps []CPtr, mrs ...Word) (Msg, error) {
	r, code := iv.raw(dest, label, caps, mrs...)
	if code != NoError {
		return r, newError(op, dest, code, r)
	}
	return r, nil
}

// raw performs the call and returns the reply and its error code without
// building an error value (which would allocate).
func (iv Invoker) raw(dest CPtr, label Word, caps []CPtr, mrs ...Word) (Msg, ErrorCode) {
	var m Msg
	copy(m.Caps[:], caps)
	copy(m.MR[:], mrs)
	m.Info = NewMessageInfo(label, 0, uint(len(caps)), uint(len(mrs)))
	r := iv.K.Call(dest, m)
	return r, ErrorCode(r.Info.Label())
}

func newError(op string, dest CPtr, code ErrorCode, r Msg) *Error {
	e := &Error{Op: op, Cap: dest, Code: code}
	copy(e.Detail[:], r.MR[:FastMessageRegisters])
	return e
}

// Root CNode addressing: a slot number at full depth (§5).
const rootDepth = 64

// UntypedRetype retypes num objects into consecutive slots of the root CNode
// from offset, the usual root=CNode, node_index=0, node_depth=0 form.
func (iv Invoker) UntypedRetype(ut CPtr, t ObjectType, sizeBits uint, offset CPtr, num int) error {
	_, err := iv.call("Untyped_Retype", ut, iv.L.UntypedRetype, []CPtr{CapInitThreadCNode},
		Word(t), Word(sizeBits), 0, 0, Word(offset), Word(num))
	return err
}

// CNodeCopy copies the cap in src to dst, both root CNode slots.
func (iv Invoker) CNodeCopy(dst, src CPtr, rights Rights) error {
	_, err := iv.call("CNode_Copy", CapInitThreadCNode, iv.L.CNodeCopy, []CPtr{CapInitThreadCNode},
		Word(dst), rootDepth, Word(src), rootDepth, Word(rights))
	return err
}

// CNodeMint copies src to dst with reduced rights and a badge.
func (iv Invoker) CNodeMint(dst, src CPtr, rights Rights, badge Word) error {
	_, err := iv.call("CNode_Mint", CapInitThreadCNode, iv.L.CNodeMint, []CPtr{CapInitThreadCNode},
		Word(dst), rootDepth, Word(src), rootDepth, Word(rights), badge)
	return err
}

// CNodeMove moves the cap in src to dst.
func (iv Invoker) CNodeMove(dst, src CPtr) error {
	_, err := iv.call("CNode_Move", CapInitThreadCNode, iv.L.CNodeMove, []CPtr{CapInitThreadCNode},
		Word(dst), rootDepth, Word(src), rootDepth)
	return err
}

// CNodeDelete deletes the cap in slot.
func (iv Invoker) CNodeDelete(slot CPtr) error {
	_, err := iv.call("CNode_Delete", CapInitThreadCNode, iv.L.CNodeDelete, nil, Word(slot), rootDepth)
	return err
}

// CNodeRevoke deletes every cap derived from the one in slot.
func (iv Invoker) CNodeRevoke(slot CPtr) error {
	_, err := iv.call("CNode_Revoke", CapInitThreadCNode, iv.L.CNodeRevoke, nil, Word(slot), rootDepth)
	return err
}

// PageTableMap maps a page table at the deepest missing level for va.
func (iv Invoker) PageTableMap(pt, vspace CPtr, va uint64, attr VMAttributes) error {
	_, err := iv.call("PageTable_Map", pt, iv.L.ARMPageTableMap, []CPtr{vspace}, va, Word(attr))
	return err
}

// PageMap maps a frame at va.
func (iv Invoker) PageMap(frame, vspace CPtr, va uint64, rights Rights, attr VMAttributes) error {
	_, err := iv.call("Page_Map", frame, iv.L.ARMPageMap, []CPtr{vspace}, va, Word(rights), Word(attr))
	return err
}

// PageUnmap unmaps a frame.
func (iv Invoker) PageUnmap(frame CPtr) error {
	_, err := iv.call("Page_Unmap", frame, iv.L.ARMPageUnmap, nil)
	return err
}

// PageGetAddress returns a frame's physical address.
func (iv Invoker) PageGetAddress(frame CPtr) (uint64, error) {
	r, err := iv.call("Page_GetAddress", frame, iv.L.ARMPageGetAddress, nil)
	return r.MR[0], err
}

// CacheOp is one of the AArch64 VSpace cache maintenance invocations (8c).
type CacheOp uint8

const (
	CleanData CacheOp = iota
	InvalidateData
	CleanInvalidateData
	UnifyInstruction
)

func (op CacheOp) String() string {
	return [...]string{"VSpace_Clean_Data", "VSpace_Invalidate_Data", "VSpace_CleanInvalidate_Data", "VSpace_Unify_Instruction"}[op]
}

func (op CacheOp) label(l Labels) Word {
	return [...]Word{l.ARMVSpaceCleanData, l.ARMVSpaceInvalidateData, l.ARMVSpaceCleanInvalidateData, l.ARMVSpaceUnifyInstruction}[op]
}

// VSpaceCache applies op to [start, end) of vspace. The kernel resolves the
// range through one mapping, so callers split at frame boundaries (see
// Env.Cache).
func (iv Invoker) VSpaceCache(op CacheOp, vspace CPtr, start, end uint64) error {
	_, err := iv.call(op.String(), vspace, op.label(iv.L), nil, start, end)
	return err
}

// IRQControlGet issues an IRQHandler cap for a level-triggered GIC INTID into slot.
func (iv Invoker) IRQControlGet(intid uint, slot CPtr) error {
	_, err := iv.call("IRQControl_Get", CapIRQControl, iv.L.IRQIssueIRQHandler, []CPtr{CapInitThreadCNode},
		Word(intid), Word(slot), rootDepth)
	return err
}

// IRQControlGetTrigger issues an IRQHandler cap with an explicit trigger.
func (iv Invoker) IRQControlGetTrigger(intid uint, edge bool, slot CPtr) error {
	var trig Word
	if edge {
		trig = 1
	}
	_, err := iv.call("IRQControl_GetTrigger", CapIRQControl, iv.L.ARMIRQIssueIRQHandlerTrigger, []CPtr{CapInitThreadCNode},
		Word(intid), trig, Word(slot), rootDepth)
	return err
}

// IRQHandlerSetNotification binds an IRQ handler to a notification.
func (iv Invoker) IRQHandlerSetNotification(handler, ntfn CPtr) error {
	_, err := iv.call("IRQHandler_SetNotification", handler, iv.L.IRQSetIRQHandler, []CPtr{ntfn})
	return err
}

// IRQHandlerAck unmasks the line after the device has been serviced.
func (iv Invoker) IRQHandlerAck(handler CPtr) error {
	_, err := iv.call("IRQHandler_Ack", handler, iv.L.IRQAckIRQ, nil)
	return err
}

// TCBSuspend suspends a thread; the root task exits by suspending itself.
func (iv Invoker) TCBSuspend(tcb CPtr) error {
	_, err := iv.call("TCB_Suspend", tcb, iv.L.TCBSuspend, nil)
	return err
}

// TCBSetPriority sets tcb's priority with authority's MCP.
func (iv Invoker) TCBSetPriority(tcb, authority CPtr, prio uint8) error {
	_, err := iv.call("TCB_SetPriority", tcb, iv.L.TCBSetPriority, []CPtr{authority}, Word(prio))
	return err
}
