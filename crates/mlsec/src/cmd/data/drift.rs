//! `mlsec data drift REFERENCE CURRENT`: per-column drift tests and the dataset verdict.

use anyhow::{Context as _, bail};
use mlsec_data::drift::{self, ALL_TESTS, DriftOptions, DriftReport, DriftTest, Mode, TestChoice};
use mlsec_data::profile::{Profile, ProfileLimits, profile_file};
use mlsec_data::quality::{self, QualityConfig};
use mlsec_data::{ReadOptions, Schema};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Output formats of `mlsec data drift`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A table for people
    Human,
    /// mlsec.drift/v1 JSON (docs/drift-json.md)
    Json,
    /// A self-contained HTML report
    Html,
}

/// Selection modes.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeArg {
    /// Evidently DataDriftPreset defaults (KS / chi-square / Z up to 1000 reference rows,
    /// normalised Wasserstein / Jensen-Shannon ≥ 0.1 above)
    Evidently,
    /// Drift only when the test is significant (KS / chi-square p < 0.05) AND the distance is
    /// material (normalised Wasserstein / Jensen-Shannon ≥ 0.1)
    Strict,
}

/// Compare current data with a reference, column by column, and decide dataset drift.
///
/// REFERENCE is a data file (CSV, TSV, JSON Lines, Parquet) or a profile written by
/// `mlsec data profile`; CURRENT is a data file (or a profile). Both are streamed. Exit code 1
/// when the dataset drifts (share of drifted feature columns ≥ --drift-share), or when any
/// column drifts with --fail-on-column; 2 on error.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Tests (--tests, per column with COLUMN=TEST[:THRESHOLD]):
  p-values (drift when p < threshold): ks, chisquare, chi2_contingency, g_test, z, anderson, cvm
  distances (drift when value >= threshold): wasserstein, jensenshannon, psi, kl_div, hellinger,
  energy

Examples:
  mlsec data drift train.parquet today.parquet
  mlsec data drift train.profile.json today.csv --mode strict --format json -o drift.json
  mlsec data drift ref.csv cur.csv --tests ks,chisquare --tests age=psi:0.2
  mlsec data drift ref.csv cur.csv --config drift.toml   # mode, tests, [columns.NAME] test/threshold")]
pub struct Args {
    /// Reference data file or profile (.profile.json)
    pub reference: PathBuf,
    /// Current data file
    pub current: PathBuf,
    /// TOML schema declaring column types and roles (target, prediction, id, ignore …)
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// Tests to use: TEST[:THRESHOLD] applies to every column of a type it supports (first match
    /// wins), COLUMN=TEST[:THRESHOLD] to one column. Comma-separated or repeated
    #[arg(long, value_delimiter = ',')]
    pub tests: Vec<String>,
    /// How tests are chosen for columns without an explicit test
    #[arg(long, value_enum, default_value_t = ModeArg::Evidently)]
    pub mode: ModeArg,
    /// Share of drifted feature columns at which the dataset drifts
    #[arg(long, default_value_t = 0.5)]
    pub drift_share: f64,
    /// TOML file with mode, drift_share, tests and [columns.NAME] test / threshold
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Exit 1 when any column drifts, not only when the dataset does
    #[arg(long)]
    pub fail_on_column: bool,
    /// Output format
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to FILE instead of stdout
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    mode: Option<String>,
    drift_share: Option<f64>,
    #[serde(default)]
    tests: Vec<String>,
    #[serde(default)]
    columns: BTreeMap<String, ColumnConfig>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnConfig {
    test: String,
    threshold: Option<f64>,
}

fn parse_test(spec: &str) -> anyhow::Result<TestChoice> {
    let (name, thr) = match spec.split_once(':') {
        Some((n, t)) => (
            n,
            Some(
                t.trim()
                    .parse::<f64>()
                    .with_context(|| format!("threshold {t:?} in {spec:?} is not a number"))?,
            ),
        ),
        None => (spec, None),
    };
    let Some(test) = DriftTest::parse(name) else {
        let names: Vec<&str> = ALL_TESTS.iter().map(|t| t.name()).collect();
        bail!("unknown test {name:?}; known tests: {}", names.join(", "));
    };
    if let Some(t) = thr
        && !(t.is_finite() && t >= 0.0)
    {
        bail!("threshold {t} in {spec:?} must be a non-negative number");
    }
    Ok(TestChoice {
        test,
        threshold: thr,
    })
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.len(), |i| before.len() - i - 1)
        + 1;
    (line, col)
}

fn options(args: &Args) -> anyhow::Result<DriftOptions> {
    let mut opts = DriftOptions {
        mode: match args.mode {
            ModeArg::Evidently => Mode::Evidently,
            ModeArg::Strict => Mode::Strict,
        },
        drift_share: Some(args.drift_share),
        ..Default::default()
    };
    if let Some(path) = &args.config {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the config", path.display()))?;
        let cfg: ConfigFile = toml::from_str(&text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let (l, c) = line_col(&text, s.start);
                    format!("{}:{l}:{c}", path.display())
                })
                .unwrap_or_else(|| path.display().to_string());
            anyhow::anyhow!("{at}: {}", e.message())
        })?;
        match cfg.mode.as_deref() {
            None => {}
            Some("evidently") => opts.mode = Mode::Evidently,
            Some("strict") => opts.mode = Mode::Strict,
            Some(m) => bail!("{}: mode {m:?} is not evidently or strict", path.display()),
        }
        if let Some(s) = cfg.drift_share {
            opts.drift_share = Some(s);
        }
        for t in &cfg.tests {
            opts.tests
                .push(parse_test(t).with_context(|| format!("{}: tests", path.display()))?);
        }
        for (col, c) in cfg.columns {
            let mut choice = parse_test(&c.test)
                .with_context(|| format!("{}: columns.{col}", path.display()))?;
            choice.threshold = c.threshold.or(choice.threshold);
            opts.column_tests.insert(col, choice);
        }
    }
    for spec in &args.tests {
        match spec.split_once('=') {
            Some((col, t)) => {
                opts.column_tests
                    .insert(col.trim().to_string(), parse_test(t)?);
            }
            None => opts.tests.push(parse_test(spec)?),
        }
    }
    let share = opts.drift_share.unwrap_or(0.5);
    if !(0.0..=1.0).contains(&share) {
        bail!("--drift-share {share} must be between 0 and 1");
    }
    Ok(opts)
}

/// True when `path` holds an mlsec profile (by its first bytes).
fn is_profile(path: &Path) -> bool {
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = [0u8; 256];
    let n = f.read(&mut head).unwrap_or(0);
    let head = String::from_utf8_lossy(&head[..n]);
    head.trim_start().starts_with('{') && head.contains(mlsec_data::profile::PROFILE_SCHEMA)
}

fn load_side(path: &Path, schema: &Schema) -> anyhow::Result<Profile> {
    if is_profile(path) {
        return Ok(Profile::load(path)?);
    }
    Ok(profile_file(
        path,
        &ReadOptions::default(),
        schema,
        ProfileLimits::default(),
    )?)
}

fn color_wanted(to_file: bool) -> bool {
    !to_file && crate::color_wanted()
}

fn fmt_num(x: f64) -> String {
    if x.is_nan() {
        "-".into()
    } else if x == 0.0 {
        "0".into()
    } else if x.abs() < 1e-3 || x.abs() >= 1e6 {
        format!("{x:.3e}")
    } else {
        format!("{x:.4}")
    }
}

/// The human table.
pub fn human(report: &DriftReport, color: bool) -> String {
    use std::fmt::Write as _;
    let (red, green, yellow, bold, reset) = if color {
        ("\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[1m", "\x1b[0m")
    } else {
        ("", "", "", "", "")
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{bold}Drift{reset} ({} mode): {} ({} rows) → {} ({} rows)",
        report.mode.name(),
        report.reference.path,
        report.reference.rows,
        report.current.path,
        report.current.rows
    );
    let w = report
        .columns
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let _ = writeln!(
        out,
        "{bold}{:<w$}  {:<11}  {:<16}  {:>10}  {:>10}  {:>9}  drift{reset}",
        "column", "type", "test", "statistic", "p-value", "threshold"
    );
    for c in &report.columns {
        let verdict = if c.drift {
            format!("{red}DRIFT{reset}")
        } else {
            format!("{green}ok{reset}")
        };
        let ty = if c.role == mlsec_data::ColumnRole::Feature {
            c.ty.as_str().to_string()
        } else {
            format!("{}/{}", c.ty.as_str(), c.role.as_str())
        };
        let mut extra = String::new();
        if let Some(d) = &c.distance {
            let _ = write!(
                extra,
                "  ({} {} ≥ {})",
                d.test,
                fmt_num(d.value),
                d.threshold
            );
        }
        if let Some(n) = &c.note {
            let _ = write!(extra, "  [{n}]");
        }
        let _ = writeln!(
            out,
            "{:<w$}  {:<11}  {:<16}  {:>10}  {:>10}  {:>9}  {verdict}{extra}",
            c.name,
            ty,
            c.test,
            fmt_num(c.statistic),
            c.p_value.map_or("-".into(), fmt_num),
            c.threshold
        );
    }
    if !report.unmatched_columns.is_empty() {
        let _ = writeln!(
            out,
            "columns on one side only: {}",
            report.unmatched_columns.join(", ")
        );
    }
    let d = &report.dataset;
    let _ = writeln!(
        out,
        "{bold}Dataset:{reset} {}/{} feature columns drifted (share {:.2}, threshold {}) → {}",
        d.drifted,
        d.columns,
        d.share,
        d.threshold,
        if d.drift {
            format!("{red}{bold}DATASET DRIFT{reset}")
        } else {
            format!("{green}no dataset drift{reset}")
        }
    );
    for q in &report.quality {
        let field = |k: &str| q.get(k).and_then(|v| v.as_str()).unwrap_or("");
        let column = field("column");
        let _ = writeln!(
            out,
            "{yellow}{}{reset} {}{}{}",
            field("check"),
            column,
            if column.is_empty() { "" } else { ": " },
            field("message")
        );
    }
    for (what, c) in [
        ("Target", &report.target_drift),
        ("Prediction", &report.prediction_drift),
    ] {
        if let Some(c) = c {
            let _ = writeln!(
                out,
                "{what} drift ({}): {} via {}",
                c.name,
                if c.drift { "yes" } else { "no" },
                c.test
            );
        }
    }
    out
}

/// Runs `mlsec data drift`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let opts = options(args)?;
    let schema = match &args.schema {
        Some(p) => Schema::load(p)?,
        None => Schema::default(),
    };
    // The data-quality checks stream both files once more, beside the drift profiles; they need
    // the raw data, so they are skipped when either side is a stored profile.
    let both_data = !is_profile(&args.reference) && !is_profile(&args.current);
    let ((reference, current), quality) = rayon::join(
        || {
            rayon::join(
                || load_side(&args.reference, &schema),
                || load_side(&args.current, &schema),
            )
        },
        || {
            both_data.then(|| {
                quality::check_files(
                    &args.reference,
                    &args.current,
                    &ReadOptions::default(),
                    &schema,
                    &QualityConfig::default(),
                )
            })
        },
    );
    let (reference, current) = (reference?, current?);
    let mut report = drift::compare(&reference, &current, &opts);
    if let Some(q) = quality {
        report.quality = q?
            .issues
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<_, _>>()?;
    }
    let text = match args.format {
        Format::Human => human(&report, color_wanted(args.output.is_some())),
        Format::Json => report.to_json() + "\n",
        Format::Html => mlsec_report::html::drift::render(&report.to_value()),
    };
    super::emit(args.output.as_deref(), &text)?;
    let fail = report.dataset.drift || (args.fail_on_column && report.any_column_drift());
    Ok(if fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
