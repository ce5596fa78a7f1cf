//! ONNX ModelProto reader.
//!
//! Walks the main graph, the training graphs and the model-local functions; inside a graph,
//! every node (with its attributes, whose subgraphs — `If`/`Loop`/`Scan` bodies — are walked
//! recursively), every initializer and every tensor held by an attribute. It reports:
//!
//! - tensors whose data lives outside the model (`data_location = EXTERNAL` or
//!   `external_data` entries) at a `location` that escapes the model directory: absolute,
//!   `..` that climbs above the directory after normalisation (`sub/../../x`), a backslash, a
//!   drive letter, a URL or a control character (the loader opens whatever path it is given);
//! - ops the runtime can only resolve by loading code: `PyOp` (Python callbacks of
//!   onnxruntime and onnxruntime-extensions), ops of custom domains (a native custom-op
//!   library must be registered), and, for information, `com.microsoft` contrib ops that ship
//!   with onnxruntime itself. Standard domains and calls to the model's own functions are
//!   fine; unknown ops of standard domains are the runtime's business, not a risk.

use super::protobuf::{Fields, MAX_DEPTH, Value, display};
use crate::ctx::Ctx;
use crate::rules::onnx as rules;
use mlsec_core::{Confidence, ProblemKind, Severity};
use std::collections::HashSet;

/// Nodes and tensors visited per file before the reader stops with a problem.
const MAX_ITEMS: u64 = 10_000_000;

/// Domains of the ONNX standard operator sets.
const STANDARD_DOMAINS: &[&[u8]] = &[
    b"",
    b"ai.onnx",
    b"ai.onnx.ml",
    b"ai.onnx.training",
    b"ai.onnx.preview.training",
];

/// Whether `data` is an ONNX ModelProto: every top-level field well formed with the wire type
/// its number has in `onnx.proto`, an `ir_version` (1, varint) in a sane range, at least one
/// `opset_import` (8) that parses as an OperatorSetId, and a graph (7) or functions (25).
/// Field order is not relied on: protobuf parsers accept any order, so an attacker can
/// reorder fields.
pub(crate) fn sniff(data: &[u8]) -> bool {
    let (mut ir, mut opset, mut body) = (false, false, false);
    for f in Fields::new(data, 0) {
        let Ok(f) = f else { return false };
        match (f.number, f.value) {
            (1, Value::Varint(v)) => {
                if !(1..=64).contains(&v) {
                    return false;
                }
                ir = true;
            }
            (2 | 3 | 4 | 6, Value::Len(s)) if std::str::from_utf8(s).is_err() => return false,
            (2 | 3 | 4 | 6, Value::Len(_)) => {}
            (5, Value::Varint(_)) => {}
            (7, Value::Len(g)) => {
                if !super::protobuf::is_well_formed(g) {
                    return false;
                }
                body = true;
            }
            (8, Value::Len(o)) => {
                for g in Fields::new(o, 0) {
                    match g {
                        Ok(g)
                            if matches!(
                                (g.number, g.value),
                                (1, Value::Len(_)) | (2, Value::Varint(_))
                            ) => {}
                        _ => return false,
                    }
                }
                opset = true;
            }
            (25, Value::Len(_)) => body = true,
            (14 | 20, Value::Len(_)) => {}
            (1..=8 | 14 | 20 | 25, _) => return false,
            _ => {}
        }
    }
    ir && opset && body
}

/// Why an external-data or asset path escapes its directory, and how bad that is; `None` for
/// a path that stays inside. Shared with the TensorFlow reader (asset file names).
pub(crate) fn path_risk(path: &[u8]) -> Option<(&'static str, Severity)> {
    let Ok(s) = std::str::from_utf8(path) else {
        return Some(("is not valid UTF-8", Severity::High));
    };
    if s.chars().any(char::is_control) {
        return Some(("contains a control character", Severity::Critical));
    }
    if s.starts_with('/') {
        return Some(("is an absolute path", Severity::Critical));
    }
    if s.contains('\\') {
        return Some((
            "contains a backslash, a path separator on Windows",
            Severity::Critical,
        ));
    }
    let b = s.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return Some(("starts with a drive letter", Severity::Critical));
    }
    if s.contains("://") || s.starts_with("file:") {
        return Some(("is a URL", Severity::Critical));
    }
    let mut depth: i64 = 0;
    for part in s.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return Some((
                        "climbs out of the model directory with `..`",
                        Severity::Critical,
                    ));
                }
            }
            _ => depth += 1,
        }
    }
    None
}

/// Reader state for one model.
#[derive(Debug, Default)]
struct Reader<'a> {
    /// (domain, name) of the model-local functions: nodes calling them are not custom ops.
    functions: HashSet<(&'a [u8], &'a [u8])>,
    /// (domain, op) already reported, so a model with a thousand custom nodes gets one finding
    /// per distinct op.
    reported_ops: HashSet<(&'a [u8], &'a [u8])>,
    items: u64,
    exhausted: bool,
    /// Escaping external-data locations seen, and the highest severity among them: the
    /// first [`MAX_LOCATION_REPORTS`] are reported one by one, the rest in one summary.
    escapes: u64,
    escape_severity: Option<Severity>,
}

/// Escaping locations reported individually per model.
const MAX_LOCATION_REPORTS: u64 = 16;

impl<'a> Reader<'a> {
    fn take(&mut self, ctx: &mut Ctx<'_>, offset: u64) -> bool {
        if self.exhausted {
            return false;
        }
        self.items += 1;
        if self.items > MAX_ITEMS {
            self.exhausted = true;
            ctx.problem(
                ProblemKind::LimitExceeded,
                Some(offset),
                format!("more than {MAX_ITEMS} nodes and tensors; the rest are not checked"),
            );
            return false;
        }
        true
    }
}

/// Iterates `fields` as (number, value, offset); a wire error becomes a problem naming `what`.
fn walk<'a, 'l>(
    ctx: &mut Ctx<'l>,
    what: &str,
    fields: Fields<'a>,
    mut each: impl FnMut(&mut Ctx<'l>, u32, Value<'a>, u64),
) {
    super::protobuf::walk(ctx, what, fields, |c, f| {
        each(c, f.number, f.value, f.offset)
    });
}

fn too_deep(ctx: &mut Ctx<'_>, depth: u32, offset: u64) -> bool {
    if depth > MAX_DEPTH {
        ctx.problem(
            ProblemKind::LimitExceeded,
            Some(offset),
            format!("ONNX graphs nested deeper than {MAX_DEPTH} levels; the rest is not checked"),
        );
        return true;
    }
    false
}

/// Scans an ONNX model.
pub(crate) fn scan(ctx: &mut Ctx<'_>, data: &[u8]) {
    ctx.note_format("onnx");
    let mut r = Reader::default();
    // Function signatures first, so calls to them are recognised wherever they appear.
    for f in Fields::new(data, 0).map_while(Result::ok) {
        if let (25, Value::Len(b)) = (f.number, f.value) {
            let (mut domain, mut name): (&[u8], &[u8]) = (b"", b"");
            for g in Fields::new(b, 0).map_while(Result::ok) {
                match (g.number, g.value) {
                    (1, Value::Len(n)) => name = n,
                    (10, Value::Len(d)) => domain = d,
                    _ => {}
                }
            }
            r.functions.insert((domain, name));
        }
    }
    walk(
        ctx,
        "ModelProto",
        Fields::new(data, 0),
        |ctx, number, value, offset| match (number, value) {
            (7, Value::Len(g)) => graph(ctx, &mut r, g, offset, 1),
            (20, Value::Len(t)) => walk(
                ctx,
                "TrainingInfoProto",
                Fields::new(t, offset),
                |ctx, n, v, o| {
                    if let (1 | 2, Value::Len(g)) = (n, v) {
                        graph(ctx, &mut r, g, o, 2);
                    }
                },
            ),
            (25, Value::Len(f)) => walk(
                ctx,
                "FunctionProto",
                Fields::new(f, offset),
                |ctx, n, v, o| {
                    if let (7, Value::Len(nd)) = (n, v) {
                        node(ctx, &mut r, nd, o, 2);
                    }
                },
            ),
            _ => {}
        },
    );
    if let Some(severity) = r
        .escape_severity
        .filter(|_| r.escapes > MAX_LOCATION_REPORTS)
    {
        ctx.report_with(
            &rules::external_data_path::RULE,
            severity,
            Confidence::High,
            None,
            format!(
                "{} more tensors load external data from outside the model directory",
                r.escapes - MAX_LOCATION_REPORTS
            ),
            Some(format!("{} in total", r.escapes)),
        );
    }
}

/// GraphProto: nodes (1), initializers (5), sparse initializers (15).
fn graph<'a>(ctx: &mut Ctx<'_>, r: &mut Reader<'a>, data: &'a [u8], base: u64, depth: u32) {
    if too_deep(ctx, depth, base) {
        return;
    }
    walk(
        ctx,
        "GraphProto",
        Fields::new(data, base),
        |ctx, number, value, offset| match (number, value) {
            (1, Value::Len(n)) => node(ctx, r, n, offset, depth + 1),
            (5, Value::Len(t)) => tensor(ctx, r, t, offset),
            (15, Value::Len(s)) => sparse_tensor(ctx, r, s, offset),
            _ => {}
        },
    );
}

/// NodeProto: op type (4), domain (7), attributes (5).
fn node<'a>(ctx: &mut Ctx<'_>, r: &mut Reader<'a>, data: &'a [u8], base: u64, depth: u32) {
    if too_deep(ctx, depth, base) || !r.take(ctx, base) {
        return;
    }
    let (mut op, mut domain): (&[u8], &[u8]) = (b"", b"");
    let mut strings: Vec<(&[u8], &[u8])> = Vec::new();
    walk(
        ctx,
        "NodeProto",
        Fields::new(data, base),
        |ctx, number, value, offset| match (number, value) {
            (4, Value::Len(o)) => op = o,
            (7, Value::Len(d)) => domain = d,
            (5, Value::Len(a)) => attribute(ctx, r, a, offset, depth + 1, &mut strings),
            _ => {}
        },
    );
    check_op(ctx, r, op, domain, &strings, base);
}

/// AttributeProto: tensors (5, 10), graphs (6, 11), sparse tensors (22, 23); string values
/// (4) of the first attributes are kept for the evidence of Python ops.
fn attribute<'a>(
    ctx: &mut Ctx<'_>,
    r: &mut Reader<'a>,
    data: &'a [u8],
    base: u64,
    depth: u32,
    strings: &mut Vec<(&'a [u8], &'a [u8])>,
) {
    let mut name: &[u8] = b"";
    walk(
        ctx,
        "AttributeProto",
        Fields::new(data, base),
        |ctx, number, value, offset| match (number, value) {
            (1, Value::Len(n)) => name = n,
            (4, Value::Len(s)) if strings.len() < 8 => strings.push((name, s)),
            (5 | 10, Value::Len(t)) => tensor(ctx, r, t, offset),
            (6 | 11, Value::Len(g)) => graph(ctx, r, g, offset, depth + 1),
            (22 | 23, Value::Len(s)) => sparse_tensor(ctx, r, s, offset),
            _ => {}
        },
    );
}

/// SparseTensorProto: values (1) and indices (2) are tensors.
fn sparse_tensor<'a>(ctx: &mut Ctx<'_>, r: &mut Reader<'a>, data: &'a [u8], base: u64) {
    walk(
        ctx,
        "SparseTensorProto",
        Fields::new(data, base),
        |ctx, number, value, offset| {
            if let (1 | 2, Value::Len(t)) = (number, value) {
                tensor(ctx, r, t, offset);
            }
        },
    );
}

/// TensorProto: name (8), external data entries (13), data location (14).
fn tensor<'a>(ctx: &mut Ctx<'_>, r: &mut Reader<'a>, data: &'a [u8], base: u64) {
    if !r.take(ctx, base) {
        return;
    }
    let mut name: &[u8] = b"";
    let mut external = false;
    let mut locations: Vec<(&[u8], u64)> = Vec::new();
    walk(
        ctx,
        "TensorProto",
        Fields::new(data, base),
        |ctx, number, value, offset| match (number, value) {
            (8, Value::Len(n)) => name = n,
            // Entries are checked even when a later `data_location` says DEFAULT: loaders
            // disagree on which of the two they trust.
            (14, Value::Varint(loc)) => external |= loc == 1,
            (13, Value::Len(e)) => {
                external = true;
                let (mut key, mut val): (&[u8], Option<(&[u8], u64)>) = (b"", None);
                walk(
                    ctx,
                    "StringStringEntryProto",
                    Fields::new(e, offset),
                    |_, n, v, o| match (n, v) {
                        (1, Value::Len(k)) => key = k,
                        (2, Value::Len(x)) => val = Some((x, o)),
                        _ => {}
                    },
                );
                // Loaders keep one location per tensor, but which duplicate wins differs
                // between them: every one is checked.
                if key == b"location"
                    && let Some(v) = val
                {
                    locations.push(v);
                }
            }
            _ => {}
        },
    );
    if !external {
        return;
    }
    if locations.iter().all(|(l, _)| l.is_empty()) {
        ctx.problem(
            ProblemKind::Malformed,
            Some(base),
            format!(
                "tensor `{}` keeps its data externally but names no location",
                display(name, 120)
            ),
        );
        return;
    }
    for (loc, offset) in locations {
        if let Some((reason, severity)) = path_risk(loc) {
            r.escapes += 1;
            r.escape_severity = r.escape_severity.max(Some(severity));
            if r.escapes > MAX_LOCATION_REPORTS {
                continue;
            }
            ctx.report_with(
                &rules::external_data_path::RULE,
                severity,
                Confidence::High,
                Some(offset),
                format!(
                    "tensor `{}` loads external data from a location that {reason}; loading the model reads that file",
                    display(name, 120)
                ),
                Some(display(loc, 200)),
            );
        }
    }
}

fn check_op<'a>(
    ctx: &mut Ctx<'_>,
    r: &mut Reader<'a>,
    op: &'a [u8],
    domain: &'a [u8],
    strings: &[(&[u8], &[u8])],
    offset: u64,
) {
    // `PyOp` is checked in every domain: onnxruntime's own Python op is registered under
    // whatever domain the exporter chose.
    let python = op.starts_with(b"PyOp");
    if r.functions.contains(&(domain, op)) || (!python && STANDARD_DOMAINS.contains(&domain)) {
        return;
    }
    if !r.reported_ops.insert((domain, op)) {
        return;
    }
    let shown = format!("{}::{}", display(domain, 80), display(op, 80));
    if python {
        let detail: Vec<String> = strings
            .iter()
            .filter(|(k, _)| matches!(*k, b"module" | b"class_name" | b"compute" | b"function"))
            .map(|(k, v)| format!("{}={}", display(k, 40), display(v, 120)))
            .collect();
        let detail = if detail.is_empty() {
            String::new()
        } else {
            format!(" ({})", detail.join(", "))
        };
        ctx.report(
            &rules::python_op::RULE,
            Some(offset),
            format!("node uses `{shown}`, a Python-executing custom op{detail}; running the model calls into Python"),
            Some(shown),
        );
    } else if domain.starts_with(b"com.microsoft") || domain == b"com.ms.internal.nhwc" {
        ctx.report(
            &rules::contrib_op::RULE,
            Some(offset),
            format!("node uses onnxruntime contrib op `{shown}`; only onnxruntime runs it"),
            Some(shown),
        );
    } else {
        ctx.report(
            &rules::custom_domain_op::RULE,
            Some(offset),
            format!("node uses `{shown}` from a custom domain; running the model needs a native custom-op library"),
            Some(shown),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::protobuf::write::Msg;
    use super::*;
    use crate::limits::Limits;
    use crate::policy::Policy;
    use proptest::prelude::*;

    fn model(graph: &Msg, functions: &[Msg]) -> Vec<u8> {
        let mut m = Msg::new()
            .uint(1, 8)
            .str(2, "test")
            .msg(7, graph)
            .msg(8, &Msg::new().str(1, "").uint(2, 17));
        for f in functions {
            m = m.msg(25, f);
        }
        m.0
    }

    fn node(op: &str, domain: &str, attrs: &[Msg]) -> Msg {
        let mut n = Msg::new().str(1, "X").str(2, "Y").str(4, op);
        for a in attrs {
            n = n.msg(5, a);
        }
        if !domain.is_empty() {
            n = n.str(7, domain);
        }
        n
    }

    fn external(location: &str) -> Msg {
        Msg::new()
            .uint(1, 4)
            .uint(2, 1)
            .str(8, "W")
            .msg(13, &Msg::new().str(1, "location").str(2, location))
            .msg(13, &Msg::new().str(1, "length").str(2, "16"))
            .uint(14, 1)
    }

    fn findings(data: &[u8]) -> Vec<(&'static str, Severity, Option<String>)> {
        assert!(sniff(data));
        let limits = Limits::default();
        let policy = Policy::default();
        let mut ctx = Ctx::new(&limits, &policy, "m.onnx".into());
        scan(&mut ctx, data);
        assert!(ctx.state.problems.is_empty(), "{:?}", ctx.state.problems);
        ctx.state
            .findings
            .iter()
            .map(|f| (f.rule, f.severity, f.evidence.clone()))
            .collect()
    }

    #[test]
    fn paths() {
        for ok in [
            "weights.bin",
            "sub/w.bin",
            "a/../b.bin",
            "./w.bin",
            "a/b/../../c",
        ] {
            assert_eq!(path_risk(ok.as_bytes()), None, "{ok}");
        }
        for bad in [
            "/etc/passwd",
            "../x",
            "sub/../../x",
            "a\\..\\b",
            "C:w.bin",
            "c:/x",
            "http://h/x",
            "file:x",
            "a\u{0}b",
        ] {
            assert!(path_risk(bad.as_bytes()).is_some(), "{bad}");
        }
        assert_eq!(path_risk(b"\xff").map(|r| r.1), Some(Severity::High));
    }

    #[test]
    fn external_data_in_initializers_attributes_and_subgraphs() {
        let g = Msg::new()
            .msg(1, &node("Add", "", &[]))
            .msg(5, &external("sub/../../secret"));
        assert_eq!(
            findings(&model(&g, &[])),
            vec![(
                "ONX001",
                Severity::Critical,
                Some("sub/../../secret".into())
            )]
        );

        // A Constant inside the `then_branch` of an If, inside a Loop body.
        let constant = node(
            "Constant",
            "",
            &[Msg::new()
                .str(1, "value")
                .msg(5, &external("/etc/shadow"))
                .uint(20, 4)],
        );
        let then_branch = Msg::new().msg(1, &constant);
        let iff = node(
            "If",
            "",
            &[Msg::new()
                .str(1, "then_branch")
                .msg(6, &then_branch)
                .uint(20, 5)],
        );
        let body = Msg::new().msg(1, &iff);
        let lp = node(
            "Loop",
            "",
            &[Msg::new().str(1, "body").msg(6, &body).uint(20, 5)],
        );
        let g = Msg::new().msg(1, &lp).msg(5, &external("weights.bin"));
        assert_eq!(
            findings(&model(&g, &[])),
            vec![("ONX001", Severity::Critical, Some("/etc/shadow".into()))]
        );
    }

    #[test]
    fn domains() {
        let g = Msg::new()
            .msg(1, &node("Relu", "", &[]))
            .msg(1, &node("LinearClassifier", "ai.onnx.ml", &[]))
            .msg(1, &node("FusedMatMul", "com.microsoft", &[]))
            .msg(1, &node("Exec", "com.attacker", &[]))
            .msg(1, &node("Exec", "com.attacker", &[]))
            .msg(
                1,
                &node(
                    "PyOp",
                    "ai.onnx.contrib",
                    &[Msg::new().str(1, "module").str(4, "evil")],
                ),
            )
            .msg(1, &node("MyFn", "local.fns", &[]));
        let f = Msg::new()
            .str(1, "MyFn")
            .str(10, "local.fns")
            .msg(7, &node("Sneaky", "com.x", &[]));
        let got: Vec<_> = findings(&model(&g, &[f]))
            .into_iter()
            .map(|(c, s, _)| (c, s))
            .collect();
        assert_eq!(
            got,
            vec![
                ("ONX003", Severity::Info),
                ("ONX002", Severity::Medium),
                ("ONX004", Severity::High),
                ("ONX002", Severity::Medium),
            ]
        );
    }

    #[test]
    fn missing_location_is_a_problem() {
        let t = Msg::new().str(8, "W").uint(14, 1);
        let data = model(&Msg::new().msg(5, &t), &[]);
        let limits = Limits::default();
        let policy = Policy::default();
        let mut ctx = Ctx::new(&limits, &policy, "m.onnx".into());
        scan(&mut ctx, &data);
        assert_eq!(ctx.state.problems.len(), 1);
    }

    #[test]
    fn sniff_is_strict_and_order_independent() {
        let g = Msg::new().msg(1, &node("Relu", "", &[]));
        assert!(sniff(&model(&g, &[])));
        // Graph first, ir_version last.
        let reordered = Msg::new()
            .msg(7, &g)
            .msg(8, &Msg::new().uint(2, 17))
            .uint(1, 9)
            .0;
        assert!(sniff(&reordered));
        // No opset import.
        assert!(!sniff(&Msg::new().uint(1, 8).msg(7, &g).0));
        // ir_version out of range, wrong wire type for the graph.
        assert!(!sniff(
            &Msg::new()
                .uint(1, 1000)
                .msg(7, &g)
                .msg(8, &Msg::new().uint(2, 17))
                .0
        ));
        assert!(!sniff(
            &Msg::new()
                .uint(1, 8)
                .uint(7, 1)
                .msg(8, &Msg::new().uint(2, 17))
                .0
        ));
        // A SavedModel.
        assert!(!sniff(
            &Msg::new().uint(1, 1).msg(2, &Msg::new().msg(2, &g)).0
        ));
    }

    #[test]
    fn deep_subgraphs_are_a_problem_not_a_crash() {
        let mut g = Msg::new().msg(1, &node("Relu", "", &[]));
        for _ in 0..100 {
            g = Msg::new().msg(
                1,
                &node("If", "", &[Msg::new().str(1, "then_branch").msg(6, &g)]),
            );
        }
        let data = model(&g, &[]);
        let limits = Limits::default();
        let policy = Policy::default();
        let mut ctx = Ctx::new(&limits, &policy, "m.onnx".into());
        scan(&mut ctx, &data);
        assert!(
            ctx.state
                .problems
                .iter()
                .any(|p| p.kind == ProblemKind::LimitExceeded)
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
            crate::fuzzing::run("onnx", &data);
        }

        #[test]
        fn mutated_models_never_panic(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8), cut in any::<usize>()) {
            let body = Msg::new().msg(1, &node("Relu", "", &[])).msg(5, &external("w.bin"));
            let g = Msg::new().msg(1, &node("Loop", "", &[Msg::new().str(1, "body").msg(6, &body)]));
            let mut data = model(&g, &[]);
            for (at, b) in edits {
                let i = at % data.len();
                data[i] = b;
            }
            data.truncate(cut % (data.len() + 1));
            crate::fuzzing::run("onnx", &data);
            crate::fuzzing::run("any", &data);
        }
    }
}
