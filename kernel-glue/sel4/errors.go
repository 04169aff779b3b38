package sel4

import (
	"fmt"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// ErrorCode is an seL4_Error, the label of a kernel invocation's reply (§3).
type ErrorCode Word

const (
	NoError           ErrorCode = 0
	InvalidArgument   ErrorCode = 1
	InvalidCapability ErrorCode = 2
	IllegalOperation  ErrorCode = 3
	RangeError        ErrorCode = 4
	AlignmentError    ErrorCode = 5
	FailedLookup      ErrorCode = 6
	TruncatedMessage  ErrorCode = 7
	DeleteFirst       ErrorCode = 8
	RevokeFirst       ErrorCode = 9
	NotEnoughMemory   ErrorCode = 10
)

var errorNames = [...]string{
	"NoError", "InvalidArgument", "InvalidCapability", "IllegalOperation", "RangeError",
	"AlignmentError", "FailedLookup", "TruncatedMessage", "DeleteFirst", "RevokeFirst", "NotEnoughMemory",
}

func (c ErrorCode) String() string {
	if int(c) < len(errorNames) {
		return "seL4_" + errorNames[c]
	}
	return fmt.Sprintf("seL4_Error(%d)", Word(c))
}

// Kind maps a kernel error to the namespace error family, so a failure deep
// in the HAL reaches a console or 9P client with a meaningful kind.
func (c ErrorCode) Kind() vfs.Kind {
	switch c {
	case NotEnoughMemory:
		return vfs.BufferFull
	case DeleteFirst, RevokeFirst:
		return vfs.Busy
	case InvalidCapability, FailedLookup:
		return vfs.NotFound
	case IllegalOperation:
		return vfs.Permission
	case InvalidArgument, RangeError, AlignmentError, TruncatedMessage:
		return vfs.Invalid
	}
	return vfs.KindInternal
}

// Error is a failed kernel invocation: which one, on which cap, the seL4
// error and the detail words the kernel put in MR0..MR3.
type Error struct {
	Op     string
	Cap    CPtr
	Code   ErrorCode
	Detail [FastMessageRegisters]Word
}

func (e *Error) Error() string {
	return fmt.Sprintf("sel4: %s on cap %#x: %v (detail %#x %#x %#x %#x)",
		e.Op, Word(e.Cap), e.Code, e.Detail[0], e.Detail[1], e.Detail[2], e.Detail[3])
}

// Is matches a vfs sentinel by kind, so errors.Is(err, vfs.ErrBufferFull)
// works on kernel errors too.
func (e *Error) Is(target error) bool {
	t, ok := target.(*vfs.Error)
	return ok && t.Op == "" && t.Path == "" && t.Tag == "" && t.Msg == "" && t.Kind == e.Code.Kind()
}

// VFS renders the error as a namespace error for callers that need one.
func (e *Error) VFS() *vfs.Error {
	return &vfs.Error{Kind: e.Code.Kind(), Op: e.Op, Msg: e.Error()}
}

// errorf builds a local (not kernel) failure with a vfs kind.
func errorf(kind vfs.Kind, op, format string, args ...any) *vfs.Error {
	return vfs.Errorf(kind, op, "", format, args...)
}
