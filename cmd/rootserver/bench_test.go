package main

import (
	"net"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/cohesix/cohesix/kernel-glue/hosted"
	"github.com/hugelgupf/p9/p9"
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

func BenchmarkConsolePingTCP(b *testing.B) {
	addr, _ := inProcess(b)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	c := &rawConsole{t: b, conn: conn}
	c.send("AUTH changeme")
	c.expect("OK AUTH")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.send("PING")
		c.expect("OK PING reply=pong")
		c.expect("PONG")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
}

func BenchmarkConsoleCatBootTCP(b *testing.B) {
	addr, _ := inProcess(b)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	c := &rawConsole{t: b, conn: conn}
	c.send("AUTH changeme")
	c.expect("OK AUTH")
	c.send("ATTACH queen")
	c.expect("OK ATTACH role=queen")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.send("CAT /proc/boot")
		c.until("END")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
}

// BenchmarkNinePSessionMemory attaches b.N 9P sessions at once and reports
// the heap they hold each.
func BenchmarkNinePSessionMemory(b *testing.B) {
	_, addr := inProcess(b)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	clients := make([]*p9.Client, 0, b.N)
	for i := 0; i < b.N; i++ {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		cl, err := p9.NewClient(conn, p9.WithMessageSize(8192))
		if err != nil {
			b.Fatal(err)
		}
		root, err := cl.Attach("queen")
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := root.Walk([]string{"proc", "boot"}); err != nil {
			b.Fatal(err)
		}
		clients = append(clients, cl)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.StopTimer()
	// The clients live in this process too; the figure is an upper bound on
	// the server's share (client plus server state per session).
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(b.N), "heap-B/session")
	for _, cl := range clients {
		cl.Close()
	}
}
