//go:build cohesix

package virt

import (
	"fmt"
	"time"
	_ "unsafe" // for go:linkname
)

// Idle: WFI with the virtual timer armed for the next deadline. IRQs stay
// masked in PSTATE; WFI still wakes when the GIC signals a pending
// interrupt, and the level-triggered sources (timer, PL011, virtio) drop
// their lines once disarmed or serviced, so nothing is ever acknowledged.

const (
	gicdCTLR       = GICDistBase + 0x000
	gicdISENABLER  = GICDistBase + 0x100
	gicdITARGETSR  = GICDistBase + 0x800
	gicdIPRIORITYR = GICDistBase + 0x400
	giccCTLR       = GICCPUBase + 0x000
	giccPMR        = GICCPUBase + 0x004
	giccIAR        = GICCPUBase + 0x00c
	giccEOIR       = GICCPUBase + 0x010
	spurious       = 1020
)

var (
	gicReady    bool
	idleWakeups uint64
)

//go:nosplit
func gicEnable(irq int) {
	mmioWrite32(uintptr(gicdISENABLER+4*(irq/32)), 1<<(irq%32))
	if irq >= 32 {
		// Route SPIs to CPU 0 (byte per interrupt).
		reg := uintptr(gicdITARGETSR + irq&^3)
		shift := uint(irq&3) * 8
		mmioWrite32(reg, mmioRead32(reg)&^(0xff<<shift)|1<<shift)
	}
}

//go:nosplit
func gicInit() {
	mmioWrite32(gicdCTLR, 0)
	gicEnable(irqVirtualTimer)
	gicEnable(irqUART)
	for i := 0; i < VirtioSlots; i++ {
		gicEnable(irqVirtioFirst + i)
	}
	mmioWrite32(gicdCTLR, 1)
	mmioWrite32(giccPMR, 0xf0)
	mmioWrite32(giccCTLR, 1)
	// PL011: raise the line while received bytes wait to be read.
	mmioWrite32(uartIMSC, imscRX|imscRT)
	gicReady = true
}

//go:linkname hookIdle runtime.cohesixIdle
//go:nosplit
func hookIdle(until int64) {
	if !gicReady {
		gicInit()
	}
	if until > 0 {
		if until <= nanotime() {
			return
		}
		armTimer(counterAt(until))
	} else {
		disarmTimer()
	}
	waitForInterrupt()
	disarmTimer()
	ackInterrupts()
	idleWakeups++
}

// IdleWakeups counts returns from WFI, for /proc counters.
func IdleWakeups() uint64 { return idleWakeups }

// DevicePollInterval is how often drivers poll a device whose line may
// not have fired: the GIC forwards every device line to WFI, so this is
// only a safety net.
func DevicePollInterval() time.Duration { return 10 * time.Millisecond }

// IdleText is /proc/idle: how the board idles and how often it woke.
func IdleText() []byte {
	return fmt.Appendf(nil, "mode=wfi wake=virtual-timer wakeups=%d\n", idleWakeups)
}

// ackInterrupts acknowledges and completes every interrupt the GIC holds
// pending. The handlers are the pump's tasks, which poll their devices on
// every wake-up; the GIC only has to forget the event so the next one
// raises the line again (QEMU's GICv2 latches pending state until IAR).
//
//go:nosplit
func ackInterrupts() {
	for i := 0; i < 8; i++ {
		iar := mmioRead32(giccIAR)
		if iar&0x3ff >= spurious {
			return
		}
		mmioWrite32(giccEOIR, iar)
	}
}
