#!/usr/bin/env bash
# qemu.sh ELFLOADER [extra qemu args...]: boot the seL4 embedding on QEMU
# virt as the upstream qemu-arm-virt build expects it (GIC v2, cortex-a57,
# 1 GiB), with the virt embedding's network wiring: one modern virtio-mmio
# net device, the console forwarded from 127.0.0.1:$TCP_PORT (default 31337)
# to the guest's 31337. Plus a virtio-rng, the only entropy under seL4.
#
# flash1.img beside ELFLOADER, when there, is the two-stage boot's flash
# bank 1. Serial goes to $QEMU_SERIAL (default mon:stdio: this terminal).
set -euo pipefail
img=${1:?usage: qemu.sh ELFLOADER [qemu args...]}
shift
port=${TCP_PORT:-31337}
qemu=${QEMU:-qemu-system-aarch64}
flash=()
if [ -f "$(dirname "$img")/flash1.img" ]; then
	flash=(-drive "if=pflash,format=raw,unit=1,readonly=on,file=$(dirname "$img")/flash1.img")
fi
# TCG: the upstream build is a non-hypervisor EL1 kernel for an emulated
# cortex-a57, and the figures stay comparable across hosts.
echo "qemu.sh: accel=tcg, cpu=cortex-a57, console tcp 127.0.0.1:$port${flash:+, flash bank 1 $(dirname "$img")/flash1.img}" >&2
exec "$qemu" -accel tcg -machine "virt,gic-version=${SEL4_GIC:-2}" -cpu cortex-a57 -m 1024 -smp 1 \
	-display none -serial "${QEMU_SERIAL:-mon:stdio}" \
	-global virtio-mmio.force-legacy=off -device virtio-rng-device \
	-netdev "user,id=net0,hostfwd=tcp:127.0.0.1:${port}-:31337" \
	-device virtio-net-device,netdev=net0,mac=52:55:00:d1:55:01 \
	"${flash[@]}" -kernel "$img" "$@"
