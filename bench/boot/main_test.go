package main

import "testing"

func TestReadyLine(t *testing.T) {
	for _, tc := range []struct {
		line    string
		ms      float64
		from    string
		heapKiB int64
	}{
		{"[cohesix:root-task] serial console on PL011; console ready 123.456ms after power on; heap in use 1280 KiB", 123.456, "power on", 1280},
		{"[cohesix:root-task] serial console on PL011; console ready 1.5s after power on; heap in use 984 KiB", 1500, "power on", 984},
		{"[cohesix:root-task] serial console on PL011; console ready 812µs after power on; heap in use 7 KiB", 0.812, "power on", 7},
		// The seL4 board's degraded clock cannot tell its boot time.
		{"[cohesix:root-task] serial console on PL011; console ready; heap in use 984 KiB", -1, "", 984},
	} {
		m := readyRe.FindStringSubmatch(tc.line)
		if m == nil {
			t.Errorf("%q: no match", tc.line)
			continue
		}
		ms, from, heap := readyFields(m)
		if ms != tc.ms || from != tc.from || heap != tc.heapKiB {
			t.Errorf("%q: got %v ms after %q, %d KiB; want %v, %q, %d", tc.line, ms, from, heap, tc.ms, tc.from, tc.heapKiB)
		}
	}
}
