#!/usr/bin/env bash
# qemu.sh ELF [extra qemu args...]: boot the cohesix rootserver on QEMU virt.
#
# Serial (the PL011 console) is on stdio; the network console is forwarded
# from 127.0.0.1:$TCP_PORT (default 31337) to the guest's port 31337 over a
# virtio-net device (modern virtio-mmio). The accelerator is chosen as in
# BUILD_PLAN milestone 0: kvm when /dev/kvm is usable and the host is
# aarch64, else tcg; COHESIX_QEMU_ACCEL, then QEMU_ACCEL, override.
set -euo pipefail
elf=${1:?usage: qemu.sh ELF [qemu args...]}
shift
port=${TCP_PORT:-31337}
qemu=${QEMU:-qemu-system-aarch64}
mem=${QEMU_MEM:-1024}

accel=${COHESIX_QEMU_ACCEL:-${QEMU_ACCEL:-}}
why="override"
if [ -z "$accel" ]; then
	if [ "$(uname -m)" = aarch64 ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		accel=kvm why="/dev/kvm usable on an aarch64 host"
	else
		accel=tcg why="no usable aarch64 KVM (host $(uname -m))"
	fi
fi
case $accel in
kvm | hvf) cpu=host ;;
*) cpu=cortex-a53 ;;
esac
echo "qemu.sh: accel=$accel ($why), cpu=$cpu, console tcp 127.0.0.1:$port" >&2

exec "$qemu" -machine virt -accel "$accel" -cpu "$cpu" -m "$mem" -smp 1 \
	-nographic -no-reboot -serial mon:stdio \
	-global virtio-mmio.force-legacy=false \
	-netdev "user,id=net0,hostfwd=tcp:127.0.0.1:${port}-:31337" \
	-device virtio-net-device,netdev=net0 \
	-kernel "$elf" "$@"
