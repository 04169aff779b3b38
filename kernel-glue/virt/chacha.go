package virt

import "math/bits"

// stream is a ChaCha20 keystream (RFC 8439) used as the platform's random
// source once keyed from boot entropy. It is called from the runtime's
// readRandom, so it must not allocate.
type stream struct {
	state [16]uint32
	block [64]byte
	used  int // bytes of block already handed out; 64 = empty
}

// key sets the 256-bit key and 96-bit nonce and restarts the counter.
func (s *stream) key(key *[32]byte, nonce *[12]byte) {
	s.state[0], s.state[1], s.state[2], s.state[3] = 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574
	for i := 0; i < 8; i++ {
		s.state[4+i] = le32(key[4*i:])
	}
	s.state[12] = 0
	for i := 0; i < 3; i++ {
		s.state[13+i] = le32(nonce[4*i:])
	}
	s.used = 64
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func quarter(a, b, c, d uint32) (uint32, uint32, uint32, uint32) {
	a += b
	d = bits.RotateLeft32(d^a, 16)
	c += d
	b = bits.RotateLeft32(b^c, 12)
	a += b
	d = bits.RotateLeft32(d^a, 8)
	c += d
	b = bits.RotateLeft32(b^c, 7)
	return a, b, c, d
}

// refill computes the next block and advances the counter.
func (s *stream) refill() {
	x := s.state
	for i := 0; i < 10; i++ {
		x[0], x[4], x[8], x[12] = quarter(x[0], x[4], x[8], x[12])
		x[1], x[5], x[9], x[13] = quarter(x[1], x[5], x[9], x[13])
		x[2], x[6], x[10], x[14] = quarter(x[2], x[6], x[10], x[14])
		x[3], x[7], x[11], x[15] = quarter(x[3], x[7], x[11], x[15])
		x[0], x[5], x[10], x[15] = quarter(x[0], x[5], x[10], x[15])
		x[1], x[6], x[11], x[12] = quarter(x[1], x[6], x[11], x[12])
		x[2], x[7], x[8], x[13] = quarter(x[2], x[7], x[8], x[13])
		x[3], x[4], x[9], x[14] = quarter(x[3], x[4], x[9], x[14])
	}
	for i := range x {
		v := x[i] + s.state[i]
		s.block[4*i], s.block[4*i+1], s.block[4*i+2], s.block[4*i+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	s.state[12]++
	if s.state[12] == 0 {
		s.state[13]++ // never reached in practice: 256 GiB per key
	}
	s.used = 0
}

// read fills p with keystream.
func (s *stream) read(p []byte) {
	for len(p) > 0 {
		if s.used == 64 {
			s.refill()
		}
		n := copy(p, s.block[s.used:])
		s.used += n
		p = p[n:]
	}
}

// mixSeed folds entropy into a 32-byte key with a ChaCha20 block keyed by
// the previous key, so every input byte affects every key byte.
func mixSeed(key *[32]byte, in []byte) {
	for len(in) > 0 {
		var nonce [12]byte
		n := copy(nonce[:], in)
		in = in[n:]
		var s stream
		s.key(key, &nonce)
		s.read(key[:])
	}
}
