//! TorchScript archives: the `code/` of `torch.jit.save` and the `bytecode.pkl` of
//! `_save_for_lite_interpreter`.
//!
//! A TorchScript archive is a PyTorch zip with `constants.pkl` (what `torch.load` checks
//! before it hands the file to `torch.jit.load`). Its pickles are read by TorchScript's C++
//! unpickler, which resolves only `__torch__.*` classes and a fixed set of helpers, never a
//! Python callable; the program is in `code/**/*.py`, TorchScript source that the loader
//! compiles, and in the mobile form also in `bytecode.pkl`, a pickled tuple of methods with
//! their instructions and operator tables. `torch.jit.load` runs each object's `__setstate__`
//! while it loads, and the lite interpreter does the same from the bytecode.
//!
//! TorchScript is statically compiled: every operator a method calls is named in its source
//! as a dotted path from `torch` or `ops` (`torch.save(...)`, `ops.aten.from_file(...)`,
//! `torch.ops.myext.run(...)`), and there is no `getattr` by computed name, `eval` or import
//! to reach one otherwise. The reader lexes the source (strings and comments skipped, so a
//! name in a string or comment is not a call), follows dotted paths and the method each sits
//! in, and applies the operator policy below. Attribute access on a parenthesised value
//! (`(torch).save`) is judged by the attribute name alone. In `bytecode.pkl` the operator
//! table of each method lists `namespace::name` strings after the method's qualified name;
//! the reader walks the pickle's string constants in order.

use super::pysource::{Tok, dotted_parts, tokens};
use crate::ctx::Ctx;
use crate::rules::torch as rules;
use mlsec_core::{Confidence, Severity};
use std::collections::HashSet;

/// Operators that read or write files, as `(namespace, name, what it does)`.
const FILE_OPS: &[(&str, &str, &str)] = &[
    (
        "aten",
        "from_file",
        "maps a file into a tensor (and writes back to it when shared)",
    ),
    ("aten", "save", "writes a tensor to a file"),
    (
        "debugprims",
        "load_tensor",
        "loads a tensor from a file store",
    ),
];

/// Namespaces of operators and classes that PyTorch itself defines.
const TORCH_NAMESPACES: &[&str] = &[
    "_quantized",
    "aten",
    "cuda",
    "debugprims",
    "fbgemm",
    "inductor",
    "mkl",
    "mkldnn",
    "onednn",
    "prim",
    "prims",
    "profiler",
    "quantized",
    "quantized_decomposed",
    "sparse",
    "xnnpack",
];

/// Namespaces of `torch.distributed`'s communication operators.
const COMMUNICATION: &[&str] = &[
    "_c10d_functional",
    "_c10d_functional_autograd",
    "_dtensor",
    "c10d",
    "c10d_functional",
    "symm_mem",
];

/// Strings read from one `bytecode.pkl`.
const MAX_BYTECODE_STRINGS: usize = 1_000_000;

/// Whether a zip member name marks a TorchScript archive.
/// Names are raw zip name bytes: the markers are ASCII, which every name encoding keeps as is.
pub(crate) fn is_marker(name: &[u8]) -> bool {
    matches!(base(name), b"constants.pkl" | b"bytecode.pkl")
}

/// Whether a member of a TorchScript archive is TorchScript source.
pub(crate) fn is_code(name: &[u8]) -> bool {
    name.ends_with(b".py")
}

/// Whether a member is the mobile bytecode.
pub(crate) fn is_bytecode(name: &[u8]) -> bool {
    base(name) == b"bytecode.pkl"
}

fn base(name: &[u8]) -> &[u8] {
    name.rsplit(|&b| b == b'/' || b == b'\\')
        .next()
        .unwrap_or(name)
}

/// Reports the archive as a TorchScript program (once, at the archive level).
pub(crate) fn report_program(ctx: &mut Ctx<'_>, code_files: usize, bytecode: bool) {
    ctx.note_format("torchscript");
    let what = match (code_files, bytecode) {
        (n, true) => format!("{n} TorchScript source file(s) and mobile bytecode"),
        (n, false) => format!("{n} TorchScript source file(s)"),
    };
    ctx.report(
        &rules::torchscript_program::RULE,
        None,
        format!(
            "TorchScript archive: torch.jit.load compiles and runs its program ({what}, all checked for file access and foreign operators)"
        ),
        None,
    );
}

/// Where an operator is called: the method, and whether the loader runs it while loading.
fn runs_on_load(method: &str) -> bool {
    method == "__setstate__"
}

/// The operator policy for `ns::op` called from `method`; reports at `offset`.
struct Judge {
    seen: HashSet<(String, String, bool)>,
}

impl Judge {
    fn new() -> Judge {
        Judge {
            seen: HashSet::new(),
        }
    }

    fn op(&mut self, ctx: &mut Ctx<'_>, ns: &str, op: &str, method: &str, offset: u64) {
        let file = FILE_OPS
            .iter()
            .find(|(n, o, _)| (*n == ns || ns == "?") && *o == op);
        // PyTorch's own operators (nearly every call) are decided without allocating.
        if file.is_none() && (ns == "?" || TORCH_NAMESPACES.contains(&ns)) {
            return;
        }
        let on_load = runs_on_load(method);
        if !self.seen.insert((ns.to_string(), op.to_string(), on_load)) {
            return;
        }
        if let Some((n, o, what)) = file {
            let (severity, when) = if on_load {
                (
                    Severity::Critical,
                    "torch.jit.load runs `__setstate__` while it loads the file",
                )
            } else {
                (Severity::High, "the method runs when the model is used")
            };
            let method = if method.is_empty() {
                "<module>"
            } else {
                method
            };
            ctx.report_with(
                &rules::torchscript_file_access::RULE,
                severity,
                Confidence::High,
                Some(offset),
                format!("TorchScript method `{method}` calls `{n}::{o}`, which {what}; {when}"),
                Some(format!("{n}::{o}")),
            );
            return;
        }
        let (severity, why) = if COMMUNICATION.contains(&ns) {
            (
                Severity::Medium,
                "a torch.distributed communication operator: it sends or receives tensors from other processes",
            )
        } else {
            (
                Severity::Low,
                "an operator from outside PyTorch: it runs native code from whatever library registered that namespace",
            )
        };
        ctx.report_with(
            &rules::torchscript_custom_op::RULE,
            severity,
            Confidence::High,
            Some(offset),
            format!("TorchScript code calls `{ns}::{op}`, {why}"),
            Some(format!("{ns}::{op}")),
        );
    }

    fn class(&mut self, ctx: &mut Ctx<'_>, ns: &str, class: &str, offset: u64) {
        if TORCH_NAMESPACES.contains(&ns) {
            return;
        }
        let key = (ns.to_string(), class.to_string(), false);
        if !self.seen.insert(key) {
            return;
        }
        ctx.report_with(
            &rules::torchscript_custom_op::RULE,
            Severity::Low,
            Confidence::High,
            Some(offset),
            format!(
                "TorchScript code uses the custom class `torch.classes.{ns}.{class}`, whose methods are native code from whatever library registered namespace `{ns}`"
            ),
            Some(format!("torch.classes.{ns}.{class}")),
        );
    }
}

/// Judges one dotted path (`torch.save`, `ops.aten.from_file`, `self.l.forward`, ...).
/// `parenthesised` marks a path whose base was a parenthesised expression.
fn judge_path(
    ctx: &mut Ctx<'_>,
    judge: &mut Judge,
    comps: &[&str],
    parenthesised: bool,
    method: &str,
    offset: u64,
) {
    if parenthesised {
        if let Some(last) = comps.last() {
            judge.op(ctx, "?", last, method, offset);
        }
        return;
    }
    match comps {
        ["torch", "ops", ns, op, ..] | ["ops", ns, op, ..] => judge.op(ctx, ns, op, method, offset),
        ["torch", "classes", ns, class, ..] | ["__torch__", "torch", "classes", ns, class, ..] => {
            judge.class(ctx, ns, class, offset)
        }
        // `torch.X` and the namespaced builtins (`torch._C._nn.X`, `torch.linalg.X`) are
        // aten operators.
        ["torch", rest @ ..] if !rest.is_empty() && !matches!(rest[0], "ops" | "classes") => {
            if let Some(op) = rest.last() {
                judge.op(ctx, "aten", op, method, offset);
            }
        }
        _ => {}
    }
}

/// Lexes TorchScript source and reports the operators it calls.
pub(crate) fn scan_code(ctx: &mut Ctx<'_>, data: &[u8]) {
    let toks = tokens(data, 0);
    let mut judge = Judge::new();
    let mut method = String::new();
    let mut k = 0;
    while k < toks.len() {
        let (t, at) = toks[k];
        match t {
            Tok::Name("def") => {
                if let Some((Tok::Name(m), _)) = toks.get(k + 1) {
                    method = m.to_string();
                }
                k += 2;
            }
            // `(expr).name`: judged by the attribute name alone.
            Tok::Close if toks.get(k + 1).map(|t| t.0) == Some(Tok::Dot) => {
                k += 2;
                let name_at = toks.get(k).map_or(at, |t| t.1);
                if let Some(comps) = dotted_parts(&toks, &mut k) {
                    judge_path(ctx, &mut judge, &comps, true, &method, name_at as u64);
                }
            }
            Tok::Name(_) if !(k > 0 && toks[k - 1].0 == Tok::Dot) => {
                if let Some(comps) = dotted_parts(&toks, &mut k) {
                    judge_path(ctx, &mut judge, &comps, false, &method, at as u64);
                }
            }
            _ => k += 1,
        }
    }
}

/// Reads the mobile bytecode's string constants: a method's qualified name
/// (`__torch__.M.__setstate__`) comes before its operator table (`aten::save`, ...).
pub(crate) fn scan_bytecode(ctx: &mut Ctx<'_>, data: &[u8]) {
    let mut judge = Judge::new();
    let mut method = String::new();
    for (at, s) in super::pickle::strings(data, MAX_BYTECODE_STRINGS) {
        if let Some(rest) = s.strip_prefix("__torch__.") {
            // A method's qualified name ends in a method name (`forward`, `__setstate__`);
            // type names in the types table end in a class name (`Linear`).
            if let Some((_, m)) = rest.rsplit_once('.')
                && m.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            {
                method = m.to_string();
            }
            if let Some(cls) = s.strip_prefix("__torch__.torch.classes.")
                && let Some((ns, class)) = cls.split_once('.')
            {
                judge.class(ctx, ns, class, at);
            }
            continue;
        }
        if let Some((ns, op)) = s.split_once("::")
            && is_ident(ns)
            && is_ident(op)
        {
            judge.op(ctx, ns, op, &method, at);
        }
    }
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !s.as_bytes()[0].is_ascii_digit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn findings(code: &str) -> Vec<(&'static str, Severity, String)> {
        crate::ctx::run_for_test("code/__torch__.py", |c| scan_code(c, code.as_bytes()))
            .findings
            .iter()
            .map(|f| (f.rule, f.severity, f.evidence.clone().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn file_operators_by_every_spelling_and_place() {
        let code = r#"class M(Module):
  def forward(self: __torch__.M, x: Tensor) -> Tensor:
    t = torch.from_file(self.path, True, 1, dtype=0)
    return x
  def __setstate__(self: __torch__.M, state: Tuple[Tensor, str]) -> NoneType:
    ops.aten.save(state[0], "/tmp/x")
    _0 = torch.ops.debugprims.load_tensor("n", [1], [1])
    return None
"#;
        let f = findings(code);
        assert!(
            f.contains(&("TRC001", Severity::High, "aten::from_file".into())),
            "{f:?}"
        );
        assert!(
            f.contains(&("TRC001", Severity::Critical, "aten::save".into())),
            "{f:?}"
        );
        assert!(
            f.contains(&(
                "TRC001",
                Severity::Critical,
                "debugprims::load_tensor".into()
            )),
            "{f:?}"
        );
        assert_eq!(f.len(), 3, "{f:?}");
    }

    #[test]
    fn parenthesised_bases_are_judged_by_the_attribute() {
        let f =
            findings("  def __setstate__(self, s: int) -> NoneType:\n    (torch).save(x, \"p\")\n");
        assert_eq!(f, vec![("TRC001", Severity::Critical, "aten::save".into())]);
    }

    #[test]
    fn strings_comments_and_own_methods_are_not_calls() {
        let code = r#"class M(Module):
  def forward(self: __torch__.M, x: Tensor) -> Tensor:
    # torch.save(x, "/tmp/x")
    _0 = "torch.save(x) and ops.aten.from_file"
    _1 = 'it''s torch.from_file'
    _2 = """ops.evil.run()
    torch.save"""
    y = self.save(x)
    z = (self.l).forward(x, )
    return torch.relu(torch.softmax(y, 1))
"#;
        assert_eq!(findings(code), vec![]);
    }

    #[test]
    fn foreign_operators_and_classes() {
        let code = r#"  def forward(self, x: Tensor) -> Tensor:
    a = ops.quantized.linear_dynamic(x, p)
    b = ops.prim.dtype(x)
    c = ops.torchvision.nms(x, x, 0.5)
    d = torch.ops.c10d.allreduce_(x)
    e : __torch__.torch.classes.myext.Loader = z
    f : __torch__.torch.classes.quantized.LinearPackedParamsBase = p
"#;
        let f = findings(code);
        assert_eq!(
            f,
            vec![
                ("TRC002", Severity::Low, "torchvision::nms".into()),
                ("TRC002", Severity::Medium, "c10d::allreduce_".into()),
                ("TRC002", Severity::Low, "torch.classes.myext.Loader".into()),
            ]
        );
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
            crate::ctx::run_for_test("x", |c| {
                scan_code(c, &data);
                scan_bytecode(c, &data);
            });
        }
    }
}
