package ninedoor

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/cohesix/cohesix/services/ticket"
)

// fakeClock is the injected clock of every test.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// epoch is 2023-11-14T22:13:20Z, the issued_at of the spec's vectors.
var epoch = time.UnixMilli(1700000000000)

type fixture struct {
	t     *testing.T
	clock *fakeClock
	h     *Hive
}

func newFixture(t *testing.T, mutate ...func(*Config)) *fixture {
	t.Helper()
	clk := &fakeClock{t: epoch}
	cfg := DefaultConfig()
	cfg.Clock = clk.now
	cfg.Tests = map[string][]byte{
		"selftest_quick.coh":    []byte("ping\nEXPECT OK\n"),
		"selftest_full.coh":     []byte("ping\n"),
		"selftest_negative.coh": []byte("cat /x\n"),
	}
	for _, m := range mutate {
		m(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f := &fixture{t: t, clock: clk, h: h}
	f.poll()
	return f
}

func (f *fixture) poll() time.Time { return f.h.Poll(f.clock.t, time.Millisecond) }

// advance moves the clock and polls, as the pump would.
func (f *fixture) advance(d time.Duration) {
	f.clock.advance(d)
	f.poll()
}

func (f *fixture) attach(role vfs.Role, tk string) vfs.Session {
	f.t.Helper()
	s, err := f.h.Attach(vfs.AttachRequest{Role: role, Ticket: tk})
	if err != nil {
		f.t.Fatalf("Attach(%s): %v", role, err)
	}
	return s
}

func (f *fixture) queen() vfs.Session { return f.attach(vfs.RoleQueen, "") }

func (f *fixture) mint(c ticket.Claims) string {
	f.t.Helper()
	tk, err := ticket.Mint(c, f.h.cfg.Secrets[c.Role])
	if err != nil {
		f.t.Fatal(err)
	}
	return tk
}

func (f *fixture) worker(subject string) vfs.Session {
	return f.attach(vfs.RoleWorkerHeartbeat, f.mint(ticket.Claims{
		Role: vfs.RoleWorkerHeartbeat, HasSubject: true, Subject: subject, IssuedAtMs: unixMs(f.clock.t),
		HasTTL: true, TTL: 300, HasOps: true, Ops: 10000, HasTicks: true, Ticks: 1000,
	}))
}

func split(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func readAll(s vfs.Session, p string) (string, error) {
	fl, err := s.Open(split(p), vfs.OpenRead)
	if err != nil {
		return "", err
	}
	defer fl.Close()
	var out []byte
	buf := make([]byte, 100)
	off := uint64(0)
	for {
		n, err := fl.ReadAt(buf, off)
		out = append(out, buf[:n]...)
		off += uint64(n)
		if errors.Is(err, io.EOF) {
			return string(out), nil
		}
		if err != nil {
			return string(out), err
		}
	}
}

func echo(s vfs.Session, p, payload string) error {
	fl, err := s.Open(split(p), vfs.OpenAppend)
	if err != nil {
		return err
	}
	defer fl.Close()
	_, err = fl.Append([]byte(payload))
	return err
}

func names(s vfs.Session, p string) (string, error) {
	st, err := s.List(split(p))
	if err != nil {
		return "", err
	}
	var n []string
	for _, e := range st {
		n = append(n, e.Name)
	}
	return strings.Join(n, " "), nil
}

func (f *fixture) mustRead(s vfs.Session, p string) string {
	f.t.Helper()
	out, err := readAll(s, p)
	if err != nil {
		f.t.Fatalf("read %s: %v", p, err)
	}
	return out
}

func (f *fixture) mustEcho(s vfs.Session, p, payload string) {
	f.t.Helper()
	if err := echo(s, p, payload); err != nil {
		f.t.Fatalf("echo %s %s: %v", p, payload, err)
	}
}

func (f *fixture) mustList(s vfs.Session, p string) string {
	f.t.Helper()
	out, err := names(s, p)
	if err != nil {
		f.t.Fatalf("ls %s: %v", p, err)
	}
	return out
}

// logHas reports whether some queen log line contains sub.
func (f *fixture) logHas(sub string) bool {
	for _, l := range f.h.LogLines() {
		if strings.Contains(l.Text, sub) {
			return true
		}
	}
	return false
}

func (f *fixture) wantLog(sub string) {
	f.t.Helper()
	if !f.logHas(sub) {
		var b strings.Builder
		for _, l := range f.h.LogLines() {
			b.WriteString(l.Text + "\n")
		}
		f.t.Fatalf("queen log lacks %q:\n%s", sub, b.String())
	}
}

// wantErr checks err's Kind and, when tag is non-empty, its Tag.
func wantErr(t *testing.T, what string, err error, kind vfs.Kind, tag string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want %v", what, kind)
	}
	e := vfs.AsError(err)
	if e.Kind != kind || (tag != "" && e.Tag != tag) {
		t.Fatalf("%s: err = %v (kind %v tag %q), want kind %v tag %q", what, err, e.Kind, e.Tag, kind, tag)
	}
}
