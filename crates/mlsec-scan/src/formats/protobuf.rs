//! A small, strict, zero-copy reader of the protobuf wire format, shared by the ONNX and
//! TensorFlow readers.
//!
//! There is no schema and no code generation: a reader iterates the fields of one message
//! with [`Fields`] and descends only into the fields it needs, by calling [`Fields::new`] on a
//! length-delimited payload. Payloads are sub-slices of the input, so nothing is copied and no
//! allocation depends on a length read from the input.
//!
//! Strictness, in the order the checks happen:
//! - varints are at most 10 bytes and the tenth byte may only carry the top bit of a `u64`
//!   (anything longer or larger is [`WireErrorKind::VarintOverflow`]);
//! - field number 0 and numbers above 2^29 - 1 are rejected;
//! - wire types 3 and 4 (groups, deprecated since proto2 and used by neither ONNX nor
//!   TensorFlow) are rejected rather than skipped, so no group nesting has to be tracked;
//! - wire types 6 and 7 do not exist;
//! - a length-delimited payload must lie within the message that holds it, and fixed-width
//!   values must not run past its end.
//!
//! After the first error an iterator yields that error once and then stops: a reader records
//! it as a problem and keeps whatever it decoded before. Nesting is bounded by the callers,
//! which pass a depth and stop at [`MAX_DEPTH`].

use crate::ctx::Ctx;
use mlsec_core::ProblemKind;
use std::fmt;

/// How deep readers descend into nested messages (graphs in attributes in nodes in graphs,
/// attribute values in lists in attribute values, ...). Real models stay far below it.
pub(crate) const MAX_DEPTH: u32 = 64;

/// One field's value, by wire type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Value<'a> {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1 (fixed64, sfixed64, double).
    I64(u64),
    /// Wire type 2 (bytes, string, sub-message, packed repeated).
    Len(&'a [u8]),
    /// Wire type 5 (fixed32, sfixed32, float).
    I32(u32),
}

/// One field of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Field<'a> {
    /// The field number (1 ..= 2^29 - 1).
    pub number: u32,
    /// The decoded value.
    pub value: Value<'a>,
    /// Offset of the payload in the outermost input (for length-delimited fields, the first
    /// byte after the length).
    pub offset: u64,
}

/// What went wrong while reading a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WireErrorKind {
    /// The message ended inside a tag, varint, fixed-width value or payload.
    Truncated,
    /// A varint longer than 10 bytes or larger than `u64::MAX`.
    VarintOverflow,
    /// Field number 0 or above 2^29 - 1.
    BadFieldNumber,
    /// A start-group or end-group tag.
    Group,
    /// Wire type 6 or 7.
    BadWireType(u8),
    /// A length that points past the end of the enclosing message.
    LengthOutOfBounds,
}

/// A wire-format error and where it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WireError {
    /// What went wrong.
    pub kind: WireErrorKind,
    /// Offset in the outermost input where the offending tag or value starts.
    pub offset: u64,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            WireErrorKind::Truncated => {
                write!(f, "protobuf message truncated at offset {}", self.offset)
            }
            WireErrorKind::VarintOverflow => write!(
                f,
                "protobuf varint overflows 64 bits at offset {}",
                self.offset
            ),
            WireErrorKind::BadFieldNumber => {
                write!(f, "invalid protobuf field number at offset {}", self.offset)
            }
            WireErrorKind::Group => write!(
                f,
                "protobuf group (wire type 3/4) at offset {}; groups are not accepted",
                self.offset
            ),
            WireErrorKind::BadWireType(t) => write!(
                f,
                "invalid protobuf wire type {t} at offset {}",
                self.offset
            ),
            WireErrorKind::LengthOutOfBounds => {
                write!(
                    f,
                    "protobuf length at offset {} points past the end of its message",
                    self.offset
                )
            }
        }
    }
}

/// Reads a varint at `*pos`, advancing `pos` past it.
pub(crate) fn read_varint(data: &[u8], pos: &mut usize) -> Result<u64, WireErrorKind> {
    let mut value: u64 = 0;
    for i in 0..10 {
        let Some(&b) = data.get(*pos + i) else {
            return Err(WireErrorKind::Truncated);
        };
        let low = u64::from(b & 0x7f);
        if i == 9 && b > 1 {
            // The tenth byte holds bit 63 only; anything more overflows a u64.
            return Err(WireErrorKind::VarintOverflow);
        }
        value |= low << (7 * i);
        if b & 0x80 == 0 {
            *pos += i + 1;
            return Ok(value);
        }
    }
    Err(WireErrorKind::VarintOverflow)
}

/// Iterates the fields of one message. See the module documentation for what is rejected.
#[derive(Debug, Clone)]
pub(crate) struct Fields<'a> {
    data: &'a [u8],
    pos: usize,
    base: u64,
    done: bool,
}

impl<'a> Fields<'a> {
    /// The fields of `data`, a message that starts at offset `base` of the outermost input.
    pub fn new(data: &'a [u8], base: u64) -> Fields<'a> {
        Fields {
            data,
            pos: 0,
            base,
            done: false,
        }
    }

    fn at(&self, pos: usize) -> u64 {
        self.base.saturating_add(pos as u64)
    }

    fn next_field(&mut self) -> Result<Field<'a>, WireError> {
        let start = self.pos;
        let err = |kind, s: &Self| WireError {
            kind,
            offset: s.at(start),
        };
        let tag = read_varint(self.data, &mut self.pos).map_err(|k| err(k, self))?;
        let number = tag >> 3;
        if number == 0 || number > (1 << 29) - 1 {
            return Err(err(WireErrorKind::BadFieldNumber, self));
        }
        let number = number as u32;
        let wire = (tag & 7) as u8;
        let value = match wire {
            0 => Value::Varint(read_varint(self.data, &mut self.pos).map_err(|k| err(k, self))?),
            1 => {
                let b = self
                    .take(8)
                    .ok_or_else(|| err(WireErrorKind::Truncated, self))?;
                Value::I64(u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
            }
            2 => {
                let len = read_varint(self.data, &mut self.pos).map_err(|k| err(k, self))?;
                let len = usize::try_from(len)
                    .map_err(|_| err(WireErrorKind::LengthOutOfBounds, self))?;
                let payload_at = self.pos;
                let b = self
                    .take(len)
                    .ok_or_else(|| err(WireErrorKind::LengthOutOfBounds, self))?;
                return Ok(Field {
                    number,
                    value: Value::Len(b),
                    offset: self.at(payload_at),
                });
            }
            3 | 4 => return Err(err(WireErrorKind::Group, self)),
            5 => {
                let b = self
                    .take(4)
                    .ok_or_else(|| err(WireErrorKind::Truncated, self))?;
                Value::I32(u32::from_le_bytes(b.try_into().unwrap_or([0; 4])))
            }
            t => return Err(err(WireErrorKind::BadWireType(t), self)),
        };
        Ok(Field {
            number,
            value,
            offset: self.at(start),
        })
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let b = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(b)
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<Field<'a>, WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.pos >= self.data.len() {
            return None;
        }
        let r = self.next_field();
        if r.is_err() {
            self.done = true;
        }
        Some(r)
    }
}

/// Whether `data` parses as one message to its end, without looking inside payloads.
pub(crate) fn is_well_formed(data: &[u8]) -> bool {
    Fields::new(data, 0).all(|f| f.is_ok())
}

/// Text for reports: UTF-8 (lossy), control characters escaped, at most `max` characters.
pub(crate) fn display(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Appends `v` as a varint (the text-format transcoder writes wire format with it).
pub(crate) fn write_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// A protobuf encoder for tests: builds messages field by field.
#[cfg(test)]
pub(crate) mod write {
    pub(crate) use super::write_varint as varint;

    /// A message under construction.
    #[derive(Debug, Default, Clone)]
    pub struct Msg(pub Vec<u8>);

    impl Msg {
        pub fn new() -> Msg {
            Msg(Vec::new())
        }
        pub fn uint(mut self, field: u32, v: u64) -> Msg {
            varint(&mut self.0, u64::from(field) << 3);
            varint(&mut self.0, v);
            self
        }
        pub fn bytes(mut self, field: u32, b: &[u8]) -> Msg {
            varint(&mut self.0, (u64::from(field) << 3) | 2);
            varint(&mut self.0, b.len() as u64);
            self.0.extend_from_slice(b);
            self
        }
        pub fn str(self, field: u32, s: &str) -> Msg {
            self.bytes(field, s.as_bytes())
        }
        pub fn msg(self, field: u32, m: &Msg) -> Msg {
            self.bytes(field, &m.0)
        }
    }
}

/// Iterates `fields`, handing each to `each`; a wire error becomes a problem naming `what`.
pub(crate) fn walk<'a, 'l>(
    ctx: &mut Ctx<'l>,
    what: &str,
    fields: Fields<'a>,
    mut each: impl FnMut(&mut Ctx<'l>, Field<'a>),
) {
    for f in fields {
        match f {
            Ok(f) => each(ctx, f),
            Err(e) => {
                ctx.problem(
                    ProblemKind::Malformed,
                    Some(e.offset),
                    format!("{what}: {e}"),
                );
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::write::Msg;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn varints() {
        let mut p = 0;
        assert_eq!(read_varint(&[0x96, 0x01], &mut p), Ok(150));
        assert_eq!(p, 2);
        let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        let mut p = 0;
        assert_eq!(read_varint(&max, &mut p), Ok(u64::MAX));
        let over = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert_eq!(
            read_varint(&over, &mut 0),
            Err(WireErrorKind::VarintOverflow)
        );
        let long = [0x80; 11];
        assert_eq!(
            read_varint(&long, &mut 0),
            Err(WireErrorKind::VarintOverflow)
        );
        assert_eq!(
            read_varint(&[0x80, 0x80], &mut 0),
            Err(WireErrorKind::Truncated)
        );
    }

    #[test]
    fn fields_and_offsets() {
        let inner = Msg::new().str(1, "hi");
        let m = Msg::new().uint(1, 7).msg(2, &inner).bytes(3, b"").0;
        let fields: Vec<_> = Fields::new(&m, 100).collect::<Result<_, _>>().unwrap();
        assert_eq!(fields.len(), 3);
        assert_eq!(fields[0].value, Value::Varint(7));
        assert_eq!(fields[0].offset, 100);
        let Value::Len(inner_bytes) = fields[1].value else {
            panic!("not a message")
        };
        let sub: Vec<_> = Fields::new(inner_bytes, fields[1].offset)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(sub[0].value, Value::Len(b"hi"));
        // 100 + tag(1) + varint(1) + tag(1) + len(1) = payload of field 2 at 104; its field 1
        // payload starts after its own tag and length.
        assert_eq!(fields[1].offset, 104);
        assert_eq!(sub[0].offset, 106);
        assert_eq!(fields[2].value, Value::Len(b""));
    }

    #[test]
    fn rejects_what_it_must() {
        let errs = |d: &[u8]| Fields::new(d, 0).find_map(|f| f.err()).map(|e| e.kind);
        assert_eq!(errs(&[0x00]), Some(WireErrorKind::BadFieldNumber));
        assert_eq!(errs(&[0x0b]), Some(WireErrorKind::Group));
        assert_eq!(errs(&[0x0c]), Some(WireErrorKind::Group));
        assert_eq!(errs(&[0x0e]), Some(WireErrorKind::BadWireType(6)));
        assert_eq!(
            errs(&[0x0a, 0x05, 1, 2]),
            Some(WireErrorKind::LengthOutOfBounds)
        );
        assert_eq!(errs(&[0x09, 1, 2, 3]), Some(WireErrorKind::Truncated));
        assert_eq!(errs(&[0x0d, 1, 2, 3]), Some(WireErrorKind::Truncated));
        // Field number 2^29 is one past the largest allowed.
        let mut big = Vec::new();
        write::varint(&mut big, (1u64 << 29) << 3);
        big.push(0);
        assert_eq!(errs(&big), Some(WireErrorKind::BadFieldNumber));
        // A length of 2^64 - 1 must not overflow the position arithmetic.
        let huge = [
            0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        ];
        assert_eq!(errs(&huge), Some(WireErrorKind::LengthOutOfBounds));
    }

    #[test]
    fn stops_after_first_error() {
        let d = [0x08, 0x01, 0x00, 0x08, 0x01];
        let all: Vec<_> = Fields::new(&d, 0).collect();
        assert_eq!(all.len(), 2);
        assert!(all[1].is_err());
    }

    #[test]
    fn display_escapes_and_truncates() {
        assert_eq!(display(b"a\nb", 10), "a\\nb");
        assert_eq!(display(b"abcdef", 3), "abc…");
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
            let n = Fields::new(&data, 0).count();
            // Every field consumes at least one byte, plus one error at most.
            prop_assert!(n <= data.len() + 1);
            let _ = is_well_formed(&data);
        }
    }
}
