package p9srv_test

import (
	"io"
	"net"
	"sync"
	"time"
)

// NonBlocking adapts a net.Conn to the services/netio non-blocking
// contract for tests (the image gets non-blocking sockets from its
// embedding). A reader
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

// newNonBlocking starts the helper goroutines. outCap bounds the bytes
// Write buffers before it reports a short write.
func newNonBlocking(c net.Conn, outCap int, notify chan<- struct{}) *NonBlocking {
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

// poller is the part of the server serveLoop drives.
type poller interface {
	AddConn(c io.ReadWriteCloser) error
	Poll(now time.Time, budget time.Duration) time.Time
}

// serveLoop runs a poll loop over srv on its own goroutine, accepting from l,
// until the returned stop function is called (which waits for the loop).
func serveLoop(l net.Listener, srv poller) (stop func()) {
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
				srv.AddConn(newNonBlocking(c, 64<<10, notify))
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
