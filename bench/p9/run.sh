#!/usr/bin/env bash
# Runs the Secure9P benchmarks: this server against hugelgupf/p9's server,
# in-process, over loopback TCP with 1 and 4 connections (hugelgupf client
# on both), with a raw-frame client, and walk+getattr p50/p99 latency.
# Usage: bench/p9/run.sh [count] [benchtime]   (defaults: 5, 2s)
# The machine's load average is printed first: the TCP figures move with it.
set -euo pipefail
cd "$(dirname "$0")/../.."
COUNT=${1:-5}
BENCHTIME=${2:-2s}
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)  cpus: $(nproc)"
exec go test -run '^$' -bench . -benchtime "$BENCHTIME" -count "$COUNT" -benchmem ./p9srv/
