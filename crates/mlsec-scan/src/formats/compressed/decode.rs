//! Bounded decompression shared by the stream reader, the zip reader and the 7z reader.
//!
//! Every decoder writes into one buffer capped by the smallest of: the largest member held in
//! memory, what is left of the file's decompression budget, and the ratio limit times the
//! compressed size (never below [`RATIO_FLOOR`]). Output only grows as the decoder produces it
//! (no allocation is sized from a header), and LZMA dictionaries are bounded by
//! [`DICT_LIMIT_KB`]. Reaching a cap is reported by [`settle`]: never silence.

use crate::ctx::Ctx;
use crate::rules::archive::decompression_bomb;
use mlsec_core::ProblemKind;
use std::io::{self, Read};

/// Outputs up to this size are never called bombs, whatever their ratio.
pub(crate) const RATIO_FLOOR: u64 = 1 << 20;

/// Largest LZMA/LZMA2 dictionary (plus model) a decoder may allocate, in KiB. Real `.xz`,
/// `.lzma` and 7z files use at most 64 MiB (`xz -9`, `7z -mx9`); 1.5 GiB is the format maximum.
pub(crate) const DICT_LIMIT_KB: u32 = 1 << 20;

/// A compression method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Codec {
    /// Raw deflate (zip method 8).
    Deflate,
    /// zlib-wrapped deflate (joblib's default compressor).
    Zlib,
    /// One or more bzip2 streams.
    Bzip2,
    /// One or more xz streams.
    Xz,
    /// `.lzma` (LZMA-alone) with its 13-byte header.
    LzmaAlone,
    /// Zip method 14: a 4-byte version/size header, the 5 LZMA property bytes, raw LZMA.
    /// `eos`: the stream ends with an end marker (flag bit 1) instead of at `size`.
    ZipLzma { eos: bool, size: u64 },
    /// One or more zstd frames (skippable frames are skipped).
    Zstd,
    /// One or more LZ4 frames.
    Lz4,
}

impl Codec {
    /// The name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Deflate => "deflate",
            Codec::Zlib => "zlib",
            Codec::Bzip2 => "bzip2",
            Codec::Xz => "xz",
            Codec::LzmaAlone | Codec::ZipLzma { .. } => "lzma",
            Codec::Zstd => "zstd",
            Codec::Lz4 => "lz4",
        }
    }
}

/// Which limit bounded an output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cap {
    /// `Limits::max_member_bytes`.
    Member,
    /// What remained of `Limits::max_inflated_bytes`.
    Budget,
    /// `Limits::max_ratio` times the compressed size.
    Ratio,
}

/// The most output one decode may produce, and the limit that sets it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    pub cap: u64,
    pub why: Cap,
    /// Compressed bytes the ratio is measured against.
    pub compressed: u64,
}

impl Budget {
    /// The budget for decoding `compressed` bytes in the current scan.
    pub fn new(ctx: &Ctx<'_>, compressed: u64) -> Budget {
        let ratio = ctx
            .limits
            .max_ratio
            .saturating_mul(compressed)
            .max(RATIO_FLOOR);
        let member = ctx.limits.max_member_bytes;
        let left = ctx
            .limits
            .max_inflated_bytes
            .saturating_sub(ctx.state.inflated_bytes);
        // Ties go to the limit that says the most about the input: a ratio beats a size.
        let mut b = Budget {
            cap: ratio,
            why: Cap::Ratio,
            compressed,
        };
        if member < b.cap {
            b = Budget {
                cap: member,
                why: Cap::Member,
                compressed,
            };
        }
        if left < b.cap {
            b = Budget {
                cap: left,
                why: Cap::Budget,
                compressed,
            };
        }
        b
    }

    /// The same budget, lowered to at most `n` bytes (keeping the reason when `n` is larger).
    pub fn at_most(self, n: u64, why: Cap) -> Budget {
        if n < self.cap {
            Budget {
                cap: n,
                why,
                ..self
            }
        } else {
            self
        }
    }
}

/// How a decode ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The stream ended normally.
    End,
    /// The output reached the budget; the rest was not decoded.
    Cap(Cap),
    /// The decoder failed; the output holds what came before the failure.
    Failed(ProblemKind, String),
}

/// The output of one decode.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub data: Vec<u8>,
    /// Compressed bytes consumed, where the decoder can tell exactly.
    pub consumed: Option<u64>,
    pub stop: Stop,
}

/// Decodes `input` with `codec` within `budget`. Never panics, whatever the input.
pub(crate) fn decode(codec: Codec, input: &[u8], budget: Budget) -> Decoded {
    let mut out = Out {
        data: Vec::new(),
        cap: budget.cap,
        hit: false,
        hint: input.len() as u64,
    };
    let mut consumed = None;
    let result: io::Result<()> = match codec {
        Codec::Deflate => {
            let mut d = flate2::bufread::DeflateDecoder::new(input);
            let r = out.pump(&mut d);
            consumed = Some(d.total_in());
            r
        }
        Codec::Zlib => {
            let mut d = flate2::bufread::ZlibDecoder::new(input);
            let r = out.pump(&mut d);
            consumed = Some(d.total_in());
            r
        }
        Codec::Bzip2 => out.pump(&mut bzip2::bufread::MultiBzDecoder::new(input)),
        Codec::Xz => out.pump(&mut lzma_rust2::XzReader::new_mem_limit(
            input,
            true,
            DICT_LIMIT_KB,
        )),
        Codec::LzmaAlone => match lzma_rust2::LzmaReader::new_mem_limit(input, DICT_LIMIT_KB, None)
        {
            Ok(mut d) => out.pump(&mut d),
            Err(e) => Err(e),
        },
        Codec::ZipLzma { eos, size } => zip_lzma(&mut out, input, eos, size),
        Codec::Zstd => zstd_frames(&mut out, input),
        Codec::Lz4 => out.pump(&mut lz4_flex::frame::FrameDecoder::new(input)),
    };
    let stop = if out.hit {
        Stop::Cap(budget.why)
    } else {
        match result {
            Ok(()) => Stop::End,
            Err(e) => Stop::Failed(
                problem_kind(&e),
                format!("{} data is corrupt or truncated: {e}", codec.name()),
            ),
        }
    };
    Decoded {
        data: out.data,
        consumed,
        stop,
    }
}

/// Accounts for `d`'s output and reports how it ended: a bomb finding plus a problem when a
/// size or ratio limit stopped it, a problem when the budget ran out or the data is broken.
/// `what` names the member or stream in messages.
pub(crate) fn settle(
    ctx: &mut Ctx<'_>,
    what: &str,
    budget: Budget,
    d: &Decoded,
    offset: Option<u64>,
) {
    ctx.charge_inflated(d.data.len() as u64);
    match &d.stop {
        Stop::End => {}
        Stop::Cap(Cap::Ratio) => {
            ctx.report(
                &decompression_bomb::RULE,
                offset,
                format!(
                    "`{what}` expands more than {}:1 ({} compressed bytes produced over {} bytes)",
                    ctx.limits.max_ratio, budget.compressed, budget.cap
                ),
                Some(format!("{}:{}", budget.compressed, budget.cap)),
            );
            ctx.problem(
                ProblemKind::LimitExceeded,
                offset,
                format!("`{what}`: decompression stopped at the ratio limit; only the first {} bytes were scanned", d.data.len()),
            );
        }
        Stop::Cap(Cap::Member) => {
            ctx.report(
                &decompression_bomb::RULE,
                offset,
                format!("`{what}` expands beyond the member limit of {} bytes", ctx.limits.max_member_bytes),
                Some(format!("{}:>{}", budget.compressed, budget.cap)),
            );
            ctx.problem(
                ProblemKind::LimitExceeded,
                offset,
                format!("`{what}`: decompression stopped at the member limit; only the first {} bytes were scanned", d.data.len()),
            );
        }
        Stop::Cap(Cap::Budget) => ctx.problem(
            ProblemKind::LimitExceeded,
            offset,
            format!(
                "`{what}`: the decompression budget of {} bytes for this file is spent; only the first {} bytes were scanned",
                ctx.limits.max_inflated_bytes,
                d.data.len()
            ),
        ),
        Stop::Failed(kind, msg) => ctx.problem(*kind, offset, format!("`{what}`: {msg}; the data before the fault was scanned")),
    }
}

fn problem_kind(e: &io::Error) -> ProblemKind {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => ProblemKind::Truncated,
        io::ErrorKind::OutOfMemory => ProblemKind::LimitExceeded,
        io::ErrorKind::Unsupported => ProblemKind::Unsupported,
        _ => ProblemKind::Malformed,
    }
}

/// The growing output of a decode and its cap.
struct Out {
    data: Vec<u8>,
    cap: u64,
    hit: bool,
    /// Compressed bytes, to size the first allocation.
    hint: u64,
}

impl Out {
    /// Reads `r` to its end or until the cap; one byte past the cap marks it as hit.
    fn pump(&mut self, r: &mut dyn Read) -> io::Result<()> {
        let room = self.cap.saturating_sub(self.data.len() as u64);
        let before = self.data.len();
        // Room for a typical expansion up front (growing from empty costs a probe read and a
        // copy per doubling); when the guess reaches the cap, room for the cap plus the one
        // byte that tells a full output from a cut one.
        let guess = (self.hint.saturating_mul(4)).clamp(4096, 1 << 20);
        let want = if room <= guess {
            room.saturating_add(1)
        } else {
            guess
        };
        self.data.reserve(usize::try_from(want).unwrap_or(0));
        let result = r
            .take(room.saturating_add(1))
            .read_to_end(&mut self.data)
            .map(|_| ());
        if (self.data.len() - before) as u64 > room {
            self.data.truncate(before + room as usize);
            self.hit = true;
            return Ok(());
        }
        result
    }
}

/// Zip's LZMA: 2 version bytes, a 2-byte property size (5), the properties, then raw LZMA.
fn zip_lzma(out: &mut Out, input: &[u8], eos: bool, size: u64) -> io::Result<()> {
    let bad = |m: &str| io::Error::new(io::ErrorKind::InvalidData, m.to_string());
    let Some(head) = input.get(..4) else {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "short LZMA header",
        ));
    };
    let psize = usize::from(u16::from_le_bytes([head[2], head[3]]));
    if psize != 5 {
        return Err(bad("LZMA property size is not 5"));
    }
    let Some(props) = input.get(4..9) else {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "short LZMA header",
        ));
    };
    let dict = u32::from_le_bytes([props[1], props[2], props[3], props[4]]);
    let known = if eos { u64::MAX } else { size };
    // The reader shrinks the dictionary to the output size when that is known; with an end
    // marker it is not, so check the declared dictionary against the limit first.
    let dict_for_limit = if known == u64::MAX {
        dict
    } else {
        dict.min(u32::try_from(known).unwrap_or(u32::MAX))
    };
    let need = lzma_rust2::lzma_get_memory_usage_by_props(dict_for_limit, props[0])
        .map_err(|e| bad(&e.to_string()))?;
    if need > DICT_LIMIT_KB {
        return Err(io::Error::new(
            io::ErrorKind::OutOfMemory,
            format!("LZMA dictionary needs {need} KiB, over the limit"),
        ));
    }
    let mut d = lzma_rust2::LzmaReader::new_with_props(&input[9..], known, props[0], dict, None)?;
    out.pump(&mut d)
}

/// Decodes consecutive zstd frames, skipping skippable ones, until the input ends.
fn zstd_frames(out: &mut Out, input: &[u8]) -> io::Result<()> {
    let mut rest = input;
    // Each pass consumes a frame header at least, so this ends; the cap also ends it.
    while !rest.is_empty() && !out.hit {
        let Some(magic) = rest
            .get(..4)
            .map(|m| u32::from_le_bytes([m[0], m[1], m[2], m[3]]))
        else {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "truncated zstd frame",
            ));
        };
        if magic & 0xffff_fff0 == 0x184d_2a50 {
            let len = rest
                .get(4..8)
                .map(|m| u32::from_le_bytes([m[0], m[1], m[2], m[3]]) as usize);
            let Some(skip) = len
                .and_then(|l| l.checked_add(8))
                .filter(|&e| e <= rest.len())
            else {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "truncated zstd skippable frame",
                ));
            };
            rest = &rest[skip..];
            continue;
        }
        let before = rest.len();
        let mut d = ruzstd::decoding::StreamingDecoder::new(&mut rest)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
        out.pump(&mut d)?;
        drop(d);
        if rest.len() == before {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "zstd frame consumed no input",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn budget(cap: u64) -> Budget {
        Budget {
            cap,
            why: Cap::Member,
            compressed: 1,
        }
    }

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn deflate_round_trip_reports_consumed_input() {
        let mut z = deflate(b"hello hello hello");
        let n = z.len() as u64;
        z.extend_from_slice(b"TRAILER");
        let d = decode(Codec::Deflate, &z, budget(1 << 20));
        assert_eq!(d.data, b"hello hello hello");
        assert_eq!(d.stop, Stop::End);
        assert_eq!(d.consumed, Some(n));
    }

    #[test]
    fn output_stops_exactly_at_the_cap() {
        let z = deflate(&vec![0u8; 100_000]);
        let d = decode(Codec::Deflate, &z, budget(1000));
        assert_eq!(d.data.len(), 1000);
        assert_eq!(d.stop, Stop::Cap(Cap::Member));
    }

    #[test]
    fn corrupt_input_keeps_the_prefix_and_fails() {
        let mut z = deflate(&[7u8; 5000]);
        z.truncate(z.len() / 2);
        let d = decode(Codec::Deflate, &z, budget(1 << 20));
        assert!(matches!(d.stop, Stop::Failed(..)), "{:?}", d.stop);
    }

    #[test]
    fn budget_picks_the_smallest_limit() {
        let limits = crate::Limits {
            max_member_bytes: 10 << 20,
            ..crate::Limits::default()
        };
        let policy = crate::Policy::default();
        let ctx = Ctx::new(&limits, &policy, "x".into());
        assert_eq!(Budget::new(&ctx, 10).why, Cap::Ratio);
        assert_eq!(Budget::new(&ctx, 10).cap, RATIO_FLOOR);
        assert_eq!(Budget::new(&ctx, 1 << 20).why, Cap::Member);
    }

    #[test]
    fn every_codec_survives_garbage() {
        let garbage: Vec<u8> = (0..5000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        for codec in [
            Codec::Deflate,
            Codec::Zlib,
            Codec::Bzip2,
            Codec::Xz,
            Codec::LzmaAlone,
            Codec::ZipLzma { eos: true, size: 0 },
            Codec::ZipLzma {
                eos: false,
                size: 1 << 40,
            },
            Codec::Zstd,
            Codec::Lz4,
        ] {
            let d = decode(codec, &garbage, budget(1 << 16));
            assert!(d.data.len() <= 1 << 16, "{codec:?}");
        }
    }
}
