//! Dense attribute storage: the attribute info message points at a fractal heap holding the
//! attribute messages and a version 2 B-tree indexing them by name. HDF5 switches to it when
//! an object has many attributes or one too large for the object header (a big Keras
//! `model_config` written with `libver="latest"`).

use super::read::{Attr, Cur, Error, File, Result, UNDEF, parse_attribute};

/// Most B-tree nodes visited per tree.
const MAX_NODES: usize = 100_000;
/// Most records read per tree.
const MAX_RECORDS: usize = 1_000_000;
/// Deepest B-tree or indirect-block nesting accepted.
const MAX_DEPTH: u16 = 32;

/// Reads the attributes of an attribute info message.
pub(crate) fn attributes<'a>(
    f: &File<'a>,
    info: &'a [u8],
    off: u64,
    issues: &mut Vec<Error>,
) -> Result<Vec<Attr<'a>>> {
    let mut c = Cur::new(info, off);
    let version = c.u8()?;
    if version != 0 {
        return Err(Error::unsupported(
            off,
            format!("attribute info message version {version}"),
        ));
    }
    let flags = c.u8()?;
    if flags & 0x01 != 0 {
        c.u16()?; // maximum creation index
    }
    let heap_addr = f.addr(&mut c)?;
    let name_index = f.addr(&mut c)?;
    if heap_addr == UNDEF || name_index == UNDEF {
        return Ok(Vec::new()); // dense storage announced but empty
    }
    let heap = Heap::open(f, heap_addr)?;
    let records = btree_records(f, name_index, 8)?;
    let mut out = Vec::new();
    for rec in records {
        // Type 8 record: heap ID, message flags (1), creation order (4), name hash (4).
        let Some(id_len) = rec.data.len().checked_sub(9) else {
            issues.push(Error::malformed(rec.off, "attribute name record too short"));
            continue;
        };
        let (id, rest) = rec.data.split_at(id_len);
        if rest[0] & 0x02 != 0 {
            issues.push(Error::unsupported(
                rec.off,
                "shared attribute messages in dense storage",
            ));
            continue;
        }
        match heap
            .object(f, id, rec.off)
            .and_then(|(data, at)| parse_attribute(data, at))
        {
            Ok(a) => out.push(a),
            Err(e) => issues.push(e.context("attribute in the fractal heap")),
        }
    }
    Ok(out)
}

/// One v2 B-tree record and the file offset it was read from.
struct Record<'a> {
    data: &'a [u8],
    off: u64,
}

/// Every record of the v2 B-tree at `addr`, which must be of type `want`.
fn btree_records<'a>(f: &File<'a>, addr: u64, want: u8) -> Result<Vec<Record<'a>>> {
    let mut c = f.from(addr, "v2 B-tree header")?;
    if c.take(4)? != b"BTHD" {
        return Err(Error::malformed(
            addr,
            "v2 B-tree header without BTHD signature",
        ));
    }
    c.u8()?; // version
    let ty = c.u8()?;
    if ty != want {
        return Err(Error::malformed(
            addr,
            format!("v2 B-tree of type {ty}, expected {want}"),
        ));
    }
    let node_size = c.u32()? as u64;
    let rsize = c.u16()? as usize;
    let depth = c.u16()?;
    c.skip(2)?; // split and merge percentages
    let root = f.addr(&mut c)?;
    let root_nrec = c.u16()? as usize;
    if root == UNDEF || root_nrec == 0 {
        return Ok(Vec::new());
    }
    if depth > MAX_DEPTH || rsize == 0 || node_size < 10 {
        return Err(Error::malformed(addr, "implausible v2 B-tree parameters"));
    }
    let layout = Layout::new(node_size, rsize, depth, f.so)
        .ok_or_else(|| Error::malformed(addr, "v2 B-tree node size too small"))?;
    let mut out = Vec::new();
    let mut nodes = 0usize;
    let mut stack = vec![(root, root_nrec, depth)];
    while let Some((node, nrec, d)) = stack.pop() {
        nodes += 1;
        if nodes > MAX_NODES || out.len() > MAX_RECORDS {
            return Err(Error::limit(
                node,
                "v2 B-tree has too many nodes or records",
            ));
        }
        let mut c = f.at(node, node_size, "v2 B-tree node")?;
        let sig = c.take(4)?;
        let expect: &[u8] = if d == 0 { b"BTLF" } else { b"BTIN" };
        if sig != expect {
            return Err(Error::malformed(
                node,
                "v2 B-tree node with a wrong signature",
            ));
        }
        c.skip(2)?; // version, type
        for _ in 0..nrec {
            let off = c.off();
            out.push(Record {
                data: c.take(rsize)?,
                off,
            });
        }
        if d > 0 {
            let info = &layout.levels[d as usize - 1];
            for _ in 0..=nrec {
                let child = f.addr(&mut c)?;
                let child_nrec = c.uint(layout.max_nrec_size)? as usize;
                if d > 1 {
                    c.uint(info.cum_size)?; // records in the whole subtree
                }
                if child != UNDEF && child_nrec > 0 {
                    stack.push((child, child_nrec, d - 1));
                }
            }
        }
    }
    Ok(out)
}

/// Sizes of the "number of records" fields in internal nodes, as HDF5 derives them.
struct Layout {
    max_nrec_size: usize,
    levels: Vec<Level>,
}

struct Level {
    cum_max: u64,
    cum_size: usize,
}

/// Bytes needed to encode `n` (HDF5's `log2_gen(n) / 8 + 1`).
fn enc_size(n: u64) -> usize {
    (63 - n.max(1).leading_zeros() as usize) / 8 + 1
}

impl Layout {
    fn new(node_size: u64, rsize: usize, depth: u16, so: usize) -> Option<Layout> {
        const PREFIX: u64 = 10; // signature, version, type, checksum
        let leaf_max = (node_size.checked_sub(PREFIX)?) / rsize as u64;
        if leaf_max == 0 {
            return None;
        }
        let max_nrec_size = enc_size(leaf_max);
        let mut levels = vec![Level {
            cum_max: leaf_max,
            cum_size: 0,
        }];
        for u in 1..=depth as usize {
            let prev = &levels[u - 1];
            let ptr = (so + max_nrec_size + if u > 1 { prev.cum_size } else { 0 }) as u64;
            let max = node_size.checked_sub(PREFIX + ptr)? / (rsize as u64 + ptr);
            let cum = (max + 1).checked_mul(prev.cum_max)?.checked_add(max)?;
            levels.push(Level {
                cum_max: cum,
                cum_size: enc_size(cum),
            });
        }
        Some(Layout {
            max_nrec_size,
            levels,
        })
    }
}

/// A fractal heap header: what is needed to find managed, huge and tiny objects.
struct Heap {
    addr: u64,
    id_len: usize,
    filtered: bool,
    huge_btree: u64,
    width: u64,
    start_block: u64,
    max_direct: u64,
    off_size: usize,
    len_size: usize,
    root: u64,
    root_rows: u64,
    checksummed_direct: bool,
    /// Huge-object records (address, length, ID), read once on first use.
    huge: std::cell::OnceCell<Result<Vec<(u64, u64, u64)>>>,
}

impl Heap {
    fn open(f: &File<'_>, addr: u64) -> Result<Heap> {
        let mut c = f.from(addr, "fractal heap header")?;
        if c.take(4)? != b"FRHP" {
            return Err(Error::malformed(
                addr,
                "fractal heap header without FRHP signature",
            ));
        }
        c.u8()?; // version
        let id_len = c.u16()? as usize;
        let filter_len = c.u16()?;
        let flags = c.u8()?;
        let max_managed = c.u32()? as u64;
        f.len(&mut c)?; // next huge object ID
        let huge_btree = f.addr(&mut c)?;
        f.len(&mut c)?; // free space in managed blocks
        f.addr(&mut c)?; // free space manager
        for _ in 0..8 {
            f.len(&mut c)?; // managed space, allocated space, iterator offset, object counts and sizes
        }
        let width = c.u16()? as u64;
        let start_block = f.len(&mut c)?;
        let max_direct = f.len(&mut c)?;
        let max_heap_bits = c.u16()? as u64;
        c.u16()?; // starting rows of the root indirect block
        let root = f.addr(&mut c)?;
        let root_rows = c.u16()? as u64;
        let ok = id_len >= 2
            && width > 0
            && start_block.is_power_of_two()
            && max_direct.is_power_of_two()
            && max_direct >= start_block
            && (1..=64).contains(&max_heap_bits);
        if !ok {
            return Err(Error::malformed(
                addr,
                "implausible fractal heap parameters",
            ));
        }
        let off_size = max_heap_bits.div_ceil(8) as usize;
        let dir_off_size = (max_direct.trailing_zeros() as usize).div_ceil(8);
        let len_size = dir_off_size.min(enc_size(max_managed));
        Ok(Heap {
            addr,
            id_len,
            filtered: filter_len > 0,
            huge_btree,
            width,
            start_block,
            max_direct,
            off_size,
            len_size,
            root,
            root_rows,
            checksummed_direct: flags & 0x02 != 0,
            huge: std::cell::OnceCell::new(),
        })
    }

    /// The bytes of the object with heap ID `id`, and their file offset.
    fn object<'a>(&self, f: &File<'a>, id: &'a [u8], at: u64) -> Result<(&'a [u8], u64)> {
        let mut c = Cur::new(id, at);
        let first = c.u8()?;
        if first >> 6 != 0 {
            return Err(Error::unsupported(
                at,
                format!("fractal heap ID version {}", first >> 6),
            ));
        }
        match (first >> 4) & 0x03 {
            0 => {
                if self.filtered {
                    return Err(Error::unsupported(
                        self.addr,
                        "filtered (compressed) fractal heaps",
                    ));
                }
                let off = c.uint(self.off_size)?;
                let len = c.uint(self.len_size)?;
                self.managed(f, off, len)
            }
            1 => {
                if self.filtered {
                    return Err(Error::unsupported(self.addr, "filtered huge objects"));
                }
                if self.id_len > f.so + f.sl {
                    // Directly accessed: address and length are in the ID.
                    let addr = f.addr(&mut c)?;
                    let len = f.len(&mut c)?;
                    let cur = f.at(addr, len, "huge heap object")?;
                    return Ok((cur_bytes(cur), f_off(f, addr)));
                }
                let want = c.uint((self.id_len - 1).min(8))?;
                let huge = self.huge.get_or_init(|| {
                    // Type 1 records: address, length, object ID.
                    let mut out = Vec::new();
                    for rec in btree_records(f, self.huge_btree, 1)? {
                        let mut r = Cur::new(rec.data, rec.off);
                        out.push((f.addr(&mut r)?, f.len(&mut r)?, f.len(&mut r)?));
                    }
                    Ok(out)
                });
                let huge = huge.as_ref().map_err(Clone::clone)?;
                match huge.iter().find(|(_, _, id)| *id == want) {
                    Some(&(addr, len, _)) => {
                        let cur = f.at(addr, len, "huge heap object")?;
                        Ok((cur_bytes(cur), f_off(f, addr)))
                    }
                    None => Err(Error::malformed(at, "huge heap object not found")),
                }
            }
            2 => {
                let len = (first & 0x0f) as usize + 1;
                Ok((c.take(len)?, at + 1))
            }
            _ => Err(Error::malformed(at, "fractal heap ID of unknown type")),
        }
    }

    /// Rows of direct blocks in an indirect block.
    fn direct_rows(&self) -> u64 {
        (self.max_direct.trailing_zeros() - self.start_block.trailing_zeros()) as u64 + 2
    }

    /// Size of the blocks in row `r` of the doubling table.
    fn row_size(&self, r: u64) -> Option<u64> {
        if r == 0 {
            Some(self.start_block)
        } else {
            self.start_block.checked_shl(u32::try_from(r - 1).ok()?)
        }
    }

    /// A managed object at heap offset `off` of length `len`.
    fn managed<'a>(&self, f: &File<'a>, off: u64, len: u64) -> Result<(&'a [u8], u64)> {
        if self.root == UNDEF {
            return Err(Error::malformed(
                self.addr,
                "fractal heap has no root block",
            ));
        }
        let (mut block, mut block_off, mut rows) = (self.root, 0u64, self.root_rows);
        let mut depth = 0;
        loop {
            if rows == 0 {
                return self.in_direct(f, block, block_off, self.start_block, off, len);
            }
            depth += 1;
            if depth > MAX_DEPTH {
                return Err(Error::malformed(
                    block,
                    "fractal heap indirect blocks nest too deeply",
                ));
            }
            // Indirect block: signature, version, heap header address, block offset, entries.
            let mut c = f.from(block, "fractal heap indirect block")?;
            if c.take(4)? != b"FHIB" {
                return Err(Error::malformed(
                    block,
                    "indirect block without FHIB signature",
                ));
            }
            c.u8()?;
            f.addr(&mut c)?;
            c.uint(self.off_size)?;
            let mut row_start = block_off;
            let mut next = None;
            'rows: for r in 0..rows {
                let size = self
                    .row_size(r)
                    .ok_or_else(|| Error::malformed(block, "fractal heap row too large"))?;
                for col in 0..self.width {
                    let child = f.addr(&mut c)?;
                    let child_off = col.checked_mul(size).and_then(|x| row_start.checked_add(x));
                    let Some(child_off) = child_off else {
                        return Err(Error::malformed(block, "fractal heap offsets overflow"));
                    };
                    if off >= child_off && off - child_off < size {
                        next = Some((child, child_off, size, r < self.direct_rows()));
                        break 'rows;
                    }
                }
                row_start = size
                    .checked_mul(self.width)
                    .and_then(|s| row_start.checked_add(s))
                    .ok_or_else(|| Error::malformed(block, "fractal heap offsets overflow"))?;
            }
            let Some((child, child_off, size, direct)) = next else {
                return Err(Error::malformed(
                    block,
                    "heap offset outside the indirect block",
                ));
            };
            if child == UNDEF {
                return Err(Error::malformed(
                    block,
                    "heap object in an unallocated block",
                ));
            }
            if direct {
                return self.in_direct(f, child, child_off, size, off, len);
            }
            // A child indirect block covering `size` bytes has log2(size / (start * width)) + 1 rows.
            let span = self.start_block.saturating_mul(self.width).max(1);
            rows = (size / span).max(1).trailing_zeros() as u64 + 1;
            block = child;
            block_off = child_off;
        }
    }

    fn in_direct<'a>(
        &self,
        f: &File<'a>,
        block: u64,
        block_off: u64,
        size: u64,
        off: u64,
        len: u64,
    ) -> Result<(&'a [u8], u64)> {
        let c = f.at(
            block,
            size.min(self.max_direct),
            "fractal heap direct block",
        )?;
        if !cur_bytes(c.clone()).starts_with(b"FHDB") {
            return Err(Error::malformed(
                block,
                "direct block without FHDB signature",
            ));
        }
        let header = 4
            + 1
            + f.so as u64
            + self.off_size as u64
            + if self.checksummed_direct { 4 } else { 0 };
        let rel = off - block_off;
        if rel < header {
            return Err(Error::malformed(
                block,
                "heap object overlaps the direct block header",
            ));
        }
        let end = rel.checked_add(len).filter(|e| *e <= size);
        let Some(end) = end else {
            return Err(Error::malformed(
                block,
                "heap object runs past its direct block",
            ));
        };
        let bytes = cur_bytes(c);
        let data = bytes
            .get(rel as usize..end as usize)
            .ok_or_else(|| Error::truncated(block, "direct block"))?;
        Ok((data, f_off(f, block) + rel))
    }
}

fn cur_bytes(mut c: Cur<'_>) -> &[u8] {
    let n = c.remaining();
    c.take(n).unwrap_or(&[])
}

/// File offset of address `addr` (for reporting only).
fn f_off(f: &File<'_>, addr: u64) -> u64 {
    f.at(addr, 0, "").map(|c| c.off()).unwrap_or(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_sizes_match_hdf5() {
        assert_eq!(enc_size(1), 1);
        assert_eq!(enc_size(255), 1);
        assert_eq!(enc_size(256), 2);
        assert_eq!(enc_size(65_536), 3);
    }

    #[test]
    fn layout_of_a_small_tree() {
        let l = Layout::new(512, 17, 1, 8).unwrap_or_else(|| panic!("layout"));
        assert_eq!(l.max_nrec_size, 1); // 29 records per leaf
        assert_eq!(l.levels.len(), 2);
        assert!(Layout::new(11, 17, 0, 8).is_none());
    }
}
