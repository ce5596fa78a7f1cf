//! 7-Zip archives, read with `sevenz-rust2` (pure Rust; LZMA, LZMA2, BCJ/delta filters,
//! bzip2 and copy; its deflate, zstd, PPMd and AES codecs are left out, and archives that use
//! them are reported as not scanned). The nullifAI campaign shipped malicious PyTorch files
//! inside 7z archives because scanners did not open them.
//!
//! Member names get the same path checks as zip and tar members. Content is read through the
//! crate's block decoder into buffers capped like every other decompression here (member
//! size, file budget, ratio against the archive size, dictionary memory); a member that hits
//! a cap ends its solid block, and what was not read is reported. The header is read with
//! its own limit ([`HEADER_MAX`]). Encrypted content and unsupported codecs
//! are problems (plus a finding for encryption), never silence.

use crate::ctx::Ctx;
use crate::formats::compressed::decode::{
    self, Budget, Cap, DICT_LIMIT_KB, Decoded, RATIO_FLOOR, Stop,
};
use crate::formats::zip::paths;
use crate::rules::archive::{crc_mismatch, duplicate_member, encrypted_content};
use mlsec_core::ProblemKind;
use sevenz_rust2::{Archive, BlockDecoder, Error, Password};
use std::collections::HashMap;
use std::io::{Cursor, Read};

/// How a 7z error is reported.
enum Fault {
    Encrypted,
    Crc,
    Other(ProblemKind),
}

fn classify(e: &Error) -> Fault {
    match e {
        Error::PasswordRequired | Error::MaybeBadPassword(_) => Fault::Encrypted,
        Error::UnsupportedCompressionMethod(m) if m.to_ascii_uppercase().contains("AES") => {
            Fault::Encrypted
        }
        Error::ChecksumVerificationFailed | Error::NextHeaderCrcMismatch => Fault::Crc,
        Error::UnsupportedCompressionMethod(_)
        | Error::Unsupported(_)
        | Error::ExternalUnsupported => Fault::Other(ProblemKind::Unsupported),
        Error::MaxMemLimited { .. } => Fault::Other(ProblemKind::LimitExceeded),
        Error::Io(io, _) => classify_io(io),
        _ => Fault::Other(ProblemKind::Malformed),
    }
}

fn classify_io(e: &std::io::Error) -> Fault {
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<Error>()) {
        return classify(inner);
    }
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => Fault::Other(ProblemKind::Truncated),
        _ => Fault::Other(ProblemKind::Malformed),
    }
}

fn report_fault(ctx: &mut Ctx<'_>, fault: Fault, what: &str, detail: &str) {
    match fault {
        Fault::Encrypted => {
            ctx.report(
                &encrypted_content::RULE,
                None,
                format!("{what} is encrypted; its content cannot be scanned"),
                Some(what.to_string()),
            );
            ctx.problem(
                ProblemKind::Encrypted,
                None,
                format!("{what} is encrypted; not scanned"),
            );
        }
        Fault::Crc => {
            ctx.report(
                &crc_mismatch::RULE,
                None,
                format!("{what} does not match its recorded CRC"),
                Some(what.to_string()),
            );
        }
        Fault::Other(kind) => {
            ctx.problem(kind, None, format!("{what}: {detail}; not fully scanned"))
        }
    }
}

/// Largest archive header accepted, in bytes. The reader allocates a record (about 100 bytes)
/// per entry the header declares, bounded only by the header's size, and a compressed header
/// of a few bytes can decode to megabytes; 1 MiB of header lists tens of thousands of entries.
const HEADER_MAX: u64 = 1 << 20;

/// How large the archive header is once decoded, read from the start header and, for a
/// compressed header, from its stream description. `None` when the layout is not the usual
/// one (the reader then gets a header limit that also bounds its header decoder).
fn header_bound(data: &[u8]) -> Option<u64> {
    let le = |at: usize| {
        data.get(at..at + 8)
            .map(|b| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
    };
    let (offset, size) = (le(12)?, le(20)?);
    let start = usize::try_from(offset.checked_add(32)?).ok()?;
    let header = data.get(start..start.checked_add(usize::try_from(size).ok()?)?)?;
    match header.split_first()? {
        (0x01, _) => Some(size),
        (0x17, rest) => encoded_header_size(rest),
        _ => None,
    }
}

fn byte(r: &mut &[u8]) -> Option<u8> {
    let (&b, rest) = r.split_first()?;
    *r = rest;
    Some(b)
}

fn skip(r: &mut &[u8], n: u64) -> Option<()> {
    *r = r.get(usize::try_from(n).ok()?..)?;
    Some(())
}

/// 7z's variable-length NUMBER: the leading one bits of the first byte count extra bytes.
fn number(r: &mut &[u8]) -> Option<u64> {
    let first = byte(r)?;
    let mut mask = 0x80u8;
    let mut value = 0u64;
    for i in 0..8 {
        if first & mask == 0 {
            return Some(value | (u64::from(first & mask.wrapping_sub(1)) << (8 * i)));
        }
        value |= u64::from(byte(r)?) << (8 * i);
        mask >>= 1;
    }
    Some(value)
}

/// The largest unpack size declared in an encoded header's stream description (PackInfo,
/// then UnpackInfo with its folders). Each loop consumes input, so none outlasts the header.
fn encoded_header_size(mut r: &[u8]) -> Option<u64> {
    let r = &mut r;
    let mut id = byte(r)?;
    if id == 0x06 {
        number(r)?;
        let streams = number(r)?;
        loop {
            match byte(r)? {
                0x00 => break,
                0x09 => (0..streams).try_for_each(|_| number(r).map(|_| ()))?,
                _ => return None,
            }
        }
        id = byte(r)?;
    }
    if id != 0x07 || byte(r)? != 0x0b {
        return None;
    }
    let folders = number(r)?;
    if byte(r)? != 0 {
        return None;
    }
    let mut outputs = 0u64;
    for _ in 0..folders {
        let coders = number(r)?;
        let (mut ins, mut outs) = (0u64, 0u64);
        for _ in 0..coders {
            let flags = byte(r)?;
            skip(r, u64::from(flags & 0x0f))?;
            let (i, o) = if flags & 0x10 != 0 {
                (number(r)?, number(r)?)
            } else {
                (1, 1)
            };
            ins = ins.checked_add(i)?;
            outs = outs.checked_add(o)?;
            if flags & 0x20 != 0 {
                let n = number(r)?;
                skip(r, n)?;
            }
        }
        let binds = outs.checked_sub(1)?;
        for _ in 0..binds {
            number(r)?;
            number(r)?;
        }
        let packed = ins.checked_sub(binds)?;
        if packed > 1 {
            (0..packed).try_for_each(|_| number(r).map(|_| ()))?;
        }
        outputs = outputs.checked_add(outs)?;
    }
    if byte(r)? != 0x0c {
        return None;
    }
    let mut largest = 0u64;
    for _ in 0..outputs {
        largest = largest.max(number(r)?);
    }
    Some(largest)
}

/// Scans a 7z archive.
pub(crate) fn scan(ctx: &mut Ctx<'_>, data: &[u8]) {
    ctx.note_format("7z");
    let password = Password::empty();
    let mut source = Cursor::new(data);
    let limit_kb = match header_bound(data) {
        Some(n) if n > HEADER_MAX => {
            ctx.problem(
                ProblemKind::LimitExceeded,
                None,
                format!(
                    "the 7z header declares {n} bytes, over the limit of {HEADER_MAX}; not scanned"
                ),
            );
            return;
        }
        // The header is known to be small: the limit now only bounds decoder dictionaries.
        Some(_) => DICT_LIMIT_KB as usize,
        None => (HEADER_MAX >> 10) as usize,
    };
    let archive = match Archive::read_with_memory_limit(&mut source, &password, limit_kb) {
        Ok(a) => a,
        Err(e) => {
            let detail = e.to_string();
            report_fault(ctx, classify(&e), "the 7z header", &detail);
            return;
        }
    };

    let mut names: HashMap<&str, usize> = HashMap::new();
    for f in &archive.files {
        paths::report(ctx, &f.name, None, "7z");
        *names.entry(f.name.as_str()).or_default() += 1;
    }
    let mut dups: Vec<_> = names.into_iter().filter(|(_, n)| *n > 1).collect();
    dups.sort_unstable();
    for (name, n) in dups {
        ctx.report(
            &duplicate_member::RULE,
            None,
            format!(
                "`{}` appears {n} times; extractors disagree on which copy wins (all are scanned)",
                name.escape_debug()
            ),
            Some(name.escape_debug().to_string()),
        );
    }

    // The ratio is measured against the whole archive: solid blocks do not record per-member
    // compressed sizes.
    let ratio_cap = ctx
        .limits
        .max_ratio
        .saturating_mul(data.len() as u64)
        .max(RATIO_FLOOR);
    let mut produced = 0u64;
    let mut out_of_entries = false;
    for block in 0..archive.blocks.len() {
        if out_of_entries {
            break;
        }
        let mut current: Option<String> = None;
        let decoder = BlockDecoder::new_with_memory_limit(
            1,
            DICT_LIMIT_KB as usize,
            block,
            &archive,
            &password,
            &mut source,
        );
        let result = decoder.for_each_entries(&mut |entry, r| {
            if entry.is_directory || !entry.has_stream {
                return Ok(true);
            }
            if !ctx.charge_entry() {
                out_of_entries = true;
                return Ok(false);
            }
            current = Some(entry.name.clone());
            let budget = Budget::new(ctx, data.len() as u64)
                .at_most(ratio_cap.saturating_sub(produced), Cap::Ratio);
            let mut out = Vec::new();
            let read = r.take(budget.cap.saturating_add(1)).read_to_end(&mut out);
            let over = out.len() as u64 > budget.cap;
            out.truncate(
                usize::try_from(budget.cap)
                    .unwrap_or(usize::MAX)
                    .min(out.len()),
            );
            produced = produced.saturating_add(out.len() as u64);
            let (stop, keep_going) = match read {
                _ if over => (Stop::Cap(budget.why), false),
                Ok(_) => (Stop::End, true),
                Err(e) => {
                    let detail = e.to_string();
                    match classify_io(&e) {
                        Fault::Other(kind) => (Stop::Failed(kind, detail), false),
                        fault => {
                            report_fault(
                                ctx,
                                fault,
                                &format!("7z member `{}`", entry.name),
                                &detail,
                            );
                            (Stop::End, false)
                        }
                    }
                }
            };
            let d = Decoded {
                data: out,
                consumed: None,
                stop,
            };
            decode::settle(ctx, &entry.name, budget, &d, None);
            if !keep_going {
                ctx.problem(
                    ProblemKind::Truncated,
                    None,
                    format!(
                        "members stored after `{}` in the same 7z block are not scanned",
                        entry.name
                    ),
                );
            }
            if !d.data.is_empty() {
                ctx.scan_member(&entry.name, &d.data);
            }
            Ok(keep_going)
        });
        if let Err(e) = result {
            let what = match current {
                Some(m) => format!("7z member `{m}`"),
                None => format!("7z block {block}"),
            };
            let detail = e.to_string();
            report_fault(ctx, classify(&e), &what, &detail);
        }
    }
}
