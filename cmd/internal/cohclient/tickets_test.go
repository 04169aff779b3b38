package cohclient

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/cohesix/cohesix/services/ticket"
)

// §3.2 test vectors.
const (
	vecQueenTTL0   = "cohesix-ticket-0100040000000000000000000000000000000000000000.e9b8bc4e26e2f06725347bdd8983fb3efc170658fc6af53cabb746bef58deddb"
	vecQueen       = "cohesix-ticket-0100000068e5cf8b01000000000000.f653b7d5f0da7e444cbba662bdb2a4ce6e675f20f9b26541be48e246c43ad1a1"
	vecWorker      = "cohesix-ticket-01010fe80300000000000010270000000000002c010000000000000800776f726b65722d310068e5cf8b01000000000000.f134e615612664333a0639b469b5b820de88df0824e2a0a6a3ebf9a51a582e16"
	vecIssuedAtMs  = 1700000000000
	vecQueenSecret = "bootstrap"
)

func TestMintVectors(t *testing.T) {
	tests := []struct {
		role    vfs.Role
		subject string
		secret  string
		want    string
	}{
		{vfs.RoleQueen, "", vecQueenSecret, vecQueen},
		{vfs.RoleWorkerHeartbeat, "  worker-1 ", "worker", vecWorker},
	}
	for _, tc := range tests {
		got, err := Mint(tc.role, tc.subject, tc.secret, vecIssuedAtMs)
		if err != nil || got != tc.want {
			t.Errorf("Mint(%v, %q) = %q, %v\nwant %q", tc.role, tc.subject, got, err, tc.want)
		}
	}
	// Minted by the reference cohsh (--mint-ticket --role worker-gpu
	// --ticket-subject gpu-a, shipped secret); same bytes for the same issued_at.
	const refGPU = "cohesix-ticket-01020e4000000000000000780000000000000005006770752d61665fb53aa201000000000000.255a9532a7c976632ee6dd0a2464267c1837f937f7f4bb97adfed03fa3b7d8a7"
	c, _, _, _ := ticket.Parse(refGPU)
	if got, err := Mint(vfs.RoleWorkerGPU, "gpu-a", "worker-gpu", c.IssuedAtMs); err != nil || got != refGPU {
		t.Errorf("worker-gpu mint = %q, %v\nwant %q", got, err, refGPU)
	}
	gpu, err := MintClaims(vfs.RoleWorkerGPU, "gpu-1", 5)
	if err != nil || gpu.HasTicks || !gpu.HasOps || gpu.Ops != 64 || !gpu.HasTTL || gpu.TTL != 120 || gpu.Subject != "gpu-1" {
		t.Errorf("worker-gpu claims = %+v, %v", gpu, err)
	}
	for _, r := range []vfs.Role{vfs.RoleWorkerHeartbeat, vfs.RoleWorkerGPU, vfs.RoleWorkerBus, vfs.RoleWorkerLoRa} {
		if _, err := Mint(r, " ", "s", 1); err == nil || err.Error() != "worker roles require a subject identity" {
			t.Errorf("Mint(%v) without subject: err = %v", r, err)
		}
	}
	if _, err := Mint(vfs.RoleQueen, "", strings.Repeat("s", MaxSecretLen+1), 1); err == nil {
		t.Error("an over-long secret must be refused")
	}
}

func TestSecretFromConfig(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "root_task.toml")
	os.WriteFile(cfg, []byte(`
[meta]
profile = "virt-aarch64"

[[tickets]]
role = "queen"
secret = "bootstrap"

[[tickets]]
role = "worker-heartbeat"
secret = "worker"
`), 0o644)
	if s, err := SecretFromConfig(cfg, vfs.RoleQueen); err != nil || s != "bootstrap" {
		t.Errorf("queen secret = %q, %v", s, err)
	}
	if s, err := SecretFromConfig(cfg, vfs.RoleWorkerHeartbeat); err != nil || s != "worker" {
		t.Errorf("worker secret = %q, %v", s, err)
	}
	if _, err := SecretFromConfig(cfg, vfs.RoleWorkerGPU); err == nil || !strings.Contains(err.Error(), "ticket secret for role WorkerGpu not found") {
		t.Errorf("missing role: err = %v", err)
	}
	if _, err := SecretFromConfig(filepath.Join(t.TempDir(), "none.toml"), vfs.RoleQueen); err == nil {
		t.Error("missing file must fail")
	}
}

func TestCheckTicket(t *testing.T) {
	gpuTicket, _ := Mint(vfs.RoleWorkerGPU, "gpu-1", "worker-gpu", vecIssuedAtMs)
	noSubject, _ := ticket.Mint(ticket.Claims{Role: vfs.RoleWorkerBus, IssuedAtMs: 1}, "worker-bus")
	tests := []struct {
		role    vfs.Role
		ticket  string
		want    string
		wantErr string
	}{
		{vfs.RoleQueen, "", "", ""},
		{vfs.RoleQueen, "   ", "", ""},
		{vfs.RoleQueen, " " + vecQueen + " ", vecQueen, ""},
		{vfs.RoleQueen, vecQueenTTL0, vecQueenTTL0, ""}, // expiry is the server's call
		{vfs.RoleQueen, "not-a-ticket", "", "ticket is not a valid claims token: ticket missing prefix"},
		{vfs.RoleQueen, "cohesix-ticket-zz", "", "ticket is not a valid claims token: ticket malformed"},
		{vfs.RoleQueen, "cohesix-ticket-0100.abcd", "", "ticket is not a valid claims token: ticket MAC length 2 is invalid"},
		{vfs.RoleQueen, "cohesix-ticket-0200." + strings.Repeat("00", 32), "", "ticket is not a valid claims token: claims version 2 is unsupported"},
		{vfs.RoleQueen, "cohesix-ticket-0109." + strings.Repeat("00", 32), "", "ticket is not a valid claims token: claims role 9 is unsupported"},
		{vfs.RoleQueen, "cohesix-ticket-0100." + strings.Repeat("00", 32), "", "ticket is not a valid claims token: claims payload truncated"},
		{vfs.RoleQueen, vecQueen[:len("cohesix-ticket-0100000068e5cf8b01000000000000")] + "00" + vecQueen[len("cohesix-ticket-0100000068e5cf8b01000000000000"):], "", "ticket is not a valid claims token: claims payload contains trailing data"},
		{vfs.RoleQueen, strings.Repeat("a", MaxTicketLen+1), "", "ticket payload exceeds 224 bytes"},
		{vfs.RoleWorkerHeartbeat, vecWorker, vecWorker, ""},
		{vfs.RoleWorkerHeartbeat, "", "", "role WorkerHeartbeat requires a non-empty ticket payload"},
		{vfs.RoleWorkerHeartbeat, vecQueen, "", "ticket role Queen does not match requested role WorkerHeartbeat"},
		{vfs.RoleWorkerHeartbeat, gpuTicket, "", "ticket role WorkerGpu does not match requested role WorkerHeartbeat"},
		{vfs.RoleWorkerGPU, gpuTicket, gpuTicket, ""},
		{vfs.RoleWorkerBus, noSubject, "", "ticket for role WorkerBus must include a subject identity"},
		// The MAC is not checked client-side.
		{vfs.RoleWorkerHeartbeat, vecWorker[:len(vecWorker)-4] + "0000", vecWorker[:len(vecWorker)-4] + "0000", ""},
	}
	for _, tc := range tests {
		got, err := CheckTicket(tc.role, tc.ticket)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr && !strings.HasPrefix(err.Error(), tc.wantErr+" ") {
				t.Errorf("CheckTicket(%v, %.30q) err = %v, want %q", tc.role, tc.ticket, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("CheckTicket(%v, %.30q) = %q, %v", tc.role, tc.ticket, got, err)
		}
	}
}

func TestParseRoleArg(t *testing.T) {
	for in, want := range map[string]vfs.Role{"queen": vfs.RoleQueen, "QUEEN": vfs.RoleQueen, "worker": vfs.RoleWorkerHeartbeat,
		"worker-heartbeat": vfs.RoleWorkerHeartbeat, "Worker-GPU": vfs.RoleWorkerGPU, "worker-bus": vfs.RoleWorkerBus, "worker-lora": vfs.RoleWorkerLoRa} {
		if r, err := ParseRoleArg(in); err != nil || r != want {
			t.Errorf("ParseRoleArg(%q) = %v, %v", in, r, err)
		}
	}
	if _, err := ParseRoleArg("king"); err == nil || err.Error() != "unknown role 'king'" {
		t.Errorf("unknown role err = %v", err)
	}
}
