package cohclient

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ConsoleLockEnv disables the console lock when set to 0, false, off or no.
const ConsoleLockEnv = "COHSH_CONSOLE_LOCK"

// ConsoleLockEnabled reports whether the environment leaves the lock on.
func ConsoleLockEnabled() bool {
	v, ok := os.LookupEnv(ConsoleLockEnv)
	if !ok {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "0", "false", "off", "no":
		return false
	}
	return true
}

// ConsoleLockPath is <tmpdir>/cohesix-console-<host>-<port>.lock with host
// characters outside [A-Za-z0-9.-] replaced by '_' (§1.8). The name and
// the flock(2) lock type match the reference client so Go and Rust clients
// exclude each other.
func ConsoleLockPath(host string, port int) string {
	safe := strings.Map(func(r rune) rune {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return r
		}
		return '_'
	}, host)
	return filepath.Join(os.TempDir(), fmt.Sprintf("cohesix-console-%s-%d.lock", safe, port))
}

// ConsoleLock is a held console lock; it lasts until Release or process exit.
type ConsoleLock struct {
	f    *os.File
	path string
}

// ErrConsoleBusy is wrapped by AcquireConsoleLock when another client holds the lock.
var ErrConsoleBusy = errors.New("console busy")

// AcquireConsoleLock takes the non-blocking exclusive flock on the console
// lock file and records "pid=<pid>" in it.
func AcquireConsoleLock(host string, port int) (*ConsoleLock, error) {
	path := ConsoleLockPath(host, port)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("failed to open console lock %s: %w", path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			owner := "unknown"
			if b, rerr := os.ReadFile(path); rerr == nil && strings.TrimSpace(string(b)) != "" {
				owner = strings.TrimSpace(string(b))
			}
			return nil, fmt.Errorf("%w: lock held at %s (owner %s)", ErrConsoleBusy, path, owner)
		}
		return nil, fmt.Errorf("failed to lock console at %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte("pid="+strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &ConsoleLock{f: f, path: path}, nil
}

// Path is the lock file.
func (l *ConsoleLock) Path() string { return l.path }

// Release drops the lock.
func (l *ConsoleLock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
