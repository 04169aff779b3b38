// Command stage1 is the root task the elfloader's archive carries when the
// rootserver is too large for it: it copies the real rootserver from QEMU's
// flash bank 1 (written by sel4-payload -flash) into fresh frames and
// jumps to it, handing over what it consumed (kernel-glue/sel4 handoff.go).
// Like gluecheck it runs without the Go runtime, linked high so that it
// never overlaps the payload:
//
//	GOOS=linux GOARCH=arm64 go build -tags sel4probe -ldflags='-s -w -E main.entry -T 0x7000010000' ./cmd/sel4-payload/stage1
//
// Built for the host without the tag it does nothing.
package main

func main() { println("stage1: an seL4 root task; see the package comment") }
