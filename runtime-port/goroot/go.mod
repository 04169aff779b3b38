// Files copied into GOROOT by runtime-port/scripts/build-toolchain.sh.
// This go.mod only keeps them out of the cohesix module's package graph.
module cohesix.invalid/goroot-overlay

go 1.26
