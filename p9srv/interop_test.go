package p9srv_test

import (
	"errors"
	"net"
	"testing"

	"github.com/hugelgupf/p9/linux"
	"github.com/hugelgupf/p9/p9"

	"github.com/cohesix/cohesix/p9srv"
	"github.com/cohesix/cohesix/p9srv/internal/memfs"
)

// serveTCP runs srv behind a loopback listener and returns its address.
func serveTCP(t testing.TB, srv *p9srv.Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := serveLoop(l, srv)
	t.Cleanup(stop)
	return l.Addr().String()
}

func dial(t testing.TB, addr string, opts ...p9.ClientOpt) *p9.Client {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := p9.NewClient(conn, opts...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestInteropHugelgupf drives the server with an independent 9P2000.L
// client over real TCP.
func TestInteropHugelgupf(t *testing.T) {
	srv := p9srv.New(memfs.NewDefault(), p9srv.Options{})
	c := dial(t, serveTCP(t, srv))
	if c.Version() != 0 {
		t.Fatalf("negotiated 9P2000.L.Google.%d, want plain 9P2000.L", c.Version())
	}
	root, err := c.Attach("queen")
	if err != nil {
		t.Fatalf("Attach: %v", err)
	}

	// Walk, open, read.
	qids, boot, err := root.Walk([]string{"proc", "boot"})
	if err != nil || len(qids) != 2 {
		t.Fatalf("Walk proc/boot: %v %v", qids, err)
	}
	if _, _, err := boot.Open(p9.ReadOnly); err != nil {
		t.Fatalf("Open: %v", err)
	}
	buf := make([]byte, 64)
	n, err := boot.ReadAt(buf, 0)
	if err != nil || string(buf[:n]) != "cohesix boot: ok\n" {
		t.Fatalf("ReadAt = %q, %v", buf[:n], err)
	}
	// Stat.
	_, _, attr, err := boot.GetAttr(p9.AttrMaskAll)
	if err != nil || attr.Size != 17 || attr.Mode != 0o100444 || attr.NLink != 1 {
		t.Fatalf("GetAttr = %v, %v", attr, err)
	}
	// A write to /proc/boot is refused with EPERM.
	_, boot2, err := root.Walk([]string{"proc", "boot"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := boot2.Open(p9.WriteOnly); !errors.Is(err, linux.EPERM) {
		t.Fatalf("open /proc/boot for write: %v, want EPERM", err)
	}
	boot2.Close()
	if err := boot.Close(); err != nil {
		t.Fatalf("Clunk: %v", err)
	}

	// Write, then read back through a second fid.
	_, logw, err := root.Walk([]string{"log", "queen.log"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := logw.Open(p9.WriteOnly); err != nil {
		t.Fatalf("open log for append: %v", err)
	}
	for _, line := range []string{"one\n", "two\n"} {
		if n, err := logw.WriteAt([]byte(line), 999); err != nil || n != len(line) {
			t.Fatalf("WriteAt = %d, %v", n, err)
		}
	}
	_, logr, err := root.Walk([]string{"log", "queen.log"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := logr.Open(p9.ReadOnly); err != nil {
		t.Fatal(err)
	}
	n, err = logr.ReadAt(buf, 0)
	if err != nil || string(buf[:n]) != "one\ntwo\n" {
		t.Fatalf("log = %q, %v", buf[:n], err)
	}

	// Readdir of the root.
	_, dir, err := root.Walk(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := dir.Open(p9.ReadOnly); err != nil {
		t.Fatal(err)
	}
	ents, err := dir.Readdir(0, 4096)
	if err != nil {
		t.Fatalf("Readdir: %v", err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name)
	}
	if got := join(names); got != "log,proc,queen,worker" {
		t.Fatalf("readdir / = %s", got)
	}
	if more, err := dir.Readdir(ents[len(ents)-1].Offset, 4096); err != nil || len(more) != 0 {
		t.Fatalf("readdir past the end = %v, %v", more, err)
	}

	// Negative paths through the client.
	if _, _, err := root.Walk([]string{"proc", ".."}); !errors.Is(err, linux.EINVAL) {
		t.Errorf("walk ..: %v, want EINVAL", err)
	}
	if _, _, err := root.Walk([]string{"missing"}); !errors.Is(err, linux.ENOENT) {
		t.Errorf("walk missing: %v, want ENOENT", err)
	}
	if err := logr.(interface{ Remove() error }).Remove(); !errors.Is(err, linux.EOPNOTSUPP) {
		t.Errorf("remove: %v, want EOPNOTSUPP", err)
	}
	if _, err := root.Mkdir("x", 0o755, 0, 0); !errors.Is(err, linux.EPERM) {
		t.Errorf("mkdir: %v, want EPERM", err)
	}
	for _, f := range []p9.File{logw, dir, root} {
		if err := f.Close(); err != nil {
			t.Errorf("clunk: %v", err)
		}
	}
}

// TestInteropMsize checks that a client asking for a large msize gets 8192
// and can still move data in iounit-sized pieces.
func TestInteropMsize(t *testing.T) {
	fs := memfs.NewDefault()
	big := make([]byte, 50_000)
	for i := range big {
		big[i] = byte(i * 7)
	}
	fs.Add("/big", 2, big) // vfs.Read
	srv := p9srv.New(fs, p9srv.Options{})
	c := dial(t, serveTCP(t, srv), p9.WithMessageSize(65536))
	root, err := c.Attach("queen")
	if err != nil {
		t.Fatal(err)
	}
	_, f, err := root.Walk([]string{"big"})
	if err != nil {
		t.Fatal(err)
	}
	_, iounit, err := f.Open(p9.ReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	if iounit != 8192-24 {
		t.Errorf("iounit %d", iounit)
	}
	// hugelgupf's client keeps its own msize after Tversion, so its reads
	// ask for more than 8192 bytes and come back short; loop as for any
	// short read.
	got := make([]byte, len(big))
	total := 0
	for total < len(big) {
		n, err := f.ReadAt(got[total:], int64(total))
		if err != nil || n == 0 || n > 8192-11 {
			t.Fatalf("ReadAt at %d = %d, %v", total, n, err)
		}
		total += n
	}
	if string(got) != string(big) {
		t.Fatal("content differs")
	}
	// For the same reason its large writes arrive as frames over msize:
	// they are refused with EMSGSIZE and the connection carries on.
	_, w, err := root.Walk([]string{"log", "queen.log"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.Open(p9.WriteOnly); err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteAt(make([]byte, 20000), 0); !errors.Is(err, linux.EMSGSIZE) {
		t.Fatalf("20000-byte write: %v, want EMSGSIZE", err)
	}
	if n, err := w.WriteAt([]byte("fits\n"), 0); err != nil || n != 5 {
		t.Fatalf("small write after refusal: %d, %v", n, err)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}
