package sel4

import (
	"os"
	"testing"
)

// headerSnippet is a hand-written header in the generator's shape (not a
// copy of libsel4): conditional enumerators and a continued enum.
const headerSnippet = `
#pragma once
enum invocation_label {
    InvalidInvocation,
    UntypedRetype,
#if defined(CONFIG_KERNEL_MCS)
    OnlyMCS,
#endif
#if (!defined(CONFIG_KERNEL_MCS) && defined(CONFIG_ENABLE_SMP_SUPPORT))
    OnlySMP,
#endif
    After,
    nInvocationLabels
};
enum sel4_arch_invocation_label {
    ARM_First = nInvocationLabels,
    ARM_Second,
    nSeL4ArchInvocationLabels
};
`

func TestParseEnumConditions(t *testing.T) {
	for _, tc := range []struct {
		defined   map[string]bool
		after     Word
		armSecond Word
	}{
		{nil, 2, 4},
		{map[string]bool{"CONFIG_KERNEL_MCS": true}, 3, 5},
		{map[string]bool{"CONFIG_ENABLE_SMP_SUPPORT": true}, 3, 5},
		{map[string]bool{"CONFIG_KERNEL_MCS": true, "CONFIG_ENABLE_SMP_SUPPORT": true}, 3, 5},
	} {
		vals := map[string]Word{}
		if err := parseEnum(headerSnippet, tc.defined, vals); err != nil {
			t.Fatal(err)
		}
		if vals["After"] != tc.after || vals["ARMSecond"] != tc.armSecond {
			t.Errorf("%v: After=%d ARMSecond=%d, want %d %d", tc.defined, vals["After"], vals["ARMSecond"], tc.after, tc.armSecond)
		}
	}
}

func TestEvalCondRejects(t *testing.T) {
	for _, s := range []string{"defined(X", "(defined(X)", "X", "defined(X) ||"} {
		if _, err := evalCond(s, nil); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestLabelSetsAgree(t *testing.T) {
	// The fields that stay put across versions.
	for _, l := range []Labels{Labels13, Labels14, Labels15} {
		if l.UntypedRetype != 1 || l.TCBSuspend != 11 || l.TCBSetPriority != 6 {
			t.Errorf("%s: generic TCB/untyped labels moved", l.Name)
		}
	}
	if Labels14.CNodeRevoke != Labels13.CNodeRevoke+1 || Labels14.ARMPageMap != Labels13.ARMPageMap+1 {
		t.Error("14.0 must be 13.0 shifted by TCBSetFlags")
	}
	if Labels15.ARMPageMap != Labels14.ARMPageMap+2 || Labels15.IRQAckIRQ != Labels14.IRQAckIRQ {
		t.Error("15.0 must shift only the arch labels by the two domain-schedule labels")
	}
	for _, n := range []string{"13.0", "14", "16.0"} {
		if _, err := LabelsByName(n); err != nil {
			t.Error(err)
		}
	}
	if _, err := LabelsByName("12"); err == nil {
		t.Error("unknown version accepted")
	}
}

// TestLabelsFromUpstreamBuild checks the compiled-in set against the headers
// of a real build when SEL4_BUILD_DIR names one (it is never committed).
func TestLabelsFromUpstreamBuild(t *testing.T) {
	dir := os.Getenv("SEL4_BUILD_DIR")
	if dir == "" {
		t.Skip("SEL4_BUILD_DIR not set")
	}
	l, err := LabelsFromBuild(dir, os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	want := Labels14
	l.Name = want.Name
	if l != want {
		t.Errorf("headers of %s give\n%+v\nwant %+v", dir, l, want)
	}
}
