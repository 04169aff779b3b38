package netstack_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/checksum"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"

	"github.com/cohesix/cohesix/netstack"
)

var guestAddr = tcpip.AddrFrom4([4]byte{10, 0, 2, 15})

func ethFrame(dst, src tcpip.LinkAddress, typ tcpip.NetworkProtocolNumber, payload []byte) []byte {
	f := make([]byte, header.EthernetMinimumSize+len(payload))
	header.Ethernet(f).Encode(&header.EthernetFields{SrcAddr: src, DstAddr: dst, Type: typ})
	copy(f[header.EthernetMinimumSize:], payload)
	return f
}

func arpFrame(op header.ARPOp, srcMAC tcpip.LinkAddress, src, dst tcpip.Address, dstMAC tcpip.LinkAddress) []byte {
	a := header.ARP(make([]byte, header.ARPSize))
	a.SetIPv4OverEthernet()
	a.SetOp(op)
	copy(a.HardwareAddressSender(), srcMAC)
	copy(a.ProtocolAddressSender(), src.AsSlice())
	copy(a.HardwareAddressTarget(), dstMAC)
	copy(a.ProtocolAddressTarget(), dst.AsSlice())
	ethDst := dstMAC
	if op == header.ARPRequest {
		ethDst = header.EthernetBroadcastAddress
	}
	return ethFrame(ethDst, srcMAC, header.ARPProtocolNumber, a)
}

func echoRequest(id, seq uint16, data []byte) []byte {
	ip := header.IPv4(make([]byte, header.IPv4MinimumSize+header.ICMPv4MinimumSize+len(data)))
	ip.Encode(&header.IPv4Fields{
		TotalLength: uint16(len(ip)), TTL: 64, Protocol: uint8(header.ICMPv4ProtocolNumber),
		SrcAddr: peerAddr, DstAddr: guestAddr,
	})
	ip.SetChecksum(^ip.CalculateChecksum())
	icmp := header.ICMPv4(ip[header.IPv4MinimumSize:])
	icmp.SetType(header.ICMPv4Echo)
	icmp.SetIdent(id)
	icmp.SetSequence(seq)
	copy(icmp.Payload(), data)
	icmp.SetChecksum(header.ICMPv4Checksum(icmp[:header.ICMPv4MinimumSize], checksum.Checksum(data, 0)))
	return ethFrame(tcpip.LinkAddress(guestMAC[:]), peerMAC, header.IPv4ProtocolNumber, ip)
}

// TestARPAndEcho speaks raw frames to the stack through the driver: an ARP
// request for 10.0.2.15 must get a reply carrying the device's MAC, and an
// ICMP echo request must come back as a reply with the same payload.
func TestARPAndEcho(t *testing.T) {
	h := newHarness(t, netstack.DefaultConfig(), false)
	var frames [][]byte
	h.raw = func(f []byte) { frames = append(frames, f) }

	h.dev.Inject(arpFrame(header.ARPRequest, peerMAC, peerAddr, guestAddr, ""))
	var reply header.ARP
	h.until("ARP reply", 100, func() bool {
		for _, f := range frames {
			eth := header.Ethernet(f)
			if eth.Type() == header.ARPProtocolNumber {
				if a := header.ARP(f[header.EthernetMinimumSize:]); a.IsValid() && a.Op() == header.ARPReply {
					reply = a
					return true
				}
			}
		}
		return false
	})
	if got := tcpip.LinkAddress(reply.HardwareAddressSender()); got != tcpip.LinkAddress(guestMAC[:]) {
		t.Errorf("ARP reply MAC %v, want %v", got, tcpip.LinkAddress(guestMAC[:]))
	}
	if got := tcpip.AddrFrom4Slice(reply.ProtocolAddressSender()); got != guestAddr {
		t.Errorf("ARP reply for %v, want %v", got, guestAddr)
	}

	frames = nil
	payload := []byte("cohesix ping payload")
	h.dev.Inject(echoRequest(7, 1, payload))
	h.until("echo reply", 100, func() bool {
		for _, f := range frames {
			if header.Ethernet(f).Type() == header.ARPProtocolNumber {
				a := header.ARP(f[header.EthernetMinimumSize:])
				if a.Op() == header.ARPRequest { // the stack may re-resolve us
					h.dev.Inject(arpFrame(header.ARPReply, peerMAC, peerAddr, guestAddr, tcpip.LinkAddress(guestMAC[:])))
				}
				continue
			}
			ip := header.IPv4(f[header.EthernetMinimumSize:])
			if !ip.IsValid(len(ip)) || ip.Protocol() != uint8(header.ICMPv4ProtocolNumber) {
				continue
			}
			icmp := header.ICMPv4(ip.Payload())
			if icmp.Type() == header.ICMPv4EchoReply && icmp.Ident() == 7 && bytes.Equal(icmp.Payload(), payload) {
				if ip.DestinationAddress() != peerAddr || tcpip.LinkAddress(header.Ethernet(f).DestinationAddress()) != peerMAC {
					t.Errorf("echo reply to %v/%v", ip.DestinationAddress(), header.Ethernet(f).DestinationAddress())
				}
				return true
			}
		}
		frames = nil
		return false
	})
	h.checkDevice()
}

// TestTCPEcho: the peer stack dials the console port on the guest, sends
// lines, reads them echoed back, then closes; the guest sees EOF.
func TestTCPEcho(t *testing.T) {
	for _, nonCoherent := range []bool{false, true} {
		t.Run(fmt.Sprintf("noncoherent=%v", nonCoherent), func(t *testing.T) { testTCPEcho(t, nonCoherent) })
	}
}

func testTCPEcho(t *testing.T, nonCoherent bool) {
	h := newHarnessDMA(t, netstack.DefaultConfig(), true, nonCoherent)
	l, err := h.st.ListenTCP(31337, 8)
	if err != nil {
		t.Fatal(err)
	}
	if l.Addr() != "10.0.2.15:31337" {
		t.Errorf("Addr = %q", l.Addr())
	}
	if c, err := l.Accept(); c != nil || err != nil {
		t.Fatalf("Accept with nothing pending = %v, %v; want nil, nil", c, err)
	}

	msg := []byte("attach queen\nlog\nquit\n")
	peerDone := make(chan error, 1)
	go func() {
		c, err := gonet.DialTCP(h.peer, tcpip.FullAddress{NIC: 1, Addr: guestAddr, Port: 31337}, ipv4.ProtocolNumber)
		if err != nil {
			peerDone <- err
			return
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Write(msg); err != nil {
			peerDone <- err
			return
		}
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(c, got); err != nil {
			peerDone <- err
			return
		}
		if !bytes.Equal(got, msg) {
			peerDone <- errors.New("echo mismatch: " + string(got))
			return
		}
		peerDone <- c.Close()
	}()

	var conn *netstack.Conn
	h.until("accept", 5000, func() bool {
		c, err := l.Accept()
		if err != nil {
			t.Fatal(err)
		}
		conn = c
		return c != nil
	})
	if !strings.HasPrefix(conn.RemoteAddr(), "10.0.2.2:") {
		t.Errorf("RemoteAddr = %q", conn.RemoteAddr())
	}
	var echoed []byte
	buf := make([]byte, 7) // small reads exercise partial delivery
	eof := false
	h.until("EOF after echo", 20000, func() bool {
		n, err := conn.Read(buf)
		if err == io.EOF {
			eof = true
			return true
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if n > 0 {
			echoed = append(echoed, buf[:n]...)
			if w, err := conn.Write(buf[:n]); w != n || err != nil {
				t.Fatalf("Write = %d, %v", w, err)
			}
		}
		return false
	})
	if !eof || !bytes.Equal(echoed, msg) {
		t.Fatalf("guest read %q (eof %v), want %q", echoed, eof, msg)
	}
	if err := <-peerDone; err != nil {
		t.Fatalf("peer: %v", err)
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	conn.Close() // idempotent
	if _, err := conn.Read(buf); err != netstack.ErrClosed {
		t.Errorf("Read after Close = %v, want ErrClosed", err)
	}
	l.Close()
	if _, err := l.Accept(); err != netstack.ErrClosed {
		t.Errorf("Accept after Close = %v", err)
	}
	h.step()
	if status, raised := h.dev.InterruptStatus(); status != 0 || raised == 0 {
		t.Errorf("interrupt status %#x after Poll (raised %d times); Poll must ack the line", status, raised)
	}
	st := h.st.Stats()
	if st.TCPPassive != 1 || st.Link.RxPackets == 0 || st.Device.TxFrames == 0 {
		t.Errorf("stats = %+v", st)
	}
	h.checkDevice()
}

// TestBackPressure streams 3 MiB (more than the 1 MiB send buffer) from the guest over a 4-descriptor tx
// ring while the wire stalls in bursts: Write must accept partial amounts,
// the link must drop (and count) frames when the ring is full, and TCP
// must still deliver every byte in order. Then the guest closes and the
// peer reads EOF.
func TestBackPressure(t *testing.T) {
	cfg := netstack.DefaultConfig()
	cfg.QueueSize = 4
	h := newHarness(t, cfg, true)
	const total = 3 << 20
	data := make([]byte, total)
	for i := range data {
		data[i] = byte(i * 7)
	}

	ln, err := gonet.ListenTCP(h.peer, tcpip.FullAddress{NIC: 1, Addr: peerAddr, Port: 9000}, ipv4.ProtocolNumber)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peerGot := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			peerGot <- nil
			return
		}
		c.SetDeadline(time.Now().Add(30 * time.Second))
		b, _ := io.ReadAll(c) // until the guest's FIN
		c.Close()
		peerGot <- b
	}()

	conn, err := h.st.DialTCP("10.0.2.2:9000")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := conn.Write(data); n != 0 || err != nil {
		t.Fatalf("Write before the handshake = %d, %v; want 0, nil", n, err)
	}
	h.until("connected", 5000, conn.Connected)

	sent, partial, steps := 0, 0, 0
	h.until("all written", 200000, func() bool {
		steps++
		h.dev.SetHoldTx(steps%50 < 20) // the wire stalls 20 of every 50 ms
		if sent < total {
			n, err := conn.Write(data[sent:])
			if err != nil {
				t.Fatalf("Write: %v", err)
			}
			if n < total-sent {
				partial++
			}
			sent += n
		}
		return sent == total
	})
	h.dev.SetHoldTx(false)
	h.dev.ProcessTx()
	if err := conn.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	var got []byte
	h.until("peer read everything", 200000, func() bool {
		select {
		case got = <-peerGot:
			return true
		default:
			return false
		}
	})
	if !bytes.Equal(got, data) {
		t.Fatalf("peer got %d bytes, want %d identical", len(got), total)
	}
	if partial == 0 {
		t.Errorf("Write never returned a partial count; the send buffer should have filled")
	}
	st := h.st.Stats()
	if st.Link.TxDropRingFull == 0 || st.Device.TxFull == 0 {
		t.Errorf("no tx-ring-full drops recorded with a 4-slot ring and a stalling wire: %+v", st)
	}
	if st.TCPRetransmits == 0 {
		t.Errorf("no retransmits after drops: %+v", st)
	}
	t.Logf("partial writes %d, ring-full drops %d, retransmits %d, steps %d", partial, st.Link.TxDropRingFull, st.TCPRetransmits, steps)
	conn.Close()
	h.checkDevice()
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*netstack.Config)
		want string
	}{
		{"ipv6 address", func(c *netstack.Config) { c.Address = "fe80::1" }, "not IPv4"},
		{"bad prefix", func(c *netstack.Config) { c.PrefixLen = 0 }, "prefix length"},
		{"bad gateway", func(c *netstack.Config) { c.Gateway = "gw" }, "gateway"},
		{"unknown protocol", func(c *netstack.Config) { c.Protocols = []string{"ipv4", "arp", "tcp", "sctp"} }, "sctp"},
		{"no tcp", func(c *netstack.Config) { c.Protocols = []string{"ipv4", "arp"} }, "lacks tcp"},
		{"bad mac", func(c *netstack.Config) { c.MAC = "52:54:00" }, "MAC"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := netstack.DefaultConfig()
			tc.edit(&cfg)
			dev := newHarnessDevice()
			_, err := netstack.New(dev, cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New error = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	cfg := netstack.DefaultConfig()
	cfg.Address = "10.0.2.15/24"
	cfg.Protocols = []string{"ipv4", "arp", "tcp"}
	st, err := netstack.New(newHarnessDevice(), cfg)
	if err != nil {
		t.Fatalf("minimal protocol set with prefix address: %v", err)
	}
	if st.Address() != "10.0.2.15" || st.MAC() != "52:54:00:12:34:56" {
		t.Errorf("Address %q MAC %q", st.Address(), st.MAC())
	}
	st.Close()
}

// TestPollDeadline: an idle stack asks to be polled again within the poll
// interval, never in the past.
func TestPollDeadline(t *testing.T) {
	cfg := netstack.DefaultConfig()
	cfg.PollInterval = 5 * time.Millisecond
	h := newHarness(t, cfg, false)
	now := t0.Add(time.Second)
	next := h.st.Poll(now, time.Millisecond)
	if next.Before(now) || next.After(now.Add(5*time.Millisecond)) {
		t.Fatalf("next = %v, want within (now, now+5ms]", next.Sub(now))
	}
}

// TestPeerReset: a peer that closes with unread data resets the
// connection; the guest's Read reports it as a reset, not as EOF.
func TestPeerReset(t *testing.T) {
	h := newHarness(t, netstack.DefaultConfig(), true)
	l, err := h.st.ListenTCP(31337, 8)
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	var wrote bool
	go func() {
		defer close(closed)
		c, err := gonet.DialTCP(h.peer, tcpip.FullAddress{NIC: 1, Addr: guestAddr, Port: 31337}, ipv4.ProtocolNumber)
		if err != nil {
			t.Error(err)
			return
		}
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		one := make([]byte, 1)
		if _, err := io.ReadFull(c, one); err != nil { // wait for the guest's data, leave the rest unread
			t.Error(err)
		}
		c.Close()
	}()
	var conn *netstack.Conn
	h.until("accept", 5000, func() bool {
		conn, _ = l.Accept()
		return conn != nil
	})
	var rerr error
	h.until("reset seen", 20000, func() bool {
		if !wrote {
			if n, _ := conn.Write(bytes.Repeat([]byte("x"), 4096)); n > 0 {
				wrote = true
			}
		}
		select {
		case <-closed:
		default:
			return false
		}
		_, rerr = conn.Read(make([]byte, 16))
		return rerr != nil
	})
	var ne *netstack.Error
	if !errors.As(rerr, &ne) || !ne.Reset() {
		t.Fatalf("Read after the peer's RST = %v, want a reset *netstack.Error", rerr)
	}
	conn.Close()
	h.checkDevice()
}

// TestDeviceResetMidStream breaks the device in the middle of a transfer
// (the used index jumps past the ring); the link resets it on the next
// Poll and TCP carries on, every byte delivered in order.
func TestDeviceResetMidStream(t *testing.T) {
	h := newHarness(t, netstack.DefaultConfig(), true)
	l, err := h.st.ListenTCP(31337, 8)
	if err != nil {
		t.Fatal(err)
	}
	const total = 256 << 10
	data := make([]byte, total)
	for i := range data {
		data[i] = byte(i * 13)
	}
	go func() {
		c, err := gonet.DialTCP(h.peer, tcpip.FullAddress{NIC: 1, Addr: guestAddr, Port: 31337}, ipv4.ProtocolNumber)
		if err != nil {
			t.Error(err)
			return
		}
		c.SetDeadline(time.Now().Add(30 * time.Second))
		c.Write(data)
		c.Close()
	}()
	var conn *netstack.Conn
	h.until("accept", 5000, func() bool {
		conn, _ = l.Accept()
		return conn != nil
	})
	var got []byte
	buf := make([]byte, 8192)
	broke := false
	h.until("EOF", 200000, func() bool {
		n, err := conn.Read(buf)
		got = append(got, buf[:n]...)
		if !broke && len(got) > total/4 {
			broke = true
			used := h.dev.Used(0)
			used[2] += 100 // a used index 100 ahead of anything posted
		}
		return err == io.EOF
	})
	if !bytes.Equal(got, data) {
		t.Fatalf("received %d bytes, want %d identical", len(got), total)
	}
	st := h.st.Stats()
	if st.Link.DeviceErrors != 1 || st.Link.Resets != 1 || st.Device.Resets != 1 {
		t.Fatalf("want one failure and one reset: %+v", st)
	}
	h.checkDevice()
}

// TestBrokenDeviceBacksOff: while a broken device refuses to come back,
// Poll neither spins nor stops trying; once the device cooperates the
// next attempt (a second later) brings the link back.
func TestBrokenDeviceBacksOff(t *testing.T) {
	h := newHarness(t, netstack.DefaultConfig(), false)
	var frames int
	h.raw = func([]byte) { frames++ }
	h.step()
	used := h.dev.Used(0)
	used[2] += 100
	h.dev.QueueMax = 0 // resets fail: no queues
	now := h.now
	for i := 0; i < 50; i++ {
		now = now.Add(time.Millisecond)
		if next := h.st.Poll(now, time.Millisecond); !next.After(now) {
			t.Fatalf("poll %d with a dead device asked to run again at once", i)
		}
	}
	if st := h.st.Stats(); st.Link.DeviceErrors != 1 || st.Link.Resets != 0 || h.st.Err() == nil {
		t.Fatalf("stats %+v, err %v", st, h.st.Err())
	}
	h.dev.QueueMax = 256
	h.now = now
	h.until("reset", 3000, func() bool { return h.st.Stats().Link.Resets == 1 })
	if h.st.Err() != nil {
		t.Fatalf("Err after reset: %v", h.st.Err())
	}
	h.dev.Inject(arpFrame(header.ARPRequest, peerMAC, peerAddr, guestAddr, ""))
	h.until("ARP reply after reset", 100, func() bool { return frames > 0 })
	h.checkDevice()
}
