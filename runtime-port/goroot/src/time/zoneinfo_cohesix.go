// Copyright 2026 The Cohesix Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package time

// There is no zoneinfo database on cohesix; local time is UTC.
var platformZoneSources []string

func initLocal() {
	localLoc.name = "UTC"
}
