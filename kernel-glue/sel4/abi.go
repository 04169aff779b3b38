package sel4

// Word is a machine word of the seL4 ABI (64-bit on aarch64).
type Word = uint64

// CPtr names a capability slot in the root task's CSpace. Because the root
// CNode is made with guard size 64-radix and guard 0, a slot number is a
// valid CPtr at depth 64 (§5 "Addressing slots").
type CPtr uint64

// Syscall numbers, non-MCS (§1). The debug numbers are fixed whether or not
// the kernel compiled them in.
const (
	SysCall         = -1
	SysReplyRecv    = -2
	SysSend         = -3
	SysNBSend       = -4
	SysRecv         = -5
	SysReply        = -6
	SysYield        = -7
	SysNBRecv       = -8
	SysDebugPutChar = -9 // CONFIG_PRINTING
	SysDebugHalt    = -11
)

// Initial capabilities in the root CNode (§7.2).
const (
	CapNull                CPtr = 0
	CapInitThreadTCB       CPtr = 1
	CapInitThreadCNode     CPtr = 2
	CapInitThreadVSpace    CPtr = 3
	CapIRQControl          CPtr = 4
	CapASIDControl         CPtr = 5
	CapInitThreadASIDPool  CPtr = 6
	CapBootInfoFrame       CPtr = 9
	CapInitThreadIPCBuffer CPtr = 10
	CapDomain              CPtr = 11
	NumInitialCaps         CPtr = 16
)

// ObjectType is an Untyped_Retype object type (§6), non-MCS aarch64 values.
type ObjectType Word

const (
	UntypedObject      ObjectType = 0
	TCBObject          ObjectType = 1
	EndpointObject     ObjectType = 2
	NotificationObject ObjectType = 3
	CapTableObject     ObjectType = 4
	HugePageObject     ObjectType = 5 // 1 GiB
	VSpaceObject       ObjectType = 6
	SmallPageObject    ObjectType = 7 // 4 KiB
	LargePageObject    ObjectType = 8 // 2 MiB
	PageTableObject    ObjectType = 9
)

// Object sizes in bits (§6).
const (
	MinUntypedBits   = 4
	MaxUntypedBits   = 47
	TCBBits          = 11
	EndpointBits     = 4
	NotificationBits = 5
	SlotBits         = 5
	PageBits         = 12
	LargePageBits    = 21
	HugePageBits     = 30
	PageTableBits    = 12
	VSpaceBits       = 12

	PageSize = 1 << PageBits

	// UserTop is the last user virtual address (non-hypervisor aarch64).
	UserTop = 0x00007fffffffffff
)

// ObjectBits is the size in bits an object of type t takes when retyped
// with sizeBits (which only Untyped and CapTable read).
func ObjectBits(t ObjectType, sizeBits uint) (uint, bool) {
	switch t {
	case UntypedObject:
		return sizeBits, sizeBits >= MinUntypedBits && sizeBits <= MaxUntypedBits
	case TCBObject:
		return TCBBits, true
	case EndpointObject:
		return EndpointBits, true
	case NotificationObject:
		return NotificationBits, true
	case CapTableObject:
		return sizeBits + SlotBits, sizeBits >= 1 && sizeBits+SlotBits <= MaxUntypedBits
	case HugePageObject:
		return HugePageBits, true
	case VSpaceObject:
		return VSpaceBits, true
	case SmallPageObject:
		return PageBits, true
	case LargePageObject:
		return LargePageBits, true
	case PageTableObject:
		return PageTableBits, true
	}
	return 0, false
}

// isFrame reports whether t is a frame type, the only kind (besides smaller
// untypeds) a device untyped may be retyped into.
func isFrame(t ObjectType) bool {
	return t == SmallPageObject || t == LargePageObject || t == HugePageObject
}

// MessageInfo is the seL4_MessageInfo word (§3):
// label<<12 | capsUnwrapped<<9 | extraCaps<<7 | length.
type MessageInfo Word

// Message limits (§3, §4).
const (
	MsgMaxLength         = 120
	MsgMaxExtraCaps      = 3
	FastMessageRegisters = 4
)

// NewMessageInfo packs a message info word. Out-of-range fields are masked
// to their widths; encoders below never pass such values.
func NewMessageInfo(label Word, capsUnwrapped, extraCaps, length uint) MessageInfo {
	return MessageInfo(label<<12 | Word(capsUnwrapped&7)<<9 | Word(extraCaps&3)<<7 | Word(length&0x7f))
}

func (m MessageInfo) Label() Word                  { return Word(m) >> 12 }
func (m MessageInfo) CapsUnwrapped() uint          { return uint(m>>9) & 7 }
func (m MessageInfo) ExtraCaps() uint              { return uint(m>>7) & 3 }
func (m MessageInfo) Length() uint                 { return uint(m) & 0x7f }
func (m MessageInfo) WithLabel(l Word) MessageInfo { return MessageInfo(Word(m)&0xfff | l<<12) }

// Rights is a seL4_CapRights word (§3).
type Rights Word

const (
	AllowWrite      Rights = 1 << 0
	AllowRead       Rights = 1 << 1
	AllowGrant      Rights = 1 << 2
	AllowGrantReply Rights = 1 << 3

	AllRights Rights = 0xF
	ReadWrite Rights = AllowRead | AllowWrite
	CanRead   Rights = AllowRead
)

// VMAttributes are seL4_ARM_VMAttributes (§3). On aarch64 only Cacheable
// and ExecuteNever are read; non-cacheable maps as Device-nGnRnE.
type VMAttributes Word

const (
	PageCacheable VMAttributes = 0x1
	ParityEnabled VMAttributes = 0x2
	DefaultVMAttr VMAttributes = 0x3
	ExecuteNever  VMAttributes = 0x4
	// DeviceVMAttr maps MMIO: uncached, never executable.
	DeviceVMAttr VMAttributes = ExecuteNever
)
