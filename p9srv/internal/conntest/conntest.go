// Package conntest supplies an in-memory non-blocking connection for
// driving the Secure9P server in tests, fuzzing and benchmarks without
// goroutines or sockets. (The TCP adapter the interop tests use lives in
// p9srv's test files, since it needs helper goroutines.)
package conntest

import (
	"bytes"
	"io"
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
