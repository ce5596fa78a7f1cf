//! Single compressed streams: gzip (every member), zlib (joblib's default compressor, and
//! joblib's pre-0.10 `ZF` container), bzip2, xz, LZMA-alone (joblib `.lzma`), zstd and LZ4
//! frames. The stream is decoded within the limits of [`decode::Budget`] and its content is
//! scanned as one member, named after the file minus its compression suffix.

pub(crate) mod decode;

use crate::ctx::Ctx;
use crate::rules::archive::{crc_mismatch, data_outside_archive};
use crate::sniff::Format;
use decode::{Budget, Codec, Decoded, Stop};
use mlsec_core::ProblemKind;

/// How much of a candidate stream the sniffers try to decode.
const PROBE_BYTES: usize = 4096;

/// joblib < 0.10 wrote `ZF`, the payload length as `0x…` padded to 19 characters, then zlib.
const ZFILE_FIELD: usize = 19;

/// A zlib stream: a valid CMF/FLG pair without a preset dictionary whose first bytes inflate,
/// or joblib's `ZF` container around one. The trial inflate keeps random tensor bytes that
/// happen to pass the 1-in-31 header check from being claimed.
pub(crate) fn sniff_zlib(data: &[u8]) -> bool {
    joblib_zfile(data).is_some() || zlib_header(data) && probe_inflate(data)
}

/// An LZMA-alone (`.lzma`) stream, checked as strictly as liblzma's "picky" mode: a valid
/// properties byte, a dictionary size of 2^n or 2^n + 2^(n-1), an unknown or plausible
/// uncompressed size, a zero first range-coder byte, and a prefix that decodes.
pub(crate) fn sniff_lzma_alone(data: &[u8]) -> bool {
    let Some(h) = data.get(..14) else {
        return false;
    };
    if h[0] >= 9 * 5 * 5 || h[13] != 0 {
        return false;
    }
    let dict = u32::from_le_bytes([h[1], h[2], h[3], h[4]]);
    let size = u64::from_le_bytes([h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12]]);
    if !picky_dict_size(dict) || (size != u64::MAX && size >= 1 << 38) {
        return false;
    }
    probe_lzma(data)
}

fn picky_dict_size(dict: u32) -> bool {
    if dict == 0 {
        return false;
    }
    // Round up to the next 2^n or 2^n + 2^(n-1), as liblzma does, and require equality.
    let mut d = dict - 1;
    d |= d >> 2;
    d |= d >> 3;
    d |= d >> 4;
    d |= d >> 8;
    d |= d >> 16;
    d.checked_add(1) == Some(dict)
}

fn zlib_header(data: &[u8]) -> bool {
    let [cmf, flg, ..] = *data else { return false };
    data.len() >= 8
        && cmf & 0x0f == 8
        && cmf >> 4 <= 7
        && flg & 0x20 == 0
        && (u16::from(cmf) << 8 | u16::from(flg)) % 31 == 0
}

/// Inflates the start of `data` (a zlib stream) into a small buffer: true unless the decoder
/// reports an error.
fn probe_inflate(data: &[u8]) -> bool {
    let mut d = flate2::Decompress::new(true);
    let mut out = vec![0u8; PROBE_BYTES];
    let input = &data[..data.len().min(PROBE_BYTES)];
    d.decompress(input, &mut out, flate2::FlushDecompress::None)
        .is_ok()
        && d.total_out() > 0
}

fn probe_lzma(data: &[u8]) -> bool {
    use std::io::Read;
    let input = &data[..data.len().min(4 * PROBE_BYTES)];
    let Ok(mut r) = lzma_rust2::LzmaReader::new_mem_limit(input, decode::DICT_LIMIT_KB, None)
    else {
        return false;
    };
    let mut out = vec![0u8; PROBE_BYTES];
    let mut got = 0;
    while got < out.len() {
        match r.read(&mut out[got..]) {
            Ok(0) => return got > 0,
            Ok(n) => got += n,
            // The probe cut the input short; everything up to here decoded.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return input.len() < data.len() && got > 0;
            }
            Err(_) => return false,
        }
    }
    true
}

/// The offset of the zlib payload when `data` is a joblib `ZF` container.
fn joblib_zfile(data: &[u8]) -> Option<usize> {
    let field = data.strip_prefix(b"ZF")?.get(..ZFILE_FIELD)?;
    let digits = field.strip_prefix(b"0x")?;
    let end = digits
        .iter()
        .position(|&b| b == b' ')
        .unwrap_or(digits.len());
    let (hex, pad) = digits.split_at(end);
    if hex.is_empty() || !hex.iter().all(u8::is_ascii_hexdigit) || !pad.iter().all(|&b| b == b' ') {
        return None;
    }
    // Python 2 joblib <= 0.8.4 wrote one more space; zlib data never starts with one.
    let start = 2 + ZFILE_FIELD + usize::from(data.get(2 + ZFILE_FIELD) == Some(&b' '));
    let rest = data.get(start..)?;
    (zlib_header(rest) && probe_inflate(rest)).then_some(start)
}

/// Decodes a compressed stream and scans its content.
pub(crate) fn scan(ctx: &mut Ctx<'_>, format: Format, data: &[u8]) {
    ctx.note_format(format.as_str());
    let name = inner_name(ctx.name(), format);
    let (codec, start) = match format {
        Format::Gzip => return gzip(ctx, &name, data),
        Format::Zlib => (Codec::Zlib, joblib_zfile(data).unwrap_or(0)),
        Format::Bzip2 => (Codec::Bzip2, 0),
        Format::Xz => (Codec::Xz, 0),
        Format::Lzma => (Codec::LzmaAlone, 0),
        Format::Zstd => (Codec::Zstd, 0),
        Format::Lz4 => (Codec::Lz4, 0),
        _ => return,
    };
    let payload = &data[start..];
    let budget = Budget::new(ctx, payload.len() as u64);
    let d = decode::decode(codec, payload, budget);
    decode::settle(ctx, &name, budget, &d, None);
    if !d.data.is_empty() {
        ctx.scan_member(&name, &d.data);
    }
    if let (Stop::End, Some(used)) = (&d.stop, d.consumed) {
        let end = start.saturating_add(usize::try_from(used).unwrap_or(usize::MAX));
        trailing(ctx, data, end, codec.name());
    }
}

/// gzip: every member is decoded (readers such as Python's `gzip` concatenate them), zero
/// padding between members is skipped as Python does, and each member's CRC and length are
/// checked.
fn gzip(ctx: &mut Ctx<'_>, name: &str, data: &[u8]) {
    let budget = Budget::new(ctx, data.len() as u64);
    let mut out: Vec<u8> = Vec::new();
    let mut pos = 0usize;
    let mut stop = Stop::End;
    let mut members = 0u64;
    loop {
        let Some(body) = gzip_header(data, pos) else {
            stop = Stop::Failed(
                ProblemKind::Malformed,
                format!("invalid gzip member header at offset {pos}"),
            );
            break;
        };
        members += 1;
        let left = Budget {
            cap: budget.cap.saturating_sub(out.len() as u64),
            ..budget
        };
        let d = decode::decode(Codec::Deflate, &data[body..], left);
        let used = d
            .consumed
            .and_then(|c| usize::try_from(c).ok())
            .unwrap_or(0);
        let member_start = out.len();
        if out.is_empty() {
            out = d.data;
        } else {
            out.extend_from_slice(&d.data);
        }
        if d.stop != Stop::End {
            stop = d.stop;
            break;
        }
        let tail = body.saturating_add(used);
        let Some(trailer) = data.get(tail..tail.saturating_add(8)) else {
            stop = Stop::Failed(
                ProblemKind::Truncated,
                format!("gzip member {members} has no CRC/length trailer"),
            );
            break;
        };
        let want_crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
        let want_len = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
        let mut crc = flate2::Crc::new();
        crc.update(&out[member_start..]);
        let got_len = (out.len() - member_start) as u32;
        if crc.sum() != want_crc || got_len != want_len {
            ctx.report(
                &crc_mismatch::RULE,
                Some(tail as u64),
                format!(
                    "gzip member {members}: recorded CRC {want_crc:#010x} / length {want_len}, content has {:#010x} / {got_len}",
                    crc.sum()
                ),
                Some(format!("{want_crc:08x}!={:08x}", crc.sum())),
            );
        }
        pos = tail + 8;
        while data.get(pos) == Some(&0) {
            pos += 1;
        }
        if pos >= data.len() {
            break;
        }
        if !data[pos..].starts_with(b"\x1f\x8b") {
            trailing(ctx, data, pos, "gzip");
            break;
        }
    }
    let d = Decoded {
        data: out,
        consumed: None,
        stop,
    };
    decode::settle(ctx, name, budget, &d, None);
    if !d.data.is_empty() {
        ctx.scan_member(name, &d.data);
    }
}

/// Parses a gzip member header at `pos`; returns where its deflate data starts.
fn gzip_header(data: &[u8], pos: usize) -> Option<usize> {
    let h = data.get(pos..pos.checked_add(10)?)?;
    if h[0] != 0x1f || h[1] != 0x8b || h[2] != 8 {
        return None;
    }
    let flags = h[3];
    let mut p = pos + 10;
    if flags & 0x04 != 0 {
        let x = data.get(p..p + 2)?;
        p = p.checked_add(2 + usize::from(u16::from_le_bytes([x[0], x[1]])))?;
    }
    for bit in [0x08, 0x10] {
        if flags & bit != 0 {
            let nul = data.get(p..)?.iter().position(|&b| b == 0)?;
            p += nul + 1;
        }
    }
    if flags & 0x02 != 0 {
        p += 2;
    }
    (p <= data.len()).then_some(p)
}

/// Reports and scans bytes after the end of a compressed stream (all-zero padding aside).
fn trailing(ctx: &mut Ctx<'_>, data: &[u8], end: usize, what: &str) {
    let Some(rest) = data.get(end..).filter(|r| r.iter().any(|&b| b != 0)) else {
        return;
    };
    ctx.report(
        &data_outside_archive::RULE,
        Some(end as u64),
        format!("{} bytes follow the end of the {what} stream", rest.len()),
        Some(format!("{} trailing bytes", rest.len())),
    );
    ctx.scan_member("<trailing>", rest);
}

/// The name a stream's content is scanned under: the file name without its compression
/// suffix (`model.pkl.gz` → `model.pkl`, `x.tgz` → `x.tar`), else `<decompressed>`.
fn inner_name(outer: &str, format: Format) -> String {
    let base = outer.rsplit(['/', '\\']).next().unwrap_or(outer);
    let suffixes: &[(&str, &str)] = match format {
        Format::Gzip => &[(".gz", ""), (".gzip", ""), (".tgz", ".tar")],
        Format::Bzip2 => &[
            (".bz2", ""),
            (".bz", ""),
            (".tbz2", ".tar"),
            (".tbz", ".tar"),
        ],
        Format::Xz => &[(".xz", ""), (".txz", ".tar")],
        Format::Lzma => &[(".lzma", ""), (".tlz", ".tar")],
        Format::Zstd => &[(".zst", ""), (".zstd", ""), (".tzst", ".tar")],
        Format::Lz4 => &[(".lz4", "")],
        Format::Zlib => &[(".z", ""), (".zz", ""), (".zlib", "")],
        _ => &[],
    };
    let lower = base.to_ascii_lowercase();
    for (suffix, replacement) in suffixes {
        if lower.ends_with(suffix) && base.len() > suffix.len() {
            return format!("{}{replacement}", &base[..base.len() - suffix.len()]);
        }
    }
    "<decompressed>".to_string()
}

#[cfg(test)]
mod tests;
