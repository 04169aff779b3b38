package console

import (
	"errors"
	"strings"
	"testing"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

func TestErrLine(t *testing.T) {
	tests := []struct {
		verb, path string
		err        error
		want       string
	}{
		{"CAT", "/nope", &vfs.Error{Kind: vfs.NotFound}, "ERR CAT reason=policy detail=invalid-path path=/nope error=invalid path"},
		{"ECHO", "/proc/boot", &vfs.Error{Kind: vfs.Permission}, "ERR ECHO reason=policy detail=denied path=/proc/boot error=EPERM"},
		{"ECHO", "/queen/ctl", &vfs.Error{Kind: vfs.Invalid}, "ERR ECHO reason=policy detail=invalid-payload path=/queen/ctl error=invalid payload"},
		{"ECHO", "/queen/ctl", errors.New("boom"), "ERR ECHO reason=policy detail=invalid-payload path=/queen/ctl error=invalid payload"},
		{"ECHO", "/queen/ctl", &vfs.Error{Kind: vfs.BufferFull}, "ERR ECHO reason=quota detail=buffer-full path=/queen/ctl error=buffer full"},
		{"LS", "/shard", &vfs.Error{Kind: vfs.TooBig}, "ERR LS reason=quota detail=buffer-full path=/shard error=buffer full"},
		{"TAIL", "/x", &vfs.Error{Kind: vfs.Closed}, "ERR TAIL reason=policy detail=denied path=/x error=EPERM"},
		{"KILL", "", &vfs.Error{Kind: vfs.NotFound}, "ERR KILL reason=policy detail=invalid-path error=invalid path"},
		{"SPAWN", "", &vfs.Error{Kind: vfs.Permission, Tag: "lifecycle-denied state=DRAINING"}, "ERR SPAWN reason=policy detail=lifecycle-denied state=DRAINING error=EPERM"},
		{"ECHO", "/x", &vfs.Error{Kind: vfs.Unsupported, Op: "remove"}, "ERR ECHO reason=policy detail=unsupported path=/x error=unsupported command: remove"},
		{"CAT", "/log/queen.log", &vfs.Error{Kind: vfs.Permission, Tag: vfs.TagScope}, "ERR CAT reason=policy path=/log/queen.log error=EPERM"},
		{"SPAWN", "", &vfs.Error{Kind: vfs.Permission, Tag: vfs.TagScope}, "ERR SPAWN reason=policy error=EPERM"},
		{"TAIL", "/worker/worker-1/telemetry", &vfs.Error{Kind: vfs.RateLimited, Tag: vfs.TagLimit}, "ERR TAIL reason=quota path=/worker/worker-1/telemetry error=ELIMIT"},
		{"ECHO", "/x", &vfs.Error{Kind: vfs.Busy, Tag: vfs.TagRootUnreachable}, "ERR ECHO reason=cut detail=root-unreachable"},
		{"LOG", "", &vfs.Error{Kind: vfs.Permission, Tag: vfs.TagUnauthenticated}, "ERR LOG reason=policy detail=unauthenticated"},
		{"ATTACH", "", &vfs.Error{Kind: vfs.Permission, Tag: vfs.TagDenied}, "ERR ATTACH reason=policy detail=denied"},
		{"ATTACH", "", &vfs.Error{Kind: vfs.Permission}, "ERR ATTACH reason=policy detail=denied"},
		{"ATTACH", "", &vfs.Error{Kind: vfs.Invalid, Tag: vfs.TagInvalidRole}, "ERR ATTACH reason=policy detail=invalid-role"},
		{"ATTACH", "", &vfs.Error{Kind: vfs.Expired, Tag: "expired"}, "ERR ATTACH reason=quota detail=expired"},
		{"ATTACH", "", &vfs.Error{Kind: vfs.BufferFull, Tag: vfs.TagInvalidClaims}, "ERR ATTACH reason=quota detail=invalid-claims"},
		{"ATTACH", "", &vfs.Error{Kind: vfs.RateLimited, Tag: "throttled delay_ms=64000"}, "ERR ATTACH reason=quota detail=throttled delay_ms=64000"},
		{"ATTACH", "", &vfs.Error{Kind: vfs.Busy}, "ERR ATTACH reason=busy detail=attach-timeout error=attach handshake timed out"},
		{"ECHO", "/queen/ctl", &vfs.Error{Kind: vfs.Busy, Msg: "no GPU provider"}, "ERR ECHO reason=busy detail=busy path=/queen/ctl error=EBUSY"},
	}
	for _, tt := range tests {
		if got := ErrLine(tt.verb, tt.path, tt.err); got != tt.want {
			t.Errorf("ErrLine(%s, %q, %v)\n got %q\nwant %q", tt.verb, tt.path, tt.err, got, tt.want)
		}
	}
}

// TestDetailDropsWholePieces checks the reference's 128-byte formatting: a
// piece that does not fit is dropped with everything after it.
func TestDetailDropsWholePieces(t *testing.T) {
	path := "/" + strings.Repeat("p", 95)
	got := ErrLine("CAT", path, &vfs.Error{Kind: vfs.NotFound})
	// inner: "detail=invalid-path path=<96>" is 116 bytes; " error=" fits
	// (123), "invalid path" does not; the outer "reason=policy " + 123 > 128
	// drops the inner detail whole.
	if want := "ERR CAT reason=policy "; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := details("a", strings.Repeat("b", 127), "c"); got != "a"+strings.Repeat("b", 127) {
		t.Fatalf("details kept %d bytes", len(got))
	}
	if got := details(strings.Repeat("b", 129)); got != "" {
		t.Fatalf("oversize first piece kept: %q", got)
	}
	for _, l := range []string{
		ErrLine("ECHO", path, &vfs.Error{Kind: vfs.Permission, Tag: strings.Repeat("t", 200)}),
		okLine("CAT", details("path=", path, " data=", strings.Repeat("d", 200))),
	} {
		if len(l) > 256 || len(l)-len("ERR CAT ") > 128 {
			t.Fatalf("line of %d bytes: %q", len(l), l)
		}
	}
}

func TestParseLine(t *testing.T) {
	tests := []struct {
		line string
		want command
		err  parseError
	}{
		{"", command{}, errEmpty},
		{" \t ", command{}, errEmpty},
		{"frobnicate", command{}, errUnsupported},
		{"PİNG", command{}, errUnsupported},
		{"ping", command{verb: verbPing, count: -1}, ""},
		{"  PiNg  extra ", command{verb: verbPing, count: -1}, ""},
		{"bi", command{verb: verbBootInfo, count: -1}, ""},
		{"test", command{verb: verbTest, count: -1}, ""},
		{"test x", command{}, badValue("test")},
		{"cachelog 12 x", command{verb: verbCacheLog, count: 12}, ""},
		{"cachelog 65536", command{}, badValue("count")},
		{"cachelog -1", command{}, badValue("count")},
		{"tail /a b", command{verb: verbTail, arg: "/a", count: -1}, ""},
		{"tail", command{}, missing("path")},
		{"ls /" + strings.Repeat("x", 95), command{verb: verbLs, arg: "/" + strings.Repeat("x", 95), count: -1}, ""},
		{"ls /" + strings.Repeat("x", 96), command{}, tooLong("path")},
		{"echo /a   b c ", command{verb: verbEcho, arg: "/a", rest: "b c", count: -1}, ""},
		{"echo /a", command{}, missing("payload")},
		{"echo /a " + strings.Repeat("x", 129), command{}, tooLong("payload")},
		{"echo /" + strings.Repeat("x", 96) + " y", command{}, tooLong("path")},
		{"attach queen", command{verb: verbAttach, arg: "queen", count: -1}, ""},
		{"attach worker  t1 ", command{verb: verbAttach, arg: "worker", rest: "t1", count: -1}, ""},
		{"attach " + strings.Repeat("r", 16), command{verb: verbAttach, arg: strings.Repeat("r", 16), count: -1}, ""},
		{"attach", command{}, missing("role")},
		{"spawn {\"a\": 1}", command{verb: verbSpawn, arg: "{\"a\": 1}", count: -1}, ""},
		{"spawn", command{}, missing("payload")},
		{"kill w1 w2", command{verb: verbKill, arg: "w1", count: -1}, ""},
		{"kill", command{}, missing("worker")},
		{"quit now", command{verb: verbQuit, count: -1}, ""},
		{"log x", command{verb: verbLog, count: -1}, ""},
	}
	for _, tt := range tests {
		got, err := parseLine(tt.line)
		if err != tt.err || got != tt.want {
			t.Errorf("parseLine(%q) = %+v, %q; want %+v, %q", tt.line, got, err, tt.want, tt.err)
		}
	}
}
