package cohclient

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cohesix/cohesix/p9srv/vfs"
	"github.com/cohesix/cohesix/services/console/wire"
	"github.com/cohesix/cohesix/services/manifest"
)

// Stream is the byte stream under a console connection: a net.Conn, or the
// in-memory pipe of the mock transport.
type Stream interface {
	io.ReadWriteCloser
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
}

// Dialer opens a fresh stream to the console.
type Dialer func(timeout time.Duration) (Stream, error)

// TCPDialer dials host:port over TCP with TCP_NODELAY (Go's default).
func TCPDialer(host string, port int) Dialer {
	return func(timeout time.Duration) (Stream, error) {
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		c, err := net.DialTimeout("tcp", addr, timeout)
		if err != nil {
			return nil, fmt.Errorf("failed to connect to Cohesix TCP console at %s:%d: %w", host, port, err)
		}
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetNoDelay(true)
		}
		return c, nil
	}
}

// Policy is the manifest's client_policies (§1.9, §1.7).
type Policy struct {
	MaxAttempts int           // retries after the first try
	Backoff     time.Duration // first retry delay, doubled up to Ceiling
	Ceiling     time.Duration
	Timeout     time.Duration // socket read/write timeout
	Heartbeat   time.Duration // keepalive PING interval
}

// DefaultPolicy is the shipped manifest's policy.
func DefaultPolicy() Policy {
	m := manifest.ClientPolicy()
	return Policy{MaxAttempts: m.RetryMaxAttempts, Backoff: m.RetryBackoff, Ceiling: m.RetryCeiling,
		Timeout: m.RetryTimeout, Heartbeat: m.HeartbeatInterval}
}

func (p Policy) nextDelay(d time.Duration) time.Duration {
	if d*2 > p.Ceiling {
		return p.Ceiling
	}
	return d * 2
}

// streamWait bounds a reply to a stream or PING: timeout×(attempts+1)+heartbeat.
func (p Policy) streamWait() time.Duration {
	return p.Timeout*time.Duration(p.MaxAttempts+1) + p.Heartbeat
}

// maxPendingAcks bounds the acks kept for the shell to print.
const maxPendingAcks = 32

type readStatus uint8

const (
	readLine readStatus = iota
	readTimeout
	readClosed
)

// Console is one client of the TCP console: framing, AUTH, ATTACH, the
// verbs, and the reference client's retry and reconnect rules (§1.6, §1.9).
// It connects lazily, on the first command. It is not safe for concurrent use.
type Console struct {
	Host   string
	Port   int
	Token  string
	Policy Policy
	Dial   Dialer
	// Log receives the "[cohsh][tcp] ..." connection diagnostics (stderr).
	Log io.Writer
	// Lock, if set, is called once before the first connect (§1.8).
	Lock func() error
	// Sleep waits between retries; time.Sleep unless a test replaces it.
	Sleep func(time.Duration)
	// Debug logs every line sent and received (--tcp-debug, --verbose,
	// COHSH_TCP_DEBUG); the AUTH token is shown by length only.
	Debug bool

	locked        bool
	conn          Stream
	rx            []byte
	authenticated bool
	attached      bool
	cache         *attachCache
	pending       []string
	lastActivity  time.Time
	nextSession   uint64
	connects      int
	reconnects    int
}

type attachCache struct {
	role   vfs.Role
	ticket string
}

// NewConsole returns a console client for host:port over TCP with the default policy.
func NewConsole(host string, port int, token string) *Console {
	return &Console{Host: host, Port: port, Token: token, Policy: DefaultPolicy(), Dial: TCPDialer(host, port), Log: os.Stderr}
}

func (c *Console) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format+"\n", args...)
	}
}

func (c *Console) sleep(d time.Duration) {
	if c.Sleep != nil {
		c.Sleep(d)
		return
	}
	time.Sleep(d)
}

// Endpoint names the console for diagnostics.
func (c *Console) Endpoint() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// DrainAcks returns and forgets the acks received since the last drain, in
// arrival order, for the shell to print as "[console] <ack>".
func (c *Console) DrainAcks() []string {
	p := c.pending
	c.pending = nil
	return p
}

func (c *Console) recordAck(line string) bool {
	a, ok := wire.ParseAck(line)
	if !ok {
		return false
	}
	if len(c.pending) >= maxPendingAcks {
		c.pending = c.pending[1:]
	}
	c.pending = append(c.pending, a.String())
	return true
}

// Close drops the connection without a QUIT.
func (c *Console) Close() {
	c.reset()
}

func (c *Console) reset() {
	if c.conn != nil {
		c.conn.Close()
	}
	c.conn = nil
	c.rx = c.rx[:0]
	c.authenticated = false
	c.attached = false
}

func (c *Console) connect() error {
	delay := c.Policy.Backoff
	for attempt := 0; ; {
		s, err := c.Dial(c.Policy.Timeout)
		if err == nil {
			c.conn = s
			c.rx = c.rx[:0]
			c.authenticated = false
			c.lastActivity = time.Now()
			c.connects++
			c.logf("[cohsh][tcp] connected to %s:%d (connects=%d)", c.Host, c.Port, c.connects)
			return nil
		}
		if attempt >= c.Policy.MaxAttempts {
			return err
		}
		c.logf("[cohsh][tcp] connection lost: %v", err)
		attempt++
		c.logReconnect(attempt, delay)
		c.sleep(delay)
		delay = c.Policy.nextDelay(delay)
	}
}

func (c *Console) logReconnect(attempt int, delay time.Duration) {
	c.reconnects++
	c.logf("[cohsh][tcp] reconnect attempt #%d (delay=%dms, total_reconnects=%d)", attempt, delay.Milliseconds(), c.reconnects)
}

func (c *Console) writeLine(line string) error {
	if c.conn == nil {
		return errors.New("TCP transport not connected")
	}
	if c.Debug {
		shown := line
		if strings.HasPrefix(line, "AUTH ") {
			shown = fmt.Sprintf("AUTH <token len=%d>", len(line)-len("AUTH "))
		}
		c.logf("[cohsh][tcp] send frame len=%d: %s", wire.HeaderLen+len(line), shown)
	}
	c.conn.SetWriteDeadline(time.Now().Add(c.Policy.Timeout))
	_, err := c.conn.Write(wire.Frame(line))
	return err
}

// readLine reads one frame, waiting at most one socket timeout.
func (c *Console) readLine() (string, readStatus, error) {
	if c.conn == nil {
		return "", readClosed, nil
	}
	var buf [512]byte
	deadline := time.Now().Add(c.Policy.Timeout)
	for {
		payload, n, declared, ok, err := wire.Next(c.rx)
		if err != nil {
			c.reset()
			return "", readClosed, fmt.Errorf("invalid frame length %d", declared)
		}
		if ok {
			line := wire.TrimLine(payload)
			c.rx = append(c.rx[:0], c.rx[n:]...)
			if c.Debug {
				c.logf("[cohsh][tcp] recv frame len=%d: %s", n, line)
			}
			c.lastActivity = time.Now()
			return line, readLine, nil
		}
		c.conn.SetReadDeadline(deadline)
		m, rerr := c.conn.Read(buf[:])
		c.rx = append(c.rx, buf[:m]...)
		if m > 0 {
			c.lastActivity = time.Now()
		}
		if rerr != nil {
			var ne net.Error
			if errors.As(rerr, &ne) && ne.Timeout() || errors.Is(rerr, os.ErrDeadlineExceeded) {
				return "", readTimeout, nil
			}
			if m > 0 {
				continue
			}
			return "", readClosed, nil
		}
	}
}

func (c *Console) performAuth() error {
	if err := c.writeLine("AUTH " + c.Token); err != nil {
		return err
	}
	c.lastActivity = time.Now()
	timeouts := 0
	for {
		line, st, err := c.readLine()
		if err != nil {
			return err
		}
		switch st {
		case readLine:
			a, ok := wire.ParseAck(line)
			if !ok {
				continue
			}
			c.recordAck(line)
			if strings.EqualFold(a.Verb, "AUTH") {
				if !a.OK {
					return &authRejected{line: line}
				}
				if a.Detail == "" {
					c.authenticated = true
					return nil
				}
			}
		case readTimeout:
			timeouts++
			if timeouts > c.Policy.MaxAttempts {
				return errors.New("authentication timed out waiting for server response")
			}
		case readClosed:
			return errors.New("connection closed during authentication")
		}
	}
}

type authRejected struct{ line string }

func (e *authRejected) Error() string { return "authentication rejected: " + e.line }

// ensureAuthenticated connects and AUTHs if needed; connect and AUTH are
// retried with backoff except for an explicit ERR AUTH.
func (c *Console) ensureAuthenticated() error {
	if c.authenticated && c.conn != nil {
		return nil
	}
	if !c.locked && c.Lock != nil {
		if err := c.Lock(); err != nil {
			return err
		}
	}
	c.locked = true
	delay := c.Policy.Backoff
	for attempt := 0; ; {
		if err := c.connect(); err != nil {
			return err
		}
		err := c.performAuth()
		if err == nil {
			return nil
		}
		c.logf("[cohsh][tcp] connection lost: %v", err)
		c.reset()
		attempt++
		var rej *authRejected
		if errors.As(err, &rej) || attempt > c.Policy.MaxAttempts {
			return fmt.Errorf("authentication failed: %w", err)
		}
		c.logReconnect(attempt, delay)
		c.sleep(delay)
		delay = c.Policy.nextDelay(delay)
	}
}

func (c *Console) sendWithRetry(line string, attached bool) error {
	delay := c.Policy.Backoff
	for attempt := 0; ; {
		var err error
		if attached && c.cache != nil && !c.attached {
			err = c.recoverSession()
		} else {
			err = c.ensureAuthenticated()
		}
		if err != nil {
			return err
		}
		if err = c.writeLine(line); err == nil {
			return nil
		}
		c.logf("[cohsh][tcp] connection lost: %v", err)
		c.reset()
		attempt++
		if attempt > c.Policy.MaxAttempts {
			return fmt.Errorf("failed to send command after retries: %w", err)
		}
		c.logReconnect(attempt, delay)
		c.sleep(delay)
		delay = c.Policy.nextDelay(delay)
	}
}

// nextLine returns the next non-PONG line. ok=false means the connection
// dropped (EOF, or too many silent timeouts). With heartbeat, silence past
// the heartbeat interval sends a PING instead of counting timeouts.
// A zero deadline waits without a global bound.
func (c *Console) nextLine(deadline time.Time, heartbeat bool) (string, bool, error) {
	if c.conn == nil {
		if err := c.ensureAuthenticated(); err != nil {
			return "", false, err
		}
	}
	timeouts := 0
	for {
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			return "", false, errors.New("timeout waiting for console response")
		}
		line, st, err := c.readLine()
		if err != nil {
			return "", false, err
		}
		switch st {
		case readLine:
			if wire.IsPong(line) {
				continue
			}
			return line, true, nil
		case readClosed:
			return "", false, nil
		case readTimeout:
			if !deadline.IsZero() && !time.Now().Before(deadline) {
				return "", false, errors.New("timeout waiting for console response")
			}
			if len(c.rx) > 0 {
				continue
			}
			if heartbeat {
				if time.Since(c.lastActivity) >= c.Policy.Heartbeat {
					l, ok, err := c.heartbeat()
					if err != nil || !ok || l != "" {
						return l, ok, err
					}
				}
				continue
			}
			timeouts++
			if timeouts > c.Policy.MaxAttempts {
				return "", false, nil
			}
		}
	}
}

// heartbeat sends PING and waits for PONG; a different line is handed back.
func (c *Console) heartbeat() (string, bool, error) {
	if err := c.sendWithRetry("PING", false); err != nil {
		return "", false, err
	}
	timeouts := 0
	for {
		line, st, err := c.readLine()
		if err != nil {
			return "", false, err
		}
		switch st {
		case readLine:
			if wire.IsPong(line) {
				return "", true, nil
			}
			return line, true, nil
		case readTimeout:
			timeouts++
			if timeouts > c.Policy.MaxAttempts {
				return "", false, nil
			}
		default:
			return "", false, nil
		}
	}
}

func attachLine(role vfs.Role, ticket string) string {
	// The reference sends a trailing space when there is no ticket (§2.5).
	return "ATTACH " + role.String() + " " + ticket
}

// recoverSession reconnects, re-AUTHs and re-sends the cached ATTACH.
func (c *Console) recoverSession() error {
	if c.cache == nil {
		return errors.New("TCP session dropped before any attach succeeded")
	}
	c.reset()
	c.logf("[cohsh][tcp] connection lost: connection closed by peer")
	line := attachLine(c.cache.role, c.cache.ticket)
	delay := c.Policy.Backoff
	for attempt := 0; ; {
		if err := c.sendWithRetry(line, false); err != nil {
			return err
		}
		resp, ok, err := c.nextLine(time.Time{}, true)
		if err != nil {
			return err
		}
		if ok {
			c.recordAck(resp)
			if strings.HasPrefix(resp, "OK") {
				c.attached = true
				return nil
			}
			return fmt.Errorf("re-attach failed: %s", resp)
		}
		attempt++
		if attempt > c.Policy.MaxAttempts {
			return errors.New("unable to re-establish TCP session")
		}
		c.reset()
		c.logReconnect(attempt, delay)
		c.sleep(delay)
		delay = c.Policy.nextDelay(delay)
	}
}

// Attach sends ATTACH after the client-side ticket checks of §3.5 and
// returns the new session number. ticket may be empty.
func (c *Console) Attach(role vfs.Role, ticket string) (uint64, error) {
	t, err := CheckTicket(role, ticket)
	if err != nil {
		return 0, err
	}
	line := attachLine(role, t)
	delay := c.Policy.Backoff
	for attempts := 0; ; {
		if err := c.sendWithRetry(line, false); err != nil {
			return 0, err
		}
		for {
			resp, ok, err := c.nextLine(time.Time{}, true)
			if err != nil {
				return 0, err
			}
			if !ok {
				attempts++
				if attempts > c.Policy.MaxAttempts {
					return 0, errors.New("unable to receive attach acknowledgement")
				}
				c.logf("[cohsh][tcp] connection lost: connection closed before attach acknowledgement")
				c.reset()
				c.logReconnect(attempts, delay)
				c.sleep(delay)
				delay = c.Policy.nextDelay(delay)
				break
			}
			a, isAck := wire.ParseAck(resp)
			if !isAck {
				return 0, fmt.Errorf("remote attach failed: %s", resp)
			}
			c.recordAck(resp)
			if strings.EqualFold(a.Verb, "AUTH") && !a.OK {
				return 0, fmt.Errorf("authentication failed: %s", resp)
			}
			if !strings.EqualFold(a.Verb, "ATTACH") {
				continue
			}
			if !a.OK {
				return 0, fmt.Errorf("remote attach failed: %s", resp)
			}
			if c.nextSession == 0 {
				c.nextSession = 2 // the reference's TCP transport numbers from 2
			}
			id := c.nextSession
			c.nextSession++
			c.cache = &attachCache{role: role, ticket: t}
			c.attached = true
			c.logf("[cohsh][tcp] remote NineDoor ready as role %s", RoleDebugName(role))
			return id, nil
		}
	}
}

// Ping sends PING and returns "pong" on OK PING, "err" on ERR PING.
func (c *Console) Ping() (string, error) {
	deadline := time.Now().Add(c.Policy.streamWait())
	for attempts := 0; ; {
		if err := c.sendWithRetry("PING", false); err != nil {
			return "", err
		}
		for {
			resp, ok, err := c.nextLine(deadline, false)
			if err != nil || !ok {
				attempts++
				if attempts > c.Policy.MaxAttempts {
					if err != nil {
						return "", fmt.Errorf("ping timed out: %w", err)
					}
					return "", errors.New("connection dropped repeatedly while awaiting PING")
				}
				if rerr := c.recoverSession(); rerr != nil {
					return "", rerr
				}
				break
			}
			if c.recordAck(resp) {
				if strings.HasPrefix(resp, "OK PING") {
					return "pong", nil
				}
				if strings.HasPrefix(resp, "ERR PING") {
					return "err", nil
				}
			}
		}
	}
}

// Stream runs TAIL, CAT or LS and returns the data lines. A CAT stream with
// no data lines yields its data= summary as the only line (§2.4). Acks of
// other verbs are ignored, except ERR FRAME, which fails the stream.
func (c *Console) Stream(verb, path string) ([]string, error) {
	cmd := verb + " " + path
	var lines []string
	summary, haveSummary := "", false
	for attempts := 0; ; {
		if err := c.sendWithRetry(cmd, true); err != nil {
			return nil, err
		}
		lines = lines[:0]
		for {
			resp, ok, err := c.nextLine(time.Now().Add(c.Policy.streamWait()), false)
			if err != nil {
				return nil, fmt.Errorf("timeout waiting for %s response on %s: %w", verb, path, err)
			}
			if !ok {
				attempts++
				if attempts > c.Policy.MaxAttempts {
					return nil, fmt.Errorf("connection dropped repeatedly while running %s %s", verb, path)
				}
				if err := c.recoverSession(); err != nil {
					return nil, err
				}
				break
			}
			if a, isAck := wire.ParseAck(resp); isAck {
				if !a.OK && strings.EqualFold(a.Verb, "FRAME") {
					return nil, fmt.Errorf("console frame rejected: %s", resp)
				}
				if strings.EqualFold(a.Verb, verb) {
					c.recordAck(resp)
					if !a.OK {
						return nil, fmt.Errorf("%s failed: %s", verb, resp)
					}
					if verb == "CAT" && !haveSummary {
						if i := strings.Index(a.Detail, "data="); i >= 0 {
							if s := strings.TrimSpace(a.Detail[i+len("data="):]); s != "" {
								summary, haveSummary = s, true
							}
						}
					}
				}
				continue
			}
			if resp == "END" {
				if len(lines) == 0 && haveSummary {
					lines = append(lines, summary)
				}
				return lines, nil
			}
			lines = append(lines, resp)
		}
	}
}

func echoCommand(path, payload string) (string, error) {
	p := strings.TrimSuffix(payload, "\n")
	if strings.ContainsAny(p, "\r\n") {
		return "", errors.New("echo payload must be a single line")
	}
	if p == "" {
		return "ECHO " + path, nil
	}
	return "ECHO " + path + " " + p, nil
}

// Echo appends payload (one line, trailing newline dropped) to path.
func (c *Console) Echo(path, payload string) error {
	_, err := c.EchoBatch(path, []string{payload})
	return err
}

// EchoBatch pipelines one ECHO per payload and waits for every OK ECHO;
// on reconnect the unacknowledged ones are re-sent.
func (c *Console) EchoBatch(path string, payloads []string) (int, error) {
	cmds := make([]string, len(payloads))
	for i, p := range payloads {
		cmd, err := echoCommand(path, p)
		if err != nil {
			return 0, err
		}
		cmds[i] = cmd
	}
	sent, acked := 0, 0
	for attempts := 0; acked < len(cmds); {
		for ; sent < len(cmds); sent++ {
			if err := c.sendWithRetry(cmds[sent], true); err != nil {
				return acked, err
			}
		}
		for acked < len(cmds) {
			resp, ok, err := c.nextLine(time.Time{}, true)
			if err != nil {
				return acked, err
			}
			if !ok {
				attempts++
				if attempts > c.Policy.MaxAttempts {
					return acked, fmt.Errorf("connection dropped repeatedly while writing to %s", path)
				}
				if err := c.recoverSession(); err != nil {
					return acked, err
				}
				sent = acked
				break
			}
			if a, isAck := wire.ParseAck(resp); isAck {
				c.recordAck(resp)
				switch {
				case !a.OK && (strings.EqualFold(a.Verb, "FRAME") || strings.EqualFold(a.Verb, "PARSE")):
					return acked, fmt.Errorf("echo failed: %s", resp)
				case strings.EqualFold(a.Verb, "ECHO"):
					if !a.OK {
						return acked, fmt.Errorf("echo failed: %s", resp)
					}
					acked++
				}
				continue
			}
			if strings.HasPrefix(resp, "ERR") {
				return acked, fmt.Errorf("echo failed: %s", resp)
			}
		}
	}
	return acked, nil
}

// Quit sends quit, waits for OK QUIT or EOF, and forgets the session; the
// next command reconnects and re-AUTHs.
func (c *Console) Quit() error {
	defer func() {
		c.cache = nil
		c.reset()
	}()
	if err := c.sendWithRetry("quit", false); err != nil {
		return err
	}
	for timeouts := 0; ; {
		line, st, err := c.readLine()
		if err != nil {
			return err
		}
		switch st {
		case readLine:
			if a, ok := wire.ParseAck(line); ok {
				c.recordAck(line)
				if strings.EqualFold(a.Verb, "QUIT") {
					if !a.OK {
						return fmt.Errorf("quit rejected: %s", line)
					}
					return nil
				}
			}
		case readTimeout:
			timeouts++
			if timeouts > c.Policy.MaxAttempts {
				return nil
			}
		default:
			return nil
		}
	}
}

// Attached reports whether a session is cached (it survives reconnects).
func (c *Console) Attached() bool { return c.cache != nil }

// IdleFor is how long the connection has been silent.
func (c *Console) IdleFor() time.Duration {
	if c.conn == nil {
		return 0
	}
	return time.Since(c.lastActivity)
}
