//! `mlsec verify`: check a model against its OMS signature under a policy.

use super::{CacheArgs, OutputFormat, default_signature_path, save_cache};
use anyhow::Context as _;
use mlsec_sign::cert::TrustedRoots;
use mlsec_sign::{
    Error, HashAlgorithm, Policy, Verified, VerifyOptions, VerifyingKey, verify_model,
};
use serde::{Deserialize, Serialize};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Verify a model against its signature: the signature must come from a trusted key or
/// certificate chain, the policy must hold, and every file must match the signed manifest.
///
/// Exit code 0 only when all of that holds; 1 when verification fails (the reasons, one line
/// per differing file, go to stderr); 2 when verification could not run.
///
/// Stricter than `model_signing verify`: certificates are checked for expiry now (not at their
/// own notBefore), for end-entity/CA constraints and signing usage, and optionally for the
/// signer identity; bundles covering no file are rejected; `--never-ignore` stops a signer from
/// excluding protected files through the `ignore_paths` it recorded.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Model directory or single model file
    pub model_path: PathBuf,
    /// The signature bundle. Default: `<MODEL_PATH>.sig` beside the model
    #[arg(long, value_name = "SIG")]
    pub signature: Option<PathBuf>,
    /// Trusted public key, SPKI PEM (repeatable: the bundle's key hint picks one)
    #[arg(long, value_name = "PUBLIC.pem")]
    pub key: Vec<PathBuf>,
    /// Trusted root certificates, PEM (repeatable) for certificate-signed bundles
    #[arg(long = "certificate-chain", value_name = "ROOTS.pem")]
    pub certificate_chain: Vec<PathBuf>,
    /// Accept only a signing certificate with this identity: a SAN e-mail, URI or DNS name, or
    /// the subject CN (repeatable: any one matches)
    #[arg(long, value_name = "ID", requires = "certificate_chain")]
    pub identity: Vec<String>,
    /// Fail if the signature's ignore_paths leave out a file matching this pattern (`*.py`,
    /// `tokenizer`, `**/*.json`; repeatable)
    #[arg(long = "never-ignore", value_name = "PATTERN")]
    pub never_ignore: Vec<String>,
    /// Policy file (TOML): `keys`, `roots` (paths relative to the file), `identities`,
    /// `never_ignore`, `allowed_hashes`, `allow_symlinks`, `allow_empty`. Flags add to it
    #[arg(long, value_name = "POLICY.toml")]
    pub policy: Option<PathBuf>,
    /// Output format on stdout
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub cache: CacheArgs,
    #[command(flatten)]
    pub record: crate::record::RecordArgs,
}

/// The policy file layout.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    keys: Vec<PathBuf>,
    #[serde(default)]
    roots: Vec<PathBuf>,
    #[serde(default)]
    identities: Vec<String>,
    #[serde(default)]
    never_ignore: Vec<String>,
    #[serde(default)]
    allowed_hashes: Vec<String>,
    #[serde(default)]
    allow_symlinks: bool,
    #[serde(default)]
    allow_empty: bool,
}

fn build_policy(args: &Args) -> anyhow::Result<Policy> {
    let mut file = PolicyFile::default();
    let mut base = PathBuf::new();
    if let Some(p) = &args.policy {
        let text = std::fs::read_to_string(p)
            .with_context(|| format!("{}: cannot read the policy", p.display()))?;
        file = toml::from_str(&text).with_context(|| format!("{}: invalid policy", p.display()))?;
        base = p.parent().map(Path::to_path_buf).unwrap_or_default();
    }
    let mut policy = Policy::default();
    for k in file
        .keys
        .iter()
        .map(|k| base.join(k))
        .chain(args.key.iter().cloned())
    {
        policy.keys.push(VerifyingKey::from_pem_file(&k)?);
    }
    let roots: Vec<PathBuf> = file
        .roots
        .iter()
        .map(|r| base.join(r))
        .chain(args.certificate_chain.iter().cloned())
        .collect();
    if !roots.is_empty() {
        policy.roots = Some(TrustedRoots::from_pem_files(&roots)?);
    }
    policy.cert.identities = file
        .identities
        .into_iter()
        .chain(args.identity.iter().cloned())
        .collect();
    policy.never_ignore = file
        .never_ignore
        .into_iter()
        .chain(args.never_ignore.iter().cloned())
        .collect();
    for h in &file.allowed_hashes {
        policy.allowed_hashes.push(
            HashAlgorithm::from_oms_name(h)
                .with_context(|| format!("policy: unknown hash `{h}` in allowed_hashes"))?,
        );
    }
    policy.allow_symlinks = file.allow_symlinks;
    policy.allow_empty = file.allow_empty;
    if policy.keys.is_empty() && policy.roots.is_none() {
        anyhow::bail!(
            "nothing to trust: give --key PUBLIC.pem or --certificate-chain ROOTS.pem (or a --policy that lists keys or roots)"
        );
    }
    Ok(policy)
}

/// The `--format json` document (schema `mlsec.verify/v1`).
#[derive(Serialize)]
struct VerifyJson {
    schema: &'static str,
    model: String,
    signature: String,
    verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    model_digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    files: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ignored_paths: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    differences: Vec<String>,
}

/// Runs `mlsec verify`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let policy = build_policy(args)?;
    let sig_path = match &args.signature {
        Some(p) => p.clone(),
        None => default_signature_path(&args.model_path)?,
    };
    let bundle = std::fs::read(&sig_path)
        .with_context(|| format!("{}: cannot read the signature", sig_path.display()))?;
    let cache = args.cache.open();
    let result = verify_model(
        &args.model_path,
        &bundle,
        &policy,
        VerifyOptions {
            signature_path: Some(&sig_path),
            cache: cache.as_ref(),
        },
    );
    save_cache(cache.as_ref());
    let mut doc = VerifyJson {
        schema: "mlsec.verify/v1",
        model: args.model_path.display().to_string(),
        signature: sig_path.display().to_string(),
        verified: false,
        model_digest: None,
        signer: None,
        files: None,
        ignored_paths: Vec::new(),
        warnings: Vec::new(),
        error: None,
        differences: Vec::new(),
    };
    let code = match result {
        Ok(v) => {
            report_ok(&v);
            doc.verified = true;
            doc.model_digest = Some(v.model_digest());
            doc.signer = Some(v.signer.clone());
            doc.files = Some(v.files);
            doc.ignored_paths = v.ignored_paths.clone();
            doc.warnings = v.warnings.clone();
            ExitCode::SUCCESS
        }
        Err(e) if e.is_verification_failure() => {
            eprintln!("verification failed: {}", args.model_path.display());
            match &e {
                Error::Mismatch { differences } => {
                    for d in differences {
                        eprintln!("  {d}");
                    }
                    doc.differences = differences.iter().map(ToString::to_string).collect();
                    doc.error = Some("model does not match its signature".into());
                }
                other => {
                    eprintln!("  {other}");
                    doc.error = Some(other.to_string());
                }
            }
            ExitCode::from(1)
        }
        Err(e) => {
            return Err(e).with_context(|| format!("cannot verify {}", args.model_path.display()));
        }
    };
    record_verify(args, &doc)?;
    let mut out = std::io::stdout().lock();
    match args.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        OutputFormat::Human if doc.verified => {
            writeln!(
                out,
                "verified {} {}",
                doc.model_digest.as_deref().unwrap_or(""),
                args.model_path.display()
            )?;
        }
        OutputFormat::Human => {}
    }
    Ok(code)
}

/// Appends the verification verdict to the evidence store when asked to. The payload names the
/// key (`key` = the bundle's key hint) so promotion policies can require a pinned signer.
fn record_verify(args: &Args, doc: &VerifyJson) -> anyhow::Result<()> {
    if !args.record.wanted() {
        return Ok(());
    }
    let outcome = if doc.verified {
        mlsec_store::Outcome::Success
    } else {
        mlsec_store::Outcome::Failure
    };
    let mut payload = serde_json::to_value(doc)?;
    if let Some(key) = doc.signer.as_deref().and_then(|s| s.strip_prefix("key ")) {
        payload["key"] = serde_json::json!(key);
    }
    let mut ev = mlsec_store::NewEvent::new("", "verify", outcome).payload(payload);
    ev.model = match &doc.model_digest {
        Some(d) => Some(mlsec_core::Digest::parse(d).map_err(|e| anyhow::anyhow!("{e}"))?),
        // A failed verification still concerns the model on disk: key it by what is there now.
        None => crate::model_digest::of(&args.model_path).ok(),
    };
    crate::record::record(&args.record, ev)?;
    Ok(())
}

fn report_ok(v: &Verified) {
    eprintln!(
        "signature OK: {} files match, signed by {}",
        v.files, v.signer
    );
    if !v.ignored_paths.is_empty() {
        eprintln!(
            "note: the signer left these paths out of the signature: {}",
            v.ignored_paths.join(", ")
        );
    }
    for w in &v.warnings {
        eprintln!("warning: {w}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::testutil::{data, parse};

    fn s(p: &Path) -> &str {
        p.to_str().unwrap()
    }

    #[test]
    fn vector_verifies_and_tampering_exits_1() {
        let model = data().join("model");
        let sig = data().join("sig/files-sha256-p256.sig");
        let key = data().join("keys/p256-public.pem");
        let a: Args = parse(&[
            s(&model),
            "--signature",
            s(&sig),
            "--key",
            s(&key),
            "--no-cache",
        ]);
        assert_eq!(run(&a).unwrap(), ExitCode::SUCCESS);
        let a: Args = parse(&[
            s(&model),
            "--signature",
            s(&sig),
            "--key",
            s(&data().join("keys/p384-public.pem")),
            "--no-cache",
        ]);
        assert_eq!(run(&a).unwrap(), ExitCode::from(1));
        let a: Args = parse(&[
            s(&model),
            "--signature",
            s(&sig),
            "--key",
            s(&key),
            "--never-ignore",
            ".github",
            "--no-cache",
            "--format",
            "json",
        ]);
        assert_eq!(run(&a).unwrap(), ExitCode::from(1));
    }

    #[test]
    fn policy_file_and_certificates() {
        let d = tempfile::tempdir().unwrap();
        let certs = data().join("certs");
        std::fs::write(
            d.path().join("policy.toml"),
            format!("roots = [{:?}]\nidentities = [\"signer@example.com\"]\nnever_ignore = [\"*.json\"]\nallowed_hashes = [\"sha256\"]\n", s(&certs.join("root.pem"))),
        )
        .unwrap();
        let sk = mlsec_sign::SigningKey::from_pem_file(&certs.join("leaf.key")).unwrap();
        let signer = mlsec_sign::Signer::from_certificate_files(
            sk,
            &certs.join("leaf.pem"),
            &[certs.join("int.pem")],
        )
        .unwrap();
        let model = data().join("model");
        let signed = mlsec_sign::sign_model(
            &model,
            &signer,
            mlsec_sign::HashingConfig::default(),
            None,
            Default::default(),
        )
        .unwrap();
        let sig = d.path().join("m.sig");
        std::fs::write(&sig, signed.bundle.to_json()).unwrap();
        let a: Args = parse(&[
            s(&model),
            "--signature",
            s(&sig),
            "--policy",
            s(&d.path().join("policy.toml")),
            "--no-cache",
        ]);
        assert_eq!(run(&a).unwrap(), ExitCode::SUCCESS);
        let a: Args = parse(&[
            s(&model),
            "--signature",
            s(&sig),
            "--certificate-chain",
            s(&certs.join("other-root.pem")),
            "--no-cache",
        ]);
        assert_eq!(run(&a).unwrap(), ExitCode::from(1));
    }

    #[test]
    fn missing_trust_and_bad_policy_are_errors() {
        let a: Args = parse(&["m"]);
        assert!(
            run(&a)
                .unwrap_err()
                .to_string()
                .contains("nothing to trust")
        );
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("p.toml"), "unknown_field = 1\n").unwrap();
        let a: Args = parse(&["m", "--policy", s(&d.path().join("p.toml"))]);
        assert!(run(&a).is_err());
    }
}
