package main

import "github.com/cohesix/cohesix/netstack"

var protocols = netstack.DefaultProtocols
