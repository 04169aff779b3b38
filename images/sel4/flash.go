package sel4

import (
	"encoding/binary"
	"fmt"
)

// The two-stage boot (kernel-glue/sel4 handoff.go): when the rootserver does
// not fit the elfloader's archive, the archive carries stage 1 and the
// rootserver travels in QEMU virt's flash bank 1, which stage 1 reads as
// device memory.
const (
	// FlashMagic and FlashHeaderLen match kernel-glue/sel4.
	FlashMagic     = "COHFLSH1"
	FlashHeaderLen = 16
	// FlashBankSize is the size of a QEMU virt pflash bank; QEMU wants
	// the backing file to be exactly this long.
	FlashBankSize = 64 << 20
)

// FlashImage wraps a rootserver ELF for flash bank 1: magic, length, the
// ELF, zero padding to the bank size.
func FlashImage(payload []byte) ([]byte, error) {
	if _, err := CheckRootserver(payload); err != nil {
		return nil, err
	}
	if len(payload) > FlashBankSize-FlashHeaderLen {
		return nil, fmt.Errorf("flash: payload is %d bytes, a bank holds %d", len(payload), FlashBankSize-FlashHeaderLen)
	}
	out := make([]byte, FlashBankSize)
	copy(out, FlashMagic)
	binary.LittleEndian.PutUint64(out[8:], uint64(len(payload)))
	copy(out[FlashHeaderLen:], payload)
	return out, nil
}
