package console

import "strings"

// Bounds of the CAT data= summary (CONSOLE_PROTOCOL.md §2.4).
const (
	summaryCap     = 128 // bytes of joined summary before the final cut
	summaryLineMax = 64  // longer candidate lines are never joined
	logSnapshot    = 64  // newest /log/queen.log lines considered
	userSnapshot   = 16  // newest user lines considered
)

// LogLine is one /log/queen.log line as the Hive retains it. User marks
// lines an operator put there (ECHOed to /log/queen.log) and telemetry-ring
// audit lines, which the CAT summary prefers over system lines.
type LogLine struct {
	Text string
	User bool
}

// queenLogCandidates is step 1 of the summary algorithm for /log/queen.log:
// the ≤16 newest user lines followed by the system lines logged after the
// last one of them, or the ≤64 newest lines when there are no user lines.
func queenLogCandidates(log []LogLine) []string {
	var users []string
	for i := len(log) - 1; i >= 0 && len(users) < userSnapshot; i-- {
		if log[i].User {
			users = append(users, log[i].Text)
		}
	}
	reverse(users)
	lines := log[max(0, len(log)-logSnapshot):]
	out := make([]string, 0, len(users)+len(lines))
	if len(users) == 0 {
		for _, l := range lines {
			out = append(out, l.Text)
		}
		return out
	}
	isUser := func(s string) bool {
		for _, u := range users {
			if u == s {
				return true
			}
		}
		return false
	}
	out = append(out, users...)
	start := 0
	for i, l := range lines {
		if isUser(l.Text) {
			start = i + 1
		}
	}
	for _, l := range lines[start:] {
		if strings.HasPrefix(l.Text, "[") || isUser(l.Text) {
			continue
		}
		out = append(out, l.Text)
	}
	return out
}

// catSummary is steps 2-4 of the summary algorithm: lines are the candidates
// oldest first.
func catSummary(path string, lines []string) string {
	var picked []int // indices, newest first
	for pass := 0; pass < 2 && len(picked) == 0; pass++ {
		total := 0
		for i := len(lines) - 1; i >= 0; i-- {
			l := lines[i]
			if pass == 0 && strings.HasPrefix(l, "[") {
				continue
			}
			if len(l) > summaryLineMax {
				continue
			}
			sep := 0
			if total > 0 {
				sep = 1
			}
			if total+sep+len(l) > summaryCap {
				continue
			}
			total += sep + len(l)
			picked = append(picked, i)
		}
	}
	var s string
	switch {
	case len(picked) > 0:
		var b strings.Builder
		for j := len(picked) - 1; j >= 0; j-- {
			if b.Len() > 0 {
				b.WriteByte('|')
			}
			b.WriteString(lines[picked[j]])
		}
		s = b.String()
	case len(lines) > 0:
		s = cutUTF8(lines[len(lines)-1], summaryCap)
	}
	if (strings.HasPrefix(path, "/updates/") || strings.HasPrefix(path, "/models/")) &&
		len(lines) > 0 && strings.HasPrefix(lines[0], "b64:") {
		s = cutUTF8(lines[0], summaryCap)
	}
	return cutUTF8(s, summaryCap-len("path=")-len(path)-len(" data="))
}

// cutUTF8 shortens s to at most n bytes without splitting a rune.
func cutUTF8(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

func reverse(s []string) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}
