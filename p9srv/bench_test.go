package p9srv_test

import (
	"encoding/binary"
	"io"
	"net"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hugelgupf/p9/fsimpl/templatefs"
	"github.com/hugelgupf/p9/linux"
	"github.com/hugelgupf/p9/p9"

	"github.com/cohesix/cohesix/kernel-glue/hosted"
	"github.com/cohesix/cohesix/p9srv"
	"github.com/cohesix/cohesix/p9srv/internal/conntest"
	"github.com/cohesix/cohesix/p9srv/internal/memfs"
	"github.com/cohesix/cohesix/p9srv/proto"
)

// The benchmarks measure one cycle: walk(/proc/boot) + lopen + read +
// clunk, each request answered before the next is sent, against this
// server and against hugelgupf/p9's server serving the same one file.
// Every figure is cycles/s (reported as cycles/s) and, for walk+getattr,
// the p50 latency.

var bootText = []byte("cohesix boot: ok\n")

// cycleFrames are the four requests of one cycle, pre-encoded.
func cycleFrames() [][]byte {
	return [][]byte{
		proto.Append(nil, 1, &proto.TwalkMsg{Fid: 0, Newfid: 1, Names: []string{"proc", "boot"}}),
		proto.Append(nil, 2, &proto.TlopenMsg{Fid: 1, Flags: 0}),
		proto.Append(nil, 3, &proto.TreadMsg{Fid: 1, Offset: 0, Count: 4096}),
		proto.Append(nil, 4, &proto.TclunkMsg{Fid: 1}),
	}
}

var wantReply = []proto.Type{proto.Rwalk, proto.Rlopen, proto.Rread, proto.Rclunk}

func handshakeFrames() [][]byte {
	return [][]byte{
		proto.Append(nil, proto.NoTag, &proto.TversionMsg{Msize: 8192, Version: proto.Version}),
		proto.Append(nil, 0, &proto.TattachMsg{Fid: 0, Afid: proto.NoFid, Aname: "queen"}),
	}
}

func reportCycles(b *testing.B, start time.Time) {
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "cycles/s")
}

// BenchmarkCycleInProcess drives the server directly: frames go into an
// in-memory conn, one Poll answers each, no goroutines or syscalls.
func BenchmarkCycleInProcess(b *testing.B) {
	srv := p9srv.New(memfs.NewDefault(), p9srv.Options{})
	mem := &conntest.Mem{}
	srv.AddConn(mem)
	now := time.Unix(0, 0)
	rpc := func(frame []byte, want proto.Type) {
		mem.In.Write(frame)
		srv.Poll(now, time.Millisecond)
		out := mem.Out.Bytes()
		if len(out) < proto.HeaderSize || proto.Type(out[4]) != want || int(binary.LittleEndian.Uint32(out)) != len(out) {
			b.Fatalf("reply % x, want %v", out[:min(len(out), 16)], want)
		}
		mem.Out.Reset()
	}
	hs := handshakeFrames()
	rpc(hs[0], proto.Rversion)
	rpc(hs[1], proto.Rattach)
	frames := cycleFrames()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		for j, f := range frames {
			rpc(f, wantReply[j])
		}
	}
	reportCycles(b, start)
}

// rawRPC sends one frame over a blocking stream and reads its reply.
func rawRPC(b *testing.B, rw io.ReadWriter, buf []byte, frame []byte, want proto.Type) {
	if _, err := rw.Write(frame); err != nil {
		b.Fatal(err)
	}
	if _, err := io.ReadFull(rw, buf[:proto.HeaderSize]); err != nil {
		b.Fatal(err)
	}
	size := binary.LittleEndian.Uint32(buf)
	if size < proto.HeaderSize || size > uint32(len(buf)) {
		b.Fatalf("reply size %d", size)
	}
	if _, err := io.ReadFull(rw, buf[proto.HeaderSize:size]); err != nil {
		b.Fatal(err)
	}
	if proto.Type(buf[4]) != want {
		b.Fatalf("reply type %v, want %v", proto.Type(buf[4]), want)
	}
}

// BenchmarkCycleInProcessHugelgupf is the same raw-frame client against
// hugelgupf's server over net.Pipe, the most direct in-memory path it has
// (its server is goroutine-per-connection and blocking).
func BenchmarkCycleInProcessHugelgupf(b *testing.B) {
	cli, srvSide := net.Pipe()
	go p9.NewServer(oneFile{}).Handle(srvSide, srvSide)
	defer cli.Close()
	buf := make([]byte, 8192)
	rawRPC(b, cli, buf, handshakeFrames()[0], proto.Rversion)
	rawRPC(b, cli, buf, proto.Append(nil, 0, &proto.TattachMsg{Fid: 0, Afid: proto.NoFid, Aname: anameHugelgupf}), proto.Rattach)
	frames := cycleFrames()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		for j, f := range frames {
			rawRPC(b, cli, buf, f, wantReply[j])
		}
	}
	reportCycles(b, start)
}

// serveHosted runs srv on the hosted embedding's epoll loop on its own
// goroutine, as the rootserver would, and returns the listen address.
func serveHosted(b *testing.B, srv *p9srv.Server) string {
	loop, err := hosted.NewLoop()
	if err != nil {
		b.Fatal(err)
	}
	ln, err := loop.Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		var lastAccept time.Time
		for !stop.Load() {
			now := time.Now()
			// The benchmarks dial once up front, so polling the listener
			// every millisecond instead of every round keeps an accept4
			// syscall per request out of the figures.
			for now.Sub(lastAccept) > time.Millisecond {
				c, err := ln.Accept()
				if err != nil || c == nil {
					lastAccept = now
					break
				}
				srv.AddConn(c)
			}
			next := srv.Poll(now, time.Millisecond)
			if !next.IsZero() && !next.After(now) {
				continue
			}
			loop.Wait(now.Add(20 * time.Millisecond))
		}
		srv.Close()
		ln.Close()
		loop.Close()
	}()
	b.Cleanup(func() { stop.Store(true); <-done })
	return ln.Addr()
}

// serveHugelgupf runs hugelgupf's server on a loopback listener.
func serveHugelgupf(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go p9.NewServer(oneFile{}).Serve(l)
	b.Cleanup(func() { l.Close() })
	return l.Addr().String()
}

// tcpCycles runs b.N cycles split over conns hugelgupf clients.
// hugelgupf's server walks the aname from its root, so its clients attach
// with an empty one; ours carries the role in it.
const (
	anameCohesix   = "queen"
	anameHugelgupf = ""
)

func tcpCycles(b *testing.B, addr, aname string, conns int) {
	roots := make([]p9.File, conns)
	for i := range roots {
		c := dial(b, addr)
		root, err := c.Attach(aname)
		if err != nil {
			b.Fatal(err)
		}
		roots[i] = root
	}
	var wg sync.WaitGroup
	var failed atomic.Value
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i, root := range roots {
		n := b.N / conns
		if i < b.N%conns {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 4096)
			for k := 0; k < n; k++ {
				_, f, err := root.Walk([]string{"proc", "boot"})
				if err == nil {
					_, _, err = f.Open(p9.ReadOnly)
				}
				if err == nil {
					var m int
					m, err = f.ReadAt(buf, 0)
					if err == nil && m != len(bootText) {
						err = io.ErrShortBuffer
					}
				}
				if err == nil {
					err = f.Close()
				}
				if err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	reportCycles(b, start)
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkCycleTCP(b *testing.B) {
	for _, conns := range []int{1, 4} {
		b.Run(itoa(conns)+"conn", func(b *testing.B) {
			tcpCycles(b, serveHosted(b, p9srv.New(memfs.NewDefault(), p9srv.Options{})), anameCohesix, conns)
		})
		b.Run(itoa(conns)+"conn-hugelgupf", func(b *testing.B) {
			tcpCycles(b, serveHugelgupf(b), anameHugelgupf, conns)
		})
	}
}

// BenchmarkCycleTCPRaw uses the light raw-frame client over one loopback
// connection, so less of each cycle is client cost and more is server.
func BenchmarkCycleTCPRaw(b *testing.B) {
	for _, tc := range []struct {
		name  string
		serve func(b *testing.B) string
		aname string
	}{
		{"cohesix", func(b *testing.B) string {
			return serveHosted(b, p9srv.New(memfs.NewDefault(), p9srv.Options{}))
		}, anameCohesix},
		{"hugelgupf", serveHugelgupf, anameHugelgupf},
	} {
		b.Run(tc.name, func(b *testing.B) {
			conn, err := net.Dial("tcp", tc.serve(b))
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			buf := make([]byte, 8192)
			rawRPC(b, conn, buf, handshakeFrames()[0], proto.Rversion)
			rawRPC(b, conn, buf, proto.Append(nil, 0, &proto.TattachMsg{Fid: 0, Afid: proto.NoFid, Aname: tc.aname}), proto.Rattach)
			frames := cycleFrames()
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				for j, f := range frames {
					rawRPC(b, conn, buf, f, wantReply[j])
				}
			}
			reportCycles(b, start)
		})
	}
}

// walkGetattr times walk(/proc/boot)+getattr on one TCP connection and
// reports the p50 (the clunk after each is not timed).
func walkGetattr(b *testing.B, addr, aname string) {
	root, err := dial(b, addr).Attach(aname)
	if err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		_, f, err := root.Walk([]string{"proc", "boot"})
		if err != nil {
			b.Fatal(err)
		}
		if _, _, attr, err := f.GetAttr(p9.AttrMaskAll); err != nil || attr.Size != uint64(len(bootText)) {
			b.Fatalf("getattr %v %v", attr, err)
		}
		lat = append(lat, time.Since(t0))
		b.StopTimer()
		f.Close()
		b.StartTimer()
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
}

func BenchmarkWalkGetattrTCP(b *testing.B) {
	b.Run("cohesix", func(b *testing.B) {
		walkGetattr(b, serveHosted(b, p9srv.New(memfs.NewDefault(), p9srv.Options{})), anameCohesix)
	})
	b.Run("hugelgupf", func(b *testing.B) { walkGetattr(b, serveHugelgupf(b), anameHugelgupf) })
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + itoa(n%10)
}

// oneFile is the hugelgupf side of the comparison: a root directory with
// proc/boot, nothing else, implemented as directly as p9.File allows.
type oneFile struct{}

func (oneFile) Attach() (p9.File, error) { return &hnode{kind: nodeRoot}, nil }

type nodeKind uint8

const (
	nodeRoot nodeKind = iota
	nodeProc
	nodeBoot
)

type hnode struct {
	templatefs.NoopFile
	kind nodeKind
}

func (n *hnode) qid() p9.QID {
	if n.kind == nodeBoot {
		return p9.QID{Type: p9.TypeRegular, Path: uint64(n.kind) + 1}
	}
	return p9.QID{Type: p9.TypeDir, Path: uint64(n.kind) + 1}
}

func (n *hnode) Walk(names []string) ([]p9.QID, p9.File, error) {
	cur := n.kind
	var qids []p9.QID
	for _, name := range names {
		switch {
		case cur == nodeRoot && name == "proc":
			cur = nodeProc
		case cur == nodeProc && name == "boot":
			cur = nodeBoot
		default:
			return nil, nil, linux.ENOENT
		}
		qids = append(qids, (&hnode{kind: cur}).qid())
	}
	return qids, &hnode{kind: cur}, nil
}

func (n *hnode) GetAttr(req p9.AttrMask) (p9.QID, p9.AttrMask, p9.Attr, error) {
	attr := p9.Attr{Mode: p9.ModeDirectory | 0o555, NLink: 1, BlockSize: 4096}
	if n.kind == nodeBoot {
		attr.Mode = p9.ModeRegular | 0o444
		attr.Size = uint64(len(bootText))
	}
	return n.qid(), p9.AttrMask{Mode: true, NLink: true, Size: true}, attr, nil
}

func (n *hnode) Open(mode p9.OpenFlags) (p9.QID, uint32, error) {
	if n.kind == nodeBoot && mode.Mode() != p9.ReadOnly {
		return p9.QID{}, 0, linux.EPERM
	}
	return n.qid(), 0, nil
}

func (n *hnode) ReadAt(p []byte, off int64) (int, error) {
	if n.kind != nodeBoot {
		return 0, linux.EISDIR
	}
	if off >= int64(len(bootText)) {
		return 0, nil
	}
	return copy(p, bootText[off:]), nil
}
