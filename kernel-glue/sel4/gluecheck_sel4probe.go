//go:build linux && arm64 && sel4probe

package sel4

import "unsafe"

// GlueCheck runs this package against a real kernel: it is the whole root
// task of cmd/sel4-payload/gluecheck, which starts it without the Go runtime
// (a static stack, a zeroed g so stack checks pass, no heap). So it must not
// allocate: any kernel refusal here would build an error value and crash,
// which is why every step is announced first and the last announced step
// names the failure. It checks the invocation labels, the message layouts,
// the untyped placement model (Page_GetAddress against the predicted
// physical addresses), page-table creation for 4 KiB and 2 MiB frames,
// device frames for the PL011 and PL031, DMA frames and the cache calls,
// then suspends itself.
//
// Booted by stage 1 (handoffVA != 0) it first applies the handoff, so the
// checks also prove that stage 1 and the rootserver agree on the CSpace and
// on every untyped's placement.
func GlueCheck(biVA, handoffVA uintptr, labels Labels) {
	say("gluecheck: start")
	frame := unsafe.Slice((*byte)(unsafe.Add(nil, biVA)), BootInfoFrameSize)
	if ParseBootInfoInto(&gc.bi, frame, 0, gc.untypeds[:]) != nil {
		fail("bootinfo rejected")
	}
	b := append(gc.line[:0], "gluecheck: bootinfo ok, untypeds "...)
	b = appendUint(b, uint64(len(gc.bi.Untypeds)))
	b = append(b, ", empty from "...)
	sayBytes(appendHex(b, uint64(gc.bi.Empty.Start)))
	gc.kern.ipc = (*IPCBuffer)(unsafe.Add(nil, uintptr(gc.bi.IPCBuffer)))
	gc.slots.Init(gc.bi.Empty, gc.words[:])
	gc.ut.init(&gc.bi, gc.utState[:])
	initEnv(&gc.env, &gc.kern, labels, &gc.bi, &gc.slots, &gc.ut)
	e := &gc.env
	if handoffVA != 0 {
		if e.ApplyHandoff((*Handoff)(unsafe.Add(nil, handoffVA))) != nil {
			fail("handoff page rejected")
		}
		b := append(gc.line[:0], "gluecheck: booted by stage 1, handoff applied, slots left "...)
		sayBytes(appendUint(b, uint64(e.Slots.Free())))
	}

	say("gluecheck: step PL011 device frame and Page_Map with page tables")
	uart, err := e.MapDevice(PL011Base, DeviceVA)
	check(err)
	const direct = "gluecheck: this line went straight to the PL011 registers\n"
	for i := 0; i < len(direct); i++ {
		for mmioRead32(DeviceVA+0x18)&(1<<5) != 0 {
		}
		mmioWrite32(DeviceVA, uint32(direct[i]))
	}
	expectAddr(uart)

	say("gluecheck: step PL031 device frame (fillers in a device untyped)")
	rtc, err := e.MapDevice(PL031Base, DeviceVA+PageSize)
	check(err)
	expectAddr(rtc)
	b = append(gc.line[:0], "gluecheck: PL031 reads "...)
	sayBytes(appendUint(b, uint64(mmioRead32(DeviceVA+PageSize))))

	say("gluecheck: step virtio-mmio page 0x0a003000 (transports 24..31)")
	vio, err := e.MapDevice(VirtioBase+0x3000, DeviceVA+2*PageSize)
	check(err)
	expectAddr(vio)
	magic := mmioRead32(DeviceVA + 2*PageSize + 0xe00)
	b = append(gc.line[:0], "gluecheck: transport 31 magic "...)
	sayBytes(appendHex(b, uint64(magic)))

	say("gluecheck: step 2 MiB heap frames")
	check(e.MapRAMLarge(HeapVA, 4))
	heap := unsafe.Slice((*uint64)(unsafe.Add(nil, uintptr(HeapVA))), 8<<20/8)
	for i := range heap {
		heap[i] = uint64(i) * 0x9E3779B97F4A7C15
	}
	for i := range heap {
		if heap[i] != uint64(i)*0x9E3779B97F4A7C15 {
			fail("heap readback mismatch")
		}
	}
	say("gluecheck: 8 MiB heap written and read back")

	say("gluecheck: step DMA region and Page_GetAddress")
	d, err := e.DMA(DMAVA, 14)
	check(err)
	for i := range d.Count {
		pa, code := e.Inv.raw(d.Frame(i), e.Inv.L.ARMPageGetAddress, nil)
		if code != NoError || pa.MR[0] != d.Paddr+uint64(i)*PageSize {
			fail("DMA frame physical address differs from the model")
		}
	}
	b = append(gc.line[:0], "gluecheck: DMA 16 KiB at paddr "...)
	sayBytes(appendHex(b, d.Paddr))

	say("gluecheck: step VSpace cache maintenance over three pages")
	for _, op := range []CacheOp{CleanData, CleanInvalidateData, InvalidateData, UnifyInstruction} {
		check(e.Cache(op, DMAVA+0x800, DMAVA+0x2800))
	}
	say("gluecheck: step kernel objects, CNode copy/delete, IRQ handler")
	ep, err := e.NewObject(EndpointObject, 0)
	check(err)
	nt, err := e.NewObject(NotificationObject, 0)
	check(err)
	dst, err := e.Slots.Alloc()
	check(err)
	check(e.Inv.CNodeCopy(dst, ep.Cap, AllRights))
	check(e.Inv.CNodeDelete(dst))
	irq, err := e.Slots.Alloc()
	check(err)
	check(e.Inv.IRQControlGet(PL011IntID, irq))
	check(e.Inv.IRQHandlerSetNotification(irq, nt.Cap))
	check(e.Inv.IRQHandlerAck(irq))
	b = append(gc.line[:0], "gluecheck: page tables made "...)
	b = appendUint(b, uint64(e.PageTables))
	b = append(b, ", slots left "...)
	sayBytes(appendUint(b, uint64(e.Slots.Free())))
	say("gluecheck: all ok; suspending")
	check(e.Inv.TCBSuspend(CapInitThreadTCB))
	fail("TCB_Suspend returned")
}

var gc struct {
	bi       BootInfo
	untypeds [256]UntypedDesc
	words    [1 << (16 - 6)]uint64
	utState  [256]untypedState
	slots    SlotAllocator
	ut       UntypedAllocator
	kern     sysKernel
	env      Env
	line     [160]byte
}

func say(s string) {
	for i := 0; i < len(s); i++ {
		sysDebugPutChar(s[i])
	}
	sysDebugPutChar('\n')
}

func sayBytes(b []byte) {
	for _, c := range b {
		sysDebugPutChar(c)
	}
	sysDebugPutChar('\n')
}

func fail(s string) {
	say("gluecheck: FAIL")
	say(s)
	for {
		sysYield()
	}
}

func check(err error) {
	if err != nil {
		fail("a call failed (the error value could not be printed without a heap)")
	}
}

func expectAddr(o Object) {
	r, code := gc.env.Inv.raw(o.Cap, gc.env.Inv.L.ARMPageGetAddress, nil)
	if code != NoError || r.MR[0] != o.Paddr {
		fail("frame physical address differs from the untyped model")
	}
	b := append(gc.line[:0], "gluecheck: frame at predicted paddr "...)
	sayBytes(appendHex(b, o.Paddr))
}
