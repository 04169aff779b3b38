//go:build !netstack_minimal

package netstack

import (
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/icmp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
)

// DefaultProtocols is the set New registers when Config.Protocols is nil.
var DefaultProtocols = []string{ProtoIPv4, ProtoARP, ProtoICMP, ProtoTCP, ProtoUDP}

// optionalTransports are linked unless built with -tags netstack_minimal.
var optionalTransports = map[string]stack.TransportProtocolFactory{
	ProtoUDP:  udp.NewProtocol,
	ProtoICMP: icmp.NewProtocol4,
}
