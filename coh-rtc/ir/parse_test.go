package ir

import (
	"reflect"
	"strings"
	"testing"
)

const minimal = `
[root_task]
schema = "1.5"
[profile]
name = "virt-aarch64"
kernel = true
[[tickets]]
role = "queen"
secret = "bootstrap"
`

func TestParseAppliesDefaults(t *testing.T) {
	m, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	want := Defaults()
	want.RootTask.Schema = "1.5"
	want.Profile.Name = "virt-aarch64"
	want.Profile.Kernel = true
	want.Tickets = []Ticket{{Role: "queen", Secret: "bootstrap"}}
	if !reflect.DeepEqual(*m, want) {
		t.Errorf("Parse(minimal) =\n%+v\nwant\n%+v", *m, want)
	}
	// Disabled by default: nothing optional is switched on.
	if m.CAS.Enable || m.Ecosystem.Host.Enable || m.Sharding.Enabled || m.Persistence.Spool.Enable ||
		m.Sidecars.Modbus.Enable || m.Features.GPU || m.Observability.Proc9P.Sessions {
		t.Errorf("optional feature enabled by default: %+v", m)
	}
}

func TestParseReplacesArrays(t *testing.T) {
	m, err := Parse([]byte(minimal + `
[lifecycle]
[[lifecycle.auto_transitions]]
from = "BOOTING"
to = "DEGRADED"
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Transition{{From: "BOOTING", To: "DEGRADED"}}
	if !reflect.DeepEqual(m.Lifecycle.AutoTransitions, want) {
		t.Errorf("auto_transitions = %+v, want %+v (arrays replace defaults)", m.Lifecycle.AutoTransitions, want)
	}
}

func TestParseRefusals(t *testing.T) {
	tests := []struct {
		name, extra, want string
	}{
		{"unknown key names its path", "[secure9p]\nmsizee = 1\n", "secure9p.msizee"},
		{"unknown section", "[swarm]\nx = 1\n", "swarm"},
		{"wrong type", "[secure9p]\nmsize = \"big\"\n", "secure9p.msize"},
		{"negative into unsigned", "[secure9p]\nwalk_depth = -1\n", "walk_depth"},
		{"overflow", "[sharding]\nshard_bits = 300\n", "shard_bits"},
		{"syntax", "[secure9p\n", "toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(minimal + tt.extra))
			if err == nil {
				t.Fatal("Parse accepted the manifest")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestParseNormalizesNilSlices(t *testing.T) {
	m, err := Parse([]byte(minimal + "[profile.x]\n"))
	if err == nil {
		t.Fatalf("unknown table accepted: %+v", m)
	}
	m, err = Parse([]byte(strings.Replace(minimal, "kernel = true", "kernel = true\ngates = []", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if m.Profile.Gates == nil || m.HW.Devices == nil || m.Ecosystem.Policy.Rules == nil {
		t.Error("nil slice left after Parse; resolved JSON would carry null")
	}
}
