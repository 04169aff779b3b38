package p9srv_test

import (
	"testing"
	"time"

	"github.com/cohesix/cohesix/p9srv"
	"github.com/cohesix/cohesix/p9srv/internal/conntest"
	"github.com/cohesix/cohesix/p9srv/internal/memfs"
	"github.com/cohesix/cohesix/p9srv/proto"
)

// FuzzServer feeds arbitrary bytes to a connection, optionally after a
// valid handshake, in arbitrary read sizes. The server must not panic,
// must only ever write well-formed replies no larger than msize, and must
// leave no session open once closed.
func FuzzServer(f *testing.F) {
	hs := proto.Append(nil, proto.NoTag, &proto.TversionMsg{Msize: 8192, Version: proto.Version})
	hs = proto.Append(hs, 1, &proto.TattachMsg{Fid: 0, Afid: proto.NoFid, Aname: "queen"})
	f.Add(true, uint8(0), proto.Append(nil, 2, &proto.TwalkMsg{Fid: 0, Newfid: 1, Names: []string{"proc", "boot"}}))
	f.Add(true, uint8(3), append(
		proto.Append(nil, 2, &proto.TwalkMsg{Fid: 0, Newfid: 1, Names: []string{"queen", "ctl"}}),
		proto.Append(proto.Append(nil, 3, &proto.TlopenMsg{Fid: 1, Flags: 1}), 4, &proto.TwriteMsg{Fid: 1, Data: []byte("x")})...))
	f.Add(false, uint8(1), hs)
	f.Add(true, uint8(0), []byte{0xff, 0xff, 0, 0, 118, 1, 0})
	f.Add(true, uint8(7), []byte{7, 0, 0, 0, 250, 1, 0, 9, 0, 0, 0, 120, 2, 0})
	f.Fuzz(func(t *testing.T, handshake bool, readLimit uint8, data []byte) {
		fs := memfs.NewDefault()
		srv := p9srv.New(fs, p9srv.Options{MaxTags: 8, RequestsPerPoll: 8})
		mem := &conntest.Mem{ReadLimit: int(readLimit), EOF: true}
		if handshake {
			mem.In.Write(hs)
		}
		mem.In.Write(data)
		srv.AddConn(mem)
		for i := 0; i < 200 && !mem.Closed; i++ {
			srv.Poll(time.Unix(0, 0), time.Millisecond)
		}
		srv.Close()
		if fs.OpenSessions != 0 {
			t.Fatalf("%d sessions left open", fs.OpenSessions)
		}
		b := mem.Out.Bytes()
		for len(b) > 0 {
			size, _, _, ok := proto.Header(b)
			if !ok || int(size) > len(b) || size > 8192 {
				t.Fatalf("bad reply frame header % x", b[:min(len(b), 16)])
			}
			if _, _, err := proto.Decode(b[:size]); err != nil {
				t.Fatalf("undecodable reply: %v", err)
			}
			b = b[size:]
		}
	})
}
