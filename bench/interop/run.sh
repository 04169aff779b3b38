#!/usr/bin/env bash
# Cross-checks wire compatibility with the reference implementation.
#
#   REF_COHSH=/path/to/reference/cohsh-wrapper bench/interop/run.sh ours
#       the reference cohsh runs every script against our hosted rootserver
#   REF_SERVER=127.0.0.1:41337 bench/interop/run.sh reference
#       our cohsh runs every script against a reference server (a booted
#       reference image forwarding its console to REF_SERVER)
#
# Scripts: scripts/cohsh/*.coh plus any listed in $EXTRA_SCRIPTS. Each runs
# against a fresh server in "ours" mode (the reference server cannot be
# reset, so "reference" mode runs them in order against one boot; scripts
# that assume a fresh server may need a fresh boot: list them one at a time).
# Nothing here is fetched or built from reference code: REF_COHSH is a
# binary you supply.
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=${1:?usage: run.sh ours|reference}
bin=$(mktemp -d)
trap 'rm -rf "$bin"; [ -n "${srv:-}" ] && kill "$srv" 2>/dev/null || true' EXIT
go build -o "$bin" ./cmd/rootserver ./cmd/cohsh
scripts=("$PWD"/scripts/cohsh/*.coh ${EXTRA_SCRIPTS:-})
# Clients run in an empty directory: each side's cohsh looks for its own
# manifest-derived policy under out/ and refuses the other side's.
work=$bin/work
mkdir -p "$work"
pass=0 fail=0

start_ours() {
	local log=$bin/server.log
	"$bin/rootserver" -listen 127.0.0.1:0 -serial=false 2>"$log" &
	srv=$!
	for _ in $(seq 100); do
		addr=$(sed -n 's/^rootserver: console on //p' "$log")
		[ -n "$addr" ] && return 0
		sleep 0.05
	done
	echo "rootserver did not start" >&2
	cat "$log" >&2
	exit 1
}

for s in "${scripts[@]}"; do
	case $mode in
	ours)
		: "${REF_COHSH:?set REF_COHSH to the reference cohsh (or a wrapper running it)}"
		start_ours
		port=${addr##*:}
		if (cd "$work" && TMPDIR=$bin "$REF_COHSH" --transport tcp --tcp-host 127.0.0.1 --tcp-port "$port" --script "$s" >"$bin/out" 2>&1); then
			pass=$((pass + 1)); echo "PASS $s"
		else
			fail=$((fail + 1)); echo "FAIL $s"; tail -15 "$bin/out" | sed 's/^/    /'
		fi
		kill "$srv"; wait "$srv" 2>/dev/null || true; srv=
		;;
	reference)
		: "${REF_SERVER:?set REF_SERVER to host:port of a reference console}"
		if (cd "$work" && TMPDIR=$bin "$bin/cohsh" --transport tcp --tcp-host "${REF_SERVER%:*}" --tcp-port "${REF_SERVER##*:}" --script "$s" >"$bin/out" 2>&1); then
			pass=$((pass + 1)); echo "PASS $s"
		else
			fail=$((fail + 1)); echo "FAIL $s"; tail -15 "$bin/out" | sed 's/^/    /'
		fi
		;;
	*) echo "unknown mode $mode" >&2; exit 2 ;;
	esac
done
echo "interop $mode: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
