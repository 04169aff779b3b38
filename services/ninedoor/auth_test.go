package ninedoor

import (
	"testing"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/cohesix/cohesix/services/ticket"
)

const (
	ticketQueenTTL0   = "cohesix-ticket-0100040000000000000000000000000000000000000000.e9b8bc4e26e2f06725347bdd8983fb3efc170658fc6af53cabb746bef58deddb"
	ticketQueenPlain  = "cohesix-ticket-0100000068e5cf8b01000000000000.f653b7d5f0da7e444cbba662bdb2a4ce6e675f20f9b26541be48e246c43ad1a1"
	ticketWorker1     = "cohesix-ticket-01010fe80300000000000010270000000000002c010000000000000800776f726b65722d310068e5cf8b01000000000000.f134e615612664333a0639b469b5b820de88df0824e2a0a6a3ebf9a51a582e16"
	ticketQueenScoped = "cohesix-ticket-0100300000000000000000000000000304002f6c6f67000100000006002f717565656e010000000006002f7368617264010000000000000000000000000000000001000000.0c714a86a89a2abc049395e486dbd2a8ce6ba7076ce508a02431a22319629672"
	// ticketWorkerBadMAC is ticketWorker1 with its last MAC digit changed.
	ticketWorkerBadMAC = "cohesix-ticket-01010fe80300000000000010270000000000002c010000000000000800776f726b65722d310068e5cf8b01000000000000.f134e615612664333a0639b469b5b820de88df0824e2a0a6a3ebf9a51a582e17"
)

func TestAttachVectors(t *testing.T) {
	tests := []struct {
		name string
		role vfs.Role
		tk   string
		kind vfs.Kind // 0 = success
		tag  string
	}{
		{"queen no ticket", vfs.RoleQueen, "", 0, ""},
		{"queen blank ticket", vfs.RoleQueen, "   ", 0, ""},
		{"queen plain", vfs.RoleQueen, ticketQueenPlain, 0, ""},
		{"queen plain padded", vfs.RoleQueen, " " + ticketQueenPlain + " ", 0, ""},
		{"queen scoped", vfs.RoleQueen, ticketQueenScoped, 0, ""},
		{"queen ttl0 expired", vfs.RoleQueen, ticketQueenTTL0, vfs.Expired, "expired"},
		{"worker-1 within ttl", vfs.RoleWorkerHeartbeat, ticketWorker1, 0, ""},
		{"worker without ticket", vfs.RoleWorkerHeartbeat, "", vfs.Permission, vfs.TagDenied},
		{"worker bad mac", vfs.RoleWorkerHeartbeat, ticketWorkerBadMAC, vfs.Permission, vfs.TagDenied},
		{"queen ticket as worker", vfs.RoleWorkerHeartbeat, ticketQueenPlain, vfs.Permission, vfs.TagDenied},
		{"worker ticket as gpu", vfs.RoleWorkerGPU, ticketWorker1, vfs.Permission, vfs.TagDenied},
		{"garbage", vfs.RoleQueen, "cohesix-ticket-zz", vfs.Permission, vfs.TagDenied},
		{"unknown role", vfs.Role(9), "", vfs.Invalid, vfs.TagInvalidRole},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			s, err := f.h.Attach(vfs.AttachRequest{Role: tt.role, Ticket: tt.tk})
			if tt.kind == 0 {
				if err != nil {
					t.Fatalf("Attach: %v", err)
				}
				if s.Role() != tt.role {
					t.Fatalf("Role() = %v", s.Role())
				}
				return
			}
			wantErr(t, "Attach", err, tt.kind, tt.tag)
		})
	}
}

func TestAttachWorkerTicketExpires(t *testing.T) {
	f := newFixture(t)
	f.clock.advance(300*time.Second - time.Millisecond)
	f.attach(vfs.RoleWorkerHeartbeat, ticketWorker1)
	f.clock.advance(time.Millisecond)
	_, err := f.h.Attach(vfs.AttachRequest{Role: vfs.RoleWorkerHeartbeat, Ticket: ticketWorker1})
	wantErr(t, "Attach at issued+ttl", err, vfs.Expired, "expired")
}

func TestAttachLifecycleGate(t *testing.T) {
	clk := &fakeClock{t: epoch}
	cfg := DefaultConfig()
	cfg.Clock = clk.now
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Not yet polled: BOOTING. Workers are refused before credentials are
	// looked at; the queen may attach.
	_, err = h.Attach(vfs.AttachRequest{Role: vfs.RoleWorkerHeartbeat, Ticket: ticketWorkerBadMAC})
	wantErr(t, "worker while BOOTING", err, vfs.Permission, "lifecycle-denied state=BOOTING")
	if _, err := h.Attach(vfs.AttachRequest{Role: vfs.RoleQueen}); err != nil {
		t.Fatalf("queen while BOOTING: %v", err)
	}
	h.Poll(clk.t, time.Millisecond)
	if _, err := h.Attach(vfs.AttachRequest{Role: vfs.RoleWorkerHeartbeat, Ticket: ticketWorker1}); err != nil {
		t.Fatalf("worker while ONLINE: %v", err)
	}
}

func TestClaimLimits(t *testing.T) {
	f := newFixture(t)
	base := ticket.Claims{Role: vfs.RoleQueen, IssuedAtMs: unixMs(epoch)}
	many := base
	for i := 0; i < 9; i++ {
		many.Scopes = append(many.Scopes, ticket.Scope{Path: "/proc", Verb: ticket.ScopeRead})
	}
	with := func(sc ...ticket.Scope) ticket.Claims { c := base; c.Scopes = sc; return c }
	quota := func(q ticket.Quotas) ticket.Claims { c := base; c.Quotas = &q; return c }
	tests := []struct {
		name string
		c    ticket.Claims
		ok   bool
	}{
		{"8 scopes ok", with(make([]ticket.Scope, 8)...), false}, // empty paths are invalid
		{"9 scopes", many, false},
		{"relative scope", with(ticket.Scope{Path: "proc"}), false},
		{"dotdot scope", with(ticket.Scope{Path: "/proc/../queen"}), false},
		{"long scope", with(ticket.Scope{Path: "/" + string(make([]byte, 128))}), false},
		{"rate 65", with(ticket.Scope{Path: "/proc", RatePerSec: 65}), false},
		{"rate 64", with(ticket.Scope{Path: "/proc", RatePerSec: 64}), true},
		{"bandwidth over", quota(ticket.Quotas{BandwidthBytes: 131073}), false},
		{"resumes over", quota(ticket.Quotas{CursorResumes: 17}), false},
		{"advances over", quota(ticket.Quotas{CursorAdvances: 257}), false},
		{"quotas at limit", quota(ticket.Quotas{BandwidthBytes: 131072, CursorResumes: 16, CursorAdvances: 256}), true},
	}
	for _, tt := range tests {
		tk := f.mint(tt.c)
		_, err := f.h.Attach(vfs.AttachRequest{Role: vfs.RoleQueen, Ticket: tk})
		if tt.ok {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		wantErr(t, tt.name, err, vfs.BufferFull, vfs.TagInvalidClaims)
	}
}

func TestUndecodableClaims(t *testing.T) {
	f := newFixture(t)
	payload := []byte{1, 0, 0} // truncated after flags, validly signed
	mac := ticket.MAC(ticket.Key("bootstrap"), payload)
	tk := ticket.Prefix + "010000." + hexString(mac[:])
	_, err := f.h.Attach(vfs.AttachRequest{Role: vfs.RoleQueen, Ticket: tk})
	wantErr(t, "undecodable", err, vfs.Invalid, vfs.TagInvalidClaims)
	// It is not a credential failure: no throttle follows.
	if _, err := f.h.Attach(vfs.AttachRequest{Role: vfs.RoleQueen}); err != nil {
		t.Fatalf("attach after invalid-claims: %v", err)
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// TestThrottleSequence walks §3.4 step by step on the fake clock.
func TestThrottleSequence(t *testing.T) {
	f := newFixture(t)
	bad := vfs.AttachRequest{Role: vfs.RoleWorkerHeartbeat, Ticket: ticketWorkerBadMAC}
	good := vfs.AttachRequest{Role: vfs.RoleWorkerHeartbeat, Ticket: ticketWorker1}
	type step struct {
		wait time.Duration
		req  vfs.AttachRequest
		kind vfs.Kind // 0 = success
		tag  string
	}
	steps := []step{
		{0, bad, vfs.Permission, vfs.TagDenied},             // failure 1, throttle 250 ms
		{0, bad, vfs.RateLimited, "throttled delay_ms=250"}, // throttled: not counted
		{100 * time.Millisecond, good, vfs.RateLimited, "throttled delay_ms=150"},
		{150 * time.Millisecond, bad, vfs.Permission, vfs.TagDenied}, // failure 2, throttle 500 ms
		{499 * time.Millisecond, bad, vfs.RateLimited, "throttled delay_ms=1"},
		{time.Millisecond, bad, vfs.RateLimited, "rate-limited delay_ms=90000"}, // failure 3 in window: cooldown
		{time.Microsecond, bad, vfs.RateLimited, "rate-limited delay_ms=90000"}, // rounded up
		{0, bad, vfs.RateLimited, "rate-limited delay_ms=90000"},                // cooldown does not arm the throttle
		{30*time.Second - time.Microsecond, bad, vfs.RateLimited, "rate-limited delay_ms=60000"},
		{0, good, 0, ""},                                    // valid credentials succeed and reset
		{0, bad, vfs.Permission, vfs.TagDenied},             // back to k=0
		{0, bad, vfs.RateLimited, "throttled delay_ms=250"}, // ...so 250 ms again
	}
	for i, s := range steps {
		f.clock.advance(s.wait)
		_, err := f.h.Attach(s.req)
		if s.kind == 0 {
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			continue
		}
		wantErr(t, "step "+itoa(uint64(i)), err, s.kind, s.tag)
	}
}

func TestThrottleExponent(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Throttle.WindowLimit = 1000 })
	bad := vfs.AttachRequest{Role: vfs.RoleQueen, Ticket: "cohesix-ticket-00.00"}
	for k := 0; k <= 10; k++ {
		_, err := f.h.Attach(bad)
		wantErr(t, "fail", err, vfs.Permission, vfs.TagDenied)
		want := 250 * time.Millisecond << min(k, 8)
		_, err = f.h.Attach(bad)
		wantErr(t, "throttled", err, vfs.RateLimited, "throttled delay_ms="+itoa(uint64(want.Milliseconds())))
		f.clock.advance(want)
	}
}

func TestWindowExpires(t *testing.T) {
	f := newFixture(t)
	bad := vfs.AttachRequest{Role: vfs.RoleQueen, Ticket: "x"}
	for i := 0; i < 2; i++ {
		_, err := f.h.Attach(bad)
		wantErr(t, "fail", err, vfs.Permission, vfs.TagDenied)
		f.clock.advance(30 * time.Second)
	}
	// 60 s after the first failure the window restarts: a third failure is only denied.
	_, err := f.h.Attach(bad)
	wantErr(t, "third failure in a new window", err, vfs.Permission, vfs.TagDenied)
}

func TestAttachDenialsCountedAndLogged(t *testing.T) {
	f := newFixture(t)
	f.h.Attach(vfs.AttachRequest{Role: vfs.RoleQueen, Ticket: "bad"})
	f.h.Attach(vfs.AttachRequest{Role: vfs.RoleQueen, Ticket: "bad"})
	f.clock.advance(250 * time.Millisecond)
	q := f.queen()
	if got := f.mustRead(q, "/proc/pressure/policy"); got != "policy=1\n" {
		t.Errorf("policy = %q", got)
	}
	if got := f.mustRead(q, "/proc/pressure/quota"); got != "quota=1\n" {
		t.Errorf("quota = %q", got)
	}
	f.wantLog("attach denied role=queen transport=console reason=denied")
	f.wantLog("attach denied role=queen transport=console reason=throttled delay_ms=250")
}
