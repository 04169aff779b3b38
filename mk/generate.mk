# Manifest compiler targets (coh-rtc). Included by the top Makefile.
#
# generate:         rewrite every artefact generated from configs/root_task.toml
# check-generated:  regenerate into a temp dir and diff against the committed
#                   files; fails when any is stale (CI runs this)

COH_RTC      ?= $(GO) run ./cmd/coh-rtc
MANIFEST_SRC ?= configs/root_task.toml

.PHONY: generate check-generated

generate:
	$(COH_RTC) -manifest $(MANIFEST_SRC) -docs docs -out .

check-generated:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(COH_RTC) -manifest $(MANIFEST_SRC) -docs docs -out "$$tmp" >/dev/null; \
	stale=0; \
	for f in $$($(COH_RTC) -manifest $(MANIFEST_SRC) -docs docs -list | grep -v '^out/'); do \
	  if ! diff -u "$$f" "$$tmp/$$f"; then stale=1; echo "stale: $$f"; fi; \
	done; \
	if [ $$stale -ne 0 ]; then echo "generated files are stale: run make generate and commit"; exit 1; fi; \
	echo "check-generated: committed artefacts match $(MANIFEST_SRC)"
