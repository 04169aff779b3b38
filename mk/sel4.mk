# The seL4 embedding: the rootserver as an seL4 root task, booted by an
# upstream elfloader whose embedded CPIO archive we rewrite (nothing upstream
# is patched or rebuilt). Included by the top Makefile.
#
#   make image-sel4 SEL4_BUILD_DIR=~/seL4/build   out/sel4/elfloader with our rootserver
#   make qemu-sel4  SEL4_BUILD_DIR=~/seL4/build   boot it, console on 127.0.0.1:$(TCP_PORT)
#   make probe-sel4 SEL4_BUILD_DIR=~/seL4/build   boot the probe root tasks (no GOOS=cohesix
#                                                 toolchain needed): syscall ABI, bootinfo, clock
#                                                 trap, kernel-glue/sel4 against the real kernel,
#                                                 and the two-stage boot
#   make sel4-kconfig SEL4_BUILD_DIR=...          print the kernel config the image links in
#   make check-sel4 SEL4_BUILD_DIR=...            boot the image and run the full selftest and
#                                                 every scripts/cohsh/*.coh over TCP; check idle blocks
#   make bench-boot SEL4_BUILD_DIR=...            boot, latency, throughput and idle figures
#
# A Go rootserver is larger than the upstream elfloader's archive (3 MiB in
# a sel4test build) and its unpacked image larger than the room below the
# elfloader (4 MiB), so image-sel4 normally produces the two-stage boot:
# stage 1 in the archive, the rootserver in flash bank 1 ($(SEL4_OUT)/flash1.img).
#
# SEL4_BUILD_DIR is an upstream seL4 aarch64 qemu-arm-virt build (non-MCS):
# kernel/kernel.elf, kernel/kernel.dtb, CMakeCache.txt, the generated libsel4
# headers, and an elfloader image: elfloader/elfloader, or the final image
# under images/ (for example images/sel4test-driver-image-arm-qemu-arm-virt).

SEL4_OUT        ?= $(OUT)/sel4
SEL4_PAYLOAD    ?= $(GO) run ./cmd/sel4-payload
SEL4_GO         ?= $(abspath $(OUT)/toolchain)/bin/go
SEL4_QEMU       ?= qemu-system-aarch64
SEL4_QEMU_TIME  ?= 12
SEL4_GIC        ?= 2
SEL4_ELFLOADER  ?= $(firstword $(wildcard $(SEL4_BUILD_DIR)/elfloader/elfloader) \
                     $(wildcard $(SEL4_BUILD_DIR)/images/*-image-arm-qemu-arm-virt))
SEL4_GLUE       := github.com/cohesix/cohesix/kernel-glue/sel4

SEL4_REQUIRED = kernel/kernel.elf kernel/kernel.dtb CMakeCache.txt \
	libsel4/include/sel4/invocation.h \
	libsel4/sel4_arch_include/aarch64/sel4/sel4_arch/invocation.h \
	libsel4/arch_include/arm/sel4/arch/invocation.h

# The QEMU command line (machine, network wiring, flash bank) lives in
# images/sel4/qemu.sh, shared by qemu-sel4, check-sel4 and bench-boot-sel4.
SEL4_RUN = SEL4_GIC=$(SEL4_GIC) QEMU=$(SEL4_QEMU) ./images/sel4/qemu.sh

.PHONY: sel4-check sel4-kconfig image-sel4 qemu-sel4 probe-sel4 check-sel4 bench-boot-sel4

## sel4-check: fail with the name of every missing piece of SEL4_BUILD_DIR.
sel4-check:
	@if [ -z "$(SEL4_BUILD_DIR)" ]; then \
	  echo "sel4: SEL4_BUILD_DIR is not set; point it at an upstream seL4 aarch64 qemu-arm-virt build" >&2; exit 1; fi
	@if [ ! -d "$(SEL4_BUILD_DIR)" ]; then echo "sel4: SEL4_BUILD_DIR=$(SEL4_BUILD_DIR) is not a directory" >&2; exit 1; fi
	@missing=0; for f in $(SEL4_REQUIRED); do \
	  if [ ! -f "$(SEL4_BUILD_DIR)/$$f" ]; then echo "sel4: missing $(SEL4_BUILD_DIR)/$$f" >&2; missing=1; fi; \
	done; \
	if [ -z "$(SEL4_ELFLOADER)" ]; then \
	  echo "sel4: missing elfloader: neither $(SEL4_BUILD_DIR)/elfloader/elfloader nor $(SEL4_BUILD_DIR)/images/*-image-arm-qemu-arm-virt exists (set SEL4_ELFLOADER)" >&2; missing=1; \
	elif [ ! -f "$(SEL4_ELFLOADER)" ]; then echo "sel4: missing $(SEL4_ELFLOADER)" >&2; missing=1; fi; \
	if [ $$missing -ne 0 ]; then echo "sel4: SEL4_BUILD_DIR is incomplete" >&2; exit 1; fi

$(SEL4_OUT):
	mkdir -p $@

## sel4-kconfig: the kernel configuration string linked into the root task.
sel4-kconfig: sel4-check
	@$(SEL4_PAYLOAD) -kconfig $(SEL4_BUILD_DIR)

# Stage 1 of the two-stage boot: loads a rootserver too large for the
# elfloader's archive from flash bank 1 (kernel-glue/sel4/handoff.go).
# Built by the ordinary toolchain, linked high, no Go runtime.
$(SEL4_OUT)/stage1.elf: kernel-glue/sel4/*.go kernel-glue/sel4/*.s cmd/sel4-payload/stage1/* | $(SEL4_OUT)
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -trimpath -tags sel4probe \
	  -ldflags '-s -w -E main.entry -T 0x7000011000' -o $@ ./cmd/sel4-payload/stage1

image-sel4: toolchain sel4-check $(SEL4_OUT)/stage1.elf | $(SEL4_OUT)
	@if [ ! -x "$(SEL4_GO)" ]; then echo "sel4: no GOOS=cohesix toolchain at $(SEL4_GO); run make toolchain" >&2; exit 1; fi
	kconfig=$$($(SEL4_PAYLOAD) -kconfig $(SEL4_BUILD_DIR)) && \
	GOOS=cohesix GOARCH=arm64 CGO_ENABLED=0 $(SEL4_GO) build -tags "purego sel4" -trimpath \
	  -ldflags "-s -w -X $(SEL4_GLUE).kernelConfig=$$kconfig" -o $(SEL4_OUT)/rootserver ./cmd/rootserver
	$(SEL4_PAYLOAD) -elfloader $(SEL4_ELFLOADER) -rootserver $(SEL4_OUT)/rootserver -strip \
	  -stage1 $(SEL4_OUT)/stage1.elf -flash $(SEL4_OUT)/flash1.img -o $(SEL4_OUT)/elfloader

## qemu-sel4: boot out/sel4/elfloader (and flash bank 1 for the two-stage boot); serial on this terminal.
qemu-sel4: image-sel4 qemu-deps
	TCP_PORT=$(TCP_PORT) $(SEL4_RUN) $(SEL4_OUT)/elfloader

## bench-boot-sel4: bench-boot's figures for the seL4 embedding.
bench-boot-sel4: image-sel4 qemu-deps
	$(GO) run ./bench/boot -elf $(SEL4_OUT)/elfloader -rootserver $(SEL4_OUT)/rootserver -qemu images/sel4/qemu.sh \
	  -cpio "" -toolchain $(TOOLCHAIN) -json $(SEL4_OUT)/bench-boot.json

# The probe is built by the ordinary toolchain (linux/arm64, entry moved off
# the Go runtime), so it runs before the cohesix toolchain exists.
$(SEL4_OUT)/probe-%.elf: cmd/sel4-payload/probe/*.go cmd/sel4-payload/probe/*.s | $(SEL4_OUT)
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -trimpath \
	  -ldflags '-s -w -E main.probeEntry -X main.probeMode=$*' -o $@ ./cmd/sel4-payload/probe

$(SEL4_OUT)/gluecheck.elf: kernel-glue/sel4/*.go kernel-glue/sel4/*.s cmd/sel4-payload/gluecheck/* | $(SEL4_OUT)
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -trimpath -tags sel4probe \
	  -ldflags '-s -w -E main.entry' -o $@ ./cmd/sel4-payload/gluecheck

# gluecheck with a 32 MiB BSS: only the two-stage boot can load it.
$(SEL4_OUT)/gluecheck-big.elf: kernel-glue/sel4/*.go kernel-glue/sel4/*.s cmd/sel4-payload/gluecheck/* | $(SEL4_OUT)
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -trimpath -tags 'sel4probe sel4bigbss' \
	  -ldflags '-s -w -E main.entry' -o $@ ./cmd/sel4-payload/gluecheck

## probe-sel4: boot the probe twice (counter read, self-suspend) and kernel-glue/sel4's
## gluecheck (labels, message layouts, untyped model, mappings, DMA, cache, IRQ) and check the logs.
probe-sel4: sel4-check $(SEL4_OUT)/probe-fault.elf $(SEL4_OUT)/probe-suspend.elf $(SEL4_OUT)/gluecheck.elf \
	    $(SEL4_OUT)/gluecheck-big.elf $(SEL4_OUT)/stage1.elf
	@set -e; for m in fault suspend; do \
	  $(SEL4_PAYLOAD) -elfloader $(SEL4_ELFLOADER) -rootserver $(SEL4_OUT)/probe-$$m.elf -o $(SEL4_OUT)/probe-$$m.img; \
	  timeout $(SEL4_QEMU_TIME) $(SEL4_QEMU) -machine virt,gic-version=$(SEL4_GIC) -cpu cortex-a57 -m 1024 -smp 1 \
	    -display none -monitor none -serial file:$(SEL4_OUT)/probe-$$m.log -kernel $(SEL4_OUT)/probe-$$m.img || true; \
	  grep -q "probe: root task up" $(SEL4_OUT)/probe-$$m.log || { echo "probe-sel4: $$m: the root task never printed (log $(SEL4_OUT)/probe-$$m.log)" >&2; exit 1; }; \
	  test $$(grep -ac '^BI ' $(SEL4_OUT)/probe-$$m.log) -eq 130 || { echo "probe-sel4: $$m: bootinfo dump incomplete" >&2; exit 1; }; \
	done; \
	if grep -q "probe: counter readable" $(SEL4_OUT)/probe-fault.log; then \
	  echo "probe-sel4: CNTVCT_EL0 is readable at EL0: the kernel exports the counter"; \
	elif grep -q "user exception" $(SEL4_OUT)/probe-fault.log; then \
	  echo "probe-sel4: CNTVCT_EL0 at EL0 faults (UserException): the kernel does not export the counter"; \
	else echo "probe-sel4: counter read: neither success nor fault in the log" >&2; exit 1; fi; \
	if grep -q "suspend returned" $(SEL4_OUT)/probe-suspend.log || ! grep -q "suspending itself" $(SEL4_OUT)/probe-suspend.log; then \
	  echo "probe-sel4: TCB_Suspend on the root TCB did not stop the task" >&2; exit 1; fi; \
	$(SEL4_PAYLOAD) -elfloader $(SEL4_ELFLOADER) -rootserver $(SEL4_OUT)/gluecheck.elf -o $(SEL4_OUT)/gluecheck.img; \
	timeout $(SEL4_QEMU_TIME) $(SEL4_QEMU) -machine virt,gic-version=$(SEL4_GIC) -cpu cortex-a57 -m 1024 -smp 1 \
	  -display none -monitor none -serial file:$(SEL4_OUT)/gluecheck.log -kernel $(SEL4_OUT)/gluecheck.img || true; \
	if ! grep -q "gluecheck: all ok" $(SEL4_OUT)/gluecheck.log; then \
	  echo "probe-sel4: gluecheck failed; last steps:" >&2; grep -a "gluecheck:" $(SEL4_OUT)/gluecheck.log | tail -3 >&2; exit 1; fi; \
	$(SEL4_PAYLOAD) -elfloader $(SEL4_ELFLOADER) -rootserver $(SEL4_OUT)/gluecheck-big.elf -stage1 $(SEL4_OUT)/stage1.elf \
	  -flash $(SEL4_OUT)/gluecheck-flash1.img -o $(SEL4_OUT)/gluecheck-big.img; \
	timeout $(SEL4_QEMU_TIME) $(SEL4_QEMU) -machine virt,gic-version=$(SEL4_GIC) -cpu cortex-a57 -m 1024 -smp 1 \
	  -display none -monitor none -serial file:$(SEL4_OUT)/gluecheck-big.log \
	  -drive if=pflash,format=raw,unit=1,readonly=on,file=$(SEL4_OUT)/gluecheck-flash1.img -kernel $(SEL4_OUT)/gluecheck-big.img || true; \
	if ! grep -q "booted by stage 1, handoff applied" $(SEL4_OUT)/gluecheck-big.log || ! grep -q "gluecheck: all ok" $(SEL4_OUT)/gluecheck-big.log; then \
	  echo "probe-sel4: two-stage gluecheck failed; last lines:" >&2; grep -a "stage1:\|gluecheck:" $(SEL4_OUT)/gluecheck-big.log | tail -3 >&2; exit 1; fi; \
	rm -f $(SEL4_OUT)/gluecheck-flash1.img; \
	echo "probe-sel4: ok (DebugPutChar, bootinfo in X0, TCB_Suspend, gluecheck direct and through stage 1; logs in $(SEL4_OUT))"

## check-sel4: boot the image in the background, run every scripts/cohsh/*.coh and the
## full selftest against it over TCP (each on a fresh boot), check that idle blocks, stop QEMU.
SEL4_CHECK_PORT ?= 47337
# The degraded clock (no EL0 counter) calibrates on the first RTC seconds.
SEL4_SETTLE ?= 3
check-sel4: image-sel4 qemu-deps
	@set -e; $(GO) build -o $(SEL4_OUT)/cohsh ./cmd/cohsh; fails=0; \
	boot() { \
	  TCP_PORT=$(SEL4_CHECK_PORT) QEMU_SERIAL=file:$(SEL4_OUT)/check-serial.log \
	    $(SEL4_RUN) $(SEL4_OUT)/elfloader -monitor none >/dev/null 2>&1 & qpid=$$!; \
	  for i in $$(seq 1 120); do grep -q "console ready" $(SEL4_OUT)/check-serial.log 2>/dev/null && { sleep $(SEL4_SETTLE); return 0; }; sleep 1; done; \
	  echo "check-sel4: no console after 120 s" >&2; kill $$qpid; exit 1; }; \
	run() { if timeout 300 $(SEL4_OUT)/cohsh --tcp-port $(SEL4_CHECK_PORT) --script "$$1" > $(SEL4_OUT)/check-$$(basename $$1).log 2>&1; \
	  then echo "check-sel4: pass $$1"; else echo "check-sel4: FAIL $$1 (see $(SEL4_OUT)/check-$$(basename $$1).log)"; fails=$$((fails+1)); fi; }; \
	printf 'attach queen\ntest --mode full\nquit\n' > $(SEL4_OUT)/selftest-full.coh; \
	for f in $(SEL4_OUT)/selftest-full.coh scripts/cohsh/*.coh; do rm -f $(SEL4_OUT)/check-serial.log; boot; run $$f; kill $$qpid 2>/dev/null || echo "check-sel4: QEMU had already exited during $$f" >&2; wait $$qpid 2>/dev/null || true; done; \
	printf 'attach queen\ncat /proc/idle\nquit\n' > $(SEL4_OUT)/idle.coh; rm -f $(SEL4_OUT)/check-serial.log; boot; sleep 4; run $(SEL4_OUT)/idle.coh; \
	kill $$qpid 2>/dev/null; wait $$qpid 2>/dev/null || true; \
	if grep -q '^mode=block .*blocks=[1-9]' $(SEL4_OUT)/check-idle.coh.log; then echo "check-sel4: pass idle blocks in seL4_Wait"; \
	else echo "check-sel4: FAIL idle never blocked (see $(SEL4_OUT)/check-idle.coh.log)"; fails=$$((fails+1)); fi; \
	if [ $$fails -ne 0 ]; then echo "check-sel4: $$fails failed" >&2; exit 1; fi; echo "check-sel4: all passed"
