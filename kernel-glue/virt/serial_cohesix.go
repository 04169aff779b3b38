//go:build cohesix

package virt

// Serial is the PL011 as a non-blocking netio.Conn: Read takes what the
// receive FIFO holds, Write puts bytes into the transmit FIFO until it is
// full.
type Serial struct{}

// Read returns the bytes waiting in the receive FIFO, (0, nil) if none.
func (Serial) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && mmioRead32(uartFR)&frRXFE == 0 {
		p[n] = byte(mmioRead32(uartDR))
		n++
	}
	return n, nil
}

// Write queues as many bytes as the transmit FIFO takes.
func (Serial) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) && mmioRead32(uartFR)&frTXFF == 0 {
		mmioWrite32(uartDR, uint32(p[n]))
		n++
	}
	return n, nil
}

// Close does nothing: the serial line is always there.
func (Serial) Close() error { return nil }

// RemoteAddr names the peer.
func (Serial) RemoteAddr() string { return "serial" }
