//go:build cohesix

// Command runtime-smoke is the bare virt boot check of the GOOS=cohesix
// runtime (it lives in cmd/, not kernel-glue/, because it starts goroutines
// on purpose): it prints on the PL011, reads
// the clocks, sleeps on the timer, collects garbage, turns a nil
// dereference into a recovered panic and powers off. make qemu-smoke runs
// it; its output is the boot part of the CI log.
package main

import (
	"crypto/rand"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/cohesix/cohesix/kernel-glue/virt"
)

type node struct{ next *node }

func main() {
	fmt.Printf("cohesix smoke: hello from %s/%s, up %v\n", runtime.GOOS, runtime.GOARCH, virt.Uptime())
	fmt.Printf("wall clock %s\n", time.Now().UTC().Format(time.RFC3339))

	start := time.Now()
	time.Sleep(50 * time.Millisecond)
	fmt.Printf("slept 50ms: took %v\n", time.Since(start).Round(time.Millisecond))

	t := time.NewTicker(10 * time.Millisecond)
	for i := 0; i < 5; i++ {
		<-t.C
	}
	t.Stop()
	fmt.Printf("ticker x5 done at %v\n", time.Since(start).Round(time.Millisecond))

	done := make(chan int)
	for i := 0; i < 4; i++ {
		go func(i int) {
			time.Sleep(time.Duration(i) * time.Millisecond)
			done <- i
		}(i)
	}
	sum := 0
	for i := 0; i < 4; i++ {
		sum += <-done
	}
	fmt.Printf("goroutines: sum %d\n", sum)

	var keep *node
	for i := 0; i < 200000; i++ {
		keep = &node{next: keep}
		if i%1000 == 0 {
			keep = nil
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("gc: %d cycles, heap in use %d KiB, sys %d KiB\n", ms.NumGC, ms.HeapInuse>>10, ms.Sys>>10)

	var b [16]byte
	rand.Read(b[:])
	fmt.Printf("random: %x\n", b)

	func() {
		defer func() { fmt.Printf("recovered: %v\n", recover()) }()
		var p *node
		fmt.Println(p.next)
	}()

	fmt.Println("cohesix smoke: ok")
	os.Exit(0)
}
