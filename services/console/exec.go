package console

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/cohesix/cohesix/services/console/wire"
)

const (
	queenLog = "/log/queen.log"
	queenCtl = "/queen/ctl"

	maxDepth = 8 // path components (cohsh rejects 9 locally; so does the server)

	// Streams carry at most 64 lines of at most 256 bytes.
	maxStreamBytes = maxStreamLines * (wire.MaxLine + 1)
	maxReadBytes   = maxStreamBytes + 1
	// Binary content goes out as "b64:" + 252 base64 characters per line.
	b64Chunk = 189
)

// helpLines is the `help` text of §2.3, exactly.
var helpLines = [...]string{
	"Commands:",
	"  help  - Show this help",
	"  bi    - Show bootinfo summary",
	"  caps  - Show capability slots",
	"  mem   - Show untyped summary",
	"  ping  - Respond with pong",
	"  test  - Self-test (host-only; use cohsh)",
	"  nettest  - Run network self-test (dev-virt)",
	"  netstats - Show network counters",
	"  quit  - Exit the console session",
}

var (
	errInvalidPath = &vfs.Error{Kind: vfs.NotFound, Msg: "invalid path"}
	errStreamFull  = &vfs.Error{Kind: vfs.BufferFull, Msg: "stream exceeds 64 lines of 256 bytes"}
	errUnauth      = &vfs.Error{Kind: vfs.Permission, Tag: vfs.TagUnauthenticated}
	errCut         = &vfs.Error{Kind: vfs.Busy, Tag: vfs.TagRootUnreachable}
)

// exec runs one parsed command. Every branch emits its ack first; streams
// follow it with data lines and END, and only after every line has been
// checked against the limits, so a failed stream is a lone ERR line.
func (s *Server) exec(c *conn, cmd command, now time.Time) {
	ack := cmd.verb.ack()
	switch cmd.verb {
	case verbHelp:
		c.emit(okLine(ack, ""))
		for _, l := range helpLines {
			c.emit(l)
		}
	case verbBootInfo, verbCaps, verbMem:
		p := s.cfg.Platform
		if p == nil {
			s.refuse(c, errLine(ack, refusal("policy", "detail=", "unavailable")))
			return
		}
		var lines []string
		switch cmd.verb {
		case verbBootInfo:
			lines = p.BootInfo()
		case verbCaps:
			lines = p.Caps()
		default:
			lines = p.Mem()
		}
		s.emitInfo(c, ack, lines)
	case verbCacheLog:
		if s.cfg.CacheLog == nil {
			s.refuse(c, errLine(ack, refusal("policy", "detail=", "unsupported")))
			return
		}
		n := maxStreamLines
		if cmd.count >= 0 {
			n = min(n, cmd.count)
		}
		s.emitInfo(c, ack, s.cfg.CacheLog.CacheLog(n))
	case verbPing:
		c.emit(okLine(ack, "reply=pong"))
		c.emit("PONG")
	case verbTest:
		s.refuse(c, errLine(ack, refusal("policy", "detail=", "host-only")))
	case verbNetTest:
		switch {
		case s.cfg.Net == nil:
			s.refuse(c, errLine(ack, refusal("policy", "detail=", "unsupported")))
		case !s.cfg.Net.NetTest():
			s.refuse(c, errLine(ack, refusal("policy", "detail=", "net-disabled")))
		default:
			c.emit(okLine(ack, ""))
			c.emit("[net-selftest] triggered")
		}
	case verbNetStats:
		if s.cfg.Net == nil {
			s.refuse(c, errLine(ack, refusal("policy", "detail=", "unsupported")))
			return
		}
		s.emitInfo(c, ack, s.cfg.Net.NetStats())
	case verbQuit:
		c.emit(okLine(ack, ""))
		if c.serial {
			// The serial line stays up; only its session ends.
			s.endSession(c, true)
			return
		}
		c.quit = true
		s.startClose(c, now)
	case verbAttach:
		s.attach(c, cmd)
	case verbLog:
		if !s.isQueen(c) {
			s.refuse(c, ErrLine(ack, "", errUnauth))
			return
		}
		s.tail(c, ack, queenLog, "")
	case verbTail, verbCat, verbLs, verbEcho:
		s.namespaceVerb(c, cmd)
	case verbSpawn:
		if !s.isQueen(c) {
			s.refuse(c, ErrLine(ack, "", errUnauth))
			return
		}
		c.emit(okLine(ack, details("payload=", cmd.arg)))
		if err := appendTo(c.session, queenCtl, []byte(cmd.arg)); err != nil {
			c.emit(ErrLine(ack, "", err))
		}
	case verbKill:
		if !s.isQueen(c) {
			s.refuse(c, ErrLine(ack, "", errUnauth))
			return
		}
		c.emit(okLine(ack, details("id=", cmd.arg)))
		id, _ := json.Marshal(cmd.arg) // a string always marshals
		payload := append(append([]byte(`{"kill":`), id...), '}')
		if err := appendTo(c.session, queenCtl, payload); err != nil {
			c.emit(ErrLine(ack, "", err))
		}
	}
}

// refuse sends an ERR line the console produced itself (not one rendered
// from a Hive error, which the Hive has already counted) and reports its
// reason to the Hive's pressure counters when it keeps them.
func (s *Server) refuse(c *conn, line string) {
	c.emit(line)
	p, ok := s.hive.(PressureNoter)
	if !ok {
		return
	}
	if a, ok := wire.ParseAck(line); ok && strings.HasPrefix(a.Detail, "reason=") {
		class, _, _ := strings.Cut(a.Detail[len("reason="):], " ")
		p.NotePressure(class)
	}
}

func (s *Server) isQueen(c *conn) bool {
	return c.session != nil && c.session.Role() == vfs.RoleQueen
}

// emitInfo sends an OK ack and the lines of a platform hook, at most 64 and
// each within the line limit (longer ones are left out, never split).
func (s *Server) emitInfo(c *conn, ack string, lines []string) {
	c.emit(okLine(ack, ""))
	sent := 0
	for _, l := range lines {
		if sent == maxStreamLines {
			break
		}
		if len(l) > wire.MaxLine || strings.TrimSpace(l) == "" {
			continue
		}
		c.emit(l)
		sent++
	}
}

// attach runs ATTACH (§3.5); validation and throttling are the Hive's.
func (s *Server) attach(c *conn, cmd command) {
	ack := verbAttach.ack()
	role, ok := vfs.ParseRole(cmd.arg)
	if !ok {
		role = vfs.Role(^uint8(0)) // let the Hive throttle before invalid-role
	}
	sess, err := s.hive.Attach(vfs.AttachRequest{Role: role, Ticket: cmd.rest, Transport: vfs.TransportConsole})
	if err == nil && (!role.Valid() || sess == nil) {
		if sess != nil {
			s.hive.SessionEnded(sess, true)
			sess.Close()
		}
		err = &vfs.Error{Kind: vfs.Invalid, Op: "attach", Tag: vfs.TagInvalidRole}
	}
	if err != nil {
		c.emit(ErrLine(ack, "", err))
		return
	}
	s.endSession(c, true) // a new ATTACH replaces the session
	c.session = sess
	c.emit(okLine(ack, details("role=", sess.Role().String())))
}

// namespaceVerb runs TAIL, CAT, LS and ECHO: session, reachability and path
// syntax first, then the vfs.Session calls the 9P server would make.
func (s *Server) namespaceVerb(c *conn, cmd command) {
	ack := cmd.verb.ack()
	if c.session == nil {
		s.refuse(c, ErrLine(ack, "", errUnauth))
		return
	}
	if !s.hive.RootReachable() {
		s.refuse(c, ErrLine(ack, "", errCut))
		return
	}
	path := cmd.arg
	parts, ok := splitPath(path)
	if !ok {
		s.refuse(c, ErrLine(ack, path, errInvalidPath))
		return
	}
	switch cmd.verb {
	case verbTail:
		s.tailParts(c, ack, path, parts, "path="+path)
	case verbCat:
		s.cat(c, path, parts)
	case verbLs:
		s.ls(c, path, parts)
	case verbEcho:
		if c.session.Role() != vfs.RoleQueen && !strings.HasPrefix(path, "/bus/") && !strings.HasPrefix(path, "/lora/") {
			s.refuse(c, errLine(ack, refusal("policy", "detail=", vfs.TagDenied)))
			return
		}
		if err := appendTo(c.session, path, []byte(cmd.rest)); err != nil {
			c.emit(ErrLine(ack, path, err))
			return
		}
		c.emit(okLine(ack, details("path=", path, " bytes=", strconv.Itoa(len(cmd.rest)))))
	}
}

// splitPath validates an absolute console path: "/" or "/"-separated
// non-empty components, none "." or "..", no NUL, at most 8 deep. Paths are
// matched exactly, so a trailing "/" is invalid.
func splitPath(p string) ([]string, bool) {
	if p == "/" {
		return []string{}, true
	}
	if !strings.HasPrefix(p, "/") || !utf8.ValidString(p) || strings.IndexByte(p, 0) >= 0 {
		return nil, false
	}
	parts := strings.Split(p[1:], "/")
	if len(parts) > maxDepth {
		return nil, false
	}
	for _, c := range parts {
		if c == "" || c == "." || c == ".." {
			return nil, false
		}
	}
	return parts, true
}

// tail runs LOG (detail "") or TAIL of path.
func (s *Server) tail(c *conn, ack, path, okDetail string) {
	parts, _ := splitPath(path)
	s.tailParts(c, ack, path, parts, okDetail)
}

// tailParts sends the newest ≤64 lines of a Stream node: a one-shot
// snapshot, not a follow.
func (s *Server) tailParts(c *conn, ack, path string, parts []string, okDetail string) {
	st, err := c.session.Stat(parts)
	if err != nil {
		c.emit(ErrLine(ack, path, err))
		return
	}
	if st.Mode&vfs.Stream == 0 {
		s.refuse(c, errLine(ack, refusal("policy", "detail=", "invalid-path", " path=", path)))
		return
	}
	// Read only the newest bytes that can hold 64 lines; the first line of
	// that window may be partial and is dropped.
	var start uint64
	if st.Size > maxStreamBytes {
		start = st.Size - maxStreamBytes - 1
	}
	data, err := s.read(c.session, parts, start)
	if err != nil {
		c.emit(ErrLine(ack, path, err))
		return
	}
	if start > 0 {
		if i := strings.IndexByte(string(data), '\n'); i >= 0 {
			data = data[i+1:]
		} else {
			data = data[:0]
		}
	}
	lines := textLines(data)
	lines = lines[max(0, len(lines)-maxStreamLines):]
	if !linesFit(lines) {
		s.refuse(c, ErrLine(ack, path, errStreamFull))
		return
	}
	c.emit(okLine(ack, details(okDetail)))
	for _, l := range lines {
		c.emit(l)
	}
	c.emit("END")
}

// cat sends `OK CAT path=<p> data=<summary>`, the file's lines and END
// (§2.4). /log/queen.log sends only the summary. Binary (non-UTF-8) content
// goes out as b64: lines.
func (s *Server) cat(c *conn, path string, parts []string) {
	const ack = "CAT"
	st, err := c.session.Stat(parts)
	if err != nil {
		c.emit(ErrLine(ack, path, err))
		return
	}
	if st.Mode&vfs.Read == 0 {
		s.refuse(c, ErrLine(ack, path, errInvalidPath))
		return
	}
	if path == queenLog {
		// Open checks read access (and scope) without streaming bytes.
		f, err := c.session.Open(parts, vfs.OpenRead)
		if err != nil {
			c.emit(ErrLine(ack, path, err))
			return
		}
		f.Close()
		summary := catSummary(path, queenLogCandidates(s.hive.LogLines()))
		c.emit(okLine(ack, details("path=", path, " data=", summary)))
		c.emit("END")
		return
	}
	data, err := s.read(c.session, parts, 0)
	if err != nil {
		c.emit(ErrLine(ack, path, err))
		return
	}
	var lines []string
	if utf8.Valid(data) {
		lines = textLines(data)
	} else {
		lines = b64Lines(data)
	}
	if len(data) > maxStreamBytes || len(lines) > maxStreamLines || !linesFit(lines) {
		s.refuse(c, ErrLine(ack, path, errStreamFull))
		return
	}
	c.emit(okLine(ack, details("path=", path, " data=", catSummary(path, lines))))
	for _, l := range lines {
		c.emit(l)
	}
	c.emit("END")
}

// ls sends `OK LS path=<p> entries=<n>`, one name per line in server order,
// and END; more than 64 entries is buffer-full.
func (s *Server) ls(c *conn, path string, parts []string) {
	const ack = "LS"
	ents, err := c.session.List(parts)
	if err != nil {
		c.emit(ErrLine(ack, path, err))
		return
	}
	if len(ents) > maxStreamLines {
		s.refuse(c, ErrLine(ack, path, errStreamFull))
		return
	}
	for _, e := range ents {
		if len(e.Name) > wire.MaxLine || strings.TrimSpace(e.Name) == "" {
			s.refuse(c, ErrLine(ack, path, errStreamFull))
			return
		}
	}
	c.emit(okLine(ack, details("path=", path, " entries=", strconv.Itoa(len(ents)))))
	for _, e := range ents {
		c.emit(e.Name)
	}
	c.emit("END")
}

// read returns up to maxReadBytes of a node from off, in s.scratch.
func (s *Server) read(sess vfs.Session, parts []string, off uint64) ([]byte, error) {
	f, err := sess.Open(parts, vfs.OpenRead)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := s.scratch[:maxReadBytes]
	n := 0
	for n < len(buf) {
		m, err := f.ReadAt(buf[n:], off+uint64(n))
		n += m
		if err == io.EOF || (err == nil && m == 0) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return buf[:n], nil
}

// appendTo appends payload to path as one record.
func appendTo(sess vfs.Session, path string, payload []byte) error {
	parts, ok := splitPath(path)
	if !ok {
		return errInvalidPath
	}
	f, err := sess.Open(parts, vfs.OpenAppend)
	if err != nil {
		return err
	}
	_, err = f.Append(payload)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return err
}

// textLines splits data on \n, dropping a trailing \r and blank lines: the
// console never sends an empty or whitespace-only line.
func textLines(data []byte) []string {
	var lines []string
	for len(data) > 0 {
		i := indexByte(data, '\n')
		var l []byte
		if i < 0 {
			l, data = data, nil
		} else {
			l, data = data[:i], data[i+1:]
		}
		if n := len(l); n > 0 && l[n-1] == '\r' {
			l = l[:n-1]
		}
		if strings.TrimSpace(string(l)) == "" {
			continue
		}
		lines = append(lines, string(l))
	}
	return lines
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// b64Lines encodes binary content as "b64:" lines of ≤252 base64 characters.
func b64Lines(data []byte) []string {
	var lines []string
	for len(data) > 0 {
		n := min(len(data), b64Chunk)
		lines = append(lines, "b64:"+base64.StdEncoding.EncodeToString(data[:n]))
		data = data[n:]
	}
	return lines
}

// linesFit reports whether every line is within the 256-byte line limit.
// Longer data lines are never split or cut: the whole stream is refused
// with reason=quota detail=buffer-full (§6).
func linesFit(lines []string) bool {
	for _, l := range lines {
		if len(l) > wire.MaxLine {
			return false
		}
	}
	return true
}
