// Package conntest supplies non-blocking connections for driving the
// Secure9P server in tests and benchmarks: an in-memory one the test feeds
// by hand, and an adapter that puts a real net.Conn behind the
// services/netio contract with helper goroutines (test-only code; the image
// gets non-blocking sockets from its embedding).
package conntest

import (
	"bytes"
	"io"
	"net"
	"sync"
	"time"
)

// Mem is an in-memory non-blocking connection. The test writes requests to
// In and reads replies from Out. Read returns (0, nil) when In is empty, or
// io.EOF once EOF is set.
type Mem struct {
	In  bytes.Buffer
	Out bytes.Buffer
	// WriteLimit, if positive, caps the bytes one Write accepts, to force
	// short writes.
	WriteLimit int
	// Blocked makes Write accept nothing, as a full socket does.
	Blocked bool
	// EOF makes Read report io.EOF once In is drained.
	EOF bool
	// ReadLimit, if positive, caps the bytes one Read returns, to force
	// reassembly.
	ReadLimit int
	Closed    bool
	Writes    int
}

func (m *Mem) Read(p []byte) (int, error) {
	if m.Closed {
		return 0, io.ErrClosedPipe
	}
	if m.In.Len() == 0 {
		if m.EOF {
			return 0, io.EOF
		}
		return 0, nil
	}
	if m.ReadLimit > 0 && len(p) > m.ReadLimit {
		p = p[:m.ReadLimit]
	}
	return m.In.Read(p)
}

func (m *Mem) Write(p []byte) (int, error) {
	if m.Closed {
		return 0, io.ErrClosedPipe
	}
	m.Writes++
	if m.Blocked {
		return 0, nil
	}
	if m.WriteLimit > 0 && len(p) > m.WriteLimit {
		p = p[:m.WriteLimit]
	}
	return m.Out.Write(p)
}

func (m *Mem) Close() error { m.Closed = true; return nil }

// RemoteAddr implements netio.Conn.
func (m *Mem) RemoteAddr() string { return "mem" }

// NonBlocking adapts a net.Conn to the non-blocking contract. A reader
// goroutine fills an input buffer and a writer goroutine drains a bounded
// output buffer; Notify receives a token whenever either makes progress, so
// a poll loop knows when to run.
type NonBlocking struct {
	c      net.Conn
	notify chan<- struct{}

	mu      sync.Mutex
	cond    *sync.Cond
	in      []byte
	inErr   error
	out     []byte
	outCap  int
	closed  bool
	writeEr error
}

// NewNonBlocking starts the helper goroutines. outCap bounds the bytes
// Write buffers before it reports a short write.
func NewNonBlocking(c net.Conn, outCap int, notify chan<- struct{}) *NonBlocking {
	nb := &NonBlocking{c: c, notify: notify, outCap: outCap}
	nb.cond = sync.NewCond(&nb.mu)
	go nb.readLoop()
	go nb.writeLoop()
	return nb
}

func (nb *NonBlocking) wake() {
	select {
	case nb.notify <- struct{}{}:
	default:
	}
}

func (nb *NonBlocking) readLoop() {
	buf := make([]byte, 32<<10)
	for {
		n, err := nb.c.Read(buf)
		nb.mu.Lock()
		nb.in = append(nb.in, buf[:n]...)
		if err != nil {
			nb.inErr = io.EOF
		}
		nb.mu.Unlock()
		nb.wake()
		if err != nil {
			return
		}
	}
}

func (nb *NonBlocking) writeLoop() {
	var chunk []byte
	for {
		nb.mu.Lock()
		for len(nb.out) == 0 && !nb.closed {
			nb.cond.Wait()
		}
		if len(nb.out) == 0 && nb.closed {
			nb.mu.Unlock()
			nb.c.Close()
			return
		}
		chunk = append(chunk[:0], nb.out...)
		nb.out = nb.out[:0]
		nb.mu.Unlock()
		_, err := nb.c.Write(chunk)
		if err != nil {
			nb.mu.Lock()
			nb.writeEr = err
			nb.mu.Unlock()
		}
		nb.wake()
	}
}

// Read returns buffered input, (0, nil) when there is none, io.EOF at end.
func (nb *NonBlocking) Read(p []byte) (int, error) {
	nb.mu.Lock()
	defer nb.mu.Unlock()
	if len(nb.in) == 0 {
		return 0, nb.inErr
	}
	n := copy(p, nb.in)
	nb.in = nb.in[:copy(nb.in, nb.in[n:])]
	return n, nil
}

// Write buffers up to the output bound and returns a short count past it.
func (nb *NonBlocking) Write(p []byte) (int, error) {
	nb.mu.Lock()
	defer nb.mu.Unlock()
	if nb.writeEr != nil {
		return 0, nb.writeEr
	}
	if nb.closed {
		return 0, net.ErrClosed
	}
	n := min(len(p), nb.outCap-len(nb.out))
	nb.out = append(nb.out, p[:n]...)
	nb.cond.Signal()
	return n, nil
}

// Close flushes buffered output, then closes the socket.
func (nb *NonBlocking) Close() error {
	nb.mu.Lock()
	nb.closed = true
	nb.cond.Signal()
	nb.mu.Unlock()
	return nil
}

// RemoteAddr implements netio.Conn.
func (nb *NonBlocking) RemoteAddr() string { return nb.c.RemoteAddr().String() }

// Poller is the part of the server a Loop drives.
type Poller interface {
	AddConn(c io.ReadWriteCloser) error
	Poll(now time.Time, budget time.Duration) time.Time
}

// Serve runs a poll loop over srv on its own goroutine, accepting from l,
// until the returned stop function is called (which waits for the loop).
func Serve(l net.Listener, srv Poller) (stop func()) {
	notify := make(chan struct{}, 1)
	conns := make(chan net.Conn)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetNoDelay(true)
			}
			select {
			case conns <- c:
			case <-done:
				c.Close()
				return
			}
		}
	}()
	go func() {
		defer close(finished)
		timer := time.NewTimer(time.Hour)
		for {
			select {
			case <-done:
				return
			case c := <-conns:
				srv.AddConn(NewNonBlocking(c, 64<<10, notify))
			case <-notify:
			case <-timer.C:
			}
			for {
				now := time.Now()
				next := srv.Poll(now, time.Millisecond)
				if next.IsZero() || next.After(now) {
					if !next.IsZero() {
						timer.Reset(next.Sub(now))
					}
					break
				}
			}
		}
	}()
	return func() {
		close(done)
		l.Close()
		<-finished
	}
}
