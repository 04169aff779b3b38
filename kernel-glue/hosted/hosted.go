//go:build linux

// Package hosted is the platform of the hosted embedding: the rootserver as
// an ordinary Linux process. It gives the event pump what the image gets from
// the PL011, the generic timer and the network stack: a clock, a way to idle
// until something happens, non-blocking TCP sockets and a serial console on
// stdin/stdout.
//
// Everything is polled from the pump's single loop. Sockets are non-blocking
// and registered edge-triggered with one epoll instance; Wait sleeps in
// epoll_wait until a registered descriptor changes state or the deadline
// passes. Because every task is polled on every wake-up and a task that stops
// short of draining its input asks to be polled again at once, edge
// triggering loses nothing.
package hosted

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// Clock is the host's wall clock.
type Clock struct{}

// Now returns the current time.
func (Clock) Now() time.Time { return time.Now() }

// Loop owns the epoll instance every descriptor of this package registers with.
type Loop struct {
	epfd   int
	events []unix.EpollEvent
	// ready counts descriptors that epoll cannot watch (regular files on
	// stdin) and that therefore are always considered ready until EOF.
	ready int
	// Wakeups counts returns from Wait, for /proc counters and tests.
	Wakeups uint64
}

// NewLoop creates the epoll instance.
func NewLoop() (*Loop, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("hosted: epoll_create1: %w", err)
	}
	return &Loop{epfd: fd, events: make([]unix.EpollEvent, 64)}, nil
}

// Close releases the epoll instance.
func (l *Loop) Close() error { return unix.Close(l.epfd) }

// Wait blocks until a registered descriptor becomes readable or writable, or
// deadline passes. A zero deadline waits for I/O only.
func (l *Loop) Wait(deadline time.Time) {
	l.Wakeups++
	timeout := -1
	if l.ready > 0 {
		timeout = 0
	} else if !deadline.IsZero() {
		d := time.Until(deadline)
		if d <= 0 {
			timeout = 0
		} else {
			// Round up so we never wake a hair early and spin.
			timeout = int((d + time.Millisecond - 1) / time.Millisecond)
		}
	}
	for {
		_, err := unix.EpollWait(l.epfd, l.events, timeout)
		if err != unix.EINTR {
			return
		}
	}
}

func (l *Loop) register(fd int) error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET, Fd: int32(fd)}
	return unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &ev)
}

func (l *Loop) unregister(fd int) {
	_ = unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, fd, nil)
}

// Listener is a non-blocking TCP listener (services/netio.Listener).
type Listener struct {
	loop *Loop
	fd   int
	addr string
}

// Listen binds a TCP listener on hostport ("127.0.0.1:31337", "[::1]:0",
// "localhost:31337", ":31337"). Port 0 picks a free port; Addr reports it.
func (l *Loop) Listen(hostport string) (*Listener, error) {
	sa, family, err := parseAddr(hostport)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("hosted: socket: %w", err)
	}
	fail := func(op string, err error) (*Listener, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("hosted: %s %s: %w", op, hostport, err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fail("setsockopt", err)
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	if err := unix.Listen(fd, 16); err != nil {
		return fail("listen", err)
	}
	if err := l.register(fd); err != nil {
		return fail("epoll_ctl", err)
	}
	bound, err := unix.Getsockname(fd)
	if err != nil {
		return fail("getsockname", err)
	}
	return &Listener{loop: l, fd: fd, addr: sockaddrString(bound)}, nil
}

// Accept returns the next pending connection, or (nil, nil) if none is.
func (ln *Listener) Accept() (*Conn, error) {
	for {
		nfd, sa, err := unix.Accept4(ln.fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		switch {
		case err == unix.EAGAIN:
			return nil, nil
		case err == unix.EINTR || err == unix.ECONNABORTED:
			continue
		case err != nil:
			return nil, fmt.Errorf("hosted: accept on %s: %w", ln.addr, err)
		}
		// The console is a line protocol of small frames: do not let Nagle
		// hold back a reply waiting for the next one.
		_ = unix.SetsockoptInt(nfd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		if err := ln.loop.register(nfd); err != nil {
			unix.Close(nfd)
			return nil, fmt.Errorf("hosted: epoll_ctl: %w", err)
		}
		return &Conn{loop: ln.loop, rfd: nfd, wfd: nfd, remote: sockaddrString(sa), watched: true}, nil
	}
}

// Addr is the bound address.
func (ln *Listener) Addr() string { return ln.addr }

// Close stops listening.
func (ln *Listener) Close() error {
	if ln.fd < 0 {
		return nil
	}
	ln.loop.unregister(ln.fd)
	err := unix.Close(ln.fd)
	ln.fd = -1
	return err
}

// Conn is a non-blocking byte stream (services/netio.Conn) over a socket or
// over a pair of descriptors (stdin/stdout).
type Conn struct {
	loop     *Loop
	rfd, wfd int
	remote   string
	watched  bool // registered with epoll (false: always-ready file)
	eof      bool
	closed   bool
	ownFDs   bool
}

var errClosed = errors.New("hosted: use of closed connection")

// Read returns ready bytes, (0, nil) if none are ready, io.EOF at end.
func (c *Conn) Read(p []byte) (int, error) {
	if c.closed {
		return 0, errClosed
	}
	if c.eof {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	for {
		n, err := unix.Read(c.rfd, p)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return 0, nil
		case err != nil:
			return 0, fmt.Errorf("hosted: read %s: %w", c.remote, err)
		case n == 0:
			c.markEOF()
			return 0, io.EOF
		}
		return n, nil
	}
}

func (c *Conn) markEOF() {
	if !c.eof && !c.watched {
		c.loop.ready--
	}
	c.eof = true
}

// Write writes what the socket accepts now and reports how much that was.
func (c *Conn) Write(p []byte) (int, error) {
	if c.closed {
		return 0, errClosed
	}
	total := 0
	for total < len(p) {
		n, err := unix.Write(c.wfd, p[total:])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return total, nil
		case err != nil:
			return total, fmt.Errorf("hosted: write %s: %w", c.remote, err)
		}
		total += n
	}
	return total, nil
}

// RemoteAddr names the peer.
func (c *Conn) RemoteAddr() string { return c.remote }

// Close closes the connection; it is idempotent.
func (c *Conn) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	if !c.watched && !c.eof {
		c.loop.ready--
	}
	if c.watched {
		c.loop.unregister(c.rfd)
		if c.wfd != c.rfd {
			c.loop.unregister(c.wfd)
		}
	}
	if c.rfd == c.wfd {
		return unix.Close(c.rfd)
	}
	if !c.ownFDs {
		// Hand the process's stdio back in the mode we found it in, so
		// the shell that started us is not left with a non-blocking tty.
		_ = unix.SetNonblock(c.rfd, false)
		_ = unix.SetNonblock(c.wfd, false)
		return nil
	}
	unix.Close(c.wfd)
	return unix.Close(c.rfd)
}

// Stdio returns the serial console of the hosted embedding: stdin for input
// and stdout for output, both switched to non-blocking mode. The descriptors
// stay open when the Conn is closed, since the process still owns them.
func (l *Loop) Stdio() (*Conn, error) {
	return l.pipeConn(int(os.Stdin.Fd()), int(os.Stdout.Fd()), "serial", false)
}

// PipeConn wraps two descriptors (read side, write side) as a Conn that owns
// and closes them. Tests use it with os.Pipe.
func (l *Loop) PipeConn(rfd, wfd int, name string) (*Conn, error) {
	return l.pipeConn(rfd, wfd, name, true)
}

func (l *Loop) pipeConn(rfd, wfd int, name string, own bool) (*Conn, error) {
	for _, fd := range []int{rfd, wfd} {
		if err := unix.SetNonblock(fd, true); err != nil {
			return nil, fmt.Errorf("hosted: set nonblock on %s fd %d: %w", name, fd, err)
		}
	}
	c := &Conn{loop: l, rfd: rfd, wfd: wfd, remote: name, watched: true, ownFDs: own}
	if err := l.register(rfd); err != nil {
		if err != unix.EPERM {
			return nil, fmt.Errorf("hosted: epoll_ctl %s: %w", name, err)
		}
		// Regular files and /dev/null cannot be watched: they are always
		// readable, so the loop must not sleep while one has unread data.
		c.watched = false
		l.ready++
	}
	if wfd != rfd && c.watched {
		if err := l.register(wfd); err != nil && err != unix.EPERM && err != unix.EEXIST {
			return nil, fmt.Errorf("hosted: epoll_ctl %s: %w", name, err)
		}
	}
	return c, nil
}

func parseAddr(hostport string) (unix.Sockaddr, int, error) {
	host, portStr, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, 0, fmt.Errorf("hosted: bad listen address %q: %w", hostport, err)
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, 0, fmt.Errorf("hosted: bad port in %q", hostport)
	}
	var ip netip.Addr
	switch host {
	case "", "0.0.0.0":
		ip = netip.IPv4Unspecified()
	case "localhost":
		ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	default:
		ip, err = netip.ParseAddr(host)
		if err != nil {
			return nil, 0, fmt.Errorf("hosted: bad host in %q (want an IP address or localhost)", hostport)
		}
	}
	if ip.Is4() {
		return &unix.SockaddrInet4{Port: int(port), Addr: ip.As4()}, unix.AF_INET, nil
	}
	return &unix.SockaddrInet6{Port: int(port), Addr: ip.As16()}, unix.AF_INET6, nil
}

func sockaddrString(sa unix.Sockaddr) string {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port)).String()
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port)).String()
	default:
		return "unknown"
	}
}
