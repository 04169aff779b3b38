package ir

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// Parse decodes a root-task manifest on top of Defaults. It refuses keys the
// schema does not know, naming each by its dotted path, so a typo can never
// silently fall back to a default. It does not check limits: that is the
// validate package's job.
func Parse(src []byte) (*Manifest, error) {
	m := Defaults()
	// Slices are replaced, not merged, when the file names them; a table
	// array the file leaves out keeps its default.
	md, err := toml.NewDecoder(bytes.NewReader(src)).Decode(&m)
	if err != nil {
		return nil, fmt.Errorf("parse manifest: %w", err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		keys := make([]string, 0, len(undecoded))
		for _, k := range undecoded {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		return nil, fmt.Errorf("parse manifest: unknown key %s", strings.Join(keys, ", "))
	}
	m.normalize()
	return &m, nil
}

// normalize replaces nil slices with empty ones so the resolved JSON always
// has [] rather than null, whatever the input spelled.
func (m *Manifest) normalize() {
	if m.Profile.Gates == nil {
		m.Profile.Gates = []string{}
	}
	if m.Namespaces.Mounts == nil {
		m.Namespaces.Mounts = []Mount{}
	}
	for i := range m.Namespaces.Mounts {
		if m.Namespaces.Mounts[i].Target == nil {
			m.Namespaces.Mounts[i].Target = []string{}
		}
	}
	if m.Lifecycle.AutoTransitions == nil {
		m.Lifecycle.AutoTransitions = []Transition{}
	}
	if m.ClientPolicies.Coh.Mount.Allowlist == nil {
		m.ClientPolicies.Coh.Mount.Allowlist = []string{}
	}
	if m.Tickets == nil {
		m.Tickets = []Ticket{}
	}
	if m.Sidecars.Modbus.Adapters == nil {
		m.Sidecars.Modbus.Adapters = []SidecarBusAdapter{}
	}
	if m.Sidecars.DNP3.Adapters == nil {
		m.Sidecars.DNP3.Adapters = []SidecarBusAdapter{}
	}
	// A bus adapter that leaves its spool out gets the default spool; a
	// zero spool would be refused anyway.
	for _, adapters := range [][]SidecarBusAdapter{m.Sidecars.Modbus.Adapters, m.Sidecars.DNP3.Adapters} {
		for i := range adapters {
			if adapters[i].Spool == (SidecarSpool{}) {
				adapters[i].Spool = DefaultSidecarSpool
			}
		}
	}
	if m.Sidecars.Lora.Adapters == nil {
		m.Sidecars.Lora.Adapters = []SidecarLoraAdapter{}
	}
	if m.Ecosystem.Host.Providers == nil {
		m.Ecosystem.Host.Providers = []string{}
	}
	if m.Ecosystem.Policy.Rules == nil {
		m.Ecosystem.Policy.Rules = []PolicyRule{}
	}
	if m.HW.Devices == nil {
		m.HW.Devices = []HWDevice{}
	}
	if m.SwarmUI.Paths.NamespaceRoots == nil {
		m.SwarmUI.Paths.NamespaceRoots = []string{}
	}
}
