// Package ticket encodes, mints and verifies Cohesix capability tickets
// (CONSOLE_PROTOCOL.md §3.2).
//
// A ticket is
//
//	"cohesix-ticket-" hex(payload) "." hex(mac)
//
// where payload is the little-endian claims encoding below and
// mac = BLAKE3-keyed(K, payload) with K = BLAKE3-256(secret). The payload
// layout is
//
//	version u8 (=1) | role u8 | flags u8
//	[ticks u64] [ops u64] [ttl_s u64]        flags 0x01, 0x02, 0x04
//	[subject str]                            flag 0x08
//	issued_at_ms u64 | mount service str | mount at str
//	[scopes: count u8 (<=16), {path str, verb u8, rate_per_s u32}...]  flag 0x10
//	[quotas: bandwidth u64, cursor_resumes u32, cursor_advances u32]    flag 0x20
//
// with str = u16 length (<=255) + UTF-8 bytes. Trailing bytes are rejected.
package ticket

import (
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/zeebo/blake3"
)

// Prefix starts every ticket.
const Prefix = "cohesix-ticket-"

// Version is the only claims version accepted.
const Version = 1

// Encoding limits of the claims layout.
const (
	MaxStringLen = 255 // subject, mount fields and scope paths
	MaxScopes    = 16  // scopes per ticket in the encoding (the manifest may allow fewer)
	MACSize      = 32
)

// Flag bits of the claims' flags byte.
const (
	FlagTicks   = 0x01
	FlagOps     = 0x02
	FlagTTL     = 0x04
	FlagSubject = 0x08
	FlagScopes  = 0x10
	FlagQuotas  = 0x20
)

// ScopeVerb is what a scope grants.
type ScopeVerb uint8

// Scope verbs as encoded.
const (
	ScopeRead ScopeVerb = iota
	ScopeWrite
	ScopeReadWrite
)

func (v ScopeVerb) String() string {
	switch v {
	case ScopeRead:
		return "read"
	case ScopeWrite:
		return "write"
	case ScopeReadWrite:
		return "read-write"
	}
	return fmt.Sprintf("ScopeVerb(%d)", uint8(v))
}

// AllowsRead reports whether the verb grants read access.
func (v ScopeVerb) AllowsRead() bool { return v == ScopeRead || v == ScopeReadWrite }

// AllowsWrite reports whether the verb grants write access.
func (v ScopeVerb) AllowsWrite() bool { return v == ScopeWrite || v == ScopeReadWrite }

// Scope restricts a ticket to a path prefix.
type Scope struct {
	Path       string
	Verb       ScopeVerb
	RatePerSec uint32 // 0 = unlimited
}

// Quotas are per-ticket resource limits; 0 means unset (the manifest default applies).
type Quotas struct {
	BandwidthBytes uint64
	CursorResumes  uint32
	CursorAdvances uint32
}

// Claims is the decoded ticket payload.
//
// Optional integers carry explicit Has flags so that a zero value ("ttl 0",
// always expired) is distinct from an absent one. Scopes are encoded (flag
// 0x10) when the slice is non-empty and Quotas (flag 0x20) when non-nil, so
// every ticket minted by the reference re-encodes byte-identically.
type Claims struct {
	Role vfs.Role

	HasTicks bool
	Ticks    uint64
	HasOps   bool
	Ops      uint64
	HasTTL   bool
	TTL      uint64 // seconds after IssuedAtMs

	HasSubject bool
	Subject    string

	IssuedAtMs uint64

	MountService string
	MountAt      string

	Scopes []Scope
	Quotas *Quotas
}

// ExpiresAtMs returns the Unix ms at which the ticket expires and whether it
// carries a ttl at all.
func (c Claims) ExpiresAtMs() (uint64, bool) {
	if !c.HasTTL {
		return 0, false
	}
	ttlMs := c.TTL * 1000
	if c.TTL != 0 && ttlMs/1000 != c.TTL || c.IssuedAtMs+ttlMs < c.IssuedAtMs {
		return ^uint64(0), true // saturate: never within reach
	}
	return c.IssuedAtMs + ttlMs, true
}

// Expired reports whether a ttl is present and nowMs >= issued_at + ttl (§3.5 step 6).
func (c Claims) Expired(nowMs uint64) bool {
	exp, ok := c.ExpiresAtMs()
	return ok && nowMs >= exp
}

// Errors returned by this package. They wrap into *vfs.Error values by the
// caller; these are the reasons.
var (
	ErrMalformed  = errors.New("ticket: malformed")
	ErrBadMAC     = errors.New("ticket: MAC mismatch")
	ErrTruncated  = errors.New("ticket: claims truncated")
	ErrTrailing   = errors.New("ticket: claims have trailing bytes")
	ErrVersion    = errors.New("ticket: unsupported claims version")
	ErrRole       = errors.New("ticket: unsupported role")
	ErrScopeVerb  = errors.New("ticket: invalid scope verb")
	ErrTooMany    = errors.New("ticket: too many scopes")
	ErrStringLen  = errors.New("ticket: string field too long")
	ErrStringUTF8 = errors.New("ticket: string field not UTF-8")
)

// Key derives the MAC key K = BLAKE3-256(secret).
func Key(secret string) [32]byte {
	return blake3.Sum256([]byte(secret))
}

// MAC computes BLAKE3-keyed(key, payload).
func MAC(key [32]byte, payload []byte) [MACSize]byte {
	h, err := blake3.NewKeyed(key[:])
	if err != nil {
		panic(err) // only fails for keys that are not 32 bytes
	}
	h.Write(payload)
	var out [MACSize]byte
	h.Sum(out[:0])
	return out
}

// Encode returns the claims payload.
func Encode(c Claims) ([]byte, error) {
	if !c.Role.Valid() {
		return nil, fmt.Errorf("%w: %d", ErrRole, c.Role)
	}
	if len(c.Scopes) > MaxScopes {
		return nil, ErrTooMany
	}
	var flags byte
	if c.HasTicks {
		flags |= FlagTicks
	}
	if c.HasOps {
		flags |= FlagOps
	}
	if c.HasTTL {
		flags |= FlagTTL
	}
	if c.HasSubject {
		flags |= FlagSubject
	}
	if len(c.Scopes) > 0 {
		flags |= FlagScopes
	}
	if c.Quotas != nil {
		flags |= FlagQuotas
	}
	b := make([]byte, 0, 64)
	b = append(b, Version, byte(c.Role), flags)
	if c.HasTicks {
		b = binary.LittleEndian.AppendUint64(b, c.Ticks)
	}
	if c.HasOps {
		b = binary.LittleEndian.AppendUint64(b, c.Ops)
	}
	if c.HasTTL {
		b = binary.LittleEndian.AppendUint64(b, c.TTL)
	}
	var err error
	if c.HasSubject {
		if b, err = appendString(b, c.Subject); err != nil {
			return nil, fmt.Errorf("subject: %w", err)
		}
	}
	b = binary.LittleEndian.AppendUint64(b, c.IssuedAtMs)
	if b, err = appendString(b, c.MountService); err != nil {
		return nil, fmt.Errorf("mount service: %w", err)
	}
	if b, err = appendString(b, c.MountAt); err != nil {
		return nil, fmt.Errorf("mount at: %w", err)
	}
	if len(c.Scopes) > 0 {
		b = append(b, byte(len(c.Scopes)))
		for i, s := range c.Scopes {
			if s.Verb > ScopeReadWrite {
				return nil, fmt.Errorf("scope %d: %w: %d", i, ErrScopeVerb, s.Verb)
			}
			if b, err = appendString(b, s.Path); err != nil {
				return nil, fmt.Errorf("scope %d path: %w", i, err)
			}
			b = append(b, byte(s.Verb))
			b = binary.LittleEndian.AppendUint32(b, s.RatePerSec)
		}
	}
	if q := c.Quotas; q != nil {
		b = binary.LittleEndian.AppendUint64(b, q.BandwidthBytes)
		b = binary.LittleEndian.AppendUint32(b, q.CursorResumes)
		b = binary.LittleEndian.AppendUint32(b, q.CursorAdvances)
	}
	return b, nil
}

func appendString(b []byte, s string) ([]byte, error) {
	if len(s) > MaxStringLen {
		return nil, ErrStringLen
	}
	if !utf8.ValidString(s) {
		return nil, ErrStringUTF8
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...), nil
}

// decoder reads the claims layout; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.err = ErrTruncated
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) u8() byte {
	if p := d.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (d *decoder) u16() uint16 {
	if p := d.take(2); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if p := d.take(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if p := d.take(8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

func (d *decoder) str() string {
	n := d.u16()
	if d.err != nil {
		return ""
	}
	if n > MaxStringLen {
		d.err = ErrStringLen
		return ""
	}
	p := d.take(int(n))
	if d.err != nil {
		return ""
	}
	if !utf8.Valid(p) {
		d.err = ErrStringUTF8
		return ""
	}
	return string(p)
}

// DecodeClaims parses a claims payload. Unknown flag bits are ignored, as
// the reference does; everything else that does not fit the layout exactly
// is an error.
func DecodeClaims(payload []byte) (Claims, error) {
	d := &decoder{b: payload}
	var c Claims
	if v := d.u8(); d.err == nil && v != Version {
		return Claims{}, fmt.Errorf("%w: %d", ErrVersion, v)
	}
	role := d.u8()
	if d.err == nil && !vfs.Role(role).Valid() {
		return Claims{}, fmt.Errorf("%w: %d", ErrRole, role)
	}
	c.Role = vfs.Role(role)
	flags := d.u8()
	if flags&FlagTicks != 0 {
		c.HasTicks, c.Ticks = true, d.u64()
	}
	if flags&FlagOps != 0 {
		c.HasOps, c.Ops = true, d.u64()
	}
	if flags&FlagTTL != 0 {
		c.HasTTL, c.TTL = true, d.u64()
	}
	if flags&FlagSubject != 0 {
		c.HasSubject, c.Subject = true, d.str()
	}
	c.IssuedAtMs = d.u64()
	c.MountService = d.str()
	c.MountAt = d.str()
	if flags&FlagScopes != 0 {
		n := int(d.u8())
		if d.err == nil && n > MaxScopes {
			return Claims{}, ErrTooMany
		}
		c.Scopes = make([]Scope, 0, n)
		for i := 0; i < n && d.err == nil; i++ {
			var s Scope
			s.Path = d.str()
			s.Verb = ScopeVerb(d.u8())
			if d.err == nil && s.Verb > ScopeReadWrite {
				return Claims{}, fmt.Errorf("scope %d: %w: %d", i, ErrScopeVerb, s.Verb)
			}
			s.RatePerSec = d.u32()
			c.Scopes = append(c.Scopes, s)
		}
	}
	if flags&FlagQuotas != 0 {
		c.Quotas = &Quotas{BandwidthBytes: d.u64(), CursorResumes: d.u32(), CursorAdvances: d.u32()}
	}
	if d.err != nil {
		return Claims{}, d.err
	}
	if len(d.b) != 0 {
		return Claims{}, fmt.Errorf("%w: %d bytes", ErrTrailing, len(d.b))
	}
	return c, nil
}

// Mint encodes c and signs it with secret's key.
func Mint(c Claims, secret string) (string, error) {
	payload, err := Encode(c)
	if err != nil {
		return "", err
	}
	mac := MAC(Key(secret), payload)
	return Prefix + hex.EncodeToString(payload) + "." + hex.EncodeToString(mac[:]), nil
}

// Split parses the ticket envelope into payload and MAC bytes without
// decoding the claims. Hex of either case is accepted.
func Split(ticket string) (payload, mac []byte, err error) {
	rest, ok := strings.CutPrefix(ticket, Prefix)
	if !ok {
		return nil, nil, fmt.Errorf("%w: missing prefix", ErrMalformed)
	}
	ph, mh, ok := strings.Cut(rest, ".")
	if !ok {
		return nil, nil, fmt.Errorf("%w: missing '.'", ErrMalformed)
	}
	if payload, err = hex.DecodeString(ph); err != nil {
		return nil, nil, fmt.Errorf("%w: payload hex", ErrMalformed)
	}
	if mac, err = hex.DecodeString(mh); err != nil {
		return nil, nil, fmt.Errorf("%w: mac hex", ErrMalformed)
	}
	if len(mac) != MACSize {
		return nil, nil, fmt.Errorf("%w: mac is %d bytes", ErrMalformed, len(mac))
	}
	return payload, mac, nil
}

// Parse splits and decodes a ticket without checking its MAC (for clients,
// which do not hold the secret).
func Parse(ticket string) (claims Claims, payload, mac []byte, err error) {
	payload, mac, err = Split(ticket)
	if err != nil {
		return Claims{}, nil, nil, err
	}
	claims, err = DecodeClaims(payload)
	return claims, payload, mac, err
}

// CheckMAC reports whether mac authenticates payload under secret.
func CheckMAC(payload, mac []byte, secret string) bool {
	want := MAC(Key(secret), payload)
	return subtle.ConstantTimeCompare(want[:], mac) == 1
}

// Verify checks the MAC with secret's key and then decodes the claims.
// An envelope or MAC failure returns ErrMalformed or ErrBadMAC; a valid MAC
// over undecodable claims returns the decoding error. The server needs the
// distinction (denied vs invalid-claims, §3.5).
func Verify(ticket, secret string) (Claims, error) {
	payload, mac, err := Split(ticket)
	if err != nil {
		return Claims{}, err
	}
	if !CheckMAC(payload, mac, secret) {
		return Claims{}, ErrBadMAC
	}
	return DecodeClaims(payload)
}

// IsCredentialError reports whether err means the ticket itself is not
// authentic (bad envelope or MAC) rather than authentic with bad claims.
func IsCredentialError(err error) bool {
	return errors.Is(err, ErrMalformed) || errors.Is(err, ErrBadMAC)
}
