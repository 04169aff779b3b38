package console

import (
	"io"
	"strings"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/cohesix/cohesix/services/console/memconn"
)

// fakeClock is the injected clock; tests move it by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// node is one entry of the fake namespace.
type node struct {
	name string
	mode vfs.Mode
	data []byte
	kids []*node
}

func dir(name string, kids ...*node) *node { return &node{name: name, mode: vfs.Dir, kids: kids} }
func file(name string, mode vfs.Mode, data string) *node {
	return &node{name: name, mode: mode, data: []byte(data)}
}

const procBoot = "Cohesix boot: root-task online\n" +
	"manifest.schema=1.5\n" +
	"manifest.profile=virt-aarch64\n" +
	"manifest.sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n" +
	"telemetry.ring_bytes_per_worker=1024\n" +
	"telemetry.frame_schema=legacy-plaintext\n" +
	"telemetry.cursor.retain_on_boot=false\n" +
	"event_pump.fds=serial,timer,ipc,net-console,ninedoor\n"

const firstLogLine = "[INFO audit] log.channel=LOGFILE path=/log/queen.log"

// fakeHive is a small in-memory hive: a fixed namespace, scripted attach
// refusals and a record of ended sessions.
type fakeHive struct {
	root      *node
	reachable bool
	// refuse, when set, decides an attach before the default rules.
	refuse   func(req vfs.AttachRequest) error
	attaches []vfs.AttachRequest
	ended    []ended
	log      []LogLine
	// onAppend intercepts appends by path; nil accepts everything.
	onAppend func(path string, p []byte) error
	appends  []string
}

type ended struct {
	role  vfs.Role
	clean bool
}

func newFakeHive() *fakeHive {
	h := &fakeHive{reachable: true}
	h.root = dir("",
		dir("proc",
			file("boot", vfs.Read, procBoot),
			file("empty", vfs.Read, ""),
			file("blob", vfs.Read, "\xff\xfe\x00binary"),
			file("long", vfs.Read, strings.Repeat("x", 300)+"\n"),
			file("many", vfs.Read, strings.Repeat("line\n", 65)),
		),
		dir("log", file("queen.log", vfs.Read|vfs.Append|vfs.Stream, firstLogLine+"\n")),
		dir("queen", file("ctl", vfs.Append, "")),
		dir("worker", dir("worker-1", file("telemetry", vfs.Append|vfs.Stream, ""))),
		dir("bus", file("tx", vfs.Append, "")),
		dir("wide"),
	)
	wide := h.root.kids[len(h.root.kids)-1]
	for i := range 65 {
		wide.kids = append(wide.kids, &node{name: "n" + strings.Repeat("x", i%3), mode: vfs.Read})
	}
	h.log = []LogLine{{Text: firstLogLine}}
	return h
}

func (h *fakeHive) Attach(req vfs.AttachRequest) (vfs.Session, error) {
	h.attaches = append(h.attaches, req)
	if h.refuse != nil {
		if err := h.refuse(req); err != nil {
			return nil, err
		}
	}
	if !req.Role.Valid() {
		return nil, &vfs.Error{Kind: vfs.Invalid, Op: "attach", Tag: vfs.TagInvalidRole}
	}
	if req.Role != vfs.RoleQueen && req.Ticket == "" {
		return nil, &vfs.Error{Kind: vfs.Permission, Op: "attach", Tag: vfs.TagDenied}
	}
	return &fakeSession{hive: h, role: req.Role}, nil
}

func (h *fakeHive) RootReachable() bool { return h.reachable }
func (h *fakeHive) SessionEnded(s vfs.Session, clean bool) {
	h.ended = append(h.ended, ended{s.Role(), clean})
}
func (h *fakeHive) LogLines() []LogLine { return h.log }

func (h *fakeHive) lookup(path []string) (*node, error) {
	n := h.root
	for _, c := range path {
		var next *node
		for _, k := range n.kids {
			if k.name == c {
				next = k
				break
			}
		}
		if next == nil {
			return nil, &vfs.Error{Kind: vfs.NotFound, Op: "walk", Path: "/" + strings.Join(path, "/")}
		}
		n = next
	}
	return n, nil
}

type fakeSession struct {
	hive   *fakeHive
	role   vfs.Role
	closed bool
}

func (s *fakeSession) Role() vfs.Role { return s.role }
func (s *fakeSession) Close()         { s.closed = true }

func (s *fakeSession) Stat(path []string) (vfs.Stat, error) {
	n, err := s.hive.lookup(path)
	if err != nil {
		return vfs.Stat{}, err
	}
	return vfs.Stat{Name: n.name, Mode: n.mode, Size: uint64(len(n.data))}, nil
}

func (s *fakeSession) List(path []string) ([]vfs.Stat, error) {
	n, err := s.hive.lookup(path)
	if err != nil {
		return nil, err
	}
	if n.mode&vfs.Dir == 0 {
		return nil, &vfs.Error{Kind: vfs.NotFound, Op: "list"}
	}
	out := make([]vfs.Stat, len(n.kids))
	for i, k := range n.kids {
		out[i] = vfs.Stat{Name: k.name, Mode: k.mode}
	}
	return out, nil
}

func (s *fakeSession) Open(path []string, flags vfs.OpenFlag) (vfs.File, error) {
	n, err := s.hive.lookup(path)
	if err != nil {
		return nil, err
	}
	p := "/" + strings.Join(path, "/")
	if flags&vfs.OpenRead != 0 && n.mode&(vfs.Read|vfs.Stream) == 0 ||
		flags&vfs.OpenAppend != 0 && n.mode&vfs.Append == 0 {
		return nil, &vfs.Error{Kind: vfs.Permission, Op: "open", Path: p}
	}
	return &fakeFile{s: s, n: n, path: p}, nil
}

type fakeFile struct {
	s    *fakeSession
	n    *node
	path string
}

func (f *fakeFile) ReadAt(p []byte, off uint64) (int, error) {
	if off >= uint64(len(f.n.data)) {
		return 0, io.EOF
	}
	return copy(p, f.n.data[off:]), nil
}

func (f *fakeFile) Append(p []byte) (int, error) {
	h := f.s.hive
	if h.onAppend != nil {
		if err := h.onAppend(f.path, p); err != nil {
			return 0, err
		}
	}
	h.appends = append(h.appends, f.path+" "+string(p))
	f.n.data = append(f.n.data, p...)
	return len(p), nil
}

func (f *fakeFile) Close() error { return nil }

// newTestServer wires a server to a fake hive and an in-memory listener.
func newTestServer(cfg Config) (*Server, *fakeHive, *fakeClock, *memconn.Listener) {
	hive := newFakeHive()
	clk := &fakeClock{t: time.Unix(1700000000, 0)}
	srv := New(cfg, hive, clk)
	ln := memconn.NewListener("127.0.0.1:31337", 1<<16)
	srv.AddListener(ln)
	return srv, hive, clk, ln
}
