// Package memconn is an in-memory implementation of the netio seams: a pair of
// bounded, non-blocking byte pipes and a listener that hands out their server
// ends. Tests, benchmarks and in-process transports use it to drive a console
// server exactly as a socket would, including short writes when a peer stops
// reading.
package memconn

import (
	"errors"
	"io"
	"sync"

	"github.com/cohesix/cohesix/services/netio"
)

// ErrClosed is returned by operations on a closed end.
var ErrClosed = errors.New("memconn: use of closed connection")

// pipe is one direction: bytes written by one end, read by the other.
type pipe struct {
	buf    []byte
	limit  int
	closed bool // the writing end has closed
}

// Conn is one end of a Pipe. It is safe for concurrent use, so a test may
// drive the client end from another goroutine.
type Conn struct {
	mu     *sync.Mutex
	rx, tx *pipe
	name   string
	closed *bool
	peer   *bool
}

var _ netio.Conn = (*Conn)(nil)

// Pipe returns two connected ends, each direction buffering at most limit
// bytes. Names are what RemoteAddr reports on each end.
func Pipe(limit int, clientName, serverName string) (client, server *Conn) {
	mu := new(sync.Mutex)
	up := &pipe{limit: limit}   // client -> server
	down := &pipe{limit: limit} // server -> client
	var cClosed, sClosed bool
	client = &Conn{mu: mu, rx: down, tx: up, name: serverName, closed: &cClosed, peer: &sClosed}
	server = &Conn{mu: mu, rx: up, tx: down, name: clientName, closed: &sClosed, peer: &cClosed}
	return client, server
}

// Read returns buffered bytes, (0, nil) when none are ready, and io.EOF once
// the peer has closed and everything it wrote has been read.
func (c *Conn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if *c.closed {
		return 0, ErrClosed
	}
	if len(c.rx.buf) == 0 {
		if c.rx.closed {
			return 0, io.EOF
		}
		return 0, nil
	}
	n := copy(p, c.rx.buf)
	c.rx.buf = c.rx.buf[:copy(c.rx.buf, c.rx.buf[n:])]
	return n, nil
}

// Write accepts as many bytes as fit in the pipe; it never blocks.
func (c *Conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if *c.closed {
		return 0, ErrClosed
	}
	if *c.peer {
		return 0, io.ErrClosedPipe
	}
	n := min(len(p), c.tx.limit-len(c.tx.buf))
	c.tx.buf = append(c.tx.buf, p[:n]...)
	return n, nil
}

// Close closes this end; the peer reads what is left and then io.EOF. Close
// is idempotent.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	*c.closed = true
	c.tx.closed = true
	return nil
}

// Closed reports whether this end has been closed.
func (c *Conn) Closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return *c.closed
}

// PeerClosed reports whether the other end has been closed.
func (c *Conn) PeerClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return *c.peer
}

// Buffered is the number of bytes waiting to be read on this end.
func (c *Conn) Buffered() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.rx.buf)
}

// RemoteAddr names the peer.
func (c *Conn) RemoteAddr() string { return c.name }

// Listener queues the server ends of dialed pipes until Accept takes them.
type Listener struct {
	mu      sync.Mutex
	addr    string
	limit   int
	pending []*Conn
	dialed  int
	closed  bool
}

var _ netio.Listener = (*Listener)(nil)

// NewListener returns a listener whose pipes buffer limit bytes per direction.
func NewListener(addr string, limit int) *Listener {
	return &Listener{addr: addr, limit: limit}
}

// Dial connects a new client, returning its end.
func (l *Listener) Dial() (*Conn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	l.dialed++
	client, server := Pipe(l.limit, "mem-client", l.addr)
	l.pending = append(l.pending, server)
	return client, nil
}

// Accept returns the oldest pending server end, or (nil, nil).
func (l *Listener) Accept() (netio.Conn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	if len(l.pending) == 0 {
		return nil, nil
	}
	c := l.pending[0]
	l.pending = l.pending[1:]
	return c, nil
}

// Addr is the name given to NewListener.
func (l *Listener) Addr() string { return l.addr }

// Close stops accepting; pending connections are closed.
func (l *Listener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	for _, c := range l.pending {
		c.Close()
	}
	l.pending = nil
	return nil
}
