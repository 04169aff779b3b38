//go:build linux && arm64 && sel4probe && sel4bigbss

package main

// big gives the image a 32 MiB BSS, the size Go 1.26's
// crypto/internal/fips140/drbg adds to every binary that links crypto: too
// large for the elfloader, so this build only boots through stage 1, which
// backs it with 2 MiB frames.
var big [32 << 20]byte

// checkBSS reports whether the BSS came up zeroed, and writes it.
func checkBSS() bool {
	for i := 0; i < len(big); i += 4096 {
		if big[i] != 0 || big[i+4095] != 0 {
			return false
		}
		big[i] = 1
	}
	return true
}
