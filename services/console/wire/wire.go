// Package wire is the console's framing and acknowledgement grammar, shared by
// the console server and every client (cohsh, coh, tests) so both sides agree
// byte for byte. See docs/USERLAND_AND_CLI.md and the console protocol spec.
package wire

import (
	"encoding/binary"
	"errors"
	"strings"
)

const (
	// HeaderLen is the size of the little-endian u32 length prefix, which
	// counts itself.
	HeaderLen = 4
	// MaxFrame is the largest declared frame length either side accepts.
	MaxFrame = 8192
	// MaxLine is the longest line the server accepts and emits.
	MaxLine = 256
	// MaxDetail is the longest ack detail the server emits.
	MaxDetail = 128
)

// ErrFrameLength reports a declared length outside HeaderLen..MaxFrame.
var ErrFrameLength = errors.New("invalid frame length")

// AppendFrame appends line as one frame to dst.
func AppendFrame(dst []byte, line string) []byte {
	var h [HeaderLen]byte
	binary.LittleEndian.PutUint32(h[:], uint32(HeaderLen+len(line)))
	dst = append(dst, h[:]...)
	return append(dst, line...)
}

// Frame returns line as one frame.
func Frame(line string) []byte { return AppendFrame(make([]byte, 0, HeaderLen+len(line)), line) }

// Next extracts the first complete frame from buf. It returns the payload
// (aliasing buf), the number of bytes consumed, and ok=false when buf does not
// yet hold a whole frame. A declared length below HeaderLen or above MaxFrame
// is ErrFrameLength with declared set, so a server can decide to skip it.
func Next(buf []byte) (payload []byte, consumed int, declared uint32, ok bool, err error) {
	if len(buf) < HeaderLen {
		return nil, 0, 0, false, nil
	}
	declared = binary.LittleEndian.Uint32(buf)
	if declared < HeaderLen || declared > MaxFrame {
		return nil, 0, declared, false, ErrFrameLength
	}
	if uint32(len(buf)) < declared {
		return nil, 0, declared, false, nil
	}
	return buf[HeaderLen:declared], int(declared), declared, true, nil
}

// Ack is a parsed "OK VERB detail" or "ERR VERB detail" line.
type Ack struct {
	OK     bool
	Verb   string
	Detail string // empty when absent
}

// String renders the ack line.
func (a Ack) String() string {
	s := "ERR "
	if a.OK {
		s = "OK "
	}
	s += a.Verb
	if a.Detail != "" {
		s += " " + a.Detail
	}
	return s
}

// ParseAck recognises an ack exactly as the reference client does: trim,
// split on single spaces into at most three parts, the first exactly OK or
// ERR, a verb required, the trimmed rest the detail.
func ParseAck(line string) (Ack, bool) {
	line = strings.TrimSpace(line)
	parts := strings.SplitN(line, " ", 3)
	if len(parts) < 2 || parts[1] == "" {
		return Ack{}, false
	}
	var a Ack
	switch parts[0] {
	case "OK":
		a.OK = true
	case "ERR":
	default:
		return Ack{}, false
	}
	a.Verb = parts[1]
	if len(parts) == 3 {
		a.Detail = strings.TrimSpace(parts[2])
	}
	return a, true
}

// IsEnd reports whether line terminates a stream.
func IsEnd(line string) bool { return strings.TrimSpace(line) == "END" }

// IsPong reports whether line is the keepalive reply text.
func IsPong(line string) bool { return strings.TrimSpace(line) == "PONG" }

// TrimLine strips the trailing CR/LF a receiver must tolerate.
func TrimLine(payload []byte) string { return strings.TrimRight(string(payload), "\r\n") }
