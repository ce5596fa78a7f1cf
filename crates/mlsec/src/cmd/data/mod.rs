//! `mlsec data …`: dataset security commands (drift, profiles; PII, anonymisation and poisoning
//! screens are added beside them). Each subcommand module exposes `Args` and
//! `run(&Args) -> anyhow::Result<ExitCode>` with the project's exit codes.

pub mod drift;
pub mod profile;
pub mod synth;

use std::process::ExitCode;

/// `mlsec data` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum DataCommand {
    /// Compare a reference dataset (or profile) with current data, column by column
    Drift(drift::Args),
    /// Write a reference profile (mlsec.profile/v1) of a dataset for later drift checks
    Profile(profile::Args),
    /// Generate the seeded synthetic drift dataset (benchmarks and tests)
    #[command(hide = true)]
    Synth(synth::Args),
}

/// `mlsec data` arguments.
#[derive(clap::Args, Debug)]
#[command(after_help = DATA_HELP)]
pub struct Args {
    #[command(subcommand)]
    pub command: DataCommand,
}

const DATA_HELP: &str = "\
Examples:
  mlsec data profile train.parquet -o train.profile.json
  mlsec data drift train.profile.json today.csv --format json -o drift.json";

/// Runs a `mlsec data` subcommand.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    match &args.command {
        DataCommand::Drift(a) => drift::run(a),
        DataCommand::Profile(a) => profile::run(a),
        DataCommand::Synth(a) => synth::run(a),
    }
}
