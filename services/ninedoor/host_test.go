package ninedoor

import (
	"testing"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

func TestHostMount(t *testing.T) {
	f := newFixture(t)
	q := f.queen()
	for _, tt := range []struct{ path, want string }{
		{"/host", "systemd k8s docker nvidia"},
		{"/host/systemd", "cohesix-agent.service ssh.service"},
		{"/host/systemd/ssh.service", "status restart"},
		{"/host/k8s/node", "node-1"},
		{"/host/k8s/node/node-1", "status cordon drain"},
		{"/host/docker", "status"},
		{"/host/nvidia/gpu/0", "status power_cap thermal"},
	} {
		if got := f.mustList(q, tt.path); got != tt.want {
			t.Errorf("LS %s = %q, want %q", tt.path, got, tt.want)
		}
	}
	for _, tt := range []struct{ path, want string }{
		{"/host/systemd/cohesix-agent.service/status", "active\n"},
		{"/host/systemd/cohesix-agent.service/restart", ""},
		{"/host/k8s/node/node-1/status", "unknown\n"},
		{"/host/docker/status", "unknown\n"},
		{"/host/nvidia/gpu/0/status", "ok\n"},
		{"/host/nvidia/gpu/0/thermal", "42C\n"},
		{"/host/nvidia/gpu/0/power_cap", ""},
	} {
		if got := f.mustRead(q, tt.path); got != tt.want {
			t.Errorf("CAT %s = %q, want %q", tt.path, got, tt.want)
		}
	}
	w := f.worker("worker-1")
	wantErr(t, "worker restart", echo(w, "/host/systemd/cohesix-agent.service/restart", "restart"), vfs.Permission, vfs.TagDenied)
	if got := f.mustRead(w, "/host/docker/status"); got != "unknown\n" {
		t.Errorf("worker read = %q", got)
	}
	f.mustEcho(q, "/host/systemd/cohesix-agent.service/restart", "restart")
	f.mustEcho(q, "/host/systemd/cohesix-agent.service/restart", "restart")
	if got := f.mustRead(q, "/host/systemd/cohesix-agent.service/restart"); got != "restart\nrestart\n" {
		t.Errorf("control = %q", got)
	}
	f.mustEcho(q, "/host/nvidia/gpu/0/thermal", "57C")
	if got := f.mustRead(q, "/host/nvidia/gpu/0/thermal"); got != "57C\n" {
		t.Errorf("value after write = %q", got)
	}
	f.wantLog("host write path=/host/nvidia/gpu/0/thermal bytes=3")
	_, err := q.Stat(split("/host/systemd/nope"))
	wantErr(t, "missing host node", err, vfs.NotFound, "")
}

func TestHostConfig(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Host = &Host{MountAt: "/hw", Providers: []string{"docker"}} })
	q := f.queen()
	if got := f.mustList(q, "/"); got != "log proc queen shard worker hw" {
		t.Fatalf("LS / = %q", got)
	}
	if got := f.mustList(q, "/hw"); got != "docker" {
		t.Fatalf("LS /hw = %q", got)
	}
	f2 := newFixture(t, func(c *Config) { c.Host = nil })
	if got := f2.mustList(f2.queen(), "/"); got != "log proc queen shard worker" {
		t.Fatalf("LS / without host = %q", got)
	}
	for _, h := range []*Host{{MountAt: "/a/b"}, {MountAt: "/proc"}, {MountAt: "/host", Providers: []string{"toaster"}}} {
		cfg := DefaultConfig()
		cfg.Host = h
		if _, err := New(cfg); err == nil {
			t.Errorf("New accepted host %+v", h)
		}
	}
}
