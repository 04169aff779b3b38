// Package vfs is the seam between the transports (the Secure9P server and the
// console) and the namespace providers behind them.
//
// Both transports resolve every request through the same Session, so a read
// or write is checked, budgeted and audited identically whichever wire it
// arrived on. Paths are passed as already-split components; the transports
// validate component syntax (UTF-8, no NUL, no "..", length and depth limits)
// before they call in, and providers may assume it.
package vfs

// Mode says what a node permits. Modes combine: /log/queen.log is
// Read|Append|Stream, a worker telemetry file is Append|Stream.
type Mode uint8

const (
	// Dir nodes can be walked into and listed.
	Dir Mode = 1 << iota
	// Read nodes can be read at arbitrary offsets (CAT, 9P read).
	Read
	// Append nodes accept writes that are appended whatever the offset (ECHO, 9P write).
	Append
	// Stream nodes can be tailed: a snapshot of their newest records.
	Stream
)

func (m Mode) String() string {
	if m == 0 {
		return "none"
	}
	s := ""
	for _, f := range []struct {
		bit  Mode
		name string
	}{{Dir, "dir"}, {Read, "read"}, {Append, "append"}, {Stream, "stream"}} {
		if m&f.bit != 0 {
			if s != "" {
				s += "|"
			}
			s += f.name
		}
	}
	return s
}

// Role is the authenticated principal of a session.
type Role uint8

// Roles as the console protocol numbers them (the ticket claims' role byte).
const (
	RoleQueen Role = iota
	RoleWorkerHeartbeat
	RoleWorkerGPU
	RoleWorkerBus
	RoleWorkerLoRa
	numRoles
)

var roleLabels = [numRoles]string{"queen", "worker-heartbeat", "worker-gpu", "worker-bus", "worker-lora"}

// String returns the canonical label.
func (r Role) String() string {
	if r < numRoles {
		return roleLabels[r]
	}
	return "unknown"
}

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool { return r < numRoles }

// ParseRole maps a label to a Role, ASCII case-insensitively, accepting the
// "worker" alias for worker-heartbeat.
func ParseRole(label string) (Role, bool) {
	l := asciiLower(label)
	if l == "worker" {
		return RoleWorkerHeartbeat, true
	}
	for i, name := range roleLabels {
		if l == name {
			return Role(i), true
		}
	}
	return 0, false
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Stat describes a node.
type Stat struct {
	Name string
	Mode Mode
	// Size is the current length in bytes of a Read or Stream node; 0 for others.
	Size uint64
	// Path is unique and stable for the node's lifetime (the 9P qid path).
	Path uint64
	// Version changes whenever the content changes (the 9P qid version).
	Version uint32
}

// OpenFlag is the access an Open asks for.
type OpenFlag uint8

const (
	// OpenRead asks to read (requires Read or Stream).
	OpenRead OpenFlag = 1 << iota
	// OpenAppend asks to append (requires Append).
	OpenAppend
)

// File is an opened node. Files are not safe for concurrent use; in the image
// everything runs on one loop anyway.
type File interface {
	// ReadAt reads from a Read or Stream node with io.ReaderAt's contract:
	// it may return io.EOF together with the last bytes, and transports
	// treat that io.EOF as the end of the data, not as an error. Stream nodes are read as the
	// bytes currently retained; offsets below the retained base return the
	// oldest retained bytes (see Stat.Size for the total ever written).
	ReadAt(p []byte, off uint64) (int, error)
	// Append appends p as one record; the whole record is accepted or refused.
	Append(p []byte) (int, error)
	// Close releases the handle. Later calls return Closed.
	Close() error
}

// Session is one attached principal's view of the namespace, with its own
// mount table and budgets.
type Session interface {
	Role() Role
	// Stat resolves path (relative to the session root) through the mount table.
	Stat(path []string) (Stat, error)
	// List returns a directory's entries in provider order.
	List(path []string) ([]Stat, error)
	// Open opens a node for the access flags asks for.
	Open(path []string, flags OpenFlag) (File, error)
	// Close ends the session: binds are dropped, open files become Closed.
	Close()
}

// Transport names where an attach arrived, for audit lines and gates.
type Transport uint8

const (
	TransportConsole Transport = iota
	Transport9P
)

// AttachRequest carries a principal's credentials.
type AttachRequest struct {
	Role      Role
	Ticket    string // may be empty for the queen
	Transport Transport
}

// Attacher authenticates principals and opens sessions.
type Attacher interface {
	Attach(req AttachRequest) (Session, error)
}
