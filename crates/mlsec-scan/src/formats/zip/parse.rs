//! Zip structures read straight from the bytes, tolerantly: every offset and size is checked
//! before use, nothing is allocated from a declared count, and a broken structure yields `None`
//! (the caller reports it) instead of an error that stops the scan.

pub(super) const LOCAL: &[u8; 4] = b"PK\x03\x04";
pub(super) const CENTRAL: &[u8; 4] = b"PK\x01\x02";
pub(super) const EOCD: &[u8; 4] = b"PK\x05\x06";
pub(super) const EOCD64: &[u8; 4] = b"PK\x06\x06";
pub(super) const LOCATOR64: &[u8; 4] = b"PK\x06\x07";
pub(super) const DESCRIPTOR: &[u8; 4] = b"PK\x07\x08";
/// Signatures that may legitimately follow the last entry's data.
pub(super) const AFTER_ENTRIES: [&[u8; 4]; 5] = [CENTRAL, EOCD, EOCD64, LOCATOR64, b"PK\x06\x08"];

/// Flag bit 3: sizes and CRC follow the data in a data descriptor.
pub(super) const FLAG_DESCRIPTOR: u16 = 0x0008;

const EOCD_LEN: usize = 22;
const CENTRAL_LEN: usize = 46;
const LOCAL_LEN: usize = 30;
/// The end record's comment is at most this long, so the record lies within this many bytes
/// of the end (unless data was appended).
const EOCD_SEARCH: usize = EOCD_LEN + 0xffff;

pub(super) fn u16_at(d: &[u8], at: usize) -> Option<u16> {
    let b = d.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

pub(super) fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    let b = d.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

pub(super) fn u64_at(d: &[u8], at: usize) -> Option<u64> {
    let b = d.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes([
        b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
    ]))
}

pub(super) fn sig_at(d: &[u8], at: usize, sig: &[u8; 4]) -> bool {
    d.get(at..).is_some_and(|r| r.starts_with(sig))
}

/// The end of central directory record (merged with its ZIP64 record when there is one).
#[derive(Debug, Clone)]
pub(super) struct Eocd {
    /// Offset of the `PK\x05\x06` record.
    pub pos: usize,
    /// Where the record and its comment end (may exceed the data when the comment is cut).
    pub end: u64,
    /// Entry count as declared.
    pub entries: u64,
    pub cd_size: u64,
    pub cd_offset: u64,
    /// Offset of the ZIP64 end record, when one was found.
    pub zip64: Option<usize>,
}

impl Eocd {
    /// Where the record that declares the directory starts; the directory should end there.
    pub fn record_pos(&self) -> usize {
        self.zip64.unwrap_or(self.pos)
    }
}

/// Candidate end records, last first, as Python's `zipfile` and miniz (PyTorch) search: the
/// final 22 bytes first, then backwards through the comment-sized window.
pub(super) fn eocd_candidates(data: &[u8]) -> impl Iterator<Item = usize> + '_ {
    // A record may start anywhere from `low` to `last`; its signature then lies in this window.
    let window = match data.len().checked_sub(EOCD_LEN) {
        Some(last) => {
            let low = data.len().saturating_sub(EOCD_SEARCH);
            (low, &data[low..last + EOCD.len()])
        }
        None => (0, &data[..0]),
    };
    let (low, bytes) = window;
    memchr::memmem::rfind_iter(bytes, EOCD).map(move |p| low + p)
}

/// Parses the end record at `pos`, following a ZIP64 locator just before it.
pub(super) fn parse_eocd(data: &[u8], pos: usize) -> Option<Eocd> {
    let entries = u64::from(u16_at(data, pos + 10)?);
    let cd_size = u64::from(u32_at(data, pos + 12)?);
    let cd_offset = u64::from(u32_at(data, pos + 16)?);
    let comment = u64::from(u16_at(data, pos + 20)?);
    let mut e = Eocd {
        pos,
        end: pos as u64 + EOCD_LEN as u64 + comment,
        entries,
        cd_size,
        cd_offset,
        zip64: None,
    };
    if let Some(loc) = pos.checked_sub(20).filter(|&l| sig_at(data, l, LOCATOR64)) {
        // miniz follows the locator's offset; Python assumes the record sits right before the
        // locator. Try both, in that order.
        let by_offset = u64_at(data, loc + 8).and_then(|o| usize::try_from(o).ok());
        let adjacent = loc.checked_sub(56);
        for at in [by_offset, adjacent].into_iter().flatten() {
            if sig_at(data, at, EOCD64)
                && let (Some(n), Some(size), Some(off)) = (
                    u64_at(data, at + 32),
                    u64_at(data, at + 40),
                    u64_at(data, at + 48),
                )
            {
                e.entries = n;
                e.cd_size = size;
                e.cd_offset = off;
                e.zip64 = Some(at);
                break;
            }
        }
    }
    Some(e)
}

/// The bytes where an entry's sizes come from: ZIP64 extra field values replace the 32-bit
/// fields that are saturated, in the order the format defines.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Sizes {
    pub csize: u64,
    pub usize: u64,
    pub offset: u64,
    pub zip64: bool,
}

fn apply_zip64(extra: &[u8], s: &mut Sizes, want_usize: bool, want_csize: bool, want_offset: bool) {
    let mut p = 0usize;
    while let (Some(id), Some(len)) = (u16_at(extra, p), u16_at(extra, p + 2)) {
        let body_start = p + 4;
        let Some(body) = extra.get(body_start..body_start + usize::from(len)) else {
            return;
        };
        if id == 0x0001 {
            let mut q = 0usize;
            let mut take = |want: bool, slot: &mut u64| {
                if want && let Some(v) = u64_at(body, q) {
                    *slot = v;
                    q += 8;
                }
            };
            take(want_usize, &mut s.usize);
            take(want_csize, &mut s.csize);
            take(want_offset, &mut s.offset);
            s.zip64 = true;
            return;
        }
        p = body_start + usize::from(len);
    }
}

/// One central directory entry.
#[derive(Debug, Clone)]
pub(super) struct Central<'a> {
    /// Offset of this record in the data.
    pub at: usize,
    pub flags: u16,
    pub method: u16,
    pub crc: u32,
    pub sizes: Sizes,
    pub name: &'a [u8],
}

/// Why the central directory could not be read completely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum CentralEnd {
    /// The directory ended where the end record says.
    Complete,
    /// A record is cut short or has the wrong signature at this offset.
    Broken(usize),
    /// More records than the entry limit.
    TooMany,
}

/// Reads central directory records from `start` until `end` (the end record), at most `max`.
pub(super) fn central_directory(
    data: &[u8],
    start: usize,
    end: usize,
    max: u64,
) -> (Vec<Central<'_>>, CentralEnd) {
    let mut out = Vec::new();
    let mut p = start;
    while p < end {
        if out.len() as u64 >= max {
            return (out, CentralEnd::TooMany);
        }
        match parse_central(data, p) {
            Some((c, next)) => {
                out.push(c);
                p = next;
            }
            _ => return (out, CentralEnd::Broken(p)),
        }
    }
    (out, CentralEnd::Complete)
}

fn parse_central(data: &[u8], at: usize) -> Option<(Central<'_>, usize)> {
    if !sig_at(data, at, CENTRAL) {
        return None;
    }
    let h = data.get(at..at.checked_add(CENTRAL_LEN)?)?;
    let r16 = |o: usize| u16::from_le_bytes([h[o], h[o + 1]]);
    let r32 = |o: usize| u32::from_le_bytes([h[o], h[o + 1], h[o + 2], h[o + 3]]);
    let (name_len, extra_len, comment_len) = (
        usize::from(r16(28)),
        usize::from(r16(30)),
        usize::from(r16(32)),
    );
    let name_start = at + CENTRAL_LEN;
    let name = data.get(name_start..name_start + name_len)?;
    let extra = data.get(name_start + name_len..name_start + name_len + extra_len)?;
    let next = name_start + name_len + extra_len + comment_len;
    if next > data.len() {
        return None;
    }
    let (csize, usize_, offset) = (r32(20), r32(24), r32(42));
    let mut sizes = Sizes {
        csize: csize.into(),
        usize: usize_.into(),
        offset: offset.into(),
        zip64: false,
    };
    apply_zip64(
        extra,
        &mut sizes,
        usize_ == u32::MAX,
        csize == u32::MAX,
        offset == u32::MAX,
    );
    Some((
        Central {
            at,
            flags: r16(8),
            method: r16(10),
            crc: r32(16),
            sizes,
            name,
        },
        next,
    ))
}

/// One local file header.
#[derive(Debug, Clone)]
pub(super) struct Local<'a> {
    pub at: usize,
    pub flags: u16,
    pub method: u16,
    pub crc: u32,
    pub sizes: Sizes,
    pub name: &'a [u8],
    /// Where the entry's data starts (may be past the end of a truncated file).
    pub data_start: usize,
}

pub(super) fn parse_local(data: &[u8], at: usize) -> Option<Local<'_>> {
    if !sig_at(data, at, LOCAL) {
        return None;
    }
    let h = data.get(at..at.checked_add(LOCAL_LEN)?)?;
    let r16 = |o: usize| u16::from_le_bytes([h[o], h[o + 1]]);
    let r32 = |o: usize| u32::from_le_bytes([h[o], h[o + 1], h[o + 2], h[o + 3]]);
    let (name_len, extra_len) = (usize::from(r16(26)), usize::from(r16(28)));
    let name_start = at + LOCAL_LEN;
    let name = data.get(name_start..name_start + name_len)?;
    let extra = data
        .get(name_start + name_len..(name_start + name_len + extra_len).min(data.len()))
        .unwrap_or(&[]);
    let (csize, usize_) = (r32(18), r32(22));
    let mut sizes = Sizes {
        csize: csize.into(),
        usize: usize_.into(),
        offset: at as u64,
        zip64: false,
    };
    // In a local header the ZIP64 field carries both sizes whenever either is saturated.
    let saturated = usize_ == u32::MAX || csize == u32::MAX;
    apply_zip64(extra, &mut sizes, saturated, saturated, false);
    Some(Local {
        at,
        flags: r16(6),
        method: r16(8),
        crc: r32(14),
        sizes,
        name,
        data_start: name_start + name_len + extra_len,
    })
}

/// A data descriptor: CRC and sizes written after an entry's data (flag bit 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Descriptor {
    pub crc: u32,
    pub csize: u64,
    pub usize: u64,
    /// Where the descriptor ends.
    pub end: usize,
}

/// Reads the descriptor at `at` (with or without its optional signature). ZIP64 descriptors
/// carry 8-byte sizes; which layout applies is decided by which one matches `csize` when that
/// is known, else by `zip64`.
pub(super) fn parse_descriptor(
    data: &[u8],
    at: usize,
    csize: Option<u64>,
    zip64: bool,
) -> Option<Descriptor> {
    let signed = sig_at(data, at, DESCRIPTOR);
    let body = if signed { at + 4 } else { at };
    let crc = u32_at(data, body)?;
    let narrow = match (u32_at(data, body + 4), u32_at(data, body + 8)) {
        (Some(c), Some(u)) => Some(Descriptor {
            crc,
            csize: c.into(),
            usize: u.into(),
            end: body + 12,
        }),
        _ => None,
    };
    let wide = match (u64_at(data, body + 4), u64_at(data, body + 12)) {
        (Some(c), Some(u)) => Some(Descriptor {
            crc,
            csize: c,
            usize: u,
            end: body + 20,
        }),
        _ => None,
    };
    match csize {
        Some(c) if narrow.is_some_and(|n| n.csize == c) => narrow,
        Some(c) if wide.is_some_and(|w| w.csize == c) => wide,
        // A signed descriptor that disagrees is still one (the caller reports the mismatch);
        // unsigned bytes that do not match are not a descriptor at all.
        Some(_) if signed => {
            if zip64 {
                wide.or(narrow)
            } else {
                narrow
            }
        }
        Some(_) => None,
        None if zip64 => wide.or(narrow),
        None => narrow,
    }
}

/// For a stored entry streamed with a descriptor and no known size: the first descriptor
/// signature whose size field equals its distance from `start`.
pub(super) fn find_stored_end(data: &[u8], start: usize) -> Option<usize> {
    let rest = data.get(start..)?;
    let mut from = 0usize;
    while let Some(i) = find(rest.get(from..)?, DESCRIPTOR) {
        let q = from + i;
        let len = q as u64;
        if u32_at(rest, q + 8).map(u64::from) == Some(len) || u64_at(rest, q + 8) == Some(len) {
            return Some(start + q);
        }
        from = q + 1;
    }
    None
}

/// The first occurrence of `needle` in `hay`.
pub(super) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut from = 0usize;
    while let Some(i) = hay.get(from..)?.iter().position(|&b| b == first) {
        let p = from + i;
        if hay.get(p..)?.starts_with(needle) {
            return Some(p);
        }
        from = p + 1;
    }
    None
}

/// Decodes a name as Python's `zipfile` does: UTF-8 when flag bit 11 says so, else code page
/// 437 (ASCII maps to itself).
pub(super) fn decode_name(name: &[u8], flags: u16) -> String {
    if flags & 0x0800 != 0 || name.is_ascii() {
        return String::from_utf8_lossy(name).into_owned();
    }
    name.iter()
        .map(|&b| {
            if b < 0x80 {
                char::from(b)
            } else {
                CP437_HIGH[usize::from(b - 0x80)]
            }
        })
        .collect()
}

const CP437_HIGH: [char; 128] = [
    'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', 'É', 'æ', 'Æ',
    'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', '¢', '£', '¥', '₧', 'ƒ', 'á', 'í', 'ó', 'ú', 'ñ', 'Ñ',
    'ª', 'º', '¿', '⌐', '¬', '½', '¼', '¡', '«', '»', '░', '▒', '▓', '│', '┤', '╡', '╢', '╖', '╕',
    '╣', '║', '╗', '╝', '╜', '╛', '┐', '└', '┴', '┬', '├', '─', '┼', '╞', '╟', '╚', '╔', '╩', '╦',
    '╠', '═', '╬', '╧', '╨', '╤', '╥', '╙', '╘', '╒', '╓', '╫', '╪', '┘', '┌', '█', '▄', '▌', '▐',
    '▀', 'α', 'ß', 'Γ', 'π', 'Σ', 'σ', 'µ', 'τ', 'Φ', 'Θ', 'Ω', 'δ', '∞', 'φ', 'ε', '∩', '≡', '±',
    '≥', '≤', '⌠', '⌡', '÷', '≈', '°', '∙', '·', '√', 'ⁿ', '²', '■', '\u{a0}',
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eocd_search_finds_the_last_record_first() {
        let mut d = vec![0u8; 10];
        d.extend_from_slice(b"PK\x05\x06");
        d.extend_from_slice(&[0; 18]);
        d.extend_from_slice(b"PK\x05\x06");
        d.extend_from_slice(&[0; 18]);
        let c: Vec<_> = eocd_candidates(&d).collect();
        assert_eq!(c, vec![32, 10]);
        assert_eq!(eocd_candidates(b"PK").count(), 0);
    }

    #[test]
    fn descriptor_layouts() {
        let mut d = DESCRIPTOR.to_vec();
        d.extend_from_slice(&7u32.to_le_bytes());
        d.extend_from_slice(&5u32.to_le_bytes());
        d.extend_from_slice(&9u32.to_le_bytes());
        let x = parse_descriptor(&d, 0, Some(5), false).unwrap();
        assert_eq!((x.crc, x.csize, x.usize, x.end), (7, 5, 9, 16));
    }

    #[test]
    fn cp437_names_decode_like_python() {
        assert_eq!(decode_name(b"caf\x82", 0), "café");
        assert_eq!(decode_name("café".as_bytes(), 0x800), "café");
    }

    #[test]
    fn stored_end_search_matches_the_size_field() {
        let mut d = b"abcPK\x07\x08".to_vec();
        d.extend_from_slice(&[0; 4]);
        d.extend_from_slice(&99u32.to_le_bytes());
        d.extend_from_slice(b"xxPK\x07\x08");
        d.extend_from_slice(&[0; 4]);
        d.extend_from_slice(&17u32.to_le_bytes());
        assert_eq!(find_stored_end(&d, 0), Some(17));
    }
}
