//! Renderers: inner crates return data, this crate turns it into terminal text, JSON and SARIF.
//!
//! Architecture invariant: renderers never decide anything. Verdicts (exit status, what counts
//! as failing) are computed once, in [`ScanRun::verdict`], and every format shows the same one.

pub mod html;
mod human;
mod json;
mod rules;
mod sarif;

pub use human::{Style, human};
pub use json::{SCAN_SCHEMA, json, json_to};
pub use rules::{rules_json, rules_table};
pub use sarif::sarif;

use mlsec_core::Severity;
use mlsec_scan::{FileReport, WaiverUse};
use std::time::Duration;

/// One run of `mlsec scan`: what was scanned and the thresholds it is judged by.
#[derive(Debug)]
pub struct ScanRun {
    /// One report per file scanned, in a stable order.
    pub reports: Vec<FileReport>,
    /// Files that could not be scanned at all: (path, error).
    pub errors: Vec<(String, String)>,
    /// Waivers from the policy and how often each matched.
    pub waivers: Vec<WaiverUse>,
    /// Findings at or above this severity fail the run.
    pub fail_on: Severity,
    /// Anything not fully checked fails the run.
    pub strict: bool,
    /// Wall time of the scan.
    pub elapsed: Duration,
}

/// What a run amounts to; maps onto exit codes 0 / 1 / 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing at or above the threshold (exit 0).
    Pass,
    /// Findings at or above the threshold (exit 1).
    Findings,
    /// The tool failed on some input, or `--strict` and something was not fully checked (exit 2).
    Error,
}

/// Per-file status, as shown in every format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileStatus {
    /// No finding at or above the threshold, and everything was checked.
    Clean,
    /// Findings at or above the threshold.
    Findings,
    /// No failing finding, but part of the file could not be checked.
    Incomplete,
}

impl FileStatus {
    /// Lowercase name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Clean => "clean",
            FileStatus::Findings => "findings",
            FileStatus::Incomplete => "incomplete",
        }
    }
}

/// Counts over a run.
#[derive(Debug, Default, Clone)]
pub struct Totals {
    /// Files scanned.
    pub files: usize,
    /// Bytes in those files.
    pub bytes: u64,
    /// Findings by severity, indexed like [`Severity::ALL`].
    pub by_severity: [usize; 5],
    /// Findings waived by the policy.
    pub waived: usize,
    /// Files with at least one problem.
    pub incomplete_files: usize,
    /// Problems in all files.
    pub problems: usize,
    /// Files with findings at or above the threshold.
    pub failing_files: usize,
}

impl ScanRun {
    /// Status of one file under this run's threshold.
    pub fn status(&self, r: &FileReport) -> FileStatus {
        if r.findings.iter().any(|f| f.severity >= self.fail_on) {
            FileStatus::Findings
        } else if !r.problems.is_empty() {
            FileStatus::Incomplete
        } else {
            FileStatus::Clean
        }
    }

    /// The run's verdict. Tool errors and (with `--strict`) incomplete files outrank findings:
    /// an exit code of 1 must always mean "we looked and found something".
    pub fn verdict(&self) -> Verdict {
        if !self.errors.is_empty()
            || (self.strict && self.reports.iter().any(|r| !r.problems.is_empty()))
        {
            Verdict::Error
        } else if self
            .reports
            .iter()
            .any(|r| self.status(r) == FileStatus::Findings)
        {
            Verdict::Findings
        } else {
            Verdict::Pass
        }
    }

    /// Counts for summaries.
    pub fn totals(&self) -> Totals {
        let mut t = Totals {
            files: self.reports.len(),
            ..Totals::default()
        };
        for r in &self.reports {
            t.bytes += r.size;
            for f in &r.findings {
                t.by_severity[f.severity as usize] += 1;
            }
            t.waived += r.waived.len();
            t.problems += r.problems.len();
            if !r.problems.is_empty() {
                t.incomplete_files += 1;
            }
            if self.status(r) == FileStatus::Findings {
                t.failing_files += 1;
            }
        }
        t
    }

    /// Waivers that matched nothing in this run.
    pub fn stale_waivers(&self) -> impl Iterator<Item = &WaiverUse> {
        self.waivers.iter().filter(|w| w.hits == 0)
    }
}

/// FNV-1a, for stable fingerprints of findings across runs (not a security hash).
pub(crate) fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use mlsec_core::{Confidence, Finding, Location, Problem, ProblemKind};

    /// A run with one failing file, one incomplete file and one clean file.
    pub fn sample_run() -> ScanRun {
        let bad = FileReport {
            path: "models/evil.pt".into(),
            size: 2048,
            formats: vec![
                ("models/evil.pt".into(), "zip"),
                ("models/evil.pt!/archive/data.pkl".into(), "pickle"),
            ],
            findings: vec![Finding {
                rule: "GEN001",
                severity: Severity::Critical,
                confidence: Confidence::High,
                location: Location {
                    chain: vec!["models/evil.pt".into(), "archive/data.pkl".into()],
                    offset: Some(45),
                },
                message: "calls os.system".into(),
                evidence: Some("os.system".into()),
            }],
            waived: vec![],
            problems: vec![],
        };
        let partial = FileReport {
            path: "models/big.bin".into(),
            size: 10,
            formats: vec![("models/big.bin".into(), "pickle")],
            findings: vec![],
            waived: vec![],
            problems: vec![Problem {
                kind: ProblemKind::Truncated,
                location: Location {
                    chain: vec!["models/big.bin".into()],
                    offset: Some(9),
                },
                message: "pickle stream ends before STOP".into(),
            }],
        };
        let clean = FileReport {
            path: "models/ok.safetensors".into(),
            size: 100,
            formats: vec![("models/ok.safetensors".into(), "safetensors")],
            findings: vec![],
            waived: vec![],
            problems: vec![],
        };
        ScanRun {
            reports: vec![bad, partial, clean],
            errors: vec![],
            waivers: vec![],
            fail_on: Severity::High,
            strict: false,
            elapsed: Duration::from_millis(12),
        }
    }

    #[test]
    fn verdicts() {
        let mut run = sample_run();
        assert_eq!(run.verdict(), Verdict::Findings);
        assert_eq!(run.status(&run.reports[1]), FileStatus::Incomplete);
        run.strict = true;
        assert_eq!(run.verdict(), Verdict::Error);
        run.strict = false;
        run.reports.remove(0);
        assert_eq!(run.verdict(), Verdict::Pass);
        run.errors.push(("x".into(), "permission denied".into()));
        assert_eq!(run.verdict(), Verdict::Error);
        let t = sample_run().totals();
        assert_eq!(
            (
                t.files,
                t.by_severity[4],
                t.incomplete_files,
                t.failing_files
            ),
            (3, 1, 1, 1)
        );
    }
}
