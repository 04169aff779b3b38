package p9srv

import (
	"io"
	"strings"

	"github.com/cohesix/cohesix/p9srv/proto"
	"github.com/cohesix/cohesix/p9srv/vfs"
)

// Linux open(2) flag bits as 9P2000.L carries them.
const (
	oAccMode = 0x3
	oRdonly  = 0x0
	oWronly  = 0x1
	oRdwr    = 0x2
	oCreat   = 0x40
	oExcl    = 0x80
	oTrunc   = 0x200
)

// Linux mode bits for Rgetattr.
const (
	sIFDIR = 0o040000
	sIFREG = 0o100000
)

// v9fsMagic is Linux's V9FS_MAGIC, the f_type Rstatfs reports.
const v9fsMagic = 0x01021997

// handle answers one frame with exactly one reply.
func (c *conn) handle(frame []byte) {
	if len(frame) == 0 {
		return // an oversize frame, already answered
	}
	c.srv.stats.Requests++
	_, t, tag, _ := proto.Header(frame)
	if c.tagged(tag) {
		c.replyErr(tag, errf(vfs.Invalid, t.String(), "tag "+itoa(uint64(tag))+" already in flight"), false)
		return
	}
	body := frame[proto.HeaderSize:]
	if t != proto.Tversion && c.msize == 0 {
		c.replyErr(tag, errf(vfs.Invalid, t.String(), "no version negotiated"), true)
		return
	}
	var err error
	switch t {
	case proto.Tversion:
		var m proto.TversionMsg
		if err = proto.DecodeBody(body, &m); err == nil {
			c.version(tag, &m)
			return
		}
	case proto.Tattach:
		var m proto.TattachMsg
		if err = proto.DecodeBody(body, &m); err == nil {
			err = c.attach(tag, &m)
		}
	case proto.Twalk:
		var m proto.TwalkMsg
		var names [proto.MaxWalkElems]string
		m.Names = names[:0]
		if err = proto.DecodeBody(body, &m); err == nil {
			err = c.walk(tag, &m)
		}
	case proto.Tlopen:
		var m proto.TlopenMsg
		if err = proto.DecodeBody(body, &m); err == nil {
			err = c.lopen(tag, &m)
		}
	case proto.Tread:
		var m proto.TreadMsg
		if err = proto.DecodeBody(body, &m); err == nil {
			err = c.read(tag, &m)
		}
	case proto.Twrite:
		var m proto.TwriteMsg
		if err = proto.DecodeBody(body, &m); err == nil {
			err = c.write(tag, &m)
		}
	case proto.Tclunk:
		var m proto.TclunkMsg
		if err = proto.DecodeBody(body, &m); err == nil {
			if _, err = c.lookup(m.Fid, "clunk"); err == nil {
				c.clunk(m.Fid)
				c.reply(tag, &proto.RclunkMsg{})
			}
		}
	case proto.Tremove:
		// Remove is disabled. As 9P requires, the fid is clunked even
		// though the remove fails.
		var m proto.TremoveMsg
		if err = proto.DecodeBody(body, &m); err == nil {
			if _, err = c.lookup(m.Fid, "remove"); err == nil {
				c.clunk(m.Fid)
				err = errf(vfs.Unsupported, "remove", "remove is disabled")
			}
		}
	case proto.Tgetattr:
		var m proto.TgetattrMsg
		if err = proto.DecodeBody(body, &m); err == nil {
			err = c.getattr(tag, &m)
		}
	case proto.Treaddir:
		var m proto.TreaddirMsg
		if err = proto.DecodeBody(body, &m); err == nil {
			err = c.readdir(tag, &m)
		}
	case proto.Tflush:
		// Every request is answered before the next is decoded, so the
		// flushed request has already been replied to; Rflush follows it.
		var m proto.TflushMsg
		if err = proto.DecodeBody(body, &m); err == nil {
			c.reply(tag, &proto.RflushMsg{})
		}
	case proto.Tstatfs:
		var m proto.TstatfsMsg
		if err = proto.DecodeBody(body, &m); err == nil {
			if _, err = c.lookup(m.Fid, "statfs"); err == nil {
				c.reply(tag, &proto.RstatfsMsg{FSType: v9fsMagic, Bsize: 4096, Namelen: 255})
			}
		}
	case proto.Tlcreate, proto.Tsymlink, proto.Tmknod, proto.Trename, proto.Tsetattr,
		proto.Txattrcreate, proto.Tlink, proto.Tmkdir, proto.Trenameat, proto.Tunlinkat:
		err = errf(vfs.Permission, t.String(), "the namespace is not mutable over 9P")
	case proto.Tauth, proto.Treadlink, proto.Txattrwalk, proto.Tfsync, proto.Tlock, proto.Tgetlock:
		err = errf(vfs.Unsupported, t.String(), "not offered")
	default:
		err = errf(vfs.Invalid, t.String(), "unknown message type")
	}
	if err != nil {
		c.replyErr(tag, err, true)
	}
}

func (c *conn) version(tag uint16, m *proto.TversionMsg) {
	// A Tversion aborts everything the connection had.
	c.resetFids()
	c.msize = 0
	if !proto.SpeaksVersion(m.Version) {
		c.reply(tag, &proto.RversionMsg{Msize: c.srv.opts.Msize, Version: proto.VersionUnknown})
		return
	}
	if m.Msize < MinMsize {
		c.replyErr(tag, errf(vfs.Invalid, "version", "msize "+itoa(uint64(m.Msize))+" below "+itoa(MinMsize)), true)
		return
	}
	c.msize = min(m.Msize, c.srv.opts.Msize)
	c.reply(tag, &proto.RversionMsg{Msize: c.msize, Version: proto.Version})
}

// parseAname splits "<role>" or "<role> <ticket>".
func parseAname(aname string) (vfs.Role, string, error) {
	label, ticket, hasTicket := strings.Cut(aname, " ")
	if hasTicket && (ticket == "" || strings.Contains(ticket, " ")) {
		return 0, "", &vfs.Error{Kind: vfs.Invalid, Op: "attach", Msg: `aname must be "<role>" or "<role> <ticket>"`}
	}
	role, ok := vfs.ParseRole(label)
	if !ok {
		return 0, "", &vfs.Error{Kind: vfs.Invalid, Op: "attach", Tag: vfs.TagInvalidRole, Msg: "unknown role " + label}
	}
	return role, ticket, nil
}

func (c *conn) attach(tag uint16, m *proto.TattachMsg) error {
	if m.Afid != proto.NoFid {
		return errf(vfs.Invalid, "attach", "afid must be NOFID: authentication rides in aname")
	}
	if _, used := c.fids[m.Fid]; used {
		return errf(vfs.Invalid, "attach", "fid already in use")
	}
	if len(c.fids) >= c.srv.opts.MaxFids {
		return errf(vfs.BufferFull, "attach", "fid table full")
	}
	role, ticket, err := parseAname(m.Aname)
	if err != nil {
		return err
	}
	sess, err := c.srv.att.Attach(vfs.AttachRequest{Role: role, Ticket: ticket, Transport: vfs.Transport9P})
	if err != nil {
		return err
	}
	st, err := sess.Stat(nil)
	if err != nil {
		sess.Close()
		return err
	}
	c.sessions++
	if sess.Role() != vfs.RoleQueen {
		c.workers++
	}
	c.srv.stats.SessionsTotal++
	f := &fid{att: &attachment{sess: sess, refs: 1}, mode: st.Mode, qid: qidOf(st)}
	c.fids[m.Fid] = f
	c.reply(tag, &proto.RattachMsg{Qid: f.qid})
	return nil
}

func qidOf(st vfs.Stat) proto.Qid {
	q := proto.Qid{Type: proto.QTFILE, Version: st.Version, Path: st.Path}
	if st.Mode&vfs.Dir != 0 {
		q.Type = proto.QTDIR
	}
	return q
}

func (c *conn) lookup(id uint32, op string) (*fid, error) {
	f, ok := c.fids[id]
	if !ok {
		return nil, errf(vfs.Closed, op, "unknown or clunked fid "+itoa(uint64(id)))
	}
	return f, nil
}

func (c *conn) walk(tag uint16, m *proto.TwalkMsg) error {
	f, err := c.lookup(m.Fid, "walk")
	if err != nil {
		return err
	}
	if f.opened {
		return errf(vfs.Invalid, "walk", "fid is open")
	}
	if m.Newfid != m.Fid {
		if _, used := c.fids[m.Newfid]; used {
			return errf(vfs.Invalid, "walk", "newfid already in use")
		}
		if len(c.fids) >= c.srv.opts.MaxFids {
			return errf(vfs.BufferFull, "walk", "fid table full")
		}
	}
	for _, n := range m.Names {
		if ok, why := proto.ValidName(n); !ok {
			return errf(vfs.Invalid, "walk", why)
		}
	}
	depth := len(f.path) + len(m.Names)
	if depth > c.srv.opts.MaxWalkDepth {
		return errf(vfs.Invalid, "walk", "path deeper than "+itoa(uint64(c.srv.opts.MaxWalkDepth))+" components")
	}
	path := make([]string, depth)
	copy(path, f.path)
	copy(path[len(f.path):], m.Names)

	var qids [proto.MaxWalkElems]proto.Qid
	st := vfs.Stat{Mode: f.mode}
	q := f.qid
	walked := 0
	for i := range m.Names {
		if st.Mode&vfs.Dir == 0 {
			err = errf(vfs.NotFound, "walk", joinPath(path[:len(f.path)+i])+" is not a directory")
			break
		}
		st, err = f.att.sess.Stat(path[:len(f.path)+i+1])
		if err != nil {
			break
		}
		q = qidOf(st)
		qids[i] = q
		walked++
	}
	if walked < len(m.Names) {
		if walked == 0 {
			return err
		}
		// A partial walk answers the qids it got and binds nothing.
		c.reply(tag, &proto.RwalkMsg{Qids: qids[:walked]})
		return nil
	}
	if m.Newfid == m.Fid {
		f.path, f.qid, f.mode = path, q, st.Mode
	} else {
		f.att.refs++
		c.fids[m.Newfid] = &fid{att: f.att, path: path, qid: q, mode: st.Mode}
	}
	c.reply(tag, &proto.RwalkMsg{Qids: qids[:walked]})
	return nil
}

func (c *conn) lopen(tag uint16, m *proto.TlopenMsg) error {
	f, err := c.lookup(m.Fid, "open")
	if err != nil {
		return err
	}
	if f.opened {
		return errf(vfs.Invalid, "open", "fid already open")
	}
	if m.Flags&(oCreat|oExcl|oTrunc) != 0 {
		return errf(vfs.Permission, "open", "O_CREAT, O_EXCL and O_TRUNC are refused: files are append-only")
	}
	var flags vfs.OpenFlag
	switch m.Flags & oAccMode {
	case oRdonly:
		flags = vfs.OpenRead
	case oWronly:
		flags = vfs.OpenAppend
	case oRdwr:
		flags = vfs.OpenRead | vfs.OpenAppend
	default:
		return errf(vfs.Invalid, "open", "bad access mode")
	}
	st, err := f.att.sess.Stat(f.path)
	if err != nil {
		return err
	}
	if st.Mode&vfs.Dir != 0 {
		if flags != vfs.OpenRead {
			return &vfs.Error{Kind: vfs.Permission, Op: "open", Path: joinPath(f.path), Msg: "directories open read-only"}
		}
	} else {
		file, err := f.att.sess.Open(f.path, flags)
		if err != nil {
			return err
		}
		f.file = file
	}
	f.opened, f.flags, f.mode, f.qid = true, flags, st.Mode, qidOf(st)
	c.reply(tag, &proto.RlopenMsg{Qid: f.qid, Iounit: c.msize - proto.IOHeader})
	return nil
}

func (c *conn) openFile(id uint32, op string, want vfs.OpenFlag) (*fid, error) {
	f, err := c.lookup(id, op)
	if err != nil {
		return nil, err
	}
	if !f.opened {
		return nil, errf(vfs.Invalid, op, "fid is not open")
	}
	if f.file == nil {
		return nil, errf(vfs.Invalid, op, "fid is a directory")
	}
	if f.flags&want == 0 {
		return nil, &vfs.Error{Kind: vfs.Permission, Op: op, Path: joinPath(f.path), Msg: "fid not opened for " + op}
	}
	return f, nil
}

// read answers straight into the output buffer: header first, then the
// file reads into the space after it, then the size is patched.
func (c *conn) read(tag uint16, m *proto.TreadMsg) error {
	f, err := c.openFile(m.Fid, "read", vfs.OpenRead)
	if err != nil {
		return err
	}
	count := min(m.Count, c.msize-proto.RreadHeader)
	start := len(c.out)
	buf := c.out[start : start+proto.RreadHeader+int(count)]
	n, err := f.file.ReadAt(buf[proto.RreadHeader:], m.Offset)
	// io.EOF with the last bytes (io.ReaderAt's contract) is data, not an
	// error: 9P signals the end with a later zero-length read.
	if err != nil && err != io.EOF {
		return err
	}
	if n < 0 || n > int(count) {
		return errf(vfs.KindInternal, "read", "provider returned a bad count")
	}
	size := uint32(proto.RreadHeader + n)
	proto.PutHeader(buf, size, proto.Rread, tag)
	buf[7], buf[8], buf[9], buf[10] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
	c.out = c.out[:start+int(size)]
	c.replied(tag, start, true)
	return nil
}

func (c *conn) write(tag uint16, m *proto.TwriteMsg) error {
	f, err := c.openFile(m.Fid, "write", vfs.OpenAppend)
	if err != nil {
		return err
	}
	// Append-only: the offset is ignored.
	n, err := f.file.Append(m.Data)
	if err != nil {
		return err
	}
	c.reply(tag, &proto.RwriteMsg{Count: uint32(n)})
	return nil
}

func (c *conn) getattr(tag uint16, m *proto.TgetattrMsg) error {
	f, err := c.lookup(m.Fid, "getattr")
	if err != nil {
		return err
	}
	st, err := f.att.sess.Stat(f.path)
	if err != nil {
		return err
	}
	c.reply(tag, &proto.RgetattrMsg{
		Valid:   proto.GetattrBasic,
		Qid:     qidOf(st),
		Mode:    unixMode(st.Mode),
		Nlink:   1,
		Size:    st.Size,
		Blksize: 4096,
		Blocks:  (st.Size + 511) / 512,
	})
	return nil
}

// unixMode renders a vfs.Mode as Linux st_mode. Times stay 0 so replies are
// deterministic.
func unixMode(m vfs.Mode) uint32 {
	if m&vfs.Dir != 0 {
		return sIFDIR | 0o555
	}
	var perm uint32
	if m&(vfs.Read|vfs.Stream) != 0 {
		perm |= 0o444
	}
	if m&vfs.Append != 0 {
		perm |= 0o222
	}
	return sIFREG | perm
}

func (c *conn) readdir(tag uint16, m *proto.TreaddirMsg) error {
	f, err := c.lookup(m.Fid, "readdir")
	if err != nil {
		return err
	}
	if !f.opened {
		return errf(vfs.Invalid, "readdir", "fid is not open")
	}
	if f.mode&vfs.Dir == 0 {
		return &vfs.Error{Kind: vfs.Invalid, Op: "readdir", Path: joinPath(f.path), Msg: "not a directory"}
	}
	if m.Offset == 0 || f.dir == nil {
		// Offsets are entry cookies into one snapshot, so a listing read
		// over several calls is consistent.
		if f.dir, err = f.att.sess.List(f.path); err != nil {
			return err
		}
	}
	count := int(min(m.Count, c.msize-proto.RreadHeader))
	start := len(c.out)
	b := append(c.out, make([]byte, proto.RreadHeader)...)
	for i := m.Offset; i < uint64(len(f.dir)); i++ {
		e := f.dir[i]
		if len(b)-start-proto.RreadHeader+proto.DirentSize(e.Name) > count {
			break
		}
		typ := proto.DTReg
		if e.Mode&vfs.Dir != 0 {
			typ = proto.DTDir
		}
		b = proto.AppendDirent(b, proto.Dirent{Qid: qidOf(e), Offset: i + 1, Type: typ, Name: e.Name})
	}
	size := uint32(len(b) - start)
	n := size - proto.RreadHeader
	proto.PutHeader(b[start:], size, proto.Rreaddir, tag)
	b[start+7], b[start+8], b[start+9], b[start+10] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
	c.out = b
	c.replied(tag, start, true)
	return nil
}
