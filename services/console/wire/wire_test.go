package wire

import (
	"bytes"
	"errors"
	"testing"
)

func TestFrameMatchesSpecExample(t *testing.T) {
	// CONSOLE_PROTOCOL.md §1.2: AUTH changeme.
	want := []byte{0x11, 0, 0, 0, 'A', 'U', 'T', 'H', ' ', 'c', 'h', 'a', 'n', 'g', 'e', 'm', 'e'}
	if got := Frame("AUTH changeme"); !bytes.Equal(got, want) {
		t.Fatalf("Frame = % x; want % x", got, want)
	}
}

func TestNext(t *testing.T) {
	two := append(Frame("PING"), Frame("OK PING reply=pong")...)
	for _, tc := range []struct {
		name     string
		in       []byte
		payload  string
		consumed int
		ok       bool
		err      error
	}{
		{"empty", nil, "", 0, false, nil},
		{"partial header", []byte{8, 0}, "", 0, false, nil},
		{"partial payload", Frame("PING")[:6], "", 0, false, nil},
		{"whole", Frame("PING"), "PING", 8, true, nil},
		{"first of two", two, "PING", 8, true, nil},
		{"empty line", Frame(""), "", 4, true, nil},
		{"length below header", []byte{3, 0, 0, 0}, "", 0, false, ErrFrameLength},
		{"length over max", []byte{0x01, 0x20, 0, 0}, "", 0, false, ErrFrameLength},
		{"length at max", append([]byte{0x00, 0x20, 0, 0}, make([]byte, MaxFrame-4)...), string(make([]byte, MaxFrame-4)), MaxFrame, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, n, _, ok, err := Next(tc.in)
			if !errors.Is(err, tc.err) || ok != tc.ok || n != tc.consumed || string(p) != tc.payload {
				t.Fatalf("Next = %q, %d, %v, %v; want %q, %d, %v, %v", p, n, ok, err, tc.payload, tc.consumed, tc.ok, tc.err)
			}
		})
	}
}

func TestNextReportsDeclaredLengthForSkipping(t *testing.T) {
	_, _, declared, _, err := Next([]byte{0x10, 0x27, 0, 0}) // 10000
	if err == nil || declared != 10000 {
		t.Fatalf("declared %d, err %v; want 10000 and ErrFrameLength", declared, err)
	}
}

func TestParseAck(t *testing.T) {
	for _, tc := range []struct {
		line string
		ack  Ack
		ok   bool
	}{
		{"OK AUTH", Ack{OK: true, Verb: "AUTH"}, true},
		{"OK PING reply=pong", Ack{OK: true, Verb: "PING", Detail: "reply=pong"}, true},
		{"ERR ECHO reason=policy detail=invalid-payload path=/queen/ctl error=invalid payload", Ack{Verb: "ECHO", Detail: "reason=policy detail=invalid-payload path=/queen/ctl error=invalid payload"}, true},
		{"  OK CAT path=/x data=  ", Ack{OK: true, Verb: "CAT", Detail: "path=/x data="}, true},
		{"ERR CAT reason=policy ", Ack{Verb: "CAT", Detail: "reason=policy"}, true},
		{"OK", Ack{}, false},
		{"OK  AUTH", Ack{}, false}, // an empty verb after a double space
		{"ok AUTH", Ack{}, false},
		{"PONG", Ack{}, false},
		{"END", Ack{}, false},
		{"Cohesix boot: root-task online", Ack{}, false},
	} {
		got, ok := ParseAck(tc.line)
		if ok != tc.ok || got != tc.ack {
			t.Errorf("ParseAck(%q) = %+v, %v; want %+v, %v", tc.line, got, ok, tc.ack, tc.ok)
		}
	}
}

func TestAckString(t *testing.T) {
	for _, tc := range []struct {
		ack  Ack
		want string
	}{
		{Ack{OK: true, Verb: "AUTH"}, "OK AUTH"},
		{Ack{OK: true, Verb: "LS", Detail: "path=/proc entries=7"}, "OK LS path=/proc entries=7"},
		{Ack{Verb: "FRAME", Detail: "reason=invalid-length"}, "ERR FRAME reason=invalid-length"},
	} {
		if got := tc.ack.String(); got != tc.want {
			t.Errorf("%+v.String() = %q; want %q", tc.ack, got, tc.want)
		}
	}
}

func TestLineHelpers(t *testing.T) {
	if !IsEnd(" END\r") || IsEnd("ENDX") || !IsPong("PONG") || IsPong("PONGS") {
		t.Fatal("IsEnd/IsPong misclassify")
	}
	if got := TrimLine([]byte("ERR not-ready reason=x\r\n")); got != "ERR not-ready reason=x" {
		t.Fatalf("TrimLine = %q", got)
	}
}

// FuzzNext checks that reassembly never panics, never claims more bytes than
// it was given, and round-trips every frame it accepts.
func FuzzNext(f *testing.F) {
	f.Add(Frame("AUTH changeme"))
	f.Add(append(Frame("PING"), 0xff, 0xff))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{4, 0, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		buf := in
		for len(buf) > 0 {
			p, n, declared, ok, err := Next(buf)
			if err != nil {
				if declared >= HeaderLen && declared <= MaxFrame {
					t.Fatalf("error %v for a legal declared length %d", err, declared)
				}
				return
			}
			if !ok {
				if n != 0 {
					t.Fatalf("incomplete frame consumed %d", n)
				}
				return
			}
			if n > len(buf) || n != HeaderLen+len(p) {
				t.Fatalf("consumed %d of %d for a %d-byte payload", n, len(buf), len(p))
			}
			if !bytes.Equal(Frame(string(p)), buf[:n]) {
				t.Fatal("accepted frame does not re-encode identically")
			}
			buf = buf[n:]
		}
	})
}
