package p9srv_test

import (
	"errors"
	"io"
	"testing"

	"github.com/cohesix/cohesix/p9srv"
	"github.com/cohesix/cohesix/p9srv/internal/conntest"
	"github.com/cohesix/cohesix/p9srv/proto"
	"github.com/cohesix/cohesix/p9srv/vfs"
)

// errSession fails every Stat below the root with err.
type errSession struct{ err error }

func (s errSession) Role() vfs.Role { return vfs.RoleQueen }
func (s errSession) Stat(path []string) (vfs.Stat, error) {
	if len(path) == 0 {
		return vfs.Stat{Mode: vfs.Dir, Path: 1}, nil
	}
	return vfs.Stat{}, s.err
}
func (s errSession) List([]string) ([]vfs.Stat, error)             { return nil, s.err }
func (s errSession) Open([]string, vfs.OpenFlag) (vfs.File, error) { return nil, s.err }
func (s errSession) Close()                                        {}

type errAttacher struct{ err error }

func (a errAttacher) Attach(vfs.AttachRequest) (vfs.Session, error) { return errSession(a), nil }

// TestErrnoMapping checks that a provider's error reaches the wire as its
// Kind's errno, whatever the Kind, and that foreign errors are EINVAL.
func TestErrnoMapping(t *testing.T) {
	for _, tc := range []struct {
		err   error
		errno uint32
	}{
		{&vfs.Error{Kind: vfs.Permission, Op: "walk"}, vfs.EPERM},
		{&vfs.Error{Kind: vfs.NotFound}, vfs.ENOENT},
		{&vfs.Error{Kind: vfs.Invalid}, vfs.EINVAL},
		{&vfs.Error{Kind: vfs.Busy}, vfs.EBUSY},
		{&vfs.Error{Kind: vfs.TooBig}, vfs.EMSGSIZE},
		{&vfs.Error{Kind: vfs.Closed, Msg: "ticket revoked"}, vfs.EBADF},
		{&vfs.Error{Kind: vfs.RateLimited}, vfs.EAGAIN},
		{&vfs.Error{Kind: vfs.BufferFull}, vfs.ENOSPC},
		{&vfs.Error{Kind: vfs.Expired}, vfs.ETIME},
		{&vfs.Error{Kind: vfs.Unsupported}, vfs.EOPNOTSUPP},
		{&vfs.Error{Kind: vfs.KindInternal}, vfs.EINVAL},
		{errors.New("foreign"), vfs.EINVAL},
	} {
		srv := p9srv.New(errAttacher{tc.err}, p9srv.Options{})
		mem := &conntest.Mem{}
		srv.AddConn(mem)
		c := &client{t: t, srv: srv, mem: mem}
		c.handshake("queen")
		c.fails(walk(0, 1, "x"), tc.errno)
		// Attach errors map the same way.
		bad := p9srv.New(failingAttacher{tc.err}, p9srv.Options{})
		mem2 := &conntest.Mem{}
		bad.AddConn(mem2)
		c2 := &client{t: t, srv: bad, mem: mem2}
		c2.ok(&proto.TversionMsg{Msize: 8192, Version: proto.Version})
		c2.fails(&proto.TattachMsg{Fid: 0, Afid: proto.NoFid, Aname: "queen"}, tc.errno)
		if st := bad.Stats(); st.Sessions != 0 {
			t.Errorf("failed attach counted as a session: %+v", st)
		}
	}
}

type failingAttacher struct{ err error }

func (a failingAttacher) Attach(vfs.AttachRequest) (vfs.Session, error) { return nil, a.err }

type recordingAttacher struct{ reqs []vfs.AttachRequest }

func (a *recordingAttacher) Attach(req vfs.AttachRequest) (vfs.Session, error) {
	a.reqs = append(a.reqs, req)
	return errSession{}, nil
}

// TestAttachRequest checks what the Attacher is handed: the role and
// ticket from aname, Transport9P, and nothing from uname.
func TestAttachRequest(t *testing.T) {
	att := &recordingAttacher{}
	srv := p9srv.New(att, p9srv.Options{})
	mem := &conntest.Mem{}
	srv.AddConn(mem)
	c := &client{t: t, srv: srv, mem: mem}
	c.ok(&proto.TversionMsg{Msize: 8192, Version: proto.Version})
	c.ok(&proto.TattachMsg{Fid: 0, Afid: proto.NoFid, Uname: "root", Aname: "worker-gpu tkt.abc-123", NUname: 0})
	c.ok(&proto.TattachMsg{Fid: 1, Afid: proto.NoFid, Uname: "worker-bus", Aname: "queen"})
	want := []vfs.AttachRequest{
		{Role: vfs.RoleWorkerGPU, Ticket: "tkt.abc-123", Transport: vfs.Transport9P},
		{Role: vfs.RoleQueen, Ticket: "", Transport: vfs.Transport9P},
	}
	if len(att.reqs) != len(want) {
		t.Fatalf("requests %+v", att.reqs)
	}
	for i := range want {
		if att.reqs[i] != want[i] {
			t.Errorf("attach %d: got %+v, want %+v", i, att.reqs[i], want[i])
		}
	}
}

// eofSession serves one file whose ReadAt follows io.ReaderAt strictly,
// returning io.EOF with the last bytes.
type eofSession struct{ errSession }

func (eofSession) Stat(path []string) (vfs.Stat, error) {
	if len(path) == 0 {
		return vfs.Stat{Mode: vfs.Dir, Path: 1}, nil
	}
	return vfs.Stat{Name: "f", Mode: vfs.Read, Size: 5, Path: 2}, nil
}
func (eofSession) Open([]string, vfs.OpenFlag) (vfs.File, error) { return eofFile{}, nil }

type eofFile struct{}

func (eofFile) ReadAt(p []byte, off uint64) (int, error) {
	const data = "hello"
	if off >= uint64(len(data)) {
		return 0, io.EOF
	}
	n := copy(p, data[off:])
	if off+uint64(n) == uint64(len(data)) {
		return n, io.EOF
	}
	return n, nil
}
func (eofFile) Append([]byte) (int, error) { return 0, vfs.ErrPermission }
func (eofFile) Close() error               { return nil }

type eofAttacher struct{}

func (eofAttacher) Attach(vfs.AttachRequest) (vfs.Session, error) { return eofSession{}, nil }

func TestReadEOFIsData(t *testing.T) {
	srv := p9srv.New(eofAttacher{}, p9srv.Options{})
	mem := &conntest.Mem{}
	srv.AddConn(mem)
	c := &client{t: t, srv: srv, mem: mem}
	c.handshake("queen")
	c.ok(walk(0, 1, "f"))
	c.ok(&proto.TlopenMsg{Fid: 1})
	for _, tc := range []struct {
		off  uint64
		want string
	}{{0, "hello"}, {3, "lo"}, {5, ""}, {99, ""}} {
		r := c.ok(&proto.TreadMsg{Fid: 1, Offset: tc.off, Count: 100}).(*proto.RreadMsg)
		if string(r.Data) != tc.want {
			t.Errorf("read at %d = %q, want %q", tc.off, r.Data, tc.want)
		}
	}
}
