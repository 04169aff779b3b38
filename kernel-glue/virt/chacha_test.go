package virt

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// RFC 8439 §2.4.2 keystream: key 00..1f, nonce 00:00:00:00:00:00:00:4a:00:00:00:00, counter 1.
func TestChaChaRFC8439(t *testing.T) {
	var key [32]byte
	for i := range key {
		key[i] = byte(i)
	}
	nonce := [12]byte{7: 0x4a}
	var s stream
	s.key(&key, &nonce)
	s.state[12] = 1
	got := make([]byte, 64)
	s.read(got)
	want, _ := hex.DecodeString("224f51f3401bd9e12fde276fb8631ded8c131f823d2c06e27e4fcaec9ef3cf788a3b0aa372600a92b57974cded2b9334794cba40c63e34cdea212c4cf07d41b7")
	if !bytes.Equal(got, want) {
		t.Fatalf("keystream\n got %x\nwant %x", got, want)
	}
}

func TestStreamSplitReadsMatch(t *testing.T) {
	var key [32]byte
	var nonce [12]byte
	var a, b stream
	a.key(&key, &nonce)
	b.key(&key, &nonce)
	whole := make([]byte, 200)
	a.read(whole)
	parts := make([]byte, 0, 200)
	for _, n := range []int{1, 63, 64, 7, 65} {
		p := make([]byte, n)
		b.read(p)
		parts = append(parts, p...)
	}
	if !bytes.Equal(whole, parts) {
		t.Fatal("split reads differ from one read")
	}
}

func TestMixSeedDependsOnEveryByte(t *testing.T) {
	in := make([]byte, 40)
	var k0 [32]byte
	mixSeed(&k0, in)
	for i := range in {
		in2 := bytes.Clone(in)
		in2[i] ^= 1
		var k [32]byte
		mixSeed(&k, in2)
		if k == k0 {
			t.Fatalf("flipping input byte %d did not change the key", i)
		}
	}
}

func BenchmarkStream(b *testing.B) {
	var key [32]byte
	var nonce [12]byte
	var s stream
	s.key(&key, &nonce)
	p := make([]byte, 4096)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		s.read(p)
	}
}
