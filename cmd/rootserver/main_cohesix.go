//go:build cohesix

// The image embedding: the rootserver as the only program on a bare QEMU
// virt machine. The services are the same as hosted (system.go); the
// platform is kernel-glue/virt: the PL011 is the serial console, the
// generic timer and WFI drive the pump.
package main

import (
	"fmt"
	"os"

	"github.com/cohesix/cohesix/images/rootfs"
	"github.com/cohesix/cohesix/kernel-glue/virt"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "rootserver: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	hive, err := hiveConfig(rootfs.FS)
	if err != nil {
		return err
	}
	opts := options{hive: hive, console: consoleConfig(""), ninep: ninePOptions()}
	writeBootLog(os.Stdout, "virt")
	sys, err := newSystem(virt.Clock{}, virt.Waiter{}, opts)
	if err != nil {
		return err
	}
	sys.console.AddSerial(virt.Serial{})
	fmt.Fprintf(os.Stdout, "[cohesix:root-task] serial console on PL011; boot took %v\n", virt.Uptime())
	sys.pump.Run(func() bool { return false })
	return nil
}
