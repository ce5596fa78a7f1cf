//! The anonymisation policy: one action per column, from a TOML file or from PII findings.
//!
//! ```toml
//! # policy.toml
//! [pseudonymize]            # defaults for every `pseudonymize` column
//! prefix = "tok_"
//! length = 16
//!
//! [columns.email]
//! action = "pseudonymize"
//!
//! [columns.card]
//! action = "fpe"            # or "mask"
//! keep_last = 4
//!
//! [columns.age]
//! action = "band"
//! width = 10
//!
//! [columns.notes]
//! action = "redact"
//! ```
//!
//! Columns the policy does not name are kept unchanged. Errors name the file, line and column.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::transform::{Action, DatePart};
use crate::pii::{PiiKind, PiiReport, scan::dominant};

/// Defaults for the `pseudonymize` action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenDefaults {
    /// Token prefix.
    #[serde(default = "default_prefix")]
    pub prefix: String,
    /// Hex digits per token.
    #[serde(default = "default_length")]
    pub length: usize,
}

fn default_prefix() -> String {
    "tok_".into()
}
fn default_length() -> usize {
    16
}

impl Default for TokenDefaults {
    fn default() -> Self {
        TokenDefaults {
            prefix: default_prefix(),
            length: default_length(),
        }
    }
}

/// A whole policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Token defaults.
    #[serde(default)]
    pub pseudonymize: TokenDefaults,
    /// Column name → action.
    #[serde(default)]
    pub columns: BTreeMap<String, Action>,
}

/// A policy that could not be used; the message starts with `FILE:LINE:COLUMN` where known.
#[derive(Debug, thiserror::Error)]
#[error("policy {0}")]
pub struct PolicyError(pub String);

impl Policy {
    /// Parses and validates a policy; `origin` names the file in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Policy, PolicyError> {
        let p: Policy = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let (line, col) = line_col(text, s.start);
                    format!("{origin}:{line}:{col}")
                })
                .unwrap_or_else(|| origin.to_string());
            PolicyError(format!("{at}: {}", e.message().trim_end_matches('\n')))
        })?;
        if !(8..=64).contains(&p.pseudonymize.length) {
            let line = find_line(text, "[pseudonymize]");
            return Err(PolicyError(format!(
                "{origin}:{line}: pseudonymize.length = {}: must be between 8 and 64",
                p.pseudonymize.length
            )));
        }
        for (name, action) in &p.columns {
            if let Err(msg) = action.validate() {
                let line = column_line(text, name);
                return Err(PolicyError(format!(
                    "{origin}:{line}: columns.{name}: {msg}"
                )));
            }
        }
        Ok(p)
    }

    /// Reads a policy file.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| PolicyError(format!("{}: {e}", path.display())))?;
        Policy::from_toml(&text, &path.display().to_string())
    }

    /// Checks that every named column exists; the error points at the policy line.
    pub fn check_columns(
        &self,
        text: Option<&str>,
        origin: &str,
        present: &[&str],
    ) -> Result<(), PolicyError> {
        for name in self.columns.keys() {
            if !present.contains(&name.as_str()) {
                let line = text.map_or(0, |t| column_line(t, name));
                return Err(PolicyError(format!(
                    "{origin}:{line}: column {name:?} is not in the data (columns: {})",
                    present.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// The action for `column` (keep when not named).
    pub fn action(&self, column: &str) -> &Action {
        self.columns.get(column).unwrap_or(&Action::Keep)
    }

    /// The default policy for what the PII scan found: identifiers become tokens, cards and
    /// phones masked keeping the last four digits, birth dates reduced to the year, postcodes to
    /// their first three characters, IPs to their network, addresses suppressed, and free text
    /// (a column where under half of the values match) redacted span by span.
    pub fn from_findings(report: &PiiReport) -> Policy {
        let mut columns = BTreeMap::new();
        for col in &report.columns {
            let Some(det) = dominant(col) else { continue };
            let share = col.findings.first().map_or(0.0, |f| f.share);
            let action = if share < 0.5 {
                Action::Redact
            } else {
                default_action(det.kind)
            };
            columns.insert(col.name.clone(), action);
        }
        Policy {
            pseudonymize: TokenDefaults::default(),
            columns,
        }
    }

    /// The policy as TOML, for `--write-policy` and review.
    pub fn to_toml(&self) -> String {
        let mut out = String::from(
            "# mlsec anonymisation policy: one [columns.NAME] table per column; unnamed columns are kept\n",
        );
        out.push_str(&toml::to_string(self).unwrap_or_default());
        out
    }
}

/// The action the default policy takes for a kind of PII.
pub fn default_action(kind: PiiKind) -> Action {
    match kind {
        PiiKind::PaymentCard | PiiKind::Phone => Action::Mask {
            keep_last: 4,
            char: None,
        },
        PiiKind::DateOfBirth => Action::Date {
            to: DatePart::Year,
            day_first: false,
        },
        PiiKind::Postcode => Action::Prefix { keep: 3 },
        PiiKind::IpAddress => Action::TruncateIp,
        PiiKind::PostalAddress => Action::Suppress,
        _ => Action::Pseudonymize {
            prefix: None,
            length: None,
        },
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn find_line(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.trim_start().starts_with(needle))
        .map_or(0, |i| i + 1)
}

fn column_line(text: &str, name: &str) -> usize {
    let plain = format!("[columns.{name}]");
    let quoted = format!("[columns.\"{name}\"]");
    let dotted = format!("columns.{name}");
    let l = find_line(text, &plain);
    if l > 0 {
        return l;
    }
    let l = find_line(text, &quoted);
    if l > 0 {
        return l;
    }
    find_line(text, &dotted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_policy() {
        let p = Policy::from_toml(
            "[pseudonymize]\nprefix = \"u_\"\n\n[columns.email]\naction = \"pseudonymize\"\n\n[columns.age]\naction = \"band\"\nwidth = 5\n\n[columns.dob]\naction = \"date\"\nto = \"month\"\n",
            "p.toml",
        )
        .unwrap();
        assert_eq!(p.pseudonymize.prefix, "u_");
        assert_eq!(p.action("age"), &Action::Band { width: 5.0 });
        assert_eq!(p.action("other"), &Action::Keep);
        let back = Policy::from_toml(&p.to_toml(), "round-trip").unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn errors_point_at_the_line() {
        let e = Policy::from_toml("[columns.email]\naction = \"hash\"\n", "p.toml").unwrap_err();
        assert!(e.0.starts_with("p.toml:2:"), "{}", e.0);
        let e = Policy::from_toml("[columns.age]\naction = \"band\"\nwidht = 5\n", "p.toml")
            .unwrap_err();
        assert!(e.0.starts_with("p.toml:"), "{}", e.0);
        let e = Policy::from_toml(
            "\n\n[columns.age]\naction = \"band\"\nwidth = -1\n",
            "p.toml",
        )
        .unwrap_err();
        assert!(e.0.starts_with("p.toml:3: columns.age: width"), "{}", e.0);
        let p = Policy::from_toml("[columns.nope]\naction = \"drop\"\n", "p.toml").unwrap();
        let e = p
            .check_columns(
                Some("[columns.nope]\naction = \"drop\"\n"),
                "p.toml",
                &["a", "b"],
            )
            .unwrap_err();
        assert!(e.0.starts_with("p.toml:1: column \"nope\""), "{}", e.0);
    }
}
