// Package cohclient is the host-side client of the Cohesix TCP console,
// shared by cohsh, coh and the integration tests.
//
// It holds everything an operator tool needs short of a terminal: the
// framed console connection with AUTH, retry and reconnect (Console), the
// client console lock, the local checks cohsh makes before anything reaches
// the wire (paths, payloads, tickets), the /queen/ctl JSON builders, the
// .coh script lexer and checker, and the Shell that executes cohsh commands
// and scripts and runs the in-session self-test. Output text matches the
// reference cohsh line for line so transcripts and scripts port unchanged.
//
// The normative protocol is CONSOLE_PROTOCOL.md; section numbers in comments
// refer to it.
package cohclient
