//! `mlsec data …`: dataset security commands over `mlsec-data` (drift, profiles, PII,
//! anonymisation, poisoning screens). Each subcommand module exposes `Args` and
//! `run(&Args) -> anyhow::Result<ExitCode>` with the project's exit codes.

pub mod anonymize;
pub mod drift;
pub mod pii;
pub mod poison;
mod poison_html;
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
    /// Find personal data per column: e-mails, phones, cards, IBANs, national ids, IPs, names …
    Pii(pii::Args),
    /// Pseudonymise, mask, generalise or drop columns and report k-anonymity / l-diversity
    Anonymize(anonymize::Args),
    /// Screen a labelled training set for label noise and poisoning (flips, conflicting
    /// duplicates, class outliers, backdoor triggers)
    Poison(poison::Args),
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
  mlsec data drift train.profile.json today.csv --format json -o drift.json
  mlsec data pii customers.csv
  mlsec data anonymize customers.csv --key-file pseudo.key -o customers.anon.csv
  mlsec data poison train.csv --label label --format html -o poison.html";

/// Runs a `mlsec data` subcommand.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    match &args.command {
        DataCommand::Drift(a) => drift::run(a),
        DataCommand::Profile(a) => profile::run(a),
        DataCommand::Pii(a) => pii::run(a),
        DataCommand::Anonymize(a) => anonymize::run(a),
        DataCommand::Poison(a) => poison::run(a),
        DataCommand::Synth(a) => synth::run(a),
    }
}

/// Writes `text` to `--output FILE` or stdout.
pub(crate) fn emit(output: Option<&std::path::Path>, text: &str) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use std::io::Write as _;
    match output {
        Some(p) => {
            std::fs::write(p, text).with_context(|| format!("{}: cannot write", p.display()))
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
            Ok(())
        }
    }
}
