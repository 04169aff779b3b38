#!/usr/bin/env bash
# build-toolchain.sh OUTDIR: build the GOOS=cohesix Go toolchain into OUTDIR.
#
# The pinned Go source comes from the golang.org/toolchain module (its zip
# carries the whole GOROOT, checked against TOOLCHAIN_SUM), the patches in
# patches/ are applied in order, the files in goroot/ are added, and
# make.bash builds the result with the host Go as bootstrap. OUTDIR/.stamp
# records a hash of every input; when it matches, nothing is rebuilt.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: build-toolchain.sh OUTDIR}
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
# shellcheck source=/dev/null
. <(grep -v '^#' "$here/PINNED")
host_go=${GO:-go}
bootstrap=$("$host_go" env GOROOT)

# One build at a time: a second make toolchain waits, then finds the stamp.
exec 9>"$out.lock"
flock 9

stamp=$( (cd "$here" && cat PINNED && find patches goroot scripts/build-toolchain.sh -type f | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -d' ' -f1)
if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ] && [ -x "$out/bin/go" ]; then
	echo "toolchain: $out is up to date ($GO_VERSION+cohesix ${stamp:0:12})"
	exit 0
fi

echo "toolchain: fetching $TOOLCHAIN_MODULE"
json=$(cd / && GOTOOLCHAIN=local GOFLAGS= "$host_go" mod download -json "$TOOLCHAIN_MODULE")
dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
sum=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Sum": "\(.*\)",$/\1/p')
if [ "$sum" != "$TOOLCHAIN_SUM" ]; then
	echo "toolchain: $TOOLCHAIN_MODULE has sum $sum, want $TOOLCHAIN_SUM" >&2
	exit 1
fi

rm -rf "$out".tmp "$out".tmp.*
tmp=$(mktemp -d "$out.tmp.XXXXXX")
cp -a "$dir/." "$tmp/"
chmod -R u+w "$tmp"
rm -rf "$tmp/bin" "$tmp/pkg"
# Module zips cannot hold nested go.mod files, so the toolchain module
# ships them as _go.mod/_go.sum; put them back.
find "$tmp" \( -name _go.mod -o -name _go.sum \) | while read -r f; do
	mv "$f" "$(dirname "$f")/$(basename "$f" | sed 's/^_//')"
done
for p in "$here"/patches/*.patch; do
	echo "toolchain: applying $(basename "$p")"
	patch -s -p1 -d "$tmp" < "$p"
done
cp -a "$here/goroot/src/." "$tmp/src/"
echo "$GO_VERSION" > "$tmp/VERSION.cohesix"

echo "toolchain: make.bash (bootstrap $bootstrap)"
start=$(date +%s)
(cd "$tmp/src" && GOROOT_BOOTSTRAP="$bootstrap" GOTOOLCHAIN=local GOFLAGS= bash ./make.bash -no-banner)
end=$(date +%s)
rm -rf "$out"
mv "$tmp" "$out"
echo "$((end - start))" > "$out/.build-seconds"
echo "$stamp" > "$out/.stamp"
echo "toolchain: built $out in $((end - start)) s"
