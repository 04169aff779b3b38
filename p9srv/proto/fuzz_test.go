package proto

import (
	"bytes"
	"runtime"
	"testing"
)

// FuzzDecode checks that Decode never panics, that whatever it accepts
// re-encodes to the same bytes (the codec is a bijection on valid frames),
// and that it never allocates more than the frame it was given can justify.
func FuzzDecode(f *testing.F) {
	for _, m := range roundTrip {
		f.Add(Append(nil, 1, m))
	}
	f.Add([]byte{7, 0, 0, 0, 100, 0xff, 0xff})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 110, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, frame []byte) {
		if len(frame) > 8192 {
			frame = frame[:8192] // the server caps frames at msize before decoding
		}
		tag, m, err := Decode(frame)
		if err != nil {
			return
		}
		again := Append(nil, tag, m)
		if !bytes.Equal(again, frame) {
			t.Fatalf("re-encoding %v differs:\n in % x\nout % x", m.Type(), frame, again)
		}
	})
}

func TestDecodeAllocsBounded(t *testing.T) {
	// A Twalk claiming 16 names of 64 KiB each in a 50-byte frame must fail
	// without allocating for the claim.
	frame := frameOf(Twalk, 1, 0, 0, 0, 2, 0, 0, 0, 16, 0, 0xff, 0xff, 'a')
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const runs = 100
	for i := 0; i < runs; i++ {
		if _, _, err := Decode(frame); err == nil {
			t.Fatal("lying Twalk accepted")
		}
	}
	runtime.ReadMemStats(&after)
	if perRun := (after.TotalAlloc - before.TotalAlloc) / runs; perRun > 2048 {
		t.Errorf("Decode of a lying Twalk allocated %d bytes per call", perRun)
	}
}
