# GOOS=cohesix toolchain, the bare QEMU virt image, and its QEMU runners.
# Included by the top Makefile.

TOOLCHAIN    ?= $(OUT)/toolchain
COHESIX_GO   := $(abspath $(TOOLCHAIN))/bin/go
IMAGE_DIR    := $(OUT)/image
IMAGE_ELF    := $(IMAGE_DIR)/rootserver.elf
IMAGE_CPIO   := $(IMAGE_DIR)/rootfs.cpio
CPIO_MAX     ?= 4194304
# RAM starts at 0x4000_0000 and QEMU puts the device tree there; the image
# goes 2 MiB above it. -s -w drop the ELF symbol table and DWARF; Go
# tracebacks use pclntab and keep working.
IMAGE_LDFLAGS := -T 0x40201000 -s -w
IMAGE_ENV    := GOOS=cohesix GOARCH=arm64 GOTOOLCHAIN=local GOFLAGS=-mod=readonly

.PHONY: toolchain image qemu qemu-test qemu-smoke bench-boot qemu-deps

## qemu-deps: qemu-system-aarch64, installed from Debian's packages when missing.
qemu-deps:
	@./images/install-qemu.sh

## toolchain: build the patched GOOS=cohesix Go under $(OUT)/toolchain (cached by input hash).
toolchain:
	GO=$(GO) ./runtime-port/scripts/build-toolchain.sh $(TOOLCHAIN)

# With SEL4_BUILD_DIR set, image and qemu build and boot the seL4 root-task
# embedding instead (mk/sel4.mk); the services are the same.
ifdef SEL4_BUILD_DIR
image: image-sel4
qemu: qemu-sel4
bench-boot: bench-boot-sel4
else
## image: the rootserver ELF for QEMU virt and its payload CPIO (size-guarded).
image: toolchain
	@mkdir -p $(IMAGE_DIR)
	$(IMAGE_ENV) $(COHESIX_GO) build -trimpath -tags purego -ldflags '$(IMAGE_LDFLAGS)' -o $(IMAGE_ELF) ./cmd/rootserver
	$(GO) run ./cmd/mkimage -o $(IMAGE_CPIO) \
	  -manifest configs/root_task.toml -tests images/rootfs/proc/tests -max $(CPIO_MAX)
	@$(MAKE) --no-print-directory size-guard || \
	  echo "image: WARNING: the 4 MiB red line is not met (see make size-guard); the image still boots"

## qemu: boot the image; serial console on this terminal, TCP console on 127.0.0.1:$(TCP_PORT).
qemu: image qemu-deps
	TCP_PORT=$(TCP_PORT) ./images/virt/qemu.sh $(IMAGE_ELF)
endif

QEMU_TEST_SCRIPTS ?= scripts/cohsh/boot_v0.coh images/rootfs/proc/tests/selftest_quick.coh \
	images/rootfs/proc/tests/selftest_full.coh

## qemu-test: boot the image under TCG, wait for the TCP console, run the boot and
## selftest scripts with cohsh, power off. The serial log is $(IMAGE_DIR)/qemu-test.log.
qemu-test: image qemu-deps
	$(GO) build -o $(IMAGE_DIR)/cohsh ./cmd/cohsh
	TCP_PORT=$(TCP_PORT) QEMU_LOG=$(IMAGE_DIR)/qemu-test.log \
	  ./images/virt/qemu-test.sh $(IMAGE_ELF) $(IMAGE_DIR)/cohsh $(QEMU_TEST_SCRIPTS)

## bench-boot: the boot, latency, throughput, idle and size figures of the image.
ifndef SEL4_BUILD_DIR
bench-boot: image
	$(GO) run ./bench/boot -elf $(IMAGE_ELF) -cpio $(IMAGE_CPIO) -toolchain $(TOOLCHAIN) -json $(IMAGE_DIR)/bench-boot.json
endif

## qemu-smoke: boot the runtime smoke program (timers, GC, fault to panic, PSCI off).
qemu-smoke: toolchain qemu-deps
	@mkdir -p $(IMAGE_DIR)
	$(IMAGE_ENV) $(COHESIX_GO) build -trimpath -ldflags '$(IMAGE_LDFLAGS)' -o $(IMAGE_DIR)/smoke.elf ./cmd/runtime-smoke
	TCP_PORT=$(TCP_PORT) timeout 120 ./images/virt/qemu.sh $(IMAGE_DIR)/smoke.elf < /dev/null | tee $(IMAGE_DIR)/smoke.log
	grep -q '^cohesix smoke: ok' $(IMAGE_DIR)/smoke.log

## size-guard: the seed's red line: the root file system as the seed packs it
## (rootserver ELF plus payload) must stay under CPIO_MAX. Fails while it does
## not; make image reports the verdict without stopping.
SIZE_GUARD_CPIO := $(IMAGE_DIR)/rootfs-with-rootserver.cpio
.PHONY: size-guard
size-guard:
	@test -f $(IMAGE_ELF) || { echo "size-guard: no $(IMAGE_ELF); run make image" >&2; exit 1; }
	@$(GO) run ./cmd/mkimage -o $(SIZE_GUARD_CPIO) -rootserver $(IMAGE_ELF) \
	  -manifest configs/root_task.toml -tests images/rootfs/proc/tests -max $(CPIO_MAX) \
	  && echo "size-guard: $(SIZE_GUARD_CPIO) under $(CPIO_MAX) bytes"
