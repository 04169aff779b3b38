package sel4

import (
	"testing"
	"unsafe"
)

func TestIPCBufferLayout(t *testing.T) {
	var b IPCBuffer
	for _, tc := range []struct {
		name      string
		got, want uintptr
	}{
		{"size", unsafe.Sizeof(b), 1024},
		{"msg", unsafe.Offsetof(b.Msg), 0x008},
		{"userData", unsafe.Offsetof(b.UserData), 0x3C8},
		{"caps_or_badges", unsafe.Offsetof(b.CapsOrBadges), 0x3D0},
		{"receiveCNode", unsafe.Offsetof(b.ReceiveCNode), 0x3E8},
		{"receiveIndex", unsafe.Offsetof(b.ReceiveIndex), 0x3F0},
		{"receiveDepth", unsafe.Offsetof(b.ReceiveDepth), 0x3F8},
	} {
		if tc.got != tc.want {
			t.Errorf("%s at %#x, want %#x", tc.name, tc.got, tc.want)
		}
	}
}

func TestIPCBufferLoad(t *testing.T) {
	var ipc IPCBuffer
	m := Msg{Info: NewMessageInfo(1, 0, 1, 6), Caps: [3]CPtr{2, 9, 9}, MR: [8]Word{1, 2, 3, 4, 5, 6, 7, 8}}
	ipc.load(&m)
	if ipc.Msg[4] != 5 || ipc.Msg[5] != 6 || ipc.Msg[6] != 0 || ipc.CapsOrBadges[0] != 2 || ipc.CapsOrBadges[1] != 0 {
		t.Errorf("ipc after load: msg %v caps %v", ipc.Msg[:8], ipc.CapsOrBadges)
	}
	ipc.Msg[4], ipc.Msg[5] = 50, 60
	r := Msg{Info: NewMessageInfo(0, 0, 0, 5)}
	ipc.unload(&r)
	if r.MR[4] != 50 || r.MR[5] != 0 {
		t.Errorf("reply words %v", r.MR)
	}
}

func TestHeapFrames(t *testing.T) {
	bi, err := ParseBootInfo(loadFixture(t)[:BootInfoFrameSize], 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := HeapFrames(bi); got != MaxHeap>>LargePageBits {
		t.Errorf("1 GiB machine: %d frames, want the %d-frame maximum", got, MaxHeap>>LargePageBits)
	}
	small := &BootInfo{Untypeds: []UntypedDesc{{Paddr: 0x4000_0000, SizeBits: 25}, {Paddr: 0x4200_0000, SizeBits: 20}, {Paddr: 0, SizeBits: 30, IsDevice: true}}}
	if got := HeapFrames(small); got != (32<<20-HeapReserve)>>LargePageBits {
		t.Errorf("32 MiB machine: %d frames", got)
	}
	tiny := &BootInfo{Untypeds: []UntypedDesc{{Paddr: 0x4000_0000, SizeBits: 24}}}
	if got := HeapFrames(tiny); got != 0 {
		t.Errorf("16 MiB machine: %d frames", got)
	}
}

func TestPageMap(t *testing.T) {
	var m pageMap
	va, ok := m.reserve(0x0a00_3000)
	if !ok || va != DeviceVA {
		t.Fatalf("first reserve %#x %v", va, ok)
	}
	if got, ok := m.lookup(0x0a00_3000); !ok || got != va {
		t.Errorf("lookup %#x %v", got, ok)
	}
	m.reserve(0x0900_0000)
	m.unreserve()
	if _, ok := m.lookup(0x0900_0000); ok {
		t.Error("unreserved page still found")
	}
	for i := m.n; i < maxDevicePages; i++ {
		if _, ok := m.reserve(uint64(i) << 12); !ok {
			t.Fatalf("reserve %d refused", i)
		}
	}
	if _, ok := m.reserve(0xdead_0000); ok {
		t.Error("full table accepted another page")
	}
}

func TestAppendNumbers(t *testing.T) {
	for _, tc := range []struct {
		v        uint64
		hex, dec string
	}{{0, "0x0", "0"}, {0x125000, "0x125000", "1200128"}, {^uint64(0), "0xffffffffffffffff", "18446744073709551615"}} {
		if got := string(appendHex(nil, tc.v)); got != tc.hex {
			t.Errorf("appendHex(%d) = %s", tc.v, got)
		}
		if got := string(appendUint(nil, tc.v)); got != tc.dec {
			t.Errorf("appendUint(%d) = %s", tc.v, got)
		}
	}
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(10, func() { buf = appendUint(appendHex(buf[:0], 0xabc), 77) }); n != 0 {
		t.Errorf("append allocates %v", n)
	}
}
