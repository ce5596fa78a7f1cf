//! A team's scan policy: extra allowed callables, severity overrides and waivers.
//!
//! This is the domain form; the binary owns the TOML layout and turns it into a [`Policy`].

use mlsec_core::{Finding, Severity};
use std::sync::atomic::{AtomicU64, Ordering};

/// What a team decided about its own artifacts.
#[derive(Debug, Default)]
pub struct Policy {
    /// Callables (`module.qualname`, or `module.*` for a whole module) that pickles may name
    /// without a finding, in addition to the built-in allowlist. Used for a team's own classes.
    pub allowed_globals: Vec<String>,
    /// Rule severities changed by the team.
    pub overrides: Vec<SeverityOverride>,
    /// Findings accepted by the team, each with a reason.
    pub waivers: Vec<Waiver>,
}

/// Replace a rule's severity.
#[derive(Debug, Clone)]
pub struct SeverityOverride {
    /// Rule code, such as `PKL002`.
    pub rule: String,
    /// The severity findings of that rule get.
    pub severity: Severity,
}

/// A finding the team accepted. A waiver must give a reason, and one that matches nothing is
/// itself reported, so stale waivers do not pile up.
#[derive(Debug)]
pub struct Waiver {
    /// Rule code the waiver applies to.
    pub rule: String,
    /// Glob over the finding's location (`*` matches within a path segment or member name,
    /// `**` across them, `?` one character). `None` waives the rule everywhere.
    pub path: Option<String>,
    /// Only findings whose evidence equals this (e.g. a resolved callable) are waived.
    pub evidence: Option<String>,
    /// Why the team accepts this finding.
    pub reason: String,
    /// Where the waiver was written (file:line), for the "matched nothing" report.
    pub origin: String,
    hits: AtomicU64,
}

/// How often a waiver was used during a scan.
#[derive(Debug, Clone)]
pub struct WaiverUse {
    /// The waived rule.
    pub rule: String,
    /// Where the waiver was written.
    pub origin: String,
    /// Findings it suppressed.
    pub hits: u64,
}

impl Waiver {
    /// A waiver for `rule`, optionally limited to a location glob and evidence.
    pub fn new(
        rule: impl Into<String>,
        path: Option<String>,
        evidence: Option<String>,
        reason: impl Into<String>,
        origin: impl Into<String>,
    ) -> Waiver {
        Waiver {
            rule: rule.into(),
            path,
            evidence,
            reason: reason.into(),
            origin: origin.into(),
            hits: AtomicU64::new(0),
        }
    }

    fn matches(&self, f: &Finding) -> bool {
        self.rule == f.rule
            && self.evidence.as_deref().is_none_or(|e| f.evidence.as_deref() == Some(e))
            && self.path.as_deref().is_none_or(|g| {
                let mut loc = f.location.clone();
                loc.offset = None;
                glob_match(g, &loc.to_string())
            })
    }
}

impl Policy {
    /// Whether the team allowed this callable (`module`, `qualname`).
    pub fn allows_global(&self, module: &str, name: &str) -> bool {
        self.allowed_globals.iter().any(|g| match g.strip_suffix(".*") {
            Some(m) => module == m || module.strip_prefix(m).is_some_and(|r| r.starts_with('.')),
            None => g.len() == module.len() + 1 + name.len()
                && g.starts_with(module)
                && g[module.len()..].starts_with('.')
                && g.ends_with(name),
        })
    }

    /// Applies severity overrides and waivers. Returns the findings kept and those waived.
    pub fn apply(&self, findings: Vec<Finding>) -> (Vec<Finding>, Vec<(Finding, String)>) {
        let mut kept = Vec::with_capacity(findings.len());
        let mut waived = Vec::new();
        for mut f in findings {
            if let Some(o) = self.overrides.iter().rev().find(|o| o.rule == f.rule) {
                f.severity = o.severity;
            }
            match self.waivers.iter().find(|w| w.matches(&f)) {
                Some(w) => {
                    w.hits.fetch_add(1, Ordering::Relaxed);
                    waived.push((f, w.reason.clone()));
                }
                None => kept.push(f),
            }
        }
        (kept, waived)
    }

    /// How often each waiver matched so far; a waiver with zero hits is stale.
    pub fn waiver_uses(&self) -> Vec<WaiverUse> {
        self.waivers
            .iter()
            .map(|w| WaiverUse {
                rule: w.rule.clone(),
                origin: w.origin.clone(),
                hits: w.hits.load(Ordering::Relaxed),
            })
            .collect()
    }
}

/// Glob match: `**` crosses `/` and `!/`, `*` does not, `?` is one character.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some(b'*') if p.get(1) == Some(&b'*') => {
                let rest = &p[2..];
                (0..=t.len()).any(|i| go(rest, &t[i..]))
            }
            Some(b'*') => {
                let rest = &p[1..];
                for i in 0..=t.len() {
                    if go(rest, &t[i..]) {
                        return true;
                    }
                    if t.get(i) == Some(&b'/') {
                        return false;
                    }
                }
                false
            }
            Some(b'?') => !t.is_empty() && go(&p[1..], &t[1..]),
            Some(c) => t.first() == Some(c) && go(&p[1..], &t[1..]),
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlsec_core::{Confidence, Location};

    fn finding(rule: &'static str, chain: &[&str], evidence: &str) -> Finding {
        Finding {
            rule,
            severity: Severity::High,
            confidence: Confidence::High,
            location: Location { chain: chain.iter().map(|s| s.to_string()).collect(), offset: Some(3) },
            message: "m".into(),
            evidence: Some(evidence.into()),
        }
    }

    #[test]
    fn globs() {
        assert!(glob_match("models/*.pt", "models/a.pt"));
        assert!(!glob_match("models/*.pt", "models/x/a.pt"));
        assert!(glob_match("models/**", "models/x/a.pt!/archive/data.pkl"));
        assert!(glob_match("**/data.pkl", "m/a.pt!/archive/data.pkl"));
        assert!(glob_match("a?c", "abc"));
    }

    #[test]
    fn overrides_and_waivers_apply_and_count() {
        let policy = Policy {
            allowed_globals: vec!["myteam.models.Net".into(), "myteam.layers.*".into()],
            overrides: vec![SeverityOverride { rule: "PKL002".into(), severity: Severity::Low }],
            waivers: vec![
                Waiver::new("PKL001", Some("ok/**".into()), None, "reviewed", "p.toml:3"),
                Waiver::new("PKL009", None, None, "never matches", "p.toml:7"),
            ],
        };
        assert!(policy.allows_global("myteam.models", "Net"));
        assert!(!policy.allows_global("myteam.models", "Netx"));
        assert!(policy.allows_global("myteam.layers.conv", "Conv"));
        assert!(!policy.allows_global("myteam.layersx", "Conv"));
        let (kept, waived) = policy.apply(vec![
            finding("PKL001", &["ok/a.pt", "archive/data.pkl"], "os.system"),
            finding("PKL001", &["bad/a.pt"], "os.system"),
            finding("PKL002", &["x.pkl"], "foo.Bar"),
        ]);
        assert_eq!(waived.len(), 1);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[1].severity, Severity::Low);
        let uses = policy.waiver_uses();
        assert_eq!((uses[0].hits, uses[1].hits), (1, 0));
    }
}
