//! The JSON report. Its schema is versioned by [`SCAN_SCHEMA`]; a breaking change bumps it.
//! The fields are documented in `docs/scan-json.md`.

use crate::{ScanRun, Verdict};
use mlsec_core::{Finding, Problem, Severity};
use mlsec_scan::rules;
use serde::Serialize;

/// Identifier and version of the scan report schema.
pub const SCAN_SCHEMA: &str = "mlsec.scan/v1";

#[derive(Serialize)]
struct Report<'a> {
    schema: &'static str,
    tool: Tool,
    verdict: &'static str,
    fail_on: &'static str,
    strict: bool,
    summary: Summary,
    files: Vec<File<'a>>,
    errors: Vec<Error<'a>>,
    waivers: Vec<Waiver<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    bytes: u64,
    elapsed_ms: u128,
    findings: Counts,
    waived: usize,
    incomplete_files: usize,
    problems: usize,
    failing_files: usize,
}

#[derive(Serialize)]
struct Counts {
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    info: usize,
}

#[derive(Serialize)]
struct File<'a> {
    path: &'a str,
    size: u64,
    format: &'a str,
    status: &'static str,
    max_severity: Option<&'static str>,
    formats: Vec<FormatAt<'a>>,
    findings: Vec<JFinding<'a>>,
    waived: Vec<Waived<'a>>,
    problems: Vec<JProblem<'a>>,
}

#[derive(Serialize)]
struct FormatAt<'a> {
    location: &'a str,
    format: &'a str,
}

#[derive(Serialize)]
struct JLocation<'a> {
    path: &'a str,
    members: &'a [String],
    offset: Option<u64>,
    display: String,
}

impl<'a> JLocation<'a> {
    fn of(loc: &'a mlsec_core::Location) -> JLocation<'a> {
        JLocation {
            path: loc.root(),
            members: loc.chain.get(1..).unwrap_or(&[]),
            offset: loc.offset,
            display: loc.to_string(),
        }
    }
}

#[derive(Serialize)]
struct JFinding<'a> {
    rule: &'a str,
    name: &'a str,
    severity: &'static str,
    confidence: &'static str,
    location: JLocation<'a>,
    message: &'a str,
    evidence: Option<&'a str>,
    references: &'static [String],
    fingerprint: String,
}

impl<'a> JFinding<'a> {
    fn of(f: &'a Finding) -> JFinding<'a> {
        let rule = rules::find(f.rule);
        JFinding {
            rule: f.rule,
            name: rule.map(|r| r.name).unwrap_or(""),
            severity: f.severity.as_str(),
            confidence: f.confidence.as_str(),
            location: JLocation::of(&f.location),
            message: &f.message,
            evidence: f.evidence.as_deref(),
            references: rule.map(|r| r.references()).unwrap_or(&[]),
            fingerprint: finding_fingerprint(f),
        }
    }
}

/// Stable across runs: rule, container chain (no offset) and evidence.
pub(crate) fn finding_fingerprint(f: &Finding) -> String {
    let chain = f.location.chain.join("!/");
    crate::fingerprint(&[f.rule, &chain, f.evidence.as_deref().unwrap_or("")])
}

#[derive(Serialize)]
struct Waived<'a> {
    #[serde(flatten)]
    finding: JFinding<'a>,
    reason: &'a str,
}

#[derive(Serialize)]
struct JProblem<'a> {
    kind: &'static str,
    location: JLocation<'a>,
    message: &'a str,
}

impl<'a> JProblem<'a> {
    fn of(p: &'a Problem) -> JProblem<'a> {
        JProblem {
            kind: p.kind.as_str(),
            location: JLocation::of(&p.location),
            message: &p.message,
        }
    }
}

#[derive(Serialize)]
struct Error<'a> {
    path: &'a str,
    error: &'a str,
}

#[derive(Serialize)]
struct Waiver<'a> {
    rule: &'a str,
    origin: &'a str,
    hits: u64,
}

/// Renders the run as a JSON document (schema [`SCAN_SCHEMA`]).
pub fn json(run: &ScanRun) -> String {
    let mut out = Vec::new();
    match json_to(run, &mut out) {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(e) => format!("{{\"error\":\"{e}\"}}"),
    }
}

/// Writes the run as a JSON document (schema [`SCAN_SCHEMA`]) to `w`, without holding the
/// whole text in memory (a scan of many thousands of files renders megabytes).
pub fn json_to(run: &ScanRun, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let t = run.totals();
    let c = |s: Severity| t.by_severity[s as usize];
    let report = Report {
        schema: SCAN_SCHEMA,
        tool: Tool {
            name: "mlsec",
            version: env!("CARGO_PKG_VERSION"),
        },
        verdict: match run.verdict() {
            Verdict::Pass => "pass",
            Verdict::Findings => "findings",
            Verdict::Error => "error",
        },
        fail_on: run.fail_on.as_str(),
        strict: run.strict,
        summary: Summary {
            files: t.files,
            bytes: t.bytes,
            elapsed_ms: run.elapsed.as_millis(),
            findings: Counts {
                critical: c(Severity::Critical),
                high: c(Severity::High),
                medium: c(Severity::Medium),
                low: c(Severity::Low),
                info: c(Severity::Info),
            },
            waived: t.waived,
            incomplete_files: t.incomplete_files,
            problems: t.problems,
            failing_files: t.failing_files,
        },
        files: run
            .reports
            .iter()
            .map(|r| File {
                path: &r.path,
                size: r.size,
                format: r.format(),
                status: run.status(r).as_str(),
                max_severity: r.max_severity().map(Severity::as_str),
                formats: r
                    .formats
                    .iter()
                    .map(|(l, f)| FormatAt {
                        location: l,
                        format: f,
                    })
                    .collect(),
                findings: r.findings.iter().map(JFinding::of).collect(),
                waived: r
                    .waived
                    .iter()
                    .map(|(f, reason)| Waived {
                        finding: JFinding::of(f),
                        reason,
                    })
                    .collect(),
                problems: r.problems.iter().map(JProblem::of).collect(),
            })
            .collect(),
        errors: run
            .errors
            .iter()
            .map(|(p, e)| Error { path: p, error: e })
            .collect(),
        waivers: run
            .waivers
            .iter()
            .map(|w| Waiver {
                rule: &w.rule,
                origin: &w.origin,
                hits: w.hits,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(w, &report).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::sample_run;

    #[test]
    fn json_carries_schema_verdict_and_locations() {
        let v: serde_json::Value = serde_json::from_str(&json(&sample_run())).unwrap();
        assert_eq!(v["schema"], SCAN_SCHEMA);
        assert_eq!(v["verdict"], "findings");
        assert_eq!(v["summary"]["findings"]["critical"], 1);
        let f = &v["files"][0]["findings"][0];
        assert_eq!(f["rule"], "GEN001");
        assert_eq!(f["location"]["members"][0], "archive/data.pkl");
        assert_eq!(f["location"]["offset"], 45);
        assert_eq!(
            f["location"]["display"],
            "models/evil.pt!/archive/data.pkl@45"
        );
        assert_eq!(v["files"][1]["status"], "incomplete");
        assert_eq!(v["files"][1]["problems"][0]["kind"], "truncated");
        assert_eq!(v["files"][2]["status"], "clean");
    }
}
