//! `mlsec data …`: dataset security commands over `mlsec-data`.

pub mod poison;
mod poison_html;

use std::process::ExitCode;

/// Dataset security: poisoning screens (and drift, PII, profiles as they land).
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: DataCommand,
}

/// The `mlsec data` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum DataCommand {
    /// Screen a labelled training set for label noise and poisoning (flips, conflicting
    /// duplicates, class outliers, backdoor triggers)
    Poison(poison::Args),
}

/// Runs a `mlsec data` subcommand.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    match &args.command {
        DataCommand::Poison(a) => poison::run(a),
    }
}
