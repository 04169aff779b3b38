package console

import (
	"strconv"
	"strings"
	"unicode"
)

// Argument limits of CONSOLE_PROTOCOL.md §2.1, in bytes.
const (
	maxRole    = 16
	maxTicket  = 224
	maxPath    = 96
	maxPayload = 128 // ECHO payload
	maxJSON    = 192 // SPAWN payload
	maxWorker  = 32
)

// verb is a console request verb.
type verb uint8

const (
	verbHelp verb = iota
	verbBootInfo
	verbCaps
	verbMem
	verbPing
	verbTest
	verbNetTest
	verbNetStats
	verbLog
	verbCacheLog
	verbQuit
	verbTail
	verbCat
	verbLs
	verbEcho
	verbAttach
	verbSpawn
	verbKill
	numVerbs
)

// verbTokens are the request tokens, matched ASCII case-insensitively, and
// verbAcks the upper-case labels their acks carry.
var (
	verbTokens = [numVerbs]string{"help", "bi", "caps", "mem", "ping", "test", "nettest", "netstats", "log", "cachelog", "quit", "tail", "cat", "ls", "echo", "attach", "spawn", "kill"}
	verbAcks   = [numVerbs]string{"HELP", "BOOTINFO", "CAPS", "MEM", "PING", "TEST", "NETTEST", "NETSTATS", "LOG", "CACHELOG", "QUIT", "TAIL", "CAT", "LS", "ECHO", "ATTACH", "SPAWN", "KILL"}
)

func (v verb) ack() string { return verbAcks[v] }

// command is one parsed request line.
type command struct {
	verb verb
	// arg is the role (ATTACH), path (TAIL/CAT/LS/ECHO), JSON (SPAWN) or
	// worker id (KILL).
	arg string
	// rest is the ticket (ATTACH, may be empty) or the payload (ECHO).
	rest string
	// count is the CACHELOG line count, -1 when absent.
	count int
}

// parseError is the detail of an `ERR PARSE reason=policy detail=<msg>` line.
type parseError string

const (
	errEmpty       parseError = "empty command"
	errUnsupported parseError = "unsupported console command"
	errLineTooLong parseError = "console line exceeded maximum length"
)

func missing(arg string) parseError  { return parseError("missing required argument: " + arg) }
func tooLong(arg string) parseError  { return parseError("argument " + arg + " exceeds allowed length") }
func badValue(arg string) parseError { return parseError("invalid value for argument " + arg) }

// parseLine parses one console line per §2.1: trimmed, the verb up to the
// first whitespace matched case-insensitively, the trimmed rest its
// arguments. It does no I/O and allocates only the substrings it returns.
func parseLine(line string) (command, parseError) {
	line = strings.TrimSpace(line)
	if line == "" {
		return command{}, errEmpty
	}
	tok, rest := splitWord(line)
	rest = strings.TrimSpace(rest)
	v, ok := lookupVerb(tok)
	if !ok {
		return command{}, errUnsupported
	}
	cmd := command{verb: v, count: -1}
	switch v {
	case verbTest:
		if rest != "" {
			return command{}, badValue("test")
		}
	case verbCacheLog:
		if rest != "" {
			first, _ := splitWord(rest)
			n, err := strconv.ParseUint(first, 10, 16)
			if err != nil {
				return command{}, badValue("count")
			}
			cmd.count = int(n)
		}
	case verbTail, verbCat, verbLs:
		if rest == "" {
			return command{}, missing("path")
		}
		cmd.arg, _ = splitWord(rest)
		if len(cmd.arg) > maxPath {
			return command{}, tooLong("path")
		}
	case verbEcho:
		if rest == "" {
			return command{}, missing("path")
		}
		path, payload := splitWord(rest)
		payload = strings.TrimLeftFunc(payload, unicode.IsSpace)
		if payload == "" {
			return command{}, missing("payload")
		}
		if len(path) > maxPath {
			return command{}, tooLong("path")
		}
		if len(payload) > maxPayload {
			return command{}, tooLong("payload")
		}
		cmd.arg, cmd.rest = path, payload
	case verbAttach:
		if rest == "" {
			return command{}, missing("role")
		}
		role, ticket := splitWord(rest)
		if len(role) > maxRole {
			return command{}, tooLong("role")
		}
		// The reference keeps the ticket untrimmed (two spaces make it
		// undecodable); §2.1 asks Go servers to trim.
		ticket = strings.TrimSpace(ticket)
		if len(ticket) > maxTicket {
			return command{}, tooLong("ticket")
		}
		cmd.arg, cmd.rest = role, ticket
	case verbSpawn:
		if rest == "" {
			return command{}, missing("payload")
		}
		if len(rest) > maxJSON {
			return command{}, tooLong("payload")
		}
		cmd.arg = rest
	case verbKill:
		if rest == "" {
			return command{}, missing("worker")
		}
		cmd.arg, _ = splitWord(rest)
		if len(cmd.arg) > maxWorker {
			return command{}, tooLong("worker")
		}
	}
	return cmd, ""
}

// splitWord splits s at its first whitespace rune; rest starts with that
// rune (or is empty).
func splitWord(s string) (word, rest string) {
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

func lookupVerb(tok string) (verb, bool) {
	for v, t := range verbTokens {
		if strings.EqualFold(tok, t) && isASCII(tok) {
			return verb(v), true
		}
	}
	return 0, false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
