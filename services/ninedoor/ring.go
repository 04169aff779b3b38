package ninedoor

// byteRing is a worker's telemetry ring (§5.3): newline-terminated records
// in a fixed number of bytes, oldest bytes overwritten.
type byteRing struct {
	buf     []byte // retained bytes, oldest first; cap fixed at creation
	base    uint64 // stream offset of buf[0]
	version uint32
}

func newByteRing(capacity int) *byteRing {
	if capacity < 1 {
		capacity = 1
	}
	return &byteRing{buf: make([]byte, 0, capacity)}
}

func (r *byteRing) capacity() int { return cap(r.buf) }

// total is the number of bytes ever written.
func (r *byteRing) total() uint64 { return r.base + uint64(len(r.buf)) }

// push appends rec, which the caller has checked fits the ring, and returns
// how many old bytes it overwrote.
func (r *byteRing) push(rec []byte) (dropped int) {
	if over := len(r.buf) + len(rec) - cap(r.buf); over > 0 {
		n := copy(r.buf, r.buf[over:])
		r.buf = r.buf[:n]
		r.base += uint64(over)
		dropped = over
	}
	r.buf = append(r.buf, rec...)
	r.version++
	return dropped
}

// readAt copies retained bytes from stream offset off; offsets below the
// base read from the oldest retained byte.
func (r *byteRing) readAt(p []byte, off uint64) int {
	if off < r.base {
		off = r.base
	}
	i := off - r.base
	if i >= uint64(len(r.buf)) {
		return 0
	}
	return copy(p, r.buf[i:])
}
