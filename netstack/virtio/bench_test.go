package virtio_test

import (
	"testing"

	"github.com/cohesix/cohesix/netstack/virtio"
	"github.com/cohesix/cohesix/netstack/virtio/virtiosim"
)

// BenchmarkFrameRoundTrip is one 1514-byte frame out through the tx ring
// and one back in through the rx ring, simulated device included: the
// driver's per-frame cost bound (copies, ring updates, barriers).
func BenchmarkFrameRoundTrip(b *testing.B) {
	dev := virtiosim.New(testMAC)
	n, err := virtio.OpenNet(dev, virtio.QEMUVirt, virtio.NetOptions{QueueSize: 64})
	if err != nil {
		b.Fatal(err)
	}
	f := frame(0, 1514)
	b.SetBytes(int64(2 * len(f)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := n.Transmit(f); err != nil {
			b.Fatal(err)
		}
		n.Flush()
		dev.TakeTx()
		n.Reclaim()
		dev.Inject(f)
		n.Receive(1, func([]byte) {})
	}
}
