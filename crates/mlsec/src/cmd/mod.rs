//! Subcommands that live in their own modules.
//!
//! The integrity commands (`hash`, `sign`, `verify`, `bom`, over `mlsec-sign`) each expose
//! `Args` (a `clap::Args`) and `run(&Args) -> anyhow::Result<ExitCode>` with the project's exit
//! codes: 0 ok, 1 verification failed or findings, 2 error (returned as `Err`). Their shared
//! flags live here.

pub mod audit;
pub mod bom;
pub mod data;
pub mod hash;
pub mod registry;
pub mod sign;
pub mod verify;

use anyhow::Context as _;
use mlsec_sign::{HashAlgorithm, HashCache, HashingConfig, Method, manifest};
use std::path::{Path, PathBuf};

/// Per-file hash choices on the command line.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashChoice {
    /// SHA-256: the default, understood by every OMS verifier.
    Sha256,
    /// BLAKE3: fastest on large models (model_signing >= 1.1 verifies it).
    Blake3,
    /// BLAKE2b-512.
    Blake2b,
}

impl From<HashChoice> for HashAlgorithm {
    fn from(h: HashChoice) -> HashAlgorithm {
        match h {
            HashChoice::Sha256 => HashAlgorithm::Sha256,
            HashChoice::Blake3 => HashAlgorithm::Blake3,
            HashChoice::Blake2b => HashAlgorithm::Blake2b,
        }
    }
}

/// How a model is hashed: shared by `hash`, `sign` and `bom`.
#[derive(clap::Args, Debug, Clone)]
pub struct HashingArgs {
    /// Per-file hash algorithm (the root digest is always SHA-256)
    #[arg(long = "hash", value_enum, default_value_t = HashChoice::Sha256)]
    pub hash: HashChoice,
    /// Cut files into shards of N bytes (OMS `shards` method; model_signing's default is
    /// 1000000000). Without it each file is one resource (`files` method)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub shard_size: Option<u64>,
    /// Leave these paths (relative to the model root, matched as path prefixes) out of the
    /// manifest. They are recorded in the signature
    #[arg(long = "ignore-paths", value_name = "PATH", num_args = 1..)]
    pub ignore_paths: Vec<String>,
    /// Hash .git, .gitattributes, .github and .gitignore too (ignored by default, as in
    /// model_signing)
    #[arg(long)]
    pub no_ignore_git_paths: bool,
}

impl HashingArgs {
    /// The hashing configuration these flags describe.
    pub fn config(&self) -> HashingConfig {
        let mut ignore_paths: Vec<String> = self.ignore_paths.clone();
        if !self.no_ignore_git_paths {
            ignore_paths.extend(manifest::GIT_IGNORES.iter().map(|s| s.to_string()));
        }
        HashingConfig {
            method: match self.shard_size {
                Some(shard_size) => Method::Shards { shard_size },
                None => Method::Files,
            },
            hash: self.hash.into(),
            allow_symlinks: false,
            ignore_paths,
        }
    }
}

/// Hash-cache flags.
#[derive(clap::Args, Debug, Clone)]
pub struct CacheArgs {
    /// Hash every byte: neither read nor update the hash cache. The cache maps (path, device,
    /// inode, size, mtime, ctime) to digests so unchanged files are not re-read; it lives in
    /// $MLSEC_CACHE_DIR/hash-cache.json, else $XDG_CACHE_HOME/mlsec/hash-cache.json, else
    /// ~/.cache/mlsec/hash-cache.json
    #[arg(long)]
    pub no_cache: bool,
}

impl CacheArgs {
    /// The cache to use, if any.
    pub fn open(&self) -> Option<HashCache> {
        if self.no_cache {
            return None;
        }
        HashCache::default_path().map(HashCache::open)
    }
}

/// Saves the cache, downgrading a failure to a warning: the cache only ever saves time.
pub fn save_cache(cache: Option<&HashCache>) {
    if let Some(c) = cache
        && let Err(e) = c.save()
    {
        tracing::warn!(path = %c.path().display(), error = %e, "could not save the hash cache");
    }
}

/// The default signature path: `<MODEL_PATH>.sig` beside the model (never inside it).
pub fn default_signature_path(model: &Path) -> anyhow::Result<PathBuf> {
    let abs = std::fs::canonicalize(model)
        .with_context(|| format!("{}: cannot open the model", model.display()))?;
    let name = abs
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "model".into());
    Ok(abs.with_file_name(format!("{name}.sig")))
}

/// Output formats for data printed on stdout.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// For people
    #[default]
    Human,
    /// For programs (a versioned JSON document)
    Json,
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Helpers for the subcommand tests: parse flags as the real CLI does.
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct Cli<A: clap::Args> {
        #[command(flatten)]
        args: A,
    }

    /// Parses `argv` (without the program name) into a subcommand's `Args`.
    pub fn parse<A: clap::Args + std::fmt::Debug>(argv: &[&str]) -> A {
        Cli::<A>::try_parse_from(std::iter::once("mlsec").chain(argv.iter().copied()))
            .unwrap_or_else(|e| panic!("{e}"))
            .args
    }

    /// The signing test data of mlsec-sign.
    pub fn data() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../mlsec-sign/tests/data")
    }
}
