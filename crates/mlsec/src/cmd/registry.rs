//! `mlsec registry`: immutable model versions, gated aliases, lineage, quarantine, rollback.

use crate::record::{self, StoreArgs};
use anyhow::{Context, Result};
use clap::{Args as ClapArgs, Subcommand};
use mlsec_core::Digest;
use mlsec_store::StoreError;
use mlsec_store::registry::{PromotionPolicy, PushRequest, Pushed, parse_label};
use std::path::PathBuf;
use std::process::ExitCode;

/// Model registry: versions bound to model digests, aliases moved only through policy.
#[derive(ClapArgs, Debug)]
#[command(after_long_help = REGISTRY_HELP)]
pub struct Args {
    #[command(subcommand)]
    command: Command,

    #[command(flatten)]
    store: StoreArgs,
}

const REGISTRY_HELP: &str = concat!(
    "\
Every change (and every refusal) is an audit event in the same store; `mlsec audit log
--action 'registry.*'` lists them.

Exit status: 0 done, 1 refused by a registry rule (immutability, promotion policy), 2 error.

Examples:
  mlsec registry push ./model --name fraud --version 3 --dataset ds:tx-2026q1
  mlsec registry approve fraud@3 --for production --actor bob
  mlsec registry promote fraud@3 --to production --policy promotion.toml
  mlsec registry quarantine fraud@3 --reason 'drift alarm'
  mlsec registry rollback fraud --alias production
  mlsec registry lineage --dataset ds:tx-2026q1

",
    store_help!()
);

#[derive(Subcommand, Debug)]
enum Command {
    /// Register a model version, bound for ever to its model digest
    Push(PushArgs),
    /// Approve a version (counts towards a policy's `approvals`)
    Approve(ApproveArgs),
    /// Point an alias at a version if the promotion policy allows it
    #[command(after_long_help = POLICY_HELP)]
    Promote(PromoteArgs),
    /// Move an alias back to its previous unquarantined version (or to --to VERSION)
    Rollback(RollbackArgs),
    /// Quarantine a version (or release it with --release)
    Quarantine(QuarantineArgs),
    /// Mark an alias protected: it then moves only with a policy that names it
    Protect(ProtectArgs),
    /// Which versions came from a dataset, or what a version came from
    Lineage(LineageArgs),
    /// List versions with their aliases
    List(ListArgs),
}

const POLICY_HELP: &str = "\
Promotion policy (TOML), one table per alias:

  [alias.production]
  protected = true                  # afterwards the alias moves only under this policy
  signature_keys = [\"KEY-ID\"]       # a successful `verify` event must name one of these keys
  max_severity = \"low\"              # the latest recorded scan has no finding above this
  require = [\"scan\", \"redteam\"]     # evidence actions recorded with outcome success
  approvals = 2                     # distinct principals ran `mlsec registry approve`

Evidence is what was recorded for the version's digest (`--record` on scan, verify, …).";

#[derive(ClapArgs, Debug)]
struct PushArgs {
    /// The model file or directory (recorded in the event)
    path: Option<PathBuf>,
    /// Model name
    #[arg(long)]
    name: String,
    /// Version label [default: the version already bound to this digest, else the next integer]
    #[arg(long)]
    version: Option<String>,
    /// Model digest: the OpenSSF Model Signing manifest root digest (sha256:…) that signatures,
    /// scans and BOMs recorded for the model name [default: computed from PATH]
    #[arg(long, value_name = "DIGEST")]
    digest: Option<String>,
    /// Fingerprint of a dataset the model was trained or tuned on (repeatable)
    #[arg(long, value_name = "FP")]
    dataset: Vec<String>,
    /// Parent model, NAME@VERSION or a digest (repeatable)
    #[arg(long, value_name = "MODEL")]
    parent: Vec<String>,
}

#[derive(ClapArgs, Debug)]
struct ApproveArgs {
    /// NAME@VERSION
    model: String,
    /// Approve for this alias only
    #[arg(long = "for", value_name = "ALIAS")]
    alias: Option<String>,
}

#[derive(ClapArgs, Debug)]
struct PromoteArgs {
    /// NAME@VERSION
    model: String,
    /// Alias to move (production, staging, …)
    #[arg(long, value_name = "ALIAS")]
    to: String,
    /// Promotion policy (TOML)
    #[arg(long, value_name = "FILE", env = "MLSEC_PROMOTION_POLICY")]
    policy: Option<PathBuf>,
}

#[derive(ClapArgs, Debug)]
struct RollbackArgs {
    /// Model name
    name: String,
    /// Alias to move back
    #[arg(long, value_name = "ALIAS", default_value = "production")]
    alias: String,
    /// Version to move to [default: the alias's previous unquarantined version]
    #[arg(long, value_name = "VERSION")]
    to: Option<String>,
    /// Promotion policy (TOML), needed for protected aliases
    #[arg(long, value_name = "FILE", env = "MLSEC_PROMOTION_POLICY")]
    policy: Option<PathBuf>,
}

#[derive(ClapArgs, Debug)]
struct QuarantineArgs {
    /// NAME@VERSION
    model: String,
    /// Why (kept in the audit event)
    #[arg(long)]
    reason: String,
    /// Lift the quarantine instead
    #[arg(long)]
    release: bool,
}

#[derive(ClapArgs, Debug)]
struct ProtectArgs {
    /// Model name
    name: String,
    /// Alias to protect
    #[arg(long, value_name = "ALIAS")]
    alias: String,
}

#[derive(ClapArgs, Debug)]
#[group(required = true, multiple = false)]
struct LineageArgs {
    /// Every version trained on this dataset fingerprint
    #[arg(long, value_name = "FP")]
    dataset: Option<String>,
    /// Datasets, parents and children of NAME@VERSION or of a digest
    #[arg(long, value_name = "MODEL")]
    model: Option<String>,
}

#[derive(ClapArgs, Debug)]
struct ListArgs {
    /// Only this model
    name: Option<String>,
    /// JSON lines instead of a table
    #[arg(long)]
    json: bool,
}

fn policy(path: &Option<PathBuf>) -> Result<Option<PromotionPolicy>> {
    path.as_ref()
        .map(|p| {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read promotion policy {}", p.display()))?;
            PromotionPolicy::from_toml(&text).with_context(|| p.display().to_string())
        })
        .transpose()
}

fn label(s: &str) -> Result<(String, String)> {
    Ok(parse_label(s)?)
}

pub fn run(args: &Args) -> Result<ExitCode> {
    let mut store = record::open(&args.store)?;
    let actor = record::actor(&args.store);
    let result = match &args.command {
        Command::Push(a) => {
            let digest = match (&a.digest, &a.path) {
                (Some(d), _) => Digest::parse(d)
                    .map_err(|e| anyhow::anyhow!("--digest: {e}\nhint: sha256:<64 hex>"))?,
                (None, Some(p)) => crate::model_digest::of(p)?,
                (None, None) => anyhow::bail!(
                    "registry push needs the model PATH (its digest is computed) or --digest"
                ),
            };
            let pushed = store.registry_push(PushRequest {
                name: a.name.clone(),
                version: a.version.clone(),
                digest,
                actor,
                datasets: a.dataset.clone(),
                parents: a.parent.clone(),
                note: serde_json::json!({"path": a.path.as_ref().map(|p| p.display().to_string())}),
            });
            pushed.map(|p| match p {
                Pushed::Created(v, r) => {
                    println!("registered {} = {} (event {})", v.label(), v.digest, r.seq)
                }
                Pushed::Exists(v) => {
                    println!("{} = {} was already registered", v.label(), v.digest)
                }
            })
        }
        Command::Approve(a) => {
            let (n, v) = label(&a.model)?;
            store
                .registry_approve(&n, &v, a.alias.as_deref(), &actor)
                .map(|r| println!("{actor} approved {n}@{v} (event {})", r.seq))
        }
        Command::Promote(a) => {
            let (n, v) = label(&a.model)?;
            let p = policy(&a.policy)?;
            store
                .registry_promote(&n, &v, &a.to, p.as_ref(), &actor)
                .map(|r| println!("{n}:{} -> {v} (event {})", a.to, r.seq))
        }
        Command::Rollback(a) => {
            let p = policy(&a.policy)?;
            store
                .registry_rollback(&a.name, &a.alias, a.to.as_deref(), p.as_ref(), &actor)
                .and_then(|r| {
                    let now = store.registry_resolve(&a.name, &a.alias)?;
                    println!(
                        "{}:{} -> {} (event {})",
                        a.name,
                        a.alias,
                        now.map_or("?".into(), |v| v.version),
                        r.seq
                    );
                    Ok(())
                })
        }
        Command::Quarantine(a) => {
            let (n, v) = label(&a.model)?;
            store
                .registry_quarantine(&n, &v, a.release, &a.reason, &actor)
                .map(|r| {
                    let what = if a.release { "released" } else { "quarantined" };
                    println!("{n}@{v} {what} (event {})", r.seq)
                })
        }
        Command::Protect(a) => store
            .registry_protect(&a.name, &a.alias, &actor)
            .map(|r| println!("{}:{} is protected (event {})", a.name, a.alias, r.seq)),
        Command::Lineage(a) => {
            if let Some(fp) = &a.dataset {
                for v in store.lineage_by_dataset(fp)? {
                    println!(
                        "{}\t{}{}",
                        v.label(),
                        v.digest,
                        if v.quarantined { "\tquarantined" } else { "" }
                    );
                }
            } else if let Some(m) = &a.model {
                for l in store.lineage_of(m)? {
                    println!("{} = {}", l.version.label(), l.version.digest);
                    for d in &l.datasets {
                        println!("  dataset  {d}");
                    }
                    for p in &l.parents {
                        println!("  parent   {p}");
                    }
                    for c in &l.children {
                        println!("  child    {c}");
                    }
                }
            }
            Ok(())
        }
        Command::List(a) => {
            for v in store.registry_list(a.name.as_deref())? {
                if a.json {
                    println!(
                        "{}",
                        serde_json::json!({
                            "name": v.name, "version": v.version, "digest": v.digest.to_string(),
                            "created": mlsec_store::time::format(v.created), "event": v.event_seq,
                            "quarantined": v.quarantined, "aliases": v.aliases,
                        })
                    );
                } else {
                    println!(
                        "{:<32} {:<12} {}  {}{}",
                        v.name,
                        v.version,
                        v.digest,
                        v.aliases.join(","),
                        if v.quarantined { " [quarantined]" } else { "" }
                    );
                }
            }
            Ok(())
        }
    };
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(StoreError::Refused(m)) => {
            eprintln!("refused: {m}");
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}
