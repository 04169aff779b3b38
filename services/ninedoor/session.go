package ninedoor

import (
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/cohesix/cohesix/services/ticket"
)

// MaxPathDepth bounds bind/mount paths (§5.1).
const MaxPathDepth = 8

type bindEntry struct {
	to   []string // where it appears in the session
	from []string // canonical target
}

type rateWindow struct {
	start time.Time
	count uint32
}

type access uint8

// Access bits; zero is metadata only (walks and stats).
const (
	accessStat  access = 0
	accessRead  access = 1 << 0
	accessWrite access = 1 << 1
)

// session is one attached principal. Everything it does goes through begin,
// which applies revocation, ticket expiry, scopes, rates and the ops budget
// in one place so the console and 9P see identical policy.
type session struct {
	h         *Hive
	id        uint64
	role      vfs.Role
	transport vfs.Transport
	subject   string // the ticket's subject, "" without one
	claims    *ticket.Claims
	ticks     uint64 // own-telemetry records a worker session wrote (ticket ticks)

	binds []bindEntry
	files map[*file]struct{}

	closed  bool
	revoked bool

	expires time.Time

	limited        bool // a ticket was presented: quotas apply
	ops            uint64
	bandwidth      uint64
	bandwidthLimit uint64
	resumes        uint32
	resumesLimit   uint32
	advances       uint32
	advancesLimit  uint32
	rates          []rateWindow // per claims scope
}

var _ vfs.Session = (*session)(nil)

func (h *Hive) newSession(role vfs.Role, t vfs.Transport, c *ticket.Claims, now time.Time) *session {
	h.nextSession++
	s := &session{h: h, id: h.nextSession, role: role, transport: t, claims: c, files: map[*file]struct{}{}}
	if c != nil {
		if c.HasSubject {
			s.subject = c.Subject
		}
		l := h.cfg.Limits
		s.limited = true
		s.bandwidthLimit, s.resumesLimit, s.advancesLimit = l.MaxBandwidthBytes, l.MaxCursorResumes, l.MaxCursorAdvances
		if q := c.Quotas; q != nil {
			if q.BandwidthBytes != 0 {
				s.bandwidthLimit = q.BandwidthBytes
			}
			if q.CursorResumes != 0 {
				s.resumesLimit = q.CursorResumes
			}
			if q.CursorAdvances != 0 {
				s.advancesLimit = q.CursorAdvances
			}
		}
		s.rates = make([]rateWindow, len(c.Scopes))
		if exp, ok := c.ExpiresAtMs(); ok {
			if exp > uint64(1<<62) {
				exp = 1 << 62
			}
			s.expires = time.UnixMilli(int64(exp))
		}
	}
	h.sessions = append(h.sessions, s)
	return s
}

func (h *Hive) dropSession(s *session) {
	for i, x := range h.sessions {
		if x == s {
			h.sessions = append(h.sessions[:i], h.sessions[i+1:]...)
			return
		}
	}
}

func (s *session) Role() vfs.Role { return s.role }

// Close drops binds and turns open files Closed.
func (s *session) Close() {
	if s.closed {
		return
	}
	s.closed = true
	s.binds = nil
	for f := range s.files {
		f.closed = true
	}
	s.files = nil
	s.h.dropSession(s)
}

// revoke ends the session because a budget ran out; later calls are Closed.
func (s *session) revoke(reason string) {
	if s.closed {
		return
	}
	s.revoked = true
	s.h.Logf("revoked session=%d role=%s: %s", s.id, s.role, reason)
	if s.role == vfs.RoleQueen && s.h.root.reachable {
		s.h.cutRoot(CutSessionRevoked, s.id)
	}
	s.Close()
}

func joinPath(p []string) string { return "/" + strings.Join(p, "/") }

// deny audits and counts a refusal and returns it with the path filled in.
func (s *session) deny(op string, path []string, err error) error {
	e := vfs.AsError(err)
	if e.Path == "" || e.Op == "" {
		c := *e
		if c.Path == "" {
			c.Path = joinPath(path)
		}
		if c.Op == "" {
			c.Op = op
		}
		e = &c
	}
	s.h.pressure(e)
	switch e.Kind {
	case vfs.Permission, vfs.RateLimited, vfs.Expired, vfs.BufferFull, vfs.Busy:
		// Closed is not audited: a client hammering a revoked session
		// would otherwise flush the log.
		s.h.Logf("audit denied session=%d role=%s op=%s path=%s reason=%s", s.id, s.role, op, e.Path, reasonOf(e))
	}
	return e
}

// begin applies the checks every operation shares and returns the
// canonical path. counted operations (open, list) use the ops budget and
// scope rates; stat does not.
func (s *session) begin(path []string, acc access, counted bool) ([]string, error) {
	if s.closed {
		return nil, &vfs.Error{Kind: vfs.Closed, Msg: "session closed"}
	}
	now := s.h.now()
	if !s.expires.IsZero() && !now.Before(s.expires) {
		s.revoke("ticket expired")
		return nil, &vfs.Error{Kind: vfs.Expired, Tag: "expired", Msg: "ticket expired"}
	}
	if s.role == vfs.RoleQueen {
		s.h.root.lastSeen = now
	}
	// Scopes apply to the canonical path: a bind must not reach past them.
	canon := s.rewrite(path)
	if s.claims != nil && len(s.claims.Scopes) > 0 {
		var err error
		if acc == accessStat {
			err = s.checkStatScope(canon)
		} else {
			err = s.checkScope(canon, acc, counted, now)
		}
		if err != nil {
			return nil, err
		}
	}
	if counted && s.claims != nil && s.claims.HasOps {
		if s.ops >= s.claims.Ops {
			s.revoke("ops budget exhausted")
			return nil, &vfs.Error{Kind: vfs.Expired, Tag: "expired", Msg: "ops budget exhausted"}
		}
		s.ops++
	}
	return canon, nil
}

// checkStatScope lets a scoped session stat (and so walk to) any node a
// scope covers, whatever its verb, and the directories above the scopes.
func (s *session) checkStatScope(path []string) error {
	for _, sc := range s.claims.Scopes {
		p, err := parsePathLoose(sc.Path)
		if err == nil && (hasPrefix(path, p) || hasPrefix(p, path)) {
			return nil
		}
	}
	return &vfs.Error{Kind: vfs.Permission, Tag: vfs.TagScope, Msg: "no scope covers the path"}
}

func (s *session) checkScope(path []string, acc access, counted bool, now time.Time) error {
	best, bestLen := -1, -1
	for i, sc := range s.claims.Scopes {
		p, err := parsePathLoose(sc.Path)
		if err != nil || len(p) <= bestLen || !hasPrefix(path, p) {
			continue
		}
		best, bestLen = i, len(p)
	}
	if best < 0 {
		return &vfs.Error{Kind: vfs.Permission, Tag: vfs.TagScope, Msg: "no scope covers the path"}
	}
	sc := s.claims.Scopes[best]
	if acc&accessRead != 0 && !sc.Verb.AllowsRead() || acc&accessWrite != 0 && !sc.Verb.AllowsWrite() {
		return &vfs.Error{Kind: vfs.Permission, Tag: vfs.TagScope, Msg: "scope is " + sc.Verb.String()}
	}
	if counted && sc.RatePerSec > 0 {
		w := &s.rates[best]
		if w.start.IsZero() || now.Sub(w.start) >= s.h.cfg.Throttle.ScopeRateSpan || now.Before(w.start) {
			*w = rateWindow{start: now}
		}
		if w.count >= sc.RatePerSec {
			return &vfs.Error{Kind: vfs.RateLimited, Tag: vfs.TagLimit, Msg: "scope rate exceeded"}
		}
		w.count++
	}
	return nil
}

// chargeTick counts a worker session's telemetry record against its
// ticket's ticks; running out revokes the session.
func (s *session) chargeTick() error {
	if s.role == vfs.RoleQueen || s.claims == nil || !s.claims.HasTicks {
		return nil
	}
	if s.ticks >= s.claims.Ticks {
		s.revoke("tick budget exhausted")
		return &vfs.Error{Kind: vfs.Expired, Tag: "expired", Msg: "tick budget exhausted"}
	}
	s.ticks++
	return nil
}

// spend charges n bytes of bandwidth.
func (s *session) spend(n int) error {
	if !s.limited || n <= 0 {
		return nil
	}
	if s.bandwidth+uint64(n) > s.bandwidthLimit {
		return &vfs.Error{Kind: vfs.RateLimited, Tag: vfs.TagLimit, Msg: "bandwidth quota exhausted"}
	}
	s.bandwidth += uint64(n)
	return nil
}

func hasPrefix(p, prefix []string) bool {
	if len(prefix) > len(p) {
		return false
	}
	for i := range prefix {
		if p[i] != prefix[i] {
			return false
		}
	}
	return true
}

// rewrite maps a session path to the canonical namespace through the
// longest bind whose target prefixes it (§9.5: every path, every verb).
func (s *session) rewrite(p []string) []string {
	best := -1
	for i, b := range s.binds {
		if hasPrefix(p, b.to) && (best < 0 || len(b.to) > len(s.binds[best].to)) {
			best = i
		}
	}
	if best < 0 {
		return p
	}
	b := s.binds[best]
	out := make([]string, 0, len(b.from)+len(p)-len(b.to))
	out = append(out, b.from...)
	return append(out, p[len(b.to):]...)
}

// parsePath validates a bind/mount path: absolute, 1..8 components, none
// empty, ".", ".." or containing '*'.
func parsePath(s string) ([]string, error) {
	bad := func(msg string) error {
		return &vfs.Error{Kind: vfs.Invalid, Path: s, Msg: msg}
	}
	if !strings.HasPrefix(s, "/") {
		return nil, bad("path not absolute")
	}
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return nil, bad("path not UTF-8")
	}
	parts := strings.Split(s[1:], "/")
	if len(parts) < 1 || len(parts) > MaxPathDepth {
		return nil, bad("path depth out of range")
	}
	for _, c := range parts {
		if c == "" || c == "." || c == ".." || strings.Contains(c, "*") {
			return nil, bad("bad path component")
		}
	}
	return parts, nil
}

// parsePathLoose splits a scope path; "/" is the empty prefix.
func parsePathLoose(s string) ([]string, error) {
	if s == "/" {
		return nil, nil
	}
	return parsePath(strings.TrimSuffix(s, "/"))
}

func (s *session) bind(from, to string) error {
	if s.role != vfs.RoleQueen {
		return &vfs.Error{Kind: vfs.Permission, Op: "bind", Path: "/queen/ctl", Tag: vfs.TagDenied, Msg: "bind is queen-only"}
	}
	f, err := parsePath(from)
	if err != nil {
		return err
	}
	t, err := parsePath(to)
	if err != nil {
		return err
	}
	canon := s.rewrite(f)
	if _, err := s.h.lookup(canon); err != nil {
		return err
	}
	for i := range s.binds {
		if equalPath(s.binds[i].to, t) {
			s.binds[i].from = canon
			s.h.Logf("bind session=%d from=%s to=%s (rebind)", s.id, joinPath(canon), to)
			return nil
		}
	}
	if len(s.binds) >= s.h.cfg.Limits.MaxBinds {
		return &vfs.Error{Kind: vfs.BufferFull, Op: "bind", Path: to, Tag: "buffer-full", Msg: "mount table full"}
	}
	s.binds = append(s.binds, bindEntry{to: t, from: canon})
	s.h.Logf("bind session=%d from=%s to=%s", s.id, joinPath(canon), to)
	return nil
}

func (s *session) mount(service, at string) error {
	for _, m := range s.h.cfg.Mounts {
		if m.Service == service {
			return s.bind(m.Path, at)
		}
	}
	return &vfs.Error{Kind: vfs.NotFound, Op: "mount", Path: at, Msg: "unknown service " + service}
}

func equalPath(a, b []string) bool { return len(a) == len(b) && hasPrefix(a, b) }

// Stat resolves path through the mount table.
func (s *session) Stat(path []string) (vfs.Stat, error) {
	canon, err := s.begin(path, accessStat, false)
	if err != nil {
		return vfs.Stat{}, s.deny("stat", path, err)
	}
	n, err := s.h.lookup(canon)
	if err != nil {
		return vfs.Stat{}, s.deny("stat", path, err)
	}
	st := n.stat()
	if len(path) > 0 {
		st.Name = path[len(path)-1]
	}
	return st, nil
}

// List returns a directory's entries in provider order.
func (s *session) List(path []string) ([]vfs.Stat, error) {
	canon, err := s.begin(path, accessRead, true)
	if err != nil {
		return nil, s.deny("list", path, err)
	}
	n, err := s.h.lookup(canon)
	if err != nil {
		return nil, s.deny("list", path, err)
	}
	if n.mode&vfs.Dir == 0 {
		return nil, s.deny("list", path, &vfs.Error{Kind: vfs.NotFound, Msg: "not a directory"})
	}
	out := make([]vfs.Stat, 0, len(n.children))
	cost := 0
	child := append(append(make([]string, 0, len(canon)+1), canon...), "")
	for _, name := range n.children {
		child[len(child)-1] = name
		c, err := s.h.lookup(child)
		if err != nil {
			continue
		}
		out = append(out, c.stat())
		cost += len(name) + 1
	}
	if err := s.spend(cost); err != nil {
		return nil, s.deny("list", path, err)
	}
	return out, nil
}

// Open opens a node for reading (Read or Stream), appending (Append) or
// both (9P's ORDWR on a Read|Append node).
func (s *session) Open(path []string, flags vfs.OpenFlag) (vfs.File, error) {
	if flags == 0 || flags&^(vfs.OpenRead|vfs.OpenAppend) != 0 {
		return nil, s.deny("open", path, &vfs.Error{Kind: vfs.Invalid, Msg: "open for read and/or append"})
	}
	var acc access
	if flags&vfs.OpenRead != 0 {
		acc |= accessRead
	}
	if flags&vfs.OpenAppend != 0 {
		acc |= accessWrite
	}
	canon, err := s.begin(path, acc, true)
	if err != nil {
		return nil, s.deny("open", path, err)
	}
	n, err := s.h.lookup(canon)
	if err != nil {
		return nil, s.deny("open", path, err)
	}
	if acc&accessWrite != 0 {
		if n.mode&vfs.Append == 0 {
			return nil, s.deny("open", path, &vfs.Error{Kind: vfs.Permission, Tag: vfs.TagDenied, Msg: "read-only"})
		}
		if err := s.mayAppend(n, canon); err != nil {
			return nil, s.deny("open", path, err)
		}
	}
	if acc&accessRead != 0 {
		if n.mode&(vfs.Read|vfs.Stream) == 0 {
			return nil, s.deny("open", path, &vfs.Error{Kind: vfs.NotFound, Msg: "not readable"})
		}
		if n.kind == nodeTelemetry && s.limited {
			if s.resumes >= s.resumesLimit {
				return nil, s.deny("open", path, &vfs.Error{Kind: vfs.RateLimited, Tag: vfs.TagLimit, Msg: "cursor resumes exhausted"})
			}
			s.resumes++
		}
	}
	if acc&accessRead != 0 && len(canon) >= 2 && canon[0] == "proc" && canon[1] == "ingest" {
		s.h.ingest.uiReads++
		if n.watch {
			s.h.watchLine(s.h.now())
		}
	}
	f := &file{s: s, n: n, path: path, acc: acc}
	if acc&accessRead != 0 && n.content != nil {
		f.snap = n.content()
	}
	s.files[f] = struct{}{}
	return f, nil
}

// mayAppend is the role policy of §3.6: workers append only under /bus/
// and /lora/; everything else, /queen/* in particular, is queen-only.
//
// Over Secure9P a heartbeat or GPU worker whose ticket subject names a live
// worker may also append to that worker's own telemetry, and a GPU worker to
// the status file of the GPU it leased, as the reference's worker processes
// do (INTERFACES.md, milestone 3). The console keeps the §3.6 rule.
func (s *session) mayAppend(n *node, canon []string) error {
	if s.role == vfs.RoleQueen {
		return nil
	}
	if len(canon) > 1 && (canon[0] == "bus" || canon[0] == "lora") {
		return nil
	}
	if s.transport == vfs.Transport9P && s.subject != "" && (s.role == vfs.RoleWorkerHeartbeat || s.role == vfs.RoleWorkerGPU) {
		w := s.h.worker(s.subject)
		wantKind := KindHeartbeat
		if s.role == vfs.RoleWorkerGPU {
			wantKind = KindGPU
		}
		if w != nil && w.kind == wantKind {
			if n.kind == nodeTelemetry && n.w == w {
				return nil
			}
			if n.kind == nodeGPUFile && w.gpuID != "" && n.canon == "/gpu/"+w.gpuID+"/status" {
				return nil
			}
		}
	}
	return &vfs.Error{Kind: vfs.Permission, Tag: vfs.TagDenied, Msg: s.role.String() + " may not write here"}
}

// file is an open node.
type file struct {
	s      *session
	n      *node
	path   []string
	acc    access
	snap   []byte
	closed bool
	// skew maps the caller's offsets of a stream onto stream offsets; it
	// grows when the caller reads below the retained base.
	skew uint64
}

// streamOff maps off for a stream whose oldest retained byte is at base.
// A reader that started at 0 (or fell behind) jumps to the oldest retained
// byte and keeps reading contiguously with off += n.
func (f *file) streamOff(off, base uint64) uint64 {
	abs := off + f.skew
	if abs < base {
		f.skew += base - abs
		abs = base
	}
	return abs
}

func (f *file) check(op string) error {
	if f.closed || f.s.closed {
		return f.s.deny(op, f.path, &vfs.Error{Kind: vfs.Closed, Msg: "file closed"})
	}
	if f.n.w != nil && f.n.w.dead {
		return f.s.deny(op, f.path, &vfs.Error{Kind: vfs.Closed, Msg: "worker " + f.n.w.id + " is gone"})
	}
	if now := f.s.h.now(); !f.s.expires.IsZero() && !now.Before(f.s.expires) {
		f.s.revoke("ticket expired")
		return f.s.deny(op, f.path, &vfs.Error{Kind: vfs.Expired, Tag: "expired", Msg: "ticket expired"})
	}
	return nil
}

// ReadAt follows io.ReaderAt: a short read returns io.EOF. Stream offsets
// below the retained base read from the oldest retained byte, and the handle
// remembers the jump so that a sequential reader (off += n) sees each
// retained byte once.
func (f *file) ReadAt(p []byte, off uint64) (int, error) {
	if err := f.check("read"); err != nil {
		return 0, err
	}
	if f.acc&accessRead == 0 {
		return 0, f.s.deny("read", f.path, &vfs.Error{Kind: vfs.Invalid, Msg: "file opened for append"})
	}
	var n int
	switch f.n.kind {
	case nodeStatic, nodeIngestSeg:
		if off < uint64(len(f.snap)) {
			n = copy(p, f.snap[off:])
		}
	case nodeLog:
		base, data := f.n.ring.snapshot()
		if i := f.streamOff(off, base) - base; i < uint64(len(data)) {
			n = copy(p, data[i:])
		}
	case nodeTelemetry:
		r := f.n.w.ring
		n = r.readAt(p, f.streamOff(off, r.base))
	case nodeGPUFile:
		r := f.n.gfile.ring
		n = r.readAt(p, f.streamOff(off, r.base))
	case nodeHostFile:
		r := f.n.host.ring
		n = r.readAt(p, f.streamOff(off, r.base))
	}
	if n > 0 {
		if f.n.kind == nodeTelemetry && f.s.limited {
			if f.s.advances >= f.s.advancesLimit {
				return 0, f.s.deny("read", f.path, &vfs.Error{Kind: vfs.RateLimited, Tag: vfs.TagLimit, Msg: "cursor advances exhausted"})
			}
			f.s.advances++
		}
		if err := f.s.spend(n); err != nil {
			return 0, f.s.deny("read", f.path, err)
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Append applies p as one record to the node.
func (f *file) Append(p []byte) (int, error) {
	if err := f.check("append"); err != nil {
		return 0, err
	}
	if f.acc&accessWrite == 0 {
		return 0, f.s.deny("append", f.path, &vfs.Error{Kind: vfs.Invalid, Msg: "file opened for read"})
	}
	if !utf8.Valid(p) {
		return 0, f.s.deny("append", f.path, &vfs.Error{Kind: vfs.Invalid, Msg: "payload not UTF-8"})
	}
	if err := f.s.spend(len(p)); err != nil {
		return 0, f.s.deny("append", f.path, err)
	}
	h := f.s.h
	var err error
	start := h.now()
	switch f.n.kind {
	case nodeLog:
		err = h.appendLog(p)
	case nodeTelemetry:
		if err = f.s.chargeTick(); err == nil {
			err = h.appendTelemetry(f.n.w, p)
		}
	case nodeQueenCtl:
		err = h.queenCtl(f.s, p)
	case nodeLifecycleCtl:
		err = h.lifecycleCommand(string(p))
	case nodeGPUFile:
		err = f.n.gfile.append(p)
	case nodeHostFile:
		if err = f.n.host.append(p); err == nil {
			h.Logf("host write path=%s bytes=%d", f.n.canon, len(p))
		}
	case nodeIngestCtl:
		err = h.ingestCtl(f.n.device, p)
	case nodeIngestSeg:
		err = h.ingestAppend(f.n.dev, f.n.seg, p)
	default:
		err = &vfs.Error{Kind: vfs.Permission, Tag: vfs.TagDenied, Msg: "read-only"}
	}
	if f.n.kind == nodeTelemetry || f.n.kind == nodeIngestSeg {
		if err == nil {
			h.ingest.sample(h.now().Sub(start))
		} else if vfs.KindOf(err) == vfs.BufferFull || vfs.KindOf(err) == vfs.Invalid {
			h.ingest.backpressure++
		}
	}
	if err != nil {
		return 0, f.s.deny("append", f.path, err)
	}
	return len(p), nil
}

// Close releases the handle.
func (f *file) Close() error {
	if f.closed {
		return &vfs.Error{Kind: vfs.Closed, Op: "close", Path: joinPath(f.path)}
	}
	f.closed = true
	if f.s.files != nil {
		delete(f.s.files, f)
	}
	return nil
}

// appendLog adds ECHOed lines to /log/queen.log as user lines.
func (h *Hive) appendLog(p []byte) error {
	lines := strings.Split(strings.TrimRight(string(p), "\n"), "\n")
	for _, l := range lines {
		if len(l) > h.cfg.Limits.MaxLogLineBytes {
			return &vfs.Error{Kind: vfs.BufferFull, Tag: "buffer-full", Msg: "log line too long"}
		}
	}
	n := 0
	for _, l := range lines {
		if l = strings.TrimRight(l, "\r"); l != "" {
			h.logUser(l)
			n++
		}
	}
	if n == 0 {
		return &vfs.Error{Kind: vfs.Invalid, Msg: "empty log line"}
	}
	return nil
}
