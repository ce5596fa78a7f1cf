//! `mlsec data …`: dataset security commands over `mlsec-data`.

pub mod anonymize;
pub mod pii;

use std::process::ExitCode;

/// Dataset commands.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: DataCommand,
}

/// The `mlsec data` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum DataCommand {
    /// Find personal data per column: e-mails, phones, cards, IBANs, national ids, IPs, names …
    Pii(pii::Args),
    /// Pseudonymise, mask, generalise or drop columns and report k-anonymity / l-diversity
    Anonymize(anonymize::Args),
}

/// Runs a `mlsec data` subcommand.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    match &args.command {
        DataCommand::Pii(a) => pii::run(a),
        DataCommand::Anonymize(a) => anonymize::run(a),
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
