// Copyright 2026 The Cohesix Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package sysrand

import "unsafe"

// runtimeRandom is pushed by the runtime; it fills up to n bytes from the
// platform's entropy source and returns how many it filled.
func runtimeRandom(p unsafe.Pointer, n int) int

func read(b []byte) error {
	for len(b) > 0 {
		n := runtimeRandom(unsafe.Pointer(&b[0]), len(b))
		if n <= 0 {
			return errNoEntropy
		}
		b = b[n:]
	}
	return nil
}

type noEntropyError struct{}

func (noEntropyError) Error() string { return "platform has no entropy source" }

var errNoEntropy error = noEntropyError{}
