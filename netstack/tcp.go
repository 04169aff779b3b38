package netstack

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/waiter"
)

// ErrClosed is returned by operations on a closed listener or connection.
var ErrClosed = errors.New("netstack: use of closed endpoint")

// Error is a gVisor endpoint error with the operation that met it.
type Error struct {
	Op  string
	Err tcpip.Error
}

func (e *Error) Error() string { return "netstack: " + e.Op + ": " + e.Err.String() }

// Reset reports whether the peer reset the connection or it timed out.
func (e *Error) Reset() bool {
	switch e.Err.(type) {
	case *tcpip.ErrConnectionReset, *tcpip.ErrConnectionAborted, *tcpip.ErrTimeout, *tcpip.ErrConnectionRefused:
		return true
	}
	return false
}

// Listener is a non-blocking TCP listener with the method shapes of
// services/netio.Listener.
type Listener struct {
	ep     tcpip.Endpoint
	wq     waiter.Queue
	addr   string
	closed bool
}

// ListenTCP listens on the interface address at port with a backlog of
// pending connections (SYN and accept queues are bounded by it).
func (s *Stack) ListenTCP(port uint16, backlog int) (*Listener, error) {
	l := &Listener{addr: fmt.Sprintf("%s:%d", s.addr, port)}
	ep, terr := s.s.NewEndpoint(tcp.ProtocolNumber, ipv4.ProtocolNumber, &l.wq)
	if terr != nil {
		return nil, &Error{"listen " + l.addr, terr}
	}
	ep.SocketOptions().SetReuseAddress(true)
	if terr := ep.Bind(tcpip.FullAddress{NIC: NICID, Addr: s.addr, Port: port}); terr != nil {
		ep.Close()
		return nil, &Error{"bind " + l.addr, terr}
	}
	if terr := ep.Listen(backlog); terr != nil {
		ep.Close()
		return nil, &Error{"listen " + l.addr, terr}
	}
	l.ep = ep
	return l, nil
}

// Accept returns the next established connection, or (nil, nil) when none
// is pending.
func (l *Listener) Accept() (*Conn, error) {
	if l.closed {
		return nil, ErrClosed
	}
	ep, wq, terr := l.ep.Accept(nil)
	if terr != nil {
		if _, ok := terr.(*tcpip.ErrWouldBlock); ok {
			return nil, nil
		}
		return nil, &Error{"accept " + l.addr, terr}
	}
	return newConn(ep, wq), nil
}

// Addr is the bound address ("10.0.2.15:31337").
func (l *Listener) Addr() string { return l.addr }

// Close stops listening; pending connections are reset. Idempotent.
func (l *Listener) Close() error {
	if !l.closed {
		l.closed = true
		l.ep.Close()
	}
	return nil
}

// Conn is a non-blocking TCP connection with the method shapes of
// services/netio.Conn.
type Conn struct {
	ep     tcpip.Endpoint
	wq     *waiter.Queue
	remote string
	closed bool
	rd     bytes.Reader
}

func newConn(ep tcpip.Endpoint, wq *waiter.Queue) *Conn {
	c := &Conn{ep: ep, wq: wq}
	if ra, err := ep.GetRemoteAddress(); err == nil {
		c.remote = fullAddr(ra)
	}
	return c
}

func fullAddr(a tcpip.FullAddress) string {
	return netip.AddrPortFrom(netip.AddrFrom4(a.Addr.As4()), a.Port).String()
}

// DialTCP starts connecting to addr ("10.0.2.2:8080") and returns at once.
// Until the handshake completes, Read and Write return (0, nil); Connected
// tells when it has.
func (s *Stack) DialTCP(addr string) (*Conn, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().Is4() {
		return nil, fmt.Errorf("netstack: dial %q: not an IPv4 address and port", addr)
	}
	wq := new(waiter.Queue)
	ep, terr := s.s.NewEndpoint(tcp.ProtocolNumber, ipv4.ProtocolNumber, wq)
	if terr != nil {
		return nil, &Error{"dial " + addr, terr}
	}
	terr = ep.Connect(tcpip.FullAddress{NIC: NICID, Addr: tcpip.AddrFrom4(ap.Addr().As4()), Port: ap.Port()})
	if _, ok := terr.(*tcpip.ErrConnectStarted); !ok && terr != nil {
		ep.Close()
		return nil, &Error{"dial " + addr, terr}
	}
	return &Conn{ep: ep, wq: wq, remote: ap.String()}, nil
}

// Connected reports whether the connection is established (or was, and
// has since been closed by the peer with data left to read).
func (c *Conn) Connected() bool {
	if c.closed {
		return false
	}
	switch tcp.EndpointState(c.ep.State()) {
	case tcp.StateEstablished, tcp.StateFinWait1, tcp.StateFinWait2, tcp.StateTimeWait,
		tcp.StateCloseWait, tcp.StateLastAck, tcp.StateClosing:
		return true
	}
	return false
}

// Read copies received bytes into p. It returns (0, nil) when none are
// ready and io.EOF once the peer has closed and everything was read.
func (c *Conn) Read(p []byte) (int, error) {
	if c.closed {
		return 0, ErrClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	w := tcpip.SliceWriter(p)
	res, terr := c.ep.Read(&w, tcpip.ReadOptions{})
	switch terr.(type) {
	case nil:
		return res.Count, nil
	case *tcpip.ErrWouldBlock:
		return 0, nil
	case *tcpip.ErrClosedForReceive:
		return 0, io.EOF
	}
	return 0, &Error{"read " + c.remote, terr}
}

// Write queues as much of p as the send buffer takes and returns how much
// that was; (0, nil) when the buffer is full. TCP output starts at once,
// on the caller's goroutine, through the device's tx ring.
func (c *Conn) Write(p []byte) (int, error) {
	if c.closed {
		return 0, ErrClosed
	}
	if len(p) == 0 {
		return 0, nil
	}
	c.rd.Reset(p)
	n, terr := c.ep.Write(&c.rd, tcpip.WriteOptions{})
	c.rd.Reset(nil)
	switch terr.(type) {
	case nil:
		return int(n), nil
	case *tcpip.ErrWouldBlock:
		return 0, nil
	}
	return int(n), &Error{"write " + c.remote, terr}
}

// CloseWrite sends FIN after queued data; reads continue.
func (c *Conn) CloseWrite() error {
	if c.closed {
		return ErrClosed
	}
	if terr := c.ep.Shutdown(tcpip.ShutdownWrite); terr != nil {
		return &Error{"shutdown " + c.remote, terr}
	}
	return nil
}

// Close closes the connection (FIN, or RST if unread data remains, as
// with sockets). Idempotent.
func (c *Conn) Close() error {
	if !c.closed {
		c.closed = true
		c.ep.Close()
	}
	return nil
}

// RemoteAddr names the peer ("10.0.2.2:40312").
func (c *Conn) RemoteAddr() string { return c.remote }
