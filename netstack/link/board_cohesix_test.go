//go:build cohesix

package link

import (
	"os"
	"testing"

	// On GOOS=cohesix the test binary boots on QEMU virt like the image
	// (netstack/internal/qemusmoke/run-tests.sh); the board supplies the runtime
	// hooks.
	_ "github.com/cohesix/cohesix/kernel-glue/virt"
)

// TestMain supplies the argv the bare machine does not have (flag.Parse
// needs os.Args[0]); -test.v so the serial log shows every test.
func TestMain(m *testing.M) {
	if len(os.Args) == 0 {
		os.Args = []string{"link.test", "-test.v", "-test.run=^Test"}
	}
	os.Exit(m.Run())
}
