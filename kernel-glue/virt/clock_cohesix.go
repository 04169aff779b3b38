//go:build cohesix

package virt

import (
	"time"
	_ "unsafe" // for go:linkname
)

// Clock is the machine's clock for the pump: the PL031 at boot plus the
// generic timer since.
type Clock struct{}

// Now returns the current time.
func (Clock) Now() time.Time { return time.Now() }

// Pushed by the runtime: park the calling goroutine until the machine has
// idled and woken (timer or device interrupt) or the deadline passed.
//
//go:linkname waitEvent runtime.cohesixWaitEvent
func waitEvent(deadline int64)

// Waiter idles the pump: the runtime scheduler runs other goroutines, and
// when none is runnable the core sleeps in WFI until the earlier of the
// deadline and the next device interrupt.
type Waiter struct{}

// Wait blocks until an interrupt may have arrived or deadline passes.
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

// Uptime is the time since the counter started (power on).
func Uptime() time.Duration { return time.Duration(nanotime()) }
