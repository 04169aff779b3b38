# Cohesix build entry points. Every target is also what CI runs; see README.md.

GO        ?= go
OUT       ?= out
TCP_PORT  ?= 31337
FUZZTIME  ?= 10s

.PHONY: all build test unit fuzz-smoke bench run vet fmt-check clean

all: build

## build: compile every host package and binary.
build:
	$(GO) build ./...

## test: everything CI checks on the host: format, vet, unit and integration tests, fuzz smoke.
test: fmt-check vet check-generated unit fuzz-smoke

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './out/*')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

unit:
	$(GO) test -count=1 ./...

## fuzz-smoke: run every Fuzz target for FUZZTIME each (corpus in testdata/fuzz).
fuzz-smoke:
	FUZZTIME=$(FUZZTIME) GO=$(GO) ./scripts/fuzz-smoke.sh

## bench: the benchmark figures quoted in the closing notes.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## run: the hosted rootserver on 127.0.0.1:$(TCP_PORT), serial console on this terminal.
run:
	$(GO) run ./cmd/rootserver -listen 127.0.0.1:$(TCP_PORT)

-include mk/*.mk

clean:
	rm -rf $(OUT)
