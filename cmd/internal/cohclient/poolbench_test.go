package cohclient

import (
	"strings"
	"testing"
)

func TestParsePoolBench(t *testing.T) {
	tests := []struct {
		args, wantErr string
	}{
		{"path=/log/queen.log ops=3 batch=2 payload=p payload_bytes=10 delay_ms=1 kind=control", ""},
		{"ops=3", "missing required option 'path'"},
		{"path=/x", "missing required option 'ops'"},
		{"path=/x ops=0", "pool bench ops must be >= 1"},
		{"path=/x ops=1 batch=0", "pool bench batch must be >= 1"},
		{"path=/x ops=1 kind=bulk", "invalid pool kind 'bulk': expected control|telemetry"},
		{"path=/x ops=1 exhaust=1", "pool bench option 'exhaust' needs a session pool, which the TCP console does not offer"},
		{"path=/x ops=1 color=red", "unknown pool bench option 'color'"},
		{"path=x ops=1", "paths must be absolute"},
	}
	for _, tc := range tests {
		_, err := ParsePoolBench(strings.Fields(tc.args))
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr) {
			t.Errorf("ParsePoolBench(%q) err = %v, want %q", tc.args, err, tc.wantErr)
		}
	}
	b, _ := ParsePoolBench([]string{"path=/log/queen.log", "ops=1", "payload_bytes=200"})
	if _, err := b.payload(0); err == nil || err.Error() != "payload_bytes 200 exceeds max payload 128" {
		t.Errorf("oversize payload_bytes: %v", err)
	}
}

func TestPoolBenchOnMock(t *testing.T) {
	sh, out := newMockShell(t)
	run(t, sh, out, "attach queen")
	got, err := run(t, sh, out, "pool bench path=/log/queen.log ops=20 batch=5 payload_bytes=32")
	if err != nil || !strings.Contains(got, "pool bench limits msize=8192 max_payload=128 batch=5 kind=Telemetry\n") ||
		!strings.Contains(got, "pool bench result OK retries=0 pool_exhausted=0 failures=0 expected=40 observed=40\n") {
		t.Errorf("pool bench: %v\n%s", err, got)
	}
	got, err = run(t, sh, out, "pool bench path=/proc/boot ops=2")
	if err == nil || !strings.Contains(got, "pool bench result ERR") {
		t.Errorf("pool bench on a read-only file: %v\n%s", err, got)
	}
}
