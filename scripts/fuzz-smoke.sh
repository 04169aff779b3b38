#!/usr/bin/env bash
# Runs every Fuzz target of the module for $FUZZTIME (default 10s) each.
# go test -fuzz takes one target and one package at a time.
set -euo pipefail
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-10s}
cd "$(dirname "$0")/.."
found=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# fuzz_one runs one target. Go 1.26's fuzz coordinator can report a bare
# "context deadline exceeded" when -fuzztime expires while a worker is busy
# (go.dev/issue/75804, fixed in Go 1.27): no input failed and none is
# written. Only that case is run once more; any failure that leaves a new
# input in testdata/fuzz, or happens twice, fails the smoke.
fuzz_one() {
	local dir=$1 target=$2 try
	for try in 1 2; do
		if "$GO" test -run '^$' -fuzz "^${2}\$" -fuzztime "$FUZZTIME" "./$dir" 2>&1 | tee "$out"; then
			return 0
		fi
		if [ "$try" = 2 ] || ! grep -q '^    context deadline exceeded$' "$out" ||
			[ -n "$(git status --porcelain -- "$dir/testdata/fuzz/$target" 2>/dev/null)" ]; then
			return 1
		fi
		echo "fuzz-smoke: $target: coordinator deadline race (go.dev/issue/75804), no failing input; running it again"
	done
}

while IFS= read -r file; do
	dir=$(dirname "$file")
	for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)\(' "$file" | sed -E 's/^func (Fuzz[A-Za-z0-9_]+)\(/\1/'); do
		found=$((found + 1))
		echo "fuzz: ./$dir $target ($FUZZTIME)"
		fuzz_one "$dir" "$target"
	done
done < <(git ls-files '*_test.go' 2>/dev/null | grep -v '^runtime-port/' || true)
echo "fuzz-smoke: $found targets run"
