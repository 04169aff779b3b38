package ninedoor

import (
	"strings"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// Host is the host-provider mount of the shipped manifest (§7.2 /host):
// mock systemd, k8s, docker and nvidia nodes that a host sidecar updates and
// the queen drives. Reads are open to every role; appends are queen-only
// like every write outside /bus and /lora.
type Host struct {
	MountAt   string   // one component, shipped "/host"
	Providers []string // of "systemd", "k8s", "docker", "nvidia"
}

// hostFile is one /host leaf. Value files hold their latest value (a write
// replaces it); control files keep the commands appended to them.
type hostFile struct {
	control bool
	ring    *byteRing
}

type hostTree struct {
	name  string
	order []string             // provider order
	files map[string]*hostFile // by path below the mount, "systemd/ssh.service/status"
}

// hostLayout lists each provider's leaves with their initial values ("" for controls).
var hostLayout = map[string][][2]string{
	"systemd": {
		{"systemd/cohesix-agent.service/status", "active"}, {"systemd/cohesix-agent.service/restart", ""},
		{"systemd/ssh.service/status", "active"}, {"systemd/ssh.service/restart", ""},
	},
	"k8s": {
		{"k8s/node/node-1/status", "unknown"}, {"k8s/node/node-1/cordon", ""}, {"k8s/node/node-1/drain", ""},
	},
	"docker": {{"docker/status", "unknown"}},
	"nvidia": {
		{"nvidia/gpu/0/status", "ok"}, {"nvidia/gpu/0/power_cap", ""}, {"nvidia/gpu/0/thermal", "42C"},
	},
}

var hostControls = map[string]bool{"restart": true, "cordon": true, "drain": true, "power_cap": true}

func newHostTree(cfg *Host, fileBytes int) (*hostTree, error) {
	name := strings.TrimPrefix(cfg.MountAt, "/")
	if name == "" || strings.Contains(name, "/") {
		return nil, &vfs.Error{Kind: vfs.Invalid, Path: cfg.MountAt, Msg: "host mount must be one component"}
	}
	t := &hostTree{name: name, files: map[string]*hostFile{}}
	for _, p := range cfg.Providers {
		layout, ok := hostLayout[p]
		if !ok {
			return nil, &vfs.Error{Kind: vfs.Invalid, Msg: "unknown host provider " + p}
		}
		t.order = append(t.order, p)
		for _, leaf := range layout {
			f := &hostFile{control: hostControls[leaf[0][strings.LastIndexByte(leaf[0], '/')+1:]], ring: newByteRing(fileBytes)}
			if leaf[1] != "" {
				f.ring.push([]byte(leaf[1] + "\n"))
			}
			t.files[leaf[0]] = f
		}
	}
	return t, nil
}

func (f *hostFile) append(p []byte) error {
	rec := p
	if len(rec) == 0 || rec[len(rec)-1] != '\n' {
		rec = append(append(make([]byte, 0, len(p)+1), p...), '\n')
	}
	if len(rec) > f.ring.capacity() {
		return &vfs.Error{Kind: vfs.BufferFull, Tag: "buffer-full", Msg: "record larger than the file"}
	}
	if !f.control {
		f.ring.base += uint64(len(f.ring.buf))
		f.ring.buf = f.ring.buf[:0]
	}
	f.ring.push(rec)
	return nil
}

// lookupHost resolves p (p[0] is the mount name) below the host mount.
func (h *Hive) lookupHost(p []string) *node {
	t := h.host
	rel := strings.Join(p[1:], "/")
	canon := "/" + t.name
	if rel != "" {
		canon += "/" + rel
	}
	if f, ok := t.files[rel]; ok {
		return &node{kind: nodeHostFile, canon: canon, name: p[len(p)-1], mode: vfs.Read | vfs.Append, host: f}
	}
	// A directory: the distinct next components of the leaves below it, in layout order.
	var kids []string
	seen := map[string]bool{}
	for _, prov := range t.order {
		for _, leaf := range hostLayout[prov] {
			path := leaf[0]
			if rel != "" {
				if !strings.HasPrefix(path, rel+"/") {
					continue
				}
				path = path[len(rel)+1:]
			}
			next, _, _ := strings.Cut(path, "/")
			if !seen[next] {
				seen[next] = true
				kids = append(kids, next)
			}
		}
	}
	if len(kids) == 0 {
		return nil
	}
	return dir(canon, kids...)
}
