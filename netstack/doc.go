// Package netstack runs gVisor's tcpip stack (IPv4, ARP, ICMP, TCP, UDP)
// over a virtio-mmio network device, driven by the event pump.
//
// Layers, bottom up:
//
//   - virtio: the virtio-mmio (version 2) transport and a polled
//     virtio-net driver with one rx and one tx split virtqueue. It reaches
//     hardware only through Platform (MMIO windows, DMA memory, a barrier),
//     which kernel-glue implements. virtio/virtiosim simulates the device
//     over ordinary memory for hosted tests.
//   - link: a stack.LinkEndpoint over the driver. Poll acknowledges the
//     device interrupt, reclaims tx and delivers a bounded rx batch;
//     WritePackets copies straight into the tx ring and drops (counting)
//     when it is full, as a NIC does. A device that breaks the virtqueue
//     protocol or asks for a reset is reset from Poll (then every
//     link.ResetInterval until it works); TCP retransmits what was lost.
//   - clock: a tcpip.Clock whose timers fire from Poll, not goroutines.
//   - this package: Config and New, Stack.Poll for the pump (a pump.Task),
//     and
//     non-blocking Listener and Conn with the method shapes of
//     services/netio (Accept returns nil, nil when nothing is pending; Read
//     returns 0, nil when no data and io.EOF at the end; Write may be
//     partial).
//
// Only rx completions interrupt (tx has VIRTQ_AVAIL_F_NO_INTERRUPT); an
// idle platform that forwards the line (kernel-glue/virt does) wakes on
// arriving frames, and Config.PollInterval is the fallback. Readers must
// drain a Conn until Read returns (0, nil) on each poll: data that already
// arrived raises no further event.
//
// # Goroutines inside gVisor
//
// Audited for gvisor.dev/gvisor v0.0.0-20260905035102-160fafc42237 with the
// protocols this package registers:
//
//   - Timers. Every protocol timer (retransmit, delayed ACK, keepalive,
//     TIME-WAIT, FIN-WAIT-2, ARP/NUD probes, reassembly timeouts, and the
//     neighbour cache's "dequeue pending packets" work, which gVisor posts
//     as AfterFunc(0)) goes through Options.Clock. With clock.Clock they run
//     on the pump's goroutine inside Stack.Poll. None free-run.
//   - TCP processors. tcp.NewProtocol starts runtime.GOMAXPROCS(0)
//     processor goroutines (transport/tcp/dispatcher.go) and this version
//     has no synchronous mode: every inbound segment is queued to a
//     processor, which does handshakes, ACK and data processing and sends
//     the replies. Idle processors park in sleep.Sleeper.Fetch; they wake
//     only when the link delivers a segment, or when a Read/Write releases
//     an endpoint that segments queued on. So they never run on their own
//     schedule, only in response to what Poll or a Conn call did.
//   - Link-resolution overflow. stack/pending_packets.go starts a
//     short-lived goroutine to fail packets queued behind an ARP resolution
//     when more than 64 resolutions are outstanding. The console never gets
//     near that.
//   - Not used here: the TCP forwarder, save/restore (endpoint_state.go),
//     fdbased/sharedmem/xdp links, gonet's blocking adapters.
//
// On GOOS=cohesix the runtime is single threaded (one M, GOMAXPROCS 1), so
// there is exactly one processor goroutine and it can only run when the
// pump's goroutine yields. Stack.Poll yields explicitly (runtime.Gosched)
// after delivering rx and after firing timers; the processor then runs to
// its next park, having consumed what was delivered, and the loop resumes.
// This is safe: the pump's goroutine holds no gVisor lock when it yields;
// the processor never blocks while holding an endpoint lock (its only
// outcall, WritePackets, takes the link's uncontended mutex and never
// waits); and a user call that finds an endpoint busy (LockUser) falls back
// to parking on the mutex, which hands the M to the holder. Without
// asynchronous preemption the interleaving is fixed by the order of events,
// so runs repeat. Hosted Linux builds run the processors in parallel on
// other threads; everything here is locked for that, and the tests pass
// under -race, but interleavings there are not deterministic.
//
// Remaining goroutine-shaped costs on the image: gVisor's pkg/sync and
// pkg/sleep park goroutines through runtime linknames (gopark/goready),
// which the cohesix runtime port must keep; and a Conn Write runs TCP
// output inline on the pump's goroutine.
//
// # Size
//
// gVisor's tcpip does not fit a 4 MiB image. Measured with
// netstack/internal/sizeprobe (the stack serving one TCP listener), built
// -trimpath -ldflags='-s -w':
//
//	                                 linux/arm64   cohesix/arm64
//	default protocols                  4,653,218       4,456,610
//	-tags netstack_minimal             4,587,682       4,325,538
//	hello world (fmt, os, time)        1,638,562       1,769,634 (virt smoke)
//
// By symbol size (text, rodata, data; pclntab comes on top, roughly in
// proportion) gVisor's packages are ~640 KiB (stack 183K, tcp 138K, ipv4
// 65K, header 38K, tcpip 27K, ip 21K, buffer 16K, raw 10K, ...), the std
// packages only gVisor pulls in (regexp, encoding/json, math/big, log,
// crypto/rand) ~145 KiB more. -tags netstack_minimal leaves out UDP and
// ICMP sockets (about 64 KiB on linux, 128 KiB on cohesix); ipv4, arp and
// tcp are the smallest set that serves TCP on IPv4, and echo requests are
// still answered by ipv4. -gcflags=all=-l saves another ~6%.
package netstack
