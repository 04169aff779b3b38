package memconn

import (
	"errors"
	"io"
	"testing"
)

func TestPipe(t *testing.T) {
	client, server := Pipe(4, "c", "s")
	if n, err := client.Write([]byte("abcdef")); n != 4 || err != nil {
		t.Fatalf("Write = %d, %v; want a short write of 4", n, err)
	}
	buf := make([]byte, 8)
	if n, err := server.Read(buf); n != 4 || err != nil || string(buf[:n]) != "abcd" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	if n, err := server.Read(buf); n != 0 || err != nil {
		t.Fatalf("empty Read = %d, %v; want 0, nil", n, err)
	}
	client.Write([]byte("xy"))
	client.Close()
	if !server.PeerClosed() || !client.Closed() {
		t.Fatal("close not seen")
	}
	if n, err := server.Read(buf); string(buf[:n]) != "xy" || err != nil {
		t.Fatalf("Read after peer close = %q, %v; want the rest first", buf[:n], err)
	}
	if _, err := server.Read(buf); err != io.EOF {
		t.Fatalf("Read at end = %v; want io.EOF", err)
	}
	if _, err := server.Write([]byte("z")); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("Write to a closed peer = %v", err)
	}
	if _, err := client.Read(buf); err != ErrClosed {
		t.Fatalf("Read on a closed end = %v", err)
	}
	if client.RemoteAddr() != "s" || server.RemoteAddr() != "c" {
		t.Fatal("names swapped")
	}
}

func TestListener(t *testing.T) {
	ln := NewListener("mem:1", 16)
	if c, err := ln.Accept(); c != nil || err != nil {
		t.Fatalf("Accept with none pending = %v, %v", c, err)
	}
	a, _ := ln.Dial()
	b, _ := ln.Dial()
	sa, _ := ln.Accept()
	a.Write([]byte("1"))
	buf := make([]byte, 4)
	if n, _ := sa.Read(buf); string(buf[:n]) != "1" {
		t.Fatal("first accept is not the first dial")
	}
	ln.Close()
	if !b.PeerClosed() {
		t.Fatal("pending connection not closed by Close")
	}
	if _, err := ln.Dial(); err != ErrClosed {
		t.Fatalf("Dial after Close = %v", err)
	}
}
