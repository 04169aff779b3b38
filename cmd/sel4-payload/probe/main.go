// Command probe is a diagnostic seL4 root task written in assembly, linked by
// the ordinary Go toolchain for linux/arm64 with its entry point moved off
// the Go runtime:
//
//	GOOS=linux GOARCH=arm64 go build -ldflags='-s -w -E main.probeEntry -X main.probeMode=fault' ./cmd/sel4-payload/probe
//
// It proves the pieces of the seL4 embedding that do not need the GOOS=cohesix
// runtime: the elfloader rewrite (it is a different rootserver), the syscall
// ABI (DebugPutChar, Call), the boot register contract (bootinfo in X0, no
// stack), and the clock decision. It prints the bootinfo frame and the first
// bytes of the extra bootinfo as hex lines ("BI <offset> <32 bytes>") so a
// boot can be captured as a test fixture, then, by probeMode:
//
//	fault    reads CNTVCT_EL0; on a kernel that does not export the counter
//	         to EL0 the kernel reports a UserException and the task stops.
//	suspend  suspends itself with TCB_Suspend on seL4_CapInitThreadTCB.
//
// Built for the host it does nothing.
package main

func main() { println("probe: an seL4 root task; build it for linux/arm64 with -E main.probeEntry") }
