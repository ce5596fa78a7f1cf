//! `mlsec hash`: print a model's OMS manifest and root digest without signing it.

use super::{CacheArgs, HashingArgs, OutputFormat, save_cache};
use anyhow::Context as _;
use mlsec_core::digest::to_hex;
use mlsec_sign::{ComputeOptions, Manifest, manifest};
use serde::Serialize;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Print the manifest (one digest per file or shard) and the root digest of a model.
///
/// The root digest is the model digest every other mlsec command keys its evidence on; it is
/// the subject digest `mlsec sign` would sign with the same options. Files are hashed in
/// parallel, largest first, large ones memory-mapped.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Model directory or single model file
    pub model_path: PathBuf,
    #[command(flatten)]
    pub hashing: HashingArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
    /// Output format on stdout: `human` (`<digest>  <name>` lines, then the root) or `json`
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

/// The `--format json` document (schema `mlsec.manifest/v1`).
#[derive(Serialize)]
pub(crate) struct ManifestJson<'a> {
    schema: &'static str,
    model: String,
    root_digest: String,
    hash: &'static str,
    method: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    shard_size: Option<u64>,
    ignore_paths: &'a [String],
    files: usize,
    bytes: u64,
    resources: Vec<ResourceJson<'a>>,
}

#[derive(Serialize)]
pub(crate) struct ResourceJson<'a> {
    name: &'a str,
    algorithm: &'a str,
    digest: String,
}

/// Renders a manifest as the `mlsec.manifest/v1` JSON document.
pub(crate) fn manifest_json<'a>(model: &std::path::Path, m: &'a Manifest) -> ManifestJson<'a> {
    ManifestJson {
        schema: "mlsec.manifest/v1",
        model: model.display().to_string(),
        root_digest: format!("sha256:{}", to_hex(&m.root_digest())),
        hash: m.config.hash.oms_name(),
        method: m.config.method.name(),
        shard_size: m.config.method.shard_size(),
        ignore_paths: &m.config.ignore_paths,
        files: m.files.len(),
        bytes: m.total_bytes(),
        resources: m
            .items
            .iter()
            .map(|i| ResourceJson {
                name: &i.name,
                algorithm: &i.algorithm,
                digest: to_hex(&i.digest),
            })
            .collect(),
    }
}

/// Logs throughput on stderr: people want to know whether the disk or the hash is the limit.
pub(crate) fn report_speed(m: &Manifest, started: Instant) {
    let secs = started.elapsed().as_secs_f64();
    let bytes = m.total_bytes();
    tracing::info!(
        files = m.files.len(),
        from_cache = m.cached_files,
        bytes,
        seconds = format!("{secs:.3}"),
        gb_per_s = format!("{:.2}", bytes as f64 / secs.max(1e-9) / 1e9),
        "hashed"
    );
}

/// Runs `mlsec hash`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let config = args.hashing.config();
    let cache = args.cache.open();
    let started = Instant::now();
    let m = manifest::compute(
        &args.model_path,
        &config,
        ComputeOptions {
            cache: cache.as_ref(),
            cache_write_only: false,
        },
    )
    .with_context(|| format!("cannot hash {}", args.model_path.display()))?;
    report_speed(&m, started);
    save_cache(cache.as_ref());
    let mut out = std::io::stdout().lock();
    match args.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &manifest_json(&args.model_path, &m))?;
            writeln!(out)?;
        }
        OutputFormat::Human => {
            for i in &m.items {
                writeln!(out, "{}  {}", to_hex(&i.digest), i.name)?;
            }
            writeln!(out, "root  sha256:{}", to_hex(&m.root_digest()))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::testutil::{data, parse};
    use mlsec_sign::Method;

    #[test]
    fn json_manifest_of_the_vector_model() {
        let model = data().join("model");
        let a: Args = parse(&[model.to_str().unwrap(), "--no-cache", "--format", "json"]);
        assert_eq!(run(&a).unwrap(), ExitCode::SUCCESS);
        let m = manifest::compute(&model, &a.hashing.config(), ComputeOptions::default()).unwrap();
        let j = serde_json::to_value(manifest_json(&model, &m)).unwrap();
        assert_eq!(j["schema"], "mlsec.manifest/v1");
        // Byte order of names (spec, Go): the Rust-prototype vector's root.
        assert_eq!(
            j["root_digest"],
            "sha256:da75d358c5a9e6696ead920187ec9caed9da1582192951660cbc3b4afa46d8d0"
        );
        assert_eq!(j["resources"].as_array().unwrap().len(), 10);
    }

    #[test]
    fn flags_parse() {
        let a: Args = parse(&[
            "m",
            "--hash",
            "blake3",
            "--shard-size",
            "1000",
            "--ignore-paths",
            "x",
            "y",
            "--no-ignore-git-paths",
        ]);
        let c = a.hashing.config();
        assert_eq!(c.method, Method::Shards { shard_size: 1000 });
        assert_eq!(c.ignore_paths, ["x", "y"]);
        let a: Args = parse(&["m"]);
        assert_eq!(a.hashing.config().ignore_paths.len(), 4);
    }
}
