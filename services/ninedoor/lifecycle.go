package ninedoor

import (
	"strings"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// Lifecycle states of §7.2.
const (
	StateBooting  = "BOOTING"
	StateDegraded = "DEGRADED"
	StateOnline   = "ONLINE"
	StateDraining = "DRAINING"
	StateQuiesced = "QUIESCED"
	StateOffline  = "OFFLINE"
)

type lifecycle struct {
	state  string
	reason string
	since  time.Time
}

// Lifecycle returns the current lifecycle state.
func (h *Hive) Lifecycle() string { return h.life.state }

func (h *Hive) transition(to, reason string) {
	h.Logf("lifecycle transition old=%s new=%s reason=%s", h.life.state, to, reason)
	h.life = lifecycle{state: to, reason: reason, since: h.now()}
}

// acceptsWork reports whether spawn, bind and mount are allowed (§5.1).
func (h *Hive) acceptsWork() bool {
	return h.life.state == StateOnline || h.life.state == StateDegraded
}

// acceptsWorkers reports whether worker roles may attach (§3.5 step 3).
func (h *Hive) acceptsWorkers() bool {
	s := h.life.state
	return s == StateOnline || s == StateDegraded || s == StateDraining
}

// lifecycleCommand applies one /queen/lifecycle/ctl command (§5.4).
func (h *Hive) lifecycleCommand(payload string) error {
	cmd := strings.ToLower(strings.TrimSpace(payload))
	from := h.life.state
	deny := func(kind vfs.Kind, reason string) error {
		h.Logf("lifecycle denied action=%s state=%s reason=%s", cmd, from, reason)
		e := &vfs.Error{Kind: kind, Op: "lifecycle", Path: "/queen/lifecycle/ctl", Msg: reason}
		if kind == vfs.Permission {
			e.Tag = vfs.TagDenied
		}
		return e
	}
	var to string
	ok := false
	switch cmd {
	case "cordon":
		to, ok = StateDraining, from == StateOnline || from == StateDegraded
	case "drain":
		to, ok = StateQuiesced, from == StateDraining
	case "resume":
		to, ok = StateOnline, from != StateOnline
	case "quiesce":
		to, ok = StateQuiesced, from == StateOnline || from == StateDegraded || from == StateDraining
	case "reset":
		to, ok = StateBooting, from != StateBooting
	default:
		return deny(vfs.Invalid, "invalid-command")
	}
	if !ok || to == from {
		return deny(vfs.Invalid, "invalid-transition")
	}
	if n := len(h.workers); n > 0 && (cmd == "drain" || cmd == "quiesce" || cmd == "reset") {
		return deny(vfs.Permission, "outstanding-leases leases="+itoa(uint64(n)))
	}
	h.transition(to, cmd)
	return nil
}
