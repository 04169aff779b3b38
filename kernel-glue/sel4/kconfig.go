package sel4

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// KernelConfig is what the root task must know about the kernel it runs on
// and cannot safely probe: reading an unexported counter or calling a
// compiled-out syscall kills the root task (it has no fault handler). The
// image build reads it from the upstream build's CMakeCache.txt and links it
// in as a string (see ParseKernelConfig).
type KernelConfig struct {
	Labels     string // invocation label set, see LabelsByName
	ExportVCNT bool   // KernelArmExportVCNTUser: CNTVCT_EL0 and CNTFRQ_EL0 readable at EL0
	ExportPCNT bool   // KernelArmExportPCNTUser: CNTPCT_EL0 and CNTFRQ_EL0 readable at EL0
	ExportPTMR bool   // KernelArmExportPTMRUser: physical timer registers at EL0
	DebugBuild bool   // KernelDebugBuild
	Printing   bool   // KernelPrinting: seL4_DebugPutChar exists
	MCS        bool   // KernelIsMCS (unsupported: syscall numbers differ)
	CNodeBits  int    // KernelRootCNodeSizeBits
	Untypeds   int    // KernelMaxNumBootinfoUntypedCaps
}

// DefaultKernelConfig describes the test build this embedding was verified
// against (qemu-arm-virt, debug, no EL0 counter export, labels 14.0).
var DefaultKernelConfig = KernelConfig{
	Labels: "14.0", DebugBuild: true, Printing: true, CNodeBits: 13, Untypeds: DefaultMaxBootInfoUntypeds,
}

// String renders c in the form ParseKernelConfig reads, for -ldflags -X.
func (c KernelConfig) String() string {
	b := func(v bool) int {
		if v {
			return 1
		}
		return 0
	}
	return fmt.Sprintf("labels=%s,vcnt=%d,pcnt=%d,ptmr=%d,debug=%d,printing=%d,mcs=%d,cnode=%d,untypeds=%d",
		c.Labels, b(c.ExportVCNT), b(c.ExportPCNT), b(c.ExportPTMR), b(c.DebugBuild), b(c.Printing), b(c.MCS), c.CNodeBits, c.Untypeds)
}

// ParseKernelConfig reads "key=value,..." as written by String. Unknown keys
// are errors, so a typo cannot silently pick a default.
func ParseKernelConfig(s string) (KernelConfig, error) {
	c := DefaultKernelConfig
	// strings.Cut, not Split: this runs at boot before the heap exists.
	for rest := s; rest != ""; {
		var kv string
		kv, rest, _ = strings.Cut(rest, ",")
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return c, fmt.Errorf("kernel config: %q is not key=value", kv)
		}
		flag := func(dst *bool) error {
			switch v {
			case "0":
				*dst = false
			case "1":
				*dst = true
			default:
				return fmt.Errorf("kernel config: %s=%q, want 0 or 1", k, v)
			}
			return nil
		}
		num := func(dst *int) error {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return fmt.Errorf("kernel config: %s=%q, want a positive number", k, v)
			}
			*dst = n
			return nil
		}
		var err error
		switch k {
		case "labels":
			if _, err = LabelsByName(v); err == nil {
				c.Labels = v
			}
		case "vcnt":
			err = flag(&c.ExportVCNT)
		case "pcnt":
			err = flag(&c.ExportPCNT)
		case "ptmr":
			err = flag(&c.ExportPTMR)
		case "debug":
			err = flag(&c.DebugBuild)
		case "printing":
			err = flag(&c.Printing)
		case "mcs":
			err = flag(&c.MCS)
		case "cnode":
			err = num(&c.CNodeBits)
		case "untypeds":
			err = num(&c.Untypeds)
		default:
			err = fmt.Errorf("kernel config: unknown key %q", k)
		}
		if err != nil {
			return c, err
		}
	}
	if c.MCS {
		return c, fmt.Errorf("kernel config: MCS kernels are not supported (different syscall numbers and TCB invocations)")
	}
	return c, nil
}

// KernelConfigFromCMakeCache reads the settings from an upstream build's
// CMakeCache.txt. labels names the invocation label set (derived from the
// build's headers by the caller, see LabelsFromBuild).
func KernelConfigFromCMakeCache(cache []byte, labels string) (KernelConfig, error) {
	vals := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(cache))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "//") || strings.HasPrefix(line, "#") {
			continue
		}
		nameType, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(nameType, ":")
		vals[name] = v
	}
	if err := sc.Err(); err != nil {
		return KernelConfig{}, err
	}
	need := func(k string) (string, error) {
		v, ok := vals[k]
		if !ok {
			return "", fmt.Errorf("CMakeCache.txt has no %s (is this a seL4 kernel build?)", k)
		}
		return v, nil
	}
	on := func(k string) (bool, error) {
		v, err := need(k)
		return v == "ON" || v == "TRUE" || v == "1", err
	}
	c := KernelConfig{Labels: labels}
	var err error
	for _, f := range []struct {
		key string
		dst *bool
	}{
		{"KernelArmExportVCNTUser", &c.ExportVCNT}, {"KernelArmExportPCNTUser", &c.ExportPCNT},
		{"KernelArmExportPTMRUser", &c.ExportPTMR}, {"KernelDebugBuild", &c.DebugBuild},
		{"KernelPrinting", &c.Printing}, {"KernelIsMCS", &c.MCS},
	} {
		if *f.dst, err = on(f.key); err != nil {
			return c, err
		}
	}
	for _, f := range []struct {
		key string
		dst *int
	}{{"KernelRootCNodeSizeBits", &c.CNodeBits}, {"KernelMaxNumBootinfoUntypedCaps", &c.Untypeds}} {
		v, err := need(f.key)
		if err != nil {
			return c, err
		}
		if *f.dst, err = strconv.Atoi(v); err != nil {
			return c, fmt.Errorf("CMakeCache.txt: %s=%q", f.key, v)
		}
	}
	if v, ok := vals["KernelSel4Arch"]; ok && v != "aarch64" {
		return c, fmt.Errorf("CMakeCache.txt: KernelSel4Arch=%s, want aarch64", v)
	}
	if v, ok := vals["KernelPlatform"]; ok && v != "qemu-arm-virt" {
		return c, fmt.Errorf("CMakeCache.txt: KernelPlatform=%s, want qemu-arm-virt", v)
	}
	// Round-trip through the parser so the same checks apply.
	return ParseKernelConfig(c.String())
}
