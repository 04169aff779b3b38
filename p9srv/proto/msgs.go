package proto

// TversionMsg negotiates msize and the protocol version.
type TversionMsg struct {
	Msize   uint32
	Version string
}

func (*TversionMsg) Type() Type { return Tversion }
func (m *TversionMsg) appendBody(b []byte) []byte {
	return appendStr(appendU32(b, m.Msize), m.Version)
}
func (m *TversionMsg) decodeBody(d *decoder) { m.Msize = d.u32(); m.Version = d.str() }

// RversionMsg answers Tversion.
type RversionMsg struct {
	Msize   uint32
	Version string
}

func (*RversionMsg) Type() Type { return Rversion }
func (m *RversionMsg) appendBody(b []byte) []byte {
	return appendStr(appendU32(b, m.Msize), m.Version)
}
func (m *RversionMsg) decodeBody(d *decoder) { m.Msize = d.u32(); m.Version = d.str() }

// TauthMsg asks for an authentication fid (the server has none).
type TauthMsg struct {
	Afid   uint32
	Uname  string
	Aname  string
	NUname uint32
}

func (*TauthMsg) Type() Type { return Tauth }
func (m *TauthMsg) appendBody(b []byte) []byte {
	b = appendU32(b, m.Afid)
	b = appendStr(b, m.Uname)
	b = appendStr(b, m.Aname)
	return appendU32(b, m.NUname)
}
func (m *TauthMsg) decodeBody(d *decoder) {
	m.Afid = d.u32()
	m.Uname = d.str()
	m.Aname = d.str()
	m.NUname = d.u32()
}

// RauthMsg answers Tauth.
type RauthMsg struct{ Aqid Qid }

func (*RauthMsg) Type() Type                   { return Rauth }
func (m *RauthMsg) appendBody(b []byte) []byte { return appendQid(b, m.Aqid) }
func (m *RauthMsg) decodeBody(d *decoder)      { m.Aqid = d.qid() }

// TattachMsg attaches fid to the root of a session. Aname carries the
// credentials.
type TattachMsg struct {
	Fid    uint32
	Afid   uint32
	Uname  string
	Aname  string
	NUname uint32
}

func (*TattachMsg) Type() Type { return Tattach }
func (m *TattachMsg) appendBody(b []byte) []byte {
	b = appendU32(b, m.Fid)
	b = appendU32(b, m.Afid)
	b = appendStr(b, m.Uname)
	b = appendStr(b, m.Aname)
	return appendU32(b, m.NUname)
}
func (m *TattachMsg) decodeBody(d *decoder) {
	m.Fid = d.u32()
	m.Afid = d.u32()
	m.Uname = d.str()
	m.Aname = d.str()
	m.NUname = d.u32()
}

// RattachMsg answers Tattach with the root's qid.
type RattachMsg struct{ Qid Qid }

func (*RattachMsg) Type() Type                   { return Rattach }
func (m *RattachMsg) appendBody(b []byte) []byte { return appendQid(b, m.Qid) }
func (m *RattachMsg) decodeBody(d *decoder)      { m.Qid = d.qid() }

// RlerrorMsg is the 9P2000.L error reply: a Linux errno.
type RlerrorMsg struct{ Ecode uint32 }

func (*RlerrorMsg) Type() Type                   { return Rlerror }
func (m *RlerrorMsg) appendBody(b []byte) []byte { return appendU32(b, m.Ecode) }
func (m *RlerrorMsg) decodeBody(d *decoder)      { m.Ecode = d.u32() }

// TflushMsg asks to abort the request tagged Oldtag.
type TflushMsg struct{ Oldtag uint16 }

func (*TflushMsg) Type() Type                   { return Tflush }
func (m *TflushMsg) appendBody(b []byte) []byte { return appendU16(b, m.Oldtag) }
func (m *TflushMsg) decodeBody(d *decoder)      { m.Oldtag = d.u16() }

// RflushMsg answers Tflush.
type RflushMsg struct{}

func (*RflushMsg) Type() Type                   { return Rflush }
func (m *RflushMsg) appendBody(b []byte) []byte { return b }
func (m *RflushMsg) decodeBody(*decoder)        {}

// TwalkMsg walks Names from Fid, binding the result to Newfid.
type TwalkMsg struct {
	Fid    uint32
	Newfid uint32
	Names  []string
}

func (*TwalkMsg) Type() Type { return Twalk }
func (m *TwalkMsg) appendBody(b []byte) []byte {
	b = appendU32(b, m.Fid)
	b = appendU32(b, m.Newfid)
	b = appendU16(b, uint16(len(m.Names)))
	for _, n := range m.Names {
		b = appendStr(b, n)
	}
	return b
}
func (m *TwalkMsg) decodeBody(d *decoder) {
	m.Fid = d.u32()
	m.Newfid = d.u32()
	n := int(d.u16())
	if n > MaxWalkElems {
		d.fail("more than 16 walk names")
		return
	}
	m.Names = m.Names[:0]
	for i := 0; i < n && d.err == ""; i++ {
		m.Names = append(m.Names, d.str())
	}
}

// RwalkMsg answers Twalk with one qid per name walked.
type RwalkMsg struct{ Qids []Qid }

func (*RwalkMsg) Type() Type { return Rwalk }
func (m *RwalkMsg) appendBody(b []byte) []byte {
	b = appendU16(b, uint16(len(m.Qids)))
	for _, q := range m.Qids {
		b = appendQid(b, q)
	}
	return b
}
func (m *RwalkMsg) decodeBody(d *decoder) {
	n := int(d.u16())
	if n > MaxWalkElems {
		d.fail("more than 16 walk qids")
		return
	}
	if !d.need(n * QidSize) {
		return
	}
	m.Qids = make([]Qid, n)
	for i := range m.Qids {
		m.Qids[i] = d.qid()
	}
}

// TlopenMsg opens Fid with Linux open(2) flags.
type TlopenMsg struct {
	Fid   uint32
	Flags uint32
}

func (*TlopenMsg) Type() Type                   { return Tlopen }
func (m *TlopenMsg) appendBody(b []byte) []byte { return appendU32(appendU32(b, m.Fid), m.Flags) }
func (m *TlopenMsg) decodeBody(d *decoder)      { m.Fid = d.u32(); m.Flags = d.u32() }

// RlopenMsg answers Tlopen.
type RlopenMsg struct {
	Qid    Qid
	Iounit uint32
}

func (*RlopenMsg) Type() Type                   { return Rlopen }
func (m *RlopenMsg) appendBody(b []byte) []byte { return appendU32(appendQid(b, m.Qid), m.Iounit) }
func (m *RlopenMsg) decodeBody(d *decoder)      { m.Qid = d.qid(); m.Iounit = d.u32() }

// TreadMsg reads Count bytes at Offset.
type TreadMsg struct {
	Fid    uint32
	Offset uint64
	Count  uint32
}

func (*TreadMsg) Type() Type { return Tread }
func (m *TreadMsg) appendBody(b []byte) []byte {
	return appendU32(appendU64(appendU32(b, m.Fid), m.Offset), m.Count)
}
func (m *TreadMsg) decodeBody(d *decoder) { m.Fid = d.u32(); m.Offset = d.u64(); m.Count = d.u32() }

// RreadMsg answers Tread. Data aliases the decoded frame.
type RreadMsg struct{ Data []byte }

func (*RreadMsg) Type() Type { return Rread }
func (m *RreadMsg) appendBody(b []byte) []byte {
	return append(appendU32(b, uint32(len(m.Data))), m.Data...)
}
func (m *RreadMsg) decodeBody(d *decoder) { m.Data = d.bytes(int(d.u32())) }

// TwriteMsg writes Data at Offset. Data aliases the decoded frame.
type TwriteMsg struct {
	Fid    uint32
	Offset uint64
	Data   []byte
}

func (*TwriteMsg) Type() Type { return Twrite }
func (m *TwriteMsg) appendBody(b []byte) []byte {
	b = appendU64(appendU32(b, m.Fid), m.Offset)
	return append(appendU32(b, uint32(len(m.Data))), m.Data...)
}
func (m *TwriteMsg) decodeBody(d *decoder) {
	m.Fid = d.u32()
	m.Offset = d.u64()
	m.Data = d.bytes(int(d.u32()))
}

// RwriteMsg answers Twrite.
type RwriteMsg struct{ Count uint32 }

func (*RwriteMsg) Type() Type                   { return Rwrite }
func (m *RwriteMsg) appendBody(b []byte) []byte { return appendU32(b, m.Count) }
func (m *RwriteMsg) decodeBody(d *decoder)      { m.Count = d.u32() }

// TclunkMsg forgets Fid.
type TclunkMsg struct{ Fid uint32 }

func (*TclunkMsg) Type() Type                   { return Tclunk }
func (m *TclunkMsg) appendBody(b []byte) []byte { return appendU32(b, m.Fid) }
func (m *TclunkMsg) decodeBody(d *decoder)      { m.Fid = d.u32() }

// RclunkMsg answers Tclunk.
type RclunkMsg struct{}

func (*RclunkMsg) Type() Type                   { return Rclunk }
func (m *RclunkMsg) appendBody(b []byte) []byte { return b }
func (m *RclunkMsg) decodeBody(*decoder)        {}

// TremoveMsg removes the node of Fid and clunks Fid.
type TremoveMsg struct{ Fid uint32 }

func (*TremoveMsg) Type() Type                   { return Tremove }
func (m *TremoveMsg) appendBody(b []byte) []byte { return appendU32(b, m.Fid) }
func (m *TremoveMsg) decodeBody(d *decoder)      { m.Fid = d.u32() }

// RremoveMsg answers Tremove.
type RremoveMsg struct{}

func (*RremoveMsg) Type() Type                   { return Rremove }
func (m *RremoveMsg) appendBody(b []byte) []byte { return b }
func (m *RremoveMsg) decodeBody(*decoder)        {}

// TgetattrMsg asks for the attributes in RequestMask.
type TgetattrMsg struct {
	Fid         uint32
	RequestMask uint64
}

func (*TgetattrMsg) Type() Type { return Tgetattr }
func (m *TgetattrMsg) appendBody(b []byte) []byte {
	return appendU64(appendU32(b, m.Fid), m.RequestMask)
}
func (m *TgetattrMsg) decodeBody(d *decoder) { m.Fid = d.u32(); m.RequestMask = d.u64() }

// Getattr mask bits (Linux P9_GETATTR_*).
const (
	GetattrMode   uint64 = 0x00000001
	GetattrNlink  uint64 = 0x00000002
	GetattrUID    uint64 = 0x00000004
	GetattrGID    uint64 = 0x00000008
	GetattrRdev   uint64 = 0x00000010
	GetattrAtime  uint64 = 0x00000020
	GetattrMtime  uint64 = 0x00000040
	GetattrCtime  uint64 = 0x00000080
	GetattrIno    uint64 = 0x00000100
	GetattrSize   uint64 = 0x00000200
	GetattrBlocks uint64 = 0x00000400
	GetattrBasic  uint64 = 0x000007ff
)

// RgetattrMsg answers Tgetattr.
type RgetattrMsg struct {
	Valid       uint64
	Qid         Qid
	Mode        uint32
	UID         uint32
	GID         uint32
	Nlink       uint64
	Rdev        uint64
	Size        uint64
	Blksize     uint64
	Blocks      uint64
	AtimeSec    uint64
	AtimeNsec   uint64
	MtimeSec    uint64
	MtimeNsec   uint64
	CtimeSec    uint64
	CtimeNsec   uint64
	BtimeSec    uint64
	BtimeNsec   uint64
	Gen         uint64
	DataVersion uint64
}

func (*RgetattrMsg) Type() Type { return Rgetattr }
func (m *RgetattrMsg) appendBody(b []byte) []byte {
	b = appendU64(b, m.Valid)
	b = appendQid(b, m.Qid)
	b = appendU32(b, m.Mode)
	b = appendU32(b, m.UID)
	b = appendU32(b, m.GID)
	for _, v := range [...]uint64{m.Nlink, m.Rdev, m.Size, m.Blksize, m.Blocks,
		m.AtimeSec, m.AtimeNsec, m.MtimeSec, m.MtimeNsec, m.CtimeSec, m.CtimeNsec,
		m.BtimeSec, m.BtimeNsec, m.Gen, m.DataVersion} {
		b = appendU64(b, v)
	}
	return b
}
func (m *RgetattrMsg) decodeBody(d *decoder) {
	m.Valid = d.u64()
	m.Qid = d.qid()
	m.Mode = d.u32()
	m.UID = d.u32()
	m.GID = d.u32()
	for _, p := range [...]*uint64{&m.Nlink, &m.Rdev, &m.Size, &m.Blksize, &m.Blocks,
		&m.AtimeSec, &m.AtimeNsec, &m.MtimeSec, &m.MtimeNsec, &m.CtimeSec, &m.CtimeNsec,
		&m.BtimeSec, &m.BtimeNsec, &m.Gen, &m.DataVersion} {
		*p = d.u64()
	}
}

// TreaddirMsg reads directory entries from the entry cookie Offset.
type TreaddirMsg struct {
	Fid    uint32
	Offset uint64
	Count  uint32
}

func (*TreaddirMsg) Type() Type { return Treaddir }
func (m *TreaddirMsg) appendBody(b []byte) []byte {
	return appendU32(appendU64(appendU32(b, m.Fid), m.Offset), m.Count)
}
func (m *TreaddirMsg) decodeBody(d *decoder) { m.Fid = d.u32(); m.Offset = d.u64(); m.Count = d.u32() }

// RreaddirMsg answers Treaddir; Data is a run of entries (see AppendDirent).
type RreaddirMsg struct{ Data []byte }

func (*RreaddirMsg) Type() Type { return Rreaddir }
func (m *RreaddirMsg) appendBody(b []byte) []byte {
	return append(appendU32(b, uint32(len(m.Data))), m.Data...)
}
func (m *RreaddirMsg) decodeBody(d *decoder) { m.Data = d.bytes(int(d.u32())) }

// Dirent is one Rreaddir entry. Offset is the cookie of the entry after it.
type Dirent struct {
	Qid    Qid
	Offset uint64
	Type   uint8
	Name   string
}

// Linux dirent types.
const (
	DTDir uint8 = 4
	DTReg uint8 = 8
)

// DirentSize is the wire size of e.
func DirentSize(name string) int { return QidSize + 8 + 1 + 2 + len(name) }

// AppendDirent appends one Rreaddir entry.
func AppendDirent(b []byte, e Dirent) []byte {
	b = appendQid(b, e.Qid)
	b = appendU64(b, e.Offset)
	b = append(b, e.Type)
	return appendStr(b, e.Name)
}

// ParseDirents decodes an Rreaddir payload strictly.
func ParseDirents(data []byte) ([]Dirent, error) {
	d := decoder{b: data}
	var out []Dirent
	for d.off < len(d.b) && d.err == "" {
		e := Dirent{Qid: d.qid(), Offset: d.u64(), Type: d.u8(), Name: d.str()}
		if d.err == "" {
			out = append(out, e)
		}
	}
	if d.err != "" {
		return nil, errInvalid("dirent: " + d.err)
	}
	return out, nil
}

// TstatfsMsg asks for file system information.
type TstatfsMsg struct{ Fid uint32 }

func (*TstatfsMsg) Type() Type                   { return Tstatfs }
func (m *TstatfsMsg) appendBody(b []byte) []byte { return appendU32(b, m.Fid) }
func (m *TstatfsMsg) decodeBody(d *decoder)      { m.Fid = d.u32() }

// RstatfsMsg answers Tstatfs.
type RstatfsMsg struct {
	FSType  uint32
	Bsize   uint32
	Blocks  uint64
	Bfree   uint64
	Bavail  uint64
	Files   uint64
	Ffree   uint64
	Fsid    uint64
	Namelen uint32
}

func (*RstatfsMsg) Type() Type { return Rstatfs }
func (m *RstatfsMsg) appendBody(b []byte) []byte {
	b = appendU32(b, m.FSType)
	b = appendU32(b, m.Bsize)
	for _, v := range [...]uint64{m.Blocks, m.Bfree, m.Bavail, m.Files, m.Ffree, m.Fsid} {
		b = appendU64(b, v)
	}
	return appendU32(b, m.Namelen)
}
func (m *RstatfsMsg) decodeBody(d *decoder) {
	m.FSType = d.u32()
	m.Bsize = d.u32()
	for _, p := range [...]*uint64{&m.Blocks, &m.Bfree, &m.Bavail, &m.Files, &m.Ffree, &m.Fsid} {
		*p = d.u64()
	}
	m.Namelen = d.u32()
}
