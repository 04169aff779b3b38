package cohclient

import (
	"errors"
	"fmt"
	"strings"
)

// MaxPathComponents is the walk depth cohsh allows (secure9p.walk_depth).
const MaxPathComponents = 8

// Well-known paths of the namespace the client touches itself.
const (
	QueenCtlPath          = "/queen/ctl"
	QueenLifecycleCtlPath = "/queen/lifecycle/ctl"
	QueenLogPath          = "/log/queen.log"
	LifecycleStatePath    = "/proc/lifecycle/state"
	TestsDir              = "/proc/tests"
)

// ParsePath applies cohsh's local path check (§2.7): absolute, no "." or
// ".." component, no NUL, at most MaxPathComponents components. Empty
// components (doubled or trailing slashes) are skipped, as the reference
// does. It returns the components.
func ParsePath(path string) ([]string, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, errors.New("paths must be absolute")
	}
	var comps []string
	for _, c := range strings.Split(path[1:], "/") {
		if c == "" {
			continue
		}
		if c == "." || c == ".." {
			return nil, fmt.Errorf("path component '%s' is not permitted", c)
		}
		if strings.IndexByte(c, 0) >= 0 {
			return nil, errors.New("path component contains NUL byte")
		}
		if len(comps) >= MaxPathComponents {
			return nil, fmt.Errorf("path exceeds maximum depth of %d components", MaxPathComponents)
		}
		comps = append(comps, c)
	}
	return comps, nil
}

// CheckPath is ParsePath without the components.
func CheckPath(path string) error {
	_, err := ParsePath(path)
	return err
}
