package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cohesix/cohesix/cmd/internal/cohclient"
	"github.com/cohesix/cohesix/coh-rtc/clientpolicy"
	"github.com/cohesix/cohesix/services/manifest"
)

// options are cohsh's command-line flags, named as the reference cohsh names them.
type options struct {
	role, ticket                           string
	mintTicket                             bool
	ticketSubject, ticketConfig, ticketSec string
	script, check                          string
	recordTrace, replayTrace, policy       string
	poolControl, poolTelemetry             string
	retryMax, retryBackoff, retryCeiling   string
	retryTimeout, heartbeat                string
	transport                              string
	mockSeedGPU                            bool
	qemuBin, qemuOutDir, qemuGIC           string
	qemuArgs                               multiFlag
	verbose, tcpDebug, version             bool
	tcpHost                                string
	tcpPort                                int
	authToken                              string
	set                                    map[string]bool // flags given explicitly
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

const usageText = `Cohesix shell

Usage: cohsh [OPTIONS]

Options:
      --role <ROLE>                 Attach immediately as the supplied role
                                    [possible values: queen, worker-heartbeat, worker-gpu, worker-bus, worker-lora]
      --ticket <TICKET>             Optional capability ticket payload or worker identity string
      --mint-ticket                 Mint a capability ticket and exit without starting a shell
      --ticket-subject <SUBJECT>    Subject identity embedded in minted tickets (required for worker roles)
      --ticket-config <FILE>        Path to configs/root_task.toml used to source ticket secrets when minting
      --ticket-secret <SECRET>      Override ticket secret when minting (skips config lookup)
      --script <SCRIPT>             Execute commands from a script file instead of starting an interactive shell
      --check <FILE>                Validate a script file without executing it
      --record-trace <FILE>         Record a Secure9P trace (not supported by this cohsh)
      --replay-trace <FILE>         Replay a Secure9P trace (not supported by this cohsh)
      --policy <FILE>               Path to the manifest-derived cohsh policy TOML [default: out/cohsh_policy.toml]
      --pool-control-sessions <N>   Override cohsh pool control session capacity
      --pool-telemetry-sessions <N> Override cohsh pool telemetry session capacity
      --retry-max-attempts <N>      Override retry max attempts
      --retry-backoff-ms <MS>       Override retry backoff in milliseconds
      --retry-ceiling-ms <MS>       Override retry ceiling in milliseconds
      --retry-timeout-ms <MS>       Override retry timeout in milliseconds
      --heartbeat-interval-ms <MS>  Override heartbeat interval in milliseconds
      --transport <TRANSPORT>       Select the transport backing the shell session
                                    [default: tcp] [possible values: mock, qemu, tcp]
      --mock-seed-gpu               Seed the mock transport with GPU namespaces
      --qemu-bin <QEMU_BIN>         Path to the QEMU binary (qemu transport) [default: qemu-system-aarch64]
      --qemu-out-dir <DIR>          Directory containing staged Cohesix artefacts [default: out/cohesix]
      --qemu-gic-version <V>        GIC version passed to QEMU [default: 2]
      --qemu-arg <ARG>              Extra arguments forwarded to QEMU
  -v, --verbose                     Enable verbose TCP handshake logging
      --tcp-host <TCP_HOST>         Hostname or IP address for the TCP transport [default: 127.0.0.1]
      --tcp-port <TCP_PORT>         TCP port for the remote console listener [default: 31337]
      --auth-token <AUTH_TOKEN>     Authentication token required by the TCP console listener [default: changeme]
      --tcp-debug                   Enable verbose TCP handshake logging
  -h, --help                        Print help
  -V, --version                     Print version

Environment: COHSH_TCP_HOST, COHSH_TCP_PORT, COHSH_AUTH_TOKEN, COHSH_RETRY_MAX_ATTEMPTS,
COHSH_RETRY_BACKOFF_MS, COHSH_RETRY_CEILING_MS, COHSH_RETRY_TIMEOUT_MS, COHSH_HEARTBEAT_INTERVAL_MS,
COHSH_TICKET_CONFIG, COHSH_TICKET_SECRET, COHSH_POLICY, COHSH_CONSOLE_LOCK=0 (disable the console lock).
`

var roleValues = []string{"queen", "worker-heartbeat", "worker-gpu", "worker-bus", "worker-lora"}

// usageError is a command-line mistake: printed with the usage hint, exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{set: map[string]bool{}}
	fs := flag.NewFlagSet("cohsh", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.role, "role", "", "")
	fs.StringVar(&o.ticket, "ticket", "", "")
	fs.BoolVar(&o.mintTicket, "mint-ticket", false, "")
	fs.StringVar(&o.ticketSubject, "ticket-subject", "", "")
	fs.StringVar(&o.ticketConfig, "ticket-config", "", "")
	fs.StringVar(&o.ticketSec, "ticket-secret", "", "")
	fs.StringVar(&o.script, "script", "", "")
	fs.StringVar(&o.check, "check", "", "")
	fs.StringVar(&o.recordTrace, "record-trace", "", "")
	fs.StringVar(&o.replayTrace, "replay-trace", "", "")
	fs.StringVar(&o.policy, "policy", "", "")
	fs.StringVar(&o.poolControl, "pool-control-sessions", "", "")
	fs.StringVar(&o.poolTelemetry, "pool-telemetry-sessions", "", "")
	fs.StringVar(&o.retryMax, "retry-max-attempts", "", "")
	fs.StringVar(&o.retryBackoff, "retry-backoff-ms", "", "")
	fs.StringVar(&o.retryCeiling, "retry-ceiling-ms", "", "")
	fs.StringVar(&o.retryTimeout, "retry-timeout-ms", "", "")
	fs.StringVar(&o.heartbeat, "heartbeat-interval-ms", "", "")
	fs.StringVar(&o.transport, "transport", "tcp", "")
	fs.BoolVar(&o.mockSeedGPU, "mock-seed-gpu", false, "")
	fs.StringVar(&o.qemuBin, "qemu-bin", "qemu-system-aarch64", "")
	fs.StringVar(&o.qemuOutDir, "qemu-out-dir", "out/cohesix", "")
	fs.StringVar(&o.qemuGIC, "qemu-gic-version", "2", "")
	fs.Var(&o.qemuArgs, "qemu-arg", "")
	fs.BoolVar(&o.verbose, "verbose", false, "")
	fs.BoolVar(&o.verbose, "v", false, "")
	fs.BoolVar(&o.tcpDebug, "tcp-debug", false, "")
	fs.BoolVar(&o.version, "version", false, "")
	fs.BoolVar(&o.version, "V", false, "")
	fs.StringVar(&o.tcpHost, "tcp-host", "127.0.0.1", "")
	fs.IntVar(&o.tcpPort, "tcp-port", 31337, "")
	fs.StringVar(&o.authToken, "auth-token", "changeme", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, flag.ErrHelp
		}
		return nil, usageErrorf("%v", err)
	}
	if fs.NArg() > 0 {
		return nil, usageErrorf("unexpected argument '%s' found", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	if o.set["role"] {
		ok := false
		for _, v := range roleValues {
			if strings.EqualFold(o.role, v) {
				o.role, ok = v, true
			}
		}
		if !ok {
			return nil, usageErrorf("invalid value '%s' for '--role <ROLE>' [possible values: %s]", o.role, strings.Join(roleValues, ", "))
		}
	}
	switch o.transport {
	case "tcp", "mock", "qemu":
	default:
		return nil, usageErrorf("invalid value '%s' for '--transport <TRANSPORT>' [possible values: mock, qemu, tcp]", o.transport)
	}
	if o.tcpPort < 0 || o.tcpPort > 65535 {
		return nil, usageErrorf("invalid value '%d' for '--tcp-port <TCP_PORT>': 0..=65535", o.tcpPort)
	}
	conflict := func(a, b string) error {
		if o.set[a] && o.set[b] {
			return usageErrorf("the argument '--%s' cannot be used with '--%s'", a, b)
		}
		return nil
	}
	for _, c := range [][2]string{{"mint-ticket", "ticket"}, {"mint-ticket", "script"}, {"mint-ticket", "check"},
		{"mint-ticket", "record-trace"}, {"mint-ticket", "replay-trace"}, {"check", "script"}, {"record-trace", "replay-trace"}} {
		if err := conflict(c[0], c[1]); err != nil {
			return nil, err
		}
	}
	if o.mintTicket && !o.set["role"] {
		return nil, usageErrorf("the following required arguments were not provided: --role <ROLE>")
	}
	for _, f := range []string{"ticket-subject", "ticket-config", "ticket-secret"} {
		if o.set[f] && !o.mintTicket {
			return nil, usageErrorf("the following required arguments were not provided: --mint-ticket (required by --%s)", f)
		}
	}
	return o, nil
}

// resolvePolicy starts from the manifest defaults, applies the policy file
// (--policy, COHSH_POLICY, or out/cohsh_policy.toml when present), then the
// flag-or-env overrides.
func (o *options) resolvePolicy() (cohclient.Policy, error) {
	p := cohclient.DefaultPolicy()
	path, explicit := o.policy, o.policy != ""
	if !explicit {
		if v := strings.TrimSpace(os.Getenv("COHSH_POLICY")); v != "" {
			path, explicit = v, true
		} else {
			path = "out/cohsh_policy.toml"
			if _, err := os.Stat(path); err != nil {
				path = "configs/cohsh_policy.toml"
			}
		}
	}
	if _, err := os.Stat(path); err == nil || explicit {
		// The compiler's loader refuses a file whose bytes differ from its
		// .sha256 or that was generated from another manifest than the
		// one this cohsh was built with.
		pf, err := clientpolicy.LoadFor(path, manifest.Fingerprint)
		if err != nil {
			return p, fmt.Errorf("failed to load cohsh policy %s: %v", path, err)
		}
		p.MaxAttempts = pf.Retry.MaxAttempts
		p.Backoff, p.Ceiling, p.Timeout = pf.Retry.Backoff(), pf.Retry.Ceiling(), pf.Retry.Timeout()
		p.Heartbeat = pf.Heartbeat.Interval()
	}
	override := func(flagVal, env string, bits int) (uint64, bool, error) {
		v, src := flagVal, "--"+strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(env, "COHSH_"), "_", "-"))
		if v == "" {
			v, src = strings.TrimSpace(os.Getenv(env)), env
		}
		if v == "" {
			return 0, false, nil
		}
		n, err := strconv.ParseUint(v, 10, bits)
		if err != nil {
			return 0, false, fmt.Errorf("invalid %s value '%s'", src, v)
		}
		return n, true, nil
	}
	if n, ok, err := override(o.retryMax, "COHSH_RETRY_MAX_ATTEMPTS", 8); err != nil {
		return p, err
	} else if ok {
		p.MaxAttempts = int(n)
	}
	for _, d := range []struct {
		flag, env string
		dst       *time.Duration
	}{
		{o.retryBackoff, "COHSH_RETRY_BACKOFF_MS", &p.Backoff},
		{o.retryCeiling, "COHSH_RETRY_CEILING_MS", &p.Ceiling},
		{o.retryTimeout, "COHSH_RETRY_TIMEOUT_MS", &p.Timeout},
		{o.heartbeat, "COHSH_HEARTBEAT_INTERVAL_MS", &p.Heartbeat},
	} {
		n, ok, err := override(d.flag, d.env, 63)
		if err != nil {
			return p, err
		}
		if ok {
			*d.dst = time.Duration(n) * time.Millisecond
		}
	}
	if p.Timeout <= 0 || p.Heartbeat <= 0 || p.Backoff < 0 || p.Ceiling < p.Backoff {
		return p, fmt.Errorf("invalid cohsh policy: timeout and heartbeat must be > 0 and ceiling >= backoff")
	}
	return p, nil
}

// endpoint applies the env fallbacks of §1.1 and §1.6: COHSH_TCP_HOST and
// COHSH_AUTH_TOKEN only when the flag is at its default, COHSH_TCP_PORT
// when --tcp-port was not given.
func (o *options) endpoint() (host string, port int, token string, err error) {
	host, port, token = o.tcpHost, o.tcpPort, o.authToken
	if v, ok := os.LookupEnv("COHSH_TCP_HOST"); ok && host == "127.0.0.1" && strings.TrimSpace(v) != "" {
		host = strings.TrimSpace(v)
	}
	if v, ok := os.LookupEnv("COHSH_TCP_PORT"); ok && !o.set["tcp-port"] {
		if n, perr := strconv.ParseUint(strings.TrimSpace(v), 10, 16); perr == nil {
			port = int(n)
		}
	}
	if v, ok := os.LookupEnv("COHSH_AUTH_TOKEN"); ok && token == "changeme" {
		token = v
	}
	return host, port, token, nil
}
