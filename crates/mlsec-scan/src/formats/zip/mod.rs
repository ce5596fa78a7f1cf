//! Zip archives (PyTorch `.pt`/`.bin`/`.ckpt`, Keras `.keras`, NumPy `.npz`, plain zip), read
//! with our own tolerant parser so that the scanner sees what every loader sees.
//!
//! Loaders disagree: PyTorch's reader (miniz) ignores flag bits and CRCs, Python's `zipfile`
//! refuses them, both read the central directory while streaming readers walk the local
//! headers. So this reader reads **both** the central directory and the local headers,
//! compares them, and scans every view that differs, every duplicate, every member whatever
//! its flags, and any bytes outside the zip structure.
//!
//! Stored members are passed to the readers as borrowed slices of the (memory-mapped) file:
//! a multi-GB checkpoint costs a directory read plus what the member readers touch.

mod parse;
pub(crate) mod paths;

use crate::ctx::Ctx;
use crate::formats::compressed::decode::{self, Budget, Cap, Codec, RATIO_FLOOR, Stop};
use crate::formats::{torchpackage, torchscript};
use crate::rules::archive::{
    crc_mismatch, data_outside_archive, decompression_bomb, duplicate_member, zip_flags,
    zip_header_mismatch,
};
use crate::sniff::{self, Format};
use mlsec_core::ProblemKind;
use parse::{Central, CentralEnd, FLAG_DESCRIPTOR, LOCAL, Local};
use std::borrow::Cow;
use std::collections::HashMap;

/// Flag bits no model writer sets: encryption (0x1), compressed patched data (0x20), strong
/// encryption (0x40), encrypted central directory (0x2000) and the reserved bits.
const ODD_FLAGS: u16 = 0x0001
    | 0x0020
    | 0x0040
    | 0x0080
    | 0x0100
    | 0x0200
    | 0x0400
    | 0x1000
    | 0x2000
    | 0x4000
    | 0x8000;

/// True when `data` ends with a zip end record (and its comment) whose central directory is
/// where it says, possibly shifted by prepended data: a zip that does not start with a local
/// header, such as a pickle+zip polyglot or a self-extracting archive, which Python's `zipfile`
/// opens. Requiring the record to end the data keeps zips embedded inside other formats (a
/// zip member of a tar, a zip blob in a pickle) from claiming their container.
pub(crate) fn sniff_tail(data: &[u8]) -> bool {
    parse::eocd_candidates(data)
        .take(16)
        .filter_map(|p| parse::parse_eocd(data, p))
        .any(|e| {
            e.entries > 0 && e.end == data.len() as u64 && locate_directory(data, &e).is_some()
        })
}

/// Where the central directory starts, and by how much every offset is shifted because data
/// was prepended (Python's `zipfile` computes the same "concat" shift).
fn locate_directory(data: &[u8], e: &parse::Eocd) -> Option<(usize, usize)> {
    let at = usize::try_from(e.cd_offset).ok()?;
    if parse::sig_at(data, at, parse::CENTRAL) {
        return Some((at, 0));
    }
    let shift = (e.record_pos() as u64)
        .checked_sub(e.cd_size)?
        .checked_sub(e.cd_offset)?;
    let shift = usize::try_from(shift).ok().filter(|&s| s > 0)?;
    let at = at.checked_add(shift)?;
    parse::sig_at(data, at, parse::CENTRAL).then_some((at, shift))
}

/// One way of reading one member: the central directory's, or a local header's where that
/// differs or has no central entry.
#[derive(Debug, Clone)]
struct View<'a> {
    name: &'a [u8],
    flags: u16,
    method: u16,
    crc: u32,
    csize: u64,
    usize: u64,
    /// Offset of the local header.
    header: usize,
    data_start: usize,
    /// Read from a local header (for messages).
    local: bool,
}

impl<'a> View<'a> {
    fn central(c: &Central<'a>, l: &Local<'a>) -> View<'a> {
        View {
            name: c.name,
            flags: c.flags,
            method: c.method,
            crc: c.crc,
            csize: c.sizes.csize,
            usize: c.sizes.usize,
            header: l.at,
            data_start: l.data_start,
            local: false,
        }
    }

    fn local(l: &Local<'a>, crc: u32, csize: u64, usize: u64) -> View<'a> {
        View {
            name: l.name,
            flags: l.flags,
            method: l.method,
            crc,
            csize,
            usize,
            header: l.at,
            data_start: l.data_start,
            local: true,
        }
    }

    fn data_end(&self) -> u64 {
        (self.data_start as u64).saturating_add(self.csize)
    }
}

/// The central directory as found.
struct Directory<'a> {
    eocd: parse::Eocd,
    start: usize,
    shift: usize,
    entries: Vec<Central<'a>>,
    how: CentralEnd,
}

/// Scans a zip archive: structure checks, then every member view by content.
pub(crate) fn scan(ctx: &mut Ctx<'_>, data: &[u8]) {
    ctx.note_format("zip");
    let dir = directory(ctx, data);
    let mut views: Vec<View<'_>> = Vec::new();
    let mut by_header: HashMap<usize, usize> = HashMap::new();

    if let Some(dir) = &dir {
        for c in &dir.entries {
            let name = parse::decode_name(c.name, c.flags);
            let at = usize::try_from(c.sizes.offset)
                .ok()
                .and_then(|o| o.checked_add(dir.shift));
            let Some(l) = at.and_then(|at| parse::parse_local(data, at)) else {
                ctx.report(
                    &zip_header_mismatch::RULE,
                    Some(c.at as u64),
                    format!("central entry `{name}` points at offset {}, where there is no local header", c.sizes.offset),
                    Some(format!("{name}@{}", c.sizes.offset)),
                );
                ctx.problem(
                    ProblemKind::Malformed,
                    Some(c.at as u64),
                    format!("`{name}`: no local header; member not scanned"),
                );
                continue;
            };
            let cv = View::central(c, &l);
            by_header.entry(l.at).or_insert(views.len());
            let lv = local_view(data, &l, &cv);
            let diffs = differences(&cv, &lv);
            if !diffs.is_empty() {
                ctx.report(
                    &zip_header_mismatch::RULE,
                    Some(l.at as u64),
                    format!(
                        "local header and central directory disagree for `{name}`: {}",
                        diffs.join("; ")
                    ),
                    Some(diffs.join("; ")),
                );
            }
            let distinct = lv.name != cv.name || lv.method != cv.method || lv.csize != cv.csize;
            views.push(cv);
            if distinct {
                views.push(lv);
            }
        }
        match dir.how {
            CentralEnd::TooMany => ctx.problem(
                ProblemKind::LimitExceeded,
                Some(dir.start as u64),
                format!("the central directory holds more than {} entries; the rest are not scanned", ctx.limits.max_entries),
            ),
            CentralEnd::Broken(at) => ctx.problem(
                ProblemKind::Malformed,
                Some(at as u64),
                format!("central directory record at offset {at} is damaged; the entries after it are not listed"),
            ),
            CentralEnd::Complete => {}
        }
        if dir.how == CentralEnd::Complete {
            let declared = dir.eocd.entries;
            let saturated = dir.eocd.zip64.is_none() && declared == 0xffff;
            if !saturated && declared != dir.entries.len() as u64 {
                ctx.report(
                    &zip_header_mismatch::RULE,
                    Some(dir.eocd.pos as u64),
                    format!(
                        "end record declares {declared} entries, the central directory holds {}",
                        dir.entries.len()
                    ),
                    Some(format!("{declared}!={}", dir.entries.len())),
                );
            }
        }
    }

    let first = walk_local_headers(ctx, data, dir.as_ref(), &by_header, &mut views);
    check_duplicates(ctx, dir.as_ref(), &views);
    check_overlaps(ctx, &views);
    check_flags(ctx, &views);

    let outer_modules = std::mem::take(&mut ctx.local_modules);
    let kind = programs(ctx, &views);
    for v in &views {
        if !scan_view(ctx, data, v, kind) {
            break;
        }
    }
    ctx.local_modules = outer_modules;

    if let Some(first) = first.filter(|&f| f > 0) {
        outside(
            ctx,
            data,
            0,
            first,
            "before the first local header",
            "<prefix>",
        );
    }
    if let Some(dir) = &dir
        && let Ok(end) = usize::try_from(dir.eocd.end)
        && end < data.len()
    {
        outside(
            ctx,
            data,
            end,
            data.len(),
            "after the end-of-central-directory record",
            "<trailing>",
        );
    }
}

/// Finds and reads the central directory; `None` (with a problem) when there is none.
fn directory<'a>(ctx: &mut Ctx<'_>, data: &'a [u8]) -> Option<Directory<'a>> {
    let mut found = None;
    for p in parse::eocd_candidates(data).take(16) {
        let Some(e) = parse::parse_eocd(data, p) else {
            continue;
        };
        if let Some((start, shift)) = locate_directory(data, &e) {
            found = Some((e, start, shift));
            break;
        }
        if e.entries == 0 && e.cd_size == 0 {
            found = Some((e, data.len(), 0));
            break;
        }
        if found.is_none() {
            ctx.problem(
                ProblemKind::Malformed,
                Some(p as u64),
                format!("end record at offset {p} points at offset {}, where there is no central directory", e.cd_offset),
            );
        }
    }
    let Some((eocd, start, shift)) = found else {
        ctx.problem(
            ProblemKind::Truncated,
            None,
            "no usable end-of-central-directory record (truncated or damaged zip); members were found by walking the local headers",
        );
        return None;
    };
    let end = usize::try_from(eocd.cd_size)
        .ok()
        .and_then(|s| start.checked_add(s))
        .unwrap_or(usize::MAX)
        .min(data.len());
    let (entries, how) = parse::central_directory(data, start, end, ctx.limits.max_entries);
    Some(Directory {
        eocd,
        start,
        shift,
        entries,
        how,
    })
}

/// The local header's own view of an entry, with sizes and CRC from its data descriptor when
/// it defers them (flag bit 3 with zero fields).
fn local_view<'a>(data: &[u8], l: &Local<'a>, cv: &View<'_>) -> View<'a> {
    let deferred =
        l.flags & FLAG_DESCRIPTOR != 0 && l.crc == 0 && l.sizes.csize == 0 && l.sizes.usize == 0;
    if !deferred {
        return View::local(l, l.crc, l.sizes.csize, l.sizes.usize);
    }
    let at = usize::try_from(cv.data_end()).unwrap_or(usize::MAX);
    match parse::parse_descriptor(
        data,
        at,
        Some(cv.csize),
        l.sizes.zip64 || cv.csize > u64::from(u32::MAX),
    ) {
        Some(d) => View::local(l, d.crc, d.csize, d.usize),
        // No descriptor to compare with: the local header defers to the directory.
        None => View::local(l, cv.crc, cv.csize, cv.usize),
    }
}

fn differences(c: &View<'_>, l: &View<'_>) -> Vec<String> {
    let mut d = Vec::new();
    if c.name != l.name {
        d.push(format!(
            "name `{}` (local) vs `{}` (central)",
            parse::decode_name(l.name, l.flags).escape_debug(),
            parse::decode_name(c.name, c.flags).escape_debug()
        ));
    }
    if c.method != l.method {
        d.push(format!(
            "method {} (local) vs {} (central)",
            l.method, c.method
        ));
    }
    if c.flags != l.flags {
        d.push(format!(
            "flags {:#06x} (local) vs {:#06x} (central)",
            l.flags, c.flags
        ));
    }
    if c.crc != l.crc {
        d.push(format!(
            "CRC {:#010x} (local) vs {:#010x} (central)",
            l.crc, c.crc
        ));
    }
    if c.csize != l.csize || c.usize != l.usize {
        d.push(format!(
            "sizes {}/{} (local) vs {}/{} (central)",
            l.csize, l.usize, c.csize, c.usize
        ));
    }
    d
}

/// Walks the local headers from the first one, as a streaming reader would. Entries the
/// central directory does not list become views of their own; bytes between entries are
/// reported and scanned. Returns the offset of the first local header.
fn walk_local_headers<'a>(
    ctx: &mut Ctx<'_>,
    data: &'a [u8],
    dir: Option<&Directory<'a>>,
    by_header: &HashMap<usize, usize>,
    views: &mut Vec<View<'a>>,
) -> Option<usize> {
    let listed: Vec<usize> = {
        let mut v: Vec<usize> = by_header.keys().copied().collect();
        v.sort_unstable();
        v
    };
    let first = if parse::sig_at(data, 0, LOCAL) {
        Some(0)
    } else if let Some(&f) = listed.first() {
        Some(f)
    } else {
        parse::find(data, LOCAL)
    };
    let region_end = dir.map_or(data.len(), |d| d.start.min(data.len()));
    let mut pos = first?;
    let mut seen = 0u64;
    while pos < region_end && seen <= ctx.limits.max_entries {
        if parse::sig_at(data, pos, LOCAL) {
            let Some(l) = parse::parse_local(data, pos) else {
                ctx.problem(
                    ProblemKind::Truncated,
                    Some(pos as u64),
                    format!("local header at offset {pos} is cut short"),
                );
                break;
            };
            seen += 1;
            let (csize, zip64) = match by_header.get(&pos).and_then(|&i| views.get(i)) {
                Some(v) => (v.csize, l.sizes.zip64 || v.csize > u64::from(u32::MAX)),
                None => {
                    let Some(csize) = orphan_size(ctx, data, &l) else {
                        break;
                    };
                    let name = parse::decode_name(l.name, l.flags);
                    if dir.is_some() {
                        ctx.report(
                            &zip_header_mismatch::RULE,
                            Some(pos as u64),
                            format!("local entry `{name}` at offset {pos} is not listed in the central directory"),
                            Some(name.escape_debug().to_string()),
                        );
                    }
                    let end = usize::try_from((l.data_start as u64).saturating_add(csize))
                        .unwrap_or(usize::MAX);
                    let (crc, usize_) = if l.flags & FLAG_DESCRIPTOR != 0 && l.sizes.csize == 0 {
                        parse::parse_descriptor(data, end, Some(csize), l.sizes.zip64)
                            .map_or((l.crc, l.sizes.usize), |d| (d.crc, d.usize))
                    } else {
                        (l.crc, l.sizes.usize)
                    };
                    views.push(View::local(&l, crc, csize, usize_));
                    (csize, l.sizes.zip64)
                }
            };
            let end =
                usize::try_from((l.data_start as u64).saturating_add(csize)).unwrap_or(usize::MAX);
            let mut next = end;
            if l.flags & FLAG_DESCRIPTOR != 0
                && let Some(d) = parse::parse_descriptor(data, end, Some(csize), zip64)
            {
                next = d.end;
            }
            if next <= pos {
                break;
            }
            pos = next;
            continue;
        }
        if parse::AFTER_ENTRIES
            .iter()
            .any(|s| parse::sig_at(data, pos, s))
            && listed.iter().all(|&h| h < pos)
        {
            break;
        }
        // Bytes that belong to no entry: up to the next listed header, or the directory.
        let next = listed
            .iter()
            .copied()
            .find(|&h| h > pos)
            .unwrap_or(region_end);
        if dir.is_none() {
            break;
        }
        outside(
            ctx,
            data,
            pos,
            next,
            "between entries",
            &format!("<gap@{pos}>"),
        );
        pos = next;
    }
    first
}

/// The compressed size of a local entry the directory does not describe: from its header, or
/// for a streamed entry (flag bit 3, zero sizes) from where its data ends. `None` after a
/// problem when that cannot be found.
fn orphan_size(ctx: &mut Ctx<'_>, data: &[u8], l: &Local<'_>) -> Option<u64> {
    if l.flags & FLAG_DESCRIPTOR == 0 || l.sizes.csize != 0 {
        return Some(l.sizes.csize);
    }
    let rest = data.get(l.data_start..).unwrap_or(&[]);
    let found = match l.method {
        0 => parse::find_stored_end(data, l.data_start).map(|e| (e - l.data_start) as u64),
        8 => deflate_end(rest, Budget::new(ctx, rest.len() as u64).cap),
        _ => None,
    };
    if found.is_none() {
        ctx.problem(
            ProblemKind::Malformed,
            Some(l.at as u64),
            format!("cannot find where the streamed entry at offset {} ends; the local headers after it are not walked", l.at),
        );
    }
    found
}

/// Where a raw deflate stream ends, decoding into a scratch buffer (at most `max_out` bytes).
fn deflate_end(input: &[u8], max_out: u64) -> Option<u64> {
    let mut d = flate2::Decompress::new(false);
    let mut scratch = vec![0u8; 64 << 10];
    loop {
        let consumed = usize::try_from(d.total_in()).ok()?;
        let before = (d.total_in(), d.total_out());
        let status = d
            .decompress(
                input.get(consumed..)?,
                &mut scratch,
                flate2::FlushDecompress::None,
            )
            .ok()?;
        if status == flate2::Status::StreamEnd {
            return Some(d.total_in());
        }
        if (d.total_in(), d.total_out()) == before || d.total_out() > max_out {
            return None;
        }
    }
}

fn check_duplicates(ctx: &mut Ctx<'_>, dir: Option<&Directory<'_>>, views: &[View<'_>]) {
    let mut counts: Vec<(&[u8], u16, usize, usize)> = Vec::new();
    let mut index: HashMap<&[u8], usize> = HashMap::new();
    let names: Vec<(&[u8], u16, usize)> = match dir {
        Some(d) => d.entries.iter().map(|c| (c.name, c.flags, c.at)).collect(),
        None => views.iter().map(|v| (v.name, v.flags, v.header)).collect(),
    };
    for (name, flags, at) in names {
        match index.get(name) {
            Some(&i) => counts[i].2 += 1,
            None => {
                index.insert(name, counts.len());
                counts.push((name, flags, 1, at));
            }
        }
    }
    for (name, flags, n, at) in counts {
        if n > 1 {
            let shown = parse::decode_name(name, flags);
            ctx.report(
                &duplicate_member::RULE,
                Some(at as u64),
                format!("`{}` appears {n} times; loaders disagree on which copy they read (all are scanned)", shown.escape_debug()),
                Some(shown.escape_debug().to_string()),
            );
        }
    }
}

/// One finding per distinct set of odd flag bits, naming how many entries carry it.
fn check_flags(ctx: &mut Ctx<'_>, views: &[View<'_>]) {
    let mut groups: Vec<(u16, usize, &View<'_>)> = Vec::new();
    for v in views.iter().filter(|v| v.flags & ODD_FLAGS != 0) {
        let bits = v.flags & ODD_FLAGS;
        match groups.iter_mut().find(|g| g.0 == bits) {
            Some(g) => g.1 += 1,
            None => groups.push((bits, 1, v)),
        }
    }
    for (bits, n, first) in groups {
        let what = if bits & 0x0001 != 0 {
            "the encryption bit"
        } else {
            "unusual bits"
        };
        let first_name = parse::decode_name(first.name, first.flags);
        ctx.report(
            &zip_flags::RULE,
            Some(first.header as u64),
            format!(
                "{n} entries (first `{}`) set {what} (flags {bits:#06x}); read as plain data as PyTorch does",
                first_name.escape_debug()
            ),
            Some(format!("{bits:#06x}")),
        );
    }
}

/// Entries whose data overlap (or that share one local header) are how non-recursive zip
/// bombs multiply one compressed kernel.
fn check_overlaps(ctx: &mut Ctx<'_>, views: &[View<'_>]) {
    let mut spans: Vec<(usize, u64, usize)> = views
        .iter()
        .filter(|v| !v.local && v.csize > 0)
        .map(|v| (v.data_start, v.data_end(), v.header))
        .collect();
    spans.sort_unstable();
    let mut overlapping = 0usize;
    let mut reach = 0u64;
    let mut last_header = None;
    for (start, end, header) in spans {
        if (start as u64) < reach && last_header != Some(header) || last_header == Some(header) {
            overlapping += 1;
        }
        reach = reach.max(end);
        last_header = Some(header);
    }
    if overlapping > 0 {
        ctx.report(
            &decompression_bomb::RULE,
            None,
            format!("{overlapping} entries share or overlap the compressed data of others"),
            Some(format!("{overlapping} overlapping entries")),
        );
    }
}

/// Reports bytes outside the zip structure and scans them by content.
fn outside(ctx: &mut Ctx<'_>, data: &[u8], from: usize, to: usize, where_: &str, name: &str) {
    let Some(bytes) = data.get(from..to.min(data.len())) else {
        return;
    };
    if bytes.iter().all(|&b| b == 0) {
        return;
    }
    ctx.report(
        &data_outside_archive::RULE,
        Some(from as u64),
        format!(
            "{} bytes {where_} are not part of any zip entry",
            bytes.len()
        ),
        Some(format!("{} bytes {where_}", bytes.len())),
    );
    ctx.scan_member(name, bytes);
}

/// Which kinds of program archive the zip is (their members get extra readers).
#[derive(Debug, Clone, Copy)]
struct Programs {
    torchscript: bool,
    package: bool,
}

/// Recognises TorchScript archives (`.py` members are TorchScript source, `bytecode.pkl` the
/// mobile program) and `torch.package` archives (`.py` members are interned modules, whose
/// names go to `ctx.local_modules`), and reports each as a program. Both are checked on top of
/// the usual scan by content.
fn programs(ctx: &mut Ctx<'_>, views: &[View<'_>]) -> Programs {
    let torchscript = views.iter().any(|v| torchscript::is_marker(v.name));
    let package = views.iter().any(|v| torchpackage::is_marker(v.name));
    if torchscript {
        let code = views
            .iter()
            .filter(|v| torchscript::is_code(v.name))
            .count();
        let bytecode = views.iter().any(|v| torchscript::is_bytecode(v.name));
        torchscript::report_program(ctx, code, bytecode);
    }
    if package {
        let modules = views
            .iter()
            .filter(|v| torchpackage::is_module(v.name))
            .count();
        torchpackage::report_program(ctx, modules);
        ctx.local_modules = views
            .iter()
            .filter_map(|v| torchpackage::module_name(&parse::decode_name(v.name, v.flags)))
            .collect();
    }
    Programs {
        torchscript,
        package,
    }
}

/// Scans one member view; false when the entry budget is spent.
fn scan_view(ctx: &mut Ctx<'_>, data: &[u8], v: &View<'_>, programs: Programs) -> bool {
    if !ctx.charge_entry() {
        return false;
    }
    let name = parse::decode_name(v.name, v.flags);
    let at = Some(v.header as u64);
    paths::report(ctx, &name, at, "zip");
    if v.csize == 0 && v.usize == 0 && (name.ends_with('/') || name.ends_with('\\')) {
        return true;
    }
    let start = v.data_start.min(data.len());
    let avail = (data.len() - start) as u64;
    if v.csize > avail {
        ctx.problem(
            ProblemKind::Truncated,
            at,
            format!(
                "`{name}`: data runs {} bytes past the end of the file; the rest is missing",
                v.csize - avail
            ),
        );
    }
    let raw = &data[start..start + v.csize.min(avail) as usize];
    let codec = match v.method {
        0 => None,
        8 => Some(Codec::Deflate),
        12 => Some(Codec::Bzip2),
        14 => Some(Codec::ZipLzma {
            eos: v.flags & 0x0002 != 0,
            size: v.usize,
        }),
        93 => Some(Codec::Zstd),
        95 => Some(Codec::Xz),
        99 => {
            ctx.problem(
                ProblemKind::Encrypted,
                at,
                format!("`{name}` is AES-encrypted; not scanned"),
            );
            return true;
        }
        m => {
            ctx.problem(
                ProblemKind::Unsupported,
                at,
                format!(
                    "`{name}` uses compression method {m}, which is not supported; not scanned"
                ),
            );
            return true;
        }
    };
    let (content, complete): (Cow<'_, [u8]>, bool) = match codec {
        None => {
            if v.csize != v.usize {
                ctx.report(
                    &zip_header_mismatch::RULE,
                    at,
                    format!(
                        "stored entry `{name}` declares {} bytes stored but a size of {}",
                        v.csize, v.usize
                    ),
                    Some(format!("{}!={}", v.csize, v.usize)),
                );
            }
            (Cow::Borrowed(raw), v.csize <= avail)
        }
        Some(codec) => {
            let mut budget = Budget::new(ctx, raw.len() as u64);
            let declared_bomb =
                v.usize > RATIO_FLOOR && v.usize / (raw.len() as u64).max(1) > ctx.limits.max_ratio;
            if declared_bomb {
                // The sizes promise a bomb: confirm by decoding only past the floor.
                budget = budget.at_most(RATIO_FLOOR, Cap::Ratio);
            }
            let d = decode::decode(codec, raw, budget);
            if declared_bomb && d.stop == Stop::Cap(Cap::Ratio) {
                ctx.report(
                    &decompression_bomb::RULE,
                    at,
                    format!(
                        "`{name}` declares {} bytes from {} compressed (over {}:1) and decodes past {} bytes",
                        v.usize,
                        raw.len(),
                        ctx.limits.max_ratio,
                        RATIO_FLOOR
                    ),
                    Some(format!("{}:{}", raw.len(), v.usize)),
                );
                ctx.problem(
                    ProblemKind::LimitExceeded,
                    at,
                    format!(
                        "`{name}`: decompression bomb; only the first {} bytes were scanned",
                        d.data.len()
                    ),
                );
                ctx.charge_inflated(d.data.len() as u64);
            } else {
                decode::settle(ctx, &name, budget, &d, at);
            }
            if d.stop != Stop::End && v.flags & 0x0001 != 0 {
                ctx.problem(
                    ProblemKind::Encrypted,
                    at,
                    format!("`{name}` does not decode as plain data; it may be truly encrypted"),
                );
            }
            let complete = d.stop == Stop::End;
            (Cow::Owned(d.data), complete)
        }
    };
    if complete {
        check_crc(ctx, v, &name, &content);
    }
    ctx.scan_member(&name, &content);
    if programs.torchscript && torchscript::is_code(v.name) {
        ctx.enter(&name, |c| torchscript::scan_code(c, &content));
    } else if programs.torchscript && torchscript::is_bytecode(v.name) {
        ctx.enter(&name, |c| torchscript::scan_bytecode(c, &content));
    }
    if programs.package && torchpackage::is_module(v.name) {
        ctx.enter(&name, |c| torchpackage::scan_source(c, &content));
    }
    true
}

/// Compares content with the recorded CRC and size. Large stored members that no reader
/// parses (opaque tensor data) are not hashed: a wrong CRC there changes nothing a loader
/// runs, and hashing gigabytes would cost more than the rest of the scan.
fn check_crc(ctx: &mut Ctx<'_>, v: &View<'_>, name: &str, content: &[u8]) {
    if v.method == 0
        && content.len() as u64 > RATIO_FLOOR
        && sniff::detect(content) == Format::Unknown
    {
        return;
    }
    let mut crc = flate2::Crc::new();
    crc.update(content);
    let size_ok = content.len() as u64 == v.usize;
    if crc.sum() != v.crc || !size_ok {
        let what = if v.local {
            "local header"
        } else {
            "central directory"
        };
        ctx.report(
            &crc_mismatch::RULE,
            Some(v.header as u64),
            format!(
                "`{}`: the {what} records CRC {:#010x} and size {}, the content has {:#010x} and {}",
                name.escape_debug(),
                v.crc,
                v.usize,
                crc.sum(),
                content.len()
            ),
            Some(format!("{:08x}!={:08x}", v.crc, crc.sum())),
        );
    }
}

#[cfg(test)]
mod tests;
