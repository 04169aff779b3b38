package cohclient

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cohesix/cohesix/services/console/wire"
)

// Telemetry push limits (§5.5).
const (
	TelemetrySchema        = "cohsh-telemetry-push/v1"
	TelemetryMaxRecord     = 4096
	TelemetryMaxSegment    = 32768
	telemetryRecordNewline = 1
)

var telemetryMimes = []struct{ ext, mime string }{
	{"txt", "text/plain"}, {"log", "text/plain"}, {"json", "application/json"},
	{"ndjson", "application/x-ndjson"}, {"csv", "text/csv"},
}

// TelemetryMime maps a file extension to its MIME type.
func TelemetryMime(path string) (string, error) {
	ext := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(filepath.Ext(path), ".")))
	if ext == "" {
		return "", errors.New("telemetry push requires a file extension")
	}
	var allowed []string
	for _, m := range telemetryMimes {
		if m.ext == ext {
			return m.mime, nil
		}
		allowed = append(allowed, m.ext)
	}
	return "", fmt.Errorf("telemetry push extension '%s' is not allowed (allowed: %s)", ext, strings.Join(allowed, ", "))
}

// jsonString quotes s as serde_json does: only '"', '\' and control
// characters are escaped.
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// TelemetryCtlJSON is {"new":"segment","mime":"<m>"}.
func TelemetryCtlJSON(mime string) string {
	return `{"new":"segment","mime":` + jsonString(mime) + `}`
}

// TelemetryRecord is one push envelope, without the trailing newline.
func TelemetryRecord(seq uint64, mime, payload string) string {
	return `{"schema":"` + TelemetrySchema + `","seq":` + strconv.FormatUint(seq, 10) +
		`,"mime":` + jsonString(mime) + `,"payload":` + jsonString(payload) + `}`
}

// TelemetryRecords chunks text into envelopes no longer than maxRecord
// bytes each (newline excluded), splitting only at rune boundaries.
func TelemetryRecords(text, mime string, maxRecord int) ([]string, error) {
	if text == "" {
		return nil, errors.New("telemetry push payload is empty")
	}
	var out []string
	for seq := uint64(1); text != ""; seq++ {
		// Candidate cut points are rune boundaries; a payload can never be
		// longer than the record, so only the first maxRecord bytes matter.
		cuts := []int{}
		for i := range text {
			if i > maxRecord {
				break
			}
			if i > 0 {
				cuts = append(cuts, i)
			}
		}
		if len(text) <= maxRecord {
			cuts = append(cuts, len(text))
		}
		// Largest cut whose record fits (record length grows with the cut).
		n := sort.Search(len(cuts), func(k int) bool { return len(TelemetryRecord(seq, mime, text[:cuts[k]])) > maxRecord })
		lo := 0
		if n > 0 {
			lo = cuts[n-1]
		}
		if lo == 0 {
			return nil, fmt.Errorf("telemetry record exceeds max_record_bytes %d", maxRecord)
		}
		out = append(out, TelemetryRecord(seq, mime, text[:lo]))
		text = text[lo:]
	}
	return out, nil
}

func parseTelemetryPushArgs(args []string) (src, device string, err error) {
	if len(args) == 0 {
		return "", "", errors.New("telemetry push requires <src_file>")
	}
	src = args[0]
	if strings.HasPrefix(src, "--") {
		return "", "", errors.New("telemetry push requires <src_file> before flags")
	}
	have := false
	for i := 1; i < len(args); i++ {
		a := args[i]
		if v, ok := strings.CutPrefix(a, "--device="); ok {
			device, have = v, true
			continue
		}
		if a == "--device" {
			if i+1 >= len(args) {
				return "", "", errors.New("telemetry push requires --device <id>")
			}
			i++
			device, have = args[i], true
			continue
		}
		return "", "", fmt.Errorf("telemetry push does not recognize '%s'", a)
	}
	if !have {
		return "", "", errors.New("telemetry push requires --device <id>")
	}
	return src, device, nil
}

// telemetry runs "telemetry push <file> --device <id>". With acks nil the
// result ack is printed, else appended there (self-test capture).
func (s *Shell) telemetry(args []string, acks *[]string) error {
	if len(args) == 0 {
		return errors.New("telemetry requires a subcommand")
	}
	if args[0] != "push" {
		return fmt.Errorf("unknown telemetry subcommand '%s'", args[0])
	}
	src, device, err := parseTelemetryPushArgs(args[1:])
	if err != nil {
		return err
	}
	emit := func(a string) {
		if acks != nil {
			*acks = append(*acks, a)
		} else {
			s.writeAck(a)
		}
	}
	seg, records, bytes, err := s.telemetryPush(src, device)
	if err != nil {
		emit(wire.Ack{Verb: "TELEMETRY", Detail: sanitizeDetail(fmt.Sprintf("action=push device=%s reason=%v", device, err))}.String())
		return err
	}
	emit(wire.Ack{OK: true, Verb: "TELEMETRY", Detail: fmt.Sprintf("action=push device=%s seg_id=%s records=%d bytes=%d", strings.TrimSpace(device), seg, records, bytes)}.String())
	return nil
}

func sanitizeDetail(s string) string { return strings.NewReplacer("\r", " ", "\n", " ").Replace(s) }

func (s *Shell) telemetryPush(src, device string) (seg string, records, bytes int, err error) {
	device = strings.TrimSpace(device)
	if device == "" {
		return "", 0, 0, errors.New("telemetry push requires a device id")
	}
	if strings.Contains(device, "/") {
		return "", 0, 0, errors.New("telemetry device id must not contain '/'")
	}
	if err := EnsureJSONString(device, "telemetry device id"); err != nil {
		return "", 0, 0, err
	}
	if err := s.queenSession("telemetry push"); err != nil {
		return "", 0, 0, err
	}
	st, err := os.Stat(src)
	if err != nil {
		return "", 0, 0, fmt.Errorf("telemetry push source not found: %s", src)
	}
	if !st.Mode().IsRegular() {
		return "", 0, 0, errors.New("telemetry push source must be a file")
	}
	if st.Size() == 0 {
		return "", 0, 0, errors.New("telemetry push source is empty")
	}
	if st.Size() > TelemetryMaxSegment {
		return "", 0, 0, fmt.Errorf("telemetry push source exceeds max_bytes_per_segment %d bytes", TelemetryMaxSegment)
	}
	mime, err := TelemetryMime(src)
	if err != nil {
		return "", 0, 0, err
	}
	read := s.ReadFile
	if read == nil {
		read = os.ReadFile
	}
	data, err := read(src)
	if err != nil {
		return "", 0, 0, fmt.Errorf("failed to read telemetry push source %s", src)
	}
	if !utf8.Valid(data) {
		return "", 0, 0, errors.New("telemetry push source must be UTF-8 text")
	}
	maxRecord := TelemetryMaxRecord - telemetryRecordNewline
	if s.MaxEchoPayload > 0 && s.MaxEchoPayload < maxRecord {
		maxRecord = s.MaxEchoPayload // each record is one ECHO over the console
	}
	recs, err := TelemetryRecords(string(data), mime, maxRecord)
	if err != nil {
		return "", 0, 0, err
	}
	for _, r := range recs {
		bytes += len(r) + telemetryRecordNewline
	}
	if bytes > TelemetryMaxSegment {
		return "", 0, 0, fmt.Errorf("telemetry push payload exceeds max_bytes_per_segment %d bytes", TelemetryMaxSegment)
	}
	base := "/queen/telemetry/" + device
	if err := CheckPath(base + "/ctl"); err != nil {
		return "", 0, 0, err
	}
	if err := s.Con.Echo(base+"/ctl", TelemetryCtlJSON(mime)+"\n"); err != nil {
		s.Con.DrainAcks()
		return "", 0, 0, err
	}
	for _, a := range s.Con.DrainAcks() {
		for _, tok := range strings.Fields(a) {
			if v, ok := strings.CutPrefix(tok, "seg_id="); ok && seg == "" {
				seg = v
			}
		}
	}
	if seg == "" {
		lines, err := s.Con.Stream("CAT", base+"/latest")
		s.Con.DrainAcks()
		if err != nil {
			return "", 0, 0, err
		}
		for i := len(lines) - 1; i >= 0 && seg == ""; i-- {
			seg = strings.TrimSpace(lines[i])
		}
		if seg == "" {
			return "", 0, 0, errors.New("telemetry push could not resolve latest segment id")
		}
	}
	segPath := base + "/seg/" + seg
	if err := CheckPath(segPath); err != nil {
		return "", 0, 0, err
	}
	payloads := make([]string, len(recs))
	for i, r := range recs {
		payloads[i] = r + "\n"
	}
	n, err := s.Con.EchoBatch(segPath, payloads)
	s.Con.DrainAcks()
	if err != nil {
		return "", 0, 0, err
	}
	if n != len(recs) {
		return "", 0, 0, fmt.Errorf("telemetry push short write: expected %d records, wrote %d", len(recs), n)
	}
	return seg, len(recs), bytes, nil
}
