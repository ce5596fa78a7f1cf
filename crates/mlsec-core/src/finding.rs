//! Findings (what we detected), problems (what we could not fully check) and where they are.

use std::fmt;

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing, not a risk by itself.
    Info,
    /// Unusual; unlikely to be harmful.
    Low,
    /// Needs a human decision (custom ops, unknown classes).
    Medium,
    /// Likely harmful when the artifact is loaded.
    High,
    /// Runs code, reads or writes files, or escapes a directory when loaded.
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lowercase name used on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses a lowercase name as printed by [`Severity::as_str`].
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure the detector is that the finding is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    /// A heuristic matched.
    Low,
    /// Structure matched, intent uncertain.
    Medium,
    /// The bytes say exactly this.
    High,
}

impl Confidence {
    /// The lowercase name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where something was found: the chain of containers from the scanned file inwards, and a byte
/// offset inside the innermost one.
///
/// `["model.tar.gz", "model.pt", "archive/data.pkl"]` with offset 45 displays as
/// `model.tar.gz!/model.pt!/archive/data.pkl@45`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Location {
    /// Outermost first: the file on disk, then each member inside it.
    pub chain: Vec<String>,
    /// Byte offset inside the innermost element, when it is meaningful.
    pub offset: Option<u64>,
}

impl Location {
    /// A location at the start of a file.
    pub fn file(path: impl Into<String>) -> Location {
        Location {
            chain: vec![path.into()],
            offset: None,
        }
    }

    /// The outermost element (the file on disk), or `""`.
    pub fn root(&self) -> &str {
        self.chain.first().map(String::as_str).unwrap_or("")
    }

    /// The members inside the root file, joined with `!/`, or `None` for the file itself.
    pub fn inner(&self) -> Option<String> {
        (self.chain.len() > 1).then(|| self.chain[1..].join("!/"))
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.chain.join("!/"))?;
        if let Some(off) = self.offset {
            write!(f, "@{off}")?;
        }
        Ok(())
    }
}

/// Something a detector found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable rule code, such as `PKL001`. Never reused.
    pub rule: &'static str,
    /// Severity after policy overrides.
    pub severity: Severity,
    /// How sure the detector is.
    pub confidence: Confidence,
    /// Where, down to the container member and byte offset.
    pub location: Location,
    /// One line for a person, no trailing period.
    pub message: String,
    /// The bytes or names that triggered the finding (a resolved callable, an op name, a path).
    pub evidence: Option<String>,
}

/// Why part of an input could not be fully checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// The input ended early.
    Truncated,
    /// The input violates its format in a way the reader cannot get past.
    Malformed,
    /// The format, codec or feature is not supported by this reader.
    Unsupported,
    /// A safety limit (depth, size, entries, ratio, operations) was reached.
    LimitExceeded,
    /// The content is encrypted.
    Encrypted,
    /// The file could not be read.
    Io,
}

impl ProblemKind {
    /// The lowercase name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Truncated => "truncated",
            ProblemKind::Malformed => "malformed",
            ProblemKind::Unsupported => "unsupported",
            ProblemKind::LimitExceeded => "limit-exceeded",
            ProblemKind::Encrypted => "encrypted",
            ProblemKind::Io => "io",
        }
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Part of an input that was not fully checked. A problem is not a verdict: it says the scan
/// is incomplete, and `--strict` turns it into a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What kind of gap this is.
    pub kind: ProblemKind,
    /// Where the reader stopped.
    pub location: Location,
    /// What could not be checked and why, no trailing period.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_order_and_names_round_trip() {
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
        }
        assert_eq!(Severity::parse("HIGH"), Some(Severity::High));
        assert_eq!(Severity::parse("severe"), None);
    }

    #[test]
    fn location_display_joins_chain_and_offset() {
        let loc = Location {
            chain: vec!["m.tar.gz".into(), "m.pt".into(), "archive/data.pkl".into()],
            offset: Some(45),
        };
        assert_eq!(loc.to_string(), "m.tar.gz!/m.pt!/archive/data.pkl@45");
        assert_eq!(loc.root(), "m.tar.gz");
        assert_eq!(loc.inner().as_deref(), Some("m.pt!/archive/data.pkl"));
        assert_eq!(Location::file("x").inner(), None);
    }
}
