package sel4

import "fmt"

// Labels are the invocation labels of one kernel version and configuration
// (§5). They move between versions (14.0 inserted TCBSetFlags before
// CNodeRevoke, 15.0 added domain-schedule labels), so the root task takes
// them from the build it runs on, never from a constant.
type Labels struct {
	Name string

	UntypedRetype   Word
	TCBSetPriority  Word
	TCBSetIPCBuffer Word
	TCBSuspend      Word
	TCBResume       Word

	CNodeRevoke Word
	CNodeDelete Word
	CNodeCopy   Word
	CNodeMint   Word
	CNodeMove   Word

	IRQIssueIRQHandler Word
	IRQAckIRQ          Word
	IRQSetIRQHandler   Word
	IRQClearIRQHandler Word

	ARMVSpaceCleanData           Word
	ARMVSpaceInvalidateData      Word
	ARMVSpaceCleanInvalidateData Word
	ARMVSpaceUnifyInstruction    Word

	ARMPageTableMap              Word
	ARMPageTableUnmap            Word
	ARMPageMap                   Word
	ARMPageUnmap                 Word
	ARMPageGetAddress            Word
	ARMASIDPoolAssign            Word
	ARMIRQIssueIRQHandlerTrigger Word
}

// Labels13 is seL4 13.0.0, aarch64, non-MCS, no SMP, no hardware debug API,
// no hypervisor, no SMMU (§5 full table).
var Labels13 = Labels{
	Name:          "13.0",
	UntypedRetype: 1, TCBSetPriority: 6, TCBSetIPCBuffer: 9, TCBSuspend: 11, TCBResume: 12,
	CNodeRevoke: 16, CNodeDelete: 17, CNodeCopy: 19, CNodeMint: 20, CNodeMove: 21,
	IRQIssueIRQHandler: 25, IRQAckIRQ: 26, IRQSetIRQHandler: 27, IRQClearIRQHandler: 28,
	ARMVSpaceCleanData: 30, ARMVSpaceInvalidateData: 31, ARMVSpaceCleanInvalidateData: 32, ARMVSpaceUnifyInstruction: 33,
	ARMPageTableMap: 35, ARMPageTableUnmap: 36, ARMPageMap: 37, ARMPageUnmap: 38, ARMPageGetAddress: 43,
	ARMASIDPoolAssign: 45, ARMIRQIssueIRQHandlerTrigger: 46,
}

// Labels14 is seL4 14.0 (and the post-13 master the test build at
// /work/ref/seL4/build was made from), same configuration: TCBSetFlags moves
// every label from CNodeRevoke on up by one.
var Labels14 = Labels{
	Name:          "14.0",
	UntypedRetype: 1, TCBSetPriority: 6, TCBSetIPCBuffer: 9, TCBSuspend: 11, TCBResume: 12,
	CNodeRevoke: 17, CNodeDelete: 18, CNodeCopy: 20, CNodeMint: 21, CNodeMove: 22,
	IRQIssueIRQHandler: 26, IRQAckIRQ: 27, IRQSetIRQHandler: 28, IRQClearIRQHandler: 29,
	ARMVSpaceCleanData: 31, ARMVSpaceInvalidateData: 32, ARMVSpaceCleanInvalidateData: 33, ARMVSpaceUnifyInstruction: 34,
	ARMPageTableMap: 36, ARMPageTableUnmap: 37, ARMPageMap: 38, ARMPageUnmap: 39, ARMPageGetAddress: 44,
	ARMASIDPoolAssign: 46, ARMIRQIssueIRQHandlerTrigger: 47,
}

// Labels15 is seL4 15.0 and 16.0, same configuration: DomainScheduleConfigure
// and DomainScheduleSetStart follow DomainSetSet.
var Labels15 = Labels{
	Name:          "15.0",
	UntypedRetype: 1, TCBSetPriority: 6, TCBSetIPCBuffer: 9, TCBSuspend: 11, TCBResume: 12,
	CNodeRevoke: 17, CNodeDelete: 18, CNodeCopy: 20, CNodeMint: 21, CNodeMove: 22,
	IRQIssueIRQHandler: 26, IRQAckIRQ: 27, IRQSetIRQHandler: 28, IRQClearIRQHandler: 29,
	ARMVSpaceCleanData: 33, ARMVSpaceInvalidateData: 34, ARMVSpaceCleanInvalidateData: 35, ARMVSpaceUnifyInstruction: 36,
	ARMPageTableMap: 38, ARMPageTableUnmap: 39, ARMPageMap: 40, ARMPageUnmap: 41, ARMPageGetAddress: 46,
	ARMASIDPoolAssign: 48, ARMIRQIssueIRQHandlerTrigger: 49,
}

// LabelsByName returns the label set called name ("13.0", "14.0", "15.0"; 16.0
// is the same as 15.0 in this configuration).
func LabelsByName(name string) (Labels, error) {
	switch name {
	case "13", "13.0":
		return Labels13, nil
	case "14", "14.0":
		return Labels14, nil
	case "15", "15.0", "16", "16.0":
		return Labels15, nil
	}
	return Labels{}, fmt.Errorf("sel4: no invocation label set %q (have 13.0, 14.0, 15.0)", name)
}
