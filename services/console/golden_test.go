package console

import (
	"os"
	"strings"
	"testing"

	"github.com/cohesix/cohesix/services/console/memconn"
	"github.com/cohesix/cohesix/services/console/wire"
)

// The recorded transcripts of CONSOLE_PROTOCOL.md §8 (ack and END lines
// only, OK AUTH filtered; §9.1 server wording for abuse; trace in its TCP
// form, with entries= and the LS stream's END), replayed over TCP
// and over the serial line against the real hive: both transports must
// produce them byte for byte.
var goldenScripts = map[string][]string{
	"boot":     {"ATTACH queen ", "TAIL /log/queen.log", "quit"},
	"converge": {"ATTACH queen ", "TAIL /log/queen.log", `ECHO /queen/ctl {"spawn":"heartbeat","ticks":1,"budget":{"ttl_s":30}}`, "TAIL /worker/worker-1/telemetry", "quit"},
	"trace":    {"ATTACH queen ", `ECHO /queen/ctl {"spawn":"heartbeat","ticks":1,"budget":{"ttl_s":30}}`, "LS /worker", "TAIL /worker/worker-1/telemetry", "quit"},
	"abuse":    {"ATTACH worker-heartbeat cohesix-ticket-0100.00", "ATTACH worker-heartbeat cohesix-ticket-0100.00"},
}

func ackLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		if a, ok := wire.ParseAck(l); ok && a.Verb != "AUTH" || wire.IsEnd(l) {
			out = append(out, l)
		}
	}
	return out
}

func TestGoldenTranscripts(t *testing.T) {
	for name, script := range goldenScripts {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile("testdata/transcripts/" + name + ".txt")
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")

			srv, _, clk, ln := newNineDoorServer(t)
			c := authed(t, srv, clk, ln)
			var tcp []string
			for _, l := range script {
				tcp = append(tcp, c.do(l)...)
			}
			equalLines(t, "tcp", ackLines(tcp), want)

			srv, _, clk, _ = newNineDoorServer(t)
			client, server := memconn.Pipe(1<<16, "operator", "serial")
			srv.AddSerial(server)
			s := &serialClient{t: t, srv: srv, clk: clk, c: client}
			var serial []string
			for _, l := range script {
				out := strings.TrimSuffix(s.do(l+"\n"), "\r\n")
				serial = append(serial, strings.Split(out, "\r\n")...)
			}
			equalLines(t, "serial", ackLines(serial), want)
		})
	}
}
