// Command cohsh is the Cohesix operator shell: it drives a Queen over the
// TCP console (or the in-process mock transport), runs .coh scripts and the
// in-session self-test, and mints capability tickets.
//
// Flags, prompts and output follow the reference cohsh so scripts and
// transcripts work with either client.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/cohesix/cohesix/cmd/internal/cohclient"
	"github.com/cohesix/cohesix/p9srv/vfs"
)

const version = "cohsh (Cohesix Go) 0.1.0"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin *os.File, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usageText)
		return 0
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "error: %s\n\nUsage: cohsh [OPTIONS]\n\nFor more information, try '--help'.\n", ue.msg)
		return 2
	}
	if o.version {
		fmt.Fprintln(stdout, version)
		return 0
	}
	if err := execute(o, stdin, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 1
	}
	return 0
}

func execute(o *options, stdin *os.File, stdout, stderr io.Writer) error {
	if o.mintTicket {
		return mint(o, stdout)
	}
	pol, err := o.resolvePolicy()
	if err != nil {
		return err
	}
	if o.check != "" {
		f, err := os.Open(o.check)
		if err != nil {
			return fmt.Errorf("failed to open script %q: %w", o.check, err)
		}
		defer f.Close()
		if err := cohclient.CheckScript(f); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "check ok: %s\n", o.check)
		return nil
	}
	if o.recordTrace != "" || o.replayTrace != "" {
		if o.transport != "mock" {
			return errors.New("trace record/replay requires --transport mock")
		}
		return errors.New("trace record/replay is not supported by this cohsh")
	}
	host, port, token, _ := o.endpoint()
	con := cohclient.NewConsole(host, port, token)
	con.Policy = pol
	con.Log = stderr
	if v := os.Getenv("COHSH_TCP_DEBUG"); o.verbose || o.tcpDebug || v != "" && v != "0" {
		con.Debug = true
	}
	switch o.transport {
	case "tcp":
		if cohclient.ConsoleLockEnabled() {
			var lock *cohclient.ConsoleLock
			con.Lock = func() error {
				var err error
				lock, err = cohclient.AcquireConsoleLock(host, port)
				return err
			}
			// Held for the process lifetime (§1.8); the reference keeps
			// the file open so the GC must not close it early.
			defer func() { lock.Release() }()
		}
	case "mock":
		mock, err := cohclient.NewMock(cohclient.MockConfig{Token: token, SeedGPU: o.mockSeedGPU})
		if err != nil {
			return err
		}
		defer mock.Close()
		con.Dial = mock.Dial
		con.Host, con.Port = "mock", 0
	case "qemu":
		return errors.New("the qemu transport is not supported by this cohsh; boot with 'make qemu' and use --transport tcp")
	}
	defer con.Close()

	var out io.Writer = stdout
	var term *terminal
	interactive := o.script == "" && isTerminal(stdin)
	if interactive {
		term, err = newTerminal(stdin, stdout)
		if err != nil {
			return err
		}
		defer term.restore()
		out = term
	}
	sh := cohclient.NewShell(con, out)
	sh.WriteLine("Welcome to Cohesix. Type 'help' for commands.")

	if o.script != "" {
		if o.role != "" {
			role, _ := vfs.ParseRole(o.role)
			if err := sh.Attach(role, o.ticket); err != nil {
				return err
			}
		} else {
			sh.WriteLine("detached shell: run 'attach <role>' to connect")
		}
		f, err := os.Open(o.script)
		if err != nil {
			return fmt.Errorf("failed to open script %q: %w", o.script, err)
		}
		defer f.Close()
		return sh.RunScript(f)
	}

	if o.role != "" {
		role, _ := vfs.ParseRole(o.role)
		if err := sh.Attach(role, o.ticket); err != nil {
			fmt.Fprintf(stderr, "[cohsh] TCP attach failed (attempt 1): %v\n", err)
			sh.WriteLine("detached shell: run 'attach <role>' to connect")
		} else if o.transport == "tcp" {
			if _, err := sh.Execute("log"); err != nil {
				sh.WriteLine("auto-log failed: " + err.Error())
			}
		}
	} else {
		sh.WriteLine("detached shell: run 'attach <role>' to connect")
	}
	if term != nil {
		return term.repl(sh)
	}
	return lineREPL(sh, stdin, stdout)
}

func mint(o *options, stdout io.Writer) error {
	role, ok := vfs.ParseRole(o.role)
	if !ok || strings.EqualFold(o.role, "worker") {
		return fmt.Errorf("unknown role '%s'", o.role)
	}
	if _, err := cohclient.MintClaims(role, o.ticketSubject, 0); err != nil {
		return err
	}
	secret := o.ticketSec
	if secret == "" {
		secret = strings.TrimSpace(os.Getenv("COHSH_TICKET_SECRET"))
	}
	if secret == "" {
		cfg := o.ticketConfig
		if cfg == "" {
			cfg = strings.TrimSpace(os.Getenv("COHSH_TICKET_CONFIG"))
		}
		if cfg == "" {
			cfg = "configs/root_task.toml"
		}
		s, err := cohclient.SecretFromConfig(cfg, role)
		if err != nil {
			return err
		}
		secret = s
	}
	t, err := cohclient.Mint(role, o.ticketSubject, secret, uint64(time.Now().UnixMilli()))
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, t)
	return nil
}
