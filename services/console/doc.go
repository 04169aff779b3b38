// Package console is the Cohesix operator console: one command language
// (CONSOLE_PROTOCOL.md §2) served over a length-framed TCP connection and a
// newline-terminated serial line, as a single goroutine-free pump task.
//
// # Session state machine
//
// A TCP connection moves through
//
//	accept → WAIT_AUTH ─(AUTH ok)→ OPEN ─(ATTACH ok)→ OPEN+session
//	              │                   │
//	              └─(bad AUTH, timeout, malformed frame)→ CLOSING → closed
//	                                  └─(quit, EOF, I/O error, idle timeout)→ CLOSING → closed
//
// WAIT_AUTH accepts exactly one frame, checked in the §1.6 order; a failure
// or the 5 s AUTH timeout is answered with its ERR AUTH line and the
// connection closes. In OPEN every frame is one request line, executed
// strictly in order; ATTACH opens a vfs.Session through the Hive and a later
// ATTACH replaces it. CLOSING executes nothing more: pending output is
// flushed and the connection is closed when the flush completes or after
// QuitFlush (250 ms), whichever is first. Closing ends the session (the Hive
// hears SessionEnded with clean=true only after quit). At most one TCP
// connection is served; further connections are closed as soon as they are
// accepted, without a byte.
//
// The serial console starts in OPEN with no AUTH (the physical line is the
// credential) and has no idle timeout. It reads text lines ended by \n with
// the reference's byte quirks (\r ignored, 0x08/0x7f erase, other control
// characters dropped, bytes taken as Latin-1) and writes each line followed
// by \r\n, without a prompt, so a script sees only protocol lines. quit
// answers OK QUIT and ends the session but keeps the line open; a line over
// 256 bytes is refused with `console line exceeded maximum length` and
// discarded up to its newline.
//
// # Namespace verbs
//
// TAIL, CAT, LS, ECHO, LOG, SPAWN and KILL reach the namespace only through
// vfs.Session (Stat, List, Open, ReadAt, Append), the calls the 9P server
// makes, so scopes, quotas and audit apply identically. Their errors are
// rendered by ErrLine, the one mapping from *vfs.Error to an ERR line (§6).
// Streams are checked whole before the ack is sent: more than 64 lines, or a
// data line over 256 bytes, is refused as `reason=quota detail=buffer-full`
// rather than dropped or split.
//
// # Differences from the reference, and why
//
//   - No drop-oldest queue. The reference keeps 8 inbound lines and silently
//     drops older ones (10 pipelined PINGs get 8 replies). Here a line is only
//     executed while its largest possible reply fits in the output queue, and
//     the connection is not read while that queue or the input queue is full,
//     so every line gets its reply and a slow reader only slows itself.
//   - ERR before close. Failed AUTH, AUTH timeout and idle timeout deliver
//     their ERR line before the connection closes; the reference closes
//     first and the client sees a bare EOF.
//   - Acks first. Non-stream verbs send their ack before their text lines
//     (OK PING reply=pong, then PONG), the order the reference produces on
//     the wire.
//   - ATTACH tickets are trimmed, and SPAWN/KILL scope refusals from the
//     session arrive as the second ERR line after the OK ack, because
//     authorisation lives in the session rather than in the console.
//   - TCP lines must be UTF-8 (else the connection closes, §1.4) and are not
//     Latin-1-mangled; a trailing CR/LF inside a frame is tolerated.
package console
