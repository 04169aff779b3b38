package cohclient

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/hugelgupf/p9/linux"
	"github.com/hugelgupf/p9/p9"
)

// NineP is a Secure9P session (milestone 20a): the same namespace the
// console shows, reached over 9P2000.L with open/read/write/clunk, a Tail
// helper and the /queen/ctl helpers. Errors are *vfs.Error with the Kind
// the server's errno stands for.
type NineP struct {
	c    *p9.Client
	root p9.File
}

// DialNineP connects to a NineDoor 9P listener (host:port) and attaches.
func DialNineP(addr string, role vfs.Role, ticket string) (*NineP, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("failed to connect to NineDoor 9P at %s: %w", addr, err)
	}
	n, err := NewNineP(c, role, ticket)
	if err != nil {
		c.Close()
	}
	return n, err
}

// NewNineP negotiates 9P2000.L (msize 8192) on conn and attaches as role;
// the credentials ride in the aname as "<role>" or "<role> <ticket>".
func NewNineP(conn io.ReadWriteCloser, role vfs.Role, ticket string) (*NineP, error) {
	t, err := CheckTicket(role, ticket)
	if err != nil {
		return nil, err
	}
	c, err := p9.NewClient(conn, p9.WithMessageSize(Msize))
	if err != nil {
		return nil, fmt.Errorf("9P version: %w", err)
	}
	aname := role.String()
	if t != "" {
		aname += " " + t
	}
	root, err := c.Attach(aname)
	if err != nil {
		c.Close()
		return nil, ninepErr("attach", "", err)
	}
	return &NineP{c: c, root: root}, nil
}

// Close clunks the root and closes the connection, ending the session.
func (n *NineP) Close() error {
	n.root.Close()
	return n.c.Close()
}

var errnoKinds = map[linux.Errno]vfs.Kind{
	linux.EPERM: vfs.Permission, linux.ENOENT: vfs.NotFound, linux.EINVAL: vfs.Invalid,
	linux.EBUSY: vfs.Busy, linux.EMSGSIZE: vfs.TooBig, linux.EBADF: vfs.Closed,
	linux.EAGAIN: vfs.RateLimited, linux.ENOSPC: vfs.BufferFull, linux.ETIME: vfs.Expired,
	linux.EOPNOTSUPP: vfs.Unsupported,
}

// ninepErr maps a 9P error back to the vfs family.
func ninepErr(op, path string, err error) error {
	var e linux.Errno
	if errors.As(err, &e) {
		if k, ok := errnoKinds[e]; ok {
			return &vfs.Error{Kind: k, Op: op, Path: path, Msg: e.Error()}
		}
	}
	return &vfs.Error{Kind: vfs.KindInternal, Op: op, Path: path, Msg: err.Error()}
}

// File is an open 9P fid with a running offset.
type File struct {
	path string
	f    p9.File
	off  int64
}

// Open walks to path (checked like every cohsh path) and opens it. Appending
// files need p9.WriteOnly; reads p9.ReadOnly.
func (n *NineP) Open(path string, mode p9.OpenFlags) (*File, error) {
	comps, err := ParsePath(path)
	if err != nil {
		return nil, &vfs.Error{Kind: vfs.Invalid, Op: "walk", Path: path, Msg: err.Error()}
	}
	_, f, err := n.root.Walk(comps)
	if err != nil {
		return nil, ninepErr("walk", path, err)
	}
	if _, _, err := f.Open(mode); err != nil {
		f.Close()
		return nil, ninepErr("open", path, err)
	}
	return &File{path: path, f: f}, nil
}

// Read reads at the file's offset; io.EOF at the end.
func (f *File) Read(p []byte) (int, error) {
	n, err := f.f.ReadAt(p, f.off)
	f.off += int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		return n, ninepErr("read", f.path, err)
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// Write appends p (the server appends whatever the offset).
func (f *File) Write(p []byte) (int, error) {
	n, err := f.f.WriteAt(p, f.off)
	f.off += int64(n)
	if err != nil {
		return n, ninepErr("write", f.path, err)
	}
	return n, nil
}

// Clunk releases the fid.
func (f *File) Clunk() error { return f.f.Close() }

// ReadFile opens, reads to the end and clunks.
func (n *NineP) ReadFile(path string) ([]byte, error) {
	f, err := n.Open(path, p9.ReadOnly)
	if err != nil {
		return nil, err
	}
	defer f.Clunk()
	return io.ReadAll(f)
}

// Append writes one record to an append-only file.
func (n *NineP) Append(path string, data []byte) error {
	f, err := n.Open(path, p9.WriteOnly)
	if err != nil {
		return err
	}
	defer f.Clunk()
	_, err = f.Write(data)
	return err
}

// List returns a directory's entry names in server order.
func (n *NineP) List(path string) ([]string, error) {
	f, err := n.Open(path, p9.ReadOnly)
	if err != nil {
		return nil, err
	}
	defer f.Clunk()
	var names []string
	var off uint64
	for {
		ents, err := f.f.Readdir(off, Msize-64)
		if err != nil {
			return nil, ninepErr("readdir", path, err)
		}
		if len(ents) == 0 {
			return names, nil
		}
		for _, e := range ents {
			names = append(names, e.Name)
			off = e.Offset
		}
	}
}

// Tail reads a stream file's current records as lines (empty lines
// dropped), the 9P counterpart of the console's TAIL.
func (n *NineP) Tail(path string) ([]string, error) {
	b, err := n.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimRight(l, "\r"); l != "" {
			lines = append(lines, l)
		}
	}
	return lines, nil
}

// QueenCtl appends one JSON command to /queen/ctl.
func (n *NineP) QueenCtl(json string) error {
	return n.Append(QueenCtlPath, []byte(json+"\n"))
}

// Spawn writes the spawn command cohsh builds for "spawn <role> k=v...".
func (n *NineP) Spawn(role string, args ...string) error {
	j, err := SpawnJSON(role, args)
	if err != nil {
		return err
	}
	return n.QueenCtl(j)
}

// Kill writes {"kill":"<id>"}.
func (n *NineP) Kill(workerID string) error {
	j, err := KillJSON(workerID)
	if err != nil {
		return err
	}
	return n.QueenCtl(j)
}

// Budget sets the default budget for later spawns.
func (n *NineP) Budget(ttlS, ops *uint64) error {
	j, err := BudgetJSON(ttlS, ops)
	if err != nil {
		return err
	}
	return n.QueenCtl(j)
}
