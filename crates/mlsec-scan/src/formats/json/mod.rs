//! JSON documents, recognised by content whatever the file is called.
//!
//! Two things are looked for in every document: a Keras model config (recognised by its
//! structure, see [`super::keras`]) and Jinja templates — `chat_template` in tokenizer
//! configs (a string or a list of `{name, template}`), any string under a key containing
//! `template`, and any string that looks like a Jinja template. Gating on the file name is
//! what lets chat templates in oddly named files through other scanners.

mod parse;

pub(crate) use parse::{Node, Val};

use crate::ctx::Ctx;
use crate::formats::{keras, template};
use crate::rules::keras::duplicate_key as keras_duplicate_key;
use crate::rules::template::duplicate_key as template_duplicate_key;
use mlsec_core::ProblemKind;
use std::collections::HashSet;

/// Largest JSON document parsed. Real tokenizer files reach tens of MiB.
pub(crate) const MAX_JSON_BYTES: usize = 64 << 20;
/// Most values built from one document (bounds memory to a few hundred MiB).
const MAX_NODES: usize = 4_000_000;

/// A JSON object or array (after an optional BOM, in UTF-8, UTF-16 or UTF-32, as Python's
/// `json.loads` detects them) that parses completely. Documents above [`MAX_JSON_BYTES`]
/// are claimed on their first character so the reader can report that they were not checked.
pub(crate) fn sniff(data: &[u8]) -> bool {
    let head = &data[..data.len().min(64)];
    let (text, _) = parse::decode(head);
    let first = text
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .chars()
        .next();
    if !matches!(first, Some('{' | '[')) {
        return false;
    }
    if data.len() > MAX_JSON_BYTES {
        return true;
    }
    parse::validate(&parse::decode(data).0)
}

/// Scans a JSON document.
pub(crate) fn scan(ctx: &mut Ctx<'_>, data: &[u8]) {
    ctx.note_format("json");
    if data.len() > MAX_JSON_BYTES {
        ctx.problem(
            ProblemKind::LimitExceeded,
            None,
            format!("JSON document is larger than {MAX_JSON_BYTES} bytes; not analysed"),
        );
        return;
    }
    let (text, skipped) = parse::decode(data);
    match parse::parse(&text, MAX_NODES) {
        Ok(root) => analyze_document(ctx, &root, skipped as u64),
        Err(e) if e.msg == parse::LIMIT => ctx.problem(
            ProblemKind::LimitExceeded,
            Some((e.off + skipped) as u64),
            format!("JSON document holds more than {MAX_NODES} values; not analysed"),
        ),
        Err(e) => ctx.problem(
            ProblemKind::Malformed,
            Some((e.off + skipped) as u64),
            format!("not valid JSON ({}); not analysed", e.msg),
        ),
    }
}

/// Parses `text` (already decoded) as JSON for readers that hold JSON inside another format
/// (HDF5 attributes). Reports a problem and returns `None` when it does not parse.
pub(crate) fn parse_embedded(ctx: &mut Ctx<'_>, text: &str) -> Option<Node> {
    match parse::parse(text, MAX_NODES) {
        Ok(root) => Some(root),
        Err(e) => {
            let kind = if e.msg == parse::LIMIT {
                ProblemKind::LimitExceeded
            } else {
                ProblemKind::Malformed
            };
            ctx.problem(
                kind,
                Some(e.off as u64),
                format!("not valid JSON ({}); not analysed", e.msg),
            );
            None
        }
    }
}

/// Runs every JSON-level analysis on a parsed document whose offsets start at `base`.
pub(crate) fn analyze_document(ctx: &mut Ctx<'_>, root: &Node, base: u64) {
    let is_keras = keras::is_keras_config(root);
    if is_keras {
        ctx.note_format("keras-config");
        keras::analyze(ctx, root, base);
    }
    let mut path = Vec::new();
    walk(ctx, root, None, &mut path, base, is_keras, 0);
}

/// One step of a JSON path, rendered as `a.b[3].c`.
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

fn render(path: &[Seg<'_>]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    if s.is_empty() { "$".into() } else { s }
}

fn is_template_key(key: &str) -> bool {
    key.to_ascii_lowercase().contains("template")
}

/// Finds templates and duplicate keys. `key` is the nearest object key above `node` (arrays
/// pass their key down, so `chat_template: ["…"]` counts as a template).
fn walk<'a>(
    ctx: &mut Ctx<'_>,
    node: &'a Node,
    key: Option<&'a str>,
    path: &mut Vec<Seg<'a>>,
    base: u64,
    is_keras: bool,
    depth: usize,
) {
    // The parser bounds nesting; this guard keeps the walk safe if that ever changes.
    if depth > parse::MAX_DEPTH {
        return;
    }
    match &node.val {
        Val::Str(s) => {
            if key.is_some_and(is_template_key) || template::looks_like_template(s) {
                // The template becomes a member named by its JSON path; offsets in findings
                // are positions in the decoded string.
                let name = render(path);
                ctx.enter(&name, |c| template::analyze_into(c, s, 0));
            }
        }
        Val::Arr(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                walk(ctx, item, key, path, base, is_keras, depth + 1);
                path.pop();
            }
        }
        Val::Obj(members) => {
            if members.len() > 1 {
                let mut seen = HashSet::with_capacity(members.len());
                for (k, v) in members {
                    if !seen.insert(k.as_str()) {
                        let off = Some(base + v.off as u64);
                        if is_template_key(k) {
                            ctx.report(
                                &template_duplicate_key::RULE,
                                off,
                                format!("key `{k}` appears twice in one object; Python uses the last copy, other parsers the first"),
                                Some(k.clone()),
                            );
                        } else if is_keras {
                            ctx.report(
                                &keras_duplicate_key::RULE,
                                off,
                                format!("key `{k}` appears twice in one Keras config object; Python uses the last copy, other parsers the first"),
                                Some(k.clone()),
                            );
                        }
                    }
                }
            }
            for (k, v) in members {
                path.push(Seg::Key(k));
                walk(ctx, v, Some(k), path, base, is_keras, depth + 1);
                path.pop();
            }
        }
        Val::Null | Val::Bool(_) | Val::Num => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_recognises_json_by_content() {
        assert!(sniff(b"  {\"a\": 1}"));
        assert!(sniff(b"\xef\xbb\xbf[1, NaN]"));
        assert!(sniff(b"\xff\xfe{\x00}\x00"));
        assert!(!sniff(b"{\"a\": 1"));
        assert!(!sniff(b"\"just a string\""));
        assert!(!sniff(b"{{ template }}"));
        assert!(!sniff(b"\x80\x02}q\x00."));
    }
}
