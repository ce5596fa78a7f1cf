//! The verification policy: who may sign, and what a signature may leave out.
//!
//! model_signing trusts whatever key or root it is handed and silently honours the
//! `ignore_paths` the *signer* recorded, so a signer can exclude `tokenizer/` or `*.py` from the
//! integrity guarantee without the verifier noticing. A [`Policy`] closes that gap: pinned keys,
//! accepted roots and signer identities, and paths that may never be ignored.

use crate::cert::{CertPolicy, TrustedRoots};
use crate::hashing::HashAlgorithm;
use crate::keys::VerifyingKey;

/// What a signature must satisfy to be accepted.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Public keys accepted for key-signed bundles. The bundle's key hint selects among them;
    /// a bundle without a hint is tried against each.
    pub keys: Vec<VerifyingKey>,
    /// Trust anchors for certificate-signed bundles; `None` rejects certificate bundles.
    pub roots: Option<TrustedRoots>,
    /// Certificate checks: verification time and accepted signer identities.
    pub cert: CertPolicy,
    /// Files that must be covered by the signature: a file on disk that matches one of these
    /// patterns and that the signature's `ignore_paths` leaves out fails verification.
    ///
    /// Patterns are relative to the model root. `*` matches within one path component, `**`
    /// any number of components, `?` one character. A pattern without `/` matches a file name
    /// at any depth (`*.py`); a pattern also covers everything below a directory it names
    /// (`tokenizer` covers `tokenizer/vocab.json`).
    pub never_ignore: Vec<String>,
    /// Accepted per-file hash algorithms; empty accepts all three.
    pub allowed_hashes: Vec<HashAlgorithm>,
    /// Accept signatures made with `allow_symlinks: true` (which follows file symlinks even
    /// outside the model). Off by default.
    pub allow_symlinks: bool,
    /// Accept a signature that covers no file at all. model_signing does; the OMS spec says to
    /// reject it, and so do we by default.
    pub allow_empty: bool,
}

impl Policy {
    /// A policy that trusts exactly one public key and is otherwise default.
    pub fn with_key(key: VerifyingKey) -> Policy {
        Policy {
            keys: vec![key],
            ..Policy::default()
        }
    }

    /// A policy that trusts certificates chaining to `roots`, with optional identity pins.
    pub fn with_roots(roots: TrustedRoots, identities: Vec<String>) -> Policy {
        Policy {
            roots: Some(roots),
            cert: CertPolicy {
                at: None,
                identities,
            },
            ..Policy::default()
        }
    }

    /// The first `never_ignore` pattern `path` (a file's path relative to the root) matches.
    pub fn protected_by(&self, path: &str) -> Option<&str> {
        self.never_ignore
            .iter()
            .find(|p| pattern_matches(p, path))
            .map(String::as_str)
    }
}

/// Does `pattern` match the relative file path `path` (or one of its parent directories)?
pub fn pattern_matches(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let parts: Vec<&str> = path.split('/').collect();
    if pat.is_empty() {
        return false;
    }
    if pat.len() == 1 && !pattern.contains('/') {
        // A bare name or glob: match any component (file name or a directory on the way).
        return parts.iter().any(|c| glob_component(pat[0], c));
    }
    (1..=parts.len()).any(|n| match_components(&pat, &parts[..n]))
}

fn match_components(pat: &[&str], parts: &[&str]) -> bool {
    match pat.split_first() {
        None => parts.is_empty(),
        Some((&"**", rest)) => (0..=parts.len()).any(|k| match_components(rest, &parts[k..])),
        Some((p, rest)) => match parts.split_first() {
            Some((c, more)) => glob_component(p, c) && match_components(rest, more),
            None => false,
        },
    }
}

/// `*` and `?` within one component; iterative with backtracking on the last `*`, so the
/// cost stays linear-ish for hostile patterns.
fn glob_component(pat: &str, s: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let t: Vec<char> = s.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(pattern_matches("*.py", "src/x.py"));
        assert!(pattern_matches("*.py", "x.py"));
        assert!(!pattern_matches("*.py", "x.pyc"));
        assert!(pattern_matches("tokenizer", "tokenizer/vocab.json"));
        assert!(pattern_matches("tokenizer/*.json", "tokenizer/vocab.json"));
        assert!(!pattern_matches("tokenizer/*.json", "other/vocab.json"));
        assert!(pattern_matches("**/*.json", "a/b/c.json"));
        assert!(pattern_matches("**/*.json", "c.json"));
        assert!(pattern_matches("a/**", "a/b/c"));
        assert!(pattern_matches("conf?g.json", "config.json"));
        assert!(!pattern_matches("", "x"));
        assert!(pattern_matches(".github", ".github/workflows/x.yml"));
    }

    #[test]
    fn hostile_glob_terminates() {
        let pat = "*a*a*a*a*a*a*a*a*a*a*b";
        let s = "a".repeat(200);
        assert!(!glob_component(pat, &s));
    }
}
