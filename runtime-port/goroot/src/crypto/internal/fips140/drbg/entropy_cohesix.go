// Copyright 2026 The Cohesix Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package drbg

// As on Wasm: the entropy source's 32 MiB scratch buffer would be real
// memory on a target without demand paging, and FIPS 140-3 mode is not
// supported on cohesix.
func getEntropy() *[SeedSize]byte {
	panic("FIPS 140-3 entropy generation is not supported on cohesix")
}
