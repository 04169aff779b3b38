#!/usr/bin/env bash
# run-tests.sh: build the netstack test binaries for GOOS=cohesix and boot
# each on QEMU virt, so the tests also run on the image's runtime (one M,
# no preemption). Each package has a board_cohesix_test.go that links
# kernel-glue/virt and supplies argv. Fails unless every binary prints PASS.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
go=${COHESIX_GO:-$root/out/toolchain/bin/go}
out=${OUT_DIR:-/tmp/qemusmoke}
mkdir -p "$out"
status=0
for pkg in netstack netstack/virtio netstack/clock netstack/link; do
	name=$(echo "$pkg" | tr / _)
	(cd "$root" && GOOS=cohesix GOARCH=arm64 GOTOOLCHAIN=local "$go" test -c -trimpath -ldflags '-T 0x40201000 -s -w' -o "$out/$name.test.elf" "./$pkg")
	TCP_PORT=${TCP_PORT:-31413} timeout 600 "$root/images/virt/qemu.sh" "$out/$name.test.elf" < /dev/null > "$out/$name.log" 2>&1 || true
	if grep -q '^PASS$' "$out/$name.log" && ! grep -q -- '--- FAIL' "$out/$name.log"; then
		echo "ok   $pkg on cohesix/QEMU ($(grep -c -- '--- PASS' "$out/$name.log") tests)"
	else
		echo "FAIL $pkg on cohesix/QEMU; log $out/$name.log"
		tail -20 "$out/$name.log"
		status=1
	fi
done
exit $status
