//go:build !cohesix

package main

import (
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/hugelgupf/p9/linux"
	"github.com/hugelgupf/p9/p9"
)

// The standard hugelgupf/p9 client reaches the same namespace as the
// console through the rootserver's -9p listener.

func dial9P(t *testing.T, s *server, aname string) p9.File {
	t.Helper()
	if s.ninep == "" {
		t.Fatal("server started without a 9P listener")
	}
	conn, err := net.Dial("tcp", s.ninep)
	if err != nil {
		t.Fatal(err)
	}
	client, err := p9.NewClient(conn, p9.WithMessageSize(65536))
	if err != nil {
		t.Fatalf("9P version: %v", err)
	}
	t.Cleanup(func() { client.Close() })
	root, err := client.Attach(aname)
	if err != nil {
		t.Fatalf("attach %q: %v", aname, err)
	}
	return root
}

func readAll9P(t *testing.T, root p9.File, path ...string) string {
	t.Helper()
	_, f, err := root.Walk(path)
	if err != nil {
		t.Fatalf("walk %v: %v", path, err)
	}
	defer f.Close()
	if _, _, err := f.Open(p9.ReadOnly); err != nil {
		t.Fatalf("open %v: %v", path, err)
	}
	var sb strings.Builder
	buf := make([]byte, 4096)
	for off := int64(0); ; {
		n, err := f.ReadAt(buf, off)
		sb.Write(buf[:n])
		off += int64(n)
		if n == 0 || err != nil {
			break
		}
	}
	return sb.String()
}

func TestNinePSameNamespaceAsConsole(t *testing.T) {
	s := startServer(t, true)
	root := dial9P(t, s, "queen")
	boot := readAll9P(t, root, "proc", "boot")
	if !strings.HasPrefix(boot, "Cohesix boot: root-task online\n") {
		t.Fatalf("/proc/boot over 9P = %q", boot)
	}

	// A spawn written through 9P is visible on the console.
	_, ctl, err := root.Walk([]string{"queen", "ctl"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ctl.Open(p9.WriteOnly); err != nil {
		t.Fatal(err)
	}
	if _, err := ctl.WriteAt([]byte(`{"spawn":"heartbeat","ticks":5}`), 0); err != nil {
		t.Fatalf("write /queen/ctl: %v", err)
	}
	ctl.Close()
	c := attachedQueen(t, s)
	c.send("LS /worker")
	c.expect("OK LS path=/worker entries=1")

	// Writing a read-only file is refused with EPERM.
	_, bootf, err := root.Walk([]string{"proc", "boot"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := bootf.Open(p9.WriteOnly); !errors.Is(err, linux.EPERM) {
		t.Fatalf("open /proc/boot for writing: %v; want EPERM", err)
	}
	// `..` is refused.
	if _, _, err := root.Walk([]string{"proc", "..", "proc"}); err == nil {
		t.Fatal("walk through .. succeeded")
	}
	// Removal is disabled.
	_, logDir, err := root.Walk([]string{"log"})
	if err != nil {
		t.Fatal(err)
	}
	if err := logDir.UnlinkAt("queen.log", 0); err == nil {
		t.Fatal("unlink of /log/queen.log succeeded")
	}
	if got := readAll9P(t, root, "log", "queen.log"); !strings.Contains(got, "log.channel=LOGFILE") {
		t.Fatalf("/log/queen.log after the refused unlink = %q", got)
	}
}

func TestNinePWorkerCannotWriteQueenCtl(t *testing.T) {
	s := startServer(t, true)
	root := dial9P(t, s, "worker-heartbeat "+mintWorkerTicket(t))
	_, ctl, err := root.Walk([]string{"queen", "ctl"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ctl.Open(p9.WriteOnly); !errors.Is(err, linux.EPERM) {
		t.Fatalf("worker open /queen/ctl for writing: %v; want EPERM", err)
	}
}
