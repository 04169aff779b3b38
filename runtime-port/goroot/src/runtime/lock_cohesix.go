// Copyright 2026 The Cohesix Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

//go:build cohesix

package runtime

import _ "unsafe" // for go:linkname

// cohesix runs one M and no preemption, so a mutex is a flag (as on
// wasip1): finding it held means the only thread deadlocked itself.

const (
	mutex_unlocked = 0
	mutex_locked   = 1

	active_spin     = 4
	active_spin_cnt = 30
)

type mWaitList struct{}

func lockVerifyMSize() {}

func mutexContended(l *mutex) bool { return false }

func lock(l *mutex) { lockWithRank(l, getLockRank(l)) }

func lock2(l *mutex) {
	if l.key == mutex_locked {
		throw("self deadlock")
	}
	gp := getg()
	if gp.m.locks < 0 {
		throw("lock count")
	}
	gp.m.locks++
	l.key = mutex_locked
}

func unlock(l *mutex) { unlockWithRank(l) }

func unlock2(l *mutex) {
	if l.key == mutex_unlocked {
		throw("unlock of unlocked lock")
	}
	gp := getg()
	gp.m.locks--
	if gp.m.locks < 0 {
		throw("lock count")
	}
	l.key = mutex_unlocked
}

// One-time notifications.
func noteclear(n *note) { n.key = 0 }

func notewakeup(n *note) {
	if n.key != 0 {
		print("notewakeup - double wakeup (", n.key, ")\n")
		throw("notewakeup - double wakeup")
	}
	n.key = 1
}

func notesleep(n *note) {
	if n.key != 0 {
		return
	}
	throw("notesleep: cohesix has one thread, nobody can wake it")
}

func notetsleep(n *note, ns int64) bool {
	if n.key != 0 {
		return true
	}
	if ns < 0 {
		throw("notetsleep: cohesix has one thread, nobody can wake it")
	}
	deadline := nanotime() + ns
	for n.key == 0 && nanotime() < deadline {
	}
	return n.key != 0
}

// notetsleepg waits at goroutine level. The lock_sema/lock_futex version
// hands the P to another M (entersyscallblock), which one thread cannot do.
// Sleeping in short steps keeps the machine idle instead of spinning.
func notetsleepg(n *note, ns int64) bool {
	gp := getg()
	if gp == gp.m.g0 {
		throw("notetsleepg on g0")
	}
	deadline := nanotime() + ns
	for n.key == 0 {
		step := int64(10_000_000)
		if ns >= 0 {
			left := deadline - nanotime()
			if left <= 0 {
				return false
			}
			step = min(step, left)
		}
		timeSleep(step)
	}
	return true
}

// beforeIdle is called by findRunnable when no goroutine is runnable.
// pollUntil is the next timer (0: none). The platform waits in
// cohesixIdle; afterwards the scheduler re-checks its timers, and a
// goroutine parked in cohesixWaitEvent is resumed because the wake-up may
// have been a device event. The only M never parks.
func beforeIdle(now, pollUntil int64) (*g, bool) {
	// Goroutines that ran after the waiter parked may have produced work
	// for it (a network stack's goroutine delivering data to a socket the
	// event loop polls). Let the waiter look before sleeping.
	if w := eventWaiter.ptr(); w != nil && getg().m.p.ptr().schedtick != eventTick {
		eventWaiter = 0
		return w, false
	}
	until := pollUntil
	if eventWaiter != 0 && eventDeadline > 0 && (until == 0 || eventDeadline < until) {
		until = eventDeadline
	}
	idleCount++
	cohesixIdle(until)
	if w := eventWaiter.ptr(); w != nil {
		eventWaiter = 0
		return w, false
	}
	return nil, true
}

// checkTimeouts wakes an event waiter whose deadline passed while other
// goroutines kept the scheduler busy.
func checkTimeouts() {
	if w := eventWaiter.ptr(); w != nil && eventDeadline > 0 && nanotime() >= eventDeadline {
		eventWaiter = 0
		goready(w, 0)
	}
}

var (
	eventWaiter   guintptr
	eventDeadline int64
	eventTick     uint32 // P's schedtick when the waiter parked
	idleCount     uint64
)

// cohesixWaitEvent parks the calling goroutine until the machine has been
// idle and woken up (by a device interrupt or a timer), until another
// goroutine has run and the scheduler is about to idle, or until deadline
// (nanotime; <= 0 means none) has passed. It is how an event loop sleeps:
// other goroutines keep running meanwhile. Only one goroutine may wait.
//
//go:linkname cohesixWaitEvent
func cohesixWaitEvent(deadline int64) {
	if eventWaiter != 0 {
		throw("cohesixWaitEvent: second waiter")
	}
	if deadline > 0 && nanotime() >= deadline {
		return
	}
	eventWaiter.set(getg())
	eventDeadline = deadline
	eventTick = getg().m.p.ptr().schedtick
	gopark(nil, nil, waitReasonSleep, traceBlockSleep, 1)
}

// cohesixIdleCount reports how many times the scheduler went idle.
//
//go:linkname cohesixIdleCount
func cohesixIdleCount() uint64 { return idleCount }
