//! Bounds-checked reading of the HDF5 structures on the way to the root group's attributes.
//! Every offset comes from the file and is checked before use; every loop is bounded.

use super::dense;
use mlsec_core::ProblemKind;

/// Most header messages read from one object header (all chunks together).
const MAX_MESSAGES: usize = 65_536;
/// Most object header chunks (continuation blocks) followed.
const MAX_CHUNKS: usize = 4_096;
/// Most string elements decoded from one attribute.
const MAX_ELEMENTS: u64 = 64;

/// Undefined address marker after normalisation.
pub(crate) const UNDEF: u64 = u64::MAX;

/// Why the walk stopped.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Error {
    kind: ProblemKind,
    off: u64,
    msg: String,
}

impl Error {
    /// `what` runs past the end of the file.
    pub fn truncated(off: u64, what: &str) -> Error {
        Error {
            kind: ProblemKind::Truncated,
            off,
            msg: format!("{what} runs past the end of the file"),
        }
    }

    /// The structure contradicts the format.
    pub fn malformed(off: u64, msg: impl Into<String>) -> Error {
        Error {
            kind: ProblemKind::Malformed,
            off,
            msg: msg.into(),
        }
    }

    /// A valid feature this reader does not implement.
    pub fn unsupported(off: u64, msg: impl Into<String>) -> Error {
        Error {
            kind: ProblemKind::Unsupported,
            off,
            msg: msg.into(),
        }
    }

    /// A safety limit was reached.
    pub fn limit(off: u64, msg: impl Into<String>) -> Error {
        Error {
            kind: ProblemKind::LimitExceeded,
            off,
            msg: msg.into(),
        }
    }

    /// The problem kind to report.
    pub fn kind(&self) -> ProblemKind {
        self.kind
    }

    /// File offset where reading stopped.
    pub fn offset(&self) -> u64 {
        self.off
    }

    /// What could not be read, no trailing period.
    pub fn message(&self) -> &str {
        &self.msg
    }

    /// The same error with what was being read in front.
    pub fn context(mut self, what: &str) -> Error {
        self.msg = format!("{what}: {}", self.msg);
        self
    }
}

/// Results of the structure walk.
pub(crate) type Result<T> = std::result::Result<T, Error>;

/// A little-endian reader over a slice that starts at file offset `at`.
#[derive(Debug, Clone)]
pub(crate) struct Cur<'a> {
    b: &'a [u8],
    pos: usize,
    at: u64,
}

impl<'a> Cur<'a> {
    pub fn new(b: &'a [u8], at: u64) -> Cur<'a> {
        Cur { b, pos: 0, at }
    }

    /// File offset of the next byte.
    pub fn off(&self) -> u64 {
        self.at + self.pos as u64
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.b.len() - self.pos
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.b.len());
        let Some(end) = end else {
            return Err(Error::truncated(self.off(), "a structure"));
        };
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    pub fn skip(&mut self, n: usize) -> Result<()> {
        self.take(n).map(|_| ())
    }

    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    pub fn u16(&mut self) -> Result<u16> {
        Ok(self.uint(2)? as u16)
    }

    pub fn u32(&mut self) -> Result<u32> {
        Ok(self.uint(4)? as u32)
    }

    /// An unsigned little-endian integer of `n` (at most 8) bytes.
    pub fn uint(&mut self, n: usize) -> Result<u64> {
        if n > 8 {
            return Err(Error::unsupported(self.off(), format!("{n}-byte integers")));
        }
        let s = self.take(n)?;
        Ok(s.iter().rev().fold(0u64, |acc, &b| (acc << 8) | b as u64))
    }
}

/// An attribute: its name and the encoded datatype, dataspace and value.
#[derive(Debug, Clone)]
pub(crate) struct Attr<'a> {
    pub name: String,
    /// File offset of the attribute message.
    pub offset: u64,
    dtype: &'a [u8],
    dspace: &'a [u8],
    value: &'a [u8],
    value_off: u64,
}

/// An opened HDF5 file: sizes of offsets and lengths, base address, root object header.
#[derive(Debug)]
pub(crate) struct File<'a> {
    d: &'a [u8],
    base: u64,
    pub so: usize,
    pub sl: usize,
    root: u64,
}

impl<'a> File<'a> {
    /// Reads the superblock at `sb` (versions 0 to 3).
    pub fn open(d: &'a [u8], sb: usize) -> Result<File<'a>> {
        let at = sb as u64;
        let mut c = Cur::new(d.get(sb..).unwrap_or(&[]), at);
        c.skip(8)?;
        let version = c.u8()?;
        let (so, sl);
        let (base, root);
        match version {
            0 | 1 => {
                c.skip(4)?; // free-space, root symbol table and shared header versions, reserved
                so = c.u8()? as usize;
                sl = c.u8()? as usize;
                check_sizes(so, sl, c.off())?;
                c.skip(1 + 2 + 2 + 4)?; // reserved, leaf K, internal K, consistency flags
                if version == 1 {
                    c.skip(4)?; // indexed storage K, reserved
                }
                base = read_addr(&mut c, so)?;
                for _ in 0..3 {
                    read_addr(&mut c, so)?; // free space, end of file, driver information
                }
                // Root group symbol table entry: link name offset, object header address.
                read_addr(&mut c, so)?;
                root = read_addr(&mut c, so)?;
            }
            2 | 3 => {
                so = c.u8()? as usize;
                sl = c.u8()? as usize;
                check_sizes(so, sl, c.off())?;
                c.skip(1)?; // consistency flags
                base = read_addr(&mut c, so)?;
                read_addr(&mut c, so)?; // superblock extension
                read_addr(&mut c, so)?; // end of file
                root = read_addr(&mut c, so)?;
            }
            v => {
                return Err(Error::unsupported(
                    at + 8,
                    format!("superblock version {v}"),
                ));
            }
        }
        if base == UNDEF || root == UNDEF {
            return Err(Error::malformed(at, "superblock has no root group"));
        }
        Ok(File {
            d,
            base,
            so,
            sl,
            root,
        })
    }

    /// `len` bytes at address `addr` (relative to the base address).
    pub fn at(&self, addr: u64, len: u64, what: &str) -> Result<Cur<'a>> {
        let start = self
            .base
            .checked_add(addr)
            .ok_or_else(|| Error::malformed(addr, format!("{what} address overflows")))?;
        let end = start
            .checked_add(len)
            .ok_or_else(|| Error::malformed(start, format!("{what} length overflows")))?;
        if end > self.d.len() as u64 {
            return Err(Error::truncated(start, what));
        }
        Ok(Cur::new(&self.d[start as usize..end as usize], start))
    }

    /// Everything from `addr` to the end of the file.
    pub fn from(&self, addr: u64, what: &str) -> Result<Cur<'a>> {
        let start = self
            .base
            .checked_add(addr)
            .filter(|s| *s <= self.d.len() as u64);
        let Some(start) = start else {
            return Err(Error::truncated(addr, what));
        };
        Ok(Cur::new(&self.d[start as usize..], start))
    }

    /// Reads an address (size of offsets bytes).
    pub fn addr(&self, c: &mut Cur<'_>) -> Result<u64> {
        read_addr(c, self.so)
    }

    /// Reads a length (size of lengths bytes).
    pub fn len(&self, c: &mut Cur<'_>) -> Result<u64> {
        c.uint(self.sl)
    }

    /// The root group's attributes, compact and dense. Attributes that cannot be read are
    /// recorded in `issues`; an error means the object header itself could not be walked.
    pub fn root_attributes(&self, issues: &mut Vec<Error>) -> Result<Vec<Attr<'a>>> {
        let msgs = self.messages(self.root)?;
        let mut out = Vec::new();
        for m in msgs {
            match m.mtype {
                0x000c => {
                    if m.flags & 0x02 != 0 {
                        issues.push(Error::unsupported(m.off, "shared attribute messages"));
                        continue;
                    }
                    match parse_attribute(m.data, m.off) {
                        Ok(a) => out.push(a),
                        Err(e) => issues.push(e.context("attribute message")),
                    }
                }
                0x0015 => match dense::attributes(self, m.data, m.off, issues) {
                    Ok(mut v) => out.append(&mut v),
                    Err(e) => issues.push(e.context("dense attribute storage")),
                },
                _ => {}
            }
        }
        Ok(out)
    }

    /// The header messages of the object header at `addr` (version 1 or 2), following
    /// continuation messages.
    fn messages(&self, addr: u64) -> Result<Vec<Msg<'a>>> {
        let mut head = self.from(addr, "object header")?;
        let mut out = Vec::new();
        let mut chunks: Vec<(u64, u64, bool)> = Vec::new();
        let v2 = head.b.starts_with(b"OHDR");
        if v2 {
            head.skip(4)?;
            let version = head.u8()?;
            if version != 2 {
                return Err(Error::unsupported(
                    head.off(),
                    format!("object header version {version}"),
                ));
            }
            let flags = head.u8()?;
            if flags & 0x20 != 0 {
                head.skip(16)?;
            }
            if flags & 0x10 != 0 {
                head.skip(4)?;
            }
            let size = head.uint(1 << (flags & 3))?;
            let start = head.off() - self.base;
            chunks.push((start, size, true));
            self.read_chunks(&mut chunks, &mut out, Some(flags))?;
        } else {
            let version = head.u8()?;
            if version != 1 {
                return Err(Error::malformed(
                    head.off(),
                    format!("unknown object header version {version}"),
                ));
            }
            head.skip(1)?;
            head.u16()?; // message count (the chunks say how many there are)
            head.u32()?; // reference count
            let size = head.u32()? as u64;
            head.skip(4)?; // alignment padding
            let start = head.off() - self.base;
            chunks.push((start, size, false));
            self.read_chunks(&mut chunks, &mut out, None)?;
        }
        Ok(out)
    }

    /// Reads message chunks; `v2_flags` is `Some` for version 2 headers.
    fn read_chunks(
        &self,
        chunks: &mut Vec<(u64, u64, bool)>,
        out: &mut Vec<Msg<'a>>,
        v2_flags: Option<u8>,
    ) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        let mut i = 0;
        while i < chunks.len() {
            if i >= MAX_CHUNKS {
                return Err(Error::limit(
                    0,
                    format!("more than {MAX_CHUNKS} object header chunks"),
                ));
            }
            let (addr, len, first) = chunks[i];
            i += 1;
            if !seen.insert(addr) {
                return Err(Error::malformed(
                    addr,
                    "object header continuation loops back",
                ));
            }
            let mut c = self.at(addr, len, "object header chunk")?;
            if let Some(flags) = v2_flags {
                if !first {
                    if !c.b.starts_with(b"OCHK") {
                        return Err(Error::malformed(
                            c.off(),
                            "continuation block without OCHK signature",
                        ));
                    }
                    c.skip(4)?;
                }
                // Version 2 chunks end with a checksum (the first chunk's size excludes it).
                let body_end = if first {
                    c.b.len()
                } else {
                    c.b.len().saturating_sub(4)
                };
                let header = if flags & 0x04 != 0 { 6 } else { 4 };
                while c.pos() + header <= body_end {
                    let at = c.off();
                    let mtype = c.u8()? as u16;
                    let size = c.u16()? as usize;
                    let mflags = c.u8()?;
                    if flags & 0x04 != 0 {
                        c.u16()?;
                    }
                    if c.pos() + size > body_end {
                        return Err(Error::truncated(at, "header message"));
                    }
                    let data = c.take(size)?;
                    self.push(
                        out,
                        chunks,
                        Msg {
                            mtype,
                            flags: mflags,
                            data,
                            off: at,
                        },
                    )?;
                }
            } else {
                while c.remaining() >= 8 {
                    let at = c.off();
                    let mtype = c.u16()?;
                    let size = c.u16()? as usize;
                    let mflags = c.u8()?;
                    c.skip(3)?;
                    if size > c.remaining() {
                        return Err(Error::truncated(at, "header message"));
                    }
                    let data = c.take(size)?;
                    self.push(
                        out,
                        chunks,
                        Msg {
                            mtype,
                            flags: mflags,
                            data,
                            off: at,
                        },
                    )?;
                }
            }
        }
        Ok(())
    }

    fn push(
        &self,
        out: &mut Vec<Msg<'a>>,
        chunks: &mut Vec<(u64, u64, bool)>,
        m: Msg<'a>,
    ) -> Result<()> {
        if out.len() >= MAX_MESSAGES {
            return Err(Error::limit(
                m.off,
                format!("more than {MAX_MESSAGES} header messages"),
            ));
        }
        if m.mtype == 0x0010 {
            let mut c = Cur::new(m.data, m.off + 8);
            let addr = self.addr(&mut c)?;
            let len = self.len(&mut c)?;
            if addr != UNDEF {
                chunks.push((addr, len, false));
            }
        }
        out.push(m);
        Ok(())
    }

    /// Decodes a string attribute (fixed-length or variable-length) into its elements.
    pub fn attribute_strings(&self, a: &Attr<'a>) -> Result<Vec<String>> {
        let count = dataspace_elements(a.dspace, self.sl, a.offset)?;
        if count > MAX_ELEMENTS {
            return Err(Error::limit(
                a.offset,
                format!("attribute holds {count} elements; at most {MAX_ELEMENTS} are read"),
            ));
        }
        let mut t = Cur::new(a.dtype, a.offset);
        let class_version = t.u8()?;
        let bits = t.take(3)?;
        let size = t.u32()? as usize;
        let class = class_version & 0x0f;
        let mut v = Cur::new(a.value, a.value_off);
        let mut out = Vec::new();
        match class {
            3 => {
                for _ in 0..count {
                    let raw = v.take(size)?;
                    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
                    out.push(
                        String::from_utf8_lossy(&raw[..end])
                            .trim_end_matches(' ')
                            .to_string(),
                    );
                }
            }
            9 if bits[0] & 0x0f == 1 => {
                for _ in 0..count {
                    let mut e = Cur::new(v.take(size)?, v.off());
                    let n = e.u32()? as u64;
                    let heap = self.addr(&mut e)?;
                    let index = e.u32()?;
                    if heap == UNDEF || n == 0 {
                        out.push(String::new());
                        continue;
                    }
                    let bytes = self.global_heap_object(heap, index)?;
                    let bytes = &bytes[..bytes.len().min(n as usize)];
                    out.push(String::from_utf8_lossy(bytes).into_owned());
                }
            }
            _ => {
                return Err(Error::unsupported(
                    a.offset,
                    format!("attribute datatype class {class} is not a string"),
                ));
            }
        }
        Ok(out)
    }

    /// Object `index` of the global heap collection at `addr`.
    fn global_heap_object(&self, addr: u64, index: u32) -> Result<&'a [u8]> {
        let mut c = self.from(addr, "global heap collection")?;
        if c.take(4)? != b"GCOL" {
            return Err(Error::malformed(
                c.off(),
                "global heap collection without GCOL signature",
            ));
        }
        c.skip(4)?; // version, reserved
        let size = self.len(&mut c)?;
        let mut c = self.at(addr, size, "global heap collection")?;
        c.skip(8 + self.sl)?;
        while c.remaining() >= 8 + self.sl {
            let at = c.off();
            let idx = c.u16()?;
            c.skip(6)?; // reference count, reserved
            let len = self.len(&mut c)?;
            if idx == 0 {
                break; // free space: no more objects
            }
            let len_usize = usize::try_from(len)
                .map_err(|_| Error::malformed(at, "global heap object too large"))?;
            if len_usize > c.remaining() {
                return Err(Error::truncated(at, "global heap object"));
            }
            let data = c.take(len_usize)?;
            if idx as u32 == index {
                return Ok(data);
            }
            let pad = (8 - len_usize % 8) % 8;
            if c.skip(pad.min(c.remaining())).is_err() {
                break;
            }
        }
        Err(Error::malformed(
            addr,
            format!("global heap object {index} not found"),
        ))
    }
}

/// One header message.
#[derive(Debug, Clone)]
struct Msg<'a> {
    mtype: u16,
    flags: u8,
    data: &'a [u8],
    off: u64,
}

fn check_sizes(so: usize, sl: usize, off: u64) -> Result<()> {
    if !matches!(so, 2 | 4 | 8) || !matches!(sl, 2 | 4 | 8) {
        return Err(Error::unsupported(
            off,
            format!("sizes of offsets {so} and lengths {sl}"),
        ));
    }
    Ok(())
}

/// Reads an address of `so` bytes; all-ones becomes [`UNDEF`].
pub(crate) fn read_addr(c: &mut Cur<'_>, so: usize) -> Result<u64> {
    let v = c.uint(so)?;
    let all_ones = if so >= 8 {
        u64::MAX
    } else {
        (1u64 << (so * 8)) - 1
    };
    Ok(if v == all_ones { UNDEF } else { v })
}

/// Parses an attribute message (versions 1 to 3) found at file offset `off`.
pub(crate) fn parse_attribute(data: &[u8], off: u64) -> Result<Attr<'_>> {
    let mut c = Cur::new(data, off);
    let version = c.u8()?;
    let flags = c.u8()?;
    let name_size = c.u16()? as usize;
    let dtype_size = c.u16()? as usize;
    let dspace_size = c.u16()? as usize;
    let pad = |n: usize| if version == 1 { n.div_ceil(8) * 8 } else { n };
    match version {
        1 | 2 => {}
        3 => {
            c.u8()?; // name character set
        }
        v => {
            return Err(Error::unsupported(
                off,
                format!("attribute message version {v}"),
            ));
        }
    }
    if version >= 2 && flags & 0x03 != 0 {
        return Err(Error::unsupported(
            off,
            "attributes with shared datatypes or dataspaces",
        ));
    }
    let name_raw = c.take(pad(name_size))?;
    let name_raw = &name_raw[..name_size.min(name_raw.len())];
    let end = name_raw
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(name_raw.len());
    let name = String::from_utf8_lossy(&name_raw[..end]).into_owned();
    let dtype = c.take(pad(dtype_size))?;
    let dspace = c.take(pad(dspace_size))?;
    let value_off = c.off();
    let value = c.take(c.remaining())?;
    Ok(Attr {
        name,
        offset: off,
        dtype: &dtype[..dtype_size.min(dtype.len())],
        dspace,
        value,
        value_off,
    })
}

/// Number of elements a dataspace message describes.
fn dataspace_elements(ds: &[u8], sl: usize, off: u64) -> Result<u64> {
    let mut c = Cur::new(ds, off);
    let version = c.u8()?;
    let rank = c.u8()? as usize;
    let flags = c.u8()?;
    match version {
        1 => {
            c.skip(5)?;
        }
        2 => {
            let kind = c.u8()?;
            if kind == 2 {
                return Ok(0);
            }
        }
        v => return Err(Error::unsupported(off, format!("dataspace version {v}"))),
    }
    let _ = flags;
    let mut n: u64 = 1;
    for _ in 0..rank {
        let d = c.uint(sl)?;
        n = n
            .checked_mul(d)
            .ok_or_else(|| Error::malformed(off, "dataspace size overflows"))?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_is_bounds_checked() {
        let mut c = Cur::new(&[1, 2, 3], 10);
        assert_eq!(c.u16().ok(), Some(0x0201));
        assert!(c.u16().is_err());
        assert!(c.uint(9).is_err());
        assert_eq!(c.off(), 12);
    }

    #[test]
    fn addresses_normalise_undefined() {
        let mut c = Cur::new(&[0xff; 4], 0);
        assert_eq!(read_addr(&mut c, 4).ok(), Some(UNDEF));
    }

    #[test]
    fn truncated_superblock_is_an_error() {
        assert!(File::open(b"\x89HDF\r\n\x1a\n\x00", 0).is_err());
        assert!(File::open(b"\x89HDF\r\n\x1a\n\x07", 0).is_err());
    }
}
