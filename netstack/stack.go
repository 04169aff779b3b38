package netstack

import (
	"fmt"
	"io"
	"math/rand"
	"net/netip"
	"runtime"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/network/arp"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"

	"github.com/cohesix/cohesix/netstack/clock"
	"github.com/cohesix/cohesix/netstack/link"
	"github.com/cohesix/cohesix/netstack/virtio"
)

// Platform is what the stack asks of kernel-glue; see virtio.Platform.
type Platform = virtio.Platform

// Protocol names accepted in Config.Protocols.
const (
	ProtoIPv4 = "ipv4"
	ProtoARP  = "arp"
	ProtoICMP = "icmp" // ICMP sockets; echo replies come from ipv4 itself
	ProtoTCP  = "tcp"
	ProtoUDP  = "udp"
)

// Config describes the one interface the stack runs.
type Config struct {
	Address   string // "10.0.2.15"; "10.0.2.15/24" also accepted
	PrefixLen int    // 24; ignored when Address carries a prefix
	Gateway   string // "10.0.2.2"; empty for no default route
	// MAC is used when the device does not report one ("52:54:00:12:34:56").
	MAC string
	MTU uint32 // IP MTU; 1500 when zero
	// Protocols to register; DefaultProtocols when nil. ipv4, arp and tcp
	// are required.
	Protocols []string
	// Slots is where to probe for virtio-mmio; QEMU virt when zero.
	Slots virtio.Slots
	// QueueSize is the virtqueue depth wanted per direction (64 when zero).
	QueueSize int
	// RxBatch bounds the frames one Poll delivers (link.DefaultRxBatch).
	RxBatch int
	// PollInterval is how soon Poll asks to run again when idle. The
	// device's rx interrupt also wakes an idle platform that forwards it
	// (virt does), so this is a safety net for platforms that do not.
	// 10ms when zero.
	PollInterval time.Duration
	// Start is the embedding's clock reading at boot: the stack's time
	// until the first Poll.
	Start time.Time
	// Seed feeds gVisor's non-cryptographic randomness (port selection,
	// hashing) so runs repeat. Sequence numbers still come from SecureRNG.
	Seed int64
	// SecureRNG overrides crypto/rand for TCP initial sequence numbers and
	// the like; nil keeps gVisor's default.
	SecureRNG io.Reader
	// Cache, Coherent and Audit are passed to the virtio driver
	// (virtio.NetOptions): the platform's DMA cache maintenance, which
	// devices do coherent DMA, and where the DMA hand-offs are logged.
	Cache    virtio.CacheMaintainer
	Coherent func(phys uint64) bool
	Audit    func(line string)
}

// MinimalProtocols is the smallest set that serves TCP on IPv4. Echo
// requests are still answered (by ipv4).
var MinimalProtocols = []string{ProtoIPv4, ProtoARP, ProtoTCP}

// DefaultConfig is QEMU user networking's guest side.
func DefaultConfig() Config {
	return Config{Address: "10.0.2.15", PrefixLen: 24, Gateway: "10.0.2.2"}
}

// NICID is the only NIC.
const NICID tcpip.NICID = 1

// Stack is gVisor's tcpip stack over one polled device, run by the pump.
// Poll is the only entry that makes progress; listeners and connections
// never block.
type Stack struct {
	s        *stack.Stack
	clk      *clock.Clock
	ep       *link.Endpoint
	dev      *virtio.Net // nil when built over another link.Device
	addr     tcpip.Address
	interval time.Duration
	polls    uint64
}

// New probes for a virtio-net device through p, brings it up, and builds
// the stack over it.
func New(p Platform, cfg Config) (*Stack, error) {
	slots := cfg.Slots
	if slots.Count == 0 {
		slots = virtio.QEMUVirt
	}
	var mac [6]byte
	if cfg.MAC != "" {
		hw, err := parseMAC(cfg.MAC)
		if err != nil {
			return nil, err
		}
		mac = hw
	}
	dev, err := virtio.OpenNet(p, slots, virtio.NetOptions{QueueSize: cfg.QueueSize, MAC: mac, Cache: cfg.Cache, Coherent: cfg.Coherent, Audit: cfg.Audit})
	if err != nil {
		return nil, fmt.Errorf("netstack: %w", err)
	}
	s, err := NewWithDevice(dev, cfg)
	if err != nil {
		return nil, err
	}
	s.dev = dev
	return s, nil
}

// NewWithDevice builds the stack over any polled Ethernet device.
func NewWithDevice(dev link.Device, cfg Config) (*Stack, error) {
	prefix, err := parseAddress(cfg.Address, cfg.PrefixLen)
	if err != nil {
		return nil, err
	}
	opts := stack.Options{}
	protos := cfg.Protocols
	if protos == nil {
		protos = DefaultProtocols
	}
	have := map[string]bool{}
	for _, p := range protos {
		switch p {
		case ProtoIPv4:
			opts.NetworkProtocols = append(opts.NetworkProtocols, ipv4.NewProtocol)
		case ProtoARP:
			opts.NetworkProtocols = append(opts.NetworkProtocols, arp.NewProtocol)
		case ProtoTCP:
			opts.TransportProtocols = append(opts.TransportProtocols, tcp.NewProtocol)
		default:
			f, ok := optionalTransports[p]
			if !ok {
				return nil, fmt.Errorf("netstack: protocol %q unknown or not built in (tag netstack_minimal)", p)
			}
			opts.TransportProtocols = append(opts.TransportProtocols, f)
		}
		have[p] = true
	}
	for _, p := range []string{ProtoIPv4, ProtoARP, ProtoTCP} {
		if !have[p] {
			return nil, fmt.Errorf("netstack: protocol set %v lacks %s", protos, p)
		}
	}
	start := cfg.Start
	if start.IsZero() {
		start = time.Unix(0, 0)
	}
	clk := clock.New(start)
	opts.Clock = clk
	opts.RandSource = rand.NewSource(cfg.Seed)
	opts.SecureRNG = cfg.SecureRNG

	mtu := cfg.MTU
	if mtu == 0 {
		mtu = 1500
	}
	ep := link.New(dev, mtu, cfg.RxBatch)
	s := stack.New(opts)
	if err := s.CreateNIC(NICID, ep); err != nil {
		s.Destroy()
		return nil, fmt.Errorf("netstack: create nic: %s", err)
	}
	addr := tcpip.AddrFrom4(prefix.Addr().As4())
	pa := tcpip.ProtocolAddress{
		Protocol:          ipv4.ProtocolNumber,
		AddressWithPrefix: tcpip.AddressWithPrefix{Address: addr, PrefixLen: prefix.Bits()},
	}
	if err := s.AddProtocolAddress(NICID, pa, stack.AddressProperties{}); err != nil {
		s.Destroy()
		return nil, fmt.Errorf("netstack: add address %s: %s", prefix, err)
	}
	routes := []tcpip.Route{{Destination: pa.AddressWithPrefix.Subnet(), NIC: NICID}}
	if cfg.Gateway != "" {
		gw, err := netip.ParseAddr(cfg.Gateway)
		if err != nil || !gw.Is4() {
			s.Destroy()
			return nil, fmt.Errorf("netstack: gateway %q is not an IPv4 address", cfg.Gateway)
		}
		routes = append(routes, tcpip.Route{Destination: header.IPv4EmptySubnet, Gateway: tcpip.AddrFrom4(gw.As4()), NIC: NICID})
	}
	s.SetRouteTable(routes)

	interval := cfg.PollInterval
	if interval <= 0 {
		interval = 10 * time.Millisecond
	}
	return &Stack{s: s, clk: clk, ep: ep, addr: addr, interval: interval}, nil
}

func parseAddress(a string, bits int) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(a); err == nil {
		if !p.Addr().Is4() {
			return netip.Prefix{}, fmt.Errorf("netstack: address %q is not IPv4", a)
		}
		return p, nil
	}
	ip, err := netip.ParseAddr(a)
	if err != nil || !ip.Is4() {
		return netip.Prefix{}, fmt.Errorf("netstack: address %q is not IPv4", a)
	}
	if bits <= 0 || bits > 32 {
		return netip.Prefix{}, fmt.Errorf("netstack: prefix length %d for %s", bits, a)
	}
	return netip.PrefixFrom(ip, bits), nil
}

func parseMAC(s string) ([6]byte, error) {
	var mac [6]byte
	var extra byte
	n, err := fmt.Sscanf(s+":0", "%x:%x:%x:%x:%x:%x:%x", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4], &mac[5], &extra)
	if err != nil || n != 7 || len(s) != 17 {
		return mac, fmt.Errorf("netstack: MAC %q is not six hex octets", s)
	}
	return mac, nil
}

// Poll runs the stack: moves the clock to now, reclaims tx and delivers a
// bounded rx batch, yields so TCP's processor goroutine can consume what
// was delivered, then fires due protocol timers. When it delivered frames
// or fired timers it asks to run again at once (now), so tasks polled after
// it in the round see new connections and data in the next round rather
// than a poll interval later. Otherwise it returns the earlier of the next
// timer and now plus the poll interval.
func (s *Stack) Poll(now time.Time, budget time.Duration) time.Time {
	s.polls++
	s.clk.Advance(now)
	rx := s.ep.Stats().RxPackets
	linkNext := s.ep.Poll(now, budget)
	// See doc.go: TCP segments are processed on gVisor's processor
	// goroutine, woken by this delivery or by a Conn call since the last
	// poll. Yielding lets it run now rather than when the pump idles.
	runtime.Gosched()
	busy := s.ep.Stats().RxPackets != rx || (!linkNext.IsZero() && !linkNext.After(now))
	if s.clk.Fire(clock.MaxFiresPerPoll) > 0 {
		runtime.Gosched()
		busy = true
	}
	if busy {
		return now
	}
	next := now.Add(s.interval)
	for _, t := range []time.Time{s.clk.Next(), linkNext} {
		if !t.IsZero() && t.Before(next) {
			next = t
		}
	}
	if next.Before(now) {
		next = now
	}
	return next
}

// Close tears the stack down.
func (s *Stack) Close() {
	s.s.Close()
	s.s.Wait()
}

// Address is the interface address.
func (s *Stack) Address() string { return s.addr.String() }

// MAC is the interface's hardware address.
func (s *Stack) MAC() string { return s.ep.LinkAddress().String() }

// Err is the device failure that stopped the link, or nil.
func (s *Stack) Err() error { return s.ep.Err() }

// Stats are counters for /proc.
type Stats struct {
	Polls          uint64
	Link           link.Stats
	Device         virtio.NetStats // zero when not over virtio
	TimersFired    uint64
	TimersSet      int
	TCPActive      uint64 // active opens
	TCPPassive     uint64 // passive opens (accepted)
	TCPRetransmits uint64
	IPDropped      uint64 // malformed or undeliverable IP packets
}

// Stats returns a snapshot of the counters.
func (s *Stack) Stats() Stats {
	st := s.s.Stats()
	out := Stats{
		Polls:          s.polls,
		Link:           s.ep.Stats(),
		TimersFired:    s.clk.Fired(),
		TimersSet:      s.clk.Pending(),
		TCPActive:      st.TCP.ActiveConnectionOpenings.Value(),
		TCPPassive:     st.TCP.PassiveConnectionOpenings.Value(),
		TCPRetransmits: st.TCP.Retransmits.Value(),
		IPDropped:      st.IP.MalformedPacketsReceived.Value() + st.IP.InvalidDestinationAddressesReceived.Value(),
	}
	if s.dev != nil {
		out.Device = s.dev.Stats()
	}
	return out
}

// Gvisor exposes the underlying stack for tests and diagnostics.
func (s *Stack) Gvisor() *stack.Stack { return s.s }
