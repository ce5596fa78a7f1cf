//! safetensors reader: strict validation of the header, never a byte of tensor data read
//! unless the header leaves bytes unaccounted for.
//!
//! Layout: an 8-byte little-endian header length `n`, `n` bytes of JSON, then the data
//! region. The JSON is an object mapping tensor names to `{dtype, shape, data_offsets}` with
//! offsets relative to the data region, plus an optional `__metadata__` object of strings.
//!
//! What the reference implementation (the `safetensors` crate behind the Python package)
//! rejects is reported at medium: a loader refuses the file. What it or other loaders accept
//! while the file hides bytes or lets two parsers disagree is reported at high: duplicate
//! keys (which entry wins differs between JSON parsers), data not covered by any tensor
//! (gaps, trailing bytes: room for a payload that a scanner reading tensors never sees) and
//! overlapping tensors. Metadata values are text that no loader executes and are never
//! reported.

use crate::ctx::Ctx;
use crate::rules::Rule;
use crate::rules::safetensors as rules;
use mlsec_core::{Confidence, ProblemKind, Severity};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// Findings of one rule reported individually before the rest are summed up in one.
const MAX_REPORTS_PER_RULE: usize = 16;

/// Whether `data` is (or tries to be) a safetensors file. Claimed:
/// - when a JSON object starts right after the 8-byte length (`{` then `"` or `}`), whatever
///   the length says, so that oversized or truncated headers are reported rather than the
///   file being "unknown";
/// - when the length is plausible (at least 2, at most the rest of the file, below 4 GiB) and
///   the header region is not mostly NUL bytes: such a file is a safetensors file whose
///   header is broken (or holds something else, such as a pickle), which the reader reports.
///   Raw little-endian integer arrays, the main other files starting with a small `u64`, are
///   mostly NUL bytes there.
pub(crate) fn sniff(data: &[u8]) -> bool {
    let Some(n) = header_len(data) else {
        return false;
    };
    let rest = &data[8..];
    if n < 2 {
        return false;
    }
    let mut json = rest.iter().skip_while(|c| c.is_ascii_whitespace()).take(64);
    if n < 1 << 48 && json.next() == Some(&b'{') {
        let mut after = json.skip_while(|c| c.is_ascii_whitespace());
        if matches!(after.next(), Some(b'"' | b'}')) {
            return true;
        }
    }
    if n <= rest.len() as u64 && n < 1 << 32 {
        let head = &rest[..(n as usize).min(64)];
        let nul = head.iter().filter(|&&c| c == 0).count();
        return head.first() != Some(&0) && nul * 4 <= head.len();
    }
    false
}

fn header_len(data: &[u8]) -> Option<u64> {
    let b: [u8; 8] = data.get(..8)?.try_into().ok()?;
    Some(u64::from_le_bytes(b))
}

/// A JSON value that keeps object members in order, duplicates included (serde_json's own
/// `Value` silently keeps the last).
#[derive(Debug)]
enum Json {
    Null,
    Bool,
    Number(serde_json::Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }

    fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(n) => n.as_u64(),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Json, E> {
        Ok(Json::Bool)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = seq.next_element()? {
            v.push(x);
        }
        Ok(Json::Array(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut v = Vec::new();
        while let Some((k, x)) = map.next_entry::<String, Json>()? {
            v.push((k, x));
        }
        Ok(Json::Object(v))
    }
}

/// Bits per element of every dtype the reference implementation knows.
fn dtype_bits(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "F4" => 4,
        "F6_E2M3" | "F6_E3M2" => 6,
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" | "F8_E4M3FNUZ"
        | "F8_E5M2FNUZ" => 8,
        "I16" | "U16" | "F16" | "BF16" => 16,
        "I32" | "U32" | "F32" => 32,
        "I64" | "U64" | "F64" | "C64" => 64,
        _ => return None,
    })
}

/// A tensor entry whose offsets are usable for the layout checks.
#[derive(Debug, Clone)]
struct Tensor {
    name: String,
    begin: u64,
    end: u64,
}

/// Reports with a per-rule cap, then one summary per rule that went over it.
struct Reporter<'c, 'l> {
    ctx: &'c mut Ctx<'l>,
    counts: HashMap<&'static str, (usize, &'static Rule, Severity)>,
}

impl<'c, 'l> Reporter<'c, 'l> {
    fn new(ctx: &'c mut Ctx<'l>) -> Self {
        Reporter {
            ctx,
            counts: HashMap::new(),
        }
    }

    fn report(
        &mut self,
        rule: &'static Rule,
        severity: Severity,
        message: String,
        evidence: Option<String>,
    ) {
        let c = self.counts.entry(rule.code).or_insert((0, rule, severity));
        c.0 += 1;
        c.2 = c.2.max(severity);
        if c.0 <= MAX_REPORTS_PER_RULE {
            self.ctx
                .report_with(rule, severity, Confidence::High, Some(8), message, evidence);
        }
    }

    fn finish(self) {
        let mut over: Vec<_> = self
            .counts
            .into_values()
            .filter(|c| c.0 > MAX_REPORTS_PER_RULE)
            .collect();
        over.sort_by_key(|c| c.1.code);
        for (n, rule, severity) in over {
            self.ctx.report_with(
                rule,
                severity,
                Confidence::High,
                Some(8),
                format!(
                    "{} more findings of this kind in the header",
                    n - MAX_REPORTS_PER_RULE
                ),
                Some(format!("{n} in total")),
            );
        }
    }
}

fn short(s: &str) -> String {
    super::protobuf::display(s.as_bytes(), 120)
}

/// Scans a safetensors file.
pub(crate) fn scan(ctx: &mut Ctx<'_>, data: &[u8]) {
    ctx.note_format("safetensors");
    let Some(n) = header_len(data) else {
        ctx.report(
            &rules::header_length::RULE,
            Some(0),
            format!(
                "file of {} bytes is shorter than the 8-byte header length",
                data.len()
            ),
            None,
        );
        return;
    };
    let available = data.len() as u64 - 8;
    if n > available {
        ctx.report(
            &rules::header_length::RULE,
            Some(0),
            format!(
                "header length {n} points past the end of the file ({available} bytes follow it)"
            ),
            Some(n.to_string()),
        );
        return;
    }
    if n > ctx.limits.max_header_bytes {
        ctx.report(
            &rules::header_length::RULE,
            Some(0),
            format!(
                "header length {n} exceeds the limit of {} bytes that loaders accept",
                ctx.limits.max_header_bytes
            ),
            Some(n.to_string()),
        );
        ctx.problem(
            ProblemKind::LimitExceeded,
            Some(8),
            "safetensors header too large to check",
        );
        return;
    }
    let header = &data[8..8 + n as usize];
    let data_region = &data[8 + n as usize..];
    let Some(top) = parse_header(ctx, header) else {
        return;
    };
    let mut rep = Reporter::new(ctx);
    let hidden = match check_entries(&mut rep, top) {
        Some(tensors) => check_layout(&mut rep, &tensors, data_region.len() as u64),
        None => Vec::new(),
    };
    rep.finish();
    // Bytes no tensor claims may hold a payload: whatever they are gets its own reader. Only
    // these bytes of the data region are ever read.
    for (a, b) in hidden {
        let (Ok(a), Ok(b)) = (usize::try_from(a), usize::try_from(b)) else {
            continue;
        };
        let Some(bytes) = data_region.get(a..b) else {
            continue;
        };
        if crate::sniff::detect(bytes) != crate::sniff::Format::Unknown && ctx.charge_entry() {
            ctx.scan_member(&format!("data[{a}..{b}]"), bytes);
        }
    }
}

/// Parses the header as a JSON object, reporting anything else.
fn parse_header(ctx: &mut Ctx<'_>, header: &[u8]) -> Option<Vec<(String, Json)>> {
    let starts_json = header.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'{');
    let mut de = serde_json::Deserializer::from_slice(header);
    let parsed = Json::deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    let problem = match parsed {
        Ok(Json::Object(members)) => return Some(members),
        Ok(other) => format!("header is {}, not a JSON object", other.kind()),
        Err(e) => format!("header is not valid JSON: {e}"),
    };
    ctx.report(&rules::header_not_json::RULE, Some(8), problem, None);
    if !starts_json {
        // Whatever sits where the header should be (a pickle, an archive) gets its own reader.
        ctx.scan_member("header", header);
    }
    None
}

/// Checks every member of the header; returns the tensors a loader would see (the last of
/// duplicate names) when their offsets are usable for the layout checks, or `None` when
/// some tensor's offsets are not (the loader rejects the file; a layout analysis would only
/// repeat that).
fn check_entries(rep: &mut Reporter<'_, '_>, members: Vec<(String, Json)>) -> Option<Vec<Tensor>> {
    let mut seen = HashSet::new();
    let mut tensors: Vec<Tensor> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut layout_ok = true;
    for (name, value) in members {
        if !seen.insert(name.clone()) {
            rep.report(
                &rules::duplicate_key::RULE,
                Severity::High,
                format!(
                    "header names `{}` more than once; JSON parsers disagree on which entry wins",
                    short(&name)
                ),
                Some(short(&name)),
            );
        }
        if name == "__metadata__" {
            check_metadata(rep, value);
            continue;
        }
        match check_tensor(rep, &name, value) {
            Some(t) => match index.get(&name) {
                Some(&i) => tensors[i] = t,
                None => {
                    index.insert(name, tensors.len());
                    tensors.push(t);
                }
            },
            None => layout_ok = false,
        }
    }
    layout_ok.then_some(tensors)
}

fn check_metadata(rep: &mut Reporter<'_, '_>, value: Json) {
    let Json::Object(members) = value else {
        rep.report(
            &rules::invalid_entry::RULE,
            Severity::Medium,
            format!(
                "`__metadata__` is {}, not an object of strings",
                value.kind()
            ),
            None,
        );
        return;
    };
    let mut seen = HashSet::new();
    for (k, v) in members {
        if !seen.insert(k.clone()) {
            rep.report(
                &rules::duplicate_key::RULE,
                Severity::High,
                format!("`__metadata__` names `{}` more than once", short(&k)),
                Some(format!("__metadata__.{}", short(&k))),
            );
        }
        if !matches!(v, Json::String(_)) {
            rep.report(
                &rules::invalid_entry::RULE,
                Severity::Medium,
                format!(
                    "`__metadata__.{}` is {}; loaders accept only strings",
                    short(&k),
                    v.kind()
                ),
                Some(format!("__metadata__.{}", short(&k))),
            );
        }
    }
}

/// Validates one tensor entry; returns its offsets when they are usable (in bounds of the
/// data region is checked later, with the region's size).
fn check_tensor(rep: &mut Reporter<'_, '_>, name: &str, value: Json) -> Option<Tensor> {
    let invalid = |rep: &mut Reporter<'_, '_>, what: String| {
        rep.report(
            &rules::invalid_entry::RULE,
            Severity::Medium,
            format!("tensor `{}`: {what}", short(name)),
            Some(short(name)),
        );
    };
    let Json::Object(fields) = value else {
        invalid(rep, format!("entry is {}, not an object", value.kind()));
        return None;
    };
    let (mut dtype, mut shape, mut offsets) = (None, None, None);
    let mut seen = HashSet::new();
    for (k, v) in fields {
        if !seen.insert(k.clone()) {
            rep.report(
                &rules::duplicate_key::RULE,
                Severity::High,
                format!(
                    "tensor `{}` names `{}` more than once",
                    short(name),
                    short(&k)
                ),
                Some(format!("{}.{}", short(name), short(&k))),
            );
        }
        match k.as_str() {
            "dtype" => dtype = Some(v),
            "shape" => shape = Some(v),
            "data_offsets" => offsets = Some(v),
            other => rep.report(
                &rules::invalid_entry::RULE,
                Severity::Low,
                format!(
                    "tensor `{}` has an unknown field `{}`, which loaders ignore",
                    short(name),
                    short(other)
                ),
                Some(short(name)),
            ),
        }
    }
    let bits = match dtype {
        Some(Json::String(d)) => match dtype_bits(&d) {
            Some(b) => Some(b),
            None => {
                invalid(rep, format!("unknown dtype `{}`", short(&d)));
                None
            }
        },
        Some(other) => {
            invalid(rep, format!("dtype is {}, not a string", other.kind()));
            None
        }
        None => {
            invalid(rep, "no dtype".to_string());
            None
        }
    };
    let elements = match shape {
        Some(Json::Array(dims)) => {
            let dims: Option<Vec<u64>> = dims.iter().map(Json::as_u64).collect();
            match dims {
                Some(dims) => match dims.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d)) {
                    Some(e) => Some(e),
                    None => {
                        invalid(rep, "element count overflows 64 bits".to_string());
                        None
                    }
                },
                None => {
                    invalid(
                        rep,
                        "shape holds something other than non-negative integers".to_string(),
                    );
                    None
                }
            }
        }
        Some(other) => {
            invalid(rep, format!("shape is {}, not an array", other.kind()));
            None
        }
        None => {
            invalid(rep, "no shape".to_string());
            None
        }
    };
    let range = match offsets {
        Some(Json::Array(o)) => match (
            o.len(),
            o.first().and_then(Json::as_u64),
            o.get(1).and_then(Json::as_u64),
        ) {
            (2, Some(b), Some(e)) if b <= e => Some((b, e)),
            (2, Some(b), Some(e)) => {
                invalid(
                    rep,
                    format!("data_offsets [{b}, {e}] end before they begin"),
                );
                None
            }
            _ => {
                invalid(
                    rep,
                    "data_offsets is not a pair of non-negative integers".to_string(),
                );
                None
            }
        },
        Some(other) => {
            invalid(
                rep,
                format!("data_offsets is {}, not an array", other.kind()),
            );
            None
        }
        None => {
            invalid(rep, "no data_offsets".to_string());
            None
        }
    };
    let (begin, end) = range?;
    if let (Some(bits), Some(elements)) = (bits, elements) {
        match elements.checked_mul(bits) {
            None => invalid(rep, "byte size overflows 64 bits".to_string()),
            Some(total) if !total.is_multiple_of(8) => {
                invalid(
                    rep,
                    format!("{elements} elements of {bits} bits do not fill whole bytes"),
                );
            }
            Some(total) if total / 8 != end - begin => invalid(
                rep,
                format!(
                    "shape and dtype need {} bytes but data_offsets span {}",
                    total / 8,
                    end - begin
                ),
            ),
            Some(_) => {}
        }
    }
    Some(Tensor {
        name: name.to_string(),
        begin,
        end,
    })
}

/// Offsets against the data region: in bounds, sorted without overlap, covering it exactly,
/// and zero-size tensors not pointing into another tensor. Returns the byte ranges of the
/// data region that no tensor claims.
fn check_layout(rep: &mut Reporter<'_, '_>, tensors: &[Tensor], data_len: u64) -> Vec<(u64, u64)> {
    let mut out_of_bounds = false;
    for t in tensors.iter().filter(|t| t.end > data_len) {
        out_of_bounds = true;
        rep.report(
            &rules::invalid_entry::RULE,
            Severity::Medium,
            format!(
                "tensor `{}`: data_offsets end at {} but the data region has {data_len} bytes",
                short(&t.name),
                t.end
            ),
            Some(short(&t.name)),
        );
    }
    let mut filled: Vec<&Tensor> = tensors
        .iter()
        .filter(|t| t.begin < t.end && t.end <= data_len)
        .collect();
    filled.sort_by_key(|t| (t.begin, t.end));
    let mut cursor = 0u64;
    let mut hidden: Vec<(u64, u64)> = Vec::new();
    // reach[i]: the furthest `end` among filled[..=i] and the index of the tensor reaching it.
    let mut reach: Vec<(u64, usize)> = Vec::with_capacity(filled.len());
    for (i, t) in filled.iter().enumerate() {
        if t.begin > cursor {
            hidden.push((cursor, t.begin));
        } else if t.begin < cursor {
            let prev = reach
                .last()
                .and_then(|&(_, j)| filled.get(j))
                .map_or(String::new(), |p| short(&p.name));
            rep.report(
                &rules::unaccounted_data::RULE,
                Severity::High,
                format!(
                    "tensor `{}` overlaps tensor `{prev}`: both read bytes {}..{}",
                    short(&t.name),
                    t.begin,
                    cursor.min(t.end)
                ),
                Some(short(&t.name)),
            );
        }
        cursor = cursor.max(t.end);
        reach.push(match reach.last() {
            Some(&(end, j)) if end >= t.end => (end, j),
            _ => (t.end, i),
        });
    }
    for t in tensors
        .iter()
        .filter(|t| t.begin == t.end && t.end <= data_len)
    {
        let k = t.begin;
        let i = filled.partition_point(|f| f.begin < k);
        let before = i.checked_sub(1).and_then(|i| reach.get(i)).copied();
        if let Some((end, j)) = before.filter(|&(end, _)| end > k) {
            let host = filled.get(j).map_or(String::new(), |h| short(&h.name));
            rep.report(
                &rules::zero_size_alias::RULE,
                Severity::High,
                format!("zero-size tensor `{}` points into the data of tensor `{host}` (offset {k}, which ends at {end})", short(&t.name)),
                Some(short(&t.name)),
            );
        } else if let Some(other) = filled.get(i).filter(|f| f.begin == k) {
            rep.report(
                &rules::zero_size_alias::RULE,
                Severity::Info,
                format!(
                    "zero-size tensor `{}` shares offset {k} with tensor `{}`; loaders accept this",
                    short(&t.name),
                    short(&other.name)
                ),
                Some(short(&t.name)),
            );
        }
    }
    // Gaps and trailing bytes matter only when every tensor is in bounds: otherwise the loader
    // rejects the file and the "gap" is where the broken tensor should be.
    if out_of_bounds {
        return Vec::new();
    }
    if cursor < data_len {
        hidden.push((cursor, data_len));
    }
    for &(a, b) in &hidden {
        let what = if b == data_len {
            "after the last tensor"
        } else {
            "between tensors"
        };
        rep.report(
            &rules::unaccounted_data::RULE,
            Severity::High,
            format!(
                "{} bytes of data {what} (offsets {a}..{b}) belong to no tensor",
                b - a
            ),
            Some(format!("{a}..{b}")),
        );
    }
    hidden
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;
    use crate::policy::Policy;
    use proptest::prelude::*;

    fn file(header: &str, data: &[u8]) -> Vec<u8> {
        let mut out = (header.len() as u64).to_le_bytes().to_vec();
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out
    }

    fn run(data: &[u8]) -> (Vec<(&'static str, Severity)>, usize) {
        let limits = Limits::default();
        let policy = Policy::default();
        let mut ctx = Ctx::new(&limits, &policy, "m.safetensors".into());
        scan(&mut ctx, data);
        (
            ctx.state
                .findings
                .iter()
                .map(|f| (f.rule, f.severity))
                .collect(),
            ctx.state.problems.len(),
        )
    }

    const GOOD: &str = r#"{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[16,32]},"__metadata__":{"format":"pt","note":"import os; os.system('x')"}}  "#;

    #[test]
    fn valid_file_is_clean() {
        let f = file(GOOD, &[0; 32]);
        assert!(sniff(&f));
        assert_eq!(run(&f), (vec![], 0));
        // Empty file with an empty header, and empty tensors at boundaries.
        assert_eq!(run(&file("{}", b"")), (vec![], 0));
        let empties = r#"{"z":{"dtype":"F8_E4M3","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"y":{"dtype":"U8","shape":[3,0],"data_offsets":[4,4]}}"#;
        let (found, problems) = run(&file(empties, &[1; 4]));
        assert_eq!(problems, 0);
        assert!(
            found
                .iter()
                .all(|(c, s)| *c == "SFT006" && *s == Severity::Info),
            "{found:?}"
        );
        // Sub-byte dtypes that fill whole bytes.
        assert_eq!(
            run(&file(
                r#"{"a":{"dtype":"F4","shape":[4],"data_offsets":[0,2]}}"#,
                &[0; 2]
            )),
            (vec![], 0)
        );
    }

    #[test]
    fn header_length() {
        let mut f = file(GOOD, &[0; 32]);
        f[..8].copy_from_slice(&(1u64 << 40).to_le_bytes());
        assert!(sniff(&f));
        assert_eq!(run(&f).0, vec![("SFT001", Severity::Medium)]);
        let limits = Limits {
            max_header_bytes: 16,
            ..Limits::default()
        };
        let policy = Policy::default();
        let mut ctx = Ctx::new(&limits, &policy, "m".into());
        scan(&mut ctx, &file(GOOD, &[0; 32]));
        assert_eq!(ctx.state.findings[0].rule, "SFT001");
        assert_eq!(ctx.state.problems.len(), 1);
    }

    #[test]
    fn not_json() {
        let mut f = 16u64.to_le_bytes().to_vec();
        f.extend_from_slice(b"\x80\x02cos\nsystem\n\x00\x00\x00");
        assert!(sniff(&f));
        assert!(run(&f).0.contains(&("SFT002", Severity::Medium)));
        assert_eq!(
            run(&file("[1, 2]", b"")).0,
            vec![("SFT002", Severity::Medium)]
        );
        assert_eq!(
            run(&file("{\"a\": 1} x", b"")).0,
            vec![("SFT002", Severity::Medium)]
        );
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(
            run(&file(&format!("{{\"a\":{deep}}}"), b"")).0,
            vec![("SFT002", Severity::Medium)]
        );
    }

    #[test]
    fn entries() {
        let dup = r#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"a":{"dtype":"F32","shape":[4],"data_offsets":[16,32]}}"#;
        let (found, _) = run(&file(dup, &[0; 32]));
        assert!(found.contains(&("SFT003", Severity::High)), "{found:?}");
        for bad in [
            r#"{"a":{"dtype":"EVIL","shape":[8],"data_offsets":[0,32]}}"#,
            r#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,32]}}"#,
            r#"{"a":{"dtype":"F32","shape":[-8],"data_offsets":[0,32]}}"#,
            r#"{"a":{"dtype":"F32","shape":[8.0],"data_offsets":[0,32]}}"#,
            r#"{"a":{"dtype":"F32","shape":[8],"data_offsets":[32,0]}}"#,
            r#"{"a":{"dtype":"F32","shape":[8],"data_offsets":[0]}}"#,
            r#"{"a":{"dtype":"F32","shape":[8]}}"#,
            r#"{"a":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,32]}}"#,
            r#"{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,32]}}"#,
            r#"{"a":{"dtype":"F32","shape":[1000],"data_offsets":[0,4000]}}"#,
            r#"{"a":[1]}"#,
            r#"{"__metadata__":{"k":1},"a":{"dtype":"U8","shape":[32],"data_offsets":[0,32]}}"#,
        ] {
            let (found, problems) = run(&file(bad, &[0; 32]));
            assert!(
                found.contains(&("SFT004", Severity::Medium)),
                "{bad}: {found:?}"
            );
            assert!(
                found.iter().all(|(c, _)| *c == "SFT004"),
                "{bad}: {found:?}"
            );
            assert_eq!(problems, 0);
        }
        let extra = r#"{"a":{"dtype":"U8","shape":[32],"data_offsets":[0,32],"x":1}}"#;
        assert_eq!(
            run(&file(extra, &[0; 32])).0,
            vec![("SFT004", Severity::Low)]
        );
    }

    #[test]
    fn layout() {
        let overlap = r#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}"#;
        let (found, _) = run(&file(overlap, &[0; 24]));
        assert_eq!(found, vec![("SFT005", Severity::High)]);
        let gap = r#"{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[16],"data_offsets":[16,32]}}"#;
        assert_eq!(
            run(&file(gap, &[0; 32])).0,
            vec![("SFT005", Severity::High)]
        );
        let alias = r#"{"a":{"dtype":"U8","shape":[32],"data_offsets":[0,32]},"z":{"dtype":"U8","shape":[0],"data_offsets":[8,8]}}"#;
        assert_eq!(
            run(&file(alias, &[0; 32])).0,
            vec![("SFT006", Severity::High)]
        );
    }

    #[test]
    fn trailing_pickle_is_scanned() {
        let header = r#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#;
        let f = file(header, b"\x00\x00\x00\x00\x80\x02}q\x00.");
        let limits = Limits::default();
        let policy = Policy::default();
        let mut ctx = Ctx::new(&limits, &policy, "m".into());
        scan(&mut ctx, &f);
        assert!(ctx.state.findings.iter().any(|f| f.rule == "SFT005"));
        assert!(
            ctx.state
                .formats
                .iter()
                .any(|(chain, _)| chain.ends_with("data[4..10]")),
            "{:?}",
            ctx.state.formats
        );
    }

    #[test]
    fn reports_are_capped() {
        let mut h = String::from("{");
        for i in 0..100 {
            h.push_str(&format!(
                "\"t{i}\":{{\"dtype\":\"EVIL\",\"shape\":[1],\"data_offsets\":[0,1]}},"
            ));
        }
        h.push_str("\"z\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}");
        let (found, _) = run(&file(&h, &[0]));
        // 100 bad dtypes, and 100 tensors overlapping on the one data byte.
        for code in ["SFT004", "SFT005"] {
            assert_eq!(
                found.iter().filter(|(c, _)| *c == code).count(),
                MAX_REPORTS_PER_RULE + 1,
                "{code}"
            );
        }
        assert_eq!(found.len(), 2 * (MAX_REPORTS_PER_RULE + 1));
    }

    #[test]
    fn sniff_boundaries() {
        assert!(!sniff(b""));
        assert!(!sniff(&[0u8; 16]));
        // A raw little-endian int64 array.
        let ints: Vec<u8> = [5u64, 3, 7, 1, 0, 9]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert!(!sniff(&ints));
        // Random-looking floats.
        let floats: Vec<u8> = [1.0f32, 2.0, 3.0, 4.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert!(!sniff(&floats));
        assert!(!sniff(b"PK\x03\x04\x14\x00\x00\x00\x08\x00"));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..1024)) {
            crate::fuzzing::run("safetensors", &data);
        }

        #[test]
        fn arbitrary_headers_never_panic(header in "\\{(\"[a-z_]{0,3}\":\\{(\"(dtype|shape|data_offsets)\":(\"[A-Z0-9_]{1,4}\"|\\[[0-9,]{0,12}\\]|[0-9]{1,20}),?){0,4}\\},?){0,5}\\}", data in proptest::collection::vec(any::<u8>(), 0..64)) {
            crate::fuzzing::run("safetensors", &file(&header, &data));
        }

        #[test]
        fn mutated_files_never_panic(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6), cut in any::<usize>()) {
            let mut data = file(GOOD, &[0; 32]);
            for (at, b) in edits {
                let i = at % data.len();
                data[i] = b;
            }
            data.truncate(cut % (data.len() + 1));
            crate::fuzzing::run("safetensors", &data);
            crate::fuzzing::run("any", &data);
        }
    }
}
