//go:build linux && arm64 && sel4probe && !sel4bigbss

package main

func checkBSS() bool { return true }
