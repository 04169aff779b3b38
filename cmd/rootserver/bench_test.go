//go:build !cohesix

package main

import (
	"encoding/binary"
	"io"
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cohesix/cohesix/kernel-glue/hosted"
	"github.com/cohesix/cohesix/p9srv/proto"
)

// inProcess runs the hosted system on its own loop in this process, so a
// benchmark measures the services and the loopback sockets, not process
// start-up. It returns the console and 9P addresses.
func inProcess(b *testing.B) (consoleAddr, ninepAddr string) {
	b.Helper()
	loop, err := hosted.NewLoop()
	if err != nil {
		b.Fatal(err)
	}
	opts, err := hostedOptions("")
	if err != nil {
		b.Fatal(err)
	}
	sys, err := newSystem(hosted.Clock{}, loop, opts)
	if err != nil {
		b.Fatal(err)
	}
	ln, err := loop.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ln9, err := loop.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	sys.console.AddListener(listener{ln})
	sys.serve9P(listener{ln9})
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		// The pump is single-threaded by design; the benchmark's clients
		// run on other goroutines, as remote peers would.
		runtime.LockOSThread()
		sys.pump.Run(stop.Load)
		close(done)
	}()
	b.Cleanup(func() {
		stop.Store(true)
		// Wake the loop: a connection attempt is I/O.
		if c, err := net.Dial("tcp", ln.Addr()); err == nil {
			c.Close()
		}
		<-done
		ln.Close()
		ln9.Close()
		loop.Close()
	})
	return ln.Addr(), ln9.Addr()
}

// benchConsole dials the in-process console and authenticates.
func benchConsole(b *testing.B) *rawConsole {
	b.Helper()
	addr, _ := inProcess(b)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	c := &rawConsole{t: b, conn: conn}
	c.send("AUTH changeme")
	c.expect("OK AUTH")
	return c
}

func BenchmarkConsolePingTCP(b *testing.B) {
	c := benchConsole(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.send("PING")
		c.expect("OK PING reply=pong")
		c.expect("PONG")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
}

func BenchmarkConsoleCatBootTCP(b *testing.B) {
	c := benchConsole(b)
	c.send("ATTACH queen")
	c.expect("OK ATTACH role=queen")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.send("CAT /proc/boot")
		c.until("END")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
}

// sessionsPerRound is how many 9P sessions BenchmarkNinePSessionMemory holds
// at once: the server's default connection limit.
const sessionsPerRound = 16

// BenchmarkNinePSessionMemory attaches sessionsPerRound 9P sessions, each
// with one walked fid, and reports the heap held per session. The clients
// are bare sockets speaking the codec directly, so almost all of the figure
// is server state (connection buffers, fid table, the NineDoor session).
func BenchmarkNinePSessionMemory(b *testing.B) {
	_, addr := inProcess(b)
	var perSession float64
	for i := 0; i < b.N; i++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		conns := make([]net.Conn, 0, sessionsPerRound)
		for j := 0; j < sessionsPerRound; j++ {
			conns = append(conns, attach9P(b, addr))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perSession = (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / sessionsPerRound
		for _, c := range conns {
			c.Close()
		}
		// Let the server notice the closes before the next round.
		time.Sleep(20 * time.Millisecond)
	}
	b.ReportMetric(perSession, "heap-B/session")
}

// attach9P opens a 9P session as the queen and walks a fid to /proc/boot.
func attach9P(b *testing.B, addr string) net.Conn {
	b.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	rpc := func(tag uint16, m proto.Msg) {
		if _, err := c.Write(proto.Append(nil, tag, m)); err != nil {
			b.Fatal(err)
		}
		var hdr [4]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			b.Fatal(err)
		}
		frame := make([]byte, binary.LittleEndian.Uint32(hdr[:]))
		copy(frame, hdr[:])
		if _, err := io.ReadFull(c, frame[4:]); err != nil {
			b.Fatal(err)
		}
		if _, r, err := proto.Decode(frame); err != nil {
			b.Fatal(err)
		} else if e, ok := r.(*proto.RlerrorMsg); ok {
			b.Fatalf("%T: Rlerror %+v", m, e)
		}
	}
	rpc(0xffff, &proto.TversionMsg{Msize: 8192, Version: "9P2000.L"})
	rpc(1, &proto.TattachMsg{Fid: 1, Afid: ^uint32(0), Aname: "queen"})
	rpc(2, &proto.TwalkMsg{Fid: 1, Newfid: 2, Names: []string{"proc", "boot"}})
	return c
}
