//go:build cohesix && sel4

package main

import board "github.com/cohesix/cohesix/kernel-glue/sel4"

// The seL4 root task: the same rootserver at EL0 above the seL4 kernel.
const embedding = "sel4"

type (
	boardClock  = board.Clock
	boardWaiter = board.Waiter
	boardSerial = board.Serial
	boardDMA    = board.DMA
)

var (
	boardUptime   = board.Uptime
	boardOrigin   = board.UptimeOrigin
	boardMapMMIO  = board.MapMMIO
	boardAllocDMA = board.AllocDMA
	boardBarrier  = board.Barrier
	// DMA cache maintenance (milestone 8c).
	boardCleanDMA       = board.CleanDMA
	boardInvalidateDMA  = board.InvalidateDMA
	boardCacheMechanism = board.CacheMechanism
	boardDMACoherent    = board.DMACoherent
	boardIdleText       = board.IdleText
	// How often the netstack polls the virtio-net device with no rx line.
	boardDevicePoll = board.DevicePollInterval
)
