// Package rootfs holds the read-only files the rootserver serves from its
// namespace. The hosted rootserver serves /proc/tests from FS and the image
// build packs the same tree into the CPIO payload, so both embeddings see
// identical bytes.
package rootfs

import "embed"

// FS is the embedded tree rooted at this directory; its top entry is "proc"
// (for example "proc/tests/selftest_quick.coh").
//
//go:embed proc
var FS embed.FS
