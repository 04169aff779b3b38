// Package clock is a tcpip.Clock driven by the event pump.
//
// gVisor schedules every protocol timer (TCP retransmit, delayed ACK,
// keepalive, TIME-WAIT, ARP/neighbour probes, IP reassembly) through
// tcpip.Clock.AfterFunc. The standard clock runs each expiry on its own
// goroutine; this one only records the deadline and runs expired callbacks
// from Poll, on the pump's loop, in deadline order (ties in scheduling
// order). Time stands still between polls: Now is the instant the pump last
// passed in.
//
// The clock is safe for concurrent use because on a hosted build gVisor's
// TCP processor goroutines schedule timers from other threads; callbacks
// still run only inside Poll.
package clock

import (
	"container/heap"
	"sync"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
)

// MaxFiresPerPoll bounds the callbacks one Poll runs; if more are due, Poll
// asks to be called again at once.
const MaxFiresPerPoll = 64

// Clock implements tcpip.Clock.
type Clock struct {
	mu     sync.Mutex
	epoch  time.Time // wall time at monotonic zero
	now    time.Time
	seq    uint64
	timers timerHeap
	fired  uint64
}

var _ tcpip.Clock = (*Clock)(nil)

// New returns a clock reading start until the first Advance.
func New(start time.Time) *Clock {
	return &Clock{epoch: start, now: start}
}

// Now implements tcpip.Clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NowMonotonic implements tcpip.Clock: the time since New, which never
// goes backwards because Advance refuses to.
func (c *Clock) NowMonotonic() tcpip.MonotonicTime {
	c.mu.Lock()
	defer c.mu.Unlock()
	return tcpip.MonotonicTime{}.Add(c.now.Sub(c.epoch))
}

// Advance moves the clock to now. Earlier instants are ignored so the
// monotonic reading stays monotonic.
func (c *Clock) Advance(now time.Time) {
	c.mu.Lock()
	if now.After(c.now) {
		c.now = now
	}
	c.mu.Unlock()
}

// AfterFunc implements tcpip.Clock. f runs from a later Poll, never from
// inside AfterFunc, even for d <= 0.
func (c *Clock) AfterFunc(d time.Duration, f func()) tcpip.Timer {
	t := &Timer{c: c, f: f, index: -1}
	t.Reset(d)
	return t
}

// Poll advances to now, runs due callbacks (at most MaxFiresPerPoll) and
// returns the next deadline: now if more are due, zero if none are set.
// The budget is honoured by count, since the clock must not read time.
func (c *Clock) Poll(now time.Time, _ time.Duration) time.Time {
	c.Advance(now)
	c.Fire(MaxFiresPerPoll)
	return c.Next()
}

// Fire runs up to max expired callbacks and returns how many ran. Each is
// removed before it runs, so it may Reset itself or schedule others; those
// run on a later Fire even if already due, which keeps a zero-delay timer
// loop from spinning inside one poll.
func (c *Clock) Fire(max int) int {
	c.mu.Lock()
	limit := c.seq // timers scheduled during this Fire wait for the next
	now := c.now
	ran := 0
	for ran < max && len(c.timers) > 0 {
		t := c.timers[0]
		if t.when.After(now) || t.seq > limit {
			break
		}
		heap.Pop(&c.timers)
		f := t.f
		c.fired++
		c.mu.Unlock()
		f()
		ran++
		c.mu.Lock()
	}
	c.mu.Unlock()
	return ran
}

// Next is the earliest pending deadline, or zero if no timer is set.
func (c *Clock) Next() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.timers) == 0 {
		return time.Time{}
	}
	return c.timers[0].when
}

// Pending is the number of timers set.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// Fired is the number of callbacks run so far.
func (c *Clock) Fired() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fired
}

// Timer implements tcpip.Timer.
type Timer struct {
	c     *Clock
	f     func()
	when  time.Time
	seq   uint64
	index int // position in the heap, -1 when not set
}

// Stop implements tcpip.Timer.
func (t *Timer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&t.c.timers, t.index)
	return true
}

// Reset implements tcpip.Timer. Resetting a set timer moves it.
func (t *Timer) Reset(d time.Duration) {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.index >= 0 {
		heap.Remove(&c.timers, t.index)
	}
	if d < 0 {
		d = 0
	}
	t.when = c.now.Add(d)
	c.seq++
	t.seq = c.seq
	heap.Push(&c.timers, t)
}

type timerHeap []*Timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *timerHeap) Push(x any) {
	t := x.(*Timer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.index = -1
	*h = old[:len(old)-1]
	return t
}
