// Command gluecheck runs kernel-glue/sel4 as an seL4 root task before the
// GOOS=cohesix runtime exists: built for linux/arm64 with the sel4probe tag
// and its entry point moved off the Go runtime,
//
//	GOOS=linux GOARCH=arm64 go build -tags sel4probe -ldflags='-s -w -E main.entry' ./cmd/sel4-payload/gluecheck
//
// it sets up a stack and a zeroed g (so that stack checks pass and nothing
// reaches the scheduler) and calls sel4.GlueCheck, which exercises the
// package's syscall stubs, invocation encoders and allocators against the
// real kernel and prints each step with seL4_DebugPutChar. mk/sel4.mk's
// probe-sel4 target embeds and boots it.
//
// Built for the host without the tag it does nothing.
package main

func main() { println("gluecheck: an seL4 root task; see the package comment") }
