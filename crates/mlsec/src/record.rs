//! Choosing and opening the evidence store, and recording evidence from any command.
//!
//! Every evidence command flattens [`RecordArgs`] (`--record`, `--store`, `--store-key`,
//! `--actor`); `audit` and `registry` flatten [`StoreArgs`]. Recording happens when `--record`
//! is given or a store is configured (`--store` or `MLSEC_STORE`).

use anyhow::{Context, Result};
use mlsec_store::{NewEvent, Receipt, Store, StoreOptions, StoreUrl};
use std::path::PathBuf;

/// Where the default store and its key live, for `--help` texts (a macro so commands can
/// `concat!` it into their own help).
macro_rules! store_help {
    () => {
        "Store: --store sqlite://PATH | PATH | postgres://USER@HOST/DB (or MLSEC_STORE). Without either,
a SQLite file at $XDG_DATA_HOME/mlsec/store.db (~/.local/share/mlsec/store.db), created on
first use. The store's Ed25519 signing key is created on first write at
<data dir>/mlsec/keys/<store id>.key (mode 0600; --store-key or MLSEC_STORE_KEY overrides), and
the newest signed head this machine saw is kept at <data dir>/mlsec/heads/<store id>.json so a
rollback of the database is noticed. MLSEC_DATA_DIR replaces <data dir>/mlsec."
    };
}

/// Options that name the store.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct StoreArgs {
    /// Evidence store URL [default: SQLite file under the user's data directory]
    #[arg(long, value_name = "URL", env = "MLSEC_STORE", global = true)]
    pub store: Option<String>,

    /// Store signing key file [default: <data dir>/mlsec/keys/<store id>.key]
    #[arg(long, value_name = "FILE", env = "MLSEC_STORE_KEY", global = true)]
    pub store_key: Option<PathBuf>,

    /// Who is acting, as written in audit events [default: $USER@hostname]
    #[arg(long, value_name = "NAME", env = "MLSEC_ACTOR", global = true)]
    pub actor: Option<String>,
}

/// Options of commands whose results can be recorded as evidence.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RecordArgs {
    /// Record the result as an audit event in the evidence store (always done when a store is
    /// configured with --store or MLSEC_STORE)
    #[arg(long)]
    pub record: bool,

    #[command(flatten)]
    pub store: StoreArgs,
}

impl RecordArgs {
    /// True when this run should record.
    pub fn wanted(&self) -> bool {
        self.record || self.store.store.is_some()
    }
}

/// `$MLSEC_DATA_DIR`, else `$XDG_DATA_HOME/mlsec`, else `~/.local/share/mlsec`.
pub fn data_dir() -> Result<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(d) = var("MLSEC_DATA_DIR") {
        return Ok(d);
    }
    if let Some(d) = var("XDG_DATA_HOME") {
        return Ok(d.join("mlsec"));
    }
    let home = var("HOME").context(
        "cannot find a data directory: HOME is not set\nhint: set MLSEC_DATA_DIR or pass --store",
    )?;
    Ok(home.join(".local/share/mlsec"))
}

/// `$USER@hostname`, or what `--actor` / `MLSEC_ACTOR` says.
pub fn actor(args: &StoreArgs) -> String {
    if let Some(a) = &args.actor {
        return a.clone();
    }
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into());
    format!("{user}@{host}")
}

/// Opens the store the arguments name (creating the default one on first use).
pub fn open(args: &StoreArgs) -> Result<Store> {
    let dir = data_dir()?;
    let url = match &args.store {
        Some(u) => StoreUrl::parse(u)?,
        None => StoreUrl::Sqlite(dir.join("store.db")),
    };
    let mut opts = StoreOptions::new(&dir);
    opts.key_path = args.store_key.clone();
    Store::open(&url, opts).with_context(|| format!("cannot open the evidence store {url}"))
}

/// Records one event if the arguments ask for it; says where on stderr.
pub fn record(args: &RecordArgs, event: NewEvent) -> Result<Option<Receipt>> {
    if !args.wanted() {
        return Ok(None);
    }
    let event = NewEvent {
        actor: if event.actor.is_empty() {
            actor(&args.store)
        } else {
            event.actor
        },
        ..event
    };
    let mut store = open(&args.store)?;
    let r = store
        .append(event)
        .with_context(|| format!("cannot record evidence in {}", store.url()))?;
    eprintln!(
        "mlsec: recorded as event {} in {} (tree size {})",
        r.seq,
        store.url(),
        r.head.head.size
    );
    Ok(Some(r))
}
