package cohclient

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSpawnJSON(t *testing.T) {
	tests := []struct {
		role    string
		args    string
		want    string
		wantErr string
	}{
		{"heartbeat", "ticks=1 ttl_s=30", `{"spawn":"heartbeat","ticks":1,"budget":{"ttl_s":30}}`, ""},
		{"heartbeat", "ticks=2", `{"spawn":"heartbeat","ticks":2}`, ""},
		{"worker", "ops=5 ticks=3", `{"spawn":"heartbeat","ticks":3,"budget":{"ops":5}}`, ""},
		{"Worker-Heartbeat", "TICKS=4 ttl_s=1 ops=2", `{"spawn":"heartbeat","ticks":4,"budget":{"ttl_s":1,"ops":2}}`, ""},
		{"gpu", "gpu_id=GPU-0 mem_mb=4096 streams=2 ttl_s=120",
			`{"spawn":"gpu","lease":{"gpu_id":"GPU-0","mem_mb":4096,"streams":2,"ttl_s":120}}`, ""},
		{"worker-gpu", "gpu_id=GPU-1 mem_mb=1 streams=1 ttl_s=1 priority=3 budget_ops=9 budget_ttl_s=8",
			`{"spawn":"gpu","lease":{"gpu_id":"GPU-1","mem_mb":1,"streams":1,"ttl_s":1,"priority":3},"budget":{"ttl_s":8,"ops":9}}`, ""},
		{"heartbeat", "", "", "missing required option 'ticks'"},
		{"heartbeat", "ticks=1 ticks=2", "", "duplicate option 'ticks=2'"},
		{"heartbeat", "ticks", "", "invalid option 'ticks': expected key=value"},
		{"heartbeat", "ticks=", "", "invalid option 'ticks=': expected key=value"},
		{"heartbeat", "ticks=x", "", "invalid ticks 'x': invalid digit found in string"},
		{"heartbeat", "ticks=1 foo=2 bar=1", "", "unknown spawn options: bar, foo"},
		{"gpu", "gpu_id=G\"0 mem_mb=1 streams=1 ttl_s=1", "", "gpu_id contains unsupported character"},
		{"gpu", "gpu_id=G mem_mb=1 streams=256 ttl_s=1", "", "invalid streams '256': number too large to fit in target type"},
		{"lora", "ticks=1", "", "unknown spawn role 'lora'"},
	}
	for _, tc := range tests {
		got, err := SpawnJSON(tc.role, strings.Fields(tc.args))
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("SpawnJSON(%s %s) err = %v, want %q", tc.role, tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("SpawnJSON(%s %s) = %q, %v; want %q", tc.role, tc.args, got, err, tc.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("SpawnJSON(%s %s) = %q is not valid JSON", tc.role, tc.args, got)
		}
	}
	// §2.5: the example spawn is 53 bytes on the wire (bytes=53).
	if got, _ := SpawnJSON("heartbeat", []string{"ticks=1", "ttl_s=30"}); len(got) != 53 {
		t.Errorf("example spawn is %d bytes, want 53", len(got))
	}
}

func TestQueenCtlJSON(t *testing.T) {
	tests := []struct {
		name    string
		build   func() (string, error)
		want    string
		wantErr string
	}{
		{"kill", func() (string, error) { return KillJSON("worker-1") }, `{"kill":"worker-1"}`, ""},
		{"kill bad", func() (string, error) { return KillJSON(`w\1`) }, "", "worker id contains unsupported character"},
		{"bind", func() (string, error) { return BindJSON("/log", "/mylogs") }, `{"bind":{"from":"/log","to":"/mylogs"}}`, ""},
		{"bind dotdot", func() (string, error) { return BindJSON("/proc/../boot", "/tmp") }, "", "path component '..' is not permitted"},
		{"bind relative", func() (string, error) { return BindJSON("/log", "tmp") }, "", "paths must be absolute"},
		{"mount", func() (string, error) { return MountJSON("logs", "/mylogs") }, `{"mount":{"service":"logs","at":"/mylogs"}}`, ""},
		{"mount bad svc", func() (string, error) { return MountJSON("lo\x01gs", "/m") }, "", "service name contains unsupported character"},
		{"budget", func() (string, error) { a, b := uint64(120), uint64(1000); return BudgetJSON(&a, &b) }, `{"budget":{"ttl_s":120,"ops":1000}}`, ""},
		{"budget ops", func() (string, error) { b := uint64(7); return BudgetJSON(nil, &b) }, `{"budget":{"ops":7}}`, ""},
		{"budget empty", func() (string, error) { return BudgetJSON(nil, nil) }, "", "budget requires ttl_s or ops"},
		{"telemetry ctl", func() (string, error) { return TelemetryCtlJSON("text/plain"), nil }, `{"new":"segment","mime":"text/plain"}`, ""},
	}
	for _, tc := range tests {
		got, err := tc.build()
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("%s: err = %v, want %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

func TestPayloads(t *testing.T) {
	tests := []struct {
		in, want, wantErr string
	}{
		{"hello", "hello\n", ""},
		{`  "quoted text"  `, "quoted text\n", ""},
		{"'single'", "single\n", ""},
		{`"`, "\"\n", ""},
		{"", "", "payload must not be empty"},
		{"   ", "", "payload must not be empty"},
		{"a\rb", "", "payload must be a single line of text"},
		{"a\x00b", "", "payload must be a single line of text"},
	}
	for _, tc := range tests {
		got, err := NormalisePayload(tc.in)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("NormalisePayload(%q) err = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalisePayload(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	over, err := EchoPayload(" {{msize_overflow}} ")
	if err != nil {
		t.Fatal(err)
	}
	if len(over) != Msize+64 || !strings.HasSuffix(over, "\n") || !json.Valid([]byte(strings.TrimSpace(over))) {
		t.Errorf("msize overflow payload: len %d, want %d, valid JSON line", len(over), Msize+64)
	}
	text, path, err := SplitEcho(`{"a":1} > /queen/ctl > x`)
	if err != nil || text != `{"a":1} ` || path != "/queen/ctl > x" {
		t.Errorf("SplitEcho = %q, %q, %v", text, path, err)
	}
	if _, _, err := SplitEcho("no redirect"); err == nil || err.Error() != "echo requires syntax: echo <text> > <path>" {
		t.Errorf("SplitEcho without '>' err = %v", err)
	}
}
