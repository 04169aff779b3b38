// Command mkimage packs the payload CPIO: the manifest, the /proc/tests
// scripts and optionally the rootserver ELF, and refuses archives at or over
// the size limit (the seed's red line is 4 MiB).
//
//	mkimage -o out/image/rootfs.cpio -manifest configs/root_task.toml \
//	        -tests images/rootfs/proc/tests [-rootserver out/image/rootserver.elf]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/cohesix/cohesix/images/cpio"
)

func main() {
	out := flag.String("o", "", "output CPIO")
	rootserver := flag.String("rootserver", "", "rootserver ELF, packed as /rootserver")
	manifest := flag.String("manifest", "", "manifest TOML, packed as /etc/root_task.toml")
	tests := flag.String("tests", "", "directory of .coh scripts, packed into /proc/tests")
	limit := flag.Int64("max", 4<<20, "fail if the archive is this many bytes or more")
	flag.Parse()
	if *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	size, err := build(*out, *rootserver, *manifest, *tests, *limit)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mkimage: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("mkimage: %s: %d bytes (%.1f%% of the %d-byte limit)\n", *out, size, 100*float64(size)/float64(*limit), *limit)
}

func build(out, rootserver, manifest, tests string, limit int64) (int64, error) {
	var buf bytes.Buffer
	w := cpio.NewWriter(&buf)
	if rootserver != "" {
		elf, err := os.ReadFile(rootserver)
		if err != nil {
			return 0, err
		}
		if err := w.File("rootserver", 0o755, elf); err != nil {
			return 0, err
		}
	}
	if manifest != "" {
		b, err := os.ReadFile(manifest)
		if err != nil {
			return 0, err
		}
		if err := w.Dir("etc", 0o755); err != nil {
			return 0, err
		}
		if err := w.File("etc/root_task.toml", 0o644, b); err != nil {
			return 0, err
		}
	}
	if tests != "" {
		names, err := filepath.Glob(filepath.Join(tests, "*.coh"))
		if err != nil {
			return 0, err
		}
		sort.Strings(names)
		for _, d := range []string{"proc", "proc/tests"} {
			if err := w.Dir(d, 0o755); err != nil {
				return 0, err
			}
		}
		for _, n := range names {
			b, err := os.ReadFile(n)
			if err != nil {
				return 0, err
			}
			if err := w.File("proc/tests/"+filepath.Base(n), 0o644, b); err != nil {
				return 0, err
			}
		}
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	if size := int64(buf.Len()); size >= limit {
		return size, fmt.Errorf("%s would be %d bytes, over the %d-byte limit", out, size, limit)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return 0, err
	}
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return 0, err
	}
	return int64(buf.Len()), os.Rename(tmp, out)
}
