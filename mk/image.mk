# GOOS=cohesix toolchain, the bare QEMU virt image, and its QEMU runners.
# Included by the top Makefile.

TOOLCHAIN   ?= $(OUT)/toolchain
COHESIX_GO  := $(abspath $(TOOLCHAIN))/bin/go

.PHONY: toolchain

## toolchain: build the patched GOOS=cohesix Go under $(OUT)/toolchain (cached by input hash).
toolchain:
	GO=$(GO) ./runtime-port/scripts/build-toolchain.sh $(TOOLCHAIN)
