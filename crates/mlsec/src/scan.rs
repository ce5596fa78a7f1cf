//! `mlsec scan`.

use crate::{OutputFormat, policy_file, targets};
use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use indicatif::{ProgressBar, ProgressStyle};
use mlsec_core::Severity;
use mlsec_report::{ScanRun, Style, Verdict};
use mlsec_scan::{Policy, Scanner};
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

/// Scan model files for code that runs when they are loaded, and for tampering.
#[derive(ClapArgs, Debug)]
#[command(after_long_help = SCAN_HELP)]
pub struct Args {
    /// Files or directories to scan (directories recursively; Hugging Face cache folders too)
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,

    /// Write the report to FILE instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit 1 when a finding is at or above this severity [default: high, or the policy's]
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,

    /// Fail (exit 2) when anything could not be fully checked
    #[arg(long)]
    pub strict: bool,

    /// Policy file (TOML): allowed globals, severity overrides, waivers, limits
    #[arg(long, value_name = "FILE", env = "MLSEC_POLICY")]
    pub policy: Option<PathBuf>,

    /// List clean files too (human format)
    #[arg(long, short = 'v')]
    pub verbose: bool,

    /// Threads to scan with [default: number of cores]
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,

    /// Model digest (sha256:…, the OMS manifest root) the recorded scan event names
    /// [default with --record and one PATH: computed from that PATH]
    #[arg(long, value_name = "DIGEST")]
    pub model_digest: Option<String>,

    #[command(flatten)]
    pub record: crate::record::RecordArgs,
}

const SCAN_HELP: &str = "\
Formats are recognised by content, never by file name, and containers (zip, tar, gzip, bzip2,
xz, zstd, lz4, 7z) are opened recursively within limits. Nothing that is read is ever executed.

Exit status:
  0  nothing at or above --fail-on
  1  findings at or above --fail-on
  2  mlsec failed, a path could not be read, or (with --strict) something was not fully checked

Examples:
  mlsec scan model.pt
  mlsec scan --format sarif --output mlsec.sarif ~/.cache/huggingface/hub
  mlsec scan --fail-on medium --strict --policy mlsec-policy.toml models/

`mlsec rules` lists the rules; `mlsec rules PKL001` explains one.

With --record (or a store configured), the verdict is appended to the evidence store as a `scan`
event naming --model-digest, which `mlsec registry promote` policies can require.
";

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s)
        .ok_or_else(|| format!("`{s}` is not a severity; use info, low, medium, high or critical"))
}

/// Today's date as `YYYY-MM-DD` (UTC), for waiver expiry.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    // Howard Hinnant's days-to-civil algorithm.
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Files per scanning job.
const BATCH: usize = 16;

pub fn run(args: &Args, color: bool) -> Result<Verdict> {
    let loaded = match &args.policy {
        Some(p) => policy_file::load(p, &today())?,
        None => policy_file::Loaded {
            policy: Policy::default(),
            ..Default::default()
        },
    };
    for w in &loaded.expired {
        eprintln!("warning: {w}");
    }
    let fail_on = args.fail_on.or(loaded.fail_on).unwrap_or(Severity::High);
    let scanner = Scanner::new(loaded.limits, loaded.policy);
    let start = Instant::now();
    // A bar for directories or several files; one file is done before a bar would draw.
    let one_file = matches!(args.paths.as_slice(), [p] if p.is_file());
    let show_progress = std::io::stderr().is_terminal() && !one_file;
    let bar = if show_progress {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} scanning {pos}/{len} files [{elapsed}] {wide_msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    } else {
        ProgressBar::hidden()
    };

    // The walk runs on this thread and hands each file to the pool as soon as it is found, so
    // scanning starts with the first file instead of after the last directory entry.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()?;
    let done = std::sync::Mutex::new(Vec::new());
    let walk_errors = pool.in_place_scope(|s| {
        let (scanner, done, bar) = (&scanner, &done, &bar);
        // Files go to the pool in small batches: one job per file would cost more in wake-ups
        // than scanning a small file does.
        let spawn = |batch: Vec<(usize, PathBuf)>| {
            bar.inc_length(batch.len() as u64);
            s.spawn(move |_| {
                let mut out = Vec::with_capacity(batch.len());
                for (index, path) in batch {
                    if show_progress {
                        bar.set_message(path.display().to_string());
                    }
                    let r = scanner
                        .scan_path(&path)
                        .map_err(|e| (path.display().to_string(), e.to_string()));
                    bar.inc(1);
                    out.push((index, r));
                }
                // A poisoned lock means another job panicked, which the scope re-raises; the
                // results are still whole.
                done.lock().unwrap_or_else(|e| e.into_inner()).extend(out);
            })
        };
        let mut batch = Vec::with_capacity(BATCH);
        let errors = targets::walk(&args.paths, |index, path| {
            batch.push((index, path));
            if batch.len() == BATCH {
                spawn(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
            }
        });
        if !batch.is_empty() {
            spawn(batch);
        }
        errors
    });
    bar.finish_and_clear();
    let mut results = done.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_unstable_by_key(|(index, _)| *index);

    let mut run = ScanRun {
        reports: Vec::with_capacity(results.len()),
        errors: walk_errors,
        waivers: Vec::new(),
        fail_on,
        strict: args.strict,
        elapsed: start.elapsed(),
    };
    for (_, r) in results {
        match r {
            Ok(rep) => run.reports.push(rep),
            Err(e) => run.errors.push(e),
        }
    }
    run.waivers = scanner.policy().waiver_uses();
    // Reports stream to their destination: a scan of thousands of files renders megabytes.
    let render = |w: &mut dyn Write| -> std::io::Result<()> {
        match args.format {
            OutputFormat::Human => {
                let style = Style {
                    color: color && args.output.is_none(),
                    verbose: args.verbose,
                };
                w.write_all(mlsec_report::human(&run, style).as_bytes())
            }
            OutputFormat::Json => {
                mlsec_report::json_to(&run, w)?;
                w.write_all(b"\n")
            }
            OutputFormat::Sarif => {
                w.write_all(mlsec_report::sarif(&run).as_bytes())?;
                w.write_all(b"\n")
            }
        }
    };
    match &args.output {
        Some(path) => {
            let write = || -> std::io::Result<()> {
                let mut f = BufWriter::with_capacity(1 << 16, std::fs::File::create(path)?);
                render(&mut f)?;
                f.flush()
            };
            write().with_context(|| format!("cannot write report to {}", path.display()))?;
            if args.format != OutputFormat::Human {
                // Keep a one-line verdict on the terminal when the report goes to a file.
                let t = run.totals();
                eprintln!(
                    "mlsec: scanned {} files: {} critical, {} high; report written to {}",
                    t.files,
                    t.by_severity[Severity::Critical as usize],
                    t.by_severity[Severity::High as usize],
                    path.display()
                );
            }
        }
        None => {
            let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            // A closed pipe (`| head`) is not an error worth a stack of messages.
            let _ = render(&mut out).and_then(|()| out.flush());
        }
    }
    let verdict = run.verdict();
    record_scan(args, &run, verdict)?;
    Ok(verdict)
}

/// Appends the scan's verdict to the evidence store when asked to.
fn record_scan(args: &Args, run: &ScanRun, verdict: Verdict) -> Result<()> {
    if !args.record.wanted() {
        return Ok(());
    }
    let t = run.totals();
    let max_severity = Severity::ALL
        .into_iter()
        .rev()
        .find(|s| t.by_severity[*s as usize] > 0);
    let outcome = match verdict {
        Verdict::Pass => mlsec_store::Outcome::Success,
        Verdict::Findings => mlsec_store::Outcome::Failure,
        Verdict::Error => mlsec_store::Outcome::Error,
    };
    let mut ev = mlsec_store::NewEvent::new("", "scan", outcome).payload(serde_json::json!({
        "paths": args.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "files": t.files,
        "findings": Severity::ALL.iter().map(|s| (s.as_str(), t.by_severity[*s as usize])).collect::<std::collections::BTreeMap<_, _>>(),
        "max_severity": max_severity.map(Severity::as_str),
        "not_fully_checked": t.incomplete_files,
        "errors": run.errors.len(),
        "fail_on": run.fail_on.as_str(),
        "mlsec": env!("CARGO_PKG_VERSION"),
    }));
    if let Some(d) = &args.model_digest {
        ev.model =
            Some(mlsec_core::Digest::parse(d).map_err(|e| anyhow::anyhow!("--model-digest: {e}"))?);
    } else if let [one] = args.paths.as_slice() {
        // One path is one model: key the evidence by its digest, as `mlsec sign` would sign it.
        ev.model = Some(crate::model_digest::of(one)?);
    }
    crate::record::record(&args.record, ev)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn today_is_a_date() {
        let t = super::today();
        assert_eq!(t.len(), 10);
        assert!(t.as_str() > "2025-01-01");
    }
}
