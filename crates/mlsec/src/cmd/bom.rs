//! `mlsec bom`: a CycloneDX 1.6 ML-BOM for a model, with the manifest's hashes and the scan
//! results of the same files.

use super::{CacheArgs, HashingArgs, save_cache};
use anyhow::Context as _;
use mlsec_core::Severity;
use mlsec_sign::bom::{BomInput, FileScan};
use mlsec_sign::{ComputeOptions, manifest};
use rayon::prelude::*;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// Write a CycloneDX 1.6 ML-BOM (JSON) for a model directory or file.
///
/// The model is a `machine-learning-model` component whose nested `file` components carry the
/// same per-file digests `mlsec sign` signs (so the BOM's hashes are verifiable against the
/// signature), whose model card carries what the files state (architecture from config.json,
/// parameter count from safetensors headers, license from the README front matter), and whose
/// properties carry the OMS root digest and the `mlsec scan` results of every file.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Model directory or single model file
    pub model_path: PathBuf,
    /// Write the BOM here instead of stdout
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Do not run the scanner (the BOM then records every file as not scanned)
    #[arg(long)]
    pub no_scan: bool,
    /// Exit with code 1 when a scan finding is at or above this severity (the BOM is written
    /// either way)
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    #[command(flatten)]
    pub hashing: HashingArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
    #[command(flatten)]
    pub record: crate::record::RecordArgs,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s).ok_or_else(|| "expected info, low, medium, high or critical".to_string())
}

/// Runs `mlsec bom`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let cache = args.cache.open();
    let m = manifest::compute(
        &args.model_path,
        &args.hashing.config(),
        ComputeOptions {
            cache: cache.as_ref(),
            cache_write_only: false,
        },
    )
    .with_context(|| format!("cannot hash {}", args.model_path.display()))?;
    save_cache(cache.as_ref());

    let scans: Vec<FileScan> = if args.no_scan {
        Vec::new()
    } else {
        let scanner = mlsec_scan::Scanner::default();
        m.files
            .par_iter()
            .map(|f| match scanner.scan_path(&f.path) {
                Ok(r) => FileScan {
                    file: f.rel.clone(),
                    format: r.format().to_string(),
                    findings: r.findings,
                    problems: r.problems,
                },
                Err(e) => FileScan {
                    file: f.rel.clone(),
                    format: "unknown".into(),
                    findings: Vec::new(),
                    problems: vec![mlsec_core::Problem {
                        kind: mlsec_core::ProblemKind::Io,
                        location: mlsec_core::Location::file(f.rel.clone()),
                        message: e.to_string(),
                    }],
                },
            })
            .collect()
    };
    let input = BomInput {
        name: mlsec_sign::sign::subject_name(&args.model_path),
        scans: &scans,
        timestamp: Some(std::time::SystemTime::now()),
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let json = mlsec_sign::bom::generate(&args.model_path, &m, &input)?;
    match &args.output {
        Some(p) => std::fs::write(p, &json)
            .with_context(|| format!("{}: cannot write the BOM", p.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&json)?;
            writeln!(out)?;
        }
    }
    let worst = scans
        .iter()
        .flat_map(|s| &s.findings)
        .map(|f| f.severity)
        .max();
    if args.record.wanted() {
        // The BOM itself is the evidence: recorded whole, keyed by the manifest root digest.
        let bom: serde_json::Value = serde_json::from_slice(&json)?;
        let mut ev = mlsec_store::NewEvent::new("", "bom", mlsec_store::Outcome::Success).payload(
            serde_json::json!({
                "model": args.model_path.display().to_string(),
                "max_severity": worst.map(Severity::as_str),
                "bom": bom,
            }),
        );
        let root = format!("sha256:{}", mlsec_core::digest::to_hex(&m.root_digest()));
        ev.model = Some(mlsec_core::Digest::parse(&root).map_err(|e| anyhow::anyhow!("{e}"))?);
        crate::record::record(&args.record, ev)?;
    }
    Ok(match (args.fail_on, worst) {
        (Some(t), Some(w)) if w >= t => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::testutil::{data, parse};

    /// Writes a small Hugging Face-style model: config.json, a real safetensors file, a README
    /// with a license.
    pub(crate) fn hf_model(dir: &std::path::Path) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(
            dir.join("config.json"),
            br#"{"architectures":["BertModel"],"model_type":"bert"}"#,
        )
        .unwrap();
        let header = br#"{"w":{"dtype":"F32","shape":[3,4],"data_offsets":[0,48]},"b":{"dtype":"F32","shape":[4],"data_offsets":[48,64]}}"#;
        let mut st = (header.len() as u64).to_le_bytes().to_vec();
        st.extend_from_slice(header);
        st.extend_from_slice(&[0u8; 64]);
        std::fs::write(dir.join("model.safetensors"), st).unwrap();
        std::fs::write(
            dir.join("README.md"),
            "---\nlicense: apache-2.0\n---\n# tiny\n",
        )
        .unwrap();
    }

    #[test]
    fn bom_carries_hashes_card_fields_and_scan_results() {
        let d = tempfile::tempdir().unwrap();
        let model = d.path().join("tiny-bert");
        hf_model(&model);
        let out = d.path().join("bom.json");
        let a: Args = parse(&[
            model.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
            "--no-cache",
        ]);
        assert_eq!(run(&a).unwrap(), ExitCode::SUCCESS);
        let bom: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        assert_eq!(bom["specVersion"], "1.6");
        let c = &bom["metadata"]["component"];
        assert_eq!(c["type"], "machine-learning-model");
        assert_eq!(c["name"], "tiny-bert");
        assert_eq!(
            c["modelCard"]["modelParameters"]["modelArchitecture"],
            "BertModel"
        );
        assert_eq!(
            c["modelCard"]["modelParameters"]["architectureFamily"],
            "bert"
        );
        assert_eq!(c["licenses"][0]["license"]["id"], "Apache-2.0");
        let props = c["modelCard"]["properties"].as_array().unwrap();
        assert!(
            props
                .iter()
                .any(|p| p["name"] == "mlsec:model:parameter-count" && p["value"] == "16")
        );
        let m = manifest::compute(&model, &a.hashing.config(), ComputeOptions::default()).unwrap();
        let root = format!("sha256:{}", mlsec_core::digest::to_hex(&m.root_digest()));
        assert_eq!(c["version"], root.as_str());
        let files = c["components"].as_array().unwrap();
        assert_eq!(files.len(), 3);
        for f in files {
            let item = m
                .items
                .iter()
                .find(|i| i.name == f["name"].as_str().unwrap())
                .unwrap();
            assert_eq!(
                f["hashes"][0]["content"],
                mlsec_core::digest::to_hex(&item.digest).as_str()
            );
            assert!(
                f["properties"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["name"] == "mlsec:scan:format")
            );
        }
        if let Some(py) = validator() {
            validate(&py, &out);
        }
    }

    #[test]
    fn vector_model_bom_is_valid() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("bom.json");
        let model = data().join("model");
        let a: Args = parse(&[
            model.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--no-cache",
            "--shard-size",
            "5000",
        ]);
        assert_eq!(run(&a).unwrap(), ExitCode::SUCCESS);
        if let Some(py) = validator() {
            validate(&py, &out);
        }
    }

    /// The venv python with cyclonedx-python-lib, from `MLSEC_MODEL_SIGNING`'s venv or
    /// `MLSEC_PY`; `None` (with a note) when neither is set.
    fn validator() -> Option<PathBuf> {
        let py = std::env::var_os("MLSEC_PY").map(PathBuf::from).or_else(|| {
            std::env::var_os("MLSEC_MODEL_SIGNING")
                .map(|m| PathBuf::from(m).with_file_name("python"))
        });
        if py.is_none() {
            let _ = writeln!(
                std::io::stderr(),
                "note: CycloneDX schema validation skipped: set MLSEC_PY or MLSEC_MODEL_SIGNING (scripts/install-model-signing.sh)"
            );
        }
        py
    }

    fn validate(py: &std::path::Path, bom: &std::path::Path) {
        let script = "import sys\n\
            from cyclonedx.validation.json import JsonStrictValidator\n\
            from cyclonedx.schema import SchemaVersion\n\
            err = JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(sys.argv[1]).read())\n\
            print(err if err else 'valid')\n\
            sys.exit(1 if err else 0)\n";
        let out = std::process::Command::new(py)
            .arg("-c")
            .arg(script)
            .arg(bom)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "CycloneDX 1.6 validation failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
