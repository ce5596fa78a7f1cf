//! `mlsec data synth` (hidden): writes the seeded synthetic drift dataset of the shared drift
//! vectors (`gen_drift_data.py`, regenerated bit for bit) for benchmarks.

use mlsec_data::synth::{SynthFormat, write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Generate `reference` and `current` files of the synthetic drift dataset.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Rows in each part
    #[arg(long, default_value_t = 100_000)]
    pub rows: u64,
    /// Output directory
    #[arg(long)]
    pub out: PathBuf,
    /// Write CSV instead of Parquet
    #[arg(long)]
    pub csv: bool,
}

/// Runs `mlsec data synth`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let fmt = if args.csv {
        SynthFormat::Csv
    } else {
        SynthFormat::Parquet
    };
    write(&args.out, args.rows, fmt)?;
    Ok(ExitCode::SUCCESS)
}
