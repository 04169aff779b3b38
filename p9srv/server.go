package p9srv

import (
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cohesix/cohesix/p9srv/proto"
	"github.com/cohesix/cohesix/p9srv/vfs"
)

// Limits the server enforces whatever Options ask for.
const (
	// MaxMsize is the Secure9P ceiling on the negotiated message size.
	MaxMsize = 8192
	// MinMsize is the smallest msize a client may negotiate: room for the
	// largest fixed-size reply (Rgetattr, Rwalk of 16 qids) with margin.
	MinMsize = 512
	// DefaultMaxFrame is the declared frame size above which a connection is
	// closed instead of answered: nothing that large is 9P traffic from a
	// client that negotiated msize <= 8192, and skipping it would let a peer
	// keep the server reading garbage.
	DefaultMaxFrame = 1 << 20
)

// Clock reads the time; pump.Clock satisfies it.
type Clock interface{ Now() time.Time }

// ShortWritePolicy is what a connection does when its Write takes fewer
// bytes than offered (secure9p.short_write.policy).
type ShortWritePolicy uint8

const (
	// ShortWriteRetry keeps the rest and writes it when the stream takes
	// more, on a later poll (the services/netio contract).
	ShortWriteRetry ShortWritePolicy = iota
	// ShortWriteReject closes the connection on the first short write,
	// for transports where one means the peer is not keeping up.
	ShortWriteReject
)

// Options bound the server. Zero fields take the defaults in brackets.
type Options struct {
	// Msize is the largest msize the server negotiates [8192, the most allowed].
	Msize uint32
	// MaxConns bounds connections; AddConn refuses more [16].
	MaxConns int
	// MaxFids bounds the fid table of each connection [64].
	MaxFids int
	// MaxTags bounds requests in flight per connection: decoded but whose
	// reply is not yet fully written [16, secure9p.tags_per_session].
	MaxTags int
	// MaxWalkDepth bounds a fid's path from the root [8, secure9p.walk_depth].
	MaxWalkDepth int
	// RequestsPerPoll bounds requests decoded per connection per Poll [16].
	RequestsPerPoll int
	// OutputBuffer is each connection's reply buffer in bytes [4*msize];
	// at least 2*msize.
	OutputBuffer int
	// MaxFrame is the declared size above which a connection is closed
	// rather than answered TooBig [DefaultMaxFrame].
	MaxFrame uint32
	// ShortWrites selects the short-write policy [ShortWriteRetry].
	ShortWrites ShortWritePolicy
	// Clock, if set, lets Poll stop when its budget is spent. Without it
	// only RequestsPerPoll bounds a poll's work.
	Clock Clock
}

func (o Options) withDefaults() Options {
	if o.Msize == 0 || o.Msize > MaxMsize {
		o.Msize = MaxMsize
	}
	if o.Msize < MinMsize {
		o.Msize = MinMsize
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 16
	}
	if o.MaxFids <= 0 {
		o.MaxFids = 64
	}
	if o.MaxTags <= 0 {
		o.MaxTags = 16
	}
	if o.MaxWalkDepth <= 0 {
		o.MaxWalkDepth = 8
	}
	if o.RequestsPerPoll <= 0 {
		o.RequestsPerPoll = 16
	}
	if o.OutputBuffer <= 0 {
		o.OutputBuffer = 4 * int(o.Msize)
	}
	if o.OutputBuffer < 2*int(o.Msize) {
		o.OutputBuffer = 2 * int(o.Msize)
	}
	if o.MaxFrame == 0 {
		o.MaxFrame = DefaultMaxFrame
	}
	if o.MaxFrame < o.Msize {
		o.MaxFrame = o.Msize
	}
	return o
}

// Stats are the server's counters, for /proc/9p.
type Stats struct {
	Conns         int    // connections open now
	Sessions      int    // attached vfs sessions open now
	Workers       int    // of which have a worker role
	SessionsTotal uint64 // successful attaches ever
	// Outstanding is requests decoded whose replies are not yet fully
	// written; OutstandingLimit is the most there can be, MaxTags times
	// MaxConns.
	Outstanding      int
	OutstandingLimit int
	Requests         uint64 // frames decoded
	Errors           uint64 // Rlerror replies sent
	TooBig           uint64 // frames over msize answered EMSGSIZE and skipped
	ShortWrites      uint64 // Write calls that took fewer bytes than offered
	WriteRetries     uint64 // later Write calls finishing a short write
	ShortWriteCloses uint64 // connections closed by ShortWriteReject
	RefusedConns     uint64 // AddConn beyond MaxConns
	ProtocolCloses   uint64 // connections closed for an absurd frame size
	Backpressure     uint64 // polls that stopped decoding a connection on a full output or tag table
}

// Server is a Secure9P server: a single-loop task serving 9P2000.L
// connections against a vfs.Attacher. It is not safe for concurrent use;
// the event pump polls it.
type Server struct {
	att   vfs.Attacher
	opts  Options
	conns []*conn
	next  int // round-robin start for fairness under a budget
	stats Stats
}

// New returns a server authenticating through att.
func New(att vfs.Attacher, opts Options) *Server {
	return &Server{att: att, opts: opts.withDefaults()}
}

// AddConn starts serving c, which must follow the non-blocking contract of
// services/netio.Conn. Beyond MaxConns the connection is closed and a
// BufferFull error returned.
func (s *Server) AddConn(c io.ReadWriteCloser) error {
	if len(s.conns) >= s.opts.MaxConns {
		s.stats.RefusedConns++
		c.Close()
		return &vfs.Error{Kind: vfs.BufferFull, Op: "accept", Msg: "connection table full"}
	}
	s.conns = append(s.conns, newConn(s, c))
	return nil
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	st := s.stats
	st.Conns = len(s.conns)
	st.Sessions, st.Workers, st.Outstanding = 0, 0, 0
	for _, c := range s.conns {
		st.Sessions += c.sessions
		st.Workers += c.workers
		st.Outstanding += len(c.pending)
	}
	st.OutstandingLimit = s.opts.MaxTags * s.opts.MaxConns
	return st
}

// OutstandingText renders /proc/9p/outstanding.
func (st Stats) OutstandingText() string {
	return "outstanding current=" + itoa(uint64(st.Outstanding)) + " limit=" + itoa(uint64(st.OutstandingLimit)) + "\n"
}

// ShortWritesText renders /proc/9p/short_writes.
func (st Stats) ShortWritesText() string {
	return "short_writes total=" + itoa(st.ShortWrites) + " retries=" + itoa(st.WriteRetries) + "\n"
}

// Close closes every connection and its sessions.
func (s *Server) Close() {
	for _, c := range s.conns {
		c.close()
	}
	s.conns = nil
}

// Poll serves every connection: flushes pending replies, decodes and
// answers up to RequestsPerPoll requests each, and reports now if work is
// left (a cap or the budget was hit) or zero to wait for I/O.
func (s *Server) Poll(now time.Time, budget time.Duration) time.Time {
	again := false
	n := len(s.conns)
	if s.next >= n {
		s.next = 0
	}
	start := s.next
	for i := 0; i < n; i++ {
		c := s.conns[(start+i)%n]
		if c.serve() {
			again = true
		}
		if s.opts.Clock != nil && budget > 0 && s.opts.Clock.Now().Sub(now) >= budget {
			if i+1 < n {
				again = true
			}
			s.next = (start + i + 1) % n
			break
		}
	}
	// Drop closed connections, keeping order.
	kept := s.conns[:0]
	for _, c := range s.conns {
		if !c.closed {
			kept = append(kept, c)
		}
	}
	for i := len(kept); i < len(s.conns); i++ {
		s.conns[i] = nil
	}
	s.conns = kept
	if again {
		return now
	}
	return time.Time{}
}

// attachment is one vfs.Session shared by the fids walked from its attach.
type attachment struct {
	sess vfs.Session
	refs int
}

type fid struct {
	att    *attachment
	path   []string
	qid    proto.Qid
	mode   vfs.Mode
	opened bool
	flags  vfs.OpenFlag
	file   vfs.File
	dir    []vfs.Stat // listing snapshot taken at readdir offset 0
}

type pendingReply struct {
	tag uint16
	end uint64 // stream offset just past the reply
}

type conn struct {
	srv *Server
	rw  io.ReadWriteCloser

	in      []byte
	inStart int
	inEnd   int
	discard uint32 // bytes of an oversize frame still to skip
	eof     bool

	out     []byte // queued replies are out[outHead:]
	outHead int
	sent    uint64 // bytes written over the connection's life
	queued  uint64 // bytes queued over the connection's life
	short   bool   // the last Write was short

	msize uint32 // 0 until Tversion succeeds
	// pending holds the tags in flight in reply order, at most MaxTags, so
	// a scan of it is the duplicate-tag check.
	pending []pendingReply

	fids     map[uint32]*fid
	sessions int
	workers  int
	closed   bool
}

func newConn(s *Server, rw io.ReadWriteCloser) *conn {
	return &conn{
		srv:     s,
		rw:      rw,
		in:      make([]byte, 2*s.opts.Msize),
		out:     make([]byte, 0, s.opts.OutputBuffer),
		fids:    make(map[uint32]*fid),
		pending: make([]pendingReply, 0, s.opts.MaxTags),
	}
}

// serve does one poll's work and reports whether it should be polled again
// at once.
func (c *conn) serve() (again bool) {
	if c.closed {
		return false
	}
	c.flush()
	o := &c.srv.opts
	for n := 0; !c.closed; n++ {
		if n == o.RequestsPerPoll {
			again = true
			break
		}
		if !c.roomForReply() {
			c.srv.stats.Backpressure++
			// If a flush made progress the socket may take more now;
			// otherwise wait for writability.
			before := c.sent
			c.flush()
			again = c.sent != before
			break
		}
		frame := c.nextFrame()
		if frame == nil {
			break
		}
		c.handle(frame)
	}
	c.flush()
	if !c.closed && c.eof && c.outHead == len(c.out) && !c.frameBuffered() {
		c.close()
	}
	return again && !c.closed
}

func (c *conn) roomForReply() bool {
	if len(c.pending) >= c.srv.opts.MaxTags {
		return false
	}
	if cap(c.out)-len(c.out) >= int(c.srv.opts.Msize) {
		return true
	}
	if c.outHead > 0 {
		n := copy(c.out[:cap(c.out)], c.out[c.outHead:])
		c.out = c.out[:n]
		c.outHead = 0
	}
	return cap(c.out)-len(c.out) >= int(c.srv.opts.Msize)
}

// frameLimit is the largest frame accepted now: the negotiated msize, or
// the server's before Tversion.
func (c *conn) frameLimit() uint32 {
	if c.msize != 0 {
		return c.msize
	}
	return c.srv.opts.Msize
}

func (c *conn) frameBuffered() bool {
	size, _, _, ok := proto.Header(c.in[c.inStart:c.inEnd])
	return ok && c.discard == 0 && uint32(c.inEnd-c.inStart) >= size
}

// nextFrame returns the next whole frame (aliasing the input buffer until
// the next call), or nil when no whole frame is available yet. An oversize
// frame is answered TooBig, skipped, and returned as an empty frame.
func (c *conn) nextFrame() []byte {
	for !c.closed {
		if c.discard > 0 {
			drop := uint32(c.inEnd - c.inStart)
			if drop > c.discard {
				drop = c.discard
			}
			c.inStart += int(drop)
			c.discard -= drop
		}
		if c.inStart == c.inEnd {
			c.inStart, c.inEnd = 0, 0
		}
		if c.discard == 0 {
			if size, _, tag, ok := proto.Header(c.in[c.inStart:c.inEnd]); ok {
				switch {
				case size < proto.HeaderSize || size > c.srv.opts.MaxFrame:
					c.srv.stats.ProtocolCloses++
					c.close()
					return nil
				case size > c.frameLimit():
					c.srv.stats.TooBig++
					c.discard = size
					c.replyErr(tag, &vfs.Error{Kind: vfs.TooBig, Op: "frame",
						Msg: "frame of " + itoa(uint64(size)) + " bytes exceeds msize " + itoa(uint64(c.frameLimit()))}, false)
					// An empty frame counts as one request handled, so a
					// stream of oversize frames is bounded per poll too.
					return c.in[:0]
				case uint32(c.inEnd-c.inStart) >= size:
					f := c.in[c.inStart : c.inStart+int(size)]
					c.inStart += int(size)
					return f
				}
			}
		}
		if c.eof {
			return nil
		}
		if c.inStart > 0 {
			c.inEnd = copy(c.in, c.in[c.inStart:c.inEnd])
			c.inStart = 0
		}
		n, err := c.rw.Read(c.in[c.inEnd:])
		c.inEnd += n
		if err == io.EOF {
			c.eof = true
		} else if err != nil {
			c.close()
			return nil
		}
		if n == 0 && !c.eof {
			return nil
		}
	}
	return nil
}

func (c *conn) flush() {
	for !c.closed && c.outHead < len(c.out) {
		if c.short {
			c.srv.stats.WriteRetries++
		}
		n, err := c.rw.Write(c.out[c.outHead:])
		if n < 0 || n > len(c.out)-c.outHead {
			n = 0
		}
		c.outHead += n
		c.sent += uint64(n)
		if err != nil {
			c.close()
			return
		}
		c.short = c.outHead < len(c.out)
		if c.short {
			c.srv.stats.ShortWrites++
			if c.srv.opts.ShortWrites == ShortWriteReject {
				c.srv.stats.ShortWriteCloses++
				c.close()
				return
			}
			break
		}
	}
	if c.outHead == len(c.out) {
		c.out = c.out[:0]
		c.outHead = 0
	}
	// Release the tags of replies now fully written.
	i := 0
	for i < len(c.pending) && c.pending[i].end <= c.sent {
		i++
	}
	if i > 0 {
		c.pending = append(c.pending[:0], c.pending[i:]...)
	}
}

func (c *conn) tagged(tag uint16) bool {
	for _, p := range c.pending {
		if p.tag == tag {
			return true
		}
	}
	return false
}

// replied records the reply just queued for tag; track says whether it
// holds a tag slot until written.
func (c *conn) replied(tag uint16, start int, track bool) {
	c.queued += uint64(len(c.out) - start)
	if !track {
		return
	}
	c.pending = append(c.pending, pendingReply{tag: tag, end: c.queued})
}

func (c *conn) reply(tag uint16, m proto.Msg) {
	start := len(c.out)
	c.out = proto.Append(c.out, tag, m)
	c.replied(tag, start, true)
}

func (c *conn) replyErr(tag uint16, err error, track bool) {
	c.srv.stats.Errors++
	start := len(c.out)
	c.out = proto.Append(c.out, tag, &proto.RlerrorMsg{Ecode: vfs.KindOf(err).Errno()})
	c.replied(tag, start, track)
}

func (c *conn) close() {
	if c.closed {
		return
	}
	c.closed = true
	c.resetFids()
	c.rw.Close()
	c.pending = nil
}

// resetFids clunks every fid and closes every session of the connection.
func (c *conn) resetFids() {
	for id := range c.fids {
		c.clunk(id)
	}
}

func (c *conn) clunk(id uint32) {
	f := c.fids[id]
	delete(c.fids, id)
	if f.file != nil {
		f.file.Close()
		f.file = nil
	}
	f.att.refs--
	if f.att.refs == 0 {
		if f.att.sess.Role() != vfs.RoleQueen {
			c.workers--
		}
		f.att.sess.Close()
		c.sessions--
	}
}

func errf(kind vfs.Kind, op, format string) error {
	return &vfs.Error{Kind: kind, Op: op, Msg: format}
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

func joinPath(p []string) string { return "/" + strings.Join(p, "/") }
