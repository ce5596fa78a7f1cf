//! GGUF (llama.cpp models): header, every metadata key/value and every tensor description,
//! all reads bounds-checked and every count and length capped before anything is allocated.
//! Tensor data is never read: a multi-GB model costs the size of its header.
//!
//! Every `tokenizer.chat_template` and `tokenizer.chat_template.<name>` value, and any other
//! string that looks like a Jinja template, goes to the template analysis as the member
//! `<file>!/<key>`.

use crate::ctx::Ctx;
use crate::formats::template;
use crate::rules::gguf::{
    duplicate_key, implausible_count, length_out_of_bounds, malformed_metadata,
    tensor_info_invalid, trailing_data,
};
use mlsec_core::{Confidence, ProblemKind, Severity};
use std::collections::HashSet;

/// Most tensors accepted.
const MAX_TENSORS: u64 = 1 << 20;
/// Most metadata entries accepted.
const MAX_KV: u64 = 1 << 20;
/// Longest string accepted.
const MAX_STRING: u64 = 64 << 20;
/// Most elements in one array.
const MAX_ARRAY: u64 = 1 << 28;
/// Deepest array nesting.
const MAX_ARRAY_DEPTH: u32 = 8;
/// ggml's `GGML_MAX_DIMS`.
const MAX_DIMS: u32 = 4;
/// ggml's `GGML_MAX_NAME` (including the terminating NUL).
const MAX_NAME: usize = 64;
/// Default `general.alignment`.
const DEFAULT_ALIGNMENT: u64 = 32;

/// Block size (elements) and block byte size of each ggml type id.
fn ggml_type(t: u32) -> Option<(u64, u64)> {
    Some(match t {
        0 => (1, 4),      // F32
        1 => (1, 2),      // F16
        2 => (32, 18),    // Q4_0
        3 => (32, 20),    // Q4_1
        6 => (32, 22),    // Q5_0
        7 => (32, 24),    // Q5_1
        8 => (32, 34),    // Q8_0
        9 => (32, 36),    // Q8_1 (ggml: two halves + 32 bytes; older gguf-py says 40)
        10 => (256, 84),  // Q2_K
        11 => (256, 110), // Q3_K
        12 => (256, 144), // Q4_K
        13 => (256, 176), // Q5_K
        14 => (256, 210), // Q6_K
        15 => (256, 292), // Q8_K
        16 => (256, 66),  // IQ2_XXS
        17 => (256, 74),  // IQ2_XS
        18 => (256, 98),  // IQ3_XXS
        19 => (256, 50),  // IQ1_S
        20 => (32, 18),   // IQ4_NL
        21 => (256, 110), // IQ3_S
        22 => (256, 82),  // IQ2_S
        23 => (256, 136), // IQ4_XS
        24 => (1, 1),     // I8
        25 => (1, 2),     // I16
        26 => (1, 4),     // I32
        27 => (1, 8),     // I64
        28 => (1, 8),     // F64
        29 => (256, 56),  // IQ1_M
        30 => (1, 2),     // BF16
        34 => (256, 54),  // TQ1_0
        35 => (256, 66),  // TQ2_0
        39 => (32, 17),   // MXFP4
        40 => (64, 36),   // NVFP4
        41 => (128, 18),  // Q1_0
        _ => return None,
    })
}

/// Why parsing stopped.
enum Stop {
    /// A problem was recorded; nothing more can be read.
    Done,
}

struct Reader<'a, 'c, 'l> {
    d: &'a [u8],
    pos: usize,
    be: bool,
    v1: bool,
    ctx: &'c mut Ctx<'l>,
}

type R<T> = Result<T, Stop>;

impl<'a> Reader<'a, '_, '_> {
    fn remaining(&self) -> u64 {
        (self.d.len() - self.pos) as u64
    }

    fn truncated(&mut self, what: &str) -> Stop {
        let at = self.pos as u64;
        self.ctx.problem(
            ProblemKind::Truncated,
            Some(at),
            format!("GGUF file ends inside {what}; the rest is not checked"),
        );
        Stop::Done
    }

    fn take(&mut self, n: u64, what: &str) -> R<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.truncated(what));
        }
        let s = &self.d[self.pos..self.pos + n as usize];
        self.pos += n as usize;
        Ok(s)
    }

    fn u32(&mut self, what: &str) -> R<u32> {
        let b = self.take(4, what)?;
        let a = [b[0], b[1], b[2], b[3]];
        Ok(if self.be {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        })
    }

    fn u64(&mut self, what: &str) -> R<u64> {
        let b = self.take(8, what)?;
        let a = [b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]];
        Ok(if self.be {
            u64::from_be_bytes(a)
        } else {
            u64::from_le_bytes(a)
        })
    }

    /// Counts and lengths: 32 bits in version 1, 64 bits later.
    fn count(&mut self, what: &str) -> R<u64> {
        if self.v1 {
            self.u32(what).map(u64::from)
        } else {
            self.u64(what)
        }
    }

    fn len_size(&self) -> u64 {
        if self.v1 { 4 } else { 8 }
    }

    /// A length-prefixed string; over-long lengths are findings.
    fn string(&mut self, what: &str) -> R<&'a [u8]> {
        let at = self.pos as u64;
        let n = self.count(what)?;
        if n > self.remaining() || n > MAX_STRING {
            let why = if n > self.remaining() {
                "runs past the end of the file"
            } else {
                "is longer than 64 MiB"
            };
            self.ctx.report(
                &length_out_of_bounds::RULE,
                Some(at),
                format!("{what} has length {n}, which {why}"),
                Some(format!("length={n}")),
            );
            self.ctx.problem(
                ProblemKind::Malformed,
                Some(at),
                format!("cannot read past {what}; the rest is not checked"),
            );
            return Err(Stop::Done);
        }
        self.take(n, what)
    }

    fn finding(
        &mut self,
        rule: &'static crate::rules::Rule,
        sev: Severity,
        at: u64,
        msg: String,
        ev: String,
    ) {
        self.ctx
            .report_with(rule, sev, Confidence::High, Some(at), msg, Some(ev));
    }
}

/// A metadata value as far as the checks need it.
enum Value<'a> {
    Str(&'a [u8]),
    U32(u32),
    /// Strings found inside an array (only kept for template keys).
    Strings(Vec<&'a [u8]>),
    Other,
}

/// Scans a GGUF file.
pub(crate) fn scan(ctx: &mut Ctx<'_>, data: &[u8]) {
    ctx.note_format("gguf");
    let mut r = Reader {
        d: data,
        pos: 0,
        be: false,
        v1: false,
        ctx,
    };
    let _ = parse(&mut r);
}

fn parse(r: &mut Reader<'_, '_, '_>) -> R<()> {
    r.take(4, "the magic")?;
    let raw = r.u32("the version")?;
    let version = if (1..=3).contains(&raw) {
        raw
    } else if (1..=3).contains(&raw.swap_bytes()) {
        r.be = true;
        raw.swap_bytes()
    } else {
        r.finding(
            &malformed_metadata::RULE,
            Severity::Medium,
            4,
            format!("unknown GGUF version {raw}"),
            format!("version={raw}"),
        );
        r.ctx.problem(
            ProblemKind::Unsupported,
            Some(4),
            format!("GGUF version {raw} is not supported; not checked"),
        );
        return Err(Stop::Done);
    };
    r.v1 = version == 1;
    let n_tensors_at = r.pos as u64;
    let n_tensors = r.count("the tensor count")?;
    let n_kv_at = r.pos as u64;
    let n_kv = r.count("the metadata count")?;

    // Each entry needs a minimum number of bytes: a count the file cannot hold is a lie.
    let min_kv = r.len_size() + 4 + 1;
    let min_tensor = r.len_size() + 4 + 4 + 8;
    let rest = r.remaining();
    if n_kv > MAX_KV || n_kv.saturating_mul(min_kv) > rest {
        r.finding(
            &implausible_count::RULE,
            Severity::High,
            n_kv_at,
            format!(
                "header announces {n_kv} metadata entries; the file has room for at most {}",
                (rest / min_kv).min(MAX_KV)
            ),
            format!("n_kv={n_kv}"),
        );
        r.ctx.problem(
            ProblemKind::Malformed,
            Some(n_kv_at),
            "metadata count is implausible; metadata not read",
        );
        return Err(Stop::Done);
    }
    if n_tensors > MAX_TENSORS || n_tensors.saturating_mul(min_tensor) > rest {
        r.finding(
            &implausible_count::RULE,
            Severity::High,
            n_tensors_at,
            format!(
                "header announces {n_tensors} tensors; the file has room for at most {}",
                (rest / min_tensor).min(MAX_TENSORS)
            ),
            format!("n_tensors={n_tensors}"),
        );
        // The metadata (and its chat templates) can still be read.
        metadata(r, n_kv)?;
        r.ctx.problem(
            ProblemKind::Malformed,
            Some(n_tensors_at),
            "tensor count is implausible; tensors not read",
        );
        return Err(Stop::Done);
    }
    let alignment = metadata(r, n_kv)?;
    tensors(r, n_tensors, alignment)
}

/// Reads every metadata entry; returns `general.alignment`.
fn metadata(r: &mut Reader<'_, '_, '_>, n_kv: u64) -> R<u64> {
    let mut alignment = DEFAULT_ALIGNMENT;
    let mut keys: HashSet<&[u8]> = HashSet::new();
    let max_header = r.ctx.limits.max_header_bytes;
    for _ in 0..n_kv {
        if r.pos as u64 > max_header {
            let at = r.pos as u64;
            r.ctx.problem(
                ProblemKind::LimitExceeded,
                Some(at),
                format!("GGUF metadata is larger than {max_header} bytes; the rest is not checked"),
            );
            return Err(Stop::Done);
        }
        let key_at = r.pos as u64;
        let key = r.string("a metadata key")?;
        let key_text = match std::str::from_utf8(key) {
            Ok(k) => k.to_string(),
            Err(_) => {
                let shown = String::from_utf8_lossy(key).into_owned();
                r.finding(
                    &malformed_metadata::RULE,
                    Severity::Medium,
                    key_at,
                    "metadata key is not valid UTF-8".into(),
                    shown.clone(),
                );
                shown
            }
        };
        if !keys.insert(key) {
            r.finding(
                &duplicate_key::RULE,
                Severity::Medium,
                key_at,
                format!("metadata key `{key_text}` appears more than once"),
                key_text.clone(),
            );
        }
        let ty_at = r.pos as u64;
        let ty = r.u32("a metadata value type")?;
        let is_template_key = key_text == "tokenizer.chat_template"
            || key_text.starts_with("tokenizer.chat_template.");
        let value = value(r, ty, ty_at, 0, is_template_key)?;
        match (key_text.as_str(), &value) {
            ("general.alignment", Value::U32(a)) => {
                if *a == 0 || !a.is_power_of_two() {
                    r.finding(
                        &malformed_metadata::RULE,
                        Severity::Medium,
                        ty_at,
                        format!("general.alignment is {a}, not a power of two"),
                        format!("general.alignment={a}"),
                    );
                } else {
                    alignment = u64::from(*a);
                }
            }
            ("general.alignment", _) => r.finding(
                &malformed_metadata::RULE,
                Severity::Medium,
                ty_at,
                format!("general.alignment has value type {ty}, not uint32"),
                "general.alignment".into(),
            ),
            _ => {}
        }
        match value {
            Value::Str(s) => {
                let text = String::from_utf8_lossy(s);
                if is_template_key || template::looks_like_template(&text) {
                    r.ctx
                        .enter(&key_text, |c| template::analyze_into(c, &text, 0));
                }
            }
            Value::Strings(items) if is_template_key => {
                r.finding(
                    &malformed_metadata::RULE,
                    Severity::Medium,
                    ty_at,
                    format!("`{key_text}` is an array, not a string"),
                    key_text.clone(),
                );
                for (i, s) in items.iter().enumerate() {
                    let text = String::from_utf8_lossy(s);
                    r.ctx.enter(&format!("{key_text}[{i}]"), |c| {
                        template::analyze_into(c, &text, 0)
                    });
                }
            }
            _ if is_template_key => r.finding(
                &malformed_metadata::RULE,
                Severity::Medium,
                ty_at,
                format!("`{key_text}` has value type {ty}, not a string"),
                key_text.clone(),
            ),
            _ => {}
        }
    }
    Ok(alignment)
}

/// Reads one value of type `ty`. `keep_strings` keeps the strings of arrays.
fn value<'a>(
    r: &mut Reader<'a, '_, '_>,
    ty: u32,
    ty_at: u64,
    depth: u32,
    keep_strings: bool,
) -> R<Value<'a>> {
    match ty {
        0 | 1 | 7 => {
            let b = r.take(1, "a metadata value")?;
            if ty == 7 && b[0] > 1 {
                r.finding(
                    &malformed_metadata::RULE,
                    Severity::Medium,
                    ty_at,
                    format!("boolean value {} is neither 0 nor 1", b[0]),
                    format!("bool={}", b[0]),
                );
            }
            Ok(Value::Other)
        }
        2 | 3 => r.take(2, "a metadata value").map(|_| Value::Other),
        4 => r.u32("a metadata value").map(Value::U32),
        5 | 6 => r.take(4, "a metadata value").map(|_| Value::Other),
        10..=12 => r.take(8, "a metadata value").map(|_| Value::Other),
        8 => r.string("a metadata string").map(Value::Str),
        9 => {
            if depth >= MAX_ARRAY_DEPTH {
                r.finding(
                    &length_out_of_bounds::RULE,
                    Severity::High,
                    ty_at,
                    format!("arrays nested more than {MAX_ARRAY_DEPTH} deep"),
                    "array depth".into(),
                );
                r.ctx.problem(
                    ProblemKind::LimitExceeded,
                    Some(ty_at),
                    "array nesting too deep; the rest is not checked",
                );
                return Err(Stop::Done);
            }
            let et_at = r.pos as u64;
            let et = r.u32("an array element type")?;
            let n_at = r.pos as u64;
            let n = r.count("an array length")?;
            let min = match et {
                0 | 1 | 7 => 1,
                2 | 3 => 2,
                4..=6 => 4,
                10..=12 => 8,
                8 => r.len_size(),
                9 => 4 + r.len_size(),
                _ => {
                    unknown_type(r, et, et_at);
                    return Err(Stop::Done);
                }
            };
            if n > MAX_ARRAY || n.saturating_mul(min) > r.remaining() {
                r.finding(
                    &length_out_of_bounds::RULE,
                    Severity::High,
                    n_at,
                    format!("array of {n} elements runs past the end of the file or above {MAX_ARRAY} elements"),
                    format!("array length={n}"),
                );
                r.ctx.problem(
                    ProblemKind::Malformed,
                    Some(n_at),
                    "cannot read past an oversized array; the rest is not checked",
                );
                return Err(Stop::Done);
            }
            let mut kept = Vec::new();
            match et {
                8 => {
                    for _ in 0..n {
                        let s = r.string("an array string")?;
                        if keep_strings {
                            kept.push(s);
                        }
                    }
                }
                9 => {
                    for _ in 0..n {
                        let inner_at = r.pos as u64;
                        let inner_ty = 9;
                        if let Value::Strings(mut s) =
                            value(r, inner_ty, inner_at, depth + 1, keep_strings)?
                        {
                            kept.append(&mut s);
                        }
                    }
                }
                _ => {
                    // Fixed-size elements: skip them in one step (checked above).
                    r.take(n * min, "an array")?;
                }
            }
            Ok(Value::Strings(kept))
        }
        _ => {
            unknown_type(r, ty, ty_at);
            Err(Stop::Done)
        }
    }
}

fn unknown_type(r: &mut Reader<'_, '_, '_>, ty: u32, at: u64) {
    r.finding(
        &malformed_metadata::RULE,
        Severity::Medium,
        at,
        format!("unknown metadata value type {ty}"),
        format!("type={ty}"),
    );
    r.ctx.problem(
        ProblemKind::Malformed,
        Some(at),
        "cannot read past a value of unknown type; the rest is not checked",
    );
}

/// One tensor description, as far as layout checks need it.
struct Tensor {
    name: String,
    at: u64,
    offset: u64,
    nbytes: Option<u64>,
}

/// Reads and checks every tensor description, then the data layout.
fn tensors(r: &mut Reader<'_, '_, '_>, n: u64, alignment: u64) -> R<()> {
    let mut list: Vec<Tensor> = Vec::new();
    let mut names: HashSet<String> = HashSet::new();
    for _ in 0..n {
        let at = r.pos as u64;
        let name_raw = r.string("a tensor name")?;
        let name = String::from_utf8_lossy(name_raw).into_owned();
        if name_raw.len() >= MAX_NAME {
            r.finding(
                &tensor_info_invalid::RULE,
                Severity::Medium,
                at,
                format!(
                    "tensor name is {} bytes long; ggml allows {}",
                    name_raw.len(),
                    MAX_NAME - 1
                ),
                short(&name),
            );
        }
        if !names.insert(name.clone()) {
            r.finding(
                &tensor_info_invalid::RULE,
                Severity::Medium,
                at,
                format!("tensor `{name}` is described twice"),
                name.clone(),
            );
        }
        let n_dims = r.u32("a tensor dimension count")?;
        if n_dims > MAX_DIMS {
            r.finding(
                &tensor_info_invalid::RULE,
                Severity::Medium,
                at,
                format!("tensor `{name}` has {n_dims} dimensions; ggml allows {MAX_DIMS}"),
                format!("{name}: n_dims={n_dims}"),
            );
            if u64::from(n_dims).saturating_mul(r.len_size()) > r.remaining() {
                r.finding(
                    &length_out_of_bounds::RULE,
                    Severity::High,
                    at,
                    format!("tensor `{name}` dimension list runs past the end of the file"),
                    format!("{name}: n_dims={n_dims}"),
                );
                r.ctx.problem(
                    ProblemKind::Malformed,
                    Some(at),
                    "cannot read past the tensor description; the rest is not checked",
                );
                return Err(Stop::Done);
            }
        }
        let mut elements: Option<u64> = Some(1);
        let mut first_dim = None;
        let mut bad_dim = false;
        for i in 0..n_dims {
            let d = r.count("a tensor dimension")?;
            if i == 0 {
                first_dim = Some(d);
            }
            bad_dim |= d > i64::MAX as u64;
            elements = elements.and_then(|e| e.checked_mul(d));
        }
        let ty = r.u32("a tensor type")?;
        let offset = r.u64("a tensor offset")?;
        if bad_dim || elements.is_none_or(|e| e > i64::MAX as u64) {
            r.finding(
                &tensor_info_invalid::RULE,
                Severity::Medium,
                at,
                format!("tensor `{name}` has an element count that overflows"),
                format!("{name}: overflow"),
            );
            elements = None;
        }
        let nbytes = match ggml_type(ty) {
            None => {
                r.ctx.problem(
                    ProblemKind::Unsupported,
                    Some(at),
                    format!("tensor `{name}` has ggml type {ty}, unknown to this reader; its size is not checked"),
                );
                None
            }
            Some((blck, size)) => {
                if first_dim.is_some_and(|d| d % blck != 0) {
                    r.finding(
                        &tensor_info_invalid::RULE,
                        Severity::Medium,
                        at,
                        format!("tensor `{name}`: first dimension is not a multiple of the type's block size {blck}"),
                        format!("{name}: ne0 % {blck} != 0"),
                    );
                }
                elements.and_then(|e| (e / blck).checked_mul(size))
            }
        };
        if offset % alignment != 0 {
            r.finding(
                &tensor_info_invalid::RULE,
                Severity::Medium,
                at,
                format!(
                    "tensor `{name}` offset {offset} is not a multiple of the alignment {alignment}"
                ),
                format!("{name}: offset={offset}"),
            );
        }
        list.push(Tensor {
            name,
            at,
            offset,
            nbytes,
        });
    }
    layout(r, &list, alignment);
    Ok(())
}

/// Checks that tensor data lies inside the file, does not overlap, and accounts for the file.
fn layout(r: &mut Reader<'_, '_, '_>, list: &[Tensor], alignment: u64) {
    let file_len = r.d.len() as u64;
    let info_end = r.pos as u64;
    let Some(data_start) = info_end.div_ceil(alignment).checked_mul(alignment) else {
        return;
    };
    let mut spans: Vec<(u64, u64, &str)> = Vec::new();
    for t in list {
        let Some(nbytes) = t.nbytes else { continue };
        let end = data_start
            .checked_add(t.offset)
            .and_then(|s| s.checked_add(nbytes));
        match end {
            Some(end) if end <= file_len => spans.push((t.offset, t.offset + nbytes, &t.name)),
            _ => {
                let (at, name) = (t.at, t.name.clone());
                r.finding(
                    &tensor_info_invalid::RULE,
                    Severity::High,
                    at,
                    format!("tensor `{name}` ({nbytes} bytes at data offset {}) runs past the end of the file", t.offset),
                    format!("{name}: out of bounds"),
                );
            }
        }
    }
    spans.sort_unstable();
    for w in spans.windows(2) {
        if w[0].1 > w[1].0 {
            let (a, b) = (w[0].2.to_string(), w[1].2.to_string());
            r.finding(
                &tensor_info_invalid::RULE,
                Severity::High,
                data_start + w[1].0,
                format!("tensors `{a}` and `{b}` overlap"),
                format!("{a} overlaps {b}"),
            );
        }
    }
    // Data beyond the last tensor (allowing for its alignment padding) is not part of the model.
    let all_sized = list.iter().all(|t| t.nbytes.is_some());
    let last = spans.iter().map(|s| s.1).max().unwrap_or(0);
    let padded = last.div_ceil(alignment).saturating_mul(alignment);
    let expected_end = data_start.saturating_add(padded);
    if all_sized && file_len > expected_end && data_start <= file_len {
        let extra = file_len - expected_end;
        r.finding(
            &trailing_data::RULE,
            Severity::Low,
            expected_end,
            format!("{extra} bytes after the last tensor's data"),
            format!("{extra} trailing bytes"),
        );
    }
}

fn short(s: &str) -> String {
    s.chars().take(80).collect()
}
