package vfs

import (
	"errors"
	"fmt"
	"testing"
)

func TestParseRole(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Role
		ok   bool
	}{
		{"queen", RoleQueen, true},
		{"QUEEN", RoleQueen, true},
		{"worker", RoleWorkerHeartbeat, true},
		{"Worker-Heartbeat", RoleWorkerHeartbeat, true},
		{"worker-gpu", RoleWorkerGPU, true},
		{"worker-bus", RoleWorkerBus, true},
		{"worker-lora", RoleWorkerLoRa, true},
		{"king", 0, false},
		{"", 0, false},
		{"queen ", 0, false},
	} {
		got, ok := ParseRole(tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("ParseRole(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	for r := RoleQueen; r < numRoles; r++ {
		back, ok := ParseRole(r.String())
		if !ok || back != r || !r.Valid() {
			t.Errorf("role %d does not round-trip through its label %q", r, r.String())
		}
	}
	if Role(9).Valid() || Role(9).String() != "unknown" {
		t.Error("Role(9) is valid")
	}
}

func TestModeString(t *testing.T) {
	if got := (Read | Append | Stream).String(); got != "read|append|stream" {
		t.Errorf("got %q", got)
	}
	if got := Mode(0).String(); got != "none" {
		t.Errorf("got %q", got)
	}
}

func TestErrorsMatchByKind(t *testing.T) {
	err := fmt.Errorf("walk: %w", Errorf(NotFound, "walk", "/proc/nope", "no such node"))
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrPermission) {
		t.Fatal("errors.Is does not match on Kind")
	}
	if KindOf(err) != NotFound || KindOf(errors.New("x")) != KindInternal {
		t.Fatal("KindOf")
	}
	if got := AsError(errors.New("boom")); got.Kind != KindInternal || got.Msg != "boom" {
		t.Fatalf("AsError(foreign) = %+v", got)
	}
	e := &Error{Kind: Permission, Op: "append", Path: "/queen/ctl", Tag: TagDenied, Msg: "worker role"}
	if got := e.Error(); got != "append: Permission /queen/ctl (denied): worker role" {
		t.Fatalf("Error() = %q", got)
	}
}

func TestErrnoTable(t *testing.T) {
	for k, want := range map[Kind]uint32{
		Permission: EPERM, NotFound: ENOENT, Invalid: EINVAL, Busy: EBUSY, TooBig: EMSGSIZE,
		Closed: EBADF, RateLimited: EAGAIN, BufferFull: ENOSPC, Expired: ETIME,
		Unsupported: EOPNOTSUPP, KindInternal: EINVAL,
	} {
		if got := k.Errno(); got != want {
			t.Errorf("%v.Errno() = %d; want %d", k, got, want)
		}
	}
}
