//go:build linux

package hosted

import (
	"bytes"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

func newLoop(t *testing.T) *Loop {
	t.Helper()
	l, err := NewLoop()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// pollUntil runs the loop until cond holds or a generous limit passes.
func pollUntil(t *testing.T, l *Loop, cond func() bool) {
	t.Helper()
	limit := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(limit) {
			t.Fatal("condition not reached")
		}
		l.Wait(time.Now().Add(50 * time.Millisecond))
	}
}

func TestListenAcceptEcho(t *testing.T) {
	l := newLoop(t)
	ln, err := l.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if c, err := ln.Accept(); c != nil || err != nil {
		t.Fatalf("Accept with nothing pending = %v, %v; want nil, nil", c, err)
	}
	peer, err := net.Dial("tcp", ln.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()

	var conn *Conn
	pollUntil(t, l, func() bool {
		conn, err = ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		return conn != nil
	})
	buf := make([]byte, 64)
	if n, err := conn.Read(buf); n != 0 || err != nil {
		t.Fatalf("Read with nothing ready = %d, %v; want 0, nil", n, err)
	}
	if _, err := peer.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	var got []byte
	pollUntil(t, l, func() bool {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, buf[:n]...)
		return len(got) == 5
	})
	if string(got) != "hello" {
		t.Fatalf("read %q", got)
	}
	if n, err := conn.Write([]byte("world")); n != 5 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	reply := make([]byte, 5)
	if _, err := io.ReadFull(peer, reply); err != nil || string(reply) != "world" {
		t.Fatalf("peer read %q, %v", reply, err)
	}
	peer.Close()
	pollUntil(t, l, func() bool {
		_, err := conn.Read(buf)
		return err == io.EOF
	})
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	if err := conn.Close(); err != nil {
		t.Fatalf("second Close = %v; want nil", err)
	}
	if _, err := conn.Read(buf); err == nil {
		t.Fatal("Read after Close succeeded")
	}
}

func TestPartialWriteUnderBackPressure(t *testing.T) {
	l := newLoop(t)
	ln, err := l.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peer, err := net.Dial("tcp", ln.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	var conn *Conn
	pollUntil(t, l, func() bool { conn, _ = ln.Accept(); return conn != nil })
	defer conn.Close()

	// The peer never reads: the kernel buffers fill and Write must report
	// a short count instead of blocking.
	chunk := bytes.Repeat([]byte{'x'}, 1<<20)
	total := 0
	for i := 0; i < 64; i++ {
		n, err := conn.Write(chunk)
		if err != nil {
			t.Fatal(err)
		}
		total += n
		if n < len(chunk) {
			return
		}
	}
	t.Fatalf("wrote %d bytes to a peer that never reads without a short write", total)
}

func TestWaitHonoursDeadline(t *testing.T) {
	l := newLoop(t)
	start := time.Now()
	l.Wait(start.Add(30 * time.Millisecond))
	if d := time.Since(start); d < 25*time.Millisecond {
		t.Fatalf("Wait returned after %v, before its 30ms deadline", d)
	}
	start = time.Now()
	l.Wait(start.Add(-time.Second))
	if d := time.Since(start); d > 20*time.Millisecond {
		t.Fatalf("Wait with a past deadline blocked %v", d)
	}
}

func TestWaitWakesOnInput(t *testing.T) {
	l := newLoop(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c, err := l.PipeConn(int(r.Fd()), int(w.Fd()), "pipe")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go func() {
		time.Sleep(20 * time.Millisecond)
		w.Write([]byte("x"))
	}()
	// Registration itself may produce a (spurious) writable edge; after
	// that, an I/O-only Wait must sleep until the write arrives.
	buf := make([]byte, 4)
	start := time.Now()
	for {
		l.Wait(time.Time{})
		n, err := c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Since(start) > 2*time.Second {
			t.Fatal("Wait did not wake on input")
		}
	}
	if d := time.Since(start); d < 10*time.Millisecond {
		t.Fatalf("read data after %v, before the writer wrote it", d)
	}
}

func TestRegularFileIsAlwaysReady(t *testing.T) {
	l := newLoop(t)
	f, err := os.CreateTemp(t.TempDir(), "stdin")
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("line\n")
	f.Seek(0, 0)
	out, err := os.CreateTemp(t.TempDir(), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	c, err := l.PipeConn(int(f.Fd()), int(out.Fd()), "file")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	l.Wait(time.Time{}) // must not block: the file is readable
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Wait blocked %v on an unwatchable, readable file", d)
	}
	buf := make([]byte, 16)
	if n, _ := c.Read(buf); string(buf[:n]) != "line\n" {
		t.Fatalf("read %q", buf[:n])
	}
	if _, err := c.Read(buf); err != io.EOF {
		t.Fatalf("Read at end = %v; want EOF", err)
	}
	if l.ready != 0 {
		t.Fatalf("ready count %d after EOF; want 0", l.ready)
	}
	c.Close()
}

func TestParseAddr(t *testing.T) {
	for _, tc := range []struct {
		in   string
		ok   bool
		want string
	}{
		{"127.0.0.1:31337", true, "127.0.0.1:31337"},
		{"localhost:1", true, "127.0.0.1:1"},
		{":31337", true, "0.0.0.0:31337"},
		{"[::1]:9", true, "[::1]:9"},
		{"127.0.0.1", false, ""},
		{"127.0.0.1:70000", false, ""},
		{"example.com:80", false, ""},
	} {
		sa, _, err := parseAddr(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("parseAddr(%q) err = %v; want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && sockaddrString(sa) != tc.want {
			t.Errorf("parseAddr(%q) = %s; want %s", tc.in, sockaddrString(sa), tc.want)
		}
	}
}
