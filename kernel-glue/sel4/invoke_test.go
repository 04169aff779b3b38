package sel4

import (
	"errors"
	"testing"

	"github.com/cohesix/cohesix/p9srv/vfs"
)

// recorder is a Kernel that keeps the last message and answers with a
// chosen reply.
type recorder struct {
	dest  CPtr
	msg   Msg
	reply Msg
}

func (r *recorder) Call(dest CPtr, m Msg) Msg { r.dest, r.msg = dest, m; return r.reply }

func TestMessageInfo(t *testing.T) {
	m := NewMessageInfo(37, 5, 1, 3)
	if Word(m) != 37<<12|5<<9|1<<7|3 {
		t.Errorf("word %#x", Word(m))
	}
	if m.Label() != 37 || m.CapsUnwrapped() != 5 || m.ExtraCaps() != 1 || m.Length() != 3 {
		t.Errorf("fields %d %d %d %d", m.Label(), m.CapsUnwrapped(), m.ExtraCaps(), m.Length())
	}
	if m.WithLabel(2).Label() != 2 || m.WithLabel(2).Length() != 3 {
		t.Error("WithLabel")
	}
}

// TestInvocationEncoding checks each encoder against the message layouts of
// §5, written out by hand with the 13.0 labels.
func TestInvocationEncoding(t *testing.T) {
	type want struct {
		dest CPtr
		info Word // label<<12 | extraCaps<<7 | length
		caps []CPtr
		mrs  []Word
	}
	cases := []struct {
		name string
		do   func(Invoker) error
		want want
	}{
		{"Untyped_Retype", func(iv Invoker) error { return iv.UntypedRetype(0x12a, SmallPageObject, 0, 0x200, 4) },
			want{0x12a, 1<<12 | 1<<7 | 6, []CPtr{2}, []Word{7, 0, 0, 0, 0x200, 4}}},
		{"CNode_Copy", func(iv Invoker) error { return iv.CNodeCopy(0x201, 0x1, AllRights) },
			want{2, 19<<12 | 1<<7 | 5, []CPtr{2}, []Word{0x201, 64, 1, 64, 0xF}}},
		{"CNode_Mint", func(iv Invoker) error { return iv.CNodeMint(0x201, 0x300, CanRead, 0xbeef) },
			want{2, 20<<12 | 1<<7 | 6, []CPtr{2}, []Word{0x201, 64, 0x300, 64, 0x2, 0xbeef}}},
		{"CNode_Move", func(iv Invoker) error { return iv.CNodeMove(0x201, 0x300) },
			want{2, 21<<12 | 1<<7 | 4, []CPtr{2}, []Word{0x201, 64, 0x300, 64}}},
		{"CNode_Delete", func(iv Invoker) error { return iv.CNodeDelete(0x201) },
			want{2, 17<<12 | 2, nil, []Word{0x201, 64}}},
		{"CNode_Revoke", func(iv Invoker) error { return iv.CNodeRevoke(0x201) },
			want{2, 16<<12 | 2, nil, []Word{0x201, 64}}},
		{"PageTable_Map", func(iv Invoker) error { return iv.PageTableMap(0x210, 3, 0x4000_0000, DefaultVMAttr) },
			want{0x210, 35<<12 | 1<<7 | 2, []CPtr{3}, []Word{0x4000_0000, 3}}},
		{"Page_Map", func(iv Invoker) error { return iv.PageMap(0x211, 3, 0x5000, ReadWrite, DeviceVMAttr) },
			want{0x211, 37<<12 | 1<<7 | 3, []CPtr{3}, []Word{0x5000, 3, 4}}},
		{"Page_Unmap", func(iv Invoker) error { return iv.PageUnmap(0x211) },
			want{0x211, 38 << 12, nil, nil}},
		{"VSpace_Clean_Data", func(iv Invoker) error { return iv.VSpaceCache(CleanData, 3, 0x1000, 0x1800) },
			want{3, 30<<12 | 2, nil, []Word{0x1000, 0x1800}}},
		{"VSpace_Unify_Instruction", func(iv Invoker) error { return iv.VSpaceCache(UnifyInstruction, 3, 0x1000, 0x1800) },
			want{3, 33<<12 | 2, nil, []Word{0x1000, 0x1800}}},
		{"IRQControl_Get", func(iv Invoker) error { return iv.IRQControlGet(33, 0x220) },
			want{4, 25<<12 | 1<<7 | 3, []CPtr{2}, []Word{33, 0x220, 64}}},
		{"IRQControl_GetTrigger", func(iv Invoker) error { return iv.IRQControlGetTrigger(79, true, 0x221) },
			want{4, 46<<12 | 1<<7 | 4, []CPtr{2}, []Word{79, 1, 0x221, 64}}},
		{"IRQHandler_SetNotification", func(iv Invoker) error { return iv.IRQHandlerSetNotification(0x220, 0x230) },
			want{0x220, 27<<12 | 1<<7, []CPtr{0x230}, nil}},
		{"IRQHandler_Ack", func(iv Invoker) error { return iv.IRQHandlerAck(0x220) },
			want{0x220, 26 << 12, nil, nil}},
		{"TCB_Suspend", func(iv Invoker) error { return iv.TCBSuspend(CapInitThreadTCB) },
			want{1, 11 << 12, nil, nil}},
		{"TCB_SetPriority", func(iv Invoker) error { return iv.TCBSetPriority(1, 1, 200) },
			want{1, 6<<12 | 1<<7 | 1, []CPtr{1}, []Word{200}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{}
			if err := tc.do(Invoker{K: r, L: Labels13}); err != nil {
				t.Fatal(err)
			}
			if r.dest != tc.want.dest || Word(r.msg.Info) != tc.want.info {
				t.Errorf("dest %#x info %#x, want %#x %#x", r.dest, Word(r.msg.Info), tc.want.dest, tc.want.info)
			}
			for i, c := range tc.want.caps {
				if r.msg.Caps[i] != c {
					t.Errorf("cap%d = %#x, want %#x", i, r.msg.Caps[i], c)
				}
			}
			for i, w := range tc.want.mrs {
				if r.msg.MR[i] != w {
					t.Errorf("MR%d = %#x, want %#x", i, r.msg.MR[i], w)
				}
			}
		})
	}
}

func TestInvocationErrors(t *testing.T) {
	r := &recorder{reply: reply(FailedLookup, 21, 0, 0, 0)}
	iv := Invoker{K: r, L: Labels14}
	err := iv.PageMap(0x300, 3, 0x1000, ReadWrite, DefaultVMAttr)
	var ke *Error
	if !errors.As(err, &ke) || ke.Code != FailedLookup || ke.Detail[0] != 21 || ke.Op != "Page_Map" {
		t.Fatalf("err = %v", err)
	}
	if !errors.Is(err, vfs.ErrNotFound) || ke.VFS().Kind != vfs.NotFound {
		t.Errorf("kind of FailedLookup should be NotFound")
	}
	if r.msg.Info.Label() != Labels14.ARMPageMap {
		t.Errorf("14.0 Page_Map label %d", r.msg.Info.Label())
	}
	for code, kind := range map[ErrorCode]vfs.Kind{
		NotEnoughMemory: vfs.BufferFull, DeleteFirst: vfs.Busy, RangeError: vfs.Invalid,
		IllegalOperation: vfs.Permission, ErrorCode(99): vfs.KindInternal,
	} {
		if code.Kind() != kind {
			t.Errorf("%v.Kind() = %v, want %v", code, code.Kind(), kind)
		}
	}
	r.reply = reply(NoError, 0x4123_4000)
	if pa, err := iv.PageGetAddress(0x300); err != nil || pa != 0x4123_4000 {
		t.Errorf("GetAddress = %#x, %v", pa, err)
	}
}
