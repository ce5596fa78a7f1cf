//! Keras model configs: `config.json` in `.keras` archives and the `model_config` /
//! `training_config` attributes of legacy H5 files, recognised by structure (objects with
//! `class_name` and `config`, plus `module` and `registered_name` in Keras 3).
//!
//! The walk mirrors what `keras.saving.deserialize_keras_object` and the Keras 2 `Lambda`
//! loader resolve: every object names a class or function through `module` + `class_name`
//! (or `config` for `class_name: "function"`, or `registered_name` as a fallback), and a
//! `Lambda` layer carries bytecode or a function reference it calls on every forward pass.
//! Modules are judged against an allowlist on whole components; deny lists only rank.

use crate::ctx::Ctx;
use crate::formats::json::{Node, Val};
use crate::rules::keras::{
    custom_object, dangerous_api, lambda_bytecode, lambda_function, module_outside_allowlist,
    safe_mode_disabled,
};
use mlsec_core::{Confidence, Severity};

/// Packages whose modules a Keras config may name.
#[rustfmt::skip]
const ALLOWED_PACKAGES: &[&str] = &[
    "keras", "keras_hub", "keras_nlp", "keras_cv", "tf_keras", "tensorflow",
];

/// Namespaces of pure tensor functions: a `Lambda` calling one of these is ordinary.
#[rustfmt::skip]
const COMPUTE_NAMESPACES: &[&str] = &[
    "keras.ops", "keras.activations", "keras.backend", "keras.random", "keras.losses",
    "keras.metrics", "keras.src.ops", "keras.src.activations", "keras.src.backend",
    "keras.src.random", "keras.src.losses", "keras.src.metrics", "tf_keras.activations",
    "tf_keras.backend", "tf_keras.src.activations", "tf_keras.src.backend", "tensorflow.math",
    "tensorflow.nn", "tensorflow.linalg", "tensorflow.image", "tensorflow.signal",
    "tensorflow.python.ops.math_ops", "tensorflow.python.ops.nn_ops",
    "tensorflow.python.ops.nn_impl", "tensorflow.python.ops.array_ops",
    "tensorflow.python.ops.gen_math_ops", "tensorflow.python.ops.gen_array_ops",
    "tensorflow.python.ops.gen_nn_ops", "tensorflow.python.ops.image_ops_impl",
    "tensorflow.python.ops.linalg_ops",
];

/// Keras and TensorFlow APIs that load other models, fetch or write files, run Python
/// callbacks or disable safe mode, with the severity of calling them from a config.
const DANGEROUS_NAMES: &[(&str, Severity, &str)] = &[
    (
        "load_model",
        Severity::Critical,
        "loads another model (with its own code)",
    ),
    (
        "get_file",
        Severity::Critical,
        "downloads a file and can overwrite local paths",
    ),
    (
        "enable_unsafe_deserialization",
        Severity::Critical,
        "turns Keras safe mode off for the process",
    ),
    (
        "func_load",
        Severity::Critical,
        "rebuilds a Python function from bytecode",
    ),
    (
        "py_function",
        Severity::Critical,
        "runs an arbitrary Python callback",
    ),
    (
        "numpy_function",
        Severity::Critical,
        "runs an arbitrary Python callback",
    ),
    (
        "py_func",
        Severity::Critical,
        "runs an arbitrary Python callback",
    ),
    (
        "eager_py_func",
        Severity::Critical,
        "runs an arbitrary Python callback",
    ),
    ("load_library", Severity::Critical, "loads a native library"),
    (
        "load_op_library",
        Severity::Critical,
        "loads a native library",
    ),
    ("write_file", Severity::Critical, "writes a file"),
    ("WriteFile", Severity::Critical, "writes a file"),
    (
        "load_weights",
        Severity::High,
        "loads weights from a path named in the config",
    ),
    (
        "TFSMLayer",
        Severity::High,
        "loads an external TensorFlow SavedModel",
    ),
    ("read_file", Severity::High, "reads a local file"),
    ("ReadFile", Severity::High, "reads a local file"),
    ("matching_files", Severity::High, "lists local files"),
    ("GFile", Severity::High, "opens a local or remote file"),
    (
        "model_from_json",
        Severity::High,
        "deserialises a nested model config",
    ),
    (
        "model_from_config",
        Severity::High,
        "deserialises a nested model config",
    ),
    (
        "model_from_yaml",
        Severity::High,
        "deserialises a nested model config",
    ),
    (
        "deserialize_keras_object",
        Severity::High,
        "deserialises a nested config",
    ),
];

/// Modules whose objects run commands, import code or evaluate strings.
#[rustfmt::skip]
const CRITICAL_MODULES: &[&str] = &[
    "builtins", "__builtin__", "os", "posix", "nt", "subprocess", "sys", "shutil", "importlib",
    "runpy", "pty", "socket", "webbrowser", "pickle", "_pickle", "cPickle", "marshal", "types",
    "code", "codeop", "ctypes", "pip", "asyncio", "multiprocessing", "commands", "platform",
    "pathlib", "tempfile", "urllib", "urllib2", "requests", "http", "httplib", "ftplib", "smtplib",
    "telnetlib", "operator", "functools", "dill", "cloudpickle", "joblib", "shelve", "signal",
    "threading", "_thread", "inspect", "gc", "io", "_io", "_posixsubprocess",
];

/// Python builtins that evaluate code, import, reach attributes or touch files.
#[rustfmt::skip]
const CRITICAL_BUILTINS: &[&str] = &[
    "eval", "exec", "compile", "open", "__import__", "getattr", "setattr", "delattr", "globals",
    "locals", "vars", "breakpoint", "input", "exit", "quit", "help", "type", "super", "memoryview",
    "__build_class__", "classmethod", "staticmethod", "property", "object",
];

/// Every other Python builtin name: none of them is a Keras built-in function.
#[rustfmt::skip]
const OTHER_BUILTINS: &[&str] = &[
    "abs", "aiter", "all", "anext", "any", "ascii", "bin", "bool", "bytearray", "bytes",
    "callable", "chr", "complex", "copyright", "credits", "dict", "dir", "divmod", "enumerate",
    "filter", "float", "format", "frozenset", "hasattr", "hash", "hex", "id", "int", "isinstance",
    "issubclass", "iter", "len", "license", "list", "map", "max", "min", "next", "oct", "ord",
    "pow", "print", "range", "repr", "reversed", "round", "set", "slice", "sorted", "str", "sum",
    "tuple", "zip",
];

/// Keras' own marker class names (serialised plain values), not classes to resolve.
#[rustfmt::skip]
const SPECIAL_CLASSES: &[&str] = &[
    "__bytes__", "__slice__", "__ellipsis__", "__keras_tensor__", "__tensor__", "__numpy__",
    "__lambda__",
];

/// Whether `m` is `p` or a submodule of `p` (component boundaries: `kerasx` is not `keras`).
fn under(m: &str, p: &str) -> bool {
    m == p || m.strip_prefix(p).is_some_and(|r| r.starts_with('.'))
}

fn allowed_module(m: &str) -> bool {
    ALLOWED_PACKAGES.iter().any(|p| under(m, p))
}

/// Whether a JSON document is a Keras config: some object names a class and has a config.
pub(crate) fn is_keras_config(root: &Node) -> bool {
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        match &n.val {
            Val::Obj(m) => {
                if n.get_str("class_name").is_some() && n.get("config").is_some() {
                    return true;
                }
                stack.extend(m.iter().map(|(_, v)| v));
            }
            Val::Arr(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    false
}

/// Analyses a Keras config whose offsets start at `base` in the current element.
pub(crate) fn analyze(ctx: &mut Ctx<'_>, root: &Node, base: u64) {
    let mut w = Walker { ctx, base };
    w.node(root, false, 0);
}

struct Walker<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    base: u64,
}

impl Walker<'_, '_> {
    fn at(&self, n: &Node) -> Option<u64> {
        Some(self.base + n.off as u64)
    }

    fn report(
        &mut self,
        rule: &'static crate::rules::Rule,
        sev: Severity,
        n: &Node,
        msg: String,
        ev: String,
    ) {
        let off = self.at(n);
        self.ctx
            .report_with(rule, sev, Confidence::High, off, msg, Some(ev));
    }

    /// Visits `n`. `lambda_fn` is set for the `function`/`output_shape` values of a `Lambda`
    /// layer: functions found there are called with the layer's inputs.
    fn node(&mut self, n: &Node, lambda_fn: bool, depth: usize) {
        if depth > 600 {
            return;
        }
        match &n.val {
            Val::Arr(items) => {
                for it in items {
                    self.node(it, lambda_fn, depth + 1);
                }
            }
            Val::Obj(members) => {
                for (k, v) in members {
                    if k == "safe_mode" && v.val == Val::Bool(false) {
                        self.report(
                            &safe_mode_disabled::RULE,
                            Severity::High,
                            v,
                            "config passes `safe_mode: false`, turning off Keras' protection against bytecode for what it loads".into(),
                            "safe_mode=false".into(),
                        );
                    }
                }
                let mut lambda_layer = false;
                if let Some(cls) = n.get_str("class_name") {
                    lambda_layer = self.object(n, cls, lambda_fn);
                }
                for (k, v) in members {
                    let fn_slot = lambda_layer && k == "config";
                    if fn_slot {
                        self.lambda_config(v, depth + 1);
                    } else {
                        self.node(v, lambda_fn && k != "config", depth + 1);
                    }
                }
            }
            _ => {}
        }
    }

    /// Judges one serialised object. Returns whether it is a `Lambda` layer.
    fn object(&mut self, n: &Node, cls: &str, lambda_fn: bool) -> bool {
        let module = n.get_str("module");
        let registered = n.get_str("registered_name");
        if cls == "__lambda__" {
            let code = n
                .get("config")
                .and_then(|c| c.get("code").or_else(|| c.get("value")));
            self.bytecode(n, code, "a `__lambda__` object");
            return false;
        }
        if cls == "function" {
            let name = n.get_str("config").or(registered).unwrap_or("");
            self.callable(n, module, name, registered, lambda_fn);
            return false;
        }
        if cls == "__typespec__" {
            if let Some(spec) = n.get_str("spec_name") {
                self.class(n, module, spec, registered);
            }
            return false;
        }
        if SPECIAL_CLASSES.contains(&cls) {
            return false;
        }
        self.class(n, module, cls, registered);
        cls == "Lambda" && module.is_none_or(allowed_module)
    }

    /// The `config` of a `Lambda` layer: Keras 2 stores bytecode or a function name with
    /// `function_type`/`module`; Keras 3 stores a serialised object.
    fn lambda_config(&mut self, cfg: &Node, depth: usize) {
        for (slot, ty, module_key) in [
            ("function", "function_type", "module"),
            ("output_shape", "output_shape_type", "output_shape_module"),
        ] {
            let Some(f) = cfg.get(slot) else { continue };
            let kind = cfg.get_str(ty);
            let looks_like_code = match &f.val {
                Val::Arr(items) => items
                    .first()
                    .and_then(Node::as_str)
                    .is_some_and(|s| s.len() >= 16),
                _ => false,
            };
            match (kind, &f.val) {
                (Some("lambda"), _) => self.bytecode(f, Some(f), "a Keras 2 `Lambda` layer"),
                (None, Val::Arr(_)) if looks_like_code => {
                    self.bytecode(f, Some(f), "a Keras 2 `Lambda` layer")
                }
                (Some("function"), Val::Str(name)) => {
                    let module = cfg.get_str(module_key);
                    self.callable(f, module, name, None, true);
                }
                _ => {}
            }
        }
        // Everything else in the config (Keras 3 function objects, `arguments`) is walked
        // with functions treated as called by the layer.
        if let Val::Obj(members) = &cfg.val {
            for (k, v) in members {
                let called = k == "function" || k == "output_shape";
                if called && matches!(v.val, Val::Obj(_)) {
                    self.node(v, true, depth + 1);
                } else if !(called && matches!(v.val, Val::Str(_) | Val::Arr(_))) {
                    self.node(v, false, depth + 1);
                }
            }
        }
    }

    fn bytecode(&mut self, at: &Node, code: Option<&Node>, whence: &str) {
        let text = code.and_then(|c| match &c.val {
            Val::Str(s) => Some(s.as_str()),
            Val::Arr(items) => items.first().and_then(Node::as_str),
            _ => None,
        });
        let names = text
            .and_then(base64_decode)
            .map(|b| marshal_names(&b))
            .unwrap_or_default();
        let shown = if names.is_empty() {
            "no readable names".to_string()
        } else {
            names.join(", ")
        };
        self.report(
            &lambda_bytecode::RULE,
            Severity::Critical,
            at,
            format!("{whence} carries marshalled Python bytecode, run when the model is loaded or called (names: {shown})"),
            format!("bytecode names: {shown}"),
        );
    }

    /// A function reference `module` + `name`; `lambda_fn` when a `Lambda` calls it.
    fn callable(
        &mut self,
        n: &Node,
        module: Option<&str>,
        name: &str,
        registered: Option<&str>,
        lambda_fn: bool,
    ) {
        for cand in [Some(name), registered].into_iter().flatten() {
            if self.dangerous(n, module, cand) {
                return;
            }
        }
        let full = match module {
            Some(m) => format!("{m}.{name}"),
            None => name.to_string(),
        };
        match module {
            None if lambda_fn => self.report(
                &lambda_function::RULE,
                Severity::High,
                n,
                format!("Lambda layer calls `{name}`, resolved from custom objects or registered functions at load"),
                full,
            ),
            None => {}
            Some("builtins") => self.builtin(n, name, &full),
            Some(m) if !allowed_module(m) => self.outside(n, m, name, &full),
            Some(m) if lambda_fn && !COMPUTE_NAMESPACES.iter().any(|p| under(m, p)) && m != "tensorflow" => {
                self.report(
                    &lambda_function::RULE,
                    Severity::High,
                    n,
                    format!("Lambda layer calls `{full}`, which is not a tensor operation"),
                    full,
                )
            }
            Some(_) => {}
        }
    }

    /// A class reference `module` + `cls`, with its registration name.
    fn class(&mut self, n: &Node, module: Option<&str>, cls: &str, registered: Option<&str>) {
        for cand in [Some(cls), registered].into_iter().flatten() {
            if self.dangerous(n, module, cand) {
                return;
            }
        }
        let full = match module {
            Some(m) => format!("{m}.{cls}"),
            None => cls.to_string(),
        };
        match module {
            Some("builtins") => self.builtin(n, cls, &full),
            Some(m) if !allowed_module(m) => self.outside(n, m, cls, &full),
            _ => {}
        }
        let custom = |r: &str| {
            r.split_once('>').is_some_and(|(pkg, _)| {
                !ALLOWED_PACKAGES.iter().any(|p| pkg.eq_ignore_ascii_case(p))
            })
        };
        let reg = registered
            .filter(|r| custom(r))
            .or(Some(cls).filter(|c| custom(c)));
        if let Some(r) = reg
            && !module.is_some_and(|m| self.ctx.policy.allows_global(m, cls))
        {
            self.report(
                &custom_object::RULE,
                Severity::Medium,
                n,
                format!("config needs the custom object `{r}`, code that is not part of the model"),
                r.to_string(),
            );
        }
    }

    /// Reports a dangerous Keras/TensorFlow API; true when `name` is one.
    fn dangerous(&mut self, n: &Node, module: Option<&str>, name: &str) -> bool {
        let Some(m) = module.filter(|m| allowed_module(m)) else {
            return false;
        };
        // Keras looks up `module + "." + name` in its API table, so a dotted name such as
        // `{"module": "keras", "class_name": "utils.get_file"}` reaches `keras.utils.get_file`.
        let full = format!("{m}.{name}");
        let (m, name) = full.rsplit_once('.').unwrap_or((m, name));
        let hit = DANGEROUS_NAMES
            .iter()
            .find(|(d, _, _)| *d == name)
            .map(|(_, s, why)| (*s, *why))
            .or_else(|| {
                if name == "load" && m.contains("saved_model") {
                    Some((Severity::Critical, "loads a TensorFlow SavedModel"))
                } else if m.split('.').any(|c| c == "gfile" || c == "file_io") {
                    Some((Severity::High, "touches local or remote files"))
                } else {
                    None
                }
            });
        let Some((sev, why)) = hit else { return false };
        self.report(
            &dangerous_api::RULE,
            sev,
            n,
            format!("config calls `{full}`, which {why}"),
            full,
        );
        true
    }

    fn builtin(&mut self, n: &Node, name: &str, full: &str) {
        // Keras resolves `{"module": "builtins", "class_name": "function", "config": "relu"}`
        // among its own built-in functions; only Python's builtins are a risk here.
        let sev = if CRITICAL_BUILTINS.contains(&name) {
            Severity::Critical
        } else if OTHER_BUILTINS.contains(&name) {
            Severity::High
        } else {
            return;
        };
        self.report(
            &module_outside_allowlist::RULE,
            sev,
            n,
            format!("config resolves the Python builtin `{name}`, which Keras versions before 3.9 import and call"),
            full.to_string(),
        );
    }

    fn outside(&mut self, n: &Node, module: &str, name: &str, full: &str) {
        if self.ctx.policy.allows_global(module, name) {
            return;
        }
        let critical = CRITICAL_MODULES.iter().any(|p| under(module, p));
        let (sev, why) = if critical {
            (
                Severity::Critical,
                "a module that runs commands, imports or evaluates code",
            )
        } else {
            (Severity::High, "a module outside Keras and TensorFlow")
        };
        self.report(
            &module_outside_allowlist::RULE,
            sev,
            n,
            format!("config references `{full}` from {why}; Keras imports it when loading"),
            full.to_string(),
        );
    }
}

/// Decodes standard base64 (Python's `codecs.encode(..., "base64")` adds newlines).
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Identifiers stored in a marshalled code object (names, attribute names, string
/// constants), read from its short-string records without unmarshalling it.
fn marshal_names(b: &[u8]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < b.len() && out.len() < 16 {
        let t = b[i] & 0x7f;
        let (len, start) = match t {
            // short ASCII strings (interned or not)
            b'z' | b'Z' => (b.get(i + 1).map(|&l| l as usize), i + 2),
            // ASCII/UTF-8 strings with a 4-byte length
            b'a' | b'A' | b'u' | b't' => {
                let l = b
                    .get(i + 1..i + 5)
                    .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]) as usize);
                (l.filter(|l| *l <= 64), i + 5)
            }
            _ => (None, 0),
        };
        if let Some(len) = len.filter(|l| *l > 0)
            && let Some(s) = b.get(start..start + len)
        {
            let ident = s.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
                && !s[0].is_ascii_digit()
                && s.len() > 1;
            if ident {
                let name = String::from_utf8_lossy(s).into_owned();
                if !out.contains(&name) {
                    out.push(name);
                }
                i = start + len;
                continue;
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_matching_respects_component_boundaries() {
        assert!(allowed_module("keras.src.layers.core.dense"));
        assert!(allowed_module("keras"));
        assert!(!allowed_module("kerasx.layers"));
        assert!(!allowed_module("tensorflowx"));
        assert!(!allowed_module("tensorflow_addons.layers"));
        assert!(under("os.path", "os"));
        assert!(!under("osx", "os"));
    }

    #[test]
    fn base64_and_marshal_names() {
        assert_eq!(base64_decode("aGVs\nbG8="), Some(b"hello".to_vec()));
        assert_eq!(base64_decode("a$b"), None);
        let code = b"\xe3\x00\x00\xfa\x02os\xda\x06system\x29\x01\xfa\x01x";
        assert_eq!(marshal_names(code), ["os", "system"]);
    }
}
