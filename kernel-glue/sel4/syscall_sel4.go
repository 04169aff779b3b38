//go:build (cohesix && sel4) || (linux && arm64 && sel4probe)

package sel4

// Implemented in syscall_sel4_arm64.s.

func sysCall(dest, info, mr0, mr1, mr2, mr3 uint64) (badge, rinfo, r0, r1, r2, r3 uint64)
func sysReplyRecv(src, info, mr0, mr1, mr2, mr3 uint64) (badge, rinfo, r0, r1, r2, r3 uint64)
func sysSend(dest, info, mr0, mr1, mr2, mr3 uint64)
func sysNBSend(dest, info, mr0, mr1, mr2, mr3 uint64)
func sysReply(info, mr0, mr1, mr2, mr3 uint64)
func sysRecv(src uint64) (badge, info, r0, r1, r2, r3 uint64)
func sysNBRecv(src uint64) (badge, info, r0, r1, r2, r3 uint64)
func sysYield()
func sysDebugPutChar(c byte)
func sysDebugHalt()

func readCNTVCT() uint64
func readCNTPCT() uint64
func readCNTFRQ() uint64
func writeCNTPTVAL(v uint64)
func writeCNTPCTL(v uint64)

func mmioRead32(addr uintptr) uint32
func mmioWrite32(addr uintptr, v uint32)
func mmioRead8(addr uintptr) uint8
func dsb()

// sysKernel is the Kernel of the running root task: Call through the
// syscall stub with the words past MR3 and the extra caps in the IPC
// buffer. A pointer receiver keeps the interface value allocation-free.
type sysKernel struct {
	ipc *IPCBuffer
}

func (k *sysKernel) Call(dest CPtr, m Msg) Msg {
	k.ipc.load(&m)
	_, info, r0, r1, r2, r3 := sysCall(uint64(dest), uint64(m.Info), m.MR[0], m.MR[1], m.MR[2], m.MR[3])
	r := Msg{Info: MessageInfo(info)}
	r.MR[0], r.MR[1], r.MR[2], r.MR[3] = r0, r1, r2, r3
	k.ipc.unload(&r)
	return r
}

// jumpTo enters a loaded image at pc with X0 = x0 and X1 = x1 and the
// rest as the kernel leaves a new root task (SP is set by the image).
func jumpTo(pc, x0, x1 uintptr)
