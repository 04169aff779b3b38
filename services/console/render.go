package console

import (
	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/cohesix/cohesix/services/console/wire"
)

// detail builds an ack detail the way the reference formats into a fixed
// 128-byte buffer: pieces are appended whole, and the first piece that does
// not fit is dropped together with everything after it. So
// "reason=policy " + an inner detail that is too long renders as
// "reason=policy " with the trailing space, exactly as the reference does.
type detail struct {
	buf  [wire.MaxDetail]byte
	n    int
	full bool
}

func (d *detail) put(pieces ...string) {
	for _, p := range pieces {
		if d.full {
			return
		}
		if d.n+len(p) > len(d.buf) {
			d.full = true
			return
		}
		d.n += copy(d.buf[d.n:], p)
	}
}

func (d *detail) String() string { return string(d.buf[:d.n]) }

// details joins pieces into one bounded detail.
func details(pieces ...string) string {
	var d detail
	d.put(pieces...)
	return d.String()
}

// refusal is the detail of an ERR line: "reason=<r>" followed by the inner
// detail, each formatted into 128 bytes like the reference's emit_refusal.
func refusal(reason string, inner ...string) string {
	var d detail
	d.put("reason=", reason)
	if len(inner) > 0 {
		d.put(" ", details(inner...))
	}
	return d.String()
}

// okLine and errLine render ack lines. Verbs are at most 8 bytes and details
// at most 128, so an ack always fits the 256-byte line limit.
func okLine(verb, detail string) string {
	return wire.Ack{OK: true, Verb: verb, Detail: detail}.String()
}
func errLine(verb, detail string) string { return wire.Ack{Verb: verb, Detail: detail}.String() }

// kindRendering is the §6 table: the reason, the default detail tag and the
// error text a Kind renders as.
func kindRendering(k vfs.Kind) (reason, tag, text string) {
	switch k {
	case vfs.Permission, vfs.Closed:
		// Closed is a revoked ticket or a handle used after the session
		// ended; to the operator that is a refusal like any other.
		return "policy", vfs.TagDenied, "EPERM"
	case vfs.NotFound:
		return "policy", "invalid-path", "invalid path"
	case vfs.BufferFull, vfs.TooBig:
		return "quota", "buffer-full", "buffer full"
	case vfs.RateLimited:
		return "quota", "rate-limited", "ELIMIT"
	case vfs.Expired:
		return "quota", "expired", "expired"
	case vfs.Busy:
		return "busy", "attach-timeout", "attach handshake timed out"
	case vfs.Unsupported:
		return "policy", "unsupported", "unsupported command"
	default: // Invalid and Internal
		return "policy", "invalid-payload", "invalid payload"
	}
}

// ErrLine renders err, returned while serving verb (the upper-case ack label)
// on path, as the console ERR line of CONSOLE_PROTOCOL.md §6. path is empty
// for verbs that do not name one (ATTACH, SPAWN, KILL); non-*vfs.Error errors
// render as Invalid.
//
//   - vfs.TagScope:          ERR <V> reason=policy path=<p> error=EPERM
//   - vfs.TagLimit:          ERR <V> reason=quota path=<p> error=ELIMIT
//   - vfs.TagRootUnreachable ERR <V> reason=cut detail=root-unreachable
//   - vfs.TagUnauthenticated ERR <V> reason=policy detail=unauthenticated
//   - ATTACH:                ERR ATTACH reason=<r> detail=<tag> (§3.5; Busy adds error=)
//   - Busy elsewhere:        ERR <V> reason=busy detail=busy [path=<p>] error=EBUSY
//   - otherwise:             ERR <V> reason=<r> detail=<tag> [path=<p>] error=<text>
//
// The reason always follows the Kind; Error.Tag, when set, replaces the
// Kind's default detail tag.
func ErrLine(verb, path string, err error) string {
	e := vfs.AsError(err)
	switch e.Tag {
	case vfs.TagScope:
		return errLine(verb, refusal("policy", pathPieces(path, "error=", "EPERM")...))
	case vfs.TagLimit:
		return errLine(verb, refusal("quota", pathPieces(path, "error=", "ELIMIT")...))
	case vfs.TagRootUnreachable:
		return errLine(verb, refusal("cut", "detail=", vfs.TagRootUnreachable))
	case vfs.TagUnauthenticated:
		return errLine(verb, refusal("policy", "detail=", vfs.TagUnauthenticated))
	}
	reason, tag, text := kindRendering(e.Kind)
	if e.Tag != "" {
		tag = e.Tag
	}
	if e.Kind == vfs.Unsupported && e.Op != "" {
		text = "unsupported command: " + e.Op
	}
	if verb == verbAttach.ack() {
		if e.Kind == vfs.Busy {
			return errLine(verb, refusal(reason, "detail=", tag, " error=", text))
		}
		return errLine(verb, refusal(reason, "detail=", tag))
	}
	if e.Kind == vfs.Busy && e.Tag == "" {
		// attach-timeout only makes sense for ATTACH; elsewhere Busy is a
		// provider that is not ready (spawn gpu without a GPU provider).
		tag, text = "busy", "EBUSY"
	}
	inner := []string{"detail=", tag}
	if path != "" {
		inner = append(inner, " path=", path)
	}
	inner = append(inner, " error=", text)
	return errLine(verb, refusal(reason, inner...))
}

// pathPieces is "path=<p> " + rest, or just rest when there is no path.
func pathPieces(path string, rest ...string) []string {
	if path == "" {
		return rest
	}
	return append([]string{"path=", path, " "}, rest...)
}
