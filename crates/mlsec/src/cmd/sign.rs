//! `mlsec sign`: sign a model in the OpenSSF Model Signing format.

use super::{CacheArgs, HashingArgs, default_signature_path, save_cache};
use anyhow::Context as _;
use mlsec_core::digest::to_hex;
use mlsec_sign::{ComputeOptions, Signer, SigningKey, sign_model};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Sign a model directory or file with an ECDSA key (P-256, P-384 or P-521), optionally with
/// its X.509 certificate and chain.
///
/// Writes a Sigstore bundle (v0.3) holding a DSSE envelope whose payload is an in-toto
/// statement with the OMS predicate: `model_signing verify key|certificate` (1.1.1) accepts it,
/// and `mlsec verify` checks it.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Model directory or single model file
    pub model_path: PathBuf,
    /// Private key, PEM (PKCS#8 `BEGIN PRIVATE KEY` or SEC1 `BEGIN EC PRIVATE KEY`, unencrypted)
    #[arg(long, value_name = "PRIVATE.pem")]
    pub key: PathBuf,
    /// Where to write the signature. Default: `<MODEL_PATH>.sig` beside the model (for
    /// `models/bert` that is `models/bert.sig`), never inside it. model_signing's own default is
    /// `./model.sig`. A path inside the model is left out of the manifest and recorded in
    /// `ignore_paths`, as model_signing does
    #[arg(long, value_name = "OUT.sig")]
    pub signature: Option<PathBuf>,
    /// Sign with this certificate (PEM) for the key: the bundle then carries the certificate
    /// chain instead of a key hint
    #[arg(long, value_name = "CERT.pem")]
    pub certificate: Option<PathBuf>,
    /// Intermediate certificates (PEM, repeatable) to include after the signing certificate
    #[arg(
        long = "certificate-chain",
        value_name = "CHAIN.pem",
        requires = "certificate"
    )]
    pub certificate_chain: Vec<PathBuf>,
    #[command(flatten)]
    pub hashing: HashingArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
    #[command(flatten)]
    pub record: crate::record::RecordArgs,
}

/// Runs `mlsec sign`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let key = SigningKey::from_pem_file(&args.key)?;
    let signer = match &args.certificate {
        Some(cert) => Signer::from_certificate_files(key, cert, &args.certificate_chain)?,
        None => Signer::Key(key),
    };
    let sig_path = match &args.signature {
        Some(p) => p.clone(),
        None => default_signature_path(&args.model_path)?,
    };
    let cache = args.cache.open();
    let started = Instant::now();
    let signed = sign_model(
        &args.model_path,
        &signer,
        args.hashing.config(),
        Some(&sig_path),
        ComputeOptions {
            cache: cache.as_ref(),
            cache_write_only: false,
        },
    )
    .with_context(|| format!("cannot sign {}", args.model_path.display()))?;
    super::hash::report_speed(&signed.manifest, started);
    save_cache(cache.as_ref());
    std::fs::write(&sig_path, signed.bundle.to_json())
        .with_context(|| format!("{}: cannot write the signature", sig_path.display()))?;
    eprintln!(
        "signed {} ({} files, {} resources) -> {}",
        args.model_path.display(),
        signed.manifest.files.len(),
        signed.manifest.items.len(),
        sig_path.display()
    );
    let digest = format!("sha256:{}", to_hex(&signed.manifest.root_digest()));
    if args.record.wanted() {
        let mut ev = mlsec_store::NewEvent::new("", "sign", mlsec_store::Outcome::Success).payload(
            serde_json::json!({
                "model": args.model_path.display().to_string(),
                "signature": sig_path.display().to_string(),
                "files": signed.manifest.files.len(),
                "resources": signed.manifest.items.len(),
                "hash": signed.manifest.config.hash.oms_name(),
            }),
        );
        ev.model = Some(mlsec_core::Digest::parse(&digest).map_err(|e| anyhow::anyhow!("{e}"))?);
        crate::record::record(&args.record, ev)?;
    }
    // The model digest is data: it goes to stdout so scripts can capture it.
    println!("{digest}");
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::testutil::{data, parse};

    #[test]
    fn signs_to_the_given_path_and_verifies() {
        let d = tempfile::tempdir().unwrap();
        let sig = d.path().join("m.sig");
        let model = data().join("model");
        let key = data().join("keys/p384-private.pem");
        let a: Args = parse(&[
            model.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
            "--signature",
            sig.to_str().unwrap(),
            "--no-cache",
        ]);
        assert_eq!(run(&a).unwrap(), ExitCode::SUCCESS);
        let pk =
            mlsec_sign::VerifyingKey::from_pem_file(&data().join("keys/p384-public.pem")).unwrap();
        mlsec_sign::verify_model(
            &model,
            &std::fs::read(&sig).unwrap(),
            &mlsec_sign::Policy::with_key(pk),
            mlsec_sign::VerifyOptions::default(),
        )
        .unwrap();
    }

    #[test]
    fn bad_key_is_an_error_naming_the_file() {
        let d = tempfile::tempdir().unwrap();
        let key = data().join("keys/ed25519-private.pem");
        let sig = d.path().join("x.sig");
        let a: Args = parse(&[
            "m",
            "--key",
            key.to_str().unwrap(),
            "--signature",
            sig.to_str().unwrap(),
        ]);
        let e = run(&a).unwrap_err().to_string();
        assert!(e.contains("ed25519-private.pem"), "{e}");
    }

    #[test]
    fn default_signature_is_beside_the_model() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("bert")).unwrap();
        let p = default_signature_path(&d.path().join("bert")).unwrap();
        assert_eq!(p.file_name().unwrap(), "bert.sig");
        assert_eq!(
            p.parent().unwrap(),
            std::fs::canonicalize(d.path()).unwrap()
        );
    }
}
