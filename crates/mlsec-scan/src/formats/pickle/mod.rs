//! Pickle streams: a complete opcode reader (protocols 0–5) and a symbolic stack machine that
//! resolves every callable a stream imports or calls, without importing or calling anything.
//!
//! An element may hold several streams (every one is scanned until the end of the data), and
//! some layouts put non-pickle data between or after them: legacy `torch.save` files (five
//! pickles, then raw storages; see the `legacy` module) and joblib files (array bytes after each
//! `NumpyArrayWrapper`; handled inside the machine). Whatever else follows the last STOP is
//! reported. A stream that breaks keeps every finding made before the break.
//!
//! Each stream is read the way `pickle.loads` reads it; when a FRAME lies about its length it is
//! read again the way CPython's C unpickler reads a file (see the `ops` module), and a joblib stream is
//! read again as plain `pickle.load` would read it (the array bytes as opcodes), so that a
//! payload visible to only one loader is still found.

mod callables;
mod decode;
mod legacy;
mod ops;
mod sniff;
mod tables;
mod vm;

use crate::ctx::Ctx;
use crate::rules::pickle as rules;
use mlsec_core::{Confidence, ProblemKind, Severity};
use ops::{Broken, FrameMode};
use vm::{End, Opts, Outcome, Seen};

pub(crate) use sniff::sniff;

/// Alternative readings (frame divergence, joblib as plain pickle) allowed per element, so that a
/// file full of lying frames cannot multiply the work.
const MAX_ALTERNATIVES: u32 = 8;

/// The string constants of the first pickle stream of `data`, in stream order, with the offset
/// of each opcode: what a loader that interprets the unpickled tuples (TorchScript's mobile
/// bytecode) reads as names. At most `max` strings; the walk stops at STOP or a broken opcode.
pub(crate) fn strings(data: &[u8], max: usize) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    let mut r = ops::Reader::new(data, 0, FrameMode::Linear);
    while out.len() < max {
        let Ok(i) = r.next() else { break };
        match (i.op, i.arg) {
            (ops::Op::Stop, _) => break,
            (
                ops::Op::BinString
                | ops::Op::ShortBinString
                | ops::Op::BinUnicode
                | ops::Op::ShortBinUnicode
                | ops::Op::BinUnicode8,
                ops::Arg::Data(s),
            ) => out.push((i.at, String::from_utf8_lossy(s.get(data)).into_owned())),
            (ops::Op::Unicode, ops::Arg::Line(s)) => {
                if let Some(t) = decode::raw_unicode_escape(s.get(data)) {
                    out.push((i.at, t));
                }
            }
            (ops::Op::String, ops::Arg::Line(s)) => {
                let raw = s.get(data);
                let inner = raw
                    .strip_prefix(b"'")
                    .and_then(|r| r.strip_suffix(b"'"))
                    .or_else(|| raw.strip_prefix(b"\"").and_then(|r| r.strip_suffix(b"\"")))
                    .unwrap_or(raw);
                out.push((i.at, String::from_utf8_lossy(inner).into_owned()));
            }
            _ => {}
        }
    }
    out
}

/// Scans an element that is a pickle (or a file of pickles).
pub(crate) fn scan(ctx: &mut Ctx<'_>, data: &[u8]) {
    ctx.note_format("pickle");
    scan_from(ctx, data, 0);
}

/// Scans the pickle streams of `data` from offset `start` to its end (NumPy object arrays keep
/// their pickle after the header). Offsets in reports are offsets in `data`.
pub(crate) fn scan_from(ctx: &mut Ctx<'_>, data: &[u8], start: usize) {
    let mut s = Streams {
        seen: Seen::new(),
        alternatives: MAX_ALTERNATIVES,
    };
    s.all(ctx, data, start);
}

struct Streams {
    seen: Seen,
    alternatives: u32,
}

impl Streams {
    /// Every stream from `pos` to the end of `data`.
    fn all(&mut self, ctx: &mut Ctx<'_>, data: &[u8], mut pos: usize) {
        let mut count = 0u32;
        let mut second = None;
        while pos < data.len() {
            let out = self.one(ctx, data, pos);
            match &out.end {
                End::Stop => {
                    count += 1;
                    if count == 1 && legacy::is_torch_magic(&out.result) {
                        ctx.note_format("pytorch-legacy");
                        legacy::scan_rest(self, ctx, data, out.next);
                        return;
                    }
                    if let (1, Some(member), vm::Summary::Int(n)) =
                        (count, legacy::TarMember::from_name(ctx.name()), &out.result)
                        && let Ok(n) = u64::try_from(*n)
                        && out.next < data.len()
                    {
                        legacy::scan_tar_member(self, ctx, data, out.next, member, n);
                        return;
                    }
                    if count == 2 {
                        second = Some(pos);
                    }
                    pos = out.next;
                }
                End::Broken(b) => {
                    if count > 0 && out.calls == 0 {
                        trailing(ctx, data, pos);
                    } else {
                        broken(ctx, &out, b, pos);
                    }
                    break;
                }
                End::Limit(m) => {
                    ctx.problem(ProblemKind::LimitExceeded, Some(pos as u64), m.clone());
                    break;
                }
            }
        }
        if let Some(at) = second {
            ctx.report_with(
                &rules::data_after_stop::RULE,
                Severity::Low,
                Confidence::High,
                Some(at as u64),
                format!("{count} pickle streams follow each other; most loaders read only the first, all were scanned"),
                Some(format!("{count} pickle streams")),
            );
        }
    }

    /// One stream at `pos`, plus the alternative readings it calls for.
    fn one(&mut self, ctx: &mut Ctx<'_>, data: &[u8], pos: usize) -> Outcome {
        let out = vm::run(
            ctx,
            data,
            pos,
            Opts {
                mode: FrameMode::Linear,
                joblib: true,
                quiet: false,
            },
            &mut self.seen,
        );
        if let Some(d) = out.divergence {
            let frame_op = d.frame_start.saturating_sub(9);
            let message = if d.past_stop {
                format!(
                    "FRAME at offset {frame_op} declares {} bytes, more than the pickle uses: a file-reading loader resumes after the frame, an in-memory one after STOP",
                    d.frame_len
                )
            } else {
                format!(
                    "FRAME at offset {frame_op} declares {} bytes but the opcode at offset {} reads past its end, so in-memory and file-reading unpicklers see different opcodes; both readings were scanned",
                    d.frame_len, d.at
                )
            };
            ctx.report(
                &rules::frame_divergence::RULE,
                Some(d.at),
                message,
                Some(format!("FRAME {} at {frame_op}", d.frame_len)),
            );
            if self.take_alternative() {
                let opts = Opts {
                    mode: FrameMode::File,
                    joblib: true,
                    quiet: true,
                };
                let alt = vm::run(ctx, data, pos, opts, &mut self.seen);
                if alt.end == End::Stop && alt.file_next != out.next {
                    self.quiet_tail(ctx, data, alt.file_next);
                }
            }
        }
        if out.joblib_skipped && self.take_alternative() {
            vm::run(
                ctx,
                data,
                pos,
                Opts {
                    mode: FrameMode::Linear,
                    joblib: false,
                    quiet: true,
                },
                &mut self.seen,
            );
        }
        out
    }

    fn take_alternative(&mut self) -> bool {
        let ok = self.alternatives > 0;
        self.alternatives = self.alternatives.saturating_sub(1);
        ok
    }

    /// Streams a file-reading loader would read from `pos` on, judged quietly.
    fn quiet_tail(&mut self, ctx: &mut Ctx<'_>, data: &[u8], mut pos: usize) {
        while pos < data.len() && self.take_alternative() {
            let out = vm::run(
                ctx,
                data,
                pos,
                Opts {
                    mode: FrameMode::File,
                    joblib: true,
                    quiet: true,
                },
                &mut self.seen,
            );
            if out.end != End::Stop {
                break;
            }
            pos = out.file_next;
        }
    }
}

/// Reports a stream that broke before STOP.
fn broken(ctx: &mut Ctx<'_>, out: &Outcome, b: &Broken, start: usize) {
    let kind = match b {
        Broken::Truncated { .. } => ProblemKind::Truncated,
        Broken::Malformed { .. } => ProblemKind::Malformed,
    };
    if out.ops == 0 && start == 0 {
        ctx.problem(kind, Some(b.at()), format!("not a pickle stream: {b}"));
        return;
    }
    ctx.problem(
        kind,
        Some(b.at()),
        format!(
            "pickle stream starting at offset {start} breaks: {b}; nothing after it is scanned"
        ),
    );
    if out.calls > 0 {
        ctx.report(
            &rules::broken_stream::RULE,
            Some(b.at()),
            format!(
                "the stream breaks ({b}) after making {} calls, which loaders run before they fail",
                out.calls
            ),
            Some("stream breaks after calls".to_string()),
        );
    }
}

/// Reports (and, when it is a known format, scans) bytes after the last pickle stream.
fn trailing(ctx: &mut Ctx<'_>, data: &[u8], pos: usize) {
    let Some(rest) = data.get(pos..).filter(|r| !r.is_empty()) else {
        return;
    };
    if rest.iter().all(|&b| b == 0 || b.is_ascii_whitespace()) {
        ctx.report_with(
            &rules::data_after_stop::RULE,
            Severity::Low,
            Confidence::High,
            Some(pos as u64),
            format!(
                "{} bytes of padding follow the last pickle stream",
                rest.len()
            ),
            Some("padding after pickle".to_string()),
        );
        return;
    }
    let format = crate::sniff::detect(rest);
    let what = if format == crate::sniff::Format::Unknown {
        String::from("data that is not a pickle stream")
    } else {
        format!("{} data, scanned as `<data after pickle>`", format.as_str())
    };
    ctx.report(
        &rules::data_after_stop::RULE,
        Some(pos as u64),
        format!("{} bytes after the last pickle stream: {what}", rest.len()),
        Some("data after pickle".to_string()),
    );
    if format != crate::sniff::Format::Unknown {
        ctx.scan_member("<data after pickle>", rest);
    }
}
