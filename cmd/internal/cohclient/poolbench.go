package cohclient

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PoolBench is "pool bench path=<p> ops=<n> [batch=<n>] [payload=<prefix>]
// [payload_bytes=<n>] [delay_ms=<n>] [kind=control|telemetry]". The TCP
// console carries one session, so the "pooled" pass is the same session
// with batch ECHOs pipelined before their acks are read; readback is by
// acknowledgement (CAT is skipped), as the reference does over TCP.
type PoolBench struct {
	Path         string
	Ops, Batch   int
	Prefix       string
	PayloadBytes int // 0 = no padding
	Delay        time.Duration
	Kind         string
}

// ParsePoolBench parses the options of "pool bench".
func ParsePoolBench(args []string) (PoolBench, error) {
	kv := kvArgs{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" || v == "" {
			return PoolBench{}, fmt.Errorf("invalid option '%s': expected key=value", a)
		}
		k = strings.ToLower(k)
		if _, dup := kv[k]; dup {
			return PoolBench{}, fmt.Errorf("duplicate option '%s'", a)
		}
		kv[k] = v
	}
	b := PoolBench{Batch: 1, Prefix: "pool", Kind: "Telemetry"}
	var err error
	num := func(key string, dst *int, required bool) {
		if err != nil {
			return
		}
		v, ok := kv.take(key)
		if !ok {
			if required {
				err = fmt.Errorf("missing required option '%s'", key)
			}
			return
		}
		n, perr := strconv.ParseUint(v, 10, 31)
		if perr != nil {
			err = fmt.Errorf("invalid %s '%s': %s", key, v, numErr(perr))
			return
		}
		*dst = int(n)
	}
	p, ok := kv.take("path")
	if !ok {
		return b, errors.New("missing required option 'path'")
	}
	b.Path = p
	num("ops", &b.Ops, true)
	num("batch", &b.Batch, false)
	num("payload_bytes", &b.PayloadBytes, false)
	delay := 0
	num("delay_ms", &delay, false)
	b.Delay = time.Duration(delay) * time.Millisecond
	if err != nil {
		return b, err
	}
	if v, ok := kv.take("payload"); ok {
		b.Prefix = v
	}
	if v, ok := kv.take("kind"); ok {
		switch strings.ToLower(v) {
		case "control":
			b.Kind = "Control"
		case "telemetry":
			b.Kind = "Telemetry"
		default:
			return b, fmt.Errorf("invalid pool kind '%s': expected control|telemetry", v)
		}
	}
	for _, k := range []string{"inject_failures", "inject_bytes", "exhaust"} {
		if _, ok := kv.take(k); ok {
			return b, fmt.Errorf("pool bench option '%s' needs a session pool, which the TCP console does not offer", k)
		}
	}
	for k := range kv {
		return b, fmt.Errorf("unknown pool bench option '%s'", k)
	}
	switch {
	case b.Ops == 0:
		return b, errors.New("pool bench ops must be >= 1")
	case b.Batch == 0:
		return b, errors.New("pool bench batch must be >= 1")
	}
	return b, CheckPath(b.Path)
}

// maxPayload is the longest ECHO payload for path over the console.
func (b PoolBench) maxPayload() int {
	n := 256 - len("ECHO ") - len(b.Path) - 1
	return min(n, 128)
}

func (b PoolBench) payload(i int) (string, error) {
	p := b.Prefix + strconv.Itoa(i)
	max := b.maxPayload()
	if len(p) > max {
		return "", fmt.Errorf("payload length %d exceeds max payload %d", len(p), max)
	}
	if t := b.PayloadBytes; t > 0 {
		if t < len(p) {
			return "", fmt.Errorf("payload_bytes %d must be >= base length %d", t, len(p))
		}
		if t > max {
			return "", fmt.Errorf("payload_bytes %d exceeds max payload %d", t, max)
		}
		p += strings.Repeat("x", t-len(p))
	}
	return p + "\n", nil
}

func (s *Shell) poolBench(args []string) error {
	b, err := ParsePoolBench(args)
	if err != nil {
		return err
	}
	if s.session == nil {
		return errors.New("attach to a session before running pool bench")
	}
	payloads := make([]string, b.Ops)
	for i := range payloads {
		if payloads[i], err = b.payload(i); err != nil {
			return err
		}
	}
	failures, observed := 0, 0
	run := func(batch int) (time.Duration, error) {
		start := s.now()
		for i := 0; i < len(payloads); i += batch {
			end := min(i+batch, len(payloads))
			n, err := s.Con.EchoBatch(b.Path, payloads[i:end])
			observed += n
			s.Con.DrainAcks()
			if err != nil {
				failures += end - i - n
				return s.now().Sub(start), err
			}
			if b.Delay > 0 {
				s.sleep(b.Delay)
			}
		}
		return s.now().Sub(start), nil
	}
	rate := func(d time.Duration) int64 {
		if d.Microseconds() == 0 {
			return 0
		}
		return int64(b.Ops) * 1e6 / d.Microseconds()
	}
	base, berr := run(1)
	var pooled time.Duration
	var perr error
	if berr == nil {
		pooled, perr = run(b.Batch)
	}
	ok := berr == nil && perr == nil && failures == 0 && observed == 2*b.Ops
	s.WriteLine(fmt.Sprintf("pool bench limits msize=%d max_payload=%d batch=%d kind=%s", Msize, b.maxPayload(), b.Batch, b.Kind))
	s.WriteLine(fmt.Sprintf("pool bench baseline ops=%d elapsed_ms=%d ops_per_s=%d", b.Ops, base.Milliseconds(), rate(base)))
	s.WriteLine(fmt.Sprintf("pool bench pooled ops=%d elapsed_ms=%d ops_per_s=%d", b.Ops, pooled.Milliseconds(), rate(pooled)))
	verdict := "OK"
	if !ok {
		verdict = "ERR"
	}
	s.WriteLine(fmt.Sprintf("pool bench result %s retries=0 pool_exhausted=0 failures=%d expected=%d observed=%d", verdict, failures, 2*b.Ops, observed))
	if !ok {
		if berr != nil {
			return fmt.Errorf("pool bench failed: %w", berr)
		}
		if perr != nil {
			return fmt.Errorf("pool bench failed: %w", perr)
		}
		return errors.New("pool bench failed")
	}
	return nil
}
