package ninedoor

import (
	"strings"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/cohesix/cohesix/services/ticket"
)

// loginGuard is the server-global login throttle and window limiter (§3.4).
type loginGuard struct {
	throttleUntil time.Time
	consecutive   int // denied attaches since the last success
	windowStart   time.Time
	windowCount   int
	cooldownUntil time.Time
}

func (g *loginGuard) reset() { *g = loginGuard{} }

// delayMs renders a wait rounded up, so a client that sleeps that long and
// retries is no longer refused.
func delayMs(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	return itoa(uint64((d + time.Millisecond - 1) / time.Millisecond))
}

// fail records a bad credential and returns the refusal to send.
func (h *Hive) fail(now time.Time) error {
	g, t := &h.guard, h.cfg.Throttle
	if now.Before(g.cooldownUntil) {
		return &vfs.Error{Kind: vfs.RateLimited, Op: "attach", Tag: "rate-limited delay_ms=" + delayMs(g.cooldownUntil.Sub(now))}
	}
	if g.windowStart.IsZero() || now.Sub(g.windowStart) >= t.Window {
		g.windowStart, g.windowCount = now, 0
	}
	g.windowCount++
	if g.windowCount >= t.WindowLimit {
		g.cooldownUntil = now.Add(t.Cooldown)
		g.windowStart, g.windowCount = time.Time{}, 0
		h.Logf("attach rate-limited cooldown_ms=%d", t.Cooldown.Milliseconds())
		return &vfs.Error{Kind: vfs.RateLimited, Op: "attach", Tag: "rate-limited delay_ms=" + delayMs(t.Cooldown)}
	}
	shift := min(g.consecutive, t.MaxShift)
	g.throttleUntil = now.Add(t.Base << shift)
	g.consecutive++
	return &vfs.Error{Kind: vfs.Permission, Op: "attach", Tag: vfs.TagDenied, Msg: "bad credentials"}
}

// Attach authenticates req in the order of §3.5 and opens a session.
func (h *Hive) Attach(req vfs.AttachRequest) (vfs.Session, error) {
	s, err := h.attach(req)
	if err != nil {
		h.pressure(err)
		h.Logf("attach denied role=%s transport=%s reason=%s", req.Role, transportName(req.Transport), reasonOf(err))
		return nil, err
	}
	return s, nil
}

func (h *Hive) attach(req vfs.AttachRequest) (*session, error) {
	now := h.now()
	g := &h.guard
	if now.Before(g.throttleUntil) {
		return nil, &vfs.Error{Kind: vfs.RateLimited, Op: "attach", Tag: "throttled delay_ms=" + delayMs(g.throttleUntil.Sub(now))}
	}
	if !req.Role.Valid() {
		return nil, &vfs.Error{Kind: vfs.Invalid, Op: "attach", Tag: vfs.TagInvalidRole}
	}
	if req.Role != vfs.RoleQueen && !h.acceptsWorkers() {
		return nil, &vfs.Error{Kind: vfs.Permission, Op: "attach", Tag: vfs.TagLifecycleDenied + " state=" + h.life.state}
	}

	tk := strings.TrimSpace(req.Ticket)
	var claims *ticket.Claims
	var claimsErr error
	if tk != "" || req.Role != vfs.RoleQueen {
		secret, ok := h.cfg.Secrets[req.Role]
		payload, mac, err := ticket.Split(tk)
		if !ok || err != nil || !ticket.CheckMAC(payload, mac, secret) {
			return nil, h.fail(now)
		}
		c, err := ticket.DecodeClaims(payload)
		switch {
		case err != nil:
			claimsErr = err // authentic but undecodable: step 6
		case c.Role != req.Role:
			return nil, h.fail(now)
		default:
			claims = &c
		}
	}
	g.reset()

	if claimsErr != nil {
		return nil, &vfs.Error{Kind: vfs.Invalid, Op: "attach", Tag: vfs.TagInvalidClaims, Msg: claimsErr.Error()}
	}
	if claims != nil {
		if claims.Expired(unixMs(now)) {
			return nil, &vfs.Error{Kind: vfs.Expired, Op: "attach", Tag: "expired"}
		}
		if err := h.checkClaimLimits(claims); err != nil {
			return nil, err
		}
	}
	if len(h.sessions) >= h.cfg.Limits.MaxSessions {
		return nil, &vfs.Error{Kind: vfs.BufferFull, Op: "attach", Tag: "buffer-full", Msg: "session table full"}
	}
	s := h.newSession(req.Role, req.Transport, claims, now)
	if claims != nil && claims.MountService != "" {
		if err := s.mount(claims.MountService, claims.MountAt); err != nil {
			h.dropSession(s)
			return nil, &vfs.Error{Kind: vfs.Invalid, Op: "attach", Tag: vfs.TagInvalidClaims, Msg: "ticket mount: " + err.Error()}
		}
	}
	if req.Role == vfs.RoleQueen {
		h.root = rootState{reachable: true, lastSeen: now}
	}
	h.Logf("attach ok role=%s transport=%s session=%d", req.Role, transportName(req.Transport), s.id)
	return s, nil
}

// checkClaimLimits enforces the manifest bounds on claims (§3.5 step 6).
func (h *Hive) checkClaimLimits(c *ticket.Claims) error {
	l := h.cfg.Limits
	bad := func(msg string) error {
		return &vfs.Error{Kind: vfs.BufferFull, Op: "attach", Tag: vfs.TagInvalidClaims, Msg: msg}
	}
	if len(c.Scopes) > l.MaxScopes {
		return bad("too many scopes")
	}
	for _, sc := range c.Scopes {
		if sc.Path == "" || sc.Path[0] != '/' || len(sc.Path) > l.MaxScopePathBytes || strings.Contains(sc.Path, "..") {
			return bad("bad scope path " + sc.Path)
		}
		if sc.RatePerSec > l.MaxScopeRatePerSec {
			return bad("scope rate too high")
		}
	}
	if q := c.Quotas; q != nil {
		if q.BandwidthBytes > l.MaxBandwidthBytes || q.CursorResumes > l.MaxCursorResumes || q.CursorAdvances > l.MaxCursorAdvances {
			return bad("quota over manifest limit")
		}
	}
	return nil
}

func transportName(t vfs.Transport) string {
	if t == vfs.Transport9P {
		return "9p"
	}
	return "console"
}

func unixMs(t time.Time) uint64 {
	ms := t.UnixMilli()
	if ms < 0 {
		return 0
	}
	return uint64(ms)
}
