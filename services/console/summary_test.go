package console

import (
	"strings"
	"testing"
)

func TestCatSummary(t *testing.T) {
	boot := strings.Split(strings.TrimSuffix(procBoot, "\n"), "\n")
	tests := []struct {
		name, path string
		lines      []string
		want       string
	}{
		{"proc/boot example", "/proc/boot", boot,
			"telemetry.ring_bytes_per_worker=1024|telemetry.cursor.retain_on_boot=false|event_pump.fds=serial,timer,ipc,"},
		{"empty", "/x", nil, ""},
		{"one line", "/x", []string{"state=ONLINE"}, "state=ONLINE"},
		{"system lines only: second pass", "/x", []string{"[a] one", "[b] two"}, "[a] one|[b] two"},
		{"prefers non-[ lines", "/x", []string{"[a] one", "plain"}, "plain"},
		{"all lines too long: newest cut", "/x", []string{strings.Repeat("a", 70), strings.Repeat("b", 300)}, strings.Repeat("b", 128-len("path=/x data="))},
		{"skip what does not fit, keep walking", "/x", []string{"old", strings.Repeat("m", 64), strings.Repeat("n", 64), "new"},
			"old|" + strings.Repeat("n", 64) + "|new"},
		{"b64 first line on /updates", "/updates/a", []string{"b64:AAAA", "b64:BBBB"}, "b64:AAAA"},
		{"b64 elsewhere is data", "/other", []string{"b64:AAAA", "b64:BBBB"}, "b64:AAAA|b64:BBBB"},
	}
	for _, tt := range tests {
		if got := catSummary(tt.path, tt.lines); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestQueenLogCandidates(t *testing.T) {
	sys := LogLine{Text: "[INFO audit] boot"}
	tests := []struct {
		name string
		log  []LogLine
		want string
	}{
		{"no user lines: newest log lines", []LogLine{sys, {Text: "lifecycle transition old=BOOTING new=ONLINE reason=boot-complete"}},
			"lifecycle transition old=BOOTING new=ONLINE reason=boot-complete"},
		{"only system lines", []LogLine{sys}, "[INFO audit] boot"},
		{"user lines then later non-[ lines", []LogLine{sys, {Text: "batch-1", User: true}, {Text: "spawned worker-1"}, {Text: "batch-2", User: true}, {Text: "[x] skipped"}, {Text: "killed worker-1"}},
			"batch-1|batch-2|killed worker-1"},
		{"nothing after the last echoed line", []LogLine{{Text: "batch-1", User: true}, {Text: "spawned"}, {Text: "batch-1"}},
			"batch-1"},
	}
	for _, tt := range tests {
		got := catSummary(queenLog, queenLogCandidates(tt.log))
		if got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
	var many []LogLine
	for i := range 20 {
		many = append(many, LogLine{Text: string(rune('a' + i)), User: true})
	}
	if got := queenLogCandidates(many); len(got) != 16 || got[0] != "e" || got[15] != "t" {
		t.Fatalf("user snapshot = %q, want the 16 newest", got)
	}
}
