package cohclient

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestReportRendering(t *testing.T) {
	rep := TestReport{OK: true, Mode: "quick", ElapsedMs: 297, Version: TestReportVersion, Checks: []TestCheck{
		{Name: "preflight/ping", OK: true, Detail: "OK ping", Transcript: "[ack] OK PING reply=pong\n[out] ping: pong"},
		{Name: `line 3: echo {"bind":{"from":"/proc/../boot","to":"/tmp"}} > /queen/ctl`, OK: true, Detail: "ERR deferred to EXPECT"},
		{Name: "line 4: EXPECT ERR", OK: true, Detail: "OK expectation met"},
		{Name: "line 9: WAIT 200", OK: true, Detail: "OK waited 200ms"},
		{Name: "line 10: quit", OK: true, Detail: "OK"},
	}}
	// The spec's observed JSON (§4.4), byte for byte.
	want := `{"ok":true,"mode":"quick","elapsed_ms":297,"checks":[{"name":"preflight/ping","ok":true,"detail":"OK ping","transcript_excerpt":"[ack] OK PING reply=pong\n[out] ping: pong"},{"name":"line 3: echo {\"bind\":{\"from\":\"/proc/../boot\",\"to\":\"/tmp\"}} > /queen/ctl","ok":true,"detail":"ERR deferred to EXPECT"},{"name":"line 4: EXPECT ERR","ok":true,"detail":"OK expectation met"},{"name":"line 9: WAIT 200","ok":true,"detail":"OK waited 200ms"},{"name":"line 10: quit","ok":true,"detail":"OK"}],"version":"1"}`
	if got := rep.JSON(); got != want {
		t.Errorf("JSON:\n%s\nwant:\n%s", got, want)
	}
	rep.OK = false
	rep.Checks[3] = TestCheck{Name: "line 9: WAIT 200", Detail: "ERR expectation failed"}
	text := strings.Join(rep.Text(), "\n")
	wantText := `selftest FAIL mode=quick elapsed_ms=297
PASS - preflight/ping (OK ping)
PASS - line 3: echo {"bind":{"from":"/proc/../boot","to":"/tmp"}} > /queen/ctl (ERR deferred to EXPECT)
PASS - line 4: EXPECT ERR (OK expectation met)
FAIL - line 9: WAIT 200 (ERR expectation failed)
PASS - line 10: quit (OK)
first failure: line 9: WAIT 200 (ERR expectation failed)`
	if text != wantText {
		t.Errorf("text:\n%s\nwant:\n%s", text, wantText)
	}
	empty := TestReport{Mode: "full", Version: "1"}
	if got := empty.JSON(); got != `{"ok":false,"mode":"full","elapsed_ms":0,"checks":[],"version":"1"}` {
		t.Errorf("empty report JSON %s", got)
	}
	c := check(strings.Repeat("n", 300), true, strings.Repeat("d", 300)+"é", strings.Repeat("é", 400))
	if len(c.Name) != testNameMax || len(c.Detail) != testDetailMax || len(c.Transcript) > testTranscriptMax || !strings.HasSuffix(c.Transcript, "é") {
		t.Errorf("check limits: name %d detail %d transcript %d", len(c.Name), len(c.Detail), len(c.Transcript))
	}
}

func TestParseTestArgs(t *testing.T) {
	tests := []struct {
		args    string
		want    TestOptions
		wantErr string
	}{
		{"", TestOptions{Mode: "quick", Timeout: 30 * time.Second}, ""},
		{"--mode full --json --timeout 10 --no-mutate", TestOptions{Mode: "full", JSON: true, Timeout: 10 * time.Second, NoMutate: true}, ""},
		{"--mode=full --timeout=120", TestOptions{Mode: "full", Timeout: 120 * time.Second}, ""},
		{"--mode", TestOptions{}, "--mode requires quick or full"},
		{"--mode slow", TestOptions{}, "unsupported mode 'slow' (expected quick|full)"},
		{"--timeout 0", TestOptions{}, "--timeout must be at least 1s"},
		{"--timeout 121", TestOptions{}, "--timeout exceeds max of 120s"},
		{"--timeout x", TestOptions{}, "--timeout requires a numeric value in seconds"},
		{"--timeout", TestOptions{}, "--timeout requires a value in seconds"},
		{"--verbose", TestOptions{}, "unknown test option '--verbose'"},
	}
	for _, tc := range tests {
		got, err := ParseTestArgs(strings.Fields(tc.args))
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("ParseTestArgs(%q) err = %v, want %q", tc.args, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseTestArgs(%q) = %+v, %v; want %+v", tc.args, got, err, tc.want)
		}
	}
}

func TestTelemetryRecords(t *testing.T) {
	text := strings.Repeat("line of telemetry \"quoted\" é\n", 20)
	recs, err := TelemetryRecords(text, "text/plain", 128)
	if err != nil {
		t.Fatal(err)
	}
	var rebuilt strings.Builder
	for i, r := range recs {
		if len(r) > 128 {
			t.Errorf("record %d is %d bytes", i, len(r))
		}
		prefix := `{"schema":"cohsh-telemetry-push/v1","seq":` + strconv.Itoa(i+1) + `,"mime":"text/plain","payload":"`
		if !strings.HasPrefix(r, prefix) || !strings.HasSuffix(r, `"}`) {
			t.Fatalf("record %d = %s", i, r)
		}
		rebuilt.WriteString(unquote(t, r[len(prefix)-1:len(r)-1]))
	}
	if rebuilt.String() != text {
		t.Errorf("records do not reassemble the input")
	}
	if _, err := TelemetryRecords("", "text/plain", 128); err == nil {
		t.Error("empty payload accepted")
	}
	if _, err := TelemetryRecords("x", "text/plain", 40); err == nil {
		t.Error("a record limit below the envelope size must fail")
	}
	for path, want := range map[string]string{"a.txt": "text/plain", "b.LOG": "text/plain", "c.json": "application/json", "d.ndjson": "application/x-ndjson", "e.csv": "text/csv"} {
		if got, err := TelemetryMime(path); err != nil || got != want {
			t.Errorf("TelemetryMime(%s) = %q, %v", path, got, err)
		}
	}
	if _, err := TelemetryMime("f.bin"); err == nil || err.Error() != "telemetry push extension 'bin' is not allowed (allowed: txt, log, json, ndjson, csv)" {
		t.Errorf("TelemetryMime(f.bin) err = %v", err)
	}
}

func unquote(t *testing.T, s string) string {
	t.Helper()
	r := strings.NewReplacer(`\"`, `"`, `\\`, `\`, `\n`, "\n")
	return r.Replace(s[1 : len(s)-1])
}
