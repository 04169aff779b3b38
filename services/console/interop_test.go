//go:build interop

// Interop with the reference cohsh client over real loopback TCP. It needs
// the reference release bundle and qemu-aarch64-static, so it only builds
// with -tags interop:
//
//	go test -tags interop -run Interop -v ./services/console/
package console

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cohesix/cohesix/images/rootfs"
	"github.com/cohesix/cohesix/kernel-glue/hosted"
	"github.com/cohesix/cohesix/services/netio"
	"github.com/cohesix/cohesix/services/ninedoor"
	"github.com/cohesix/cohesix/services/pump"
)

const refBundle = "/work/ref/releases/Cohesix-0.3.0-alpha2-linux"

// hostedListener adapts hosted.Listener to netio.Listener without the
// typed-nil trap (a nil *hosted.Conn in a netio.Conn is not nil).
type hostedListener struct{ *hosted.Listener }

func (l hostedListener) Accept() (netio.Conn, error) {
	c, err := l.Listener.Accept()
	if c == nil {
		return nil, err
	}
	return c, err
}

func TestInteropReferenceCohsh(t *testing.T) {
	loop, err := hosted.NewLoop()
	if err != nil {
		t.Fatal(err)
	}
	defer loop.Close()
	ln, err := loop.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := ninedoor.DefaultConfig()
	cfg.Tests = map[string][]byte{}
	fs.WalkDir(rootfs.FS, "proc/tests", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(rootfs.FS, p)
			cfg.Tests[filepath.Base(p)] = b
		}
		return nil
	})
	h, err := ninedoor.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := New(DefaultConfig(), nineDoor{h}, hosted.Clock{})
	srv.AddListener(hostedListener{ln})
	p := pump.New(hosted.Clock{}, loop)
	p.Add("ninedoor", h, time.Millisecond)
	p.Add("console", srv, time.Millisecond)
	// Wake at least every 50 ms so the loop notices stop.
	p.Add("tick", pump.TaskFunc(func(now time.Time, _ time.Duration) time.Time { return now.Add(50 * time.Millisecond) }), 0)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // the test drives the pump from one goroutine, as the image would
		defer close(done)
		p.Run(func() bool {
			select {
			case <-stop:
				return true
			default:
				return false
			}
		})
	}()
	defer func() { close(stop); <-done }()

	port := ln.Addr()[strings.LastIndexByte(ln.Addr(), ':')+1:]
	expectFail := false
	run := func(t *testing.T, script string, args ...string) string {
		dir := t.TempDir()
		path := filepath.Join(dir, "s.coh")
		os.WriteFile(path, []byte(script), 0o644)
		base := []string{"-L", "/usr/aarch64-linux-gnu", refBundle + "/bin/cohsh",
			"--transport", "tcp", "--tcp-host", "127.0.0.1", "--tcp-port", port}
		if script != "" {
			base = append(base, "--script", path)
		}
		cmd := exec.Command("qemu-aarch64-static", append(base, args...)...)
		cmd.Env = append(os.Environ(), "COHSH_CONSOLE_LOCK=0", "TMPDIR="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil && !expectFail {
			t.Fatalf("cohsh: %v\n%s", err, out)
		}
		if err == nil && expectFail {
			t.Fatalf("cohsh succeeded; want a failure\n%s", out)
		}
		return string(out)
	}
	// Full mode assumes a fresh hive whose first worker is worker-1, so it runs first.
	t.Run("selftest", func(t *testing.T) {
		out := run(t, "attach queen\nEXPECT OK\ntest --mode full --json\nquit\n")
		t.Logf("cohsh output:\n%s", out)
		if !strings.Contains(out, `{"ok":true,"mode":"full"`) {
			t.Fatal("self-test report is not ok")
		}
	})
	t.Run("script", func(t *testing.T) {
		out := run(t, `attach queen
EXPECT OK
log
EXPECT OK
cat /proc/boot
EXPECT SUBSTR event_pump.fds
ls /proc
EXPECT OK
echo batch-1 > /log/queen.log
EXPECT OK
echo batch-2 > /log/queen.log
EXPECT OK
cat /log/queen.log
EXPECT SUBSTR batch-1|batch-2
spawn heartbeat ticks=2 ttl_s=30
EXPECT OK
tail /worker/worker-2/telemetry
EXPECT OK
kill worker-2
EXPECT OK
ping
EXPECT OK
cat /proc/nothing
EXPECT ERR
quit
`)
		t.Logf("cohsh output:\n%s", out)
		for _, want := range []string{"batch-1|batch-2", "ping: pong",
			"[console] ERR CAT reason=policy detail=invalid-path path=/proc/nothing error=invalid path"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q", want)
			}
		}
	})
	t.Run("wrong token", func(t *testing.T) {
		expectFail = true
		defer func() { expectFail = false }()
		out := run(t, "attach queen\nEXPECT OK\nquit\n", "--auth-token", "wrongtok")
		t.Logf("cohsh output:\n%s", out)
		if !strings.Contains(out, "invalid-token") && !strings.Contains(out, "ERR AUTH") {
			t.Fatal("the ERR AUTH line did not reach the client")
		}
	})
	for _, name := range []string{"boot_v0.coh", "tcp_basic.coh"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(refBundle + "/scripts/cohsh/" + name)
			if err != nil {
				t.Fatal(err)
			}
			out := run(t, string(b))
			t.Logf("cohsh output:\n%s", out)
		})
	}
}
