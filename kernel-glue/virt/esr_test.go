package virt

import "testing"

func TestESRDecode(t *testing.T) {
	tests := []struct {
		name      string
		esr       uint64
		class     string
		abort     bool
		write     bool
		status    string
		level     int
		panicKind int
	}{
		{"nil read", 0x96000004, "data abort", true, false, "translation fault (unmapped address)", 0, faultMemory},
		{"nil write level 2", 0x96000046, "data abort", true, true, "translation fault (unmapped address)", 2, faultMemory},
		{"unaligned", 0x96000021, "data abort", true, false, "alignment fault", -1, faultAlignment},
		{"permission", 0x9600004f, "data abort", true, true, "permission fault", 3, faultMemory},
		{"jump to nil", 0x86000005, "instruction abort", true, false, "translation fault (unmapped address)", 1, faultMemory},
		{"undefined", 0x02000000, "unknown reason (undefined instruction)", false, false, "address size fault", -1, faultIllegal},
		{"brk", 0xf2000000, "BRK instruction", false, false, "address size fault", -1, faultIllegal},
		{"sp align", 0x9a000000, "SP alignment fault", false, false, "address size fault", -1, faultAlignment},
		{"serror", 0xbe000000, "SError", false, false, "address size fault", -1, faultNone},
		{"svc", 0x56000000, "SVC", false, false, "address size fault", -1, faultNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exceptionClassName(tt.esr); got != tt.class {
				t.Errorf("class = %q, want %q", got, tt.class)
			}
			if got := isAbort(tt.esr); got != tt.abort {
				t.Errorf("isAbort = %v, want %v", got, tt.abort)
			}
			if got := isWrite(tt.esr); got != tt.write {
				t.Errorf("isWrite = %v, want %v", got, tt.write)
			}
			if got := faultStatusName(tt.esr); got != tt.status {
				t.Errorf("status = %q, want %q", got, tt.status)
			}
			if got := faultLevel(tt.esr); got != tt.level {
				t.Errorf("level = %d, want %d", got, tt.level)
			}
			if got := panicKind(tt.esr); got != tt.panicKind {
				t.Errorf("panicKind = %d, want %d", got, tt.panicKind)
			}
		})
	}
}
