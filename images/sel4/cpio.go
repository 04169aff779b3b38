// Package sel4 builds the seL4 boot payload: it rewrites the CPIO archive an
// upstream elfloader embeds so that its rootserver entry is ours, without
// patching or rebuilding any upstream source.
package sel4

import (
	"bytes"
	"fmt"
	"strconv"
)

// newc is the magic of the "new ASCII" CPIO format (no checksum), the one
// seL4's MakeCPIO writes and the elfloader reads.
const newcMagic = "070701"

const (
	newcHeaderLen = 110
	trailerName   = "TRAILER!!!"
	// maxEntries bounds how many members a decoded archive may hold; an
	// elfloader archive has three or four.
	maxEntries = 64
)

// Entry is one member of a newc archive. Header fields other than the name and
// the data are kept so that an unchanged archive re-encodes byte for byte.
type Entry struct {
	Name      string
	Ino       uint32
	Mode      uint32
	UID       uint32
	GID       uint32
	Nlink     uint32
	Mtime     uint32
	DevMajor  uint32
	DevMinor  uint32
	RDevMajor uint32
	RDevMinor uint32
	Check     uint32
	Data      []byte
}

// Archive is a decoded newc archive: its members in order (without the
// trailer), the trailer's header fields, and how many bytes the encoded
// archive used up to and including the trailer's padding.
type Archive struct {
	Entries []Entry
	Trailer Entry
	// Len is the length of the archive proper; bytes after it (the zero
	// fill to a 512-byte block) are not part of any member.
	Len int
}

func align4(n int) int { return (n + 3) &^ 3 }

// ParseArchive decodes a newc archive from b. It stops at the trailer and
// rejects anything malformed: a bad magic, a non-hex field, a name without
// its NUL, a member running past the end of b.
func ParseArchive(b []byte) (*Archive, error) {
	a := &Archive{}
	off := 0
	for {
		if len(a.Entries) > maxEntries {
			return nil, fmt.Errorf("cpio: more than %d members", maxEntries)
		}
		e, next, err := parseEntry(b, off)
		if err != nil {
			return nil, err
		}
		if e.Name == trailerName {
			a.Trailer = e
			a.Len = next
			return a, nil
		}
		a.Entries = append(a.Entries, e)
		off = next
	}
}

func parseEntry(b []byte, off int) (Entry, int, error) {
	var e Entry
	if off < 0 || len(b)-off < newcHeaderLen {
		return e, 0, fmt.Errorf("cpio: truncated header at offset %d", off)
	}
	h := b[off : off+newcHeaderLen]
	if string(h[:6]) != newcMagic {
		return e, 0, fmt.Errorf("cpio: bad magic %q at offset %d (want newc %s)", h[:6], off, newcMagic)
	}
	var f [13]uint32
	for i := range f {
		v, err := strconv.ParseUint(string(h[6+8*i:14+8*i]), 16, 32)
		if err != nil {
			return e, 0, fmt.Errorf("cpio: header field %d at offset %d: %v", i, off, err)
		}
		f[i] = uint32(v)
	}
	e.Ino, e.Mode, e.UID, e.GID, e.Nlink, e.Mtime = f[0], f[1], f[2], f[3], f[4], f[5]
	size := int(f[6])
	e.DevMajor, e.DevMinor, e.RDevMajor, e.RDevMinor = f[7], f[8], f[9], f[10]
	nameSize := int(f[11])
	e.Check = f[12]
	if nameSize < 1 || nameSize > 4096 {
		return e, 0, fmt.Errorf("cpio: name size %d at offset %d", nameSize, off)
	}
	nameStart := off + newcHeaderLen
	if len(b)-nameStart < nameSize {
		return e, 0, fmt.Errorf("cpio: truncated name at offset %d", off)
	}
	name := b[nameStart : nameStart+nameSize]
	if name[nameSize-1] != 0 || bytes.IndexByte(name, 0) != nameSize-1 {
		return e, 0, fmt.Errorf("cpio: name at offset %d is not NUL-terminated", off)
	}
	e.Name = string(name[:nameSize-1])
	dataStart := align4(nameStart + nameSize)
	if dataStart > len(b) || len(b)-dataStart < size {
		return e, 0, fmt.Errorf("cpio: member %q (%d bytes) runs past the archive end", e.Name, size)
	}
	e.Data = b[dataStart : dataStart+size]
	next := align4(dataStart + size)
	if next > len(b) {
		next = len(b)
	}
	return e, next, nil
}

// Encode writes the archive in newc format, members then trailer, each
// header+name and each data part padded to 4 bytes. It returns exactly Len
// bytes of archive; padding to a block size is the caller's business.
func (a *Archive) Encode() []byte {
	var buf bytes.Buffer
	for i := range a.Entries {
		writeEntry(&buf, &a.Entries[i])
	}
	t := a.Trailer
	t.Name, t.Data = trailerName, nil
	writeEntry(&buf, &t)
	return buf.Bytes()
}

func writeEntry(buf *bytes.Buffer, e *Entry) {
	start := buf.Len()
	fmt.Fprintf(buf, "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		newcMagic, e.Ino, e.Mode, e.UID, e.GID, e.Nlink, e.Mtime, len(e.Data),
		e.DevMajor, e.DevMinor, e.RDevMajor, e.RDevMinor, len(e.Name)+1, e.Check)
	buf.WriteString(e.Name)
	buf.WriteByte(0)
	pad(buf, start)
	dataStart := buf.Len()
	buf.Write(e.Data)
	pad(buf, dataStart)
}

func pad(buf *bytes.Buffer, from int) {
	for (buf.Len()-from)%4 != 0 {
		buf.WriteByte(0)
	}
}
