//go:build cohesix

package main

// The board supplies the runtime hooks; without one nothing links.
import _ "github.com/cohesix/cohesix/kernel-glue/virt"
