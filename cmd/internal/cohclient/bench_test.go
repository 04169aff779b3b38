package cohclient

import (
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/cohesix/cohesix/images/rootfs"
	"github.com/cohesix/cohesix/p9srv/vfs"
)

func BenchmarkParseScript(b *testing.B) {
	src, err := fs.ReadFile(rootfs.FS, "proc/tests/selftest_full.coh")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseScript(strings.NewReader(string(src))); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSpawnJSON(b *testing.B) {
	args := []string{"ticks=2", "ttl_s=30", "ops=100"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SpawnJSON("heartbeat", args); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMockPing is one PING round trip through the client, the
// in-memory pipe and the pumped console server.
func BenchmarkMockPing(b *testing.B) {
	m, err := NewMock(MockConfig{})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	con := NewConsole("mock", 0, "changeme")
	con.Dial, con.Log = m.Dial, io.Discard
	con.Policy.Timeout = 2 * time.Second
	defer con.Close()
	if _, err := con.Attach(vfs.RoleQueen, ""); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if r, err := con.Ping(); err != nil || r != "pong" {
			b.Fatal(r, err)
		}
		con.DrainAcks()
	}
}
