// Command boot measures the bare virt image under QEMU: time from QEMU
// start to a TCP console that accepts AUTH, PING round trips, CAT
// /proc/boot throughput, QEMU's CPU use while the guest idles, the heap in
// use after boot (from the boot log), and the sizes of the rootserver, the
// CPIO and the toolchain build time recorded by make toolchain.
//
//	go run ./bench/boot -elf out/image/rootserver.elf -cpio out/image/rootfs.cpio
//
// It is a measuring script, not a test: run it on an otherwise idle host.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cohesix/cohesix/services/console/wire"
)

type figures struct {
	Accel            string  `json:"accel"`
	ConsoleReadyMs   float64 `json:"console_ready_ms"` // QEMU start to OK AUTH
	GuestReadyMs     float64 `json:"guest_ready_ms"`   // guest's own count to pump start, -1 if its clock cannot tell
	GuestReadyFrom   string  `json:"guest_ready_from"` // what that count starts at: "power on"
	PingP50Us        float64 `json:"ping_p50_us"`      // round trip to PONG
	PingP90Us        float64 `json:"ping_p90_us"`
	PingP99Us        float64 `json:"ping_p99_us"`
	CatPerSecond     float64 `json:"cat_per_second"`         // CAT /proc/boot, sequential
	IdleCPUPercent   float64 `json:"idle_cpu_percent"`       // QEMU process, guest idle, % of one host core
	IdleLaterPercent float64 `json:"idle_later_cpu_percent"` // the same over the next window, once any post-activity spin has ended
	HeapInuseKiB     int64   `json:"heap_inuse_kib"`         // after boot
	RootserverBytes  int64   `json:"rootserver_bytes"`       //
	BootImageBytes   int64   `json:"boot_image_bytes"`       // what QEMU boots, when not the rootserver itself
	CPIOBytes        int64   `json:"cpio_bytes"`             // -1 without one
	ToolchainSeconds int64   `json:"toolchain_build_s"`      // from make toolchain's record
	Pings            int     `json:"pings"`
}

func main() {
	elf := flag.String("elf", "out/image/rootserver.elf", "the image QEMU boots")
	rootserver := flag.String("rootserver", "", "the rootserver ELF when -elf is a loader image (the seL4 elfloader)")
	cpio := flag.String("cpio", "out/image/rootfs.cpio", "payload CPIO, or empty for none")
	script := flag.String("qemu", "images/virt/qemu.sh", "QEMU runner")
	port := flag.Int("port", 31390, "host TCP port for the console")
	token := flag.String("token", "changeme", "console AUTH token")
	pings := flag.Int("pings", 2000, "PING round trips")
	catFor := flag.Duration("cat", 5*time.Second, "how long to run CAT /proc/boot")
	idleFor := flag.Duration("idle", 10*time.Second, "how long to sample idle CPU")
	toolchain := flag.String("toolchain", "out/toolchain", "toolchain dir (for .build-seconds)")
	jsonOut := flag.String("json", "", "also write the figures here as JSON")
	flag.Parse()

	f, err := run(*elf, *script, *port, *token, *pings, *catFor, *idleFor)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench/boot: %v\n", err)
		os.Exit(1)
	}
	f.RootserverBytes, f.BootImageBytes = size(*elf), -1
	if *rootserver != "" {
		f.RootserverBytes, f.BootImageBytes = size(*rootserver), size(*elf)
	}
	f.CPIOBytes = -1
	if *cpio != "" {
		f.CPIOBytes = size(*cpio)
	}
	if b, err := os.ReadFile(*toolchain + "/.build-seconds"); err == nil {
		f.ToolchainSeconds, _ = strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	}
	fmt.Printf("accelerator                   %s\n", f.Accel)
	guest := "guest: its clock cannot tell its own boot time"
	if f.GuestReadyMs >= 0 {
		guest = fmt.Sprintf("guest: pump running %.0f ms after %s", f.GuestReadyMs, f.GuestReadyFrom)
	}
	fmt.Printf("QEMU start to console AUTH    %.0f ms (%s)\n", f.ConsoleReadyMs, guest)
	fmt.Printf("PING round trip (n=%d)      p50 %.0f us, p90 %.0f us, p99 %.0f us\n", f.Pings, f.PingP50Us, f.PingP90Us, f.PingP99Us)
	fmt.Printf("CAT /proc/boot                %.0f per second\n", f.CatPerSecond)
	fmt.Printf("idle QEMU CPU                 %.1f%% of one host core (the next %v: %.1f%%)\n", f.IdleCPUPercent, *idleFor, f.IdleLaterPercent)
	fmt.Printf("heap in use after boot        %d KiB\n", f.HeapInuseKiB)
	fmt.Printf("rootserver ELF                %d bytes\n", f.RootserverBytes)
	if f.BootImageBytes >= 0 {
		fmt.Printf("boot image                    %d bytes (%s)\n", f.BootImageBytes, *elf)
	}
	if f.CPIOBytes >= 0 {
		fmt.Printf("payload CPIO                  %d bytes\n", f.CPIOBytes)
	}
	fmt.Printf("toolchain build               %d s\n", f.ToolchainSeconds)
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(f, "", "  ")
		os.WriteFile(*jsonOut, append(b, '\n'), 0o644)
	}
}

func size(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return -1
	}
	return st.Size()
}

// serialLog collects the guest's serial output.
type serialLog struct {
	mu    sync.Mutex
	lines []string
}

func (s *serialLog) add(l string) {
	s.mu.Lock()
	s.lines = append(s.lines, l)
	s.mu.Unlock()
}

func (s *serialLog) find(re *regexp.Regexp) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.lines {
		if m := re.FindStringSubmatch(l); m != nil {
			return m
		}
	}
	return nil
}

var (
	// The guest's own uptime is there only when its clock knows it.
	readyRe = regexp.MustCompile(`console ready(?: ([0-9.]+)(µs|ms|s) after ([a-z ]+))?; heap in use (\d+) KiB`)
	accelRe = regexp.MustCompile(`accel=(\w+)`)
)

// readyFields reads readyRe's submatches: the guest's own uptime at
// console ready in ms (-1 when its clock cannot tell), what that uptime
// counts from, and the heap in use.
func readyFields(m []string) (ms float64, from string, heapKiB int64) {
	ms = -1
	if m[1] != "" {
		v, _ := strconv.ParseFloat(m[1], 64)
		ms, from = v*map[string]float64{"µs": 1e-3, "ms": 1, "s": 1e3}[m[2]], m[3]
	}
	heapKiB, _ = strconv.ParseInt(m[4], 10, 64)
	return ms, from, heapKiB
}

func run(elf, script string, port int, token string, pings int, catFor, idleFor time.Duration) (figures, error) {
	var f figures
	cmd := exec.Command(script, elf)
	cmd.Env = append(os.Environ(), fmt.Sprintf("TCP_PORT=%d", port))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return f, err
	}
	cmd.Stderr = cmd.Stdout
	cmd.Stdin = nil
	log := &serialLog{}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return f, err
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			log.add(sc.Text())
		}
	}()

	addr := fmt.Sprintf("127.0.0.1:%d", port)
	var c *client
	for deadline := start.Add(60 * time.Second); ; {
		if time.Now().After(deadline) {
			return f, errors.New("console did not accept AUTH within 60 s")
		}
		c, err = dial(addr, token, 250*time.Millisecond)
		if err == nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	defer c.Close()
	f.ConsoleReadyMs = float64(time.Since(start).Microseconds()) / 1000
	time.Sleep(200 * time.Millisecond) // let the serial log catch up
	if m := log.find(accelRe); m != nil {
		f.Accel = m[1]
	}
	f.GuestReadyMs = -1
	if m := log.find(readyRe); m != nil {
		f.GuestReadyMs, f.GuestReadyFrom, f.HeapInuseKiB = readyFields(m)
	}

	rtts := make([]time.Duration, 0, pings)
	for i := 0; i < pings; i++ {
		t := time.Now()
		if err := c.ping(); err != nil {
			return f, fmt.Errorf("ping %d: %w", i, err)
		}
		rtts = append(rtts, time.Since(t))
	}
	sort.Slice(rtts, func(i, j int) bool { return rtts[i] < rtts[j] })
	f.Pings = len(rtts)
	f.PingP50Us = float64(rtts[len(rtts)/2].Nanoseconds()) / 1000
	f.PingP90Us = float64(rtts[len(rtts)*90/100].Nanoseconds()) / 1000
	f.PingP99Us = float64(rtts[len(rtts)*99/100].Nanoseconds()) / 1000

	if err := c.command("ATTACH queen", "ATTACH"); err != nil {
		return f, err
	}
	n := 0
	for t := time.Now(); time.Since(t) < catFor; n++ {
		if err := c.command("CAT /proc/boot", "CAT"); err != nil {
			return f, fmt.Errorf("cat %d: %w", n, err)
		}
	}
	f.CatPerSecond = float64(n) / catFor.Seconds()

	// Idle: the connection stays open and quiet, over two windows: right
	// after the activity, and the window after that (the seL4 board's
	// degraded clock spins for up to two seconds after a device wakes it).
	for _, dst := range []*float64{&f.IdleCPUPercent, &f.IdleLaterPercent} {
		t0, err := cpuTicks(cmd.Process.Pid)
		if err != nil {
			return f, err
		}
		w0 := time.Now()
		time.Sleep(idleFor)
		t1, err := cpuTicks(cmd.Process.Pid)
		if err != nil {
			return f, err
		}
		const clkTck = 100 // USER_HZ on Linux
		*dst = 100 * float64(t1-t0) / clkTck / time.Since(w0).Seconds()
	}
	return f, nil
}

// cpuTicks is utime+stime of pid in clock ticks.
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	u, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	return u + st, nil
}

// client is a minimal console client: framed lines, one command at a time.
type client struct {
	conn net.Conn
	buf  []byte
}

// dial connects and authenticates, giving up after timeout: while the
// guest boots, QEMU's user network accepts the host side and then drops it.
func dial(addr, token string, timeout time.Duration) (*client, error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	c := &client{conn: conn}
	conn.SetDeadline(time.Now().Add(timeout))
	if _, err := conn.Write(wire.Frame("AUTH " + token)); err != nil {
		conn.Close()
		return nil, err
	}
	l, err := c.line()
	if err != nil || l != "OK AUTH" {
		conn.Close()
		return nil, fmt.Errorf("auth: %q %v", l, err)
	}
	conn.SetDeadline(time.Time{})
	return c, nil
}

func (c *client) Close() error { return c.conn.Close() }

func (c *client) line() (string, error) {
	for {
		payload, n, _, ok, err := wire.Next(c.buf)
		if err != nil {
			return "", err
		}
		if ok {
			l := wire.TrimLine(payload)
			c.buf = c.buf[n:]
			return l, nil
		}
		tmp := make([]byte, 4096)
		m, err := c.conn.Read(tmp)
		c.buf = append(c.buf, tmp[:m]...)
		if err != nil && !(m > 0 && err == io.EOF) {
			return "", err
		}
	}
}

// ping sends PING and waits for both the ack and the PONG line.
func (c *client) ping() error {
	if _, err := c.conn.Write(wire.Frame("PING")); err != nil {
		return err
	}
	gotAck, gotPong := false, false
	for !gotAck || !gotPong {
		l, err := c.line()
		if err != nil {
			return err
		}
		switch {
		case wire.IsPong(l):
			gotPong = true
		case strings.HasPrefix(l, "OK PING"):
			gotAck = true
		case strings.HasPrefix(l, "ERR"):
			return errors.New(l)
		}
	}
	return nil
}

// command sends line and reads through its ack and, for streams, END.
func (c *client) command(line, verb string) error {
	if _, err := c.conn.Write(wire.Frame(line)); err != nil {
		return err
	}
	for {
		l, err := c.line()
		if err != nil {
			return err
		}
		if wire.IsPong(l) {
			continue
		}
		if a, ok := wire.ParseAck(l); ok && strings.EqualFold(a.Verb, verb) {
			if !a.OK {
				return fmt.Errorf("%s: %s", line, l)
			}
			if verb != "CAT" {
				return nil
			}
		}
		if wire.IsEnd(l) {
			return nil
		}
	}
}
