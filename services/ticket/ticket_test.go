package ticket

import (
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// Test vectors of CONSOLE_PROTOCOL.md §3.2.
var vectors = []struct {
	name   string
	secret string
	ticket string
	want   Claims
}{
	{
		name:   "queen ttl 0 issued 0",
		secret: "bootstrap",
		ticket: "cohesix-ticket-0100040000000000000000000000000000000000000000.e9b8bc4e26e2f06725347bdd8983fb3efc170658fc6af53cabb746bef58deddb",
		want:   Claims{Role: vfs.RoleQueen, HasTTL: true, TTL: 0, IssuedAtMs: 0},
	},
	{
		name:   "queen no budget",
		secret: "bootstrap",
		ticket: "cohesix-ticket-0100000068e5cf8b01000000000000.f653b7d5f0da7e444cbba662bdb2a4ce6e675f20f9b26541be48e246c43ad1a1",
		want:   Claims{Role: vfs.RoleQueen, IssuedAtMs: 1700000000000},
	},
	{
		name:   "worker-heartbeat full budget",
		secret: "worker",
		ticket: "cohesix-ticket-01010fe80300000000000010270000000000002c010000000000000800776f726b65722d310068e5cf8b01000000000000.f134e615612664333a0639b469b5b820de88df0824e2a0a6a3ebf9a51a582e16",
		want: Claims{
			Role:     vfs.RoleWorkerHeartbeat,
			HasTicks: true, Ticks: 1000,
			HasOps: true, Ops: 10000,
			HasTTL: true, TTL: 300,
			HasSubject: true, Subject: "worker-1",
			IssuedAtMs: 1700000000000,
		},
	},
	{
		name:   "queen scopes and quotas",
		secret: "bootstrap",
		ticket: "cohesix-ticket-0100300000000000000000000000000304002f6c6f67000100000006002f717565656e010000000006002f7368617264010000000000000000000000000000000001000000.0c714a86a89a2abc049395e486dbd2a8ce6ba7076ce508a02431a22319629672",
		want: Claims{
			Role: vfs.RoleQueen,
			Scopes: []Scope{
				{Path: "/log", Verb: ScopeRead, RatePerSec: 1},
				{Path: "/queen", Verb: ScopeWrite},
				{Path: "/shard", Verb: ScopeWrite},
			},
			Quotas: &Quotas{CursorAdvances: 1},
		},
	},
}

func TestKeyBootstrap(t *testing.T) {
	k := Key("bootstrap")
	if got, want := hex.EncodeToString(k[:]), "de0162bd1dabcd7cb1b6ed299b7eff5b7ac5cf2c4a3b087d046c7b6a81c16ac8"; got != want {
		t.Fatalf("Key(bootstrap) = %s, want %s", got, want)
	}
}

func TestVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			c, payload, mac, err := Parse(v.ticket)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(c, v.want) {
				t.Fatalf("Parse claims = %+v, want %+v", c, v.want)
			}
			if len(mac) != MACSize || len(payload) == 0 {
				t.Fatalf("Parse payload %d bytes, mac %d bytes", len(payload), len(mac))
			}
			vc, err := Verify(v.ticket, v.secret)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !reflect.DeepEqual(vc, v.want) {
				t.Fatalf("Verify claims = %+v, want %+v", vc, v.want)
			}
			if _, err := Verify(v.ticket, v.secret+"x"); !errors.Is(err, ErrBadMAC) {
				t.Fatalf("Verify with wrong secret: err = %v, want ErrBadMAC", err)
			}
			upper := Prefix + strings.ToUpper(strings.TrimPrefix(v.ticket, Prefix))
			if _, err := Verify(upper, v.secret); err != nil {
				t.Fatalf("Verify upper-case hex: %v", err)
			}
			minted, err := Mint(v.want, v.secret)
			if err != nil {
				t.Fatalf("Mint: %v", err)
			}
			if minted != v.ticket {
				t.Fatalf("Mint = %s\nwant   %s", minted, v.ticket)
			}
		})
	}
}

func TestExpiry(t *testing.T) {
	tests := []struct {
		c     Claims
		nowMs uint64
		want  bool
	}{
		{Claims{HasTTL: true, TTL: 0}, 0, true},
		{Claims{HasTTL: true, TTL: 0, IssuedAtMs: 5}, 4, false},
		{Claims{HasTTL: true, TTL: 300, IssuedAtMs: 1000}, 300999, false},
		{Claims{HasTTL: true, TTL: 300, IssuedAtMs: 1000}, 301000, true},
		{Claims{TTL: 0}, 1 << 60, false},
		{Claims{HasTTL: true, TTL: ^uint64(0), IssuedAtMs: 1}, ^uint64(0) - 1, false},
	}
	for i, tt := range tests {
		if got := tt.c.Expired(tt.nowMs); got != tt.want {
			t.Errorf("%d: Expired(%d) = %v, want %v", i, tt.nowMs, got, tt.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	good, _, _ := Split(vectors[3].ticket)
	worker, _, _ := Split(vectors[2].ticket)
	mut := func(b []byte, i int, v byte) []byte {
		c := append([]byte(nil), b...)
		c[i] = v
		return c
	}
	tests := []struct {
		name    string
		payload []byte
		want    error
	}{
		{"empty", nil, ErrTruncated},
		{"version 0", mut(good, 0, 0), ErrVersion},
		{"version 2", mut(good, 0, 2), ErrVersion},
		{"role 5", mut(good, 1, 5), ErrRole},
		{"trailing", append(append([]byte(nil), good...), 0), ErrTrailing},
		{"truncated", good[:len(good)-1], ErrTruncated},
		{"truncated header", good[:2], ErrTruncated},
		{"scope verb 3", mut(good, 22, 3), ErrScopeVerb},
		{"scope count 17", mut(good, 15, 17), ErrTooMany},
		{"subject too long", mut(mut(worker, 27, 0x00), 28, 0x01), ErrStringLen},
		{"subject not utf8", mut(worker, 29, 0xff), ErrStringUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeClaims(tt.payload); !errors.Is(err, tt.want) {
				t.Fatalf("DecodeClaims err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSplitErrors(t *testing.T) {
	v := vectors[1].ticket
	for _, s := range []string{
		"",
		strings.TrimPrefix(v, Prefix),
		strings.Replace(v, ".", "", 1),
		strings.Replace(v, "01", "0g", 1),
		v[:len(v)-2],
		v + "00",
		v[:len(v)-1],
	} {
		if _, _, err := Split(s); !errors.Is(err, ErrMalformed) {
			t.Errorf("Split(%q) err = %v, want ErrMalformed", s, err)
		}
		if _, err := Verify(s, "bootstrap"); !IsCredentialError(err) {
			t.Errorf("Verify(%q) err = %v, want a credential error", s, err)
		}
	}
}

func TestVerifyValidMACBadClaims(t *testing.T) {
	payload := []byte{2, 0, 0} // version 2
	mac := MAC(Key("bootstrap"), payload)
	tk := Prefix + hex.EncodeToString(payload) + "." + hex.EncodeToString(mac[:])
	_, err := Verify(tk, "bootstrap")
	if !errors.Is(err, ErrVersion) || IsCredentialError(err) {
		t.Fatalf("Verify err = %v, want ErrVersion and not a credential error", err)
	}
}

func TestEncodeErrors(t *testing.T) {
	long := strings.Repeat("a", MaxStringLen+1)
	tests := []struct {
		name string
		c    Claims
		want error
	}{
		{"bad role", Claims{Role: 9}, ErrRole},
		{"long subject", Claims{HasSubject: true, Subject: long}, ErrStringLen},
		{"long mount", Claims{MountAt: long}, ErrStringLen},
		{"bad utf8", Claims{MountService: "\xff"}, ErrStringUTF8},
		{"bad verb", Claims{Scopes: []Scope{{Path: "/a", Verb: 3}}}, ErrScopeVerb},
		{"too many", Claims{Scopes: make([]Scope, MaxScopes+1)}, ErrTooMany},
	}
	for _, tt := range tests {
		if _, err := Encode(tt.c); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	c := Claims{
		Role:     vfs.RoleWorkerLoRa,
		HasTicks: true, Ticks: 1,
		HasSubject: true, Subject: "lora-7",
		IssuedAtMs:   42,
		MountService: "logs", MountAt: "/mylogs",
		Scopes: []Scope{{Path: "/lora", Verb: ScopeReadWrite, RatePerSec: 64}},
		Quotas: &Quotas{BandwidthBytes: 131072, CursorResumes: 16, CursorAdvances: 256},
	}
	tk, err := Mint(c, "worker-lora")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Verify(tk, "worker-lora")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("round trip = %+v, want %+v", got, c)
	}
}

func BenchmarkVerify(b *testing.B) {
	tk := vectors[2].ticket
	for b.Loop() {
		if _, err := Verify(tk, "worker"); err != nil {
			b.Fatal(err)
		}
	}
}
