#!/usr/bin/env bash
# run.sh: build qemusmoke with the GOOS=cohesix toolchain, boot it on QEMU
# virt with the guest's port 31337 forwarded to 127.0.0.1:$TCP_PORT, and
# talk to it from the host: two echoed lines over TCP through QEMU's real
# virtio-net (modern virtio-mmio) and user networking, 4 MiB streamed
# each way for throughput figures, then "quit".
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
go=${COHESIX_GO:-$root/out/toolchain/bin/go}
port=${TCP_PORT:-31400}
out=${OUT_DIR:-/tmp/qemusmoke}
mkdir -p "$out"
(cd "$root" && GOOS=cohesix GOARCH=arm64 GOTOOLCHAIN=local "$go" build -trimpath -ldflags '-T 0x40201000 -s -w' -o "$out/qemusmoke.elf" ./netstack/internal/qemusmoke)
TCP_PORT=$port timeout 180 "$root/images/virt/qemu.sh" "$out/qemusmoke.elf" < /dev/null > "$out/serial.log" 2>&1 &
qpid=$!
trap 'kill $qpid 2>/dev/null || true' EXIT
for i in $(seq 1 600); do
	grep -q 'netstack smoke: listening' "$out/serial.log" && break
	sleep 0.2
done
python3 - "$port" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=30)
s.settimeout(30)
got = b""
for line in (b"hello cohesix\n", b"x" * 1000 + b"\n"):
    t = time.time()
    s.sendall(line)
    while not got.endswith(line):
        chunk = s.recv(4096)
        if not chunk:
            sys.exit("connection closed early")
        got += chunk
    print("echoed %d bytes in %.1f ms" % (len(line), (time.time() - t) * 1000))
    got = b""
n = 4 << 20
t = time.time()
s.sendall(b"sink %d\n" % n)
s.sendall(b"y" * n)
while not got.endswith(b"got\n"):
    got += s.recv(4096)
dt = time.time() - t
print("host to guest: %d bytes in %.2f s = %.2f MB/s" % (n, dt, n / dt / 1e6))
got = b""
t = time.time()
s.sendall(b"source %d\n" % n)
while len(got) < n:
    chunk = s.recv(65536)
    if not chunk:
        sys.exit("connection closed during source")
    got += chunk
dt = time.time() - t
assert got == b"z" * n, "source data corrupt"
print("guest to host: %d bytes in %.2f s = %.2f MB/s" % (n, dt, n / dt / 1e6))
s.sendall(b"quit\n")
rest = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    rest += chunk
assert rest == b"bye\n", rest
print("host side: ok")
PY
wait $qpid || true
cat "$out/serial.log"
grep -q '^netstack smoke: ok' "$out/serial.log"
