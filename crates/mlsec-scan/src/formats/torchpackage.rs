//! `torch.package` archives: a PyTorch zip with `.data/extern_modules` whose "interned"
//! modules ship as Python source (`mymodel/net.py`). `PackageImporter.load_pickle` imports
//! each module a pickle names from the archive, which runs the module's code.
//!
//! Python source cannot be proven safe, so every such archive is reported as a program (low)
//! and as not fully checked (a problem). What the reader does check: each module's imports
//! (with their aliases) and the dotted names and calls in its code, resolved through those
//! aliases, against a table of process, code-execution, native-code and network entry points
//! (`os.system`, `subprocess.*`, `eval`, `ctypes.*`, `socket.*`, ...). The table is narrower
//! than the pickle severity table on purpose: `os.path.join` or `getattr` are what ordinary
//! model code is made of, while no model module has a reason to call `os.system`. Strings
//! and comments are skipped, except the code inside f-string braces.

use super::pysource::{Tok, dotted, tokens};
use crate::ctx::Ctx;
use crate::rules::torch as rules;
use mlsec_core::{Confidence, ProblemKind, Severity};
use std::collections::{HashMap, HashSet};

use Severity::{Critical as C, High as H};

/// Entry points that Python model code has no reason to reach, by canonical dotted path and
/// everything below it (component boundaries), with what they do.
const SOURCE_DENIED: &[(&str, Severity, &str)] = &[
    ("_posixsubprocess", C, "starts processes"),
    ("asyncio.create_subprocess_exec", C, "starts processes"),
    ("asyncio.create_subprocess_shell", C, "runs shell commands"),
    ("builtins.__import__", H, "imports modules by computed name"),
    ("builtins.breakpoint", H, "starts a debugger"),
    ("builtins.compile", C, "compiles code"),
    ("builtins.eval", C, "executes code"),
    ("builtins.exec", C, "executes code"),
    ("cffi", C, "loads native code"),
    ("code", C, "executes code"),
    ("ctypes", C, "loads native code"),
    ("dill", C, "deserialises code"),
    ("ftplib", C, "opens network connections"),
    ("http.client", C, "opens network connections"),
    ("httpx", C, "opens network connections"),
    (
        "importlib.import_module",
        H,
        "imports modules by computed name",
    ),
    ("marshal.loads", C, "deserialises code"),
    ("os.exec", C, "replaces the process"),
    ("os.execl", C, "replaces the process"),
    ("os.execle", C, "replaces the process"),
    ("os.execlp", C, "replaces the process"),
    ("os.execlpe", C, "replaces the process"),
    ("os.execv", C, "replaces the process"),
    ("os.execve", C, "replaces the process"),
    ("os.execvp", C, "replaces the process"),
    ("os.execvpe", C, "replaces the process"),
    ("os.fork", C, "starts processes"),
    ("os.forkpty", C, "starts processes"),
    ("os.popen", C, "runs shell commands"),
    ("os.posix_spawn", C, "starts processes"),
    ("os.posix_spawnp", C, "starts processes"),
    ("os.spawnl", C, "starts processes"),
    ("os.spawnle", C, "starts processes"),
    ("os.spawnlp", C, "starts processes"),
    ("os.spawnlpe", C, "starts processes"),
    ("os.spawnv", C, "starts processes"),
    ("os.spawnve", C, "starts processes"),
    ("os.spawnvp", C, "starts processes"),
    ("os.spawnvpe", C, "starts processes"),
    ("os.startfile", C, "runs programs"),
    ("os.system", C, "runs shell commands"),
    ("pickle.load", C, "deserialises a second payload"),
    ("pickle.loads", C, "deserialises a second payload"),
    ("pty", C, "starts a shell"),
    ("requests", C, "opens network connections"),
    ("runpy", C, "executes code"),
    ("shutil.rmtree", H, "deletes directory trees"),
    ("smtplib", C, "opens network connections"),
    ("socket", C, "opens network connections"),
    ("subprocess", C, "starts processes"),
    ("sys.modules", H, "replaces imported modules"),
    ("telnetlib", C, "opens network connections"),
    ("types.CodeType", C, "builds code objects"),
    (
        "types.FunctionType",
        C,
        "builds functions from code objects",
    ),
    ("urllib.request", C, "opens network connections"),
    ("urllib3", C, "opens network connections"),
    ("webbrowser", C, "runs programs"),
];

/// Names that are builtins when not bound by an import.
const BUILTINS: &[&str] = &["__import__", "breakpoint", "compile", "eval", "exec"];

/// Whether a zip member name marks a `torch.package` archive.
/// Names are raw zip name bytes, as for the TorchScript markers.
pub(crate) fn is_marker(name: &[u8]) -> bool {
    name == b".data/extern_modules" || name.ends_with(b"/.data/extern_modules")
}

/// Whether a member of a `torch.package` archive is an interned module.
pub(crate) fn is_module(name: &[u8]) -> bool {
    name.ends_with(b".py")
}

/// The module name of an interned module member: `net/pkg/sub/mod.py` -> `pkg.sub.mod`,
/// `net/pkg/__init__.py` -> `pkg` (the first component is the archive's own directory).
pub(crate) fn module_name(member: &str) -> Option<String> {
    let path = member.strip_suffix(".py")?;
    let mut comps: Vec<&str> = path.split(['/', '\\']).collect();
    if comps.len() > 1 {
        comps.remove(0);
    }
    if comps.last() == Some(&"__init__") {
        comps.pop();
    }
    let ok = !comps.is_empty()
        && comps.iter().all(|c| {
            !c.is_empty()
                && !c.starts_with('.')
                && c.chars().all(|ch| ch.is_alphanumeric() || ch == '_')
        });
    ok.then(|| comps.join("."))
}

/// Reports the archive as a program whose Python modules run on load.
pub(crate) fn report_program(ctx: &mut Ctx<'_>, modules: usize) {
    ctx.note_format("torch-package");
    ctx.report(
        &rules::torch_package_program::RULE,
        None,
        format!(
            "torch.package archive: PackageImporter runs the code of its {modules} Python module(s) when a pickle names them"
        ),
        None,
    );
    ctx.problem(
        ProblemKind::Unsupported,
        None,
        format!(
            "torch.package: {modules} Python module(s) were checked for process, code, native and network entry points, but Python code cannot be proven safe"
        ),
    );
}

fn lookup(path: &str) -> Option<&'static (&'static str, Severity, &'static str)> {
    SOURCE_DENIED.iter().find(|(p, _, _)| {
        path == *p || (path.starts_with(p) && path.as_bytes().get(p.len()) == Some(&b'.'))
    })
}

/// Checks one interned module's source.
pub(crate) fn scan_source(ctx: &mut Ctx<'_>, data: &[u8]) {
    let toks = tokens(data, 0);
    // Local name -> the dotted path it is bound to by an import.
    let mut aliases: HashMap<String, String> = HashMap::new();
    let mut reported: HashSet<&'static str> = HashSet::new();
    let mut report = |ctx: &mut Ctx<'_>, path: &str, at: usize, how: &str| {
        if let Some(e) = lookup(path)
            && reported.insert(e.0)
        {
            ctx.report_with(
                &rules::torch_package_code::RULE,
                e.1,
                Confidence::High,
                Some(at as u64),
                format!(
                    "torch.package module {how} `{path}`, which {}; the module runs when the package is loaded",
                    e.2
                ),
                Some(path.to_string()),
            );
        }
    };
    let mut k = 0;
    while k < toks.len() {
        let (t, at) = toks[k];
        match t {
            // Keywords cannot be names, so `import` and `from` start statements wherever they
            // are (`if x: import os`), except after a dot.
            Tok::Name("import") if !(k > 0 && toks[k - 1].0 == Tok::Dot) => {
                // import a.b [as c], d
                k += 1;
                while let Some(path) = dotted(&toks, &mut k) {
                    report(ctx, &path, at, "imports");
                    if let (Some((Tok::Name("as"), _)), Some((Tok::Name(alias), _))) =
                        (toks.get(k), toks.get(k + 1))
                    {
                        aliases.insert(alias.to_string(), path);
                        k += 2;
                    } else {
                        let first = path.split('.').next().unwrap_or("").to_string();
                        aliases.insert(first.clone(), first);
                    }
                    if toks.get(k).map(|t| t.0) != Some(Tok::Comma) {
                        break;
                    }
                    k += 1;
                }
                continue;
            }
            Tok::Name("from") if !(k > 0 && toks[k - 1].0 == Tok::Dot) => {
                // from a.b import (c [as d], ...) | *   (also `raise E from e`: no `import`)
                k += 1;
                let relative = toks.get(k).map(|t| t.0) == Some(Tok::Dot);
                while toks.get(k).map(|t| t.0) == Some(Tok::Dot) {
                    k += 1;
                }
                let module = dotted(&toks, &mut k).unwrap_or_default();
                if toks.get(k).map(|t| t.0) == Some(Tok::Name("import")) {
                    k += 1;
                    while let Some((t, name_at)) = toks.get(k).copied() {
                        match t {
                            Tok::Open | Tok::Comma | Tok::Close => k += 1,
                            Tok::Star => {
                                if !relative {
                                    report(ctx, &module, name_at, "imports everything from");
                                }
                                k += 1;
                            }
                            Tok::Name(name) => {
                                let full = format!("{module}.{name}");
                                k += 1;
                                let local =
                                    if let (Some((Tok::Name("as"), _)), Some((Tok::Name(a), _))) =
                                        (toks.get(k), toks.get(k + 1))
                                    {
                                        k += 2;
                                        a.to_string()
                                    } else {
                                        name.to_string()
                                    };
                                if !relative {
                                    report(ctx, &full, name_at, "imports");
                                    aliases.insert(local, full);
                                }
                            }
                            _ => break,
                        }
                    }
                }
                continue;
            }
            Tok::Name(_) => {
                let after_dot = k > 0 && toks[k - 1].0 == Tok::Dot;
                let mut j = k;
                let Some(path) = dotted(&toks, &mut j) else {
                    k += 1;
                    continue;
                };
                if !after_dot {
                    let (first, rest) = path.split_once('.').unwrap_or((&path, ""));
                    let resolved = match aliases.get(first) {
                        Some(target) if rest.is_empty() => Some(target.clone()),
                        Some(target) => Some(format!("{target}.{rest}")),
                        None if BUILTINS.contains(&first) => Some(format!("builtins.{path}")),
                        None if first == "__builtins__" || first == "builtins" => {
                            Some(format!("builtins.{rest}"))
                        }
                        None => None,
                    };
                    if let Some(r) = resolved {
                        report(ctx, &r, at, "uses");
                    }
                    if first == "__builtins__" {
                        report(ctx, "builtins.__import__", at, "reaches builtins through");
                    }
                }
                k = j;
                continue;
            }
            _ => {}
        }
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn found(src: &str) -> Vec<(Severity, String)> {
        crate::ctx::run_for_test("pkg/net.py", |c| scan_source(c, src.as_bytes()))
            .findings
            .iter()
            .map(|f| (f.severity, f.evidence.clone().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn ordinary_model_code_is_clean() {
        let src = r#"import os, sys
import torch
import torch.nn as nn
from typing import Optional
from . import layers
from .util import helper as h

class Net(nn.Module):
    def __init__(self, root: Optional[str] = None):
        super().__init__()
        self.path = os.path.join(root or ".", "vocab.txt")
        self.l = getattr(nn, "Linear")(2, 2)
        sys.stderr.write("built\n")  # os.system("never") in a comment
        self.doc = "subprocess.run is only text"

    def forward(self, x):
        return self.l(x)
"#;
        assert_eq!(found(src), vec![]);
    }

    #[test]
    fn entry_points_through_imports_aliases_and_builtins() {
        let src = r#"import os as o
from subprocess import check_output as run
import ctypes.util
from builtins import *

class Net:
    def __setstate__(self, state):
        o.system("id")
        run(["id"])
        eval(state["x"])
        __builtins__.exec("1")
        f"{o.popen('id').read()}"
"#;
        let f = found(src);
        for want in [
            "os.system",
            "subprocess.check_output",
            "ctypes.util",
            "builtins.eval",
            "builtins.exec",
            "builtins.__import__",
            "os.popen",
        ] {
            assert!(f.iter().any(|(_, e)| e == want), "{want}: {f:?}");
        }
        assert!(
            f.iter()
                .any(|(s, e)| *s == Severity::Critical && e == "os.system")
        );
    }

    #[test]
    fn local_names_shadow_nothing_they_do_not_bind() {
        // `system` and `popen` alone are not `os.system`: nothing imported them.
        assert_eq!(
            found("def f(system, popen):\n    system('x'); popen('y')\n"),
            vec![]
        );
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
            crate::ctx::run_for_test("x", |c| scan_source(c, &data));
        }
    }
}
