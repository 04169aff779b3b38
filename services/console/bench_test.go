package console

import (
	"testing"

	"github.com/cohesix/cohesix/services/console/wire"
)

// benchCommand measures one request/reply round through the in-memory conn:
// the client writes a frame, the server is polled, the client drains.
func benchCommand(b *testing.B, line string) {
	srv, _, clk, ln := newTestServer(DefaultConfig())
	c := queen(b, srv, clk, ln)
	frame := wire.Frame(line)
	var buf [32 << 10]byte
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c.c.Write(frame)
		srv.Poll(clk.Now(), 0)
		n, _ := c.c.Read(buf[:])
		if n == 0 {
			b.Fatal("no reply")
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
}

func BenchmarkPing(b *testing.B)        { benchCommand(b, "PING") }
func BenchmarkCatProcBoot(b *testing.B) { benchCommand(b, "CAT /proc/boot") }

// BenchmarkPipelinedPing measures throughput with 32 requests per write.
func BenchmarkPipelinedPing(b *testing.B) {
	srv, _, clk, ln := newTestServer(DefaultConfig())
	c := queen(b, srv, clk, ln)
	var batch []byte
	for range 32 {
		batch = wire.AppendFrame(batch, "PING")
	}
	var buf [32 << 10]byte
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c.c.Write(batch)
		srv.Poll(clk.Now(), 0)
		for {
			n, _ := c.c.Read(buf[:])
			if n == 0 {
				break
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(32*float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
}
