package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cohesix/cohesix/cmd/internal/cohclient"
	"golang.org/x/term"
)

// keepaliveTick is how often the REPL checks whether a keepalive PING is due.
const keepaliveTick = time.Second

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// terminal is the interactive line editor: raw mode, history persisted to
// ~/.cohsh_history, tab completion of verbs and of namespace paths.
type terminal struct {
	in    *os.File
	state *term.State
	t     *term.Terminal
	hist  *history
	mu    sync.Mutex // serialises use of the shell between the REPL and completion
	sh    *cohclient.Shell
}

func newTerminal(in *os.File, out io.Writer) (*terminal, error) {
	st, err := term.MakeRaw(int(in.Fd()))
	if err != nil {
		return nil, fmt.Errorf("failed to enter raw mode: %w", err)
	}
	tm := &terminal{in: in, state: st}
	tm.t = term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{ctrlCClears{in}, out}, "coh> ")
	tm.resize()
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	go func() {
		for range winch {
			tm.resize()
		}
	}()
	tm.hist = loadHistory(historyPath())
	tm.t.History = tm.hist
	tm.t.AutoCompleteCallback = tm.complete
	return tm, nil
}

// ctrlCClears turns Ctrl-C into Ctrl-U, so it clears the line as in a
// shell instead of ending the session (Ctrl-D on an empty line still does).
type ctrlCClears struct{ r io.Reader }

func (c ctrlCClears) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i := range p[:n] {
		if p[i] == 0x03 {
			p[i] = 0x15
		}
	}
	return n, err
}

func (tm *terminal) resize() {
	if w, h, err := term.GetSize(int(tm.in.Fd())); err == nil {
		tm.t.SetSize(w, h)
	}
}

func (tm *terminal) Write(p []byte) (int, error) { return tm.t.Write(p) }

func (tm *terminal) restore() {
	tm.hist.save()
	term.Restore(int(tm.in.Fd()), tm.state)
}

// repl reads lines on a goroutine (one at a time, after each command has
// finished) so the main loop can send keepalives while the operator is idle.
func (tm *terminal) repl(sh *cohclient.Shell) error {
	tm.sh = sh
	lines := make(chan string)
	errc := make(chan error, 1)
	next := make(chan struct{}, 1)
	go func() {
		for range next {
			l, err := tm.t.ReadLine()
			if err != nil {
				errc <- err
				return
			}
			lines <- l
		}
	}()
	next <- struct{}{}
	tick := time.NewTicker(keepaliveTick)
	defer tick.Stop()
	defer close(next)
	for {
		select {
		case l := <-lines:
			l = strings.TrimSpace(l)
			if l != "" {
				tm.mu.Lock()
				st, err := sh.Execute(l)
				tm.mu.Unlock()
				if err != nil {
					fmt.Fprintf(tm.t, "Error: %v\n", err)
				}
				if st == cohclient.Quit {
					return nil
				}
			}
			next <- struct{}{}
		case err := <-errc:
			if errors.Is(err, io.EOF) {
				fmt.Fprintln(tm.t)
				return nil
			}
			return err
		case <-tick.C:
			tm.mu.Lock()
			sh.Keepalive()
			tm.mu.Unlock()
		}
	}
}

// complete handles Tab: the first word completes against the verbs, a
// word starting with '/' against the entries of its directory, listed with
// LS over the connection while attached.
func (tm *terminal) complete(line string, pos int, key rune) (string, int, bool) {
	if key != '\t' {
		return "", 0, false
	}
	head := line[:pos]
	start := strings.LastIndexAny(head, " \t") + 1
	word := head[start:]
	var cands []string
	if strings.TrimSpace(head[:start]) == "" {
		for _, v := range cohclient.Verbs {
			if strings.HasPrefix(v, word) {
				cands = append(cands, v+" ")
			}
		}
	} else if strings.HasPrefix(word, "/") {
		dir, base := word[:strings.LastIndex(word, "/")+1], word[strings.LastIndex(word, "/")+1:]
		entries, _ := tm.listDir(dir)
		for _, e := range entries {
			if strings.HasPrefix(e, base) {
				cands = append(cands, dir+e)
			}
		}
		if len(cands) == 1 {
			if _, isDir := tm.listDir(cands[0] + "/"); isDir {
				cands[0] += "/"
			}
		}
	}
	if len(cands) == 0 {
		return "", 0, false
	}
	sort.Strings(cands)
	repl := commonPrefix(cands)
	if len(cands) > 1 && repl == word {
		fmt.Fprintln(tm.t, strings.Join(cands, "  "))
		return "", 0, false
	}
	return head[:start] + repl + line[pos:], start + len(repl), true
}

// listDir lists dir over the connection; ok is false when it is not a
// listable directory (or the shell is busy or detached).
func (tm *terminal) listDir(dir string) (entries []string, ok bool) {
	if !tm.mu.TryLock() {
		return nil, false
	}
	defer tm.mu.Unlock()
	if tm.sh == nil {
		return nil, false
	}
	if _, ok := tm.sh.Session(); !ok {
		return nil, false
	}
	p := strings.TrimSuffix(dir, "/")
	if p == "" {
		p = "/"
	}
	if cohclient.CheckPath(p) != nil {
		return nil, false
	}
	entries, err := tm.sh.Con.Stream("LS", p)
	tm.sh.Con.DrainAcks()
	return entries, err == nil
}

func commonPrefix(s []string) string {
	p := s[0]
	for _, x := range s[1:] {
		for !strings.HasPrefix(x, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

// lineREPL serves a non-terminal stdin line by line, printing the prompt
// before each read as the reference does.
func lineREPL(sh *cohclient.Shell, in io.Reader, out io.Writer) error {
	lines := make(chan string)
	done := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 0, 4096), 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		done <- sc.Err()
	}()
	tick := time.NewTicker(keepaliveTick)
	defer tick.Stop()
	fmt.Fprint(out, "coh> ")
	for {
		select {
		case l := <-lines:
			l = strings.TrimSpace(l)
			if l != "" {
				st, err := sh.Execute(l)
				if err != nil {
					fmt.Fprintf(out, "Error: %v\n", err)
				}
				if st == cohclient.Quit {
					return nil
				}
			}
			fmt.Fprint(out, "coh> ")
		case err := <-done:
			fmt.Fprintln(out)
			return err
		case <-tick.C:
			sh.Keepalive()
		}
	}
}

// maxHistory bounds the persisted history.
const maxHistory = 1000

func historyPath() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".cohsh_history")
}

// history is a bounded term.History persisted one line per entry.
type history struct {
	path    string
	entries []string // oldest first
}

func loadHistory(path string) *history {
	h := &history{path: path}
	if path == "" {
		return h
	}
	if data, err := os.ReadFile(path); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				h.Add(l)
			}
		}
	}
	return h
}

// Add appends an entry, skipping repeats of the newest one.
func (h *history) Add(entry string) {
	if entry == "" || len(h.entries) > 0 && h.entries[len(h.entries)-1] == entry {
		return
	}
	h.entries = append(h.entries, entry)
	if len(h.entries) > maxHistory {
		h.entries = h.entries[len(h.entries)-maxHistory:]
	}
}

// Len is the number of entries.
func (h *history) Len() int { return len(h.entries) }

// At returns the idx-th newest entry (0 = newest).
func (h *history) At(idx int) string { return h.entries[len(h.entries)-1-idx] }

func (h *history) save() {
	if h.path == "" {
		return
	}
	os.WriteFile(h.path, []byte(strings.Join(h.entries, "\n")+"\n"), 0o600)
}
