//! Naming and judging the callables a pickle imports: canonical names, then allowlist first, the
//! severity table only to rank what is outside it.

use super::tables::{self, Denied, Hook, Why};
use crate::policy::Policy;
use mlsec_core::Severity;

/// A callable (or module, or attribute) a pickle names, in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Name {
    /// Module as the unpickler imports it, after aliasing (`posix` → `os`).
    pub module: String,
    /// Attribute path inside the module (`Trace.runctx`); empty for the module itself.
    pub qualname: String,
}

impl Name {
    /// `module.qualname`.
    pub fn path(&self) -> String {
        if self.qualname.is_empty() {
            self.module.clone()
        } else {
            format!("{}.{}", self.module, self.qualname)
        }
    }
}

/// Canonical form of what `find_class(module, name)` returns: Python 2 names mapped the way the
/// unpickler maps them, accelerator modules (`_operator`, `_pickle`, `_io`, `posix`, `nt`) folded
/// into their public module, `numpy._core` into `numpy.core`.
pub(crate) fn canonical(module: &str, qualname: &str) -> Name {
    let mut m = module.to_string();
    if let Some((from, to)) = tables::longest_prefix(tables::MODULE_ALIASES, |e| e.0, module) {
        m = format!("{to}{}", &module[from.len()..]);
    }
    let mut n = qualname.to_string();
    if let Some(&(_, (tm, tn))) = tables::NAME_ALIASES
        .iter()
        .find(|((am, an), _)| *am == m && *an == n)
    {
        m = tm.to_string();
        n = tn.to_string();
    }
    Name {
        module: m,
        qualname: n,
    }
}

/// What the allowlist and the severity table say about a callable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// On the allowlist (built-in or the team's policy).
    Allowed,
    /// Allowed only in the form the hook checks (`_codecs.encode(s, 'latin1')`,
    /// `functools.partial(<allowed>)`); otherwise judged as `otherwise`.
    Conditional { otherwise: Fallback },
    /// In the severity table.
    Denied {
        severity: Severity,
        why: Why,
        matched: &'static str,
    },
    /// Reaches interpreter internals through a dunder name (`numpy.__builtins__`).
    Dunder,
    /// A function or lower-case class of a numeric package (`numpy.log1p` stored in an
    /// estimator, `numpy.memmap` rebuilt as an array): allowed as a reference or a rebuilt
    /// instance, judged as unknown when called with arguments.
    ReferenceOnly,
    /// Not on the allowlist and not in the table.
    Unknown,
}

/// How a conditional callable is judged when used outside its allowed form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fallback {
    Denied {
        severity: Severity,
        why: Why,
        matched: &'static str,
    },
    Unknown,
}

fn denied(e: &'static Denied) -> Verdict {
    Verdict::Denied {
        severity: e.severity,
        why: e.why,
        matched: e.path,
    }
}

fn is_dunder(c: &str) -> bool {
    c.len() > 4 && c.starts_with("__") && c.ends_with("__")
}

/// A class name by convention (`LogisticRegression`, `_Scorer`, `BaseEstimator`), the
/// `__pyx_unpickle_*` helpers Cython generates for its extension types, or the `newObj`
/// constructor scikit-learn's Cython trees pickle through.
fn is_class_like(name: &str) -> bool {
    let trimmed = name.trim_start_matches('_');
    (trimmed
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        || name.starts_with("__pyx_unpickle_")
        || name == "newObj"
}

/// SciPy's sparse classes are lower-case: `csr_matrix`, `coo_array`, ...
fn is_sparse_class(module: &str, name: &str) -> bool {
    under(module, "scipy.sparse")
        && name.split_once('_').is_some_and(|(fmt, kind)| {
            fmt.len() == 3
                && fmt.chars().all(|c| c.is_ascii_lowercase())
                && (kind == "matrix" || kind == "array")
        })
}

fn under(module: &str, package: &str) -> bool {
    module == package
        || module
            .strip_prefix(package)
            .is_some_and(|r| r.starts_with('.'))
}

/// Looks `path` up in the severity table, also through module attributes that re-export another
/// module: `pathlib` + `os.system` walks `pathlib.os.system`, which is `os.system`. Of several
/// matches the most severe wins, and a re-exported target wins a tie (it says what really runs).
fn deny_lookup(name: &Name) -> Option<&'static Denied> {
    let lookup = |p: &str| {
        tables::longest_prefix(tables::DENIED, |e| e.path, p).or_else(|| {
            tables::DENIED_STRING_PREFIXES
                .iter()
                .find(|e| p.starts_with(e.path))
        })
    };
    let mut best = lookup(&name.path());
    // Suffixes that start inside the attribute path: the module string is imported verbatim, so
    // only attribute walks can re-export another module.
    let comps: Vec<&str> = name.qualname.split('.').collect();
    for i in 0..comps.len() {
        if let Some(e) = lookup(&comps[i..].join(".")) {
            if best.is_none_or(|b| e.severity >= b.severity) {
                best = Some(e);
            }
            break;
        }
    }
    best
}

/// Judges a callable. Order: exact allowlist, dunder walks, conditional forms, severity table,
/// the team's policy, allowed class packages; everything else is unknown. The policy cannot
/// allow what the severity table lists: a waiver (which needs a reason) is the way to accept it.
pub(crate) fn judge(raw_module: &str, raw_name: &str, name: &Name, policy: &Policy) -> Verdict {
    let path = name.path();
    let comps: Vec<&str> = path.split('.').collect();
    if comps.iter().any(|c| c.is_empty()) {
        return Verdict::Unknown;
    }
    if tables::ALLOWED.binary_search(&path.as_str()).is_ok() {
        return Verdict::Allowed;
    }
    // TorchScript classes (`__torch__.M`, `__torch__.torch.nn.modules.linear.Linear`): the C++
    // unpickler of torch.jit.load resolves them to classes compiled from the archive's own
    // `code/` (checked by the TorchScript reader), and Python's pickle cannot import a module
    // named `__torch__`, so no Python callable is reached.
    if name.module == "__torch__" || name.module.starts_with("__torch__.") {
        return Verdict::Allowed;
    }
    let deny = deny_lookup(name);
    let exempt = |i: usize, c: &str| i == 0 && c == "__main__";
    if deny.is_none()
        && comps
            .iter()
            .enumerate()
            .any(|(i, c)| is_dunder(c) && !exempt(i, c))
    {
        return Verdict::Dunder;
    }
    if let Some(hook) = hook_of(&path)
        && matches!(
            hook,
            Hook::Latin1Encode | Hook::Partial | Hook::UfuncReconstruct | Hook::GetAttr
        )
    {
        let otherwise = match deny {
            Some(e) => Fallback::Denied {
                severity: e.severity,
                why: e.why,
                matched: e.path,
            },
            None => Fallback::Unknown,
        };
        return Verdict::Conditional { otherwise };
    }
    if let Some(e) = deny {
        return denied(e);
    }
    if policy.allows_global(&name.module, &name.qualname)
        || policy.allows_global(raw_module, raw_name)
    {
        return Verdict::Allowed;
    }
    let single = !name.qualname.is_empty() && !name.qualname.contains('.');
    if single
        && tables::CLASS_PACKAGES
            .iter()
            .any(|p| under(&name.module, p))
        && is_class_like(&name.qualname)
    {
        return Verdict::Allowed;
    }
    if single && is_sparse_class(&name.module, &name.qualname) {
        return Verdict::Allowed;
    }
    if single && tables::FUNCTION_MODULES.contains(&name.module.as_str()) {
        return Verdict::Allowed;
    }
    if name.module == "builtins" && single {
        let q = name.qualname.as_str();
        if q.ends_with("Error") || q.ends_with("Exception") || q.ends_with("Warning") {
            return Verdict::Allowed;
        }
    }
    let lower = name
        .qualname
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase());
    if single
        && lower
        && tables::REFERENCE_PACKAGES
            .iter()
            .any(|p| under(&name.module, p))
    {
        return Verdict::ReferenceOnly;
    }
    Verdict::Unknown
}

/// The behaviour the stack machine models for `path`, if any.
pub(crate) fn hook_of(path: &str) -> Option<Hook> {
    tables::HOOKS
        .binary_search_by(|e| e.0.cmp(path))
        .ok()
        .and_then(|i| tables::HOOKS.get(i))
        .map(|e| e.1)
}

/// Element size of a torch storage class named by `path` (`torch.FloatStorage` → 4).
pub(crate) fn storage_element_size(path: &str) -> Option<u64> {
    let last = path.rsplit('.').next()?;
    let i = tables::TORCH_STORAGE_SIZES
        .binary_search_by(|e| e.0.cmp(last))
        .ok()?;
    tables::TORCH_STORAGE_SIZES.get(i).map(|e| e.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(module: &str, name: &str) -> Verdict {
        judge(module, name, &canonical(module, name), &Policy::default())
    }

    fn sev(module: &str, name: &str) -> Option<Severity> {
        match v(module, name) {
            Verdict::Denied { severity, .. } => Some(severity),
            Verdict::Dunder => Some(Severity::Critical),
            _ => None,
        }
    }

    #[test]
    fn aliases_fold_onto_public_names() {
        assert_eq!(canonical("posix", "system").path(), "os.system");
        assert_eq!(canonical("nt", "system").path(), "os.system");
        assert_eq!(canonical("__builtin__", "eval").path(), "builtins.eval");
        assert_eq!(canonical("__builtins__", "exec").path(), "builtins.exec");
        assert_eq!(
            canonical("_operator", "attrgetter").path(),
            "operator.attrgetter"
        );
        assert_eq!(canonical("_pickle", "loads").path(), "pickle.loads");
        assert_eq!(canonical("_io", "FileIO").path(), "io.FileIO");
        assert_eq!(
            canonical("numpy._core.multiarray", "_reconstruct").path(),
            "numpy.core.multiarray._reconstruct"
        );
        assert_eq!(
            canonical("__builtin__", "reduce").path(),
            "functools.reduce"
        );
        assert_eq!(
            canonical("copy_reg", "_reconstructor").path(),
            "copyreg._reconstructor"
        );
        assert_eq!(canonical("numpy", "core").path(), "numpy.core");
        assert_eq!(canonical("posixpath", "join").path(), "posixpath.join");
    }

    #[test]
    fn allowlist_first() {
        for (m, n) in [
            ("collections", "OrderedDict"),
            ("torch._utils", "_rebuild_tensor_v2"),
            ("torch", "FloatStorage"),
            ("numpy._core.multiarray", "_reconstruct"),
            ("numpy.core.multiarray", "scalar"),
            ("numpy", "dtype"),
            ("sklearn.linear_model._logistic", "LogisticRegression"),
            ("sklearn.tree._tree", "__pyx_unpickle_Tree"),
            ("transformers.training_args", "TrainingArguments"),
            ("__builtin__", "set"),
            ("builtins", "ValueError"),
            ("argparse", "Namespace"),
            ("pathlib", "PosixPath"),
            ("torch.nn.functional", "relu"),
            ("scipy.sparse._csr", "csr_matrix"),
            ("sklearn.neighbors._kd_tree", "newObj"),
            ("numpy.random.bit_generator", "__pyx_unpickle_SeedSequence"),
        ] {
            assert_eq!(v(m, n), Verdict::Allowed, "{m}.{n}");
        }
        assert!(matches!(
            v("_codecs", "encode"),
            Verdict::Conditional {
                otherwise: Fallback::Unknown
            }
        ));
        assert!(matches!(
            v("functools", "partial"),
            Verdict::Conditional {
                otherwise: Fallback::Denied { .. }
            }
        ));
    }

    #[test]
    fn severity_table_ranks_the_rest() {
        for (m, n) in [
            ("os", "system"),
            ("posix", "system"),
            ("nt", "system"),
            ("subprocess", "Popen"),
            ("builtins", "eval"),
            ("__builtin__", "exec"),
            ("asyncio.unix_events", "_UnixSubprocessTransport._start"),
            ("pip._internal.cli.main", "main"),
            ("torch.utils.collect_env", "run"),
            ("torch.serialization", "load"),
            ("_io", "FileIO"),
            ("pandas.io.pickle", "read_pickle"),
            ("pandas", "read_csv"),
            ("uuid", "_get_command_stdout"),
            ("numpy.testing._private.utils", "runstring"),
            ("trace", "Trace.runctx"),
            ("pathlib", "os.system"),
            ("logging", "os.system"),
            ("torch", "os.system"),
            ("pathlib", "Path.write_text"),
            ("types", "CodeType"),
            ("_pickle", "loads"),
        ] {
            assert_eq!(sev(m, n), Some(Severity::Critical), "{m}.{n}");
        }
        assert_eq!(sev("sys", "exit"), Some(Severity::Critical));
        assert_eq!(sev("gc", "collect"), Some(Severity::High));
        assert_eq!(v("numpy", "__builtins__"), Verdict::Dunder);
        assert!(matches!(
            v("builtins", "__import__"),
            Verdict::Denied {
                why: Why::Import,
                ..
            }
        ));
        assert!(matches!(
            v("pathlib", "os.system"),
            Verdict::Denied { matched: "os", .. }
        ));
        assert_eq!(v("builtins", "object.__subclasses__"), Verdict::Dunder);
    }

    #[test]
    fn module_matching_is_on_component_boundaries() {
        assert_eq!(v("mathutils", "sqrt"), Verdict::Unknown);
        assert_eq!(v("math", "sqrt"), Verdict::Allowed);
        assert_eq!(v("ossify", "run"), Verdict::Unknown);
        assert_eq!(v("sklearnx", "Model"), Verdict::Unknown);
        assert_eq!(v("mypkg.os.helpers", "Thing"), Verdict::Unknown);
        assert_eq!(v("__main__", "Config"), Verdict::Unknown);
        assert_eq!(v("numpy", "log1p"), Verdict::ReferenceOnly);
        assert!(matches!(v("numpy", "load"), Verdict::Denied { .. }));
    }

    #[test]
    fn policy_extends_the_allowlist_but_not_over_the_table() {
        let p = Policy {
            allowed_globals: vec!["myteam.*".into(), "os.system".into()],
            ..Policy::default()
        };
        let j = |m: &str, n: &str| judge(m, n, &canonical(m, n), &p);
        assert_eq!(j("myteam.models", "Net"), Verdict::Allowed);
        assert!(matches!(j("os", "system"), Verdict::Denied { .. }));
    }

    #[test]
    fn storage_sizes() {
        assert_eq!(storage_element_size("torch.FloatStorage"), Some(4));
        assert_eq!(storage_element_size("torch.cuda.LongStorage"), Some(8));
        assert_eq!(storage_element_size("torch.Nope"), None);
    }
}
