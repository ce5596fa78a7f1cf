//! TensorFlow protobufs: `saved_model.pb` (SavedModel), bare GraphDefs, `keras_metadata.pb`
//! (SavedMetadata) and `fingerprint.pb` (FingerprintDef); SavedModels and GraphDefs written in
//! the protobuf text format (`saved_model.pbtxt`) are transcoded by the `textproto` module and
//! checked by the same code ([`scan_text`]).
//!
//! A SavedModel is code: loading it runs its graph and its functions. The reader walks every
//! MetaGraphDef, its GraphDef's nodes and every function of the FunctionDefLibrary, collects
//! each node's op, inputs and the strings and function names its attributes hold (through
//! lists, tensors and nested function attributes), and applies the op policy:
//!
//! - Python ops (`PyFunc`, `PyFuncStateless`, `EagerPyFunc`) and ops that read, write, list or
//!   map files, print to a file or dump tensors to a debug URL are reported wherever they sit.
//! - Checkpoint ops (`SaveV2`, `RestoreV2`, `MergeV2Checkpoints`, and the V1 `Save`,
//!   `SaveSlices`, `Restore`, `RestoreSlice`) are part of every SavedModel: the loader restores
//!   variables with them. They are accepted only where they belong to the **saver sub-graph**,
//!   decided by data flow rather than by name, because names are free for an attacker to
//!   choose:
//!   - in the main graph, every path operand (the prefix of `SaveV2`/`RestoreV2`, both operands
//!     of `MergeV2Checkpoints`) must trace back, through string plumbing only (`Identity`,
//!     `StringJoin`, `ShardedFilename`, `Pack`, `Select`, `StaticRegexFullMatch`, `Const`), to
//!     the saver's filename tensor: the tensor `SaverDef.filename_tensor_name` names, a
//!     `saver_filename` placeholder (TF2), or the `save/Const` / `save/filename` placeholders of
//!     a TF1 `Saver` scope (`save`, `save_1`, ...);
//!   - in a function, the function must be a saver function (called from the main graph with
//!     the saver filename as an operand, named like TF2's `__inference__traced_save_N` /
//!     `__inference__traced_restore_N`, or called from a saver function), and the path operands
//!     must trace back the same way to the function's first argument (the file prefix the
//!     loader passes in);
//!   - a `Const` on such a path must not hold an absolute path or `..`.
//!
//!   Anything else (a prefix from a `Const` naming `/etc/...`, from another op, or a trace that
//!   does not end at the filename) is reported. Scanners that flag every `SaveV2`/`RestoreV2`
//!   raise a critical false positive on every SavedModel; scanners that allow them by name let
//!   an attacker write anywhere by naming a node `save/x`.
//!
//! Unknown ops are not reported: TensorFlow has thousands of ops and the risky ones are a
//! small, known set. `keras_metadata.pb` and the `metadata` of Keras objects in a SavedModel's
//! object graph hold Keras layer configurations as JSON; they are handed to the JSON reader as
//! members. `fingerprint.pb` holds hashes only.

use super::onnx::path_risk;
use super::protobuf::{Fields, MAX_DEPTH, Value, display, walk};
use super::textproto::{self, TextKind};
use crate::ctx::Ctx;
use crate::rules::Rule;
use crate::rules::tensorflow as rules;
use mlsec_core::{Confidence, ProblemKind, Severity};
use std::cell::Cell;
use std::collections::{HashMap, HashSet};

/// Nodes decoded per file (graph and functions together) before the reader stops with a
/// problem. Large real graphs have a few hundred thousand.
const MAX_NODES: u64 = 5_000_000;

/// Strings kept per node from its attributes; a node holding more (a large string `Const`)
/// is marked so that a trace through it fails closed.
const MAX_NODE_STRINGS: usize = 64;

/// Nodes visited when tracing a checkpoint op's path operand back to the saver filename.
const MAX_TRACE: usize = 256;

/// Nodes visited by all traces of one graph. Real graphs have a handful of checkpoint ops;
/// the cap keeps a graph of millions of them linear. Traces after it fail (reported).
const MAX_TRACE_TOTAL: usize = 1_000_000;

/// The kinds of TensorFlow protobuf this reader recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    SavedModel,
    GraphDef,
    KerasMetadata,
    Fingerprint,
    /// A SavedModel in the protobuf text format (`saved_model.pbtxt`).
    SavedModelText,
    /// A GraphDef in the protobuf text format (`graph.pbtxt`).
    GraphDefText,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::SavedModel => "tf-savedmodel",
            Kind::GraphDef => "tf-graphdef",
            Kind::KerasMetadata => "tf-keras-metadata",
            Kind::Fingerprint => "tf-fingerprint",
            Kind::SavedModelText => "tf-savedmodel-text",
            Kind::GraphDefText => "tf-graphdef-text",
        }
    }
}

/// Whether `data` is one of the TensorFlow protobufs above, judged by structure. ONNX models
/// (checked first by the sniffer) never match: a SavedModel has only fields 1 (varint) and 2
/// (MetaGraphDef) at the top, a ModelProto needs its graph (7) and opset imports (8).
pub(crate) fn sniff(data: &[u8]) -> bool {
    kind(data).is_some()
}

fn kind(data: &[u8]) -> Option<Kind> {
    if data.is_empty() {
        return None;
    }
    if sniff_saved_model(data) {
        Some(Kind::SavedModel)
    } else if sniff_graph_def(data) {
        Some(Kind::GraphDef)
    } else if sniff_keras_metadata(data) {
        Some(Kind::KerasMetadata)
    } else if sniff_fingerprint(data) {
        Some(Kind::Fingerprint)
    } else {
        match textproto::sniff(data)? {
            TextKind::SavedModel => Some(Kind::SavedModelText),
            TextKind::GraphDef => Some(Kind::GraphDefText),
        }
    }
}

/// SavedModel: `saved_model_schema_version` (1, varint) and `meta_graphs` (2), each a
/// MetaGraphDef whose fields 1..=7 are all messages and which has its meta-info or graph.
/// Unknown field numbers are accepted wherever TensorFlow's parser would skip them.
fn sniff_saved_model(data: &[u8]) -> bool {
    let mut meta = false;
    for f in Fields::new(data, 0) {
        let Ok(f) = f else { return false };
        match (f.number, f.value) {
            (1, Value::Varint(_)) => {}
            (2, Value::Len(b)) => {
                let mut has_core = false;
                for g in Fields::new(b, 0) {
                    let Ok(g) = g else { return false };
                    match (g.number, g.value) {
                        (1 | 2, Value::Len(_)) => has_core = true,
                        (3..=7, Value::Len(_)) => {}
                        (1..=7, _) => return false,
                        _ => {}
                    }
                }
                if !has_core {
                    return false;
                }
                meta = true;
            }
            (1 | 2, _) => return false,
            // Parsers skip unknown fields, so an extra field must not hide a SavedModel.
            _ => {}
        }
    }
    meta
}

/// A bare GraphDef: nodes (1), library (2), versions (4), debug info (5), the deprecated
/// version (3, varint), with the first nodes looking like NodeDefs (a name and an op name).
fn sniff_graph_def(data: &[u8]) -> bool {
    let mut nodes_checked = 0;
    for f in Fields::new(data, 0) {
        let Ok(f) = f else { return false };
        match (f.number, f.value) {
            (1, Value::Len(b)) if nodes_checked < 16 => {
                if !looks_like_node(b) {
                    return false;
                }
                nodes_checked += 1;
            }
            (1, Value::Len(_)) => {}
            (2 | 4 | 5, Value::Len(_)) | (3, Value::Varint(_)) => {}
            (1..=5, _) => return false,
            _ => {}
        }
    }
    nodes_checked > 0
}

fn looks_like_node(b: &[u8]) -> bool {
    let (mut name, mut op) = (false, false);
    for f in Fields::new(b, 0) {
        let Ok(f) = f else { return false };
        match (f.number, f.value) {
            (1, Value::Len(n)) => name = !n.is_empty(),
            (2, Value::Len(o)) => op = is_op_name(o),
            (3..=7, Value::Len(_)) => {}
            (1..=7, _) => return false,
            _ => {}
        }
    }
    name && op
}

/// TensorFlow op names are identifiers: `[A-Za-z_][A-Za-z0-9_>.]*`.
fn is_op_name(b: &[u8]) -> bool {
    matches!(b.first(), Some(c) if c.is_ascii_alphabetic() || *c == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'>' | b'.'))
}

/// SavedMetadata (`keras_metadata.pb`): only field 1, SavedObjects whose fields are node_id
/// (2, varint), node_path, identifier, metadata (3..=5) and version (6), with at least one
/// identifier naming a Keras object.
fn sniff_keras_metadata(data: &[u8]) -> bool {
    let mut keras = false;
    let mut checked = 0;
    for f in Fields::new(data, 0) {
        let Ok(f) = f else { return false };
        let (1, Value::Len(b)) = (f.number, f.value) else {
            return false;
        };
        if checked == 16 {
            continue;
        }
        checked += 1;
        for g in Fields::new(b, 0) {
            let Ok(g) = g else { return false };
            match (g.number, g.value) {
                (2, Value::Varint(_)) | (3 | 5 | 6, Value::Len(_)) => {}
                (4, Value::Len(id)) => keras |= id.starts_with(b"_tf_keras"),
                _ => return false,
            }
        }
    }
    keras
}

/// FingerprintDef: hashes in fields 1..=5 (varints, at least three present) and a VersionDef
/// in 6.
fn sniff_fingerprint(data: &[u8]) -> bool {
    let mut seen = [false; 5];
    for f in Fields::new(data, 0) {
        let Ok(f) = f else { return false };
        match (f.number, f.value) {
            (n @ 1..=5, Value::Varint(_)) => seen[n as usize - 1] = true,
            (6, Value::Len(_)) => {}
            _ => return false,
        }
    }
    seen.iter().filter(|s| **s).count() >= 3
}

/// One NodeDef, reduced to what the policy needs.
#[derive(Debug, Default)]
struct Node<'a> {
    name: &'a [u8],
    op: &'a [u8],
    inputs: Vec<&'a [u8]>,
    /// (top-level attribute name, string) for every string an attribute holds: `s`, list `s`,
    /// string tensor values, nested function attributes.
    strings: Vec<(&'a [u8], &'a [u8])>,
    /// More strings than [`MAX_NODE_STRINGS`] were present.
    strings_truncated: bool,
    /// Functions named by attributes (`func`, list `func`, nested).
    funcs: Vec<&'a [u8]>,
    offset: u64,
}

impl<'a> Node<'a> {
    fn attr_strings<'s>(&'s self, key: &'s [u8]) -> impl Iterator<Item = &'a [u8]> + 's {
        self.strings
            .iter()
            .filter(move |(k, _)| *k == key)
            .map(|(_, v)| *v)
    }
}

#[derive(Debug, Default)]
struct Function<'a> {
    name: &'a [u8],
    /// Input argument names, in order.
    args: Vec<&'a [u8]>,
    nodes: Vec<Node<'a>>,
}

#[derive(Debug, Default)]
struct Graph<'a> {
    nodes: Vec<Node<'a>>,
    functions: Vec<Function<'a>>,
}

#[derive(Debug, Default)]
struct MetaGraph<'a> {
    graph: Graph<'a>,
    filename_tensor: Option<&'a [u8]>,
    /// Asset file names and where they are.
    assets: Vec<(&'a [u8], u64)>,
}

/// Decoding state: the node budget.
#[derive(Debug, Default)]
struct Budget {
    nodes: u64,
    exhausted: bool,
}

impl Budget {
    fn take_node(&mut self, ctx: &mut Ctx<'_>, offset: u64) -> bool {
        if self.exhausted {
            return false;
        }
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            self.exhausted = true;
            ctx.problem(
                ProblemKind::LimitExceeded,
                Some(offset),
                format!("more than {MAX_NODES} graph nodes; the rest are not checked"),
            );
            return false;
        }
        true
    }
}

fn too_deep(ctx: &mut Ctx<'_>, depth: u32, offset: u64) -> bool {
    if depth > MAX_DEPTH {
        ctx.problem(
            ProblemKind::LimitExceeded,
            Some(offset),
            format!("protobuf nesting deeper than {MAX_DEPTH} levels; the rest is not checked"),
        );
        return true;
    }
    false
}

/// Scans a TensorFlow protobuf.
pub(crate) fn scan(ctx: &mut Ctx<'_>, data: &[u8]) {
    let Some(kind) = kind(data) else {
        // Reached only when driven directly (fuzzing): treat the bytes as a SavedModel.
        ctx.note_format(Kind::SavedModel.name());
        scan_saved_model(ctx, data);
        return;
    };
    ctx.note_format(kind.name());
    match kind {
        Kind::SavedModel => scan_saved_model(ctx, data),
        Kind::GraphDef => scan_graph_def(ctx, data),
        Kind::KerasMetadata => scan_keras_metadata(ctx, data),
        Kind::Fingerprint => {}
        Kind::SavedModelText => scan_text(ctx, data, TextKind::SavedModel),
        Kind::GraphDefText => scan_text(ctx, data, TextKind::GraphDef),
    }
}

/// Scans a text SavedModel or GraphDef: transcodes it to the wire format, runs the binary
/// reader on that, and moves the offsets of what it reported back into the text.
pub(crate) fn scan_text(ctx: &mut Ctx<'_>, text: &[u8], kind: TextKind) {
    let root = match kind {
        TextKind::SavedModel => &textproto::SAVED_MODEL,
        TextKind::GraphDef => &textproto::GRAPH_DEF,
    };
    let t = textproto::transcode(text, root);
    let (findings, problems) = (ctx.state.findings.len(), ctx.state.problems.len());
    match kind {
        TextKind::SavedModel => scan_saved_model(ctx, &t.bytes),
        TextKind::GraphDef => scan_graph_def(ctx, &t.bytes),
    }
    // Offsets at this level are offsets into the transcoded bytes; members (metadata JSON)
    // keep their own.
    let here = ctx.loc(None).chain;
    let located = ctx.state.findings[findings..]
        .iter_mut()
        .map(|f| &mut f.location)
        .chain(
            ctx.state.problems[problems..]
                .iter_mut()
                .map(|p| &mut p.location),
        );
    for loc in located {
        if loc.chain == here {
            loc.offset = loc.offset.map(|o| t.text_offset(o));
        }
    }
    // A text file can be a valid text protobuf and a Jinja template at once (a chat template
    // named `chat_template.jinja` that starts with `node {`): the template reader sees it too.
    if super::template::sniff(text) {
        super::template::scan(ctx, text);
    }
    if let Some(e) = &t.error {
        let (line, col) = e.line_col(text);
        ctx.problem(
            ProblemKind::Malformed,
            Some(e.offset as u64),
            format!(
                "text protobuf, line {line} column {col}: {}; the rest is not checked (TensorFlow refuses such a file)",
                e.message
            ),
        );
    }
}

fn scan_graph_def(ctx: &mut Ctx<'_>, data: &[u8]) {
    let mut budget = Budget::default();
    let mut meta = MetaGraph::default();
    decode_graph(ctx, &mut budget, data, 0, &mut meta.graph);
    let mut caps = Caps::default();
    analyse(ctx, &mut caps, &meta);
    caps.finish(ctx);
}

fn scan_saved_model(ctx: &mut Ctx<'_>, data: &[u8]) {
    let mut budget = Budget::default();
    let mut metas = Vec::new();
    walk(ctx, "SavedModel", Fields::new(data, 0), |ctx, f| {
        if let (2, Value::Len(b)) = (f.number, f.value) {
            metas.push(decode_meta_graph(ctx, &mut budget, b, f.offset));
        }
    });
    let mut caps = Caps::default();
    for meta in &metas {
        analyse(ctx, &mut caps, meta);
    }
    caps.finish(ctx);
}

fn decode_meta_graph<'a>(
    ctx: &mut Ctx<'_>,
    budget: &mut Budget,
    data: &'a [u8],
    base: u64,
) -> MetaGraph<'a> {
    let mut meta = MetaGraph::default();
    walk(
        ctx,
        "MetaGraphDef",
        Fields::new(data, base),
        |ctx, f| match (f.number, f.value) {
            // A singular message field that occurs twice is merged by protobuf parsers: decoding
            // every occurrence into the same graph covers what a loader sees.
            (2, Value::Len(b)) => decode_graph(ctx, budget, b, f.offset, &mut meta.graph),
            (3, Value::Len(b)) => walk(ctx, "SaverDef", Fields::new(b, f.offset), |_, g| {
                if let (1, Value::Len(name)) = (g.number, g.value) {
                    meta.filename_tensor = Some(name);
                }
            }),
            (6, Value::Len(b)) => walk(ctx, "AssetFileDef", Fields::new(b, f.offset), |_, g| {
                if let (2, Value::Len(name)) = (g.number, g.value) {
                    meta.assets.push((name, g.offset));
                }
            }),
            (7, Value::Len(b)) => scan_object_graph(ctx, b, f.offset),
            _ => {}
        },
    );
    meta
}

fn decode_graph<'a>(
    ctx: &mut Ctx<'_>,
    budget: &mut Budget,
    data: &'a [u8],
    base: u64,
    graph: &mut Graph<'a>,
) {
    walk(ctx, "GraphDef", Fields::new(data, base), |ctx, f| {
        match (f.number, f.value) {
            (1, Value::Len(b)) if budget.take_node(ctx, f.offset) => {
                graph.nodes.push(decode_node(ctx, b, f.offset));
            }
            (2, Value::Len(b)) => walk(
                ctx,
                "FunctionDefLibrary",
                Fields::new(b, f.offset),
                |ctx, g| {
                    if let (1, Value::Len(fd)) = (g.number, g.value) {
                        graph
                            .functions
                            .push(decode_function(ctx, budget, fd, g.offset));
                    }
                },
            ),
            _ => {}
        }
    });
}

fn decode_function<'a>(
    ctx: &mut Ctx<'_>,
    budget: &mut Budget,
    data: &'a [u8],
    base: u64,
) -> Function<'a> {
    let mut func = Function::default();
    walk(
        ctx,
        "FunctionDef",
        Fields::new(data, base),
        |ctx, f| match (f.number, f.value) {
            (1, Value::Len(sig)) => {
                walk(ctx, "OpDef", Fields::new(sig, f.offset), |ctx, g| {
                    match (g.number, g.value) {
                        (1, Value::Len(name)) => func.name = name,
                        (2, Value::Len(arg)) => {
                            walk(ctx, "ArgDef", Fields::new(arg, g.offset), |_, a| {
                                if let (1, Value::Len(name)) = (a.number, a.value) {
                                    func.args.push(name);
                                }
                            })
                        }
                        _ => {}
                    }
                })
            }
            (3, Value::Len(b)) if budget.take_node(ctx, f.offset) => {
                func.nodes.push(decode_node(ctx, b, f.offset));
            }
            _ => {}
        },
    );
    func
}

fn decode_node<'a>(ctx: &mut Ctx<'_>, data: &'a [u8], base: u64) -> Node<'a> {
    let mut node = Node {
        offset: base,
        ..Node::default()
    };
    walk(ctx, "NodeDef", Fields::new(data, base), |ctx, f| {
        match (f.number, f.value) {
            (1, Value::Len(b)) => node.name = b,
            (2, Value::Len(b)) => node.op = b,
            (3, Value::Len(b)) => node.inputs.push(b),
            (5, Value::Len(b)) => decode_attr_entry(ctx, b, f.offset, 1, None, &mut node),
            _ => {}
        }
    });
    node
}

/// A `map<string, AttrValue>` entry. `top` is the top-level attribute name once known, so
/// strings in nested function attributes are filed under the node attribute holding them.
fn decode_attr_entry<'a>(
    ctx: &mut Ctx<'_>,
    data: &'a [u8],
    base: u64,
    depth: u32,
    top: Option<&'a [u8]>,
    node: &mut Node<'a>,
) {
    if too_deep(ctx, depth, base) {
        return;
    }
    let mut key: &[u8] = b"";
    let mut value = None;
    walk(
        ctx,
        "AttrValue map entry",
        Fields::new(data, base),
        |_, f| match (f.number, f.value) {
            (1, Value::Len(k)) => key = k,
            (2, Value::Len(v)) => value = Some((v, f.offset)),
            _ => {}
        },
    );
    if let Some((v, off)) = value {
        decode_attr_value(ctx, v, off, depth + 1, top.unwrap_or(key), node);
    }
}

fn push_string<'a>(node: &mut Node<'a>, key: &'a [u8], s: &'a [u8]) {
    if node.strings.len() < MAX_NODE_STRINGS {
        node.strings.push((key, s));
    } else {
        node.strings_truncated = true;
    }
}

/// AttrValue: `list` (1), `s` (2), `tensor` (8), `placeholder` (9), `func` (10).
fn decode_attr_value<'a>(
    ctx: &mut Ctx<'_>,
    data: &'a [u8],
    base: u64,
    depth: u32,
    key: &'a [u8],
    node: &mut Node<'a>,
) {
    if too_deep(ctx, depth, base) {
        return;
    }
    walk(ctx, "AttrValue", Fields::new(data, base), |ctx, f| {
        match (f.number, f.value) {
            (2, Value::Len(s)) => push_string(node, key, s),
            (8, Value::Len(t)) => decode_tensor_strings(ctx, t, f.offset, key, node),
            (10, Value::Len(n)) => decode_name_attr_list(ctx, n, f.offset, depth + 1, key, node),
            (1, Value::Len(list)) => walk(
                ctx,
                "AttrValue.ListValue",
                Fields::new(list, f.offset),
                |ctx, g| match (g.number, g.value) {
                    (2, Value::Len(s)) => push_string(node, key, s),
                    (8, Value::Len(t)) => decode_tensor_strings(ctx, t, g.offset, key, node),
                    (9, Value::Len(n)) => {
                        decode_name_attr_list(ctx, n, g.offset, depth + 1, key, node)
                    }
                    _ => {}
                },
            ),
            _ => {}
        }
    });
}

/// TensorProto `string_val` (8).
fn decode_tensor_strings<'a>(
    ctx: &mut Ctx<'_>,
    data: &'a [u8],
    base: u64,
    key: &'a [u8],
    node: &mut Node<'a>,
) {
    walk(ctx, "TensorProto", Fields::new(data, base), |_, f| {
        if let (8, Value::Len(s)) = (f.number, f.value) {
            push_string(node, key, s);
        }
    });
}

/// NameAttrList: the function `name` (1) and its own attributes (2).
fn decode_name_attr_list<'a>(
    ctx: &mut Ctx<'_>,
    data: &'a [u8],
    base: u64,
    depth: u32,
    key: &'a [u8],
    node: &mut Node<'a>,
) {
    if too_deep(ctx, depth, base) {
        return;
    }
    walk(
        ctx,
        "NameAttrList",
        Fields::new(data, base),
        |ctx, f| match (f.number, f.value) {
            (1, Value::Len(name)) => node.funcs.push(name),
            (2, Value::Len(entry)) => {
                decode_attr_entry(ctx, entry, f.offset, depth + 1, Some(key), node)
            }
            _ => {}
        },
    );
}

/// SavedObjectGraph: Keras objects of TF2 SavedModels keep their layer configuration as JSON
/// in `SavedUserObject.metadata`; it goes to the JSON reader.
fn scan_object_graph(ctx: &mut Ctx<'_>, data: &[u8], base: u64) {
    let mut metadata = Vec::new();
    walk(
        ctx,
        "SavedObjectGraph",
        Fields::new(data, base),
        |ctx, f| {
            let (1, Value::Len(obj)) = (f.number, f.value) else {
                return;
            };
            walk(ctx, "SavedObject", Fields::new(obj, f.offset), |ctx, g| {
                let (4, Value::Len(user)) = (g.number, g.value) else {
                    return;
                };
                let mut identifier: &[u8] = b"";
                let mut meta: &[u8] = b"";
                walk(
                    ctx,
                    "SavedUserObject",
                    Fields::new(user, g.offset),
                    |_, h| match (h.number, h.value) {
                        (1, Value::Len(id)) => identifier = id,
                        (3, Value::Len(m)) => meta = m,
                        _ => {}
                    },
                );
                if !meta.is_empty() {
                    metadata.push((identifier, meta));
                }
            });
        },
    );
    scan_metadata_members(ctx, "object_graph/", metadata);
}

/// `keras_metadata.pb`: each SavedObject's `metadata` (5) is a Keras layer configuration.
fn scan_keras_metadata(ctx: &mut Ctx<'_>, data: &[u8]) {
    let mut metadata = Vec::new();
    walk(ctx, "SavedMetadata", Fields::new(data, 0), |ctx, f| {
        let (1, Value::Len(obj)) = (f.number, f.value) else {
            return;
        };
        let mut path: &[u8] = b"";
        let mut meta: &[u8] = b"";
        walk(
            ctx,
            "SavedObject",
            Fields::new(obj, f.offset),
            |_, g| match (g.number, g.value) {
                (3, Value::Len(p)) => path = p,
                (5, Value::Len(m)) => meta = m,
                _ => {}
            },
        );
        if !meta.is_empty() {
            metadata.push((path, meta));
        }
    });
    scan_metadata_members(ctx, "", metadata);
}

/// Scans each (name, metadata blob) as a member `<prefix><i>/<name>/metadata`; the
/// archive-entry budget bounds how many are read.
fn scan_metadata_members(ctx: &mut Ctx<'_>, prefix: &str, metadata: Vec<(&[u8], &[u8])>) {
    for (i, (name, meta)) in metadata.into_iter().enumerate() {
        if !ctx.charge_entry() {
            break;
        }
        let member = format!("{prefix}{i}/{}/metadata", display(name, 64));
        ctx.scan_member(&member, meta);
    }
}

/// What the op policy says about an op.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Risk {
    Python,
    File(Severity, &'static str),
    Print,
    Debug {
        always: bool,
    },
    Checkpoint {
        severity: Severity,
        path_operands: &'static [usize],
    },
}

fn classify(op: &[u8]) -> Option<Risk> {
    use Severity::{Critical, High};
    Some(match op {
        b"PyFunc" | b"PyFuncStateless" | b"EagerPyFunc" => Risk::Python,
        b"ReadFile" => Risk::File(Critical, "reads a file"),
        b"WriteFile" => Risk::File(Critical, "writes a file"),
        b"ImmutableConst" => Risk::File(Critical, "memory-maps a file region"),
        b"DatasetToTFRecord" | b"ExperimentalDatasetToTFRecord" => {
            Risk::File(Critical, "writes a TFRecord file")
        }
        b"MatchingFiles" => Risk::File(High, "lists files matching a pattern"),
        b"WholeFileReader"
        | b"WholeFileReaderV2"
        | b"TextLineReader"
        | b"TextLineReaderV2"
        | b"FixedLengthRecordReader"
        | b"FixedLengthRecordReaderV2"
        | b"TFRecordReader"
        | b"TFRecordReaderV2"
        | b"LMDBReader" => Risk::File(High, "reads files named at run time"),
        b"TFRecordDataset"
        | b"TFRecordDatasetV2"
        | b"TextLineDataset"
        | b"FixedLengthRecordDataset"
        | b"FixedLengthRecordDatasetV2"
        | b"CSVDataset"
        | b"CSVDatasetV2"
        | b"ExperimentalCSVDataset"
        | b"LMDBDataset"
        | b"ExperimentalLMDBDataset"
        | b"SqlDataset"
        | b"ExperimentalSqlDataset" => Risk::File(High, "reads files named in the graph"),
        b"SaveDataset"
        | b"SaveDatasetV2"
        | b"SnapshotDataset"
        | b"SnapshotDatasetV2"
        | b"CreateSummaryFileWriter"
        | b"CreateSummaryDbWriter" => Risk::File(High, "writes files"),
        b"PrintV2" => Risk::Print,
        b"DebugIdentityV2" | b"DebugIdentityV3" => Risk::Debug { always: true },
        b"DebugIdentity" | b"DebugNanCount" | b"DebugNumericSummary" => {
            Risk::Debug { always: false }
        }
        b"SaveV2" | b"Save" | b"SaveSlices" => Risk::Checkpoint {
            severity: Critical,
            path_operands: &[0],
        },
        b"MergeV2Checkpoints" => Risk::Checkpoint {
            severity: Critical,
            path_operands: &[0, 1],
        },
        b"RestoreV2" | b"Restore" | b"RestoreSlice" => Risk::Checkpoint {
            severity: High,
            path_operands: &[0],
        },
        _ => return None,
    })
}

/// `PrintV2.output_stream` values that do not touch the file system.
const STANDARD_STREAMS: &[&[u8]] = &[
    b"stderr",
    b"stdout",
    b"log(info)",
    b"log(warning)",
    b"log(error)",
];

/// Ops a saver's filename flows through on its way to a checkpoint op.
const PATH_PLUMBING: &[&[u8]] = &[
    b"Identity",
    b"StringJoin",
    b"ShardedFilename",
    b"Pack",
    b"Select",
    b"SelectV2",
    b"StaticRegexFullMatch",
];

/// The producer named by an input reference: `^ctrl` is a control edge (None), `node:1` and
/// `node:output:0` name `node`.
fn producer(input: &[u8]) -> Option<&[u8]> {
    if input.first() == Some(&b'^') {
        return None;
    }
    Some(input.split(|&c| c == b':').next().unwrap_or(input))
}

/// Whether every path from `start` leads, through string plumbing and harmless constants, to
/// a node for which `is_source` holds, and at least one does.
fn traces_to_source<'a>(
    start: &'a [u8],
    nodes: &HashMap<&'a [u8], &Node<'a>>,
    is_source: &dyn Fn(&[u8]) -> bool,
    budget: &Cell<usize>,
) -> bool {
    let mut queue = vec![start];
    let mut seen: HashSet<&[u8]> = HashSet::new();
    let mut found = false;
    while let Some(input) = queue.pop() {
        let Some(name) = producer(input) else {
            continue;
        };
        if !seen.insert(name) {
            continue;
        }
        if seen.len() > MAX_TRACE || budget.get() == 0 {
            return false;
        }
        budget.set(budget.get() - 1);
        if is_source(name) {
            found = true;
            continue;
        }
        let Some(node) = nodes.get(name) else {
            return false;
        };
        if node.op == b"Const" {
            let harmful = node.strings_truncated
                || node.strings.iter().any(|(_, s)| {
                    s.windows(2).any(|w| w == b"..") || matches!(s.first(), Some(b'/' | b'\\'))
                });
            if harmful {
                return false;
            }
        } else if PATH_PLUMBING.contains(&node.op) {
            queue.extend(node.inputs.iter().copied());
        } else {
            return false;
        }
    }
    found
}

/// Whether `name` is a TF1 saver scope: `save` or `save_N`.
fn is_saver_scope(name: &[u8]) -> bool {
    match name.strip_prefix(b"save") {
        Some([]) => true,
        Some([b'_', rest @ ..]) => !rest.is_empty() && rest.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// Where a node sits, for messages.
#[derive(Debug, Clone, Copy)]
enum Place<'a> {
    Graph,
    Function(&'a [u8]),
}

impl Place<'_> {
    fn describe(self) -> String {
        match self {
            Place::Graph => "the graph".to_string(),
            Place::Function(f) => format!("function `{}`", display(f, 120)),
        }
    }
}

fn analyse(ctx: &mut Ctx<'_>, caps: &mut Caps, meta: &MetaGraph<'_>) {
    let graph = &meta.graph;
    let main: HashMap<&[u8], &Node<'_>> = graph.nodes.iter().map(|n| (n.name, n)).collect();
    let filename = meta.filename_tensor.and_then(producer);
    let is_source = |name: &[u8]| -> bool {
        if Some(name) == filename {
            return true;
        }
        let Some(node) = main.get(name) else {
            return false;
        };
        if !matches!(node.op, b"Placeholder" | b"PlaceholderWithDefault") {
            return false;
        }
        if name == b"saver_filename" {
            return true;
        }
        match name.iter().rposition(|&c| c == b'/') {
            Some(i) => {
                is_saver_scope(&name[..i]) && matches!(&name[i + 1..], b"Const" | b"filename")
            }
            None => false,
        }
    };

    // Saver functions: called with the saver filename, named like TF2's traced save/restore,
    // or called from another saver function.
    let mut saver_fns: HashSet<&[u8]> = HashSet::new();
    for node in &graph.nodes {
        if node
            .inputs
            .iter()
            .filter_map(|i| producer(i))
            .any(is_source)
        {
            saver_fns.extend(node.funcs.iter().copied());
        }
    }
    for f in &graph.functions {
        if [&b"_traced_save_"[..], b"_traced_restore_"]
            .iter()
            .any(|p| f.name.windows(p.len()).any(|w| w == *p))
        {
            saver_fns.insert(f.name);
        }
    }
    let by_name: HashMap<&[u8], &Function<'_>> =
        graph.functions.iter().map(|f| (f.name, f)).collect();
    let mut work: Vec<&[u8]> = saver_fns.iter().copied().collect();
    while let Some(name) = work.pop() {
        let Some(f) = by_name.get(name) else { continue };
        for callee in f.nodes.iter().flat_map(|n| n.funcs.iter()) {
            if saver_fns.insert(callee) {
                work.push(callee);
            }
        }
    }

    let budget = Cell::new(MAX_TRACE_TOTAL);
    for node in &graph.nodes {
        check_node(ctx, caps, node, Place::Graph, &|start| {
            traces_to_source(start, &main, &is_source, &budget)
        });
    }
    for f in &graph.functions {
        let local: HashMap<&[u8], &Node<'_>> = f.nodes.iter().map(|n| (n.name, n)).collect();
        let first_arg = f.args.first().copied();
        let is_arg = |name: &[u8]| Some(name) == first_arg;
        let saver = saver_fns.contains(f.name);
        for node in &f.nodes {
            check_node(ctx, caps, node, Place::Function(f.name), &|start| {
                saver && traces_to_source(start, &local, &is_arg, &budget)
            });
        }
    }
    if budget.get() == 0 {
        ctx.problem(
            ProblemKind::LimitExceeded,
            None,
            format!(
                "tracing checkpoint paths visited more than {MAX_TRACE_TOTAL} nodes; later checkpoint ops are reported without a trace"
            ),
        );
    }

    for &(asset, offset) in &meta.assets {
        if let Some((reason, severity)) = path_risk(asset) {
            caps.report(
                ctx,
                &rules::asset_path_escape::RULE,
                severity,
                Some(offset),
                format!("asset file name {reason}; the loader resolves it outside the SavedModel's assets directory"),
                Some(display(asset, 200)),
            );
        }
    }
}

/// Findings of one rule reported individually per file before the rest are summed up in one:
/// a graph with a million `ReadFile` nodes needs one finding per kind, not a million.
const MAX_REPORTS_PER_RULE: u64 = 16;

/// Per-file report counts, for [`MAX_REPORTS_PER_RULE`].
#[derive(Debug, Default)]
struct Caps {
    counts: HashMap<&'static str, (u64, &'static Rule, Severity)>,
}

impl Caps {
    fn report(
        &mut self,
        ctx: &mut Ctx<'_>,
        rule: &'static Rule,
        severity: Severity,
        offset: Option<u64>,
        message: String,
        evidence: Option<String>,
    ) {
        let c = self.counts.entry(rule.code).or_insert((0, rule, severity));
        c.0 += 1;
        c.2 = c.2.max(severity);
        if c.0 <= MAX_REPORTS_PER_RULE {
            ctx.report_with(rule, severity, Confidence::High, offset, message, evidence);
        }
    }

    fn finish(self, ctx: &mut Ctx<'_>) {
        let mut over: Vec<_> = self
            .counts
            .into_values()
            .filter(|c| c.0 > MAX_REPORTS_PER_RULE)
            .collect();
        over.sort_by_key(|c| c.1.code);
        for (n, rule, severity) in over {
            ctx.report_with(
                rule,
                severity,
                Confidence::High,
                None,
                format!("{} more nodes of this kind", n - MAX_REPORTS_PER_RULE),
                Some(format!("{n} in total")),
            );
        }
    }
}

fn check_node(
    ctx: &mut Ctx<'_>,
    caps: &mut Caps,
    node: &Node<'_>,
    place: Place<'_>,
    in_saver: &dyn Fn(&[u8]) -> bool,
) {
    let Some(risk) = classify(node.op) else {
        return;
    };
    let op = display(node.op, 80);
    let name = display(node.name, 120);
    let at = place.describe();
    let offset = Some(node.offset);
    match risk {
        Risk::Python => caps.report(
            ctx,
            &rules::python_op::RULE,
            rules::python_op::RULE.severity,
            offset,
            format!("`{op}` node `{name}` in {at} calls back into Python when the graph runs"),
            Some(op.clone()),
        ),
        Risk::File(severity, what) => caps.report(
            ctx,
            &rules::file_access_op::RULE,
            severity,
            offset,
            format!("`{op}` node `{name}` in {at} {what}"),
            Some(op.clone()),
        ),
        Risk::Print => {
            let Some(stream) = node
                .attr_strings(b"output_stream")
                .find(|s| !STANDARD_STREAMS.contains(s))
            else {
                return;
            };
            caps.report(
                ctx,
                &rules::print_to_file::RULE,
                rules::print_to_file::RULE.severity,
                offset,
                format!(
                    "`PrintV2` node `{name}` in {at} prints to `{}` instead of a standard stream",
                    display(stream, 200)
                ),
                Some(display(stream, 200)),
            );
        }
        Risk::Debug { always } => {
            let urls: Vec<String> = node
                .attr_strings(b"debug_urls")
                .map(|u| display(u, 200))
                .collect();
            if !always && urls.is_empty() {
                return;
            }
            let to = if urls.is_empty() {
                String::from("a debug dump root")
            } else {
                urls.join(", ")
            };
            caps.report(
                ctx,
                &rules::debug_dump_op::RULE,
                rules::debug_dump_op::RULE.severity,
                offset,
                format!("`{op}` node `{name}` in {at} dumps tensors to {to}"),
                Some(op.clone()),
            );
        }
        Risk::Checkpoint {
            severity,
            path_operands,
        } => {
            let operands: Vec<&[u8]> = path_operands
                .iter()
                .filter_map(|&i| node.inputs.get(i).copied())
                .collect();
            if !operands.is_empty() && operands.iter().all(|o| in_saver(o)) {
                return;
            }
            caps.report(
                ctx,
                &rules::checkpoint_op_outside_saver::RULE,
                severity,
                offset,
                format!(
                    "`{op}` node `{name}` in {at} reads or writes checkpoint files at a path that does not come from the saver's filename"
                ),
                Some(op.clone()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::protobuf::write::Msg;
    use super::*;
    use crate::limits::Limits;
    use crate::policy::Policy;
    use proptest::prelude::*;

    fn node(name: &str, op: &str, inputs: &[&str], attrs: &[(&str, Msg)]) -> Msg {
        let mut m = Msg::new().str(1, name).str(2, op);
        for i in inputs {
            m = m.str(3, i);
        }
        for (k, v) in attrs {
            m = m.msg(5, &Msg::new().str(1, k).msg(2, v));
        }
        m
    }

    fn s(v: &str) -> Msg {
        Msg::new().str(2, v)
    }

    fn function(name: &str, args: &[&str], nodes: &[Msg]) -> Msg {
        let mut sig = Msg::new().str(1, name);
        for a in args {
            sig = sig.msg(2, &Msg::new().str(1, a));
        }
        let mut f = Msg::new().msg(1, &sig);
        for n in nodes {
            f = f.msg(3, n);
        }
        f
    }

    fn saved_model(nodes: &[Msg], functions: &[Msg], saver_filename: Option<&str>) -> Vec<u8> {
        let mut g = Msg::new();
        for n in nodes {
            g = g.msg(1, n);
        }
        if !functions.is_empty() {
            let mut lib = Msg::new();
            for f in functions {
                lib = lib.msg(1, f);
            }
            g = g.msg(2, &lib);
        }
        g = g.msg(4, &Msg::new().uint(1, 1882));
        let mut mg = Msg::new().msg(1, &Msg::new().str(4, "serve")).msg(2, &g);
        if let Some(f) = saver_filename {
            mg = mg.msg(3, &Msg::new().str(1, f));
        }
        Msg::new().uint(1, 1).msg(2, &mg).0
    }

    fn codes(data: &[u8]) -> Vec<(&'static str, Severity)> {
        let limits = Limits::default();
        let policy = Policy::default();
        let mut ctx = Ctx::new(&limits, &policy, "saved_model.pb".into());
        assert!(sniff(data), "not recognised as a TensorFlow protobuf");
        scan(&mut ctx, data);
        assert!(ctx.state.problems.is_empty(), "{:?}", ctx.state.problems);
        ctx.state
            .findings
            .iter()
            .map(|f| (f.rule, f.severity))
            .collect()
    }

    fn tf1_saver() -> Vec<Msg> {
        let str_const = |name: &str, v: &str| {
            node(
                name,
                "Const",
                &[],
                &[("value", Msg::new().msg(8, &Msg::new().uint(1, 7).str(8, v)))],
            )
        };
        vec![
            node("w", "VariableV2", &[], &[]),
            str_const("save/filename/input", "model"),
            node(
                "save/filename",
                "PlaceholderWithDefault",
                &["save/filename/input"],
                &[],
            ),
            node(
                "save/Const",
                "PlaceholderWithDefault",
                &["save/filename"],
                &[],
            ),
            str_const("save/StringJoin/inputs_1", "_temp_6f1e/part"),
            node(
                "save/StringJoin",
                "StringJoin",
                &["save/Const", "save/StringJoin/inputs_1"],
                &[],
            ),
            node("save/num_shards", "Const", &[], &[]),
            node("save/ShardedFilename/shard", "Const", &[], &[]),
            node(
                "save/ShardedFilename",
                "ShardedFilename",
                &[
                    "save/StringJoin",
                    "save/ShardedFilename/shard",
                    "save/num_shards",
                ],
                &[],
            ),
            node(
                "save/SaveV2",
                "SaveV2",
                &[
                    "save/ShardedFilename",
                    "save/SaveV2/tensor_names",
                    "save/SaveV2/shape_and_slices",
                    "w",
                ],
                &[],
            ),
            node(
                "save/MergeV2Checkpoints/checkpoint_prefixes",
                "Pack",
                &["save/ShardedFilename", "^save/control_dependency"],
                &[],
            ),
            node(
                "save/MergeV2Checkpoints",
                "MergeV2Checkpoints",
                &["save/MergeV2Checkpoints/checkpoint_prefixes", "save/Const"],
                &[],
            ),
            node(
                "save/RestoreV2",
                "RestoreV2",
                &[
                    "save/Const",
                    "save/RestoreV2/tensor_names",
                    "save/RestoreV2/shape_and_slices",
                ],
                &[],
            ),
            node("save/Assign", "Assign", &["w", "save/RestoreV2"], &[]),
        ]
    }

    fn tf2_saver() -> (Vec<Msg>, Vec<Msg>) {
        let call = |name: &str, f: &str| {
            node(
                name,
                "StatefulPartitionedCall",
                &["saver_filename", "w"],
                &[("f", Msg::new().msg(10, &Msg::new().str(1, f)))],
            )
        };
        let nodes = vec![
            node("saver_filename", "Placeholder", &[], &[]),
            node("w", "VarHandleOp", &[], &[]),
            call("StatefulPartitionedCall_1", "__inference__traced_save_123"),
            call(
                "StatefulPartitionedCall_2",
                "__inference__traced_restore_456",
            ),
        ];
        let save = function(
            "__inference__traced_save_123",
            &["file_prefix", "savev2_w"],
            &[
                node(
                    "StaticRegexFullMatch",
                    "StaticRegexFullMatch",
                    &["file_prefix"],
                    &[],
                ),
                node(
                    "Const",
                    "Const",
                    &[],
                    &[("value", Msg::new().msg(8, &Msg::new().str(8, ".part")))],
                ),
                node(
                    "Const_1",
                    "Const",
                    &[],
                    &[("value", Msg::new().msg(8, &Msg::new().str(8, "_temp/part")))],
                ),
                node(
                    "Select",
                    "Select",
                    &[
                        "StaticRegexFullMatch:output:0",
                        "Const:output:0",
                        "Const_1:output:0",
                    ],
                    &[],
                ),
                node(
                    "StringJoin",
                    "StringJoin",
                    &["file_prefix", "Select:output:0"],
                    &[],
                ),
                node("num_shards", "Const", &[], &[]),
                node(
                    "ShardedFilename",
                    "ShardedFilename",
                    &["StringJoin:output:0", "num_shards:output:0"],
                    &[],
                ),
                node(
                    "SaveV2",
                    "SaveV2",
                    &[
                        "ShardedFilename:filename:0",
                        "SaveV2/tensor_names:output:0",
                        "savev2_w",
                    ],
                    &[],
                ),
                node(
                    "MergeV2Checkpoints/checkpoint_prefixes",
                    "Pack",
                    &["ShardedFilename:filename:0", "^SaveV2"],
                    &[],
                ),
                node(
                    "MergeV2Checkpoints",
                    "MergeV2Checkpoints",
                    &[
                        "MergeV2Checkpoints/checkpoint_prefixes:output:0",
                        "file_prefix",
                    ],
                    &[],
                ),
            ],
        );
        let restore = function(
            "__inference__traced_restore_456",
            &["file_prefix", "assignvariableop_w"],
            &[node(
                "RestoreV2",
                "RestoreV2",
                &["file_prefix", "RestoreV2/tensor_names:output:0"],
                &[],
            )],
        );
        (nodes, vec![save, restore])
    }

    #[test]
    fn standard_savers_are_clean() {
        assert_eq!(
            codes(&saved_model(&tf1_saver(), &[], Some("save/Const:0"))),
            vec![]
        );
        // Without a SaverDef the TF1 scope's placeholders are recognised.
        assert_eq!(codes(&saved_model(&tf1_saver(), &[], None)), vec![]);
        let (nodes, functions) = tf2_saver();
        assert_eq!(
            codes(&saved_model(&nodes, &functions, Some("saver_filename:0"))),
            vec![]
        );
    }

    #[test]
    fn checkpoint_ops_outside_the_saver_are_reported() {
        // A node named into the saver scope whose prefix is a constant path.
        let mut nodes = tf1_saver();
        nodes.push(node(
            "evil_path",
            "Const",
            &[],
            &[(
                "value",
                Msg::new().msg(8, &Msg::new().str(8, "/etc/cron.d/x")),
            )],
        ));
        nodes.push(node(
            "save/SaveV2_1",
            "SaveV2",
            &["evil_path", "save/SaveV2/tensor_names"],
            &[],
        ));
        assert_eq!(
            codes(&saved_model(&nodes, &[], Some("save/Const:0"))),
            vec![("TFS005", Severity::Critical)]
        );

        // A saver-looking function whose prefix does not come from its first argument.
        let (nodes, mut functions) = tf2_saver();
        functions.push(function(
            "__inference__traced_restore_9",
            &["file_prefix"],
            &[
                node(
                    "p",
                    "Const",
                    &[],
                    &[(
                        "value",
                        Msg::new().msg(8, &Msg::new().str(8, "/home/u/.ssh/id_rsa")),
                    )],
                ),
                node("RestoreV2", "RestoreV2", &["p:output:0"], &[]),
            ],
        ));
        assert_eq!(
            codes(&saved_model(&nodes, &functions, None)),
            vec![("TFS005", Severity::High)]
        );

        // A saver function whose plumbing adds `..` to the prefix.
        let (nodes, _) = tf2_saver();
        let f = function(
            "__inference__traced_save_123",
            &["file_prefix"],
            &[
                node("up", "Const", &[], &[("value", s("/../../../tmp/x"))]),
                node(
                    "StringJoin",
                    "StringJoin",
                    &["file_prefix", "up:output:0"],
                    &[],
                ),
                node("SaveV2", "SaveV2", &["StringJoin:output:0"], &[]),
            ],
        );
        assert_eq!(
            codes(&saved_model(&nodes, &[f], None)),
            vec![("TFS005", Severity::Critical)]
        );
    }

    #[test]
    fn risky_ops_in_graph_and_functions() {
        let nodes = vec![
            node("pf", "PyFunc", &["x"], &[("token", s("pyfunc_0"))]),
            node(
                "pr",
                "PrintV2",
                &["x"],
                &[("output_stream", s("file:///tmp/out"))],
            ),
            node("ok", "PrintV2", &["x"], &[("output_stream", s("stderr"))]),
            node("dbg", "DebugIdentityV2", &["x"], &[]),
            node("dbg1", "DebugIdentity", &["x"], &[]),
        ];
        let f = function(
            "__inference_f_1",
            &["a"],
            &[node("rf", "ReadFile", &["a"], &[])],
        );
        // Nested function attributes are walked: a func inside a list inside a func.
        let nested = Msg::new().msg(
            1,
            &Msg::new().msg(
                9,
                &Msg::new()
                    .str(1, "g")
                    .msg(2, &Msg::new().str(1, "inner").msg(2, &s("x"))),
            ),
        );
        let caller = node("call", "PartitionedCall", &[], &[("f", nested)]);
        let mut all = nodes;
        all.push(caller);
        let found = codes(&saved_model(&all, &[f], None));
        assert_eq!(
            found,
            vec![
                ("TFS001", Severity::Critical),
                ("TFS003", Severity::Critical),
                ("TFS004", Severity::Critical),
                ("TFS002", Severity::Critical),
            ]
        );
    }

    #[test]
    fn sniff_tells_formats_apart() {
        let sm = saved_model(&tf1_saver(), &[], None);
        assert_eq!(kind(&sm), Some(Kind::SavedModel));
        // An unknown trailing field, which TensorFlow's parser skips, changes nothing.
        let mut extended = sm.clone();
        extended.extend(Msg::new().str(99, "ignored").0);
        assert_eq!(kind(&extended), Some(Kind::SavedModel));
        let graph = Msg::new()
            .msg(1, &node("x", "Placeholder", &[], &[]))
            .msg(4, &Msg::new().uint(1, 1))
            .0;
        assert_eq!(kind(&graph), Some(Kind::GraphDef));
        let keras = Msg::new()
            .msg(
                1,
                &Msg::new()
                    .str(3, "root")
                    .str(4, "_tf_keras_network")
                    .str(5, "{\"name\": \"m\"}"),
            )
            .0;
        assert_eq!(kind(&keras), Some(Kind::KerasMetadata));
        let fp = Msg::new()
            .uint(1, 11)
            .uint(2, 22)
            .uint(3, 33)
            .uint(4, 44)
            .uint(5, 55)
            .msg(6, &Msg::new().uint(1, 1))
            .0;
        assert_eq!(kind(&fp), Some(Kind::Fingerprint));
        // An ONNX ModelProto: ir_version, producer, graph (7), opset_import (8).
        let onnx = Msg::new()
            .uint(1, 8)
            .str(2, "pytorch")
            .msg(7, &Msg::new())
            .msg(8, &Msg::new().uint(2, 17))
            .0;
        assert_eq!(kind(&onnx), None);
        assert_eq!(kind(b""), None);
        assert_eq!(kind(&[0u8; 16]), None);
    }

    #[test]
    fn asset_paths() {
        let mut mg = Msg::new().msg(2, &Msg::new().msg(1, &node("x", "Placeholder", &[], &[])));
        mg = mg
            .msg(6, &Msg::new().str(2, "vocab.txt"))
            .msg(6, &Msg::new().str(2, "../../etc/passwd"));
        let data = Msg::new().uint(1, 1).msg(2, &mg).0;
        assert_eq!(codes(&data), vec![("TFS006", Severity::Critical)]);
    }

    #[test]
    fn findings_are_capped_per_rule() {
        let nodes: Vec<Msg> = (0..100)
            .map(|i| node(&format!("r{i}"), "ReadFile", &["p"], &[]))
            .collect();
        let found = codes(&saved_model(&nodes, &[], None));
        assert_eq!(found.len(), MAX_REPORTS_PER_RULE as usize + 1);
        assert!(found.iter().all(|f| *f == ("TFS002", Severity::Critical)));
    }

    #[test]
    fn deep_nesting_is_a_problem_not_a_crash() {
        let mut v = s("x");
        for _ in 0..200 {
            v = Msg::new().msg(
                10,
                &Msg::new()
                    .str(1, "f")
                    .msg(2, &Msg::new().str(1, "k").msg(2, &v)),
            );
        }
        let data = saved_model(&[node("n", "PartitionedCall", &[], &[("f", v)])], &[], None);
        let limits = Limits::default();
        let policy = Policy::default();
        let mut ctx = Ctx::new(&limits, &policy, "saved_model.pb".into());
        scan(&mut ctx, &data);
        assert!(
            ctx.state
                .problems
                .iter()
                .any(|p| p.kind == ProblemKind::LimitExceeded)
        );
    }

    /// What a finding says, without where: (rule, severity, message, evidence).
    type FindingKey = (&'static str, Severity, String, Option<String>);

    /// A random graph as (name, op, inputs, string attributes) nodes.
    type TNode = (String, String, Vec<String>, Vec<(String, String)>);

    fn node_strategy() -> impl Strategy<Value = TNode> {
        let op = prop::sample::select(vec![
            "Const",
            "Identity",
            "ReadFile",
            "WriteFile",
            "PyFunc",
            "EagerPyFunc",
            "SaveV2",
            "RestoreV2",
            "MergeV2Checkpoints",
            "PrintV2",
            "MatchingFiles",
            "StringJoin",
            "DebugIdentityV2",
            "PartitionedCall",
        ]);
        let name = prop::sample::select(vec!["a", "b", "save/Const", "saver_filename", "p", "x"]);
        let value = prop::sample::select(vec![
            "/etc/passwd",
            "file:///tmp/x",
            "v\"q'\\",
            "ok",
            "../up",
            "f",
        ]);
        let key = prop::sample::select(vec!["value", "output_stream", "debug_urls", "f", "token"]);
        (
            name.clone().prop_map(String::from),
            op.prop_map(String::from),
            proptest::collection::vec(name.prop_map(String::from), 0..3),
            proptest::collection::vec(
                (key.prop_map(String::from), value.prop_map(String::from)),
                0..3,
            ),
        )
    }

    /// Writes `v` as one or two text literals, each byte plain or escaped as `style` picks.
    fn text_string(v: &str, style: u64) -> String {
        let mut out = String::from("\"");
        for (i, b) in v.bytes().enumerate() {
            let pick = (style >> (2 * (i % 30))) & 3;
            match (pick, b) {
                (_, b'"' | b'\\') | (1, _) => out.push_str(&format!("\\x{b:02x}")),
                (2, _) => out.push_str(&format!("\\{b:o}")),
                (3, _) if i > 0 && b.is_ascii_alphanumeric() => {
                    out.push_str("\" '");
                    out.push(b as char);
                    out.push_str("' \"");
                }
                _ => out.push(b as char),
            }
        }
        out.push('"');
        out
    }

    fn text_node(n: &TNode, style: u64, field: &str) -> String {
        let (open, close) = if style & 1 == 0 {
            ("{", "}")
        } else {
            ("<", ">")
        };
        let colon = if style & 2 == 0 { "" } else { ":" };
        let mut t = format!(
            "{field}{colon} {open}\n # a node\n name: {}\n op: {}\n",
            text_string(&n.0, style >> 2),
            text_string(&n.1, style >> 5)
        );
        if style & 4 != 0 && !n.2.is_empty() {
            let list: Vec<String> = n.2.iter().map(|i| text_string(i, style >> 7)).collect();
            t.push_str(&format!(" input: [{}]\n", list.join(", ")));
        } else {
            for i in &n.2 {
                t.push_str(&format!(" input: {};\n", text_string(i, style >> 7)));
            }
        }
        for (k, v) in &n.3 {
            t.push_str(&format!(
                " attr {{ key: {} value {open} s: {} {close} }}\n",
                text_string(k, 0),
                text_string(v, style >> 9)
            ));
        }
        t.push_str(close);
        t.push('\n');
        t
    }

    fn text_saved_model(nodes: &[TNode], functions: &[(String, Vec<TNode>)], style: u64) -> String {
        let mut g = String::new();
        for n in nodes {
            g.push_str(&text_node(n, style, "node"));
        }
        if !functions.is_empty() {
            g.push_str("library {\n");
            for (name, body) in functions {
                g.push_str(&format!("function {{ signature {{ name: {} input_arg {{ name: \"prefix\" type: DT_STRING }} }}\n", text_string(name, style >> 11)));
                for n in body {
                    g.push_str(&text_node(n, style.rotate_left(7), "node_def"));
                }
                g.push_str("}\n");
            }
            g.push_str("}\n");
        }
        format!(
            "saved_model_schema_version: 1\nmeta_graphs {{\n meta_info_def {{ tags: \"serve\" }}\n graph_def {{\n{g} versions {{ producer: 1882 }}\n }}\n saver_def {{ filename_tensor_name: \"saver_filename:0\" version: V2 }}\n}}\n"
        )
    }

    fn binary_node(n: &TNode) -> Msg {
        let inputs: Vec<&str> = n.2.iter().map(String::as_str).collect();
        let attrs: Vec<(&str, Msg)> = n.3.iter().map(|(k, v)| (k.as_str(), s(v))).collect();
        node(&n.0, &n.1, &inputs, &attrs)
    }

    fn full_findings(name: &str, data: &[u8]) -> (Vec<FindingKey>, usize) {
        let limits = Limits::default();
        let policy = Policy::default();
        let mut ctx = Ctx::new(&limits, &policy, name.into());
        scan(&mut ctx, data);
        let mut v: Vec<_> = ctx
            .state
            .findings
            .iter()
            .map(|f| (f.rule, f.severity, f.message.clone(), f.evidence.clone()))
            .collect();
        v.sort();
        (v, ctx.state.problems.len())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
            crate::fuzzing::run("savedmodel", &data);
        }

        #[test]
        fn text_and_binary_forms_agree(
            nodes in proptest::collection::vec(node_strategy(), 0..6),
            functions in proptest::collection::vec((prop::sample::select(vec!["__inference__traced_save_9", "__inference_f_3"]).prop_map(String::from), proptest::collection::vec(node_strategy(), 0..4)), 0..3),
            style in any::<u64>(),
        ) {
            let bin_nodes: Vec<Msg> = nodes.iter().map(binary_node).collect();
            let bin_functions: Vec<Msg> = functions
                .iter()
                .map(|(name, body)| function(name, &["prefix"], &body.iter().map(binary_node).collect::<Vec<_>>()))
                .collect();
            let binary = saved_model(&bin_nodes, &bin_functions, Some("saver_filename:0"));
            let text = text_saved_model(&nodes, &functions, style);
            prop_assert_eq!(kind(text.as_bytes()), Some(Kind::SavedModelText), "{}", text);
            let (b, bp) = full_findings("saved_model.pb", &binary);
            let (t, tp) = full_findings("saved_model.pbtxt", text.as_bytes());
            prop_assert_eq!(bp, 0);
            prop_assert_eq!(tp, 0, "{}", text);
            prop_assert_eq!(b, t, "{}", text);
        }

        #[test]
        fn mutated_models_never_panic(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8), cut in any::<usize>()) {
            let (nodes, functions) = tf2_saver();
            let mut data = saved_model(&nodes, &functions, Some("saver_filename:0"));
            for (at, b) in edits {
                let i = at % data.len();
                data[i] = b;
            }
            data.truncate(cut % (data.len() + 1));
            crate::fuzzing::run("savedmodel", &data);
            crate::fuzzing::run("any", &data);
        }
    }
}
