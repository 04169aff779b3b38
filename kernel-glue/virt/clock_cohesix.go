//go:build cohesix

package virt

import (
	"time"

	"github.com/cohesix/cohesix/kernel-glue/boardtime"
)

// The pump's view of the board: the PL031 at boot plus the generic timer
// since, and WFI idle (kernel-glue/boardtime).
type (
	Clock  = boardtime.Clock
	Waiter = boardtime.Waiter
)

// Uptime is the time since the counter started (power on).
func Uptime() time.Duration { return boardtime.Uptime() }

// UptimeOrigin names what Uptime counts from.
func UptimeOrigin() string { return "power on" }
