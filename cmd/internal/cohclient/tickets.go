package cohclient

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/cohesix/cohesix/services/ticket"
)

// MaxTicketLen is the longest ticket the console accepts.
const MaxTicketLen = 224

// RoleDebugName is the reference client's name for a role in its messages
// ("attached session SessionId(2) as Queen").
func RoleDebugName(r vfs.Role) string {
	switch r {
	case vfs.RoleQueen:
		return "Queen"
	case vfs.RoleWorkerHeartbeat:
		return "WorkerHeartbeat"
	case vfs.RoleWorkerGPU:
		return "WorkerGpu"
	case vfs.RoleWorkerBus:
		return "WorkerBus"
	case vfs.RoleWorkerLoRa:
		return "WorkerLora"
	}
	return r.String()
}

// ParseRoleArg parses a role label as cohsh's attach does: ASCII
// case-insensitive, "worker" an alias of worker-heartbeat.
func ParseRoleArg(label string) (vfs.Role, error) {
	r, ok := vfs.ParseRole(label)
	if !ok {
		return 0, fmt.Errorf("unknown role '%s'", label)
	}
	return r, nil
}

// CheckTicket applies the client-side ticket checks of §3.5 and returns the
// trimmed ticket ("" for none): at most MaxTicketLen bytes; a queen ticket,
// if given, must decode; worker roles need a ticket that decodes (the MAC
// is not checked), names the same role and carries a subject.
func CheckTicket(role vfs.Role, raw string) (string, error) {
	t := strings.TrimSpace(raw)
	if len(t) > MaxTicketLen {
		return "", fmt.Errorf("ticket payload exceeds %d bytes", MaxTicketLen)
	}
	if role == vfs.RoleQueen && t == "" {
		return "", nil
	}
	if t == "" {
		return "", fmt.Errorf("role %s requires a non-empty ticket payload", RoleDebugName(role))
	}
	claims, _, _, err := ticket.Parse(t)
	if err != nil {
		return "", fmt.Errorf("ticket is not a valid claims token: %s", ticketReason(err))
	}
	if role == vfs.RoleQueen {
		return t, nil
	}
	if claims.Role != role {
		return "", fmt.Errorf("ticket role %s does not match requested role %s", RoleDebugName(claims.Role), RoleDebugName(role))
	}
	if !claims.HasSubject {
		return "", fmt.Errorf("ticket for role %s must include a subject identity", RoleDebugName(role))
	}
	return t, nil
}

// MintClaims are the claims cohsh --mint-ticket issues (§3.3): subject
// trimmed (required for worker roles), empty mounts, no scopes or quotas,
// issued now; budget none for the queen, ops 64 + ttl 120 for worker-gpu,
// ticks 1000 + ops 10000 + ttl 300 for the other workers.
func MintClaims(role vfs.Role, subject string, nowMs uint64) (ticket.Claims, error) {
	subject = strings.TrimSpace(subject)
	c := ticket.Claims{Role: role, IssuedAtMs: nowMs}
	if subject != "" {
		c.HasSubject, c.Subject = true, subject
	}
	switch role {
	case vfs.RoleQueen:
		return c, nil
	case vfs.RoleWorkerGPU:
		c.HasOps, c.Ops = true, 64
		c.HasTTL, c.TTL = true, 120
	default:
		c.HasTicks, c.Ticks = true, 1000
		c.HasOps, c.Ops = true, 10000
		c.HasTTL, c.TTL = true, 300
	}
	if subject == "" {
		return ticket.Claims{}, errors.New("worker roles require a subject identity")
	}
	return c, nil
}

// MaxSecretLen is the longest ticket secret the manifest accepts.
const MaxSecretLen = 224

// Mint issues a ticket for role with secret.
func Mint(role vfs.Role, subject, secret string, nowMs uint64) (string, error) {
	c, err := MintClaims(role, subject, nowMs)
	if err != nil {
		return "", err
	}
	if len(secret) > MaxSecretLen {
		return "", fmt.Errorf("ticket secret exceeds %d bytes", MaxSecretLen)
	}
	t, err := ticket.Mint(c, secret)
	if err != nil {
		return "", fmt.Errorf("failed to issue ticket: %v", err)
	}
	return t, nil
}

// SecretFromConfig finds the [[tickets]] secret whose role label matches
// role (case-insensitive, no "worker" alias) in a root_task.toml.
func SecretFromConfig(path string, role vfs.Role) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("failed to read ticket config %s: %w", path, err)
	}
	var cfg struct {
		Tickets []struct {
			Role   string `toml:"role"`
			Secret string `toml:"secret"`
		} `toml:"tickets"`
	}
	if _, err := toml.Decode(string(data), &cfg); err != nil {
		return "", fmt.Errorf("failed to parse ticket config %s: %w", path, err)
	}
	for _, t := range cfg.Tickets {
		if strings.EqualFold(t.Role, role.String()) {
			return t.Secret, nil
		}
	}
	return "", fmt.Errorf("ticket secret for role %s not found in %s", RoleDebugName(role), path)
}

// ticketReason words a ticket decoding error as the reference client does.
func ticketReason(err error) string {
	msg := err.Error()
	trailingNumber := func() string {
		f := strings.Fields(msg)
		for i := len(f) - 1; i >= 0; i-- {
			if _, e := strconv.Atoi(f[i]); e == nil {
				return f[i]
			}
		}
		return "?"
	}
	switch {
	case errors.Is(err, ticket.ErrMalformed) && strings.Contains(msg, "missing prefix"):
		return "ticket missing prefix"
	case errors.Is(err, ticket.ErrMalformed) && strings.Contains(msg, "mac is "):
		return "ticket MAC length " + trailingNumber() + " is invalid"
	case errors.Is(err, ticket.ErrMalformed), errors.Is(err, ticket.ErrStringUTF8):
		return "ticket malformed"
	case errors.Is(err, ticket.ErrVersion):
		return "claims version " + trailingNumber() + " is unsupported"
	case errors.Is(err, ticket.ErrRole):
		return "claims role " + trailingNumber() + " is unsupported"
	case errors.Is(err, ticket.ErrScopeVerb):
		return "scope verb " + trailingNumber() + " is invalid"
	case errors.Is(err, ticket.ErrTooMany):
		return "scope count exceeds allowed maximum"
	case errors.Is(err, ticket.ErrStringLen):
		return "mount data exceeds allowed length"
	case errors.Is(err, ticket.ErrTruncated):
		return "claims payload truncated"
	case errors.Is(err, ticket.ErrTrailing):
		return "claims payload contains trailing data"
	}
	return msg
}
