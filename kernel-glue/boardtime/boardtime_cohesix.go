//go:build cohesix

// Package boardtime is the event pump's clock and idle on any GOOS=cohesix
// board. Both go through the runtime, so each board supplies them only
// through its runtime hooks (cohesixNanotime, cohesixWalltime, cohesixIdle):
// the pump's Waiter parks in runtime.cohesixWaitEvent and the core idles the
// way the board's cohesixIdle does (WFI on virt, seL4_Yield on seL4).
package boardtime

import (
	"time"
	_ "unsafe" // for go:linkname
)

// Clock is the board's clock for the pump.
type Clock struct{}

// Now returns the current time.
func (Clock) Now() time.Time { return time.Now() }

// Pushed by the runtime: park the calling goroutine until the machine has
// idled and woken (timer or device event) or the deadline passed.
//
//go:linkname waitEvent runtime.cohesixWaitEvent
func waitEvent(deadline int64)

// The runtime's monotonic clock, which is the board's cohesixNanotime hook.
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

// Waiter idles the pump: the scheduler runs other goroutines, and when none
// is runnable the board idles until the earlier of the deadline and the
// next device event.
type Waiter struct{}

// Wait blocks until an event may have arrived or deadline passes.
func (Waiter) Wait(deadline time.Time) {
	var until int64
	if !deadline.IsZero() {
		d := time.Until(deadline)
		if d <= 0 {
			return
		}
		until = nanotime() + int64(d)
	}
	waitEvent(until)
}

// Uptime is the board's monotonic time since boot.
func Uptime() time.Duration { return time.Duration(nanotime()) }
