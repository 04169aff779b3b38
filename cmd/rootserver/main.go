//go:build !cohesix

// Command rootserver is the Cohesix root task. Built for the host (this
// file), it is the hosted embedding: the same services as the image, polled
// by the same single-threaded event pump, over OS sockets and stdin/stdout.
//
//	go run ./cmd/rootserver [-listen 127.0.0.1:31337] [-9p 127.0.0.1:5640] [-serial=false]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/cohesix/cohesix/kernel-glue/hosted"
	"github.com/cohesix/cohesix/services/netio"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:31337", "TCP console address (host:port)")
	ninep := flag.String("9p", "", "also serve NineDoor as plain 9P2000.L (msize 8192) on this address; off when empty")
	serial := flag.Bool("serial", true, "serve the serial console on stdin/stdout")
	token := flag.String("auth-token", "", "console AUTH token (default: the manifest's, changeme)")
	flag.Parse()
	if err := run(*listen, *ninep, *serial, *token); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// listener adapts the hosted listener's concrete Conn to netio.Conn.
type listener struct{ *hosted.Listener }

func (l listener) Accept() (netio.Conn, error) {
	c, err := l.Listener.Accept()
	if c == nil {
		return nil, err
	}
	return c, err
}

func run(listen, ninep string, serial bool, token string) error {
	loop, err := hosted.NewLoop()
	if err != nil {
		return err
	}
	defer loop.Close()

	opts, err := hostedOptions(token)
	if err != nil {
		return err
	}
	// The boot log goes where the serial console is, as in the image.
	bootOut := os.Stderr
	if serial {
		bootOut = os.Stdout
	}
	writeBootLog(bootOut, "hosted")
	sys, err := newSystem(hosted.Clock{}, loop, opts)
	if err != nil {
		return err
	}

	ln, err := loop.Listen(listen)
	if err != nil {
		return fmt.Errorf("rootserver: console listener: %w", err)
	}
	defer ln.Close()
	sys.console.AddListener(listener{ln})

	if ninep != "" {
		ln9, err := loop.Listen(ninep)
		if err != nil {
			return fmt.Errorf("rootserver: 9P listener: %w", err)
		}
		defer ln9.Close()
		sys.serve9P(listener{ln9})
		fmt.Fprintf(os.Stderr, "rootserver: NineDoor 9P2000.L on %s\n", ln9.Addr())
	}
	if serial {
		con, err := loop.Stdio()
		if err != nil {
			return fmt.Errorf("rootserver: serial console: %w", err)
		}
		defer con.Close()
		sys.console.AddSerial(con)
	}
	fmt.Fprintf(os.Stderr, "rootserver: console on %s\n", ln.Addr())

	// Signals arrive on a Go channel; a self-pipe registered with the loop
	// wakes the pump so the stop check runs promptly.
	stop, err := stopOnSignal(loop)
	if err != nil {
		return err
	}
	sys.pump.Run(stop)
	return nil
}

func stopOnSignal(loop *hosted.Loop) (func() bool, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	wake, err := loop.PipeConn(int(r.Fd()), int(w.Fd()), "signal")
	if err != nil {
		return nil, err
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	stopped := false
	go func() {
		<-sigs
		w.Write([]byte{1})
	}()
	buf := make([]byte, 8)
	return func() bool {
		if n, _ := wake.Read(buf); n > 0 {
			stopped = true
		}
		return stopped
	}, nil
}
