// Package cpio writes "new ASCII" (newc, magic 070701) CPIO archives, the
// format the seL4 elfloader and Linux initramfs read. Archives are
// deterministic: entries are written in the order given with inode numbers
// counting from 1, zero mtime, uid and gid, so the same inputs give the
// same bytes.
package cpio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

const (
	magic      = "070701"
	headerLen  = 110
	trailer    = "TRAILER!!!"
	modeFile   = 0o100000
	modeDir    = 0o040000
	maxNameLen = 4095
)

// Writer appends entries to an archive.
type Writer struct {
	w      io.Writer
	n      int64
	ino    uint32
	closed bool
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Size is the number of bytes written so far.
func (w *Writer) Size() int64 { return w.n }

// Dir adds a directory entry.
func (w *Writer) Dir(name string, perm uint32) error {
	return w.entry(name, modeDir|perm&0o7777, 2, nil)
}

// File adds a regular file.
func (w *Writer) File(name string, perm uint32, data []byte) error {
	return w.entry(name, modeFile|perm&0o7777, 1, data)
}

// Close writes the trailer. It does not close the underlying writer.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	return w.header(trailer, 0, 0, 1, 0)
}

func checkName(name string) error {
	switch {
	case name == "" || len(name) > maxNameLen:
		return fmt.Errorf("cpio: bad name length %d", len(name))
	case strings.HasPrefix(name, "/"):
		return fmt.Errorf("cpio: %q: names are relative", name)
	case name == trailer:
		return errors.New("cpio: the trailer name is reserved")
	case strings.IndexByte(name, 0) >= 0:
		return fmt.Errorf("cpio: %q contains NUL", name)
	}
	for _, el := range strings.Split(name, "/") {
		if el == "" || el == "." || el == ".." {
			return fmt.Errorf("cpio: %q: bad path element %q", name, el)
		}
	}
	return nil
}

func (w *Writer) entry(name string, mode, nlink uint32, data []byte) error {
	if w.closed {
		return errors.New("cpio: write after Close")
	}
	if err := checkName(name); err != nil {
		return err
	}
	if int64(len(data)) > 0xffffffff {
		return fmt.Errorf("cpio: %s: file too large", name)
	}
	w.ino++
	if err := w.header(name, w.ino, mode, nlink, uint32(len(data))); err != nil {
		return err
	}
	if err := w.write(data); err != nil {
		return err
	}
	return w.pad()
}

func (w *Writer) header(name string, ino, mode, nlink, size uint32) error {
	var b bytes.Buffer
	b.WriteString(magic)
	for _, v := range []uint32{ino, mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, uint32(len(name) + 1), 0} {
		fmt.Fprintf(&b, "%08x", v)
	}
	b.WriteString(name)
	b.WriteByte(0)
	if err := w.write(b.Bytes()); err != nil {
		return err
	}
	return w.pad()
}

func (w *Writer) write(p []byte) error {
	n, err := w.w.Write(p)
	w.n += int64(n)
	return err
}

// pad aligns the archive to 4 bytes, as newc requires after every header
// and file body.
func (w *Writer) pad() error {
	if r := w.n % 4; r != 0 {
		return w.write(make([]byte, 4-r))
	}
	return nil
}
