//! A minimal, strict reader of the protobuf wire format (no schema, no code generation).
//!
//! Every length is checked against the enclosing message before it is used, varints are at most
//! ten bytes, groups (wire types 3/4) and the undefined wire types 6/7 are rejected. Errors carry
//! the offset in the outermost input.

use std::fmt;

/// One field value by wire type.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'a> {
    Varint(u64),
    I64(u64),
    Len(&'a [u8]),
    I32(u32),
}

/// A wire-format error with its offset in the outermost input.
#[derive(Debug, Clone)]
pub(crate) struct WireError {
    pub what: &'static str,
    pub offset: usize,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "protobuf: {} at byte {}", self.what, self.offset)
    }
}

fn varint(data: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v: u64 = 0;
    for i in 0..10 {
        let b = *data.get(*pos + i)?;
        if i == 9 && b > 1 {
            return None;
        }
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            *pos += i + 1;
            return Some(v);
        }
    }
    None
}

/// Iterator over the fields of one message.
#[derive(Debug, Clone)]
pub(crate) struct Fields<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
    failed: bool,
}

impl<'a> Fields<'a> {
    pub fn new(data: &'a [u8], base: usize) -> Self {
        Fields {
            data,
            pos: 0,
            base,
            failed: false,
        }
    }

    fn err(
        &mut self,
        what: &'static str,
        at: usize,
    ) -> Option<Result<(u32, Value<'a>, usize), WireError>> {
        self.failed = true;
        Some(Err(WireError {
            what,
            offset: self.base + at,
        }))
    }
}

impl<'a> Iterator for Fields<'a> {
    /// (field number, value, offset of the payload in the outermost input)
    type Item = Result<(u32, Value<'a>, usize), WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.data.len() {
            return None;
        }
        let start = self.pos;
        let Some(tag) = varint(self.data, &mut self.pos) else {
            return self.err("bad or truncated tag", start);
        };
        let number = tag >> 3;
        if number == 0 || number > (1 << 29) - 1 {
            return self.err("invalid field number", start);
        }
        let number = number as u32;
        let payload_at = self.base + self.pos;
        let value = match tag & 7 {
            0 => match varint(self.data, &mut self.pos) {
                Some(v) => Value::Varint(v),
                None => return self.err("bad or truncated varint", start),
            },
            1 => {
                let Some(b) = self.data.get(self.pos..self.pos + 8) else {
                    return self.err("truncated fixed64", start);
                };
                self.pos += 8;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                Value::I64(u64::from_le_bytes(a))
            }
            2 => {
                let Some(len) = varint(self.data, &mut self.pos) else {
                    return self.err("bad or truncated length", start);
                };
                let Some(end) = usize::try_from(len)
                    .ok()
                    .and_then(|l| self.pos.checked_add(l))
                    .filter(|&e| e <= self.data.len())
                else {
                    return self.err("length points past the end of its message", start);
                };
                let v = &self.data[self.pos..end];
                self.pos = end;
                Value::Len(v)
            }
            5 => {
                let Some(b) = self.data.get(self.pos..self.pos + 4) else {
                    return self.err("truncated fixed32", start);
                };
                self.pos += 4;
                let mut a = [0u8; 4];
                a.copy_from_slice(b);
                Value::I32(u32::from_le_bytes(a))
            }
            3 | 4 => return self.err("protobuf groups are not accepted", start),
            _ => return self.err("invalid wire type", start),
        };
        Some(Ok((number, value, payload_at)))
    }
}

/// Decodes a packed (or single) repeated varint field into `out`, bounded by `limit` elements.
pub(crate) fn push_varints(
    v: Value<'_>,
    out: &mut Vec<i64>,
    limit: usize,
    at: usize,
) -> Result<(), WireError> {
    match v {
        Value::Varint(x) => {
            out.push(x as i64);
        }
        Value::Len(bytes) => {
            let mut pos = 0;
            while pos < bytes.len() {
                let Some(x) = varint(bytes, &mut pos) else {
                    return Err(WireError {
                        what: "bad packed varint",
                        offset: at + pos,
                    });
                };
                out.push(x as i64);
                if out.len() > limit {
                    break;
                }
            }
        }
        _ => {
            return Err(WireError {
                what: "unexpected wire type for an integer field",
                offset: at,
            });
        }
    }
    if out.len() > limit {
        return Err(WireError {
            what: "too many elements",
            offset: at,
        });
    }
    Ok(())
}

/// Decodes a packed (or single) repeated float (fixed32) field into `out`.
pub(crate) fn push_f32s(
    v: Value<'_>,
    out: &mut Vec<f32>,
    limit: usize,
    at: usize,
) -> Result<(), WireError> {
    match v {
        Value::I32(x) => out.push(f32::from_bits(x)),
        Value::Len(bytes) => {
            if bytes.len() % 4 != 0 || out.len() + bytes.len() / 4 > limit {
                return Err(WireError {
                    what: "bad packed float array",
                    offset: at,
                });
            }
            out.extend(
                bytes
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            );
        }
        _ => {
            return Err(WireError {
                what: "unexpected wire type for a float field",
                offset: at,
            });
        }
    }
    if out.len() > limit {
        return Err(WireError {
            what: "too many elements",
            offset: at,
        });
    }
    Ok(())
}

/// Decodes a packed (or single) repeated double (fixed64) field into `out`.
pub(crate) fn push_f64s(
    v: Value<'_>,
    out: &mut Vec<f64>,
    limit: usize,
    at: usize,
) -> Result<(), WireError> {
    match v {
        Value::I64(x) => out.push(f64::from_bits(x)),
        Value::Len(bytes) => {
            if bytes.len() % 8 != 0 || out.len() + bytes.len() / 8 > limit {
                return Err(WireError {
                    what: "bad packed double array",
                    offset: at,
                });
            }
            out.extend(bytes.chunks_exact(8).map(|c| {
                let mut a = [0u8; 8];
                a.copy_from_slice(c);
                f64::from_le_bytes(a)
            }));
        }
        _ => {
            return Err(WireError {
                what: "unexpected wire type for a double field",
                offset: at,
            });
        }
    }
    if out.len() > limit {
        return Err(WireError {
            what: "too many elements",
            offset: at,
        });
    }
    Ok(())
}
