package rootfs

import (
	"io/fs"
	"strings"
	"testing"
)

func TestSelftestScripts(t *testing.T) {
	entries, err := fs.ReadDir(FS, "proc/tests")
	if err != nil {
		t.Fatalf("ReadDir(proc/tests): %v", err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"selftest_full.coh", "selftest_negative.coh", "selftest_quick.coh"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("proc/tests = %v, want %v", names, want)
	}
	tests := []struct {
		name      string
		lines     int
		lastLine  string
		mustHave  []string
		expectErr bool
	}{
		{"selftest_quick.coh", 10, "quit", []string{"ping", "cat /proc/boot", "tail /log/queen.log", "WAIT 200"}, false},
		{"selftest_full.coh", 25, "quit", []string{"ls /proc", "spawn heartbeat ticks=2 ttl_s=30", "tail /shard/13/worker/worker-1/telemetry", "kill worker-1"}, false},
		{"selftest_negative.coh", 10, "EXPECT ERR", []string{`echo {"bind":{"from":"/proc/../boot","to":"/tmp"}} > /queen/ctl`, "cat /proc/a/b/c/d/e/f/g/h/i", "echo {{msize_overflow}} > /queen/ctl"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := fs.ReadFile(FS, "proc/tests/"+tc.name)
			if err != nil {
				t.Fatal(err)
			}
			text := string(b)
			if !strings.HasSuffix(text, "\n") || strings.Contains(text, "\r") {
				t.Errorf("want LF line endings and a final newline")
			}
			lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
			if len(lines) != tc.lines {
				t.Errorf("got %d lines, want %d (line numbers are part of the test report)", len(lines), tc.lines)
			}
			// CAT drops empty lines (§2.4) and `test` numbers the lines it
			// receives, so a blank line would shift every reported line number.
			for i, l := range lines {
				if strings.TrimSpace(l) == "" {
					t.Errorf("line %d is blank", i+1)
				}
			}
			if !strings.HasPrefix(lines[0], "#") {
				t.Errorf("first line %q is not a comment", lines[0])
			}
			if got := lines[len(lines)-1]; got != tc.lastLine {
				t.Errorf("last line = %q, want %q", got, tc.lastLine)
			}
			for _, m := range tc.mustHave {
				if !strings.Contains(text, m+"\n") {
					t.Errorf("missing line %q", m)
				}
			}
			// Every command is followed by an EXPECT (WAIT and quit excepted).
			for i, l := range lines {
				if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "EXPECT") || strings.HasPrefix(l, "WAIT") || l == "quit" {
					continue
				}
				want := "EXPECT OK"
				if tc.expectErr {
					want = "EXPECT ERR"
				}
				if i+1 >= len(lines) || lines[i+1] != want {
					t.Errorf("line %d %q not followed by %q", i+1, l, want)
				}
			}
		})
	}
}
