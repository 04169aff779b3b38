package p9srv_test

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/cohesix/cohesix/p9srv"
	"github.com/cohesix/cohesix/p9srv/internal/conntest"
	"github.com/cohesix/cohesix/p9srv/internal/memfs"
	"github.com/cohesix/cohesix/p9srv/proto"
	"github.com/cohesix/cohesix/p9srv/vfs"
)

var epoch = time.Unix(1_700_000_000, 0)

// client drives a server over an in-memory connection, one request at a
// time, decoding every reply strictly.
type client struct {
	t   testing.TB
	fs  *memfs.FS
	srv *p9srv.Server
	mem *conntest.Mem
	tag uint16
}

func newClient(t testing.TB, opts p9srv.Options) *client {
	t.Helper()
	fs := memfs.NewDefault()
	srv := p9srv.New(fs, opts)
	mem := &conntest.Mem{}
	if err := srv.AddConn(mem); err != nil {
		t.Fatal(err)
	}
	return &client{t: t, fs: fs, srv: srv, mem: mem}
}

// poll runs the server until it is idle and makes no more progress (Mem
// never signals writability, so short writes need extra polls).
func (c *client) poll() {
	for i := 0; i < 1000; i++ {
		before := c.mem.Out.Len() + c.mem.In.Len()
		next := c.srv.Poll(epoch, time.Millisecond)
		if next.IsZero() && c.mem.Out.Len()+c.mem.In.Len() == before {
			return
		}
	}
	c.t.Fatal("server never went idle")
}

// replies decodes every frame the server has written.
func (c *client) replies() []proto.Msg {
	c.t.Helper()
	var out []proto.Msg
	b := c.mem.Out.Bytes()
	for len(b) > 0 {
		size, _, _, ok := proto.Header(b)
		if !ok || int(size) > len(b) {
			c.t.Fatalf("partial reply frame % x", b)
		}
		_, m, err := proto.Decode(b[:size])
		if err != nil {
			c.t.Fatalf("server sent an undecodable frame: %v", err)
		}
		out = append(out, m)
		b = b[size:]
	}
	c.mem.Out.Reset()
	return out
}

func (c *client) send(m proto.Msg) {
	c.tag++
	tag := c.tag
	if m.Type() == proto.Tversion {
		tag = proto.NoTag
	}
	c.mem.In.Write(proto.Append(nil, tag, m))
}

func (c *client) rpc(m proto.Msg) proto.Msg {
	c.t.Helper()
	c.send(m)
	c.poll()
	rs := c.replies()
	if len(rs) != 1 {
		c.t.Fatalf("%v: got %d replies, want 1", m.Type(), len(rs))
	}
	return rs[0]
}

// ok runs m and fails unless the reply is not an Rlerror.
func (c *client) ok(m proto.Msg) proto.Msg {
	c.t.Helper()
	r := c.rpc(m)
	if e, isErr := r.(*proto.RlerrorMsg); isErr {
		c.t.Fatalf("%v %+v: Rlerror %d", m.Type(), m, e.Ecode)
	}
	return r
}

// fails runs m and fails unless the reply is Rlerror errno.
func (c *client) fails(m proto.Msg, errno uint32) {
	c.t.Helper()
	r := c.rpc(m)
	e, isErr := r.(*proto.RlerrorMsg)
	if !isErr {
		c.t.Fatalf("%v %+v: got %T %+v, want Rlerror %d", m.Type(), m, r, r, errno)
	}
	if e.Ecode != errno {
		c.t.Fatalf("%v %+v: errno %d, want %d", m.Type(), m, e.Ecode, errno)
	}
}

func (c *client) handshake(aname string) {
	c.t.Helper()
	r := c.ok(&proto.TversionMsg{Msize: 8192, Version: proto.Version}).(*proto.RversionMsg)
	if r.Msize != 8192 || r.Version != proto.Version {
		c.t.Fatalf("Rversion %+v", r)
	}
	c.ok(&proto.TattachMsg{Fid: 0, Afid: proto.NoFid, Aname: aname})
}

func walk(fid, newfid uint32, path string) *proto.TwalkMsg {
	var names []string
	if path != "" {
		names = strings.Split(path, "/")
	}
	return &proto.TwalkMsg{Fid: fid, Newfid: newfid, Names: names}
}

func TestVersion(t *testing.T) {
	for _, tc := range []struct {
		name      string
		msize     uint32
		version   string
		wantMsize uint32
		wantVer   string
	}{
		{"65536 negotiates down", 65536, "9P2000.L", 8192, "9P2000.L"},
		{"smaller kept", 4096, "9P2000.L", 4096, "9P2000.L"},
		{"9P2000 is unknown", 8192, "9P2000", 8192, "unknown"},
		{"9P2000.u is unknown", 8192, "9P2000.u", 8192, "unknown"},
		{"extension answered as base", 8192, "9P2000.L.Google.7", 8192, "9P2000.L"},
		{"no dot is unknown", 8192, "9P2000.Lx", 8192, "unknown"},
		{"trailing dot only", 8192, "9P2000.L.", 8192, "9P2000.L"},
		{"empty is unknown", 8192, "", 8192, "unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, p9srv.Options{})
			r := c.ok(&proto.TversionMsg{Msize: tc.msize, Version: tc.version}).(*proto.RversionMsg)
			if r.Msize != tc.wantMsize || r.Version != tc.wantVer {
				t.Errorf("Rversion %+v, want msize %d version %q", r, tc.wantMsize, tc.wantVer)
			}
		})
	}
	c := newClient(t, p9srv.Options{})
	c.fails(&proto.TversionMsg{Msize: 100, Version: proto.Version}, vfs.EINVAL)
	// Nothing but Tversion before a version is agreed.
	c.fails(&proto.TattachMsg{Fid: 0, Afid: proto.NoFid, Aname: "queen"}, vfs.EINVAL)
	c.ok(&proto.TversionMsg{Msize: 8192, Version: "9P2000"})
	c.fails(&proto.TattachMsg{Fid: 0, Afid: proto.NoFid, Aname: "queen"}, vfs.EINVAL)
}

func TestReadBootAndAppendCtl(t *testing.T) {
	c := newClient(t, p9srv.Options{})
	c.handshake("queen")
	rw := c.ok(walk(0, 1, "proc/boot")).(*proto.RwalkMsg)
	if len(rw.Qids) != 2 || rw.Qids[0].Type != proto.QTDIR || rw.Qids[1].Type != proto.QTFILE {
		t.Fatalf("Rwalk %+v", rw)
	}
	ro := c.ok(&proto.TlopenMsg{Fid: 1, Flags: 0}).(*proto.RlopenMsg)
	if ro.Iounit != 8192-proto.IOHeader || ro.Qid != rw.Qids[1] {
		t.Fatalf("Rlopen %+v", ro)
	}
	rr := c.ok(&proto.TreadMsg{Fid: 1, Offset: 0, Count: 4096}).(*proto.RreadMsg)
	if string(rr.Data) != "cohesix boot: ok\n" {
		t.Fatalf("read %q", rr.Data)
	}
	rr = c.ok(&proto.TreadMsg{Fid: 1, Offset: 8, Count: 4}).(*proto.RreadMsg)
	if string(rr.Data) != "boot" {
		t.Fatalf("read at 8 = %q", rr.Data)
	}
	rr = c.ok(&proto.TreadMsg{Fid: 1, Offset: 1000, Count: 4}).(*proto.RreadMsg)
	if len(rr.Data) != 0 {
		t.Fatalf("read past end = %q", rr.Data)
	}
	// Writing to /proc/boot is refused: opening for write is Permission.
	c.ok(walk(0, 2, "proc/boot"))
	c.fails(&proto.TlopenMsg{Fid: 2, Flags: 1}, vfs.EPERM)
	// And a write on the read-only open fid is Permission too.
	c.fails(&proto.TwriteMsg{Fid: 1, Data: []byte("x")}, vfs.EPERM)

	c.ok(walk(0, 3, "queen/ctl"))
	c.ok(&proto.TlopenMsg{Fid: 3, Flags: 1 | 0x400}) // O_WRONLY|O_APPEND
	for i, line := range []string{`{"spawn":"heartbeat","ticks":100}` + "\n", "second\n"} {
		rw := c.ok(&proto.TwriteMsg{Fid: 3, Offset: uint64(i * 1000), Data: []byte(line)}).(*proto.RwriteMsg)
		if int(rw.Count) != len(line) {
			t.Fatalf("Rwrite %d", rw.Count)
		}
	}
	if got := string(c.fs.Content("/queen/ctl")); got != `{"spawn":"heartbeat","ticks":100}`+"\nsecond\n" {
		t.Fatalf("/queen/ctl = %q (offsets must be ignored)", got)
	}
	// Reading an append-only file: open for read is Permission, and a read
	// on the write fid is Permission.
	c.fails(&proto.TreadMsg{Fid: 3, Count: 10}, vfs.EPERM)
	c.ok(walk(0, 4, "queen/ctl"))
	c.fails(&proto.TlopenMsg{Fid: 4, Flags: 0}, vfs.EPERM)
	c.ok(&proto.TclunkMsg{Fid: 3})
	c.ok(&proto.TclunkMsg{Fid: 1})
}

func TestWalkValidation(t *testing.T) {
	c := newClient(t, p9srv.Options{})
	c.handshake("queen")
	deep := make([]string, 9)
	for i := range deep {
		deep[i] = "d"
	}
	c.fs.AddDir("/" + strings.Join(deep[:8], "/"))
	for _, tc := range []struct {
		name  string
		names []string
		errno uint32
	}{
		{"dotdot", []string{"proc", ".."}, vfs.EINVAL},
		{"dot", []string{"."}, vfs.EINVAL},
		{"empty", []string{""}, vfs.EINVAL},
		{"NUL", []string{"pr\x00oc"}, vfs.EINVAL},
		{"slash", []string{"proc/boot"}, vfs.EINVAL},
		{"not UTF-8", []string{"\xc3\x28"}, vfs.EINVAL},
		{"256 bytes", []string{strings.Repeat("a", 256)}, vfs.EINVAL},
		{"depth 9", deep, vfs.EINVAL},
		{"missing", []string{"nope"}, vfs.ENOENT},
		{"through a file", []string{"proc", "boot", "x"}, 0}, // partial walk
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.errno == 0 {
				r := c.ok(&proto.TwalkMsg{Fid: 0, Newfid: 9, Names: tc.names}).(*proto.RwalkMsg)
				if len(r.Qids) != 2 {
					t.Fatalf("partial walk answered %d qids, want 2", len(r.Qids))
				}
				// A partial walk binds nothing.
				c.fails(&proto.TclunkMsg{Fid: 9}, vfs.EBADF)
				return
			}
			c.fails(&proto.TwalkMsg{Fid: 0, Newfid: 9, Names: tc.names}, tc.errno)
		})
	}
	// Depth counts from the root: 8 is fine in one walk, one more from
	// there is refused.
	c.ok(&proto.TwalkMsg{Fid: 0, Newfid: 1, Names: deep[:8]})
	c.fails(&proto.TwalkMsg{Fid: 1, Newfid: 2, Names: []string{"e"}}, vfs.EINVAL)
	// A 255-byte component is syntactically fine (and simply missing).
	c.fails(&proto.TwalkMsg{Fid: 0, Newfid: 2, Names: []string{strings.Repeat("a", 255)}}, vfs.ENOENT)
}

func TestFidLifecycle(t *testing.T) {
	c := newClient(t, p9srv.Options{MaxFids: 4})
	c.handshake("queen")
	c.ok(walk(0, 1, "proc"))
	c.fails(walk(0, 1, "log"), vfs.EINVAL)                                            // newfid in use
	c.fails(&proto.TattachMsg{Fid: 1, Afid: proto.NoFid, Aname: "queen"}, vfs.EINVAL) // attach fid in use
	c.ok(walk(1, 1, "boot"))                                                          // walk in place
	if r := c.ok(&proto.TgetattrMsg{Fid: 1, RequestMask: proto.GetattrBasic}).(*proto.RgetattrMsg); r.Mode != 0o100444 {
		t.Fatalf("mode %o", r.Mode)
	}
	c.ok(&proto.TclunkMsg{Fid: 1})
	for _, m := range []proto.Msg{
		&proto.TclunkMsg{Fid: 1},
		&proto.TgetattrMsg{Fid: 1},
		walk(1, 2, ""),
		&proto.TlopenMsg{Fid: 1},
		&proto.TreadMsg{Fid: 1, Count: 1},
		&proto.TwriteMsg{Fid: 1, Data: []byte("x")},
		&proto.TreaddirMsg{Fid: 1, Count: 100},
		&proto.TremoveMsg{Fid: 1},
		&proto.TstatfsMsg{Fid: 1},
		&proto.TclunkMsg{Fid: 77}, // never existed
	} {
		c.fails(m, vfs.EBADF)
	}
	// Open-state rules.
	c.ok(walk(0, 1, "proc/boot"))
	c.fails(&proto.TreadMsg{Fid: 1, Count: 1}, vfs.EINVAL) // not open
	c.ok(&proto.TlopenMsg{Fid: 1})
	c.fails(&proto.TlopenMsg{Fid: 1}, vfs.EINVAL) // already open
	c.fails(walk(1, 2, ""), vfs.EINVAL)           // walk from an open fid
	// The fid table is bounded.
	c.ok(walk(0, 2, ""))
	c.ok(walk(0, 3, ""))
	c.fails(walk(0, 4, ""), vfs.ENOSPC)
	if st := c.srv.Stats(); st.Sessions != 1 || st.SessionsTotal != 1 {
		t.Fatalf("stats %+v", st)
	}
	// Clunking every fid of an attach closes its session.
	for _, f := range []uint32{0, 1, 2, 3} {
		c.ok(&proto.TclunkMsg{Fid: f})
	}
	if st := c.srv.Stats(); st.Sessions != 0 || c.fs.OpenSessions != 0 {
		t.Fatalf("session left open: stats %+v, memfs %d", st, c.fs.OpenSessions)
	}
}

func TestOpenFlags(t *testing.T) {
	c := newClient(t, p9srv.Options{})
	c.handshake("queen")
	for _, tc := range []struct {
		path  string
		flags uint32
		errno uint32
	}{
		{"log/queen.log", 2, 0},       // O_RDWR on read|append
		{"log/queen.log", 0x200, 1},   // O_TRUNC
		{"log/queen.log", 0x41, 1},    // O_CREAT|O_WRONLY
		{"log/queen.log", 0xc1, 1},    // O_CREAT|O_EXCL
		{"log/queen.log", 3, 22},      // bad access mode
		{"queen/ctl", 2, 1},           // O_RDWR on append-only
		{"proc", 0, 0},                // directory read
		{"proc", 1, 1},                // directory write
		{"log/queen.log", 0x8000, 0},  // O_LARGEFILE is ignored
		{"queen/ctl", 0x80401, 0},     // O_WRONLY|O_APPEND|O_CLOEXEC
		{"proc/boot", 0x10000 | 0, 0}, // O_DIRECTORY-ish bits pass through
	} {
		c.ok(walk(0, 1, tc.path))
		if tc.errno == 0 {
			c.ok(&proto.TlopenMsg{Fid: 1, Flags: tc.flags})
		} else {
			c.fails(&proto.TlopenMsg{Fid: 1, Flags: tc.flags}, tc.errno)
		}
		c.ok(&proto.TclunkMsg{Fid: 1})
	}
}

func TestUnsupportedAndUnknown(t *testing.T) {
	c := newClient(t, p9srv.Options{})
	c.handshake("queen")
	c.ok(walk(0, 1, "proc/boot"))
	// Remove is disabled and, as 9P requires, clunks the fid anyway.
	c.fails(&proto.TremoveMsg{Fid: 1}, vfs.EOPNOTSUPP)
	c.fails(&proto.TclunkMsg{Fid: 1}, vfs.EBADF)
	if c.fs.Content("/proc/boot") == nil {
		t.Fatal("remove removed")
	}
	raw := func(typ proto.Type, body []byte) []byte {
		f := make([]byte, proto.HeaderSize, proto.HeaderSize+len(body))
		c.tag++
		proto.PutHeader(f, uint32(proto.HeaderSize+len(body)), typ, c.tag)
		return append(f, body...)
	}
	for _, tc := range []struct {
		typ   proto.Type
		errno uint32
	}{
		{proto.Tmkdir, vfs.EPERM},
		{proto.Tlcreate, vfs.EPERM},
		{proto.Tunlinkat, vfs.EPERM},
		{proto.Tsetattr, vfs.EPERM},
		{proto.Trename, vfs.EPERM},
		{proto.Trenameat, vfs.EPERM},
		{proto.Tsymlink, vfs.EPERM},
		{proto.Tlink, vfs.EPERM},
		{proto.Tmknod, vfs.EPERM},
		{proto.Txattrcreate, vfs.EPERM},
		{proto.Tauth, vfs.EOPNOTSUPP},
		{proto.Txattrwalk, vfs.EOPNOTSUPP},
		{proto.Treadlink, vfs.EOPNOTSUPP},
		{proto.Tfsync, vfs.EOPNOTSUPP},
		{proto.Tlock, vfs.EOPNOTSUPP},
		{proto.Tgetlock, vfs.EOPNOTSUPP},
		{proto.Type(250), vfs.EINVAL},
		{proto.Terror, vfs.EINVAL},
		{proto.Rread, vfs.EINVAL}, // an R-message sent to the server
	} {
		c.mem.In.Write(raw(tc.typ, []byte{0, 0, 0, 0}))
		c.poll()
		rs := c.replies()
		if e, ok := rs[0].(*proto.RlerrorMsg); len(rs) != 1 || !ok || e.Ecode != tc.errno {
			t.Errorf("%v: replies %+v, want one Rlerror %d", tc.typ, rs, tc.errno)
		}
	}
	// The connection survives all of it.
	c.ok(&proto.TstatfsMsg{Fid: 0})
}

func TestAttach(t *testing.T) {
	for _, tc := range []struct {
		name  string
		afid  uint32
		aname string
		errno uint32
	}{
		{"queen", proto.NoFid, "queen", 0},
		{"queen case-insensitive", proto.NoFid, "Queen", 0},
		{"worker alias with ticket", proto.NoFid, "worker good", 0},
		{"worker-heartbeat with ticket", proto.NoFid, "worker-heartbeat good", 0},
		{"worker bad ticket", proto.NoFid, "worker-heartbeat bad", vfs.EPERM},
		{"worker no ticket", proto.NoFid, "worker-heartbeat", vfs.EPERM},
		{"unknown role", proto.NoFid, "king", vfs.EINVAL},
		{"empty aname", proto.NoFid, "", vfs.EINVAL},
		{"trailing space", proto.NoFid, "queen ", vfs.EINVAL},
		{"three fields", proto.NoFid, "worker good extra", vfs.EINVAL},
		{"afid set", 5, "queen", vfs.EINVAL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, p9srv.Options{})
			c.fs.Tickets = map[vfs.Role]string{vfs.RoleWorkerHeartbeat: "good"}
			c.ok(&proto.TversionMsg{Msize: 8192, Version: proto.Version})
			m := &proto.TattachMsg{Fid: 0, Afid: tc.afid, Uname: "ignored", Aname: tc.aname}
			if tc.errno != 0 {
				c.fails(m, tc.errno)
				if c.fs.OpenSessions != 0 {
					t.Fatal("failed attach left a session")
				}
				return
			}
			r := c.ok(m).(*proto.RattachMsg)
			if r.Qid.Type != proto.QTDIR {
				t.Fatalf("root qid %+v", r.Qid)
			}
		})
	}
}

func TestReaddir(t *testing.T) {
	c := newClient(t, p9srv.Options{Msize: 512})
	c.ok(&proto.TversionMsg{Msize: 512, Version: proto.Version})
	c.ok(&proto.TattachMsg{Fid: 0, Afid: proto.NoFid, Aname: "queen"})
	var want []string
	for i := 0; i < 40; i++ {
		name := strings.Repeat(string(rune('a'+i%26)), 10+i)
		c.fs.Add("/many/"+name, vfs.Read, nil)
		want = append(want, name)
	}
	c.ok(walk(0, 1, "many"))
	c.fails(&proto.TreaddirMsg{Fid: 1, Count: 1000}, vfs.EINVAL) // not open
	c.ok(&proto.TlopenMsg{Fid: 1})
	var got []string
	var off uint64
	calls := 0
	for {
		r := c.ok(&proto.TreaddirMsg{Fid: 1, Offset: off, Count: 100000}).(*proto.RreaddirMsg)
		if len(r.Data) > 512-proto.RreadHeader {
			t.Fatalf("Rreaddir of %d bytes over msize", len(r.Data))
		}
		ents, err := proto.ParseDirents(r.Data)
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) == 0 {
			break
		}
		calls++
		for _, e := range ents {
			got = append(got, e.Name)
			off = e.Offset
			if e.Type != proto.DTReg {
				t.Errorf("%s: type %d", e.Name, e.Type)
			}
		}
	}
	if calls < 2 {
		t.Errorf("listing fit in %d calls; the test wants it split", calls)
	}
	// memfs lists sorted by name.
	sortStrings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("readdir names\n got %v\nwant %v", got, want)
	}
	// Readdir on a file is Invalid.
	c.ok(walk(0, 2, "proc/boot"))
	c.ok(&proto.TlopenMsg{Fid: 2})
	c.fails(&proto.TreaddirMsg{Fid: 2, Count: 100}, vfs.EINVAL)
	// Read on a directory is Invalid.
	c.fails(&proto.TreadMsg{Fid: 1, Count: 100}, vfs.EINVAL)
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestGetattr(t *testing.T) {
	c := newClient(t, p9srv.Options{})
	c.handshake("queen")
	for _, tc := range []struct {
		path string
		mode uint32
		size uint64
	}{
		{"", 0o040555, 0},
		{"proc", 0o040555, 0},
		{"proc/boot", 0o100444, 17},
		{"queen/ctl", 0o100222, 0},
		{"log/queen.log", 0o100666, 0},
	} {
		c.ok(walk(0, 1, tc.path))
		r := c.ok(&proto.TgetattrMsg{Fid: 1, RequestMask: proto.GetattrBasic}).(*proto.RgetattrMsg)
		if r.Mode != tc.mode || r.Size != tc.size || r.Nlink != 1 || r.Valid != proto.GetattrBasic || r.MtimeSec != 0 {
			t.Errorf("%q: %+v", tc.path, r)
		}
		if (r.Qid.Type == proto.QTDIR) != (tc.mode&0o040000 != 0) {
			t.Errorf("%q: qid type %#x", tc.path, r.Qid.Type)
		}
		c.ok(&proto.TclunkMsg{Fid: 1})
	}
}

func TestTooBig(t *testing.T) {
	c := newClient(t, p9srv.Options{})
	c.handshake("queen")
	c.ok(walk(0, 1, "queen/ctl"))
	c.ok(&proto.TlopenMsg{Fid: 1, Flags: 1})
	big := proto.Append(nil, 42, &proto.TwriteMsg{Fid: 1, Data: make([]byte, 9000-23)})
	if len(big) != 9000 {
		t.Fatalf("frame is %d bytes", len(big))
	}
	c.mem.In.Write(big)
	c.mem.ReadLimit = 1000 // arrive in pieces
	c.poll()
	rs := c.replies()
	if len(rs) != 1 {
		t.Fatalf("%d replies", len(rs))
	}
	if e, ok := rs[0].(*proto.RlerrorMsg); !ok || e.Ecode != vfs.EMSGSIZE {
		t.Fatalf("reply %+v, want EMSGSIZE", rs[0])
	}
	if len(c.fs.Content("/queen/ctl")) != 0 {
		t.Fatal("oversize write reached the file")
	}
	// The frame was skipped, not taken as garbage: the conn still works.
	c.ok(&proto.TwriteMsg{Fid: 1, Data: []byte("ok\n")})
	if st := c.srv.Stats(); st.TooBig != 1 {
		t.Errorf("TooBig = %d", st.TooBig)
	}
	// Exactly msize is fine.
	c.ok(&proto.TwriteMsg{Fid: 1, Data: make([]byte, 8192-23)})
}

func TestAbsurdFrameCloses(t *testing.T) {
	for _, size := range []uint32{0, 6, p9srv.DefaultMaxFrame + 1, 0xffffffff} {
		c := newClient(t, p9srv.Options{})
		c.handshake("queen")
		var hdr [proto.HeaderSize]byte
		proto.PutHeader(hdr[:], size, proto.Tread, 1)
		c.mem.In.Write(hdr[:])
		c.poll()
		if !c.mem.Closed || c.srv.Stats().Conns != 0 || c.fs.OpenSessions != 0 {
			t.Errorf("size %d: closed=%v stats=%+v sessions=%d", size, c.mem.Closed, c.srv.Stats(), c.fs.OpenSessions)
		}
	}
}

func TestMalformedBodies(t *testing.T) {
	c := newClient(t, p9srv.Options{})
	c.handshake("queen")
	for _, frame := range [][]byte{
		{9, 0, 0, 0, byte(proto.Tclunk), 1, 0, 0, 0},                   // truncated
		{12, 0, 0, 0, byte(proto.Tclunk), 2, 0, 0, 0, 0, 0, 0},         // trailing byte
		{13, 0, 0, 0, byte(proto.Twalk), 3, 0, 0, 0, 0, 0, 1, 0},       // nwname past end
		{15, 0, 0, 0, byte(proto.Twalk), 4, 0, 0, 0, 0, 0, 1, 0, 0, 0}, // truncated
	} {
		c.mem.In.Write(frame)
	}
	c.poll()
	rs := c.replies()
	if len(rs) != 4 {
		t.Fatalf("%d replies", len(rs))
	}
	for i, r := range rs {
		if e, ok := r.(*proto.RlerrorMsg); !ok || e.Ecode != vfs.EINVAL {
			t.Errorf("frame %d: %+v", i, r)
		}
	}
	c.ok(&proto.TstatfsMsg{Fid: 0})
}

func TestTags(t *testing.T) {
	c := newClient(t, p9srv.Options{MaxTags: 4})
	c.handshake("queen")
	// Replies stay in flight while the peer's socket is full.
	c.mem.Blocked = true
	for i := 0; i < 3; i++ {
		c.mem.In.Write(proto.Append(nil, 100, &proto.TstatfsMsg{Fid: 0}))
	}
	c.poll()
	if st := c.srv.Stats(); st.Outstanding != 1 {
		t.Fatalf("outstanding %d, want 1", st.Outstanding)
	}
	c.mem.Blocked = false
	c.poll()
	rs := c.replies()
	if len(rs) != 3 {
		t.Fatalf("%d replies", len(rs))
	}
	if _, ok := rs[0].(*proto.RstatfsMsg); !ok {
		t.Errorf("first reply %+v", rs[0])
	}
	for _, r := range rs[1:] {
		if e, ok := r.(*proto.RlerrorMsg); !ok || e.Ecode != vfs.EINVAL {
			t.Errorf("duplicate tag reply %+v, want EINVAL", r)
		}
	}
	// Once written, the tag is free again.
	c.mem.In.Write(proto.Append(nil, 100, &proto.TstatfsMsg{Fid: 0}))
	c.poll()
	if rs := c.replies(); len(rs) != 1 {
		t.Fatalf("reuse: %+v", rs)
	} else if _, ok := rs[0].(*proto.RstatfsMsg); !ok {
		t.Fatalf("reuse: %+v", rs[0])
	}
	// At MaxTags in flight the server stops decoding (back-pressure) and
	// resumes once replies drain; nothing is dropped.
	c.mem.Blocked = true
	for i := 0; i < 10; i++ {
		c.mem.In.Write(proto.Append(nil, uint16(i), &proto.TstatfsMsg{Fid: 0}))
	}
	c.poll()
	if st := c.srv.Stats(); st.Outstanding != 4 || st.Backpressure == 0 {
		t.Fatalf("stats %+v, want 4 outstanding and back-pressure", st)
	}
	c.mem.Blocked = false
	c.poll()
	rs = c.replies()
	if len(rs) != 10 {
		t.Fatalf("%d replies after drain, want 10", len(rs))
	}
	if st := c.srv.Stats(); st.Outstanding != 0 {
		t.Fatalf("outstanding %d after drain", st.Outstanding)
	}
}

func TestShortWritesAndReassembly(t *testing.T) {
	c := newClient(t, p9srv.Options{})
	c.mem.WriteLimit = 3
	c.mem.ReadLimit = 2
	c.handshake("queen")
	c.ok(walk(0, 1, "proc/boot"))
	c.ok(&proto.TlopenMsg{Fid: 1})
	if r := c.ok(&proto.TreadMsg{Fid: 1, Count: 100}).(*proto.RreadMsg); string(r.Data) != "cohesix boot: ok\n" {
		t.Fatalf("read %q", r.Data)
	}
	st := c.srv.Stats()
	if st.ShortWrites == 0 || st.WriteRetries == 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestShortWriteReject(t *testing.T) {
	c := newClient(t, p9srv.Options{ShortWrites: p9srv.ShortWriteReject})
	c.handshake("queen")
	c.mem.WriteLimit = 3
	c.send(&proto.TstatfsMsg{Fid: 0})
	c.poll()
	st := c.srv.Stats()
	if !c.mem.Closed || st.ShortWriteCloses != 1 || st.Conns != 0 || c.fs.OpenSessions != 0 {
		t.Fatalf("closed=%v stats=%+v sessions=%d", c.mem.Closed, st, c.fs.OpenSessions)
	}
}

func TestOutputBackpressure(t *testing.T) {
	c := newClient(t, p9srv.Options{MaxTags: 64, RequestsPerPoll: 1000})
	c.handshake("queen")
	c.fs.Add("/big", vfs.Read, bytes.Repeat([]byte("x"), 8000))
	c.ok(walk(0, 1, "big"))
	c.ok(&proto.TlopenMsg{Fid: 1})
	c.mem.Blocked = true
	for i := 0; i < 20; i++ {
		c.mem.In.Write(proto.Append(nil, uint16(i), &proto.TreadMsg{Fid: 1, Count: 8000}))
	}
	c.poll()
	// 4*msize of output buffer holds at most 3 full reads plus change.
	if st := c.srv.Stats(); st.Requests > 4+4 || st.Backpressure == 0 {
		t.Fatalf("decoded %d requests with output blocked: %+v", st.Requests, st)
	}
	c.mem.Blocked = false
	c.poll()
	rs := c.replies()
	if len(rs) != 20 {
		t.Fatalf("%d replies", len(rs))
	}
	for _, r := range rs {
		if rr, ok := r.(*proto.RreadMsg); !ok || len(rr.Data) != 8000 {
			t.Fatalf("reply %T", r)
		}
	}
}

func TestRequestsPerPollCap(t *testing.T) {
	c := newClient(t, p9srv.Options{RequestsPerPoll: 2, MaxTags: 64})
	c.handshake("queen")
	for i := 0; i < 5; i++ {
		c.mem.In.Write(proto.Append(nil, uint16(i), &proto.TstatfsMsg{Fid: 0}))
	}
	next := c.srv.Poll(epoch, time.Millisecond)
	if !next.Equal(epoch) {
		t.Fatalf("Poll with work left returned %v, want now", next)
	}
	if n := len(c.replies()); n != 2 {
		t.Fatalf("%d replies in one poll, want 2", n)
	}
	c.poll()
	if n := len(c.replies()); n != 3 {
		t.Fatalf("%d replies later, want 3", n)
	}
}

type fakeClock struct {
	now  time.Time
	step time.Duration
}

func (f *fakeClock) Now() time.Time { f.now = f.now.Add(f.step); return f.now }

func TestBudget(t *testing.T) {
	clock := &fakeClock{now: epoch, step: 600 * time.Microsecond}
	fs := memfs.NewDefault()
	srv := p9srv.New(fs, p9srv.Options{Clock: clock})
	var mems [3]*conntest.Mem
	for i := range mems {
		mems[i] = &conntest.Mem{}
		srv.AddConn(mems[i])
		mems[i].In.Write(proto.Append(nil, proto.NoTag, &proto.TversionMsg{Msize: 8192, Version: proto.Version}))
	}
	served := func() (n int) {
		for _, m := range mems {
			if m.Out.Len() > 0 {
				n++
			}
		}
		return n
	}
	// Each conn costs 600µs of fake time, so a 1ms budget is spent after
	// two conns: Poll stops and asks to run again at once.
	now := clock.now
	if next := srv.Poll(now, time.Millisecond); !next.Equal(now) {
		t.Fatalf("Poll over budget returned %v, want now", next)
	}
	if n := served(); n != 2 {
		t.Fatalf("%d conns served within the budget, want 2", n)
	}
	// The next poll starts where the last stopped, so the third is not starved.
	srv.Poll(clock.now, time.Millisecond)
	if n := served(); n != 3 {
		t.Fatalf("%d conns served after two polls, want 3", n)
	}
}

func TestConnLimitAndClose(t *testing.T) {
	fs := memfs.NewDefault()
	srv := p9srv.New(fs, p9srv.Options{MaxConns: 2})
	var mems []*conntest.Mem
	for i := 0; i < 3; i++ {
		m := &conntest.Mem{}
		mems = append(mems, m)
		err := srv.AddConn(m)
		if (i < 2) != (err == nil) {
			t.Fatalf("AddConn %d: %v", i, err)
		}
		if i == 2 && (vfs.KindOf(err) != vfs.BufferFull || !m.Closed) {
			t.Fatalf("refused conn: %v closed=%v", err, m.Closed)
		}
	}
	for _, m := range mems[:2] {
		m.In.Write(proto.Append(nil, proto.NoTag, &proto.TversionMsg{Msize: 8192, Version: proto.Version}))
		m.In.Write(proto.Append(nil, 1, &proto.TattachMsg{Fid: 0, Afid: proto.NoFid, Aname: "queen"}))
		m.In.Write(proto.Append(nil, 2, &proto.TattachMsg{Fid: 1, Afid: proto.NoFid, Aname: "queen"}))
	}
	srv.Poll(epoch, time.Millisecond)
	if st := srv.Stats(); st.Sessions != 4 || st.Workers != 0 || fs.OpenSessions != 4 {
		t.Fatalf("stats %+v", st)
	}
	mems[1].In.Write(proto.Append(nil, 3, &proto.TattachMsg{Fid: 2, Afid: proto.NoFid, Aname: "worker-gpu"}))
	srv.Poll(epoch, time.Millisecond)
	st := srv.Stats()
	if st.Sessions != 5 || st.Workers != 1 || st.SessionsTotal != 5 {
		t.Fatalf("stats %+v", st)
	}
	if got := st.OutstandingText(); got != "outstanding current=0 limit=32\n" {
		t.Errorf("OutstandingText = %q", got)
	}
	if got := st.ShortWritesText(); got != "short_writes total=0 retries=0\n" {
		t.Errorf("ShortWritesText = %q", got)
	}
	// EOF on one conn closes it and its sessions after answering what it sent.
	mems[0].In.Write(proto.Append(nil, 3, &proto.TstatfsMsg{Fid: 0}))
	mems[0].EOF = true
	out := mems[0].Out.Len()
	srv.Poll(epoch, time.Millisecond)
	if !mems[0].Closed || mems[0].Out.Len() == out {
		t.Fatalf("closed=%v, replied=%v", mems[0].Closed, mems[0].Out.Len() != out)
	}
	if st := srv.Stats(); st.Conns != 1 || st.Sessions != 3 || st.Workers != 1 || fs.OpenSessions != 3 {
		t.Fatalf("after EOF: stats %+v memfs %d", st, fs.OpenSessions)
	}
	// Tversion resets the connection's sessions.
	mems[1].In.Write(proto.Append(nil, proto.NoTag, &proto.TversionMsg{Msize: 8192, Version: proto.Version}))
	srv.Poll(epoch, time.Millisecond)
	if fs.OpenSessions != 0 {
		t.Fatalf("Tversion left %d sessions", fs.OpenSessions)
	}
	srv.Close()
	if !mems[1].Closed {
		t.Fatal("Close left a conn open")
	}
}

func TestFlush(t *testing.T) {
	c := newClient(t, p9srv.Options{})
	c.handshake("queen")
	c.send(&proto.TstatfsMsg{Fid: 0})
	c.send(&proto.TflushMsg{Oldtag: c.tag})
	c.poll()
	rs := c.replies()
	if len(rs) != 2 {
		t.Fatalf("%d replies", len(rs))
	}
	if _, ok := rs[0].(*proto.RstatfsMsg); !ok {
		t.Errorf("first %T", rs[0])
	}
	if _, ok := rs[1].(*proto.RflushMsg); !ok {
		t.Errorf("second %T", rs[1])
	}
}

// Replies carry the request's tag.
func TestReplyTags(t *testing.T) {
	c := newClient(t, p9srv.Options{MaxTags: 64})
	c.handshake("queen")
	for _, tag := range []uint16{7, 0, 65000, 3} {
		c.mem.In.Write(proto.Append(nil, tag, &proto.TstatfsMsg{Fid: 0}))
	}
	c.poll()
	b := c.mem.Out.Bytes()
	var got []uint16
	for len(b) > 0 {
		size := binary.LittleEndian.Uint32(b)
		got = append(got, binary.LittleEndian.Uint16(b[5:]))
		b = b[size:]
	}
	if len(got) != 4 || got[0] != 7 || got[1] != 0 || got[2] != 65000 || got[3] != 3 {
		t.Fatalf("reply tags %v", got)
	}
}
