#!/usr/bin/env bash
# qemu-test.sh ELF COHSH SCRIPT...: boot the image under QEMU (TCG unless
# overridden), wait until the TCP console accepts AUTH, run each cohsh
# script against it as the queen, then power the machine off. Exits
# non-zero if the console never comes up, any script fails or the guest
# reports a fault. The serial
# log is kept in $QEMU_LOG (default out/image/qemu-test.log).
set -euo pipefail
elf=${1:?usage: qemu-test.sh ELF COHSH SCRIPT...}
cohsh=${2:?usage: qemu-test.sh ELF COHSH SCRIPT...}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
port=${TCP_PORT:-31337}
log=${QEMU_LOG:-out/image/qemu-test.log}
boot_timeout=${BOOT_TIMEOUT:-120}
mkdir -p "$(dirname "$log")"

export COHESIX_QEMU_ACCEL=${COHESIX_QEMU_ACCEL:-${QEMU_ACCEL:-tcg}}
TCP_PORT=$port "$here/qemu.sh" "$elf" < /dev/null > "$log" 2>&1 &
qemu=$!
trap 'kill "$qemu" 2>/dev/null || true; wait "$qemu" 2>/dev/null || true' EXIT

start=$(date +%s)
until grep -q 'console ready' "$log"; do
	if ! kill -0 "$qemu" 2>/dev/null; then
		echo "qemu-test: QEMU exited during boot" >&2
		cat "$log" >&2
		exit 1
	fi
	if [ $(($(date +%s) - start)) -ge "$boot_timeout" ]; then
		echo "qemu-test: no console within ${boot_timeout}s" >&2
		cat "$log" >&2
		exit 1
	fi
	sleep 0.2
done
grep 'console ready\|net:' "$log"

status=0
for s in "$@"; do
	# Scripts that attach themselves run as they are; the others as queen.
	role=(--role queen)
	if grep -qiE '^[[:space:]]*attach[[:space:]]' "$s"; then
		role=()
	fi
	echo "qemu-test: cohsh ${role[*]} --script $s"
	if ! "$cohsh" --tcp-port "$port" "${role[@]}" --script "$s"; then
		echo "qemu-test: FAIL $s" >&2
		status=1
	fi
done
if grep -q 'cohesix: \(synchronous exception\|SError\|halting\)\|^panic:\|fatal error:' "$log"; then
	echo "qemu-test: the guest faulted" >&2
	status=1
fi
echo "qemu-test: powering off"
exit $status
