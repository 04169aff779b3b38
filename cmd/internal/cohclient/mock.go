package cohclient

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/cohesix/cohesix/images/rootfs"
	"github.com/cohesix/cohesix/p9srv"
	"github.com/cohesix/cohesix/services/console"
	"github.com/cohesix/cohesix/services/console/memconn"
	"github.com/cohesix/cohesix/services/ninedoor"
	"github.com/cohesix/cohesix/services/pump"
)

// MockConfig configures the in-process transport.
type MockConfig struct {
	Token   string // console AUTH token ("changeme" when empty)
	SeedGPU bool   // publish the mock GPU provider under /gpu
}

// mockPipeLimit is the bytes buffered per direction of a mock connection.
const mockPipeLimit = 64 << 10

// Mock runs the hosted NineDoor hive and console server in-process, polled
// by an event pump on one goroutine, and hands out in-memory connections to
// the console. cohsh --transport mock speaks the same framed protocol to it
// as to a real server, so output is identical.
type Mock struct {
	ln   *memconn.Listener
	p9in chan *memconn.Conn // server ends of new 9P connections, added on the pump goroutine
	wake chan struct{}      // client activity: poll now
	tick chan struct{}      // closed and replaced after every pump round
	mu   sync.Mutex
	stop chan struct{}
	done chan struct{}
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// hiveAdapter presents the hive's log to the console in its own type.
type hiveAdapter struct{ *ninedoor.Hive }

func (a hiveAdapter) LogLines() []console.LogLine {
	src := a.Hive.LogLines()
	out := make([]console.LogLine, len(src))
	for i, l := range src {
		out[i] = console.LogLine{Text: l.Text, User: l.User}
	}
	return out
}

// selftestScripts reads /proc/tests from the embedded rootfs.
func selftestScripts() (map[string][]byte, error) {
	entries, err := fs.ReadDir(rootfs.FS, "proc/tests")
	if err != nil {
		return nil, err
	}
	m := map[string][]byte{}
	for _, e := range entries {
		b, err := fs.ReadFile(rootfs.FS, "proc/tests/"+e.Name())
		if err != nil {
			return nil, err
		}
		m[e.Name()] = b
	}
	return m, nil
}

// NewMock boots the services and starts the pump goroutine.
func NewMock(cfg MockConfig) (*Mock, error) {
	hcfg := ninedoor.DefaultConfig()
	tests, err := selftestScripts()
	if err != nil {
		return nil, fmt.Errorf("mock transport: %w", err)
	}
	hcfg.Tests = tests
	if cfg.SeedGPU {
		hcfg.GPUs = ninedoor.MockGPUs()
	}
	hive, err := ninedoor.New(hcfg)
	if err != nil {
		return nil, fmt.Errorf("mock transport: %w", err)
	}
	ccfg := console.DefaultConfig()
	if cfg.Token != "" {
		ccfg.AuthToken = cfg.Token
	}
	srv := console.New(ccfg, hiveAdapter{hive}, wallClock{})
	m := &Mock{
		ln:   memconn.NewListener("mock-console", mockPipeLimit),
		p9in: make(chan *memconn.Conn, 4),
		wake: make(chan struct{}, 1),
		tick: make(chan struct{}),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	srv.AddListener(m.ln)
	p := pump.New(wallClock{}, m)
	p.Add("ninedoor", hive, 2*time.Millisecond)
	p.Add("console", srv, 2*time.Millisecond)
	ninep := p9srv.New(hive, p9srv.Options{})
	p.Add("9p-accept", pump.TaskFunc(func(time.Time, time.Duration) time.Time {
		for {
			select {
			case c := <-m.p9in:
				if err := ninep.AddConn(c); err != nil {
					c.Close()
				}
			default:
				return time.Time{}
			}
		}
	}), time.Millisecond)
	p.Add("9p", ninep, 2*time.Millisecond)
	go func() {
		defer close(m.done)
		for {
			select {
			case <-m.stop:
				return
			default:
			}
			p.Step()
			m.mu.Lock()
			close(m.tick)
			m.tick = make(chan struct{})
			m.mu.Unlock()
		}
	}()
	return m, nil
}

// Wait implements pump.Waiter: sleep until the deadline, client activity or
// a short fallback period, whichever comes first.
func (m *Mock) Wait(deadline time.Time) {
	d := 5 * time.Millisecond
	if !deadline.IsZero() {
		if until := time.Until(deadline); until < d {
			d = until
		}
	}
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-m.wake:
	case <-m.stop:
	case <-t.C:
	}
}

func (m *Mock) kick() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// round returns a channel closed after the next pump round.
func (m *Mock) round() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tick
}

// Dial opens a connection to the in-process console.
func (m *Mock) Dial(timeout time.Duration) (Stream, error) {
	c, err := m.ln.Dial()
	if err != nil {
		return nil, fmt.Errorf("mock transport: %w", err)
	}
	m.kick()
	return &mockStream{m: m, c: c}, nil
}

// DialNineP opens an in-memory 9P2000.L connection to the hive.
func (m *Mock) DialNineP() (Stream, error) {
	client, server := memconn.Pipe(mockPipeLimit, "mock-9p-client", "mock-9p")
	select {
	case m.p9in <- server:
	default:
		return nil, errors.New("mock transport: too many pending 9P connections")
	}
	m.kick()
	return &mockStream{m: m, c: client}, nil
}

// Close stops the pump goroutine.
func (m *Mock) Close() {
	select {
	case <-m.stop:
	default:
		close(m.stop)
		<-m.done
	}
}

// mockStream gives a non-blocking memconn end the blocking, deadline-driven
// behaviour of a socket.
type mockStream struct {
	m        *Mock
	c        *memconn.Conn
	rdl, wdl time.Time
	mu       sync.Mutex // guards the deadlines
}

var errMockTimeout = fmt.Errorf("mock transport: i/o timeout: %w", os.ErrDeadlineExceeded)

func (s *mockStream) wait(deadline time.Time) error {
	r := s.m.round()
	if deadline.IsZero() {
		select {
		case <-r:
			return nil
		case <-s.m.stop:
			return io.ErrClosedPipe
		}
	}
	d := time.Until(deadline)
	if d <= 0 {
		return errMockTimeout
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r:
		return nil
	case <-s.m.stop:
		return io.ErrClosedPipe
	case <-t.C:
		return errMockTimeout
	}
}

func (s *mockStream) Read(p []byte) (int, error) {
	for {
		n, err := s.c.Read(p)
		if n > 0 || err != nil {
			return n, err
		}
		s.m.kick()
		if err := s.wait(s.readDeadline()); err != nil {
			return 0, err
		}
	}
}

func (s *mockStream) Write(p []byte) (int, error) {
	total := 0
	for total < len(p) {
		n, err := s.c.Write(p[total:])
		total += n
		s.m.kick()
		if err != nil {
			return total, err
		}
		if total < len(p) {
			if err := s.wait(s.writeDeadline()); err != nil {
				return total, err
			}
		}
	}
	return total, nil
}

func (s *mockStream) Close() error {
	err := s.c.Close()
	s.m.kick()
	if errors.Is(err, memconn.ErrClosed) {
		return nil
	}
	return err
}

func (s *mockStream) readDeadline() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rdl
}

func (s *mockStream) writeDeadline() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wdl
}

func (s *mockStream) SetReadDeadline(t time.Time) error {
	s.mu.Lock()
	s.rdl = t
	s.mu.Unlock()
	return nil
}

func (s *mockStream) SetWriteDeadline(t time.Time) error {
	s.mu.Lock()
	s.wdl = t
	s.mu.Unlock()
	return nil
}
