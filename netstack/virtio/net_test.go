package virtio_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cohesix/cohesix/netstack/virtio"
	"github.com/cohesix/cohesix/netstack/virtio/virtiosim"
)

var testMAC = [6]byte{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}

func open(t testing.TB, dev *virtiosim.Device, opt virtio.NetOptions) *virtio.Net {
	t.Helper()
	n, err := virtio.OpenNet(dev, virtio.QEMUVirt, opt)
	if err != nil {
		t.Fatalf("OpenNet: %v", err)
	}
	return n
}

func TestOpenNegotiates(t *testing.T) {
	dev := virtiosim.New(testMAC)
	dev.Features |= 1<<0 | 1<<15 // CSUM, MRG_RXBUF: offered, must not be taken
	n := open(t, dev, virtio.NetOptions{QueueSize: 100})
	if got := n.MAC(); got != testMAC {
		t.Errorf("MAC = %x, want %x", got, testMAC)
	}
	if got, want := dev.DriverFeatures(), uint64(virtio.FeatureVersion1|virtio.FeatureNetMAC); got != want {
		t.Errorf("driver features = %#x, want %#x", got, want)
	}
	want := uint32(virtio.StatusAcknowledge | virtio.StatusDriver | virtio.StatusFeaturesOK | virtio.StatusDriverOK)
	if got := dev.Status(); got != want {
		t.Errorf("status = %#x, want %#x", got, want)
	}
	if rx, tx := n.QueueSizes(); rx != 64 || tx != 64 {
		t.Errorf("queue sizes = %d,%d, want 64,64 (100 rounded down to a power of two)", rx, tx)
	}
	if got := n.Phys(); got != 0x0a003e00 {
		t.Errorf("found at %#x, want last slot 0x0a003e00", got)
	}
	if dev.Err != nil {
		t.Errorf("device saw a protocol error: %v", dev.Err)
	}
}

func TestOpenFailures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(*virtiosim.Device)
		want  string
	}{
		{"legacy", func(d *virtiosim.Device) { d.Version = 1 }, "legacy"},
		{"no version 1", func(d *virtiosim.Device) { d.Features = virtio.FeatureNetMAC }, "VERSION_1"},
		{"no queues", func(d *virtiosim.Device) { d.QueueMax = 0 }, "not available"},
		{"absent", func(d *virtiosim.Device) { d.Slot = 99 }, "no device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dev := virtiosim.New(testMAC)
			tc.setup(dev)
			_, err := virtio.OpenNet(dev, virtio.QEMUVirt, virtio.NetOptions{})
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
				t.Fatalf("OpenNet error = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestMACFallback(t *testing.T) {
	dev := virtiosim.New(testMAC)
	dev.Features = virtio.FeatureVersion1
	fallback := [6]byte{2, 0, 0, 0, 0, 1}
	n := open(t, dev, virtio.NetOptions{MAC: fallback})
	if n.MAC() != fallback {
		t.Errorf("MAC = %x, want the configured fallback %x", n.MAC(), fallback)
	}
}

func frame(i, size int) []byte {
	b := make([]byte, size)
	for j := range b {
		b[j] = byte(i + j)
	}
	return b
}

func TestTransmitReceive(t *testing.T) {
	dev := virtiosim.New(testMAC)
	n := open(t, dev, virtio.NetOptions{QueueSize: 8})
	for i := 0; i < 20; i++ { // wraps both rings twice
		f := frame(i, 60+i*70)
		if err := n.Transmit(f); err != nil {
			t.Fatalf("Transmit %d: %v", i, err)
		}
		n.Flush()
		got := dev.TakeTx()
		if len(got) != 1 || !bytes.Equal(got[0], f) {
			t.Fatalf("wire saw %d frames, want frame %d", len(got), i)
		}
		if k, err := n.Reclaim(); k != 1 || err != nil {
			t.Fatalf("Reclaim = %d, %v", k, err)
		}
		if !dev.Inject(f) {
			t.Fatalf("Inject %d refused", i)
		}
		var rx [][]byte
		if _, err := n.Receive(16, func(b []byte) { rx = append(rx, append([]byte(nil), b...)) }); err != nil {
			t.Fatal(err)
		}
		if len(rx) != 1 || !bytes.Equal(rx[0], f) {
			t.Fatalf("received %d frames, want frame %d back", len(rx), i)
		}
	}
	if dev.Err != nil {
		t.Fatalf("device saw a protocol error: %v", dev.Err)
	}
	st := n.Stats()
	if st.RxFrames != 20 || st.TxFrames != 20 {
		t.Errorf("stats = %+v", st)
	}
}

func TestTxRingFull(t *testing.T) {
	dev := virtiosim.New(testMAC)
	dev.HoldTx = true
	n := open(t, dev, virtio.NetOptions{QueueSize: 4})
	for i := 0; i < 4; i++ {
		if err := n.Transmit(frame(i, 64)); err != nil {
			t.Fatalf("Transmit %d: %v", i, err)
		}
	}
	n.Flush()
	if err := n.Transmit(frame(9, 64)); !errors.Is(err, virtio.ErrTxFull) {
		t.Fatalf("Transmit on a full ring = %v, want ErrTxFull", err)
	}
	if k, _ := n.Reclaim(); k != 0 {
		t.Fatalf("Reclaim before the device finished = %d", k)
	}
	dev.ProcessTx()
	if k, _ := n.Reclaim(); k != 4 || n.TxFree() != 4 {
		t.Fatalf("Reclaim = %d, free %d; want 4, 4", k, n.TxFree())
	}
	if got := len(dev.TakeTx()); got != 4 {
		t.Fatalf("wire saw %d frames, want 4", got)
	}
	if err := n.Transmit(make([]byte, virtio.MaxFrame+1)); !errors.Is(err, virtio.ErrFrameSize) {
		t.Fatalf("oversized Transmit = %v, want ErrFrameSize", err)
	}
}

func TestRxBounded(t *testing.T) {
	dev := virtiosim.New(testMAC)
	n := open(t, dev, virtio.NetOptions{QueueSize: 8})
	for i := 0; i < 10; i++ {
		ok := dev.Inject(frame(i, 100))
		if want := i < 8; ok != want {
			t.Fatalf("Inject %d = %v, want %v (8 rx buffers)", i, ok, want)
		}
	}
	if dev.RxDropped != 2 {
		t.Errorf("device dropped %d, want 2", dev.RxDropped)
	}
	var got int
	k, _ := n.Receive(3, func([]byte) { got++ })
	if k != 3 || got != 3 || !n.Pending() {
		t.Fatalf("Receive(3) = %d (%d delivered), pending %v", k, got, n.Pending())
	}
	n.Receive(100, func([]byte) { got++ })
	if got != 8 || n.Pending() {
		t.Fatalf("delivered %d, pending %v; want 8, false", got, n.Pending())
	}
}

// TestMaliciousDevice plays a device that writes garbage into the used
// rings; the driver must skip or refuse it without touching memory it does
// not own.
func TestMaliciousDevice(t *testing.T) {
	for _, tc := range []struct {
		name      string
		queue     int
		idx       uint16
		id, len   uint32
		wantErr   bool
		wantStats func(virtio.NetStats) bool
	}{
		{"rx id out of range", 0, 1, 1000, 100, false, func(s virtio.NetStats) bool { return s.BadUsedID == 1 }},
		{"rx len too long", 0, 1, 0, 1 << 20, false, func(s virtio.NetStats) bool { return s.RxBadLength == 1 }},
		{"rx len shorter than header", 0, 1, 0, 3, false, func(s virtio.NetStats) bool { return s.RxBadLength == 1 }},
		{"rx index runs ahead", 0, 50, 0, 100, true, nil},
		{"tx id never posted", 1, 1, 2, 0, false, func(s virtio.NetStats) bool { return s.BadUsedID == 1 }},
		{"tx index runs ahead", 1, 9, 0, 0, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dev := virtiosim.New(testMAC)
			n := open(t, dev, virtio.NetOptions{QueueSize: 8})
			used := dev.Used(tc.queue)
			putUint16(used[2:], tc.idx)
			putUint32(used[4:], tc.id)
			putUint32(used[8:], tc.len)
			var err error
			if tc.queue == 0 {
				_, err = n.Receive(64, func([]byte) { t.Error("delivered a frame from a bad element") })
			} else {
				_, err = n.Reclaim()
			}
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if tc.wantErr {
				if !errors.Is(n.Err(), virtio.ErrDeviceBroken) || !errors.Is(n.Transmit(frame(0, 64)), virtio.ErrDeviceBroken) {
					t.Fatalf("driver kept trusting a broken device: %v", n.Err())
				}
				return
			}
			if !tc.wantStats(n.Stats()) {
				t.Fatalf("stats = %+v", n.Stats())
			}
			if n.TxFree() > 8 {
				t.Fatalf("tx free list grew to %d", n.TxFree())
			}
		})
	}
}

func putUint16(b []byte, v uint16) { b[0], b[1] = byte(v), byte(v>>8) }
func putUint32(b []byte, v uint32) {
	for i := 0; i < 4; i++ {
		b[i] = byte(v >> (8 * i))
	}
}

func ExampleOpenNet() {
	dev := virtiosim.New(testMAC)
	n, err := virtio.OpenNet(dev, virtio.QEMUVirt, virtio.NetOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%x at %#x\n", n.MAC(), n.Phys())
	// Output: 525400123456 at 0xa003e00
}

func TestInterrupts(t *testing.T) {
	dev := virtiosim.New(testMAC)
	n := open(t, dev, virtio.NetOptions{QueueSize: 8})
	n.Transmit(frame(1, 64))
	n.Flush()
	if st, raised := dev.InterruptStatus(); st != 0 || raised != 0 {
		t.Fatalf("tx completion raised the line (status %#x, %d times); tx interrupts are suppressed", st, raised)
	}
	dev.Inject(frame(2, 64))
	if st, _ := dev.InterruptStatus(); st&1 == 0 {
		t.Fatalf("rx did not raise the line")
	}
	if got := n.AckInterrupt(); got&1 == 0 {
		t.Fatalf("AckInterrupt saw status %#x", got)
	}
	if st, _ := dev.InterruptStatus(); st != 0 {
		t.Fatalf("status %#x after ack", st)
	}
	if got := n.AckInterrupt(); got != 0 {
		t.Fatalf("second AckInterrupt saw %#x", got)
	}
}

func TestResetRecovers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		breakIt func(*virtiosim.Device, *virtio.Net)
	}{
		{"used index runs ahead", func(dev *virtiosim.Device, n *virtio.Net) {
			putUint16(dev.Used(0)[2:], 200)
			n.Receive(64, func([]byte) {})
		}},
		{"device needs reset", func(dev *virtiosim.Device, n *virtio.Net) {
			dev.NeedsReset()
			n.AckInterrupt()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dev := virtiosim.New(testMAC)
			n := open(t, dev, virtio.NetOptions{QueueSize: 8})
			dev.SetHoldTx(true)
			n.Transmit(frame(0, 64)) // in flight across the reset: lost
			n.Flush()
			tc.breakIt(dev, n)
			if !errors.Is(n.Err(), virtio.ErrDeviceBroken) {
				t.Fatalf("Err = %v, want ErrDeviceBroken", n.Err())
			}
			dev.SetHoldTx(false)
			dev.TakeTx()
			if err := n.Reset(); err != nil {
				t.Fatalf("Reset: %v", err)
			}
			if n.Err() != nil || n.TxFree() != 8 || n.Stats().Resets != 1 {
				t.Fatalf("after reset: err %v, tx free %d, stats %+v", n.Err(), n.TxFree(), n.Stats())
			}
			for i := 0; i < 12; i++ { // wraps the reused rings
				f := frame(i, 100)
				if err := n.Transmit(f); err != nil {
					t.Fatal(err)
				}
				n.Flush()
				if got := dev.TakeTx(); len(got) != 1 || !bytes.Equal(got[0], f) {
					t.Fatalf("frame %d after reset: wire saw %d", i, len(got))
				}
				n.Reclaim()
				dev.Inject(f)
				var rx int
				n.Receive(8, func(b []byte) {
					if bytes.Equal(b, f) {
						rx++
					}
				})
				if rx != 1 {
					t.Fatalf("frame %d after reset: received %d", i, rx)
				}
			}
			if _, _, err := dev.Stats(); err != nil {
				t.Fatalf("device saw a protocol error: %v", err)
			}
		})
	}
}

// exchange sends count frames through n and back, reporting the first
// thing that went wrong.
func exchange(dev *virtiosim.Device, n *virtio.Net, count int) error {
	for i := 0; i < count; i++ {
		f := frame(i, 60+i*90)
		if err := n.Transmit(f); err != nil {
			return fmt.Errorf("Transmit %d: %w", i, err)
		}
		n.Flush()
		if got := dev.TakeTx(); len(got) != 1 || !bytes.Equal(got[0], f) {
			return fmt.Errorf("frame %d: wire saw %d frames or other bytes", i, len(got))
		}
		if k, err := n.Reclaim(); k != 1 || err != nil {
			return fmt.Errorf("Reclaim %d = %d, %v", i, k, err)
		}
		if !dev.Inject(f) {
			return fmt.Errorf("Inject %d refused", i)
		}
		var rx [][]byte
		if _, err := n.Receive(16, func(b []byte) { rx = append(rx, append([]byte(nil), b...)) }); err != nil {
			return err
		}
		if len(rx) != 1 || !bytes.Equal(rx[0], f) {
			return fmt.Errorf("frame %d: received %d frames or other bytes", i, len(rx))
		}
	}
	if _, _, err := dev.Stats(); err != nil {
		return fmt.Errorf("device saw a protocol error: %w", err)
	}
	return nil
}

func TestNonCoherentDMA(t *testing.T) {
	dev := virtiosim.New(testMAC)
	dev.NonCoherent = true
	var audit []string
	n, err := virtio.OpenNet(dev, virtio.QEMUVirt, virtio.NetOptions{QueueSize: 8, Cache: dev,
		Audit: func(l string) { audit = append(audit, l) }})
	if err != nil {
		t.Fatalf("OpenNet: %v", err)
	}
	if err := exchange(dev, n, 20); err != nil { // wraps both rings twice
		t.Fatal(err)
	}
	st := n.Stats()
	if st.CacheCleans == 0 || st.CacheInvalidates == 0 || st.CacheCleans != dev.Cleans || st.CacheInvalidates != dev.Invalidates {
		t.Errorf("driver counted %d cleans, %d invalidates; device saw %d, %d", st.CacheCleans, st.CacheInvalidates, dev.Cleans, dev.Invalidates)
	}
	if len(audit) != 2 || !strings.Contains(audit[0], "rx queue: cache clean of rings") || !strings.Contains(audit[1], "tx queue: cache clean") {
		t.Errorf("audit = %q, want the rx and tx hand-offs", audit)
	}
}

// Without maintenance the non-coherent model must break the exchange, or
// TestNonCoherentDMA would prove nothing.
func TestNonCoherentDMANeedsMaintenance(t *testing.T) {
	dev := virtiosim.New(testMAC)
	dev.NonCoherent = true
	n, err := virtio.OpenNet(dev, virtio.QEMUVirt, virtio.NetOptions{QueueSize: 8})
	if err == nil {
		err = exchange(dev, n, 4)
	}
	if err == nil {
		t.Fatal("exchange over non-coherent DMA without cache maintenance worked")
	}
}

// statusAtClean records the device status whenever the driver cleans a
// whole DMA block, and can be made to fail.
type statusAtClean struct {
	dev      *virtiosim.Device
	failAt   int // fail the failAt'th call (1-based); 0 never
	calls    int
	atStatus []uint32
}

func (c *statusAtClean) call() error {
	c.calls++
	if c.calls == c.failAt {
		return errors.New("seL4_RangeError")
	}
	return nil
}

func (c *statusAtClean) CleanDMA(d virtio.DMA, off, n int) error {
	if err := c.call(); err != nil {
		return err
	}
	if off == 0 && n == len(d.Bytes()) {
		c.atStatus = append(c.atStatus, c.dev.Status())
	}
	return c.dev.CleanDMA(d, off, n)
}

func (c *statusAtClean) InvalidateDMA(d virtio.DMA, off, n int) error {
	if err := c.call(); err != nil {
		return err
	}
	return c.dev.InvalidateDMA(d, off, n)
}

func TestSharedBeforeDriverOK(t *testing.T) {
	dev := virtiosim.New(testMAC)
	dev.NonCoherent = true
	c := &statusAtClean{dev: dev}
	n, err := virtio.OpenNet(dev, virtio.QEMUVirt, virtio.NetOptions{QueueSize: 8, Cache: c})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.atStatus) != 4 { // rings and buffers of both queues
		t.Fatalf("%d whole-block cleans at bring-up, want 4", len(c.atStatus))
	}
	for i, s := range c.atStatus {
		if s&virtio.StatusDriverOK != 0 {
			t.Errorf("block %d cleaned after DRIVER_OK (status %#x)", i, s)
		}
	}
	if err := exchange(dev, n, 3); err != nil {
		t.Fatal(err)
	}
}

func TestCacheFailureStopsDriver(t *testing.T) {
	// Count the calls a clean bring-up and one exchange make, then fail
	// each of them in turn: every failure must stop the driver with the
	// platform's error, audited, and never deliver unsynchronised data.
	dev := virtiosim.New(testMAC)
	dev.NonCoherent = true
	probe := &statusAtClean{dev: dev}
	n, err := virtio.OpenNet(dev, virtio.QEMUVirt, virtio.NetOptions{QueueSize: 8, Cache: probe})
	if err != nil {
		t.Fatal(err)
	}
	if err := exchange(dev, n, 1); err != nil {
		t.Fatal(err)
	}
	for failAt := 1; failAt <= probe.calls; failAt++ {
		dev := virtiosim.New(testMAC)
		dev.NonCoherent = true
		c := &statusAtClean{dev: dev, failAt: failAt}
		var audit []string
		n, err := virtio.OpenNet(dev, virtio.QEMUVirt, virtio.NetOptions{QueueSize: 8, Cache: c,
			Audit: func(l string) { audit = append(audit, l) }})
		if err == nil {
			if err = exchange(dev, n, 1); n.Err() != nil {
				err = n.Err() // Flush reports through Err
			}
		}
		if err == nil || !strings.Contains(err.Error(), "seL4_RangeError") {
			t.Errorf("failing call %d: err = %v, want the platform's error", failAt, err)
			continue
		}
		if len(audit) == 0 || !strings.Contains(audit[len(audit)-1], "seL4_RangeError") {
			t.Errorf("failing call %d: audit = %q, want the failure last", failAt, audit)
		}
	}
}

// A device the device tree calls dma-coherent gets its queues cleaned at
// hand-off, audited, and no per-frame maintenance.
func TestCoherentDeviceHandOffOnly(t *testing.T) {
	dev := virtiosim.New(testMAC)
	var asked uint64
	var audit []string
	n, err := virtio.OpenNet(dev, virtio.QEMUVirt, virtio.NetOptions{QueueSize: 8, Cache: dev,
		Coherent: func(phys uint64) bool { asked = phys; return true },
		Audit:    func(l string) { audit = append(audit, l) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := exchange(dev, n, 5); err != nil {
		t.Fatal(err)
	}
	if asked != n.Phys() {
		t.Errorf("Coherent asked about %#x, the device is at %#x", asked, n.Phys())
	}
	if dev.Cleans != 4 || dev.Invalidates != 0 {
		t.Errorf("%d cleans, %d invalidates; want the 4 hand-off cleans only", dev.Cleans, dev.Invalidates)
	}
	if len(audit) != 2 || !strings.Contains(audit[0], "cache clean of rings") || !strings.Contains(audit[0], "coherent DMA") {
		t.Errorf("audit = %q", audit)
	}
}
