//! `mlsec data poison DATA --label COLUMN`: label-noise and poisoning screens.

use anyhow::Context as _;
use mlsec_data::poison::{self, PoisonConfig, PoisonReport, json::RenderOptions};
use mlsec_data::{Frame, ReadOptions, Schema};
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

const AFTER_HELP: &str = "\
Screens (each row can trip several; the combined score is a noisy-OR of their evidence):
  PSN001  label disagrees with its k nearest neighbours (distance-weighted)
  PSN002  identical rows with different labels
  PSN003  near-identical rows (every feature within --near-dup-eps robust SDs) with different labels
  PSN004  outlier within its own class (FastMCD robust Mahalanobis and isolation forest)
  PSN005  backdoor trigger: a feature value that predicts one label only in a small cluster
`mlsec data poison --explain PSN005` prints a check's documentation.

Exit status: 0 pass, 1 suspect share above --threshold or a trigger candidate, 2 error.

Examples:
  mlsec data poison train.csv --label y
  mlsec data poison train.parquet --label class --k 15 --top 50 --format json -o poison.json
  mlsec data poison train.csv --label y --schema schema.toml --threshold 0.02 --seed 7
  mlsec data poison train.csv --label y --format html -o poison.html";

/// Screen a labelled training set for label noise and poisoning.
///
/// Features are standardised robustly (median and MAD), categories one-hot encoded and missing
/// values imputed and flagged; then every labelled row is checked by exact kNN label
/// disagreement, conflicting (near-)duplicates, per-class outlier models and a backdoor
/// trigger search. All randomised steps are seeded.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Training data: CSV/TSV, JSON Lines or Parquet
    #[arg(required_unless_present = "explain")]
    pub data: Option<PathBuf>,
    /// The label column
    #[arg(long, short = 'l', required_unless_present = "explain")]
    pub label: Option<String>,
    /// TOML schema overriding column types and roles (role = "id" or "ignore" leaves a column
    /// out)
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,
    /// Neighbours per row
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub k: u16,
    /// Suspect rows listed
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Fail (exit 1) when the share of suspect rows exceeds this
    #[arg(long, default_value_t = 0.05, value_name = "SHARE")]
    pub threshold: f64,
    /// A row is a suspect when its combined score is at least this (0..1)
    #[arg(long, default_value_t = 0.7)]
    pub min_score: f64,
    /// Near-duplicate tolerance in robust standard deviations per feature (0 = exact only)
    #[arg(long, default_value_t = 0.01)]
    pub near_dup_eps: f64,
    /// Chi-square quantile of the robust Mahalanobis outlier cut-off
    #[arg(long, default_value_t = 0.999)]
    pub outlier_quantile: f64,
    /// Smallest trigger bin in rows (default: max(5, 0.2% of the rows))
    #[arg(long, value_name = "ROWS")]
    pub trigger_min_support: Option<usize>,
    /// Smallest share of a trigger bin's rows with its label
    #[arg(long, default_value_t = 0.9)]
    pub trigger_min_purity: f64,
    /// Seed of the randomised steps (FastMCD, isolation forest, samples)
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Read at most this many rows
    #[arg(long, value_name = "N")]
    pub max_rows: Option<u64>,
    /// Output format
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report here instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print the documentation of a check (PSN001…) and exit
    #[arg(long, value_name = "CODE", conflicts_with_all = ["data", "label"])]
    pub explain: Option<String>,
}

/// Report formats of `mlsec data poison`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For people
    Human,
    /// The `mlsec.poison/v1` JSON document
    Json,
    /// One self-contained HTML page (score histogram, triggers, suspect table)
    Html,
}

fn unit(name: &str, v: f64) -> anyhow::Result<()> {
    if !(0.0..=1.0).contains(&v) {
        anyhow::bail!("--{name} must be between 0 and 1, got {v}");
    }
    Ok(())
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    if let Some(code) = &args.explain {
        let Some(c) = poison::codes::find(code) else {
            anyhow::bail!("no check `{code}`\nhint: the checks are PSN001 to PSN005");
        };
        println!("{} {}\n{}\n\n{}", c.code, c.name, c.summary, c.doc_text());
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(path), Some(label)) = (&args.data, &args.label) else {
        anyhow::bail!("DATA and --label are required");
    };
    unit("threshold", args.threshold)?;
    unit("min-score", args.min_score)?;
    unit("trigger-min-purity", args.trigger_min_purity)?;
    if !(0.5..1.0).contains(&args.outlier_quantile) {
        anyhow::bail!(
            "--outlier-quantile must be in [0.5, 1), got {}",
            args.outlier_quantile
        );
    }
    if !(args.near_dup_eps >= 0.0 && args.near_dup_eps.is_finite()) {
        anyhow::bail!("--near-dup-eps must be a non-negative number");
    }
    let schema = match &args.schema {
        Some(p) => Schema::load(p)?,
        None => Schema::default(),
    };
    let opts = ReadOptions {
        max_rows: args.max_rows,
        ..ReadOptions::default()
    };
    let spinner = progress(&format!("reading {}", path.display()));
    let frame = Frame::read(path, &opts, &schema)?;
    let present: Vec<&str> = frame.columns.iter().map(|c| c.name.as_str()).collect();
    let unknown = schema.unknown_columns(&present);
    if !unknown.is_empty() {
        anyhow::bail!(
            "the schema names columns that are not in {}: {}",
            path.display(),
            unknown.join(", ")
        );
    }
    let cfg = PoisonConfig {
        k: args.k.into(),
        seed: args.seed,
        min_score: args.min_score,
        near_dup_eps: args.near_dup_eps,
        outlier_quantile: args.outlier_quantile,
        trigger_min_support: args.trigger_min_support.unwrap_or(0),
        trigger_min_purity: args.trigger_min_purity,
        ..PoisonConfig::default()
    };
    if let Some(s) = &spinner {
        s.set_message(format!("screening {} rows", frame.rows));
    }
    let report = poison::screen(&frame, label, &cfg).with_context(|| path.display().to_string())?;
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    let render = RenderOptions {
        file: path.display().to_string(),
        threshold: args.threshold,
        top: args.top,
    };
    let text = match args.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&report.to_json(&render))?;
            s.push('\n');
            s
        }
        Format::Human => human(&report, &render),
        Format::Html => super::poison_html::render(&report.to_json(&render)),
    };
    super::emit(args.output.as_deref(), &text)?;
    Ok(if report.fails(args.threshold) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn progress(msg: &str) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_message(msg.to_string());
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(pb)
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn num(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// The terminal report.
pub fn human(r: &PoisonReport, o: &RenderOptions) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let classes: Vec<String> = r
        .classes
        .iter()
        .map(|c| format!("{} ({})", c.label, c.rows))
        .collect();
    let _ = writeln!(
        s,
        "{}: {} rows screened by label `{}`: {}",
        o.file,
        r.scores.len(),
        r.label_column,
        classes.join(", ")
    );
    let _ = writeln!(
        s,
        "{} features, exact kNN ({}, k={}){}",
        r.features.len(),
        r.knn_method,
        r.k,
        if r.unlabelled > 0 {
            format!(", {} rows without a label skipped", r.unlabelled)
        } else {
            String::new()
        }
    );
    if !r.dropped.is_empty() {
        let d: Vec<String> = r
            .dropped
            .iter()
            .map(|(c, w)| format!("{c} ({w})"))
            .collect();
        let _ = writeln!(s, "left out: {}", d.join(", "));
    }
    let _ = writeln!(s);
    for (c, n) in r.counts() {
        let _ = writeln!(s, "  {}  {:<34} {:>7} rows", c.code, c.name, n);
    }
    if !r.triggers.is_empty() {
        let _ = writeln!(s, "\ntrigger candidates (PSN005):");
        for (i, t) in r.triggers.iter().enumerate() {
            let cond: Vec<String> = t
                .conditions
                .iter()
                .map(|c| {
                    let j = r.condition_json(c);
                    match (j.low, j.high, j.value, j.present) {
                        (Some(lo), Some(hi), _, _) if lo == hi => {
                            format!("{} = {}", j.column, num(lo))
                        }
                        (Some(lo), Some(hi), _, _) => {
                            format!("{} in [{}, {}]", j.column, num(lo), num(hi))
                        }
                        (_, _, Some(v), Some(true)) => format!("{} = {v}", j.column),
                        (_, _, Some(v), _) => format!("{} != {v}", j.column),
                        _ => j.feature,
                    }
                })
                .collect();
            let _ = writeln!(
                s,
                "  #{i} {} -> label {}: support {}, purity {}, lift {:.2}, neighbours {}",
                cond.join(" and "),
                r.label(t.target),
                t.support,
                pct(t.purity),
                t.lift,
                pct(t.neighbour_share)
            );
        }
    }
    if !r.duplicates.is_empty() {
        let exact = r.duplicates.iter().filter(|g| g.exact).count();
        let _ = writeln!(
            s,
            "\nconflicting duplicate groups: {exact} exact, {} near",
            r.duplicates.len() - exact
        );
    }
    let suspects = r.suspects();
    let _ = writeln!(
        s,
        "\nsuspects: {} of {} rows ({}) score >= {}",
        suspects.len(),
        r.scores.len(),
        pct(r.suspect_share()),
        num(r.config.min_score)
    );
    if !suspects.is_empty() {
        let _ = writeln!(
            s,
            "  {:>8}  {:<12} {:>5}  {:>5}  {:<12} reasons",
            "row", "label", "score", "kNN", "neighbours"
        );
        for x in suspects.iter().take(o.top) {
            let _ = writeln!(
                s,
                "  {:>8}  {:<12} {:>5.2}  {:>5.2}  {:<12} {}",
                x.row,
                r.label(x.label),
                x.score,
                x.knn_score,
                r.label(x.knn_label),
                x.reasons.join(",")
            );
        }
        if suspects.len() > o.top {
            let _ = writeln!(
                s,
                "  … {} more (--top N, or --format json)",
                suspects.len() - o.top
            );
        }
    }
    let fail = r.fails(o.threshold);
    let why = if !r.triggers.is_empty() {
        format!("{} trigger candidate(s)", r.triggers.len())
    } else if fail {
        format!(
            "suspect share {} > {}",
            pct(r.suspect_share()),
            pct(o.threshold)
        )
    } else {
        format!(
            "suspect share {} <= {}",
            pct(r.suspect_share()),
            pct(o.threshold)
        )
    };
    let _ = writeln!(
        s,
        "\nverdict: {} ({why})",
        if fail { "fail" } else { "pass" }
    );
    s
}
