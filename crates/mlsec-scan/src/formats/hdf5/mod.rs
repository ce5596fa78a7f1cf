//! HDF5 files, read far enough to find the Keras 2 model config.
//!
//! Keras 2 (and Keras 3's legacy loader) stores the model as JSON in the `model_config` and
//! `training_config` attributes of the root group; `Lambda` layers there carry bytecode that
//! runs at load time, and H5 loading ignores `safe_mode` (CVE-2025-9905). This reader walks
//! the real structure — superblock v0–v3, object headers v1/v2 with continuation blocks,
//! compact attribute messages v1–v3 and dense attribute storage (fractal heap plus v2 B-tree
//! name index, including huge objects) — and decodes fixed-length and variable-length
//! (global heap) string attributes. It does not need the rest of HDF5 (datasets, chunk
//! indexes, filters), and it never reads tensor data.
//!
//! When the structure cannot be walked, or an attribute cannot be decoded, the reader says
//! so with a problem and falls back to locating Keras configs by content (`{"class_name"`
//! with string-aware brace matching), so a malformed file is never reported clean silently.

mod dense;
mod read;

use crate::ctx::Ctx;
use crate::formats::json;
use mlsec_core::ProblemKind;
use read::{Error, File};

/// The HDF5 format signature.
pub(crate) const SIGNATURE: &[u8; 8] = b"\x89HDF\r\n\x1a\n";

/// Root attributes Keras reads as JSON.
const CONFIG_ATTRS: &[&str] = &["model_config", "training_config"];

/// Where the superblock is: offset 0 or a power of two from 512 on (after a user block).
pub(crate) fn superblock_offset(data: &[u8]) -> Option<usize> {
    let mut off = 0usize;
    loop {
        if data.get(off..off.checked_add(8)?)? == SIGNATURE {
            return Some(off);
        }
        off = if off == 0 { 512 } else { off.checked_mul(2)? };
    }
}

/// Scans an HDF5 file.
pub(crate) fn scan(ctx: &mut Ctx<'_>, data: &[u8]) {
    ctx.note_format("hdf5");
    let Some(sb) = superblock_offset(data) else {
        ctx.problem(
            ProblemKind::Malformed,
            Some(0),
            "no HDF5 superblock signature found",
        );
        return;
    };
    let mut walk = Walk::default();
    let result = File::open(data, sb).and_then(|f| {
        let attrs = f.root_attributes(&mut walk.issues)?;
        for a in attrs {
            if CONFIG_ATTRS.contains(&a.name.as_str()) {
                match f.attribute_strings(&a) {
                    Ok(values) => walk.configs.push((a.name.clone(), values)),
                    Err(e) => walk
                        .issues
                        .push(e.context(&format!("attribute `{}`", a.name))),
                }
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        walk.issues.push(e);
    }
    for (name, values) in &walk.configs {
        for (i, text) in values.iter().enumerate() {
            let member = if values.len() == 1 {
                name.clone()
            } else {
                format!("{name}[{i}]")
            };
            ctx.enter(&member, |c| {
                if let Some(root) = json::parse_embedded(c, text) {
                    json::analyze_document(c, &root, 0);
                }
            });
        }
    }
    if walk.issues.is_empty() {
        return;
    }
    for e in &walk.issues {
        ctx.problem(
            e.kind(),
            Some(e.offset()),
            format!("HDF5 structure not fully read: {}", e.message()),
        );
    }
    // Fallback on content: the structure was not walked completely, so look for Keras
    // configs wherever they are stored (attribute data, global or fractal heaps).
    fallback(ctx, data, &walk);
}

#[derive(Debug, Default)]
struct Walk {
    configs: Vec<(String, Vec<String>)>,
    issues: Vec<Error>,
}

/// Most configs recovered by content from one file.
const MAX_RECOVERED: usize = 32;
/// Bytes the content fallback may scan while matching braces, as a multiple of the file size.
const FALLBACK_WORK: usize = 4;

fn fallback(ctx: &mut Ctx<'_>, data: &[u8], walk: &Walk) {
    let mut finder = Candidates::new(data);
    let mut found = 0usize;
    let mut budget = data.len().saturating_mul(FALLBACK_WORK).max(1 << 20);
    while let Some(start) = finder.next() {
        let (end, scanned) = json_object_end(data, start);
        budget = budget.saturating_sub(scanned);
        if budget == 0 {
            ctx.problem(
                ProblemKind::LimitExceeded,
                Some(start as u64),
                "too many unterminated Keras-config candidates; the content fallback stopped here",
            );
            return;
        }
        let Some(end) = end else { continue };
        let text = String::from_utf8_lossy(&data[start..end]);
        // Already analysed through the structure: no need to report it twice.
        let known = walk
            .configs
            .iter()
            .any(|(_, v)| v.iter().any(|s| *s == text));
        if !known {
            found += 1;
            if found > MAX_RECOVERED {
                ctx.problem(
                    ProblemKind::LimitExceeded,
                    Some(start as u64),
                    format!("more than {MAX_RECOVERED} Keras configs found by content; the rest are not analysed"),
                );
                return;
            }
            let name = format!("model_config@{start}");
            ctx.enter(&name, |c| {
                if let Some(root) = json::parse_embedded(c, &text) {
                    json::analyze_document(c, &root, 0);
                }
            });
        }
        finder.skip_to(end);
    }
}

/// Positions of `{"class_name"` and `{"module"` (Keras 2 and Keras 3 configs), in order.
struct Candidates<'a> {
    data: &'a [u8],
    from: usize,
    next: [Option<usize>; 2],
}

const PATTERNS: [&[u8]; 2] = [b"{\"class_name\"", b"{\"module\""];

impl<'a> Candidates<'a> {
    fn new(data: &'a [u8]) -> Candidates<'a> {
        let next = PATTERNS.map(|p| find(data, p));
        Candidates {
            data,
            from: 0,
            next,
        }
    }

    fn next(&mut self) -> Option<usize> {
        let (k, pos) = self
            .next
            .iter()
            .enumerate()
            .filter_map(|(k, p)| p.map(|p| (k, p)))
            .min_by_key(|x| x.1)?;
        self.from = pos + 1;
        self.next[k] = self.find_from(k, pos + 1);
        Some(pos)
    }

    /// Continues after an extracted object.
    fn skip_to(&mut self, end: usize) {
        self.from = self.from.max(end);
        for k in 0..PATTERNS.len() {
            if self.next[k].is_some_and(|p| p < end) {
                self.next[k] = self.find_from(k, end);
            }
        }
    }

    fn find_from(&self, k: usize, from: usize) -> Option<usize> {
        self.data
            .get(from..)
            .and_then(|d| find(d, PATTERNS[k]))
            .map(|p| p + from)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The end (exclusive) of the JSON object starting at `start`, matching braces outside
/// strings (`None` if it is not closed within [`json::MAX_JSON_BYTES`]), and how many bytes
/// were scanned.
fn json_object_end(data: &[u8], start: usize) -> (Option<usize>, usize) {
    let limit = data.len().min(start.saturating_add(json::MAX_JSON_BYTES));
    let mut depth = 0usize;
    let mut in_str = false;
    let mut i = start;
    while i < limit {
        let c = data[i];
        if in_str {
            match c {
                b'\\' => i += 1,
                b'"' => in_str = false,
                _ => {}
            }
        } else {
            match c {
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    let Some(d) = depth.checked_sub(1) else {
                        return (None, i - start);
                    };
                    depth = d;
                    if depth == 0 {
                        return (Some(i + 1), i + 1 - start);
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    (None, limit.saturating_sub(start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brace_matching_skips_strings() {
        let d = br#"xx{"class_name": "a}{", "config": {"k": "\"}"}}yy"#;
        let s = Candidates::new(d).next().unwrap_or(usize::MAX);
        assert_eq!(s, 2);
        assert_eq!(json_object_end(d, s).0, Some(d.len() - 2));
        assert_eq!(json_object_end(b"{\"a\": [1, 2}", 0).0, None);
        assert_eq!(json_object_end(b"{\"a\": 1", 0), (None, 7));
    }

    #[test]
    fn superblock_after_a_user_block() {
        let mut d = vec![0u8; 1024];
        d.extend_from_slice(SIGNATURE);
        assert_eq!(superblock_offset(&d), Some(1024));
        assert_eq!(superblock_offset(b"\x89HDF\r\n\x1a\n"), Some(0));
        assert_eq!(superblock_offset(&[0u8; 600]), None);
    }
}
