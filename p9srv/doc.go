// Package p9srv is the Secure9P server: 9P2000.L over any non-blocking byte
// stream, resolving every request through a vfs.Session so 9P and the
// console see one namespace with one set of checks.
//
// The server is a single-loop task (no goroutines): the event pump calls
// Poll, which flushes pending replies, decodes and answers a bounded number
// of requests per connection and returns. Every table and buffer is bounded
// and full ones push back instead of growing or dropping.
//
// What is enforced, and why:
//
//   - Version: only 9P2000.L. The string "9P2000.L" or an extension of it
//     ("9P2000.L.Google.7", which gVisor-derived clients such as
//     hugelgupf/p9 ask for first) is answered "9P2000.L", as 9P lets a
//     server answer with the base version it speaks; any other string is
//     answered Rversion "unknown" and the connection stays unversioned. msize is
//     min(client, Options.Msize <= 8192) and a client below MinMsize (512)
//     gets EINVAL. Every other message before a successful Tversion is
//     EINVAL. A Tversion clunks every fid and closes every session of the
//     connection, as 9P requires.
//   - Frames: a frame over the negotiated msize is answered Rlerror
//     EMSGSIZE (TooBig) with its tag and its bytes are skipped, so a client
//     that sent one too-large write can carry on. A declared size under 7
//     or over Options.MaxFrame (1 MiB) is not 9P at all: the connection is
//     closed. Decoding is strict (package proto): length mismatches,
//     truncated fields and trailing bytes are EINVAL.
//   - Tags: at most Options.MaxTags (16, secure9p.tags_per_session)
//     requests in flight per connection, where in flight means decoded and
//     its reply not yet fully written. At the limit the server stops
//     decoding that connection (TCP back-pressure) rather than refusing.
//     A request reusing a tag still in flight is EINVAL and its error reply
//     takes no slot.
//   - Output: each connection has a fixed reply buffer (4*msize). A
//     connection is decoded only while a whole msize reply fits; short
//     writes keep the rest for the next poll. Nothing is ever dropped.
//   - Fids: per connection, at most Options.MaxFids (64), else ENOSPC
//     (BufferFull). An unknown or clunked fid is EBADF (Closed); a newfid
//     or attach fid already in use is EINVAL. Walking or re-opening an open
//     fid is EINVAL. Clunking the last fid of an attach closes its session;
//     closing the connection closes all of them.
//   - Walks: components must be non-empty, not "." or "..", valid UTF-8,
//     without NUL or '/', at most 255 bytes; a fid's path is at most
//     Options.MaxWalkDepth (8) components from the root. All of these are
//     EINVAL (Invalid, as the reference NineDoor answers ".."): there is no
//     way up, so a session can never see outside its root. A walk that
//     fails on its first name returns that name's error; one that fails
//     later answers the qids it got and binds nothing, as 9P specifies.
//   - Attach: afid must be NOFID (no Tauth: it answers EOPNOTSUPP); the
//     aname carries the credentials, "<role>" or "<role> <ticket>" with
//     vfs.ParseRole labels; uname and n_uname are ignored. The Attacher's
//     error is answered as its Kind's errno.
//   - Open: O_RDONLY reads, O_WRONLY appends (O_APPEND is allowed and
//     implied), O_RDWR does both; O_CREAT, O_EXCL and O_TRUNC are EPERM
//     since nothing is created or truncated over 9P. Directories open
//     read-only. Writes append whatever their offset.
//   - Refusals: Tremove is EOPNOTSUPP (Unsupported: remove is disabled)
//     and, as 9P requires, still clunks its fid. Mutations (Tlcreate,
//     Tmkdir, Tsymlink, Tmknod, Tlink, Trename, Trenameat, Tunlinkat,
//     Tsetattr, Txattrcreate) are EPERM (Permission). Tauth, Txattrwalk,
//     Treadlink, Tfsync, Tlock and Tgetlock are EOPNOTSUPP. Any other type,
//     including R-messages sent to the server and 9P2000's Terror, is
//     EINVAL.
//   - Errors from the namespace are answered as vfs.KindOf(err).Errno().
//
// Tflush is answered at once: every request is answered before the next is
// decoded, so the flushed one already has its reply queued ahead of Rflush.
// Getattr reports st_mode S_IFDIR|0555 for directories and S_IFREG with
// 0444 (read or stream), 0222 (append) or 0666 (both) for files, nlink 1,
// uid/gid 0 and zero times so replies are deterministic. Readdir offsets are
// entry cookies into a listing snapshot taken at offset 0, and "." and ".."
// are not listed.
package p9srv
