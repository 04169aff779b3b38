package proto

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"strings"
	"testing"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

var qid = Qid{Type: QTDIR, Version: 7, Path: 0x1122334455667788}

// roundTrip lists one populated value of every message the codec encodes.
var roundTrip = []Msg{
	&TversionMsg{Msize: 8192, Version: Version},
	&RversionMsg{Msize: 8192, Version: Version},
	&TauthMsg{Afid: 3, Uname: "u", Aname: "queen", NUname: 1000},
	&RauthMsg{Aqid: qid},
	&TattachMsg{Fid: 1, Afid: NoFid, Uname: "", Aname: "worker-heartbeat tkt", NUname: ^uint32(0)},
	&RattachMsg{Qid: qid},
	&RlerrorMsg{Ecode: vfs.EBADF},
	&TflushMsg{Oldtag: 9},
	&RflushMsg{},
	&TwalkMsg{Fid: 1, Newfid: 2, Names: []string{"proc", "boot"}},
	&TwalkMsg{Fid: 1, Newfid: 2}, // a clone
	&RwalkMsg{Qids: []Qid{qid, {Type: QTFILE, Path: 2}}},
	&RwalkMsg{Qids: []Qid{}},
	&TlopenMsg{Fid: 2, Flags: 1},
	&RlopenMsg{Qid: qid, Iounit: 8168},
	&TreadMsg{Fid: 2, Offset: 1 << 40, Count: 100},
	&RreadMsg{Data: []byte("hello")},
	&TwriteMsg{Fid: 2, Offset: 5, Data: []byte("line\n")},
	&RwriteMsg{Count: 5},
	&TclunkMsg{Fid: 2},
	&RclunkMsg{},
	&TremoveMsg{Fid: 2},
	&RremoveMsg{},
	&TgetattrMsg{Fid: 2, RequestMask: GetattrBasic},
	&RgetattrMsg{Valid: GetattrBasic, Qid: qid, Mode: 0o100444, Nlink: 1, Size: 17, Blksize: 4096, Blocks: 1, DataVersion: 3},
	&TreaddirMsg{Fid: 2, Offset: 3, Count: 4000},
	&RreaddirMsg{Data: AppendDirent(nil, Dirent{Qid: qid, Offset: 1, Type: DTDir, Name: "proc"})},
	&TstatfsMsg{Fid: 1},
	&RstatfsMsg{FSType: 0x01021997, Bsize: 4096, Namelen: 255},
}

func TestRoundTrip(t *testing.T) {
	for _, m := range roundTrip {
		t.Run(m.Type().String(), func(t *testing.T) {
			frame := Append(nil, 0x1234, m)
			if got := binary.LittleEndian.Uint32(frame); int(got) != len(frame) {
				t.Fatalf("size field %d, frame %d bytes", got, len(frame))
			}
			tag, got, err := Decode(frame)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if tag != 0x1234 {
				t.Errorf("tag = %#x", tag)
			}
			if !reflect.DeepEqual(got, m) {
				t.Errorf("round trip:\n got %#v\nwant %#v", got, m)
			}
		})
	}
}

// TestWireLayout pins a few encodings byte for byte against the 9P spec.
func TestWireLayout(t *testing.T) {
	for _, tc := range []struct {
		m    Msg
		want []byte
	}{
		{&TversionMsg{Msize: 8192, Version: "9P2000.L"},
			[]byte{21, 0, 0, 0, 100, 0xff, 0xff, 0, 0x20, 0, 0, 8, 0, '9', 'P', '2', '0', '0', '0', '.', 'L'}},
		{&RlerrorMsg{Ecode: 90}, []byte{11, 0, 0, 0, 7, 0xff, 0xff, 90, 0, 0, 0}},
		{&TclunkMsg{Fid: 5}, []byte{11, 0, 0, 0, 120, 0xff, 0xff, 5, 0, 0, 0}},
		{&RwalkMsg{Qids: []Qid{{Type: QTDIR, Version: 1, Path: 2}}},
			[]byte{22, 0, 0, 0, 111, 0xff, 0xff, 1, 0, 0x80, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}},
	} {
		if got := Append(nil, NoTag, tc.m); !bytes.Equal(got, tc.want) {
			t.Errorf("%v: got % x, want % x", tc.m.Type(), got, tc.want)
		}
	}
	if len(Append(nil, 0, &RgetattrMsg{})) != HeaderSize+153 {
		t.Errorf("Rgetattr body is not 153 bytes")
	}
}

func frameOf(t Type, body ...byte) []byte {
	f := make([]byte, HeaderSize, HeaderSize+len(body))
	PutHeader(f, uint32(HeaderSize+len(body)), t, 1)
	return append(f, body...)
}

func TestDecodeMalformed(t *testing.T) {
	good := Append(nil, 1, &TwalkMsg{Fid: 1, Newfid: 2, Names: []string{"proc"}})
	longer := append(append([]byte(nil), good...), 0)
	binary.LittleEndian.PutUint32(longer, uint32(len(longer)))

	seventeen := []byte{1, 0, 0, 0, 2, 0, 0, 0, 17, 0}
	for i := 0; i < 17; i++ {
		seventeen = append(seventeen, 1, 0, 'a')
	}
	for _, tc := range []struct {
		name  string
		frame []byte
		want  string
	}{
		{"empty", nil, "shorter than its header"},
		{"header only short", []byte{7, 0, 0, 0, 100}, "shorter than its header"},
		{"size larger than frame", good[:len(good)-1], "declared size"},
		{"size smaller than frame", append(append([]byte(nil), good...), 0), "declared size"},
		{"trailing bytes", longer, "trailing bytes"},
		{"truncated string", frameOf(Tversion, 0, 0x20, 0, 0, 9, 0, '9', 'P'), "truncated"},
		{"truncated fixed", frameOf(Tclunk, 1, 0), "truncated"},
		{"missing body", frameOf(Tread), "truncated"},
		{"unknown type", frameOf(Type(250)), "unknown message type"},
		{"no body in codec", frameOf(Tmkdir, 1, 2, 3), "unknown message type"},
		{"walk over 16 names", frameOf(Twalk, seventeen...), "more than 16"},
		{"write count past frame", frameOf(Twrite, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 'x'), "truncated"},
		{"rwalk qids past frame", frameOf(Rwalk, 2, 0, 0x80), "truncated"},
		{"bad dirent", frameOf(Rreaddir, 3, 0, 0, 0, 1, 2, 3), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, m, err := Decode(tc.frame)
			if tc.name == "bad dirent" {
				// The frame is well formed; the entries inside are not.
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if _, err := ParseDirents(m.(*RreaddirMsg).Data); err == nil {
					t.Fatal("ParseDirents accepted a truncated entry")
				}
				return
			}
			if err == nil {
				t.Fatalf("Decode accepted %x as %#v", tc.frame, m)
			}
			if vfs.KindOf(err) != vfs.Invalid {
				t.Errorf("kind = %v, want Invalid", vfs.KindOf(err))
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestDirents(t *testing.T) {
	want := []Dirent{
		{Qid: qid, Offset: 1, Type: DTDir, Name: "log"},
		{Qid: Qid{Path: 9}, Offset: 2, Type: DTReg, Name: "boot"},
	}
	var b []byte
	for _, e := range want {
		b = AppendDirent(b, e)
	}
	if len(b) != DirentSize("log")+DirentSize("boot") {
		t.Fatalf("DirentSize disagrees with AppendDirent: %d", len(b))
	}
	got, err := ParseDirents(b)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseDirents = %v, %v", got, err)
	}
}

func TestValidName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"boot", true},
		{"queen.log", true},
		{"ünïcode", true},
		{strings.Repeat("a", 255), true},
		{strings.Repeat("a", 256), false},
		{"", false},
		{".", false},
		{"..", false},
		{"a\x00b", false},
		{"a/b", false},
		{"\xff\xfe", false},
	} {
		if ok, why := ValidName(tc.name); ok != tc.ok {
			t.Errorf("ValidName(%q) = %v (%s), want %v", tc.name, ok, why, tc.ok)
		}
	}
}

func TestTypeString(t *testing.T) {
	if Twalk.String() != "Twalk" || Type(251).String() != "Type(251)" {
		t.Errorf("got %v, %v", Twalk, Type(251))
	}
}

// TestLengthMutations is milestone 5's corpus in table form: for every
// message, every wrong size prefix, every truncation (with the prefix kept
// honest) and every tail of extra bytes is refused.
func TestLengthMutations(t *testing.T) {
	for _, m := range roundTrip {
		good := Append(nil, 1, m)
		for _, delta := range []int{-7, -1, 1, 2, 1000, 1 << 20} {
			f := append([]byte(nil), good...)
			binary.LittleEndian.PutUint32(f, uint32(len(good)+delta))
			if _, _, err := Decode(f); err == nil {
				t.Errorf("%v: size off by %d accepted", m.Type(), delta)
			}
		}
		for cut := HeaderSize; cut < len(good); cut++ {
			f := append([]byte(nil), good[:cut]...)
			binary.LittleEndian.PutUint32(f, uint32(cut))
			if _, _, err := Decode(f); err == nil {
				t.Errorf("%v: truncated to %d of %d bytes accepted", m.Type(), cut, len(good))
			}
		}
		for tail := 1; tail <= 9; tail++ {
			f := append(append([]byte(nil), good...), bytes.Repeat([]byte{0xa5}, tail)...)
			binary.LittleEndian.PutUint32(f, uint32(len(f)))
			if _, _, err := Decode(f); err == nil {
				t.Errorf("%v: %d tail bytes accepted", m.Type(), tail)
			}
		}
	}
}
