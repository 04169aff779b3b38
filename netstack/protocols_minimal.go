//go:build netstack_minimal

package netstack

import "gvisor.dev/gvisor/pkg/tcpip/stack"

// DefaultProtocols is the set New registers when Config.Protocols is nil.
// Built with -tags netstack_minimal, UDP and ICMP sockets are left out of
// the binary.
var DefaultProtocols = MinimalProtocols

var optionalTransports = map[string]stack.TransportProtocolFactory{}
