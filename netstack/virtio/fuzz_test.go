package virtio_test

import (
	"testing"

	"github.com/cohesix/cohesix/netstack/virtio"
	"github.com/cohesix/cohesix/netstack/virtio/virtiosim"
)

// FuzzUsedRing lets the fuzzer act as a malicious device: the input is a
// program of honest traffic mixed with raw writes to the used rings (index
// and element id/len). Whatever it does, the driver must not panic (an out
// of range access to DMA memory would), must deliver only frames that fit a
// buffer, and must never hold more tx descriptors than the ring has.
func FuzzUsedRing(f *testing.F) {
	f.Add([]byte{0, 10, 1, 20, 2, 3})
	f.Add([]byte{3, 0, 1, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 2})
	f.Add([]byte{4, 1, 5, 0, 0, 0, 0, 0, 0, 0, 0, 3})
	f.Add([]byte{3, 0, 0xe8, 0x03, 0, 0, 0, 0, 0x10, 0, 0, 2, 1, 1, 3})
	f.Fuzz(func(t *testing.T, prog []byte) {
		// Each program runs over coherent DMA and over non-coherent DMA
		// with cache maintenance, whose extra calls must not change what
		// the driver tolerates.
		runUsedRing(t, prog, false)
		runUsedRing(t, prog, true)
	})
}

func runUsedRing(t *testing.T, prog []byte, nonCoherent bool) {
	dev := virtiosim.New(testMAC)
	opt := virtio.NetOptions{QueueSize: 8}
	if nonCoherent {
		dev.NonCoherent, opt.Cache = true, dev
	}
	n, err := virtio.OpenNet(dev, virtio.QEMUVirt, opt)
	if err != nil {
		t.Fatal(err)
	}
	_, txSize := n.QueueSizes()
	buf := make([]byte, virtio.MaxFrame)
	resets := 0
	for len(prog) > 0 {
		op := prog[0]
		prog = prog[1:]
		arg := func(k int) []byte {
			b := make([]byte, k)
			copy(b, prog)
			if k > len(prog) {
				k = len(prog)
			}
			prog = prog[k:]
			return b
		}
		switch op % 5 {
		case 0: // a frame arrives
			a := arg(1)
			dev.Inject(buf[:1+int(a[0])*5])
		case 1: // the stack transmits
			a := arg(1)
			n.Transmit(buf[:1+int(a[0])*5])
			n.Flush()
		case 2:
			n.Receive(64, func(f []byte) {
				if len(f) == 0 || len(f) > virtio.MaxFrame {
					t.Fatalf("delivered a %d-byte frame", len(f))
				}
			})
		case 3: // device scribbles on the used ring of a queue
			a := arg(11)
			used := dev.Used(int(a[0] & 1))
			slot := 4 + 8*(int(a[1])%((len(used)-4)/8))
			copy(used[slot:slot+8], a[2:10])
			if a[10]&1 != 0 {
				used[2] += a[10] >> 1
			}
		case 4: // device bumps a used index by hand
			a := arg(2)
			used := dev.Used(int(a[0] & 1))
			used[2] += a[1]
		}
		if _, err := n.Reclaim(); err != nil {
			// Device declared broken: the driver stops trusting it.
			// Reset it and carry on, a few times, to fuzz recovery too.
			if resets++; resets > 3 || n.Reset() != nil {
				return
			}
			if n.TxFree() != txSize {
				t.Fatalf("after reset the driver holds %d of %d tx descriptors", n.TxFree(), txSize)
			}
		}
		if n.TxFree() > txSize {
			t.Fatalf("tx free list holds %d of %d descriptors", n.TxFree(), txSize)
		}
	}
}
