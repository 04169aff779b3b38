package virtio

import (
	"errors"
	"fmt"
)

// Register offsets of the virtio-mmio transport, version 2 (virtio 1.x
// "modern"), section 4.2.2 of the virtio specification.
const (
	regMagic             = 0x000
	regVersion           = 0x004
	regDeviceID          = 0x008
	regVendorID          = 0x00c
	regDeviceFeatures    = 0x010
	regDeviceFeaturesSel = 0x014
	regDriverFeatures    = 0x020
	regDriverFeaturesSel = 0x024
	regQueueSel          = 0x030
	regQueueNumMax       = 0x034
	regQueueNum          = 0x038
	regQueueReady        = 0x044
	regQueueNotify       = 0x050
	regInterruptStatus   = 0x060
	regInterruptACK      = 0x064
	regStatus            = 0x070
	regQueueDescLow      = 0x080
	regQueueDescHigh     = 0x084
	regQueueDriverLow    = 0x090
	regQueueDriverHigh   = 0x094
	regQueueDeviceLow    = 0x0a0
	regQueueDeviceHigh   = 0x0a4
	regConfigGeneration  = 0x0fc
	regConfig            = 0x100
)

// Magic is "virt" read as a little-endian word.
const Magic = 0x74726976

// Device status bits (section 2.1).
const (
	StatusAcknowledge      = 1
	StatusDriver           = 2
	StatusDriverOK         = 4
	StatusFeaturesOK       = 8
	StatusDeviceNeedsReset = 0x40
	StatusFailed           = 0x80
)

// Feature bits this driver knows.
const (
	FeatureNetMAC   = 1 << 5  // VIRTIO_NET_F_MAC: config space holds the MAC
	FeatureVersion1 = 1 << 32 // VIRTIO_F_VERSION_1: modern device
)

// DeviceIDNet is the virtio device type of a network card.
const DeviceIDNet = 1

// QEMU virt's virtio-mmio transports: 32 slots of 0x200 bytes from
// 0x0a000000 (hw/arm/virt.c, VIRT_MMIO).
const (
	QEMUVirtMMIOBase  = 0x0a000000
	QEMUVirtSlotSize  = 0x200
	QEMUVirtSlotCount = 32
)

// Slots describes where to look for virtio-mmio transports.
type Slots struct {
	Base  uint64
	Size  uint64 // bytes per slot
	Count int
}

// QEMUVirt is the slot layout of QEMU's arm64 virt machine.
var QEMUVirt = Slots{Base: QEMUVirtMMIOBase, Size: QEMUVirtSlotSize, Count: QEMUVirtSlotCount}

// ErrNoDevice means no slot held a modern device of the wanted type.
var ErrNoDevice = errors.New("virtio: no device found")

// Found is one discovered transport.
type Found struct {
	Phys uint64 // physical base of the slot
	Regs Region // the slot's registers
}

// Probe maps the slot window once and returns the first slot whose magic,
// version and device id match. Legacy (version 1) transports are skipped
// and named in the error, since QEMU only offers modern ones when started
// with -global virtio-mmio.force-legacy=false.
func Probe(p Platform, s Slots, deviceID uint32) (Found, error) {
	if s.Count <= 0 || s.Size < regConfig || s.Size*uint64(s.Count) > 1<<32 {
		return Found{}, fmt.Errorf("virtio: bad slot layout %+v", s)
	}
	r, err := p.MapMMIO(s.Base, s.Size*uint64(s.Count))
	if err != nil {
		return Found{}, fmt.Errorf("virtio: map mmio %#x: %w", s.Base, err)
	}
	legacy := 0
	for i := 0; i < s.Count; i++ {
		w := window{r: r, base: uint32(uint64(i) * s.Size)}
		if w.Read32(regMagic) != Magic || w.Read32(regDeviceID) != deviceID {
			continue
		}
		if v := w.Read32(regVersion); v != 2 {
			legacy++
			continue
		}
		return Found{Phys: s.Base + uint64(i)*s.Size, Regs: w}, nil
	}
	if legacy > 0 {
		return Found{}, fmt.Errorf("%w: %d legacy (version 1) transport(s) of type %d; start QEMU with -global virtio-mmio.force-legacy=false", ErrNoDevice, legacy, deviceID)
	}
	return Found{}, fmt.Errorf("%w: type %d in %d slots at %#x", ErrNoDevice, deviceID, s.Count, s.Base)
}
