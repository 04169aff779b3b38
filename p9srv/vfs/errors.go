package vfs

import (
	"errors"
	"fmt"
)

// Kind is one entry of the documented error surface. Providers return *Error
// values with a Kind, never bare strings; each transport renders the Kind its
// own way (a 9P Rlerror errno, a console ERR line).
type Kind uint8

const (
	// KindInternal is a bug or an unexpected condition; it renders as Invalid.
	KindInternal Kind = iota
	// Permission: role, scope, lifecycle gate or a read-only target.
	Permission
	// NotFound: missing node, wrong mode for the verb, unknown worker.
	NotFound
	// Invalid: malformed JSON or command, bad UTF-8, bad transition, bad path syntax.
	Invalid
	// Busy: temporarily unavailable (a provider or bridge is not ready).
	Busy
	// TooBig: a frame or message over the negotiated msize.
	TooBig
	// Closed: a fid or file used after clunk, or a session whose ticket was revoked.
	Closed
	// RateLimited: the login lockout or a per-scope rate.
	RateLimited
	// BufferFull: a bounded table or queue is full (workers, lines, rings).
	BufferFull
	// Expired: a ticket or budget has run out.
	Expired
	// Unsupported: an operation the namespace deliberately does not offer (remove).
	Unsupported
)

var kindNames = [...]string{
	KindInternal: "Internal",
	Permission:   "Permission",
	NotFound:     "NotFound",
	Invalid:      "Invalid",
	Busy:         "Busy",
	TooBig:       "TooBig",
	Closed:       "Closed",
	RateLimited:  "RateLimited",
	BufferFull:   "BufferFull",
	Expired:      "Expired",
	Unsupported:  "Unsupported",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Linux errno values used by 9P2000.L Rlerror (the wire is Linux's numbering
// whatever the host).
const (
	EPERM      = 1
	ENOENT     = 2
	EBADF      = 9
	EAGAIN     = 11
	EBUSY      = 16
	EINVAL     = 22
	ENOSPC     = 28
	EMSGSIZE   = 90
	EOPNOTSUPP = 95
	ETIME      = 62
)

// Errno is the 9P2000.L errno a Kind renders as.
func (k Kind) Errno() uint32 {
	switch k {
	case Permission:
		return EPERM
	case NotFound:
		return ENOENT
	case Busy:
		return EBUSY
	case TooBig:
		return EMSGSIZE
	case Closed:
		return EBADF
	case RateLimited:
		return EAGAIN
	case BufferFull:
		return ENOSPC
	case Expired:
		return ETIME
	case Unsupported:
		return EOPNOTSUPP
	default:
		return EINVAL
	}
}

// Error is a namespace error: a Kind plus context.
type Error struct {
	Kind Kind
	// Op is the operation that failed ("walk", "append", "attach", ...).
	Op string
	// Path is the slash-joined path, when one is involved.
	Path string
	// Tag is the console detail tag when it is more specific than the Kind's
	// default (for example "invalid-role", "lifecycle-denied state=BOOTING",
	// "invalid-claims", "throttled delay_ms=250").
	Tag string
	// Msg is a human-readable explanation for logs and audit lines.
	Msg string
}

func (e *Error) Error() string {
	s := e.Kind.String()
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	if e.Path != "" {
		s += " " + e.Path
	}
	if e.Tag != "" {
		s += " (" + e.Tag + ")"
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

// Is makes errors.Is(err, vfs.ErrNotFound) and friends match on Kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Op == "" && t.Path == "" && t.Tag == "" && t.Msg == "" && t.Kind == e.Kind
}

// Sentinels for errors.Is; match by Kind only.
var (
	ErrPermission  = &Error{Kind: Permission}
	ErrNotFound    = &Error{Kind: NotFound}
	ErrInvalid     = &Error{Kind: Invalid}
	ErrBusy        = &Error{Kind: Busy}
	ErrTooBig      = &Error{Kind: TooBig}
	ErrClosed      = &Error{Kind: Closed}
	ErrRateLimited = &Error{Kind: RateLimited}
	ErrBufferFull  = &Error{Kind: BufferFull}
	ErrExpired     = &Error{Kind: Expired}
	ErrUnsupported = &Error{Kind: Unsupported}
)

// Errorf builds an *Error.
func Errorf(kind Kind, op, path, format string, args ...any) *Error {
	return &Error{Kind: kind, Op: op, Path: path, Msg: fmt.Sprintf(format, args...)}
}

// KindOf returns the Kind of err, KindInternal for foreign errors.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// AsError returns err as an *Error, wrapping foreign errors as KindInternal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: KindInternal, Msg: err.Error()}
}

// Console detail tags that are more specific than a Kind's default. The
// console renders Error.Tag verbatim as detail=<tag>; 9P uses only the Kind.
const (
	TagDenied          = "denied"           // Permission: bad credentials or a forbidden action
	TagInvalidRole     = "invalid-role"     // Invalid: unknown role label at attach
	TagInvalidClaims   = "invalid-claims"   // Invalid (undecodable) or BufferFull (over manifest limits)
	TagLifecycleDenied = "lifecycle-denied" // Permission; the tag is "lifecycle-denied state=<S>"
	TagUnauthenticated = "unauthenticated"  // Permission: no session for a verb that needs one
	TagScope           = "scope"            // Permission from a ticket scope: ERR <V> reason=policy path=<p> error=EPERM
	TagLimit           = "limit"            // RateLimited from a ticket quota: ERR <V> reason=quota path=<p> error=ELIMIT
	TagRootUnreachable = "root-unreachable" // Busy-like cut: ERR <V> reason=cut detail=root-unreachable
)
