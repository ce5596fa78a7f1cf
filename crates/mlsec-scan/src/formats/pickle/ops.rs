//! Pickle opcodes (protocols 0–5, every opcode `pickletools` knows) and a reader that decodes
//! them from a byte slice with the framing semantics of CPython's C unpickler.
//!
//! # Frames
//!
//! Protocol 4 added `FRAME n`: "the next n bytes are one frame". Unpicklers disagree on what a
//! frame that lies about its length means:
//!
//! * `pickle.loads(bytes)` (C, in memory) only checks that `n` bytes are available and then reads
//!   straight on; frames do not exist for it ([`FrameMode::Linear`]).
//! * the C unpickler reading a file (`pickle.load(f)`, `torch.load`, `joblib.load`) loads the
//!   frame into its buffer; a read that starts inside the buffer but does not fit is served from
//!   the *file*, and the rest of the buffer is silently dropped (`_Unpickler_ReadImpl`)
//!   ([`FrameMode::File`]).
//! * the pure-Python unpickler raises an error on such a read.
//!
//! A reader that honours one reading sees different opcodes from a loader using another; that is
//! the "frame boundary divergence" bypass. The reader walks linearly and records the first read
//! that crosses a frame end ([`Divergence`]); the caller then walks the stream again in
//! [`FrameMode::File`] so that both readings are judged.

use std::fmt;

/// A byte range of the scanned element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub off: u64,
    pub len: u64,
}

impl Span {
    /// The bytes of the span (empty when out of range, which the reader never produces).
    pub fn get<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        let start = usize::try_from(self.off).unwrap_or(usize::MAX);
        let end = start.saturating_add(usize::try_from(self.len).unwrap_or(usize::MAX));
        data.get(start..end).unwrap_or(&[])
    }
}

macro_rules! opcodes {
    ($($name:ident = $byte:literal, $text:literal, $arg:ident, $proto:literal;)*) => {
        /// One pickle opcode.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub(crate) enum Op { $($name,)* }

        impl Op {
            /// Decodes an opcode byte.
            pub fn from_byte(b: u8) -> Option<Op> {
                match b { $($byte => Some(Op::$name),)* _ => None }
            }

            /// The name `pickletools` gives the opcode.
            pub fn name(self) -> &'static str {
                match self { $(Op::$name => $text,)* }
            }

            /// What follows the opcode byte.
            pub fn arg(self) -> ArgKind {
                match self { $(Op::$name => ArgKind::$arg,)* }
            }

            /// The protocol that introduced the opcode.
            #[cfg_attr(not(test), allow(dead_code))]
            pub fn proto(self) -> u8 {
                match self { $(Op::$name => $proto,)* }
            }
        }

        /// Every opcode, for tests.
        #[cfg(test)]
        pub(crate) const ALL_OPS: &[(u8, Op)] = &[$(($byte, Op::$name),)*];
    };
}

opcodes! {
    Mark = b'(', "MARK", None, 0;
    Stop = b'.', "STOP", None, 0;
    Pop = b'0', "POP", None, 0;
    PopMark = b'1', "POP_MARK", None, 1;
    Dup = b'2', "DUP", None, 0;
    Float = b'F', "FLOAT", Line, 0;
    Int = b'I', "INT", Line, 0;
    BinInt = b'J', "BININT", I4, 1;
    BinInt1 = b'K', "BININT1", U1, 1;
    Long = b'L', "LONG", Line, 0;
    BinInt2 = b'M', "BININT2", U2, 1;
    None = b'N', "NONE", None, 0;
    PersId = b'P', "PERSID", Line, 0;
    BinPersId = b'Q', "BINPERSID", None, 1;
    Reduce = b'R', "REDUCE", None, 0;
    String = b'S', "STRING", Line, 0;
    BinString = b'T', "BINSTRING", DataI4, 1;
    ShortBinString = b'U', "SHORT_BINSTRING", Data1, 1;
    Unicode = b'V', "UNICODE", Line, 0;
    BinUnicode = b'X', "BINUNICODE", Data4, 1;
    Append = b'a', "APPEND", None, 0;
    Build = b'b', "BUILD", None, 0;
    Global = b'c', "GLOBAL", LinePair, 0;
    Dict = b'd', "DICT", None, 0;
    EmptyDict = b'}', "EMPTY_DICT", None, 1;
    Appends = b'e', "APPENDS", None, 1;
    Get = b'g', "GET", Line, 0;
    BinGet = b'h', "BINGET", U1, 1;
    Inst = b'i', "INST", LinePair, 0;
    LongBinGet = b'j', "LONG_BINGET", U4, 1;
    List = b'l', "LIST", None, 0;
    EmptyList = b']', "EMPTY_LIST", None, 1;
    Obj = b'o', "OBJ", None, 1;
    Put = b'p', "PUT", Line, 0;
    BinPut = b'q', "BINPUT", U1, 1;
    LongBinPut = b'r', "LONG_BINPUT", U4, 1;
    SetItem = b's', "SETITEM", None, 0;
    Tuple = b't', "TUPLE", None, 0;
    EmptyTuple = b')', "EMPTY_TUPLE", None, 1;
    SetItems = b'u', "SETITEMS", None, 1;
    BinFloat = b'G', "BINFLOAT", F8, 1;
    Proto = 0x80, "PROTO", U1, 2;
    NewObj = 0x81, "NEWOBJ", None, 2;
    Ext1 = 0x82, "EXT1", U1, 2;
    Ext2 = 0x83, "EXT2", U2, 2;
    Ext4 = 0x84, "EXT4", I4, 2;
    Tuple1 = 0x85, "TUPLE1", None, 2;
    Tuple2 = 0x86, "TUPLE2", None, 2;
    Tuple3 = 0x87, "TUPLE3", None, 2;
    NewTrue = 0x88, "NEWTRUE", None, 2;
    NewFalse = 0x89, "NEWFALSE", None, 2;
    Long1 = 0x8a, "LONG1", Data1, 2;
    Long4 = 0x8b, "LONG4", DataI4, 2;
    BinBytes = b'B', "BINBYTES", Data4, 3;
    ShortBinBytes = b'C', "SHORT_BINBYTES", Data1, 3;
    ShortBinUnicode = 0x8c, "SHORT_BINUNICODE", Data1, 4;
    BinUnicode8 = 0x8d, "BINUNICODE8", Data8, 4;
    BinBytes8 = 0x8e, "BINBYTES8", Data8, 4;
    EmptySet = 0x8f, "EMPTY_SET", None, 4;
    AddItems = 0x90, "ADDITEMS", None, 4;
    FrozenSet = 0x91, "FROZENSET", None, 4;
    NewObjEx = 0x92, "NEWOBJ_EX", None, 4;
    StackGlobal = 0x93, "STACK_GLOBAL", None, 4;
    Memoize = 0x94, "MEMOIZE", None, 4;
    Frame = 0x95, "FRAME", U8, 4;
    ByteArray8 = 0x96, "BYTEARRAY8", Data8, 5;
    NextBuffer = 0x97, "NEXT_BUFFER", None, 5;
    ReadonlyBuffer = 0x98, "READONLY_BUFFER", None, 5;
}

/// The shape of an opcode's inline argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArgKind {
    None,
    U1,
    U2,
    U4,
    U8,
    I4,
    F8,
    /// One `\n`-terminated line.
    Line,
    /// Two `\n`-terminated lines (module and name).
    LinePair,
    /// A 1-byte length, then that many bytes.
    Data1,
    /// A 4-byte unsigned length, then data.
    Data4,
    /// A 4-byte signed length (negative is an error), then data.
    DataI4,
    /// An 8-byte length, then data.
    Data8,
}

/// A decoded inline argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arg {
    None,
    /// An unsigned integer argument (lengths, memo keys, protocol, extension codes).
    U(u64),
    /// A signed 4-byte integer (BININT, EXT4).
    I(i64),
    /// Payload bytes of a length-prefixed opcode, or the 8 bytes of BINFLOAT.
    Data(Span),
    /// One line without its `\n`.
    Line(Span),
    /// Two lines without their `\n`.
    Lines(Span, Span),
}

/// One decoded instruction.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Instr {
    pub op: Op,
    /// Offset of the opcode byte in the scanned element.
    pub at: u64,
    pub arg: Arg,
}

/// Why decoding stopped before a STOP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Broken {
    /// The data ended inside an opcode or before STOP.
    Truncated { at: u64 },
    /// A byte that is not an opcode, or an argument the unpickler rejects.
    Malformed { at: u64, what: String },
}

impl Broken {
    /// Where the stream broke.
    pub fn at(&self) -> u64 {
        match self {
            Broken::Truncated { at } | Broken::Malformed { at, .. } => *at,
        }
    }
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Broken::Truncated { at } => write!(f, "the data ends inside the stream at offset {at}"),
            Broken::Malformed { at, what } => write!(f, "{what} at offset {at}"),
        }
    }
}

/// How FRAME opcodes are honoured (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FrameMode {
    /// `pickle.loads`: frames only assert that their bytes exist.
    Linear,
    /// The C unpickler on a file: a read that overruns the frame buffer drops the rest of it.
    File,
}

/// The first read that crossed the end of a frame, or a frame that outlived its pickle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Divergence {
    /// Offset of the opcode whose read crossed the frame end.
    pub at: u64,
    /// Offset of the frame's first byte and its declared length.
    pub frame_start: u64,
    pub frame_len: u64,
    /// True when the frame extends past the STOP that ends the pickle.
    pub past_stop: bool,
}

/// Decodes opcodes from `data` starting at an offset.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    mode: FrameMode,
    /// True while the bytes up to `buf_end` are a frame loaded into the C unpickler's buffer.
    in_frame: bool,
    frame_start: usize,
    buf_end: usize,
    /// Offset of the opcode being decoded (for divergence reports).
    op_at: usize,
    divergence: Option<Divergence>,
}

impl<'a> Reader<'a> {
    /// A reader over `data` starting at `pos`.
    pub fn new(data: &'a [u8], pos: usize, mode: FrameMode) -> Reader<'a> {
        Reader {
            data,
            pos,
            mode,
            in_frame: false,
            frame_start: 0,
            buf_end: 0,
            op_at: pos,
            divergence: None,
        }
    }

    /// The offset of the next byte to read.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The file position a C file-reading unpickler leaves behind: past any unread frame bytes.
    pub fn file_pos(&self) -> usize {
        if self.in_frame {
            self.buf_end.max(self.pos)
        } else {
            self.pos
        }
    }

    /// The first frame divergence seen, if any.
    pub fn divergence(&self) -> Option<Divergence> {
        self.divergence
    }

    /// Moves to `pos`, leaving any frame (data read outside the pickle machine, as joblib does).
    pub fn seek(&mut self, pos: usize) {
        self.pos = pos.min(self.data.len());
        self.in_frame = false;
    }

    /// Called at STOP: a frame that is longer than the pickle is a divergence too, because a
    /// file-reading loader resumes after the frame while an in-memory one resumes after STOP.
    pub fn finish(&mut self) {
        if self.in_frame && self.pos < self.buf_end {
            self.note(true);
        }
    }

    fn note(&mut self, past_stop: bool) {
        if self.divergence.is_none() {
            self.divergence = Some(Divergence {
                at: self.op_at as u64,
                frame_start: self.frame_start as u64,
                frame_len: (self.buf_end - self.frame_start) as u64,
                past_stop,
            });
        }
    }

    fn truncated(&self) -> Broken {
        Broken::Truncated {
            at: self.op_at as u64,
        }
    }

    /// Reads `n` bytes, applying the frame semantics of the mode.
    #[inline]
    fn read(&mut self, n: u64) -> Result<Span, Broken> {
        let n = usize::try_from(n).map_err(|_| self.truncated())?;
        if self.in_frame {
            let end = self.pos.checked_add(n).ok_or_else(|| self.truncated())?;
            if end > self.buf_end {
                if self.pos < self.buf_end {
                    self.note(false);
                    if self.mode == FrameMode::File {
                        self.pos = self.buf_end;
                    }
                }
                self.in_frame = false;
            }
        }
        let start = self.pos;
        let end = start
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| self.truncated())?;
        self.pos = end;
        Ok(Span {
            off: start as u64,
            len: n as u64,
        })
    }

    #[inline]
    fn read_u(&mut self, n: u64) -> Result<u64, Broken> {
        let s = self.read(n)?;
        Ok(s.get(self.data)
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    /// Reads one `\n`-terminated line; the span excludes the newline.
    fn readline(&mut self) -> Result<Span, Broken> {
        if self.in_frame {
            let window = self.data.get(self.pos..self.buf_end).unwrap_or(&[]);
            if let Some(i) = window.iter().position(|&b| b == b'\n') {
                let s = Span {
                    off: self.pos as u64,
                    len: i as u64,
                };
                self.pos += i + 1;
                return Ok(s);
            }
            if self.pos < self.buf_end {
                self.note(false);
                if self.mode == FrameMode::File {
                    self.pos = self.buf_end;
                }
            }
            self.in_frame = false;
        }
        let rest = self.data.get(self.pos..).unwrap_or(&[]);
        match rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                let s = Span {
                    off: self.pos as u64,
                    len: i as u64,
                };
                self.pos += i + 1;
                Ok(s)
            }
            None => Err(self.truncated()),
        }
    }

    /// Applies `FRAME len` after its 8-byte length has been read.
    fn frame(&mut self, len: u64) -> Result<(), Broken> {
        if len == 0 {
            return Ok(());
        }
        let len = usize::try_from(len).map_err(|_| self.truncated())?;
        let q = self.pos;
        let fits_buffer = self.in_frame && q.checked_add(len).is_some_and(|e| e <= self.buf_end);
        if fits_buffer {
            return Ok(());
        }
        if self.in_frame && q < self.buf_end {
            self.note(false);
        }
        let start = match self.mode {
            FrameMode::File if self.in_frame => self.buf_end.max(q),
            _ => q,
        };
        let end = start
            .checked_add(len)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| self.truncated())?;
        self.pos = start;
        self.in_frame = true;
        self.frame_start = start;
        self.buf_end = end;
        Ok(())
    }

    /// Decodes the next instruction.
    #[inline]
    pub fn next(&mut self) -> Result<Instr, Broken> {
        self.op_at = self.pos;
        let at = self.pos as u64;
        // A one-byte read never crosses a frame end, so the opcode sits where the reader was.
        let b = self
            .read(1)?
            .get(self.data)
            .first()
            .copied()
            .ok_or_else(|| self.truncated())?;
        let op = Op::from_byte(b).ok_or_else(|| Broken::Malformed {
            at,
            what: format!("invalid opcode 0x{b:02x}"),
        })?;
        let malformed = |what: &str| Broken::Malformed {
            at,
            what: format!("{} {what}", op.name()),
        };
        let arg = match op.arg() {
            ArgKind::None => Arg::None,
            ArgKind::U1 => Arg::U(self.read_u(1)?),
            ArgKind::U2 => Arg::U(self.read_u(2)?),
            ArgKind::U4 => Arg::U(self.read_u(4)?),
            ArgKind::U8 => Arg::U(self.read_u(8)?),
            ArgKind::I4 => Arg::I(i64::from(self.read_u(4)? as u32 as i32)),
            ArgKind::F8 => Arg::Data(self.read(8)?),
            ArgKind::Line => Arg::Line(self.readline()?),
            ArgKind::LinePair => {
                let a = self.readline()?;
                Arg::Lines(a, self.readline()?)
            }
            ArgKind::Data1 => {
                let n = self.read_u(1)?;
                Arg::Data(self.read(n)?)
            }
            ArgKind::Data4 => {
                let n = self.read_u(4)?;
                Arg::Data(self.read(n)?)
            }
            ArgKind::DataI4 => {
                let n = self.read_u(4)? as u32 as i32;
                if n < 0 {
                    return Err(malformed("has a negative byte count"));
                }
                Arg::Data(self.read(n as u64)?)
            }
            ArgKind::Data8 => {
                let n = self.read_u(8)?;
                if n > i64::MAX as u64 {
                    return Err(malformed(
                        "length exceeds the largest size an unpickler accepts",
                    ));
                }
                Arg::Data(self.read(n)?)
            }
        };
        match (op, arg) {
            (Op::Frame, Arg::U(len)) => {
                if len > i64::MAX as u64 {
                    return Err(malformed(
                        "length exceeds the largest size an unpickler accepts",
                    ));
                }
                self.frame(len)?;
            }
            (Op::Proto, Arg::U(p)) if p > 5 => {
                return Err(malformed(&format!("{p} is not a supported protocol")));
            }
            (Op::Ext4, Arg::I(c)) if c <= 0 => return Err(malformed("code must be positive")),
            (Op::Ext1 | Op::Ext2, Arg::U(0)) => return Err(malformed("code must be positive")),
            _ => {}
        }
        Ok(Instr { op, at, arg })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(data: &[u8], mode: FrameMode) -> (Vec<(Op, u64)>, Option<Broken>, Option<Divergence>) {
        let mut r = Reader::new(data, 0, mode);
        let mut v = Vec::new();
        loop {
            match r.next() {
                Ok(i) => {
                    v.push((i.op, i.at));
                    if i.op == Op::Stop {
                        r.finish();
                        return (v, None, r.divergence());
                    }
                }
                Err(e) => return (v, Some(e), r.divergence()),
            }
        }
    }

    #[test]
    fn opcode_table_matches_pickletools() {
        // 68 opcodes in CPython 3.11's pickletools, one byte each, none duplicated.
        assert_eq!(ALL_OPS.len(), 68);
        let mut seen = std::collections::HashSet::new();
        for &(b, op) in ALL_OPS {
            assert!(seen.insert(b));
            assert_eq!(Op::from_byte(b), Some(op));
            assert!(op.proto() <= 5);
        }
        assert_eq!(Op::from_byte(0xfe), None);
    }

    #[test]
    fn decodes_every_argument_shape() {
        let mut d = b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00".to_vec();
        d.extend_from_slice(b"K\x07M\x01\x02J\xff\xff\xff\xffG\x00\x00\x00\x00\x00\x00\x00\x00");
        d.extend_from_slice(
            b"cos\nsystem\nI01\n\x8c\x02hiX\x01\x00\x00\x00aT\x01\x00\x00\x00b\x8a\x01\x05.",
        );
        let (v, err, _) = ops(&d, FrameMode::Linear);
        assert_eq!(err, None);
        let names: Vec<_> = v.iter().map(|(o, _)| o.name()).collect();
        assert_eq!(
            names,
            [
                "PROTO",
                "FRAME",
                "BININT1",
                "BININT2",
                "BININT",
                "BINFLOAT",
                "GLOBAL",
                "INT",
                "SHORT_BINUNICODE",
                "BINUNICODE",
                "BINSTRING",
                "LONG1",
                "STOP"
            ]
        );
    }

    #[test]
    fn rejects_bad_arguments() {
        assert!(matches!(
            ops(b"\xfe", FrameMode::Linear).1,
            Some(Broken::Malformed { .. })
        ));
        assert!(matches!(
            ops(b"\x80\x06.", FrameMode::Linear).1,
            Some(Broken::Malformed { .. })
        ));
        assert!(matches!(
            ops(b"T\xff\xff\xff\xff", FrameMode::Linear).1,
            Some(Broken::Malformed { .. })
        ));
        assert!(matches!(
            ops(b"\x84\x00\x00\x00\x00", FrameMode::Linear).1,
            Some(Broken::Malformed { .. })
        ));
        assert_eq!(
            ops(b"X\xff\xff\xff\xff", FrameMode::Linear).1,
            Some(Broken::Truncated { at: 0 })
        );
        assert_eq!(
            ops(b"cos\nsyst", FrameMode::Linear).1,
            Some(Broken::Truncated { at: 0 })
        );
        assert_eq!(
            ops(b"\x8e\xff\xff\xff\xff\xff\xff\xff\xff", FrameMode::Linear)
                .1
                .map(|e| e.at()),
            Some(0)
        );
    }

    #[test]
    fn honest_frames_do_not_diverge() {
        // FRAME of 3 bytes holding K\x01 . exactly.
        let d = b"\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00K\x01.";
        for mode in [FrameMode::Linear, FrameMode::File] {
            let (v, err, div) = ops(d, mode);
            assert_eq!((err, div), (None, None));
            assert_eq!(v.len(), 4);
        }
    }

    #[test]
    fn frame_shorter_than_its_opcodes_diverges_and_file_mode_drops_the_rest() {
        // FRAME says 3 bytes: "C\x03c"; SHORT_BINBYTES's 3 data bytes cross the frame end. In
        // memory: bytes b"c1\n", then STOP. From a file: the buffered "c" is dropped, the data
        // is read from after the frame ("1\n."), and the stream runs off the end.
        let d = b"\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00C\x03c1\n.";
        let (v, err, div) = ops(d, FrameMode::Linear);
        assert_eq!(err, None);
        assert_eq!(v.last().map(|x| x.0), Some(Op::Stop));
        assert_eq!(div.map(|d| d.at), Some(11));
        let (_, err, div) = ops(d, FrameMode::File);
        assert!(div.is_some());
        assert!(matches!(err, Some(Broken::Truncated { .. })));
    }

    #[test]
    fn frame_longer_than_the_pickle_is_reported_at_stop() {
        let d = b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00N.abc";
        let (_, err, div) = ops(d, FrameMode::Linear);
        assert_eq!(err, None);
        assert!(div.is_some_and(|d| d.past_stop));
        let mut r = Reader::new(d, 0, FrameMode::File);
        while r.next().map(|i| i.op != Op::Stop).unwrap_or(false) {}
        assert_eq!(r.file_pos(), d.len());
    }

    #[test]
    fn readline_crossing_a_frame_restarts_after_it_in_file_mode() {
        // The frame holds "cos\ns": GLOBAL's second line starts inside it and ends after it.
        let d = b"\x95\x05\x00\x00\x00\x00\x00\x00\x00cos\nsys\nN.";
        let (_, err, div) = ops(d, FrameMode::Linear);
        assert!(div.is_some());
        assert_eq!(err, None);
        let name = |mode| {
            let mut r = Reader::new(d, 0, mode);
            r.next().ok();
            match r.next() {
                Ok(Instr {
                    op: Op::Global,
                    arg: Arg::Lines(_, b),
                    ..
                }) => b.get(d).to_vec(),
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(name(FrameMode::Linear), b"sys");
        // The C file reader drops the buffered "s" and reads the line from after the frame.
        assert_eq!(name(FrameMode::File), b"ys");
    }
}
