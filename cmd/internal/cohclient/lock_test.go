package cohclient

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestConsoleLockPath(t *testing.T) {
	t.Setenv("TMPDIR", "/tmp/x")
	tests := map[string]string{
		"127.0.0.1":   "/tmp/x/cohesix-console-127.0.0.1-31337.lock",
		"my-host.lan": "/tmp/x/cohesix-console-my-host.lan-31337.lock",
		"::1":         "/tmp/x/cohesix-console-__1-31337.lock",
		"h/é st":      "/tmp/x/cohesix-console-h___st-31337.lock", // one '_' per character, as the reference
	}
	for host, want := range tests {
		got := ConsoleLockPath(host, 31337)
		if got != want {
			t.Errorf("ConsoleLockPath(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestConsoleLockExcludes(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	l, err := AcquireConsoleLock("127.0.0.1", 4242)
	if err != nil {
		t.Fatal(err)
	}
	if l.Path() != filepath.Join(dir, "cohesix-console-127.0.0.1-4242.lock") {
		t.Errorf("lock path %s", l.Path())
	}
	b, _ := os.ReadFile(l.Path())
	if string(b) != "pid="+strconv.Itoa(os.Getpid())+"\n" {
		t.Errorf("lock file holds %q", b)
	}
	// flock locks belong to the open file, so a second open in this
	// process conflicts just as another process would.
	_, err = AcquireConsoleLock("127.0.0.1", 4242)
	if !errors.Is(err, ErrConsoleBusy) || !strings.Contains(err.Error(), "console busy: lock held at "+l.Path()+" (owner pid=") {
		t.Fatalf("second acquire: err = %v", err)
	}
	if _, err := AcquireConsoleLock("127.0.0.1", 4243); err != nil {
		t.Errorf("another port must not conflict: %v", err)
	}
	l.Release()
	l2, err := AcquireConsoleLock("127.0.0.1", 4242)
	if err != nil {
		t.Fatalf("acquire after release: %v", err)
	}
	l2.Release()
}

func TestConsoleLockEnabled(t *testing.T) {
	for v, want := range map[string]bool{"0": false, "false": false, " OFF ": false, "no": false, "1": true, "yes": true, "": true} {
		t.Setenv(ConsoleLockEnv, v)
		if got := ConsoleLockEnabled(); got != want {
			t.Errorf("%s=%q: enabled = %v, want %v", ConsoleLockEnv, v, got, want)
		}
	}
}
