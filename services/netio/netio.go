// Package netio defines the non-blocking byte-stream seams that services see.
//
// Every embedding supplies these: the hosted one over OS sockets and stdio,
// the image over gVisor endpoints and the PL011. Nothing here blocks: a task
// polled by the event pump calls them, gets what is ready, and returns.
package netio

import "io"

// Conn is one non-blocking byte stream.
//
// Read returns (0, nil) when no bytes are ready and io.EOF once the peer has
// closed. Write may accept fewer bytes than offered, returning (n, nil) with
// n < len(p) when the send buffer is full; the caller keeps the rest and
// retries on a later poll. Close is idempotent.
type Conn interface {
	io.ReadWriteCloser
	// RemoteAddr names the peer for logs ("127.0.0.1:40312", "serial").
	RemoteAddr() string
}

// Listener accepts connections without blocking.
type Listener interface {
	// Accept returns (nil, nil) when no connection is pending.
	Accept() (Conn, error)
	// Addr is the bound address ("127.0.0.1:31337").
	Addr() string
	Close() error
}
