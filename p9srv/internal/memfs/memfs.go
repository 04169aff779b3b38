// Package memfs is a small in-memory vfs.Attacher for the Secure9P server's
// tests and benchmarks. It enforces node modes the way providers do (a
// read-only node refuses append, an append-only node refuses read) so the
// server's error mapping can be checked end to end.
package memfs

import (
	"sort"
	"strings"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// Node is a file or directory.
type Node struct {
	stat     vfs.Stat
	data     []byte
	children map[string]*Node
}

// FS is the namespace. It is not safe for concurrent use.
type FS struct {
	root     *Node
	nextPath uint64
	// Tickets, when non-nil, maps worker roles to the one ticket they must
	// present; the queen attaches without one.
	Tickets map[vfs.Role]string
	// OpenSessions counts sessions attached and not yet closed.
	OpenSessions int
	// Attaches counts successful attaches.
	Attaches int
}

// New returns a namespace with only the root directory.
func New() *FS {
	fs := &FS{}
	fs.root = fs.newNode("", vfs.Dir)
	return fs
}

// NewDefault returns the namespace of milestone 2: /proc/boot (read),
// /log/queen.log (read|append|stream), /queen/ctl (append), /worker/.
func NewDefault() *FS {
	fs := New()
	fs.Add("/proc/boot", vfs.Read, []byte("cohesix boot: ok\n"))
	fs.Add("/log/queen.log", vfs.Read|vfs.Append|vfs.Stream, nil)
	fs.Add("/queen/ctl", vfs.Append, nil)
	fs.AddDir("/worker")
	return fs
}

func (fs *FS) newNode(name string, mode vfs.Mode) *Node {
	fs.nextPath++
	n := &Node{stat: vfs.Stat{Name: name, Mode: mode, Path: fs.nextPath}}
	if mode&vfs.Dir != 0 {
		n.children = map[string]*Node{}
	}
	return n
}

// AddDir creates a directory and its parents.
func (fs *FS) AddDir(path string) *Node {
	n := fs.root
	for _, c := range split(path) {
		child, ok := n.children[c]
		if !ok {
			child = fs.newNode(c, vfs.Dir)
			n.children[c] = child
		}
		n = child
	}
	return n
}

// Add creates a file with mode and initial content, creating parents.
func (fs *FS) Add(path string, mode vfs.Mode, data []byte) *Node {
	parts := split(path)
	dir := fs.AddDir(strings.Join(parts[:len(parts)-1], "/"))
	n := fs.newNode(parts[len(parts)-1], mode)
	n.data = append([]byte(nil), data...)
	n.stat.Size = uint64(len(n.data))
	dir.children[n.stat.Name] = n
	return n
}

// Content returns a copy of a file's bytes, or nil if there is no such file.
func (fs *FS) Content(path string) []byte {
	n, err := fs.lookup(split(path))
	if err != nil {
		return nil
	}
	return append([]byte(nil), n.data...)
}

func split(path string) []string {
	var out []string
	for _, c := range strings.Split(path, "/") {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

func (fs *FS) lookup(path []string) (*Node, error) {
	n := fs.root
	for i, c := range path {
		if n.children == nil {
			return nil, &vfs.Error{Kind: vfs.NotFound, Op: "walk", Path: "/" + strings.Join(path[:i+1], "/"), Msg: "not a directory"}
		}
		child, ok := n.children[c]
		if !ok {
			return nil, &vfs.Error{Kind: vfs.NotFound, Op: "walk", Path: "/" + strings.Join(path[:i+1], "/")}
		}
		n = child
	}
	return n, nil
}

// Attach implements vfs.Attacher.
func (fs *FS) Attach(req vfs.AttachRequest) (vfs.Session, error) {
	if !req.Role.Valid() {
		return nil, &vfs.Error{Kind: vfs.Invalid, Op: "attach", Tag: vfs.TagInvalidRole}
	}
	if fs.Tickets != nil && req.Role != vfs.RoleQueen {
		if want, ok := fs.Tickets[req.Role]; !ok || want != req.Ticket {
			return nil, &vfs.Error{Kind: vfs.Permission, Op: "attach", Tag: vfs.TagDenied}
		}
	}
	fs.OpenSessions++
	fs.Attaches++
	return &session{fs: fs, role: req.Role}, nil
}

type session struct {
	fs     *FS
	role   vfs.Role
	closed bool
	files  []*file
}

func (s *session) Role() vfs.Role { return s.role }

func (s *session) check(op string) error {
	if s.closed {
		return &vfs.Error{Kind: vfs.Closed, Op: op, Msg: "session closed"}
	}
	return nil
}

func (s *session) Stat(path []string) (vfs.Stat, error) {
	if err := s.check("stat"); err != nil {
		return vfs.Stat{}, err
	}
	n, err := s.fs.lookup(path)
	if err != nil {
		return vfs.Stat{}, err
	}
	return n.stat, nil
}

func (s *session) List(path []string) ([]vfs.Stat, error) {
	if err := s.check("list"); err != nil {
		return nil, err
	}
	n, err := s.fs.lookup(path)
	if err != nil {
		return nil, err
	}
	if n.children == nil {
		return nil, &vfs.Error{Kind: vfs.NotFound, Op: "list", Path: "/" + strings.Join(path, "/"), Msg: "not a directory"}
	}
	out := make([]vfs.Stat, 0, len(n.children))
	for _, c := range n.children {
		out = append(out, c.stat)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (s *session) Open(path []string, flags vfs.OpenFlag) (vfs.File, error) {
	if err := s.check("open"); err != nil {
		return nil, err
	}
	n, err := s.fs.lookup(path)
	if err != nil {
		return nil, err
	}
	p := func() string { return "/" + strings.Join(path, "/") }
	m := n.stat.Mode
	if m&vfs.Dir != 0 {
		return nil, &vfs.Error{Kind: vfs.NotFound, Op: "open", Path: p(), Msg: "is a directory"}
	}
	if flags&vfs.OpenRead != 0 && m&(vfs.Read|vfs.Stream) == 0 {
		return nil, &vfs.Error{Kind: vfs.Permission, Op: "open", Path: p(), Msg: "not readable"}
	}
	if flags&vfs.OpenAppend != 0 && m&vfs.Append == 0 {
		return nil, &vfs.Error{Kind: vfs.Permission, Op: "open", Path: p(), Msg: "read-only"}
	}
	f := &file{s: s, n: n, flags: flags}
	s.files = append(s.files, f)
	return f, nil
}

func (s *session) Close() {
	if s.closed {
		return
	}
	s.closed = true
	s.fs.OpenSessions--
	for _, f := range s.files {
		f.closed = true
	}
	s.files = nil
}

type file struct {
	s      *session
	n      *Node
	flags  vfs.OpenFlag
	closed bool
}

func (f *file) ReadAt(p []byte, off uint64) (int, error) {
	if f.closed {
		return 0, &vfs.Error{Kind: vfs.Closed, Op: "read"}
	}
	if f.flags&vfs.OpenRead == 0 {
		return 0, &vfs.Error{Kind: vfs.Permission, Op: "read", Msg: "not opened for reading"}
	}
	if off >= uint64(len(f.n.data)) {
		return 0, nil
	}
	return copy(p, f.n.data[off:]), nil
}

func (f *file) Append(p []byte) (int, error) {
	if f.closed {
		return 0, &vfs.Error{Kind: vfs.Closed, Op: "append"}
	}
	if f.flags&vfs.OpenAppend == 0 {
		return 0, &vfs.Error{Kind: vfs.Permission, Op: "append", Msg: "not opened for append"}
	}
	f.n.data = append(f.n.data, p...)
	f.n.stat.Size = uint64(len(f.n.data))
	f.n.stat.Version++
	return len(p), nil
}

func (f *file) Close() error {
	if f.closed {
		return &vfs.Error{Kind: vfs.Closed, Op: "close"}
	}
	f.closed = true
	files := f.s.files
	for i, g := range files {
		if g == f {
			files[i] = files[len(files)-1]
			f.s.files = files[:len(files)-1]
			break
		}
	}
	return nil
}
