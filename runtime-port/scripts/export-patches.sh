#!/usr/bin/env bash
# export-patches.sh GOSRC: regenerate patches/ and goroot/ from a development
# tree. GOSRC is a git work tree of the pinned Go source with three tags:
#   base      the unpacked toolchain module, untouched
#   toolchain base + the toolchain edits (committed before unzipfix)
#   unzipfix  toolchain + the _go.mod -> go.mod renames that fetch.sh also does
# and HEAD holding the runtime and standard library work. Edited files
# become patches; added files are copied to goroot/ so they can be read
# (and reviewed) as files.
set -euo pipefail
gosrc=${1:?usage: export-patches.sh GOSRC}
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$gosrc"
excl=(':(exclude)src/cmd/dist/dist')
git diff --no-renames --diff-filter=M base toolchain -- src "${excl[@]}" > "$here/patches/0001-toolchain-cohesix-goos.patch"
git diff --no-renames --diff-filter=M unzipfix HEAD -- src/runtime > "$here/patches/0002-runtime-single-m-sbrk.patch"
git diff --no-renames --diff-filter=M unzipfix HEAD -- src ':(exclude)src/runtime' "${excl[@]}" > "$here/patches/0003-std-cohesix-like-js.patch"
rm -rf "$here/goroot/src"
{ git diff --name-only --diff-filter=A base toolchain -- src; git diff --name-only --diff-filter=A unzipfix HEAD -- src; } | sort -u |
while read -r f; do
	mkdir -p "$here/goroot/$(dirname "$f")"
	cp "$f" "$here/goroot/$f"
done
