// Package proto is the 9P2000.L wire codec of the Secure9P server.
//
// It is hand-written so the image links no 9P library and every decode is
// strict and bounded: a frame's declared size must equal the bytes given,
// every string and count must fit inside the frame, and no bytes may trail
// the last field. Decoding never allocates more than the frame it is given
// (strings are copied out of it; counts are checked against what remains
// before anything is allocated), so a caller that caps frames at msize caps
// the decoder's memory too.
//
// Only the messages the server speaks have bodies here. Other 9P2000.L type
// numbers are named (so the server can answer them with a precise Rlerror)
// but not decoded.
package proto

import (
	"encoding/binary"
	"strconv"
	"unicode/utf8"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// Type is a 9P message type number.
type Type uint8

// 9P2000.L message types. T-messages are even, their R-message is T+1.
const (
	Tlerror      Type = 6 // never sent; Rlerror is the error reply
	Rlerror      Type = 7
	Tstatfs      Type = 8
	Rstatfs      Type = 9
	Tlopen       Type = 12
	Rlopen       Type = 13
	Tlcreate     Type = 14
	Tsymlink     Type = 16
	Tmknod       Type = 18
	Trename      Type = 20
	Treadlink    Type = 22
	Tgetattr     Type = 24
	Rgetattr     Type = 25
	Tsetattr     Type = 26
	Txattrwalk   Type = 30
	Txattrcreate Type = 32
	Treaddir     Type = 40
	Rreaddir     Type = 41
	Tfsync       Type = 50
	Tlock        Type = 52
	Tgetlock     Type = 54
	Tlink        Type = 70
	Tmkdir       Type = 72
	Trenameat    Type = 74
	Tunlinkat    Type = 76
	Tversion     Type = 100
	Rversion     Type = 101
	Tauth        Type = 102
	Rauth        Type = 103
	Tattach      Type = 104
	Rattach      Type = 105
	Terror       Type = 106 // 9P2000 only; never valid in 9P2000.L
	Tflush       Type = 108
	Rflush       Type = 109
	Twalk        Type = 110
	Rwalk        Type = 111
	Tread        Type = 116
	Rread        Type = 117
	Twrite       Type = 118
	Rwrite       Type = 119
	Tclunk       Type = 120
	Rclunk       Type = 121
	Tremove      Type = 122
	Rremove      Type = 123
)

var typeNames = map[Type]string{
	Rlerror: "Rlerror", Tstatfs: "Tstatfs", Rstatfs: "Rstatfs", Tlopen: "Tlopen", Rlopen: "Rlopen",
	Tlcreate: "Tlcreate", Tsymlink: "Tsymlink", Tmknod: "Tmknod", Trename: "Trename",
	Treadlink: "Treadlink", Tgetattr: "Tgetattr", Rgetattr: "Rgetattr", Tsetattr: "Tsetattr",
	Txattrwalk: "Txattrwalk", Txattrcreate: "Txattrcreate", Treaddir: "Treaddir", Rreaddir: "Rreaddir",
	Tfsync: "Tfsync", Tlock: "Tlock", Tgetlock: "Tgetlock", Tlink: "Tlink", Tmkdir: "Tmkdir",
	Trenameat: "Trenameat", Tunlinkat: "Tunlinkat", Tversion: "Tversion", Rversion: "Rversion",
	Tauth: "Tauth", Rauth: "Rauth", Tattach: "Tattach", Rattach: "Rattach", Tflush: "Tflush",
	Rflush: "Rflush", Twalk: "Twalk", Rwalk: "Rwalk", Tread: "Tread", Rread: "Rread",
	Twrite: "Twrite", Rwrite: "Rwrite", Tclunk: "Tclunk", Rclunk: "Rclunk", Tremove: "Tremove",
	Rremove: "Rremove",
}

func (t Type) String() string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return "Type(" + itoa(uint64(t)) + ")"
}

// Wire constants.
const (
	// HeaderSize is size[4] type[1] tag[2].
	HeaderSize = 7
	// NoTag is the tag of Tversion.
	NoTag uint16 = 0xFFFF
	// NoFid is the "no fid" value (the afid of an unauthenticated attach).
	NoFid uint32 = 0xFFFFFFFF
	// MaxWalkElems is the protocol's limit on names in one Twalk.
	MaxWalkElems = 16
	// RreadHeader is the bytes an Rread or Rreaddir adds before its data.
	RreadHeader = HeaderSize + 4
	// IOHeader is the largest I/O message header (Twrite: 7+4+8+4, rounded
	// up as Linux's P9_IOHDRSZ), so iounit = msize - IOHeader.
	IOHeader = 24
	// Version is the only protocol version the server speaks.
	Version = "9P2000.L"
	// VersionUnknown is the Rversion answer to any other version string.
	VersionUnknown = "unknown"
)

// Qid types.
const (
	QTDIR  uint8 = 0x80
	QTFILE uint8 = 0x00
)

// Qid is the server's identity of a node.
type Qid struct {
	Type    uint8
	Version uint32
	Path    uint64
}

// QidSize is the wire size of a Qid.
const QidSize = 13

// Msg is a decoded 9P message body.
type Msg interface {
	Type() Type
	appendBody(b []byte) []byte
	decodeBody(d *decoder)
}

func errInvalid(msg string) error {
	return &vfs.Error{Kind: vfs.Invalid, Op: "decode", Msg: msg}
}

// Header reads a frame's size, type and tag. It needs only HeaderSize bytes.
func Header(b []byte) (size uint32, t Type, tag uint16, ok bool) {
	if len(b) < HeaderSize {
		return 0, 0, 0, false
	}
	return binary.LittleEndian.Uint32(b), Type(b[4]), binary.LittleEndian.Uint16(b[5:]), true
}

// New returns an empty message of type t, or nil if the codec has no body
// for t.
func New(t Type) Msg {
	switch t {
	case Tversion:
		return new(TversionMsg)
	case Rversion:
		return new(RversionMsg)
	case Tauth:
		return new(TauthMsg)
	case Rauth:
		return new(RauthMsg)
	case Tattach:
		return new(TattachMsg)
	case Rattach:
		return new(RattachMsg)
	case Rlerror:
		return new(RlerrorMsg)
	case Tflush:
		return new(TflushMsg)
	case Rflush:
		return new(RflushMsg)
	case Twalk:
		return new(TwalkMsg)
	case Rwalk:
		return new(RwalkMsg)
	case Tlopen:
		return new(TlopenMsg)
	case Rlopen:
		return new(RlopenMsg)
	case Tread:
		return new(TreadMsg)
	case Rread:
		return new(RreadMsg)
	case Twrite:
		return new(TwriteMsg)
	case Rwrite:
		return new(RwriteMsg)
	case Tclunk:
		return new(TclunkMsg)
	case Rclunk:
		return new(RclunkMsg)
	case Tremove:
		return new(TremoveMsg)
	case Rremove:
		return new(RremoveMsg)
	case Tgetattr:
		return new(TgetattrMsg)
	case Rgetattr:
		return new(RgetattrMsg)
	case Treaddir:
		return new(TreaddirMsg)
	case Rreaddir:
		return new(RreaddirMsg)
	case Tstatfs:
		return new(TstatfsMsg)
	case Rstatfs:
		return new(RstatfsMsg)
	}
	return nil
}

// Decode decodes one whole frame (size header included). The declared size
// must equal len(frame) and the body must be consumed exactly. Type numbers
// the codec has no body for are an Invalid error; the caller that wants to
// answer them specially reads Header first.
func Decode(frame []byte) (tag uint16, m Msg, err error) {
	size, t, tag, ok := Header(frame)
	if !ok {
		return 0, nil, errInvalid("frame shorter than its header")
	}
	if uint64(size) != uint64(len(frame)) {
		return tag, nil, errInvalid("declared size " + itoa(uint64(size)) + " != frame length " + itoa(uint64(len(frame))))
	}
	m = New(t)
	if m == nil {
		return tag, nil, errInvalid("unknown message type " + itoa(uint64(t)))
	}
	if err := DecodeBody(frame[HeaderSize:], m); err != nil {
		return tag, nil, err
	}
	return tag, m, nil
}

// DecodeBody decodes body (the bytes after the header) into m, strictly.
// It switches on m's concrete type rather than calling through the
// interface so neither m nor the decoder escapes to the heap.
func DecodeBody(body []byte, m Msg) error {
	d := decoder{b: body}
	var t Type
	switch m := m.(type) {
	case *TversionMsg:
		m.decodeBody(&d)
		t = Tversion
	case *RversionMsg:
		m.decodeBody(&d)
		t = Rversion
	case *TauthMsg:
		m.decodeBody(&d)
		t = Tauth
	case *RauthMsg:
		m.decodeBody(&d)
		t = Rauth
	case *TattachMsg:
		m.decodeBody(&d)
		t = Tattach
	case *RattachMsg:
		m.decodeBody(&d)
		t = Rattach
	case *RlerrorMsg:
		m.decodeBody(&d)
		t = Rlerror
	case *TflushMsg:
		m.decodeBody(&d)
		t = Tflush
	case *RflushMsg:
		m.decodeBody(&d)
		t = Rflush
	case *TwalkMsg:
		m.decodeBody(&d)
		t = Twalk
	case *RwalkMsg:
		m.decodeBody(&d)
		t = Rwalk
	case *TlopenMsg:
		m.decodeBody(&d)
		t = Tlopen
	case *RlopenMsg:
		m.decodeBody(&d)
		t = Rlopen
	case *TreadMsg:
		m.decodeBody(&d)
		t = Tread
	case *RreadMsg:
		m.decodeBody(&d)
		t = Rread
	case *TwriteMsg:
		m.decodeBody(&d)
		t = Twrite
	case *RwriteMsg:
		m.decodeBody(&d)
		t = Rwrite
	case *TclunkMsg:
		m.decodeBody(&d)
		t = Tclunk
	case *RclunkMsg:
		m.decodeBody(&d)
		t = Rclunk
	case *TremoveMsg:
		m.decodeBody(&d)
		t = Tremove
	case *RremoveMsg:
		m.decodeBody(&d)
		t = Rremove
	case *TgetattrMsg:
		m.decodeBody(&d)
		t = Tgetattr
	case *RgetattrMsg:
		m.decodeBody(&d)
		t = Rgetattr
	case *TreaddirMsg:
		m.decodeBody(&d)
		t = Treaddir
	case *RreaddirMsg:
		m.decodeBody(&d)
		t = Rreaddir
	case *TstatfsMsg:
		m.decodeBody(&d)
		t = Tstatfs
	case *RstatfsMsg:
		m.decodeBody(&d)
		t = Rstatfs
	default:
		return errInvalid("no decoder for this message")
	}
	if d.err != "" {
		return errInvalid(t.String() + ": " + d.err)
	}
	if d.off != len(d.b) {
		return errInvalid(t.String() + ": " + itoa(uint64(len(d.b)-d.off)) + " trailing bytes")
	}
	return nil
}

// Append appends the encoded frame of m with tag to dst. Like DecodeBody
// it switches on the concrete type so m does not escape.
func Append(dst []byte, tag uint16, m Msg) []byte {
	start := len(dst)
	switch m := m.(type) {
	case *TversionMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Tversion), byte(tag), byte(tag>>8)))
	case *RversionMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Rversion), byte(tag), byte(tag>>8)))
	case *TauthMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Tauth), byte(tag), byte(tag>>8)))
	case *RauthMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Rauth), byte(tag), byte(tag>>8)))
	case *TattachMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Tattach), byte(tag), byte(tag>>8)))
	case *RattachMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Rattach), byte(tag), byte(tag>>8)))
	case *RlerrorMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Rlerror), byte(tag), byte(tag>>8)))
	case *TflushMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Tflush), byte(tag), byte(tag>>8)))
	case *RflushMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Rflush), byte(tag), byte(tag>>8)))
	case *TwalkMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Twalk), byte(tag), byte(tag>>8)))
	case *RwalkMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Rwalk), byte(tag), byte(tag>>8)))
	case *TlopenMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Tlopen), byte(tag), byte(tag>>8)))
	case *RlopenMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Rlopen), byte(tag), byte(tag>>8)))
	case *TreadMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Tread), byte(tag), byte(tag>>8)))
	case *RreadMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Rread), byte(tag), byte(tag>>8)))
	case *TwriteMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Twrite), byte(tag), byte(tag>>8)))
	case *RwriteMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Rwrite), byte(tag), byte(tag>>8)))
	case *TclunkMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Tclunk), byte(tag), byte(tag>>8)))
	case *RclunkMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Rclunk), byte(tag), byte(tag>>8)))
	case *TremoveMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Tremove), byte(tag), byte(tag>>8)))
	case *RremoveMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Rremove), byte(tag), byte(tag>>8)))
	case *TgetattrMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Tgetattr), byte(tag), byte(tag>>8)))
	case *RgetattrMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Rgetattr), byte(tag), byte(tag>>8)))
	case *TreaddirMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Treaddir), byte(tag), byte(tag>>8)))
	case *RreaddirMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Rreaddir), byte(tag), byte(tag>>8)))
	case *TstatfsMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Tstatfs), byte(tag), byte(tag>>8)))
	case *RstatfsMsg:
		dst = m.appendBody(append(dst, 0, 0, 0, 0, byte(Rstatfs), byte(tag), byte(tag>>8)))
	default:
		panic("proto: Append of a foreign Msg")
	}
	binary.LittleEndian.PutUint32(dst[start:], uint32(len(dst)-start))
	return dst
}

// PutHeader writes a header for a frame of size bytes into b[:HeaderSize].
func PutHeader(b []byte, size uint32, t Type, tag uint16) {
	binary.LittleEndian.PutUint32(b, size)
	b[4] = byte(t)
	binary.LittleEndian.PutUint16(b[5:], tag)
}

// decoder reads little-endian fields; the first failure sticks.
type decoder struct {
	b   []byte
	off int
	err string
}

func (d *decoder) need(n int) bool {
	if d.err != "" {
		return false
	}
	if n < 0 || len(d.b)-d.off < n {
		d.err = "truncated"
		return false
	}
	return true
}

func (d *decoder) u8() uint8 {
	if !d.need(1) {
		return 0
	}
	v := d.b[d.off]
	d.off++
	return v
}

func (d *decoder) u16() uint16 {
	if !d.need(2) {
		return 0
	}
	v := binary.LittleEndian.Uint16(d.b[d.off:])
	d.off += 2
	return v
}

func (d *decoder) u32() uint32 {
	if !d.need(4) {
		return 0
	}
	v := binary.LittleEndian.Uint32(d.b[d.off:])
	d.off += 4
	return v
}

func (d *decoder) u64() uint64 {
	if !d.need(8) {
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b[d.off:])
	d.off += 8
	return v
}

func (d *decoder) bytes(n int) []byte {
	if !d.need(n) {
		return nil
	}
	v := d.b[d.off : d.off+n : d.off+n]
	d.off += n
	return v
}

func (d *decoder) str() string {
	n := int(d.u16())
	return string(d.bytes(n))
}

func (d *decoder) qid() Qid {
	return Qid{Type: d.u8(), Version: d.u32(), Path: d.u64()}
}

func (d *decoder) fail(msg string) {
	if d.err == "" {
		d.err = msg
	}
}

func appendU16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func appendU32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func appendU64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }

// appendStr writes a 9P string; callers keep strings under 64 KiB (every
// string the server sends is a short constant or a validated name).
func appendStr(b []byte, s string) []byte {
	b = appendU16(b, uint16(len(s)))
	return append(b, s...)
}

func appendQid(b []byte, q Qid) []byte {
	b = append(b, q.Type)
	b = appendU32(b, q.Version)
	return appendU64(b, q.Path)
}

// SpeaksVersion reports whether a client's Tversion string can be answered
// with Version: exactly "9P2000.L", or an extension of it ("9P2000.L.<x>",
// such as gVisor's "9P2000.L.Google.7"), which 9P lets a server answer with
// the base version it speaks. Anything else is answered VersionUnknown.
func SpeaksVersion(v string) bool {
	return v == Version || (len(v) > len(Version) && v[:len(Version)+1] == Version+".")
}

// ValidName reports whether s is an acceptable walk component: non-empty,
// at most 255 bytes, valid UTF-8, no NUL or '/', and not "." or "..".
func ValidName(s string) (ok bool, why string) {
	switch {
	case s == "":
		return false, "empty component"
	case len(s) > 255:
		return false, "component longer than 255 bytes"
	case s == ".":
		return false, `"." component`
	case s == "..":
		return false, `".." component`
	case !utf8.ValidString(s):
		return false, "component is not UTF-8"
	}
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return false, "NUL in component"
		}
		if s[i] == '/' {
			return false, "'/' in component"
		}
	}
	return true, ""
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }
