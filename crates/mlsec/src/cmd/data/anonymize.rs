//! `mlsec data anonymize`: apply a pseudonymisation / anonymisation policy and report
//! k-anonymity.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use mlsec_data::ReadOptions;
use mlsec_data::anonymize::{self, AnonymizeOptions, AnonymizeReport, KReport, Key, Policy};
use mlsec_data::pii::{self, PiiOptions};
use serde::Serialize;

use crate::cmd::OutputFormat;

const AFTER_HELP: &str = "\
Examples:
  head -c 32 /dev/urandom > pii.key            # keep it out of the repository
  mlsec data anonymize customers.csv --key-file pii.key -o customers.anon.csv
  mlsec data anonymize customers.csv --key-file pii.key -o out.parquet --policy policy.toml \\
      --quasi-identifiers age,zip,sex --sensitive diagnosis --k 5
  mlsec data anonymize customers.csv --key-file pii.key -o out.csv --write-policy policy.toml

Without --policy the columns `mlsec data pii` flags get a default action (tokens for ids and
e-mails, last-4 masks for cards and phones, year for birth dates, 3-character postcode
prefixes, /24 networks for IPs, redaction for free text); --write-policy saves it for review.
Policy actions: keep, drop, suppress, pseudonymize, mask, fpe, band, date, prefix, round,
truncate_ip, redact (see docs/pii-json.md).
Exit status: 0 done, 1 k-anonymity after anonymisation is below --k, 2 error.";

/// Pseudonymise and anonymise a dataset column by column, streaming batch by batch.
///
/// Tokens are HMAC-SHA256 under a subkey of --key-file: the same value and key give the same
/// token in every file, so joins still work, and without the key tokens cannot be reversed or
/// recomputed. The key is never printed or logged.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The dataset (CSV/TSV, JSON Lines or Parquet)
    pub data: PathBuf,
    /// File holding the secret key (at least 16 bytes; one trailing newline is ignored)
    #[arg(long, value_name = "FILE")]
    pub key_file: PathBuf,
    /// Where to write the anonymised data (format from the extension, else the input's)
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
    /// TOML policy: `[columns.NAME]` tables with an `action`
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Save the policy used (the default one when --policy is absent) to FILE
    #[arg(long, value_name = "FILE")]
    pub write_policy: Option<PathBuf>,
    /// Quasi-identifier columns for the k-anonymity report (comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub quasi_identifiers: Vec<String>,
    /// Sensitive column for l-diversity
    #[arg(long, value_name = "COL", requires = "quasi_identifiers")]
    pub sensitive: Option<String>,
    /// Target k: exit 1 when the output's smallest equivalence class is smaller
    #[arg(long, value_name = "N", requires = "quasi_identifiers", value_parser = clap::value_parser!(u64).range(1..))]
    pub k: Option<u64>,
    /// Report format on stdout
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

/// Runs `mlsec data anonymize`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let key = Key::from_file(&args.key_file)?;
    if same_file(&args.data, &args.output) {
        anyhow::bail!(
            "{}: output would overwrite the input",
            args.output.display()
        );
    }
    let (policy, text) = match &args.policy {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("{}: cannot read the policy", p.display()))?;
            (
                Policy::from_toml(&text, &p.display().to_string())?,
                Some(text),
            )
        }
        None => {
            let report = pii::scan_file(&args.data, &Default::default(), &PiiOptions::default())?;
            (Policy::from_findings(&report), None)
        }
    };
    if let Some(w) = &args.write_policy {
        std::fs::write(w, policy.to_toml())
            .with_context(|| format!("{}: cannot write", w.display()))?;
    }
    let input_format = mlsec_data::table::detect_format(&args.data)?;
    let opts = AnonymizeOptions {
        read: ReadOptions::default(),
        output_format: Some(anonymize::output_format_for(&args.output, input_format)),
        quasi_identifiers: args.quasi_identifiers.clone(),
        sensitive: args.sensitive.clone(),
        k: args.k,
    };
    let origin = args.policy.as_ref().map(|p| p.display().to_string());
    let policy_text = match (&text, &origin) {
        (Some(t), Some(o)) => Some((t.as_str(), o.as_str())),
        _ => None,
    };
    let report =
        anonymize::anonymize_file(&args.data, &args.output, &policy, policy_text, &key, &opts)?;
    let below = match (args.k, &report.after) {
        (Some(k), Some(after)) => after.k < k,
        _ => false,
    };
    let out = match args.format {
        OutputFormat::Human => human(&report, args.k, args.policy.is_none()),
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(&json(&report, args.k, below))?;
            s.push('\n');
            s
        }
    };
    super::emit(None, &out)?;
    Ok(if below {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn k_line(s: &mut String, label: &str, r: &KReport) {
    let _ = write!(
        s,
        "  {label:<7} {} classes over {} rows, k = {}",
        r.classes, r.rows, r.k
    );
    if let Some((c, rows)) = r.below_k {
        let _ = write!(s, ", {c} classes ({rows} rows) below target");
    }
    if let Some(l) = r.l {
        let _ = write!(s, ", l = {l}");
    }
    if let Some(h) = r.homogeneous {
        let _ = write!(s, ", {h} homogeneous");
    }
    let _ = writeln!(s);
}

fn human(r: &AnonymizeReport, k: Option<u64>, default_policy: bool) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} → {} ({} → {}, {} rows){}",
        r.input,
        r.output,
        r.input_format.name(),
        r.output_format.name(),
        r.rows,
        if default_policy {
            ", default policy from the PII scan"
        } else {
            ""
        }
    );
    for ((name, action), changed) in r.columns.iter().zip(&r.changed) {
        if *action != "keep" {
            let _ = writeln!(s, "  {name:<24} {action:<13} {changed} values changed");
        }
    }
    if let (Some(b), Some(a)) = (&r.before, &r.after) {
        let _ = writeln!(
            s,
            "k-anonymity{}:",
            k.map(|k| format!(" (target k = {k})")).unwrap_or_default()
        );
        k_line(&mut s, "before", b);
        k_line(&mut s, "after", a);
    }
    s
}

/// `mlsec.anonymize/v1` (docs/pii-json.md).
#[derive(Serialize)]
struct Json<'a> {
    schema: &'static str,
    input: &'a str,
    output: &'a str,
    input_format: &'static str,
    output_format: &'static str,
    rows: u64,
    columns: Vec<ColumnJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_k: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    before: Option<KJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after: Option<KJson>,
    verdict: &'static str,
}

#[derive(Serialize)]
struct ColumnJson<'a> {
    name: &'a str,
    action: &'static str,
    changed: u64,
}

#[derive(Serialize)]
struct KJson {
    rows: u64,
    classes: u64,
    k: u64,
    classes_below_k: Option<u64>,
    rows_below_k: Option<u64>,
    l: Option<u64>,
    homogeneous_classes: Option<u64>,
    class_size_histogram: [u64; 6],
}

fn kjson(r: &KReport) -> KJson {
    KJson {
        rows: r.rows,
        classes: r.classes,
        k: r.k,
        classes_below_k: r.below_k.map(|b| b.0),
        rows_below_k: r.below_k.map(|b| b.1),
        l: r.l,
        homogeneous_classes: r.homogeneous,
        class_size_histogram: r.histogram,
    }
}

fn json(r: &AnonymizeReport, k: Option<u64>, below: bool) -> Json<'_> {
    Json {
        schema: "mlsec.anonymize/v1",
        input: &r.input,
        output: &r.output,
        input_format: r.input_format.name(),
        output_format: r.output_format.name(),
        rows: r.rows,
        columns: r
            .columns
            .iter()
            .zip(&r.changed)
            .map(|((n, a), c)| ColumnJson {
                name: n,
                action: a,
                changed: *c,
            })
            .collect(),
        target_k: k,
        before: r.before.as_ref().map(kjson),
        after: r.after.as_ref().map(kjson),
        verdict: if below { "below_k" } else { "ok" },
    }
}
