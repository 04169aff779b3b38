//go:build cohesix

// The image embeddings: the rootserver on a bare QEMU virt machine
// (board_virt.go, kernel-glue/virt) or as the seL4 root task
// (board_sel4.go, kernel-glue/sel4). The services are the same as hosted
// (system.go); the board gives the serial console, the clock and idle that
// drive the pump, and the MMIO and DMA memory the virtio-net driver under
// the gVisor TCP console needs.
package main

import (
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/cohesix/cohesix/images/rootfs"
	"github.com/cohesix/cohesix/netstack"
	"github.com/cohesix/cohesix/netstack/virtio"
	"github.com/cohesix/cohesix/services/manifest"
	"github.com/cohesix/cohesix/services/netio"
)

const (
	consolePort    = 31337
	consoleBacklog = 4
	budgetNet      = 2 * time.Millisecond
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "rootserver: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	hive, err := hiveConfig(rootfs.FS)
	if err != nil {
		return err
	}
	if hive.ProcFiles == nil {
		hive.ProcFiles = map[string]func() []byte{}
	}
	hive.ProcFiles["idle"] = boardIdleText
	opts := options{hive: hive, console: consoleConfig(""), ninep: ninePOptions()}
	writeBootLog(os.Stdout, embedding)
	clock := boardClock{}
	sys, err := newSystem(clock, boardWaiter{}, opts)
	if err != nil {
		return err
	}
	sys.console.AddSerial(boardSerial{})

	// The network console is optional: without a virtio-net device the
	// serial console still serves.
	cfg := netstack.DefaultConfig()
	cfg.Start = clock.Now()
	cfg.PollInterval = boardDevicePoll()
	cfg.Cache, cfg.Audit = newDMACache(manifest.Cache()), func(line string) {
		fmt.Printf("[cohesix:root-task] [cache] %s\n", line)
		sys.hive.Logf("[cache] %s", line)
	}
	cfg.Coherent = func(phys uint64) bool { return boardDMACoherent(fmt.Sprintf("virtio_mmio@%x", phys)) }
	if ns, err := netstack.New(boardPlatform{}, cfg); err != nil {
		sys.hive.Logf("[WARN net] no network console: %v", err)
		fmt.Printf("[cohesix:root-task] net: %v\n", err)
	} else if ln, err := ns.ListenTCP(consolePort, consoleBacklog); err != nil {
		return fmt.Errorf("console listener: %w", err)
	} else {
		sys.pump.Add("net", ns, budgetNet)
		sys.console.AddListener(netListener{ln})
		fmt.Printf("[cohesix:root-task] net: %s mac %s, console on tcp %s\n", ns.Address(), ns.MAC(), ln.Addr())
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	ready := "console ready"
	if origin := boardOrigin(); origin != "" {
		ready = fmt.Sprintf("console ready %v after %s", boardUptime().Round(time.Microsecond), origin)
	}
	fmt.Printf("[cohesix:root-task] serial console on PL011; %s; heap in use %d KiB\n", ready, ms.HeapInuse>>10)
	sys.pump.Run(func() bool { return false })
	return nil
}

// boardPlatform gives the virtio driver the board's
// MMIO and DMA memory.
type boardPlatform struct{}

func (boardPlatform) MapMMIO(phys, size uint64) (virtio.Region, error) {
	m, err := boardMapMMIO(phys, size)
	if err != nil {
		return nil, err
	}
	return m, nil
}

func (boardPlatform) AllocDMA(size int) (virtio.DMA, error) {
	d, err := boardAllocDMA(size)
	if err != nil {
		return nil, err
	}
	return d, nil
}

func (boardPlatform) Barrier() { boardBarrier() }

// dmaCache is the DMA cache maintenance the manifest asks for (cache.*,
// milestone 8c), done by the board (board.CacheMechanism).
type dmaCache struct{ clean, invalidate bool }

// newDMACache returns the maintenance to run, nil when the manifest asks
// for none, and says which in the boot log.
func newDMACache(c manifest.CacheMaintenance) virtio.CacheMaintainer {
	if !c.DMAClean && !c.DMAInvalidate {
		fmt.Printf("[cohesix:root-task] [cache] DMA cache maintenance off (manifest cache.dma_clean=false, cache.dma_invalidate=false)\n")
		return nil
	}
	fmt.Printf("[cohesix:root-task] [cache] DMA clean=%v invalidate=%v by %s\n", c.DMAClean, c.DMAInvalidate, boardCacheMechanism)
	return dmaCache{clean: c.DMAClean, invalidate: c.DMAInvalidate}
}

func (c dmaCache) CleanDMA(d virtio.DMA, off, n int) error {
	return c.do(c.clean, "clean", boardCleanDMA, d, off, n)
}

func (c dmaCache) InvalidateDMA(d virtio.DMA, off, n int) error {
	return c.do(c.invalidate, "invalidate", boardInvalidateDMA, d, off, n)
}

// do runs one board operation when the manifest enables it.
func (dmaCache) do(on bool, name string, op func(boardDMA, int, int) error, d virtio.DMA, off, n int) error {
	if !on {
		return nil
	}
	bd, ok := d.(boardDMA)
	if !ok {
		return fmt.Errorf("cache %s: %T is not the board's DMA", name, d)
	}
	return op(bd, off, n)
}

// netListener adapts the netstack listener to netio.Listener.
type netListener struct{ *netstack.Listener }

func (l netListener) Accept() (netio.Conn, error) {
	c, err := l.Listener.Accept()
	if c == nil {
		return nil, err
	}
	return c, err
}
