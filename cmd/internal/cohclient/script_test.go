package cohclient

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseScript(t *testing.T) {
	src := "# header\n\n  attach queen   # trailing comment\nEXPECT OK\n\t\nWAIT 10\r\necho a#b > /log/queen.log\n#only\nEXPECT SUBSTR  two words \n"
	lines, err := ParseScript(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []ScriptLine{{3, "attach queen"}, {4, "EXPECT OK"}, {6, "WAIT 10"}, {7, "echo a"}, {9, "EXPECT SUBSTR  two words"}}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Fatalf("ParseScript = %v, want %v", lines, want)
	}
	kinds := []StatementKind{StmtCommand, StmtExpect, StmtWait, StmtCommand, StmtExpect}
	for i, l := range lines {
		if l.Kind() != kinds[i] {
			t.Errorf("line %d kind = %d, want %d", l.Number, l.Kind(), kinds[i])
		}
	}
}

func TestParseScriptLimit(t *testing.T) {
	ok := strings.Repeat("ping\n", MaxScriptLines)
	if _, err := ParseScript(strings.NewReader(ok)); err != nil {
		t.Fatalf("%d lines: %v", MaxScriptLines, err)
	}
	_, err := ParseScript(strings.NewReader("# c\n" + ok + "ping\n"))
	var se *ScriptError
	if !errors.As(err, &se) || se.Line != MaxScriptLines+2 || se.Reason != "script exceeds max of 256 lines" {
		t.Fatalf("257 lines: err = %v", err)
	}
}

func TestParseExpectAndWait(t *testing.T) {
	tests := []struct {
		text    string
		want    string // canonical form, or reason on error
		wantErr bool
	}{
		{"EXPECT OK", "EXPECT OK", false},
		{"EXPECT ERR", "EXPECT ERR", false},
		{"EXPECT SUBSTR path=/shard", "EXPECT SUBSTR path=/shard", false},
		{"EXPECT SUBSTRx", "EXPECT SUBSTR x", false},
		{"EXPECT NOT ERR", "EXPECT NOT ERR", false},
		{"EXPECT", "EXPECT requires a selector", true},
		{"EXPECT SUBSTR", "EXPECT SUBSTR requires text", true},
		{"EXPECT NOT   ", "EXPECT NOT requires text", true},
		{"EXPECT ok", "EXPECT selector is invalid", true},
		{"EXPECT OK extra", "EXPECT selector is invalid", true},
	}
	for _, tc := range tests {
		e, err := ParseExpect(ScriptLine{1, strings.TrimSpace(tc.text)}, nil)
		if tc.wantErr {
			var se *ScriptError
			if !errors.As(err, &se) || se.Reason != tc.want {
				t.Errorf("ParseExpect(%q) err = %v, want reason %q", tc.text, err, tc.want)
			}
			continue
		}
		if err != nil || e.String() != tc.want {
			t.Errorf("ParseExpect(%q) = %q, %v; want %q", tc.text, e, err, tc.want)
		}
	}
	waits := []struct {
		text   string
		ms     int
		reason string
	}{
		{"WAIT 0", 0, ""},
		{"WAIT 2000", 2000, ""},
		{"WAIT 2001", 0, "WAIT exceeds max of 2000ms"},
		{"WAIT", 0, "WAIT requires milliseconds"},
		{"WAIT 1 2", 0, "WAIT accepts a single millisecond value"},
		{"WAIT -1", 0, "WAIT requires a numeric millisecond value"},
		{"WAIT 1s", 0, "WAIT requires a numeric millisecond value"},
	}
	for _, tc := range waits {
		ms, err := ParseWait(ScriptLine{1, tc.text}, nil)
		if tc.reason != "" {
			var se *ScriptError
			if !errors.As(err, &se) || se.Reason != tc.reason {
				t.Errorf("ParseWait(%q) err = %v, want %q", tc.text, err, tc.reason)
			}
			continue
		}
		if err != nil || ms != tc.ms {
			t.Errorf("ParseWait(%q) = %d, %v", tc.text, ms, err)
		}
	}
}

func TestExpectMatch(t *testing.T) {
	tests := []struct {
		e    Expect
		last string
		want bool
	}{
		{Expect{Op: ExpectOK}, "OK ECHO path=/queen/ctl bytes=19", true},
		{Expect{Op: ExpectOK}, "ERR ECHO reason=policy", false},
		{Expect{Op: ExpectErr}, "ERR ATTACH reason=quota detail=throttled delay_ms=250", true},
		{Expect{Op: ExpectErr}, "closing session", false},
		{Expect{Op: ExpectSubstr, Text: "throttled"}, "ERR ATTACH reason=quota detail=throttled delay_ms=250", true},
		{Expect{Op: ExpectSubstr, Text: "Throttled"}, "ERR ATTACH reason=quota detail=throttled delay_ms=250", false},
		{Expect{Op: ExpectNot, Text: "ERR"}, "OK KILL id=worker-1", true},
		{Expect{Op: ExpectNot, Text: "ERR"}, "ERR KILL", false},
	}
	for _, tc := range tests {
		if got := tc.e.Match(tc.last); got != tc.want {
			t.Errorf("%v.Match(%q) = %v, want %v", tc.e, tc.last, got, tc.want)
		}
	}
}

func TestCheckScript(t *testing.T) {
	tests := []struct {
		src    string
		reason string // "" for ok
		line   int
	}{
		{"attach queen\nEXPECT OK\nWAIT 5\nquit\n", "", 0},
		{"# c\nEXPECT OK\n", "EXPECT requires a prior command response", 2},
		{"WAIT 1\nEXPECT OK\n", "EXPECT requires a prior command response", 2},
		{"ping\nEXPECT MAYBE\n", "EXPECT selector is invalid", 2},
		{"ping\n\nWAIT 9999\n", "WAIT exceeds max of 2000ms", 3},
	}
	for _, tc := range tests {
		err := CheckScript(strings.NewReader(tc.src))
		if tc.reason == "" {
			if err != nil {
				t.Errorf("CheckScript(%q) = %v", tc.src, err)
			}
			continue
		}
		var se *ScriptError
		if !errors.As(err, &se) || se.Reason != tc.reason || se.Line != tc.line {
			t.Errorf("CheckScript(%q) = %v, want line %d %q", tc.src, err, tc.line, tc.reason)
		}
	}
	toks, err := Tokens(strings.NewReader("ping # x\nEXPECT SUBSTRpong\nWAIT 007\n"))
	if err != nil || strings.Join(toks, "|") != "ping|EXPECT SUBSTR pong|WAIT 7" {
		t.Errorf("Tokens = %q, %v", toks, err)
	}
}

func TestScriptStateAndErrorReport(t *testing.T) {
	st := &ScriptState{}
	err := &ScriptError{Line: 3, Text: "EXPECT OK", Reason: "EXPECT OK failed", State: st}
	want := "script failure at line 3: EXPECT OK\nreason: EXPECT OK failed\nlast command: <none>\nlast response: <none>\nlast response source: none\nrecent responses: <none>"
	if err.Error() != want {
		t.Errorf("empty report:\n%s\nwant:\n%s", err, want)
	}
	st.Begin("cat /proc/boot")
	st.Record(SourceOut, "early output")
	if l, _ := st.Last(); l != "early output" {
		t.Errorf("output before any ack must be the checked line, got %q", l)
	}
	st.Record(SourceAck, "OK CAT path=/proc/boot data=x")
	st.Record(SourceOut, "Cohesix boot: root-task online")
	if l, _ := st.Last(); l != "OK CAT path=/proc/boot data=x" {
		t.Errorf("output after an ack must not replace it, got %q", l)
	}
	want = "script failure at line 3: EXPECT OK\nreason: EXPECT OK failed\nlast command: cat /proc/boot\nlast response: OK CAT path=/proc/boot data=x\nlast response source: ack\nrecent responses:\n  - [out] early output\n  - [ack] OK CAT path=/proc/boot data=x\n  - [out] Cohesix boot: root-task online"
	if err.Error() != want {
		t.Errorf("report:\n%s\nwant:\n%s", err, want)
	}
	for i := range 20 {
		st.Record(SourceOut, fmt.Sprint("line ", i))
	}
	if h := st.History(); strings.Count(h, "\n")+1 != maxScriptResponses || !strings.HasSuffix(h, "line 19") {
		t.Errorf("history not bounded to the newest %d lines:\n%s", maxScriptResponses, h)
	}
	st.Begin("next")
	if _, ok := st.Last(); ok || st.History() != "<none>" {
		t.Errorf("Begin must reset the checked line and history")
	}
}

func FuzzParseScript(f *testing.F) {
	f.Add("attach queen\nEXPECT OK\nWAIT 200\nquit\n")
	f.Add("# c\nEXPECT SUBSTR x # y\n")
	f.Add("echo {\"bind\":{\"from\":\"/proc/../boot\",\"to\":\"/tmp\"}} > /queen/ctl\nEXPECT ERR\n")
	f.Add("WAIT 99999999999999999999\n\r\n\x00")
	f.Fuzz(func(t *testing.T, src string) {
		lines, err := ParseScript(strings.NewReader(src))
		if err != nil {
			return
		}
		if len(lines) > MaxScriptLines {
			t.Fatalf("%d statements accepted", len(lines))
		}
		prev := 0
		for _, l := range lines {
			if l.Number <= prev || l.Text == "" || strings.ContainsAny(l.Text, "#\n") || strings.TrimSpace(l.Text) != l.Text {
				t.Fatalf("bad statement %+v after line %d", l, prev)
			}
			prev = l.Number
			switch l.Kind() {
			case StmtExpect:
				if e, err := ParseExpect(l, nil); err == nil && (e.Op == ExpectSubstr || e.Op == ExpectNot) && e.Text == "" {
					t.Fatalf("empty EXPECT text accepted: %q", l.Text)
				}
			case StmtWait:
				if ms, err := ParseWait(l, nil); err == nil && (ms < 0 || ms > MaxScriptWaitMs) {
					t.Fatalf("WAIT %d accepted", ms)
				}
			}
		}
		CheckScript(strings.NewReader(src))
		Tokens(strings.NewReader(src))
	})
}
