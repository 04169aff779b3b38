#!/usr/bin/env bash
# install-qemu.sh: make sure qemu-system-aarch64 is on PATH, so that a fresh
# machine can run make qemu as its first command. Installs Debian's
# qemu-system-arm when running as root with apt-get; otherwise says what to
# install and fails.
set -euo pipefail
qemu=${QEMU:-qemu-system-aarch64}
if command -v "$qemu" >/dev/null 2>&1; then
	exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "install-qemu: $qemu not found; installing qemu-system-arm" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends qemu-system-arm >/dev/null
	command -v "$qemu" >/dev/null 2>&1 && exit 0
fi
echo "install-qemu: $qemu not found: install QEMU for aarch64 (Debian: apt-get install qemu-system-arm)" >&2
exit 1
