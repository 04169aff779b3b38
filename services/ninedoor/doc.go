// Package ninedoor is the NineDoor namespace: the Hive that authenticates
// principals (tickets, login throttling), serves the synthetic namespace of
// CONSOLE_PROTOCOL.md §7 through per-session mount tables and policy, runs
// queen/worker control (/queen/ctl, lifecycle, heartbeat workers, budgets,
// telemetry ingest, mock GPU and host providers) and keeps the audit log
// /log/queen.log.
//
// A Hive is a vfs.Attacher for both transports (console and Secure9P) and a
// pump task. It never blocks and starts no goroutines; calls take time from
// Config.Clock and timers run from Poll's now. Every table is bounded by
// Config.Limits and refuses with BufferFull when full.
//
// Choices the spec leaves open, made here:
//
//   - Ops budgets and scope rates count Open and List calls (one per console
//     verb); Stat, the 9P walk, is free and only needs a scope of any verb
//     covering the path or lying below it.
//   - Scopes are matched against the canonical path after the session's
//     binds, so a bind cannot widen a ticket.
//   - Cursor quotas apply to paths ending in /telemetry: each read-open is a
//     resume, each ReadAt that returns data an advance.
//   - Bandwidth counts bytes returned by ReadAt, bytes appended and listed
//     names (plus one per entry).
//   - Over Secure9P a worker session whose ticket subject names a live worker
//     of its kind may append to that worker's telemetry (and a GPU worker to
//     its GPU's status), as the reference's worker processes do; each such
//     record is one of the ticket's ticks. The console keeps §3.6: workers
//     append only under /bus and /lora. Spawn budgets' ticks count heartbeats.
//   - A worker's ops budget counts its telemetry records.
//   - Stream files (the queen log, telemetry, GPU, host and watch files) take
//     stream offsets; a read below the retained base jumps to the oldest
//     retained byte and the handle remembers the jump, so off += n readers
//     see each byte once.
//   - /proc/lifecycle/since and /proc/root/last_seen_ms are ms since the hive
//     booted; heartbeat ts_ms and ticket expiry use Unix ms.
//   - A /queen/ctl append may carry several JSON lines; they run in order and
//     the first failure stops the rest.
//   - The ring-wrap audit line is written on the first wrap and then once per
//     ring's worth of overwritten bytes, so a ticking worker cannot flush the
//     queen log.
package ninedoor
