//! `mlsec data pii`: per-column PII detection.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use mlsec_core::Confidence;
use mlsec_data::pii::{self, PiiOptions, PiiReport};
use mlsec_data::{ReadOptions, Schema};
use serde::Serialize;

use crate::cmd::OutputFormat;

const AFTER_HELP: &str = "\
Examples:
  mlsec data pii customers.csv
  mlsec data pii events.parquet --format json --output pii.json
  mlsec data pii train.jsonl --min-share 0.05 --fail-on high

Every detector is a rule with a code (PII001 email … PII016 person name); `--explain CODE`
prints its documentation. Reports carry row numbers, never the values found.
Exit status: 0 no PII at or above --fail-on, 1 PII found, 2 error.";

/// Find personal data in a CSV, JSON Lines or Parquet file, column by column.
///
/// Every value is checked by every detector (checksums where the identifier has one: Luhn,
/// mod-97, the NIR key, the DNI letter, the codice fiscale check character, the BSN 11-test);
/// detectors whose patterns are ambiguous alone (bare nine-digit numbers, dates, postcodes)
/// need a column name that hints at them. A column is reported for a detector when at least
/// --min-share of its values match, or when its name hints at the kind and one value matches.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The dataset (CSV/TSV, JSON Lines or Parquet; detected from content)
    #[arg(required_unless_present = "explain")]
    pub data: Option<PathBuf>,
    /// TOML schema: columns with `role = "ignore"` are skipped
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,
    /// Output format
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Write the report to FILE instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Share of a column's values that must match a detector for a finding
    #[arg(long, value_name = "SHARE", default_value_t = 0.01)]
    pub min_share: f64,
    /// Exit 1 when a finding has at least this confidence
    #[arg(long, value_enum, default_value_t = FailOn::Medium)]
    pub fail_on: FailOn,
    /// Read at most N rows
    #[arg(long, value_name = "N")]
    pub max_rows: Option<u64>,
    /// Print the documentation of a detector (code such as PII003 or name) and exit
    #[arg(long, value_name = "CODE")]
    pub explain: Option<String>,
}

/// Confidence threshold for the exit status.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Any finding
    Low,
    /// Medium or high confidence
    Medium,
    /// High confidence only
    High,
}

impl FailOn {
    fn confidence(self) -> Confidence {
        match self {
            FailOn::Low => Confidence::Low,
            FailOn::Medium => Confidence::Medium,
            FailOn::High => Confidence::High,
        }
    }
}

/// Runs `mlsec data pii`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    if let Some(code) = &args.explain {
        let d = pii::by_code(code).with_context(|| {
            format!(
                "no detector {code:?}\nhint: codes are {}",
                pii::ALL
                    .iter()
                    .map(|d| d.code)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        super::emit(
            None,
            &format!("{} {}: {}\n\n{}\n", d.code, d.name, d.summary, d.doc_text()),
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(data) = &args.data else {
        anyhow::bail!("no dataset given");
    };
    if !(0.0..=1.0).contains(&args.min_share) {
        anyhow::bail!("--min-share {}: must be between 0 and 1", args.min_share);
    }
    let schema = match &args.schema {
        Some(p) => Schema::load(p)?,
        None => Schema::default(),
    };
    let opts = PiiOptions {
        read: ReadOptions {
            max_rows: args.max_rows,
            ..Default::default()
        },
        min_share: args.min_share,
        ..Default::default()
    };
    let started = std::time::Instant::now();
    let report = pii::scan_file(data, &schema, &opts)?;
    tracing::info!(
        rows = report.rows,
        secs = started.elapsed().as_secs_f64(),
        "pii scan done"
    );
    let fail = report.has_findings(args.fail_on.confidence());
    let text = match args.format {
        OutputFormat::Human => human(&report, args.fail_on.confidence()),
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(&json(&report, fail))?;
            s.push('\n');
            s
        }
    };
    super::emit(args.output.as_deref(), &text)?;
    Ok(if fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn bar(share: f64) -> String {
    let n = (share * 20.0).round() as usize;
    format!("{}{}", "#".repeat(n), ".".repeat(20 - n.min(20)))
}

fn human(r: &PiiReport, fail_on: Confidence) -> String {
    let mut s = String::new();
    let flagged = r.columns.iter().filter(|c| !c.findings.is_empty()).count();
    let _ = writeln!(
        s,
        "{} ({}, {} rows, {} columns): {}",
        display_name(&r.path),
        r.format.name(),
        r.rows,
        r.columns.len(),
        if flagged == 0 {
            "no PII found".to_string()
        } else {
            format!(
                "PII in {flagged} column{}",
                if flagged == 1 { "" } else { "s" }
            )
        }
    );
    if flagged == 0 {
        return s;
    }
    let width = r
        .columns
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(6)
        .clamp(6, 32);
    let _ = writeln!(
        s,
        "\n  {:width$}  {:<28}  {:>7}  {:<20}  {:>9}  {:<10}  first rows",
        "column", "detector", "share", "", "values", "confidence"
    );
    for (col, f) in r.findings() {
        let mark = if f.confidence >= fail_on {
            ""
        } else {
            " (below --fail-on)"
        };
        let _ = writeln!(
            s,
            "  {:width$}  {:<28}  {:>6.1}%  {}  {:>9}  {:<10}  {}{}{}",
            truncate(&col.name, width),
            format!("{} {}", f.detector.code, f.detector.name),
            f.share * 100.0,
            bar(f.share),
            f.matched,
            f.confidence.as_str(),
            f.rows
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(","),
            if f.name_hint { "  [column name]" } else { "" },
            mark,
        );
    }
    let _ = writeln!(
        s,
        "\nhint: `mlsec data pii --explain CODE` documents a detector; `mlsec data anonymize` applies a policy"
    );
    s
}

fn display_name(p: &str) -> String {
    Path::new(p).display().to_string()
}

fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(width - 1).collect();
        t.push('~');
        t
    }
}

/// `mlsec.pii/v1` (docs/pii-json.md).
#[derive(Serialize)]
struct Json<'a> {
    schema: &'static str,
    path: &'a str,
    format: &'static str,
    rows: u64,
    min_share: f64,
    verdict: &'static str,
    columns: Vec<ColumnJson<'a>>,
}

#[derive(Serialize)]
struct ColumnJson<'a> {
    name: &'a str,
    values: u64,
    hinted: &'a [&'static str],
    findings: Vec<FindingJson<'a>>,
}

#[derive(Serialize)]
struct FindingJson<'a> {
    code: &'static str,
    name: &'static str,
    summary: &'static str,
    severity: &'static str,
    matched: u64,
    matched_high: u64,
    share: f64,
    confidence: &'static str,
    name_hint: bool,
    rows: &'a [u64],
}

fn json(r: &PiiReport, fail: bool) -> Json<'_> {
    Json {
        schema: "mlsec.pii/v1",
        path: &r.path,
        format: r.format.name(),
        rows: r.rows,
        min_share: r.min_share,
        verdict: if fail { "pii" } else { "clean" },
        columns: r
            .columns
            .iter()
            .map(|c| ColumnJson {
                name: &c.name,
                values: c.values,
                hinted: &c.hinted,
                findings: c
                    .findings
                    .iter()
                    .map(|f| FindingJson {
                        code: f.detector.code,
                        name: f.detector.name,
                        summary: f.detector.summary,
                        severity: f.detector.severity.as_str(),
                        matched: f.matched,
                        matched_high: f.matched_high,
                        share: f.share,
                        confidence: f.confidence.as_str(),
                        name_hint: f.name_hint,
                        rows: &f.rows,
                    })
                    .collect(),
            })
            .collect(),
    }
}
