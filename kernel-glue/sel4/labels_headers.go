package sel4

import (
	"bufio"
	"fmt"
	"reflect"
	"strings"
)

// LabelsFromHeaders derives the label set from the generated libsel4 headers
// of a build (include/sel4/invocation.h, sel4_arch/invocation.h,
// arch/invocation.h, in that order) the way the C preprocessor would with the
// CONFIG_ symbols in defined. It lets a build check that the label set it
// compiled in matches the kernel it boots (§0: always read the labels from
// the headers of the kernel you run).
func LabelsFromHeaders(headers []string, defined map[string]bool) (Labels, error) {
	values := map[string]Word{}
	for i, h := range headers {
		if err := parseEnum(h, defined, values); err != nil {
			return Labels{}, fmt.Errorf("invocation header %d: %w", i, err)
		}
	}
	var l Labels
	v := reflect.ValueOf(&l).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Type.Kind() != reflect.Uint64 {
			continue
		}
		n, ok := values[f.Name]
		if !ok {
			return Labels{}, fmt.Errorf("invocation headers define no %s", f.Name)
		}
		v.Field(i).SetUint(n)
	}
	l.Name = "headers"
	return l, nil
}

// parseEnum reads the enumerators of a generated invocation header into
// values, keyed by name without underscores. It handles what the generator
// emits: one enumerator a line, "A = B" to continue a previous enum, and
// #if conditions of defined(), !defined(), && and || with parentheses.
func parseEnum(src string, defined map[string]bool, values map[string]Word) error {
	var stack []bool // live state of each open #if
	live := func() bool {
		for _, s := range stack {
			if !s {
				return false
			}
		}
		return true
	}
	inEnum := false
	var next Word
	sc := bufio.NewScanner(strings.NewReader(src))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#if"):
			cond := strings.TrimSpace(strings.TrimPrefix(line, "#if"))
			ok, err := evalCond(cond, defined)
			if err != nil {
				return err
			}
			stack = append(stack, ok)
			continue
		case strings.HasPrefix(line, "#endif"):
			if len(stack) == 0 {
				return fmt.Errorf("unbalanced #endif")
			}
			stack = stack[:len(stack)-1]
			continue
		case strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "enum "):
			inEnum, next = true, 0
			continue
		case strings.HasPrefix(line, "}"):
			inEnum = false
			continue
		}
		if !inEnum || !live() || line == "" || strings.HasPrefix(line, "/*") || strings.HasPrefix(line, "*") {
			continue
		}
		line = strings.TrimSuffix(line, ",")
		name, rhs, hasValue := strings.Cut(line, "=")
		name = strings.TrimSpace(name)
		if hasValue {
			v, ok := values[key(strings.TrimSpace(rhs))]
			if !ok {
				return fmt.Errorf("%s = %s: unknown value", name, rhs)
			}
			next = v
		}
		values[key(name)] = next
		next++
	}
	if len(stack) != 0 {
		return fmt.Errorf("unterminated #if")
	}
	return sc.Err()
}

func key(name string) string { return strings.ReplaceAll(name, "_", "") }

// evalCond evaluates a preprocessor condition built from defined(X),
// !defined(X), &&, || and parentheses.
func evalCond(s string, defined map[string]bool) (bool, error) {
	p := &condParser{s: strings.ReplaceAll(s, " ", ""), defined: defined}
	v, err := p.or()
	if err == nil && p.s != "" {
		err = fmt.Errorf("trailing %q", p.s)
	}
	if err != nil {
		return false, fmt.Errorf("#if %s: %w", s, err)
	}
	return v, nil
}

type condParser struct {
	s       string
	defined map[string]bool
}

func (p *condParser) or() (bool, error) {
	v, err := p.and()
	for err == nil && strings.HasPrefix(p.s, "||") {
		p.s = p.s[2:]
		var w bool
		w, err = p.and()
		v = v || w
	}
	return v, err
}

func (p *condParser) and() (bool, error) {
	v, err := p.unary()
	for err == nil && strings.HasPrefix(p.s, "&&") {
		p.s = p.s[2:]
		var w bool
		w, err = p.unary()
		v = v && w
	}
	return v, err
}

func (p *condParser) unary() (bool, error) {
	switch {
	case strings.HasPrefix(p.s, "!"):
		p.s = p.s[1:]
		v, err := p.unary()
		return !v, err
	case strings.HasPrefix(p.s, "("):
		p.s = p.s[1:]
		v, err := p.or()
		if err != nil {
			return false, err
		}
		if !strings.HasPrefix(p.s, ")") {
			return false, fmt.Errorf("missing )")
		}
		p.s = p.s[1:]
		return v, nil
	case strings.HasPrefix(p.s, "defined("):
		name, rest, ok := strings.Cut(p.s[len("defined("):], ")")
		if !ok {
			return false, fmt.Errorf("missing ) after defined")
		}
		p.s = rest
		return p.defined[name], nil
	}
	return false, fmt.Errorf("unexpected %q", p.s)
}

// InvocationHeaders are the generated libsel4 headers, relative to a build
// directory, that LabelsFromHeaders reads.
var InvocationHeaders = []string{
	"libsel4/include/sel4/invocation.h",
	"libsel4/sel4_arch_include/aarch64/sel4/sel4_arch/invocation.h",
	"libsel4/arch_include/arm/sel4/arch/invocation.h",
}

// LabelsFromBuild reads InvocationHeaders under dir. read is os.ReadFile on
// the host; it is a parameter so the package stays free of file I/O.
func LabelsFromBuild(dir string, read func(string) ([]byte, error)) (Labels, error) {
	if read == nil {
		return Labels{}, fmt.Errorf("LabelsFromBuild: no reader")
	}
	var hs []string
	for _, p := range InvocationHeaders {
		b, err := read(dir + "/" + p)
		if err != nil {
			return Labels{}, err
		}
		hs = append(hs, string(b))
	}
	return LabelsFromHeaders(hs, nil)
}
