#!/usr/bin/env bash
# Runs every Fuzz target of the module for $FUZZTIME (default 10s) each.
# go test -fuzz takes one target and one package at a time.
set -euo pipefail
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-10s}
cd "$(dirname "$0")/.."
found=0
while IFS= read -r file; do
	dir=$(dirname "$file")
	for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)\(' "$file" | sed -E 's/^func (Fuzz[A-Za-z0-9_]+)\(/\1/'); do
		found=$((found + 1))
		echo "fuzz: ./$dir $target ($FUZZTIME)"
		"$GO" test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "./$dir"
	done
done < <(git ls-files '*_test.go' 2>/dev/null | grep -v '^runtime-port/' || true)
echo "fuzz-smoke: $found targets run"
