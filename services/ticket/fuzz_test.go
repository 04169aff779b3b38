package ticket

import (
	"bytes"
	"testing"
)

func FuzzDecodeClaims(f *testing.F) {
	for _, v := range vectors {
		p, _, _ := Split(v.ticket)
		f.Add(p)
	}
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0xff})
	f.Fuzz(func(t *testing.T, payload []byte) {
		c, err := DecodeClaims(payload)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode and decode to the same claims.
		b, err := Encode(c)
		if err != nil {
			t.Fatalf("Encode of decoded claims: %v", err)
		}
		c2, err := DecodeClaims(b)
		if err != nil {
			t.Fatalf("DecodeClaims of re-encoding: %v", err)
		}
		b2, _ := Encode(c2)
		if !bytes.Equal(b, b2) {
			t.Fatalf("re-encoding not stable")
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, v := range vectors {
		f.Add(v.ticket)
	}
	f.Add("cohesix-ticket-.")
	f.Add("cohesix-ticket-01.00")
	f.Fuzz(func(t *testing.T, s string) {
		c, payload, mac, err := Parse(s)
		if err != nil {
			return
		}
		if len(mac) != MACSize {
			t.Fatalf("mac length %d", len(mac))
		}
		if _, err := Encode(c); err != nil {
			t.Fatalf("Encode of parsed claims: %v", err)
		}
		_ = payload
	})
}
