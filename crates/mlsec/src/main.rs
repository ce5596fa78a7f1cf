//! The `mlsec` binary: command-line parsing, config loading and wiring. The only crate that
//! knows about flags, the policy file layout and exit codes.

#[macro_use]
mod record;
mod cmd;
mod model_digest;
mod policy_file;
mod scan;
mod targets;

use clap::{Parser, Subcommand, ValueEnum};
use mlsec_report::Verdict;
use std::io::IsTerminal;
use std::process::ExitCode;

/// MLSecOps in one offline binary: scan, sign and verify ML model artifacts.
#[derive(Parser, Debug)]
#[command(name = "mlsec", version, about, long_about = None, after_help = TOP_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,

    /// Log level for diagnostics on stderr (error, warn, info, debug, trace)
    #[arg(long, global = true, env = "MLSEC_LOG", default_value = "warn")]
    log: String,
}

const TOP_HELP: &str = "\
Start with:  mlsec scan PATH…     (exit 0 clean, 1 findings, 2 error)
Learn more:  mlsec rules          (every rule, with `mlsec rules CODE` for its documentation)";

#[derive(Subcommand, Debug)]
enum Command {
    /// Scan model files for code that runs on load, unsafe layers and ops, and tampering
    Scan(scan::Args),
    /// List the scan rules, or print one rule's documentation
    Rules(RulesArgs),
    /// Tamper-evident audit log: list, prove, verify, export and forward events
    Audit(cmd::audit::Args),
    /// Model registry: immutable versions, gated promotion, lineage, quarantine, rollback
    Registry(cmd::registry::Args),
    /// Print a model's manifest (OpenSSF Model Signing) and its root digest, the model digest
    Hash(cmd::hash::Args),
    /// Sign a model: an OMS signature bundle that model_signing and `mlsec verify` accept
    Sign(cmd::sign::Args),
    /// Verify a model against its signature under a policy (exit 1 names each differing file)
    Verify(cmd::verify::Args),
    /// Write a CycloneDX 1.6 ML-BOM with the signed hashes and the scan results
    Bom(cmd::bom::Args),
    /// Dataset security: drift, profiles, data quality, PII, anonymisation, poisoning
    Data(cmd::data::Args),
    /// Attack a model (ONNX file or OIP v2 endpoint): evasion, membership inference, extraction, fairness, explanations, backdoors
    Redteam(Box<cmd::redteam::Args>),
}

#[derive(clap::Args, Debug)]
struct RulesArgs {
    /// A rule code (PKL001) or name; omit to list every rule
    code: Option<String>,
    /// Output format (human or json)
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,
}

/// Report formats shared by the commands.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// Text for a terminal
    Human,
    /// JSON with a versioned schema
    Json,
    /// SARIF 2.1.0 (GitHub code scanning)
    Sarif,
}

pub(crate) fn color_wanted() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

fn rules(args: &RulesArgs) -> anyhow::Result<ExitCode> {
    use mlsec_scan::rules;
    match (&args.code, args.format) {
        (None, OutputFormat::Json) => println!("{}", mlsec_report::rules_json(&[])),
        (None, _) => print!("{}", mlsec_report::rules_table()),
        (Some(code), fmt) => {
            let Some(rule) = rules::find(code) else {
                anyhow::bail!("no rule `{code}`\nhint: `mlsec rules` lists every rule");
            };
            if fmt == OutputFormat::Json {
                println!("{}", mlsec_report::rules_json(&[rule]));
            } else {
                println!(
                    "{} {} ({}, default severity {})\n{}\n\n{}",
                    rule.code,
                    rule.name,
                    rule.family.as_str(),
                    rule.severity,
                    rule.summary,
                    rule.doc_text()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(color_wanted())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&cli.log).unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let result = match &cli.command {
        Command::Scan(a) => scan::run(a, color_wanted()).map(|v| match v {
            Verdict::Pass => ExitCode::SUCCESS,
            Verdict::Findings => ExitCode::from(1),
            Verdict::Error => ExitCode::from(2),
        }),
        Command::Rules(a) => rules(a),
        Command::Audit(a) => cmd::audit::run(a),
        Command::Registry(a) => cmd::registry::run(a),
        Command::Hash(a) => cmd::hash::run(a),
        Command::Sign(a) => cmd::sign::run(a),
        Command::Verify(a) => cmd::verify::run(a),
        Command::Bom(a) => cmd::bom::run(a),
        Command::Data(a) => cmd::data::run(a),
        Command::Redteam(a) => cmd::redteam::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
