//! The scan policy file (TOML). Only the binary knows this layout; it is validated into
//! `mlsec_scan::Policy`, and every error names the file and line.
//!
//! ```toml
//! version = 1
//!
//! [scan]
//! fail-on = "high"            # default threshold when --fail-on is not given
//!
//! [[scan.allow-global]]       # a team's own classes that pickles may name
//! name = "myteam.models.Net"  # or "myteam.layers.*" for a whole module
//! reason = "our model class, reviewed in SEC-123"
//!
//! [[scan.override]]           # change a rule's severity
//! rule = "PKL002"
//! severity = "medium"
//! reason = "research checkpoints name many custom classes"
//!
//! [[scan.waiver]]             # accept specific findings; a reason is required
//! rule = "PKL001"
//! path = "legacy/**"          # glob over the finding location (optional)
//! evidence = "builtins.getattr"  # only this evidence (optional)
//! reason = "legacy checkpoints, loaded only in the sandbox"
//! expires = "2027-06-30"      # optional; an expired waiver no longer applies
//!
//! [scan.limits]               # all optional
//! max-depth = 10
//! max-entries = 100000
//! max-inflated-bytes = 8589934592
//! max-ratio = 1000
//! ```

use anyhow::{Context, Result, bail};
use mlsec_core::Severity;
use mlsec_scan::{Limits, Policy, SeverityOverride, Waiver, rules};
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: Spanned<u32>,
    #[serde(default)]
    scan: Scan,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Scan {
    fail_on: Option<Spanned<String>>,
    #[serde(default)]
    allow_global: Vec<AllowGlobal>,
    #[serde(default, rename = "override")]
    overrides: Vec<Override>,
    #[serde(default, rename = "waiver")]
    waivers: Vec<WaiverEntry>,
    #[serde(default)]
    limits: LimitsEntry,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowGlobal {
    name: Spanned<String>,
    reason: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Override {
    rule: Spanned<String>,
    severity: Spanned<String>,
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverEntry {
    rule: Spanned<String>,
    path: Option<String>,
    evidence: Option<String>,
    reason: Option<Spanned<String>>,
    expires: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct LimitsEntry {
    max_depth: Option<u32>,
    max_entries: Option<u64>,
    max_inflated_bytes: Option<u64>,
    max_member_bytes: Option<u64>,
    max_ratio: Option<u64>,
    max_pickle_ops: Option<u64>,
    max_header_bytes: Option<u64>,
}

/// What a policy file configures.
#[derive(Debug, Default)]
pub struct Loaded {
    pub policy: Policy,
    pub limits: Limits,
    pub fail_on: Option<Severity>,
    /// Waivers that were skipped because they expired, for a warning.
    pub expired: Vec<String>,
}

fn line_of(src: &str, offset: usize) -> usize {
    src[..offset.min(src.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

/// Reads and validates a policy file. `today` is `YYYY-MM-DD` (for waiver expiry).
pub fn load(path: &Path, today: &str) -> Result<Loaded> {
    let src = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read policy file {}", path.display()))?;
    parse(&src, &path.display().to_string(), today)
}

pub fn parse(src: &str, name: &str, today: &str) -> Result<Loaded> {
    let file: File =
        toml::from_str(src).map_err(|e| anyhow::anyhow!("{name}: invalid policy\n{e}"))?;
    let at = |span: std::ops::Range<usize>| format!("{name}:{}", line_of(src, span.start));
    if *file.version.get_ref() != 1 {
        bail!(
            "{}: unsupported policy version {}; this mlsec reads version 1",
            at(file.version.span()),
            file.version.get_ref()
        );
    }
    let severity = |s: &Spanned<String>| {
        Severity::parse(s.get_ref()).ok_or_else(|| {
            anyhow::anyhow!(
                "{}: unknown severity `{}`; use one of info, low, medium, high, critical",
                at(s.span()),
                s.get_ref()
            )
        })
    };
    let rule = |s: &Spanned<String>| {
        rules::find(s.get_ref())
            .map(|r| r.code.to_string())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "{}: unknown rule `{}`; `mlsec rules` lists them",
                    at(s.span()),
                    s.get_ref()
                )
            })
    };
    let mut out = Loaded::default();
    if let Some(f) = &file.scan.fail_on {
        out.fail_on = Some(severity(f)?);
    }
    for g in &file.scan.allow_global {
        let n = g.name.get_ref().trim();
        if n.is_empty() || !n.contains('.') || n.contains(char::is_whitespace) {
            bail!(
                "{}: allow-global `{n}` must be `module.name` or `module.*`",
                at(g.name.span())
            );
        }
        if g.reason.get_ref().trim().is_empty() {
            bail!("{}: allow-global `{n}` needs a reason", at(g.reason.span()));
        }
        out.policy.allowed_globals.push(n.to_string());
    }
    for o in &file.scan.overrides {
        let _ = &o.reason;
        out.policy.overrides.push(SeverityOverride {
            rule: rule(&o.rule)?,
            severity: severity(&o.severity)?,
        });
    }
    for w in &file.scan.waivers {
        let code = rule(&w.rule)?;
        let origin = at(w.rule.span());
        let reason = match &w.reason {
            Some(r) if !r.get_ref().trim().is_empty() => r.get_ref().trim().to_string(),
            _ => bail!("{origin}: waiver for {code} needs a reason (`reason = \"…\"`)"),
        };
        if let Some(exp) = &w.expires {
            let e = exp.get_ref();
            let valid = e.len() == 10
                && e.as_bytes()[4] == b'-'
                && e.as_bytes()[7] == b'-'
                && e.bytes()
                    .enumerate()
                    .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
            if !valid {
                bail!(
                    "{}: expires `{e}` is not a date like 2027-06-30",
                    at(exp.span())
                );
            }
            if e.as_str() < today {
                out.expired.push(format!(
                    "{origin}: waiver for {code} expired on {e}; it no longer applies"
                ));
                continue;
            }
        }
        out.policy.waivers.push(Waiver::new(
            code,
            w.path.clone(),
            w.evidence.clone(),
            reason,
            origin,
        ));
    }
    let l = &file.scan.limits;
    let d = Limits::default();
    out.limits = Limits {
        max_depth: l.max_depth.unwrap_or(d.max_depth),
        max_entries: l.max_entries.unwrap_or(d.max_entries),
        max_inflated_bytes: l.max_inflated_bytes.unwrap_or(d.max_inflated_bytes),
        max_member_bytes: l.max_member_bytes.unwrap_or(d.max_member_bytes),
        max_ratio: l.max_ratio.unwrap_or(d.max_ratio),
        max_pickle_ops: l.max_pickle_ops.unwrap_or(d.max_pickle_ops),
        max_header_bytes: l.max_header_bytes.unwrap_or(d.max_header_bytes),
        ..d
    };
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"version = 1
[scan]
fail-on = "medium"

[[scan.allow-global]]
name = "myteam.models.Net"
reason = "ours"

[[scan.override]]
rule = "GEN001"
severity = "low"

[[scan.waiver]]
rule = "GEN001"
path = "legacy/**"
reason = "reviewed"

[[scan.waiver]]
rule = "GEN001"
reason = "old"
expires = "2020-01-01"

[scan.limits]
max-depth = 4
"#;

    #[test]
    fn parses_a_full_policy() {
        let l = parse(GOOD, "p.toml", "2026-11-24").unwrap();
        assert_eq!(l.fail_on, Some(Severity::Medium));
        assert_eq!(l.policy.allowed_globals, vec!["myteam.models.Net"]);
        assert_eq!(l.policy.overrides[0].severity, Severity::Low);
        assert_eq!(l.policy.waivers.len(), 1);
        assert_eq!(l.policy.waivers[0].origin, "p.toml:14");
        assert_eq!(l.expired.len(), 1);
        assert_eq!(l.limits.max_depth, 4);
    }

    #[test]
    fn errors_point_at_the_line() {
        let bad_sev = GOOD.replace("severity = \"low\"", "severity = \"lowish\"");
        let e = parse(&bad_sev, "p.toml", "2026-11-24")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.toml:11: unknown severity `lowish`"), "{e}");
        let no_reason = GOOD.replace("reason = \"reviewed\"\n", "");
        let e = parse(&no_reason, "p.toml", "2026-11-24")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("p.toml:14: waiver for GEN001 needs a reason"),
            "{e}"
        );
        let bad_rule = GOOD.replace("rule = \"GEN001\"\nseverity", "rule = \"XYZ999\"\nseverity");
        let e = parse(&bad_rule, "p.toml", "2026-11-24")
            .unwrap_err()
            .to_string();
        assert!(e.contains("p.toml:10: unknown rule `XYZ999`"), "{e}");
        let e = parse("version = 1\n[scan]\nfail_onn = 1\n", "p.toml", "x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3"), "{e}");
        let e = parse("version = 2\n", "p.toml", "x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("p.toml:1: unsupported policy version 2"), "{e}");
    }
}
