package sel4

// IPCBuffer is the kernel's seL4_IPCBuffer (§4): 1024 bytes at
// bootinfo.IPCBuffer for the root task. Message registers past MR3 and the
// extra caps of a call travel here.
type IPCBuffer struct {
	Tag          Word
	Msg          [MsgMaxLength]Word
	UserData     Word
	CapsOrBadges [MsgMaxExtraCaps]Word
	ReceiveCNode Word
	ReceiveIndex Word
	ReceiveDepth Word
}

// load prepares ipc for a call with m: the message words beyond the
// registers and the extra caps.
func (ipc *IPCBuffer) load(m *Msg) {
	for i := FastMessageRegisters; i < int(m.Info.Length()) && i < MaxInvocationWords; i++ {
		ipc.Msg[i] = m.MR[i]
	}
	for i := range int(m.Info.ExtraCaps()) {
		ipc.CapsOrBadges[i] = Word(m.Caps[i])
	}
}

// unload copies the reply's words beyond the registers into r.
func (ipc *IPCBuffer) unload(r *Msg) {
	for i := FastMessageRegisters; i < int(r.Info.Length()) && i < MaxInvocationWords; i++ {
		r.MR[i] = ipc.Msg[i]
	}
}
