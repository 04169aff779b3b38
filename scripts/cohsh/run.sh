#!/usr/bin/env bash
# Runs every regression script in this folder against a fresh hosted
# rootserver each (several scripts assume worker-1 is the first worker).
#
#   scripts/cohsh/run.sh [--cohsh CMD] [--rootserver BIN] [--port N] [script.coh ...]
#
# --cohsh is the client command line, so the reference client works too:
#   --cohsh "qemu-aarch64-static -L /usr/aarch64-linux-gnu REF/bin/cohsh --policy REF/out/cohsh_policy.toml"
# Everything listens on 127.0.0.1 only. Prints "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
cohsh="" rootserver="" port=31450
scripts=()
while [ $# -gt 0 ]; do
	case "$1" in
	--cohsh) cohsh=$2; shift 2 ;;
	--rootserver) rootserver=$2; shift 2 ;;
	--port) port=$2; shift 2 ;;
	-h|--help) sed -n '2,10p' "$0"; exit 0 ;;
	*) scripts+=("$1"); shift ;;
	esac
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$cohsh" ]; then
	go build -o "$tmp/cohsh" ./cmd/cohsh || exit 1
	cohsh="$tmp/cohsh"
fi
if [ -z "$rootserver" ]; then
	go build -o "$tmp/rootserver" ./cmd/rootserver || exit 1
	rootserver="$tmp/rootserver"
fi
[ ${#scripts[@]} -eq 0 ] && scripts=(scripts/cohsh/*.coh)
export COHSH_CONSOLE_LOCK=0 # each run has its own port
pass=0 fail=0
for s in "${scripts[@]}"; do
	port=$((port + 1))
	"$rootserver" -listen "127.0.0.1:$port" -serial=false >"$tmp/server.log" 2>&1 &
	pid=$!
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
		sleep 0.1
	done
	if timeout 300 $cohsh --tcp-port "$port" --script "$s" >"$tmp/out" 2>&1; then
		pass=$((pass + 1))
		echo "PASS $s"
	else
		fail=$((fail + 1))
		echo "FAIL $s"
		sed 's/^/    /' "$tmp/out" | tail -20
	fi
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
