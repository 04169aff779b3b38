package cohclient

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// MsizeSentinel in an echo text makes cohsh send an oversize payload, to
// prove the server's frame bound (§2.7, selftest_negative.coh).
const MsizeSentinel = "{{msize_overflow}}"

// Msize is the Secure9P msize the oversize payload is sized against.
const Msize = 8192

// MsizeOverflowPayload is a syntactically plausible GPU spawn whose length
// (msize + 64 bytes, newline included) no console frame or 9P message can carry.
func MsizeOverflowPayload() string {
	const base = `{"spawn":"gpu","lease":{"gpu_id":"`
	const suffix = `","mem_mb":1,"streams":1,"ttl_s":1,"priority":1}}` + "\n"
	n := Msize + 64 - len(base) - len(suffix)
	if n < 1 {
		n = 1
	}
	return base + strings.Repeat("X", n) + suffix
}

// EnsureJSONString checks that value can be spliced into a JSON string
// literal unescaped: non-empty, no '"', '\' or control characters.
func EnsureJSONString(value, label string) error {
	if value == "" {
		return fmt.Errorf("%s must not be empty", label)
	}
	for _, r := range value {
		if r == '"' || r == '\\' || unicode.IsControl(r) {
			return fmt.Errorf("%s contains unsupported character", label)
		}
	}
	return nil
}

// NormalisePayload turns echo text into the payload cohsh writes: trimmed,
// one enclosing pair of double or single quotes removed, a single line,
// non-empty, newline-terminated.
func NormalisePayload(input string) (string, error) {
	t := strings.TrimSpace(input)
	if t == "" {
		return "", errors.New("payload must not be empty")
	}
	if len(t) >= 2 && (t[0] == '"' && t[len(t)-1] == '"' || t[0] == '\'' && t[len(t)-1] == '\'') {
		t = t[1 : len(t)-1]
	}
	if strings.ContainsAny(t, "\r\n\x00") {
		return "", errors.New("payload must be a single line of text")
	}
	return t + "\n", nil
}

// EchoPayload is NormalisePayload with the MsizeSentinel expansion.
func EchoPayload(raw string) (string, error) {
	if strings.Contains(raw, MsizeSentinel) {
		return MsizeOverflowPayload(), nil
	}
	return NormalisePayload(raw)
}

// SplitEcho splits the arguments of "echo <text> > <path>" at the first '>'.
func SplitEcho(args string) (text, path string, err error) {
	text, path, ok := strings.Cut(args, ">")
	if !ok {
		return "", "", errors.New("echo requires syntax: echo <text> > <path>")
	}
	return text, strings.TrimSpace(path), nil
}

// KillJSON is {"kill":"<id>"}.
func KillJSON(workerID string) (string, error) {
	if err := EnsureJSONString(workerID, "worker id"); err != nil {
		return "", err
	}
	return `{"kill":"` + workerID + `"}`, nil
}

// BindJSON is {"bind":{"from":"<src>","to":"<dst>"}}, both paths checked.
func BindJSON(src, dst string) (string, error) {
	if err := CheckPath(src); err != nil {
		return "", err
	}
	if err := CheckPath(dst); err != nil {
		return "", err
	}
	if err := EnsureJSONString(src, "bind source"); err != nil {
		return "", err
	}
	if err := EnsureJSONString(dst, "bind target"); err != nil {
		return "", err
	}
	return `{"bind":{"from":"` + src + `","to":"` + dst + `"}}`, nil
}

// MountJSON is {"mount":{"service":"<svc>","at":"<path>"}}.
func MountJSON(service, at string) (string, error) {
	if err := CheckPath(at); err != nil {
		return "", err
	}
	if err := EnsureJSONString(service, "service name"); err != nil {
		return "", err
	}
	if err := EnsureJSONString(at, "mount path"); err != nil {
		return "", err
	}
	return `{"mount":{"service":"` + service + `","at":"` + at + `"}}`, nil
}

// BudgetJSON is {"budget":{["ttl_s":n][,"ops":n]}}, the default budget for
// later spawns (9P server only).
func BudgetJSON(ttlS, ops *uint64) (string, error) {
	if ttlS == nil && ops == nil {
		return "", errors.New("budget requires ttl_s or ops")
	}
	return `{"budget":` + budgetObject(ttlS, ops) + `}`, nil
}

func budgetObject(ttlS, ops *uint64) string {
	var b strings.Builder
	b.WriteByte('{')
	if ttlS != nil {
		fmt.Fprintf(&b, `"ttl_s":%d`, *ttlS)
	}
	if ops != nil {
		if ttlS != nil {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"ops":%d`, *ops)
	}
	b.WriteByte('}')
	return b.String()
}

// kvArgs parses key=value options: keys lower-cased, no duplicates.
type kvArgs map[string]string

func parseKV(args []string) (kvArgs, error) {
	kv := kvArgs{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("invalid option '%s': expected key=value", a)
		}
		k = strings.ToLower(k)
		if _, dup := kv[k]; dup {
			return nil, fmt.Errorf("duplicate option '%s'", a)
		}
		kv[k] = v
	}
	return kv, nil
}

func (kv kvArgs) take(key string) (string, bool) {
	v, ok := kv[key]
	delete(kv, key)
	return v, ok
}

func (kv kvArgs) required(key string) (string, error) {
	v, ok := kv.take(key)
	if !ok {
		return "", fmt.Errorf("missing required option '%s'", key)
	}
	return v, nil
}

func (kv kvArgs) leftover() error {
	if len(kv) == 0 {
		return nil
	}
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return fmt.Errorf("unknown spawn options: %s", strings.Join(keys, ", "))
}

func parseUint(value, label string, bits int) (uint64, error) {
	n, err := strconv.ParseUint(value, 10, bits)
	if err != nil {
		return 0, fmt.Errorf("invalid %s '%s': %v", label, value, numErr(err))
	}
	return n, nil
}

func numErr(err error) string {
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		if ne.Err == strconv.ErrRange {
			return "number too large to fit in target type"
		}
		return "invalid digit found in string"
	}
	return err.Error()
}

func (kv kvArgs) requiredUint(key string, bits int) (uint64, error) {
	v, err := kv.required(key)
	if err != nil {
		return 0, err
	}
	return parseUint(v, key, bits)
}

func (kv kvArgs) optionalUint(key string, bits int) (*uint64, error) {
	v, ok := kv.take(key)
	if !ok {
		return nil, nil
	}
	n, err := parseUint(v, key, bits)
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// SpawnJSON builds the /queen/ctl spawn command for "spawn <role> k=v..."
// (§5.1), keys in the spec's exact order.
func SpawnJSON(role string, args []string) (string, error) {
	kv, err := parseKV(args)
	if err != nil {
		return "", err
	}
	switch strings.ToLower(role) {
	case "heartbeat", "worker", "worker-heartbeat":
		ticks, err := kv.requiredUint("ticks", 64)
		if err != nil {
			return "", err
		}
		ttl, err := kv.optionalUint("ttl_s", 64)
		if err != nil {
			return "", err
		}
		ops, err := kv.optionalUint("ops", 64)
		if err != nil {
			return "", err
		}
		if err := kv.leftover(); err != nil {
			return "", err
		}
		s := fmt.Sprintf(`{"spawn":"heartbeat","ticks":%d`, ticks)
		if ttl != nil || ops != nil {
			s += `,"budget":` + budgetObject(ttl, ops)
		}
		return s + "}", nil
	case "gpu", "worker-gpu":
		gpuID, err := kv.required("gpu_id")
		if err != nil {
			return "", err
		}
		if err := EnsureJSONString(gpuID, "gpu_id"); err != nil {
			return "", err
		}
		mem, err := kv.requiredUint("mem_mb", 32)
		if err != nil {
			return "", err
		}
		streams, err := kv.requiredUint("streams", 8)
		if err != nil {
			return "", err
		}
		ttl, err := kv.requiredUint("ttl_s", 32)
		if err != nil {
			return "", err
		}
		prio, err := kv.optionalUint("priority", 8)
		if err != nil {
			return "", err
		}
		bTTL, err := kv.optionalUint("budget_ttl_s", 64)
		if err != nil {
			return "", err
		}
		bOps, err := kv.optionalUint("budget_ops", 64)
		if err != nil {
			return "", err
		}
		if err := kv.leftover(); err != nil {
			return "", err
		}
		s := fmt.Sprintf(`{"spawn":"gpu","lease":{"gpu_id":"%s","mem_mb":%d,"streams":%d,"ttl_s":%d`, gpuID, mem, streams, ttl)
		if prio != nil {
			s += fmt.Sprintf(`,"priority":%d`, *prio)
		}
		s += "}"
		if bTTL != nil || bOps != nil {
			s += `,"budget":` + budgetObject(bTTL, bOps)
		}
		return s + "}", nil
	}
	return "", fmt.Errorf("unknown spawn role '%s'", role)
}
