//! `mlsec data profile DATA -o PROFILE`: a reference profile for later drift checks.

use anyhow::Context as _;
use mlsec_data::profile::{ProfileLimits, profile_file};
use mlsec_data::{ReadOptions, Schema};
use std::path::PathBuf;
use std::process::ExitCode;

/// Profile a dataset: per column its type and role, counts, missing values, min/max, mean/std,
/// the sorted values with counts (exact up to --max-points distinct values, then compressed with
/// the error bound written in the profile), a histogram, category frequencies, and the sha256 of
/// the file and of its schema. The file is streamed, so memory stays bounded.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  mlsec data profile train.parquet -o train.profile.json
  mlsec data profile train.csv --schema schema.toml -o train.profile.json
  mlsec data drift train.profile.json today.parquet")]
pub struct Args {
    /// Data file (CSV, TSV, JSON Lines or Parquet)
    pub data: PathBuf,
    /// Where to write the profile (JSON, mlsec.profile/v1)
    #[arg(long, short = 'o')]
    pub output: PathBuf,
    /// TOML schema declaring column types and roles
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// Distinct numeric values kept exactly per column; beyond this the distribution is
    /// compressed and the profile states the resulting bound on the ECDF error
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(16..))]
    pub max_points: u64,
    /// Labels kept per categorical column (the rest are counted together)
    #[arg(long, default_value_t = 10_000)]
    pub max_categories: usize,
}

/// Runs `mlsec data profile`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let schema = match &args.schema {
        Some(p) => Schema::load(p)?,
        None => Schema::default(),
    };
    let limits = ProfileLimits {
        max_points: args.max_points as usize,
        max_categories: args.max_categories,
    };
    let p = profile_file(&args.data, &ReadOptions::default(), &schema, limits)?;
    std::fs::write(&args.output, p.to_json())
        .with_context(|| format!("{}: cannot write the profile", args.output.display()))?;
    let approx = p
        .columns
        .iter()
        .filter(|c| matches!(&c.distribution, mlsec_data::profile::Distribution::Numeric(n) if n.rank_error > 0))
        .count();
    eprintln!(
        "profiled {} rows × {} columns of {} → {}{}",
        p.rows,
        p.columns.len(),
        args.data.display(),
        args.output.display(),
        if approx > 0 {
            format!(" ({approx} numeric columns compressed; see rank_error)")
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}
