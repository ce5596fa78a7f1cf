//! Cross-checks against the Python reference, model_signing 1.1.1, both ways.
//!
//! Runs when `MLSEC_MODEL_SIGNING` points at the `model_signing` executable of a venv made by
//! `scripts/install-model-signing.sh` (the venv's `python` beside it runs the API checks);
//! otherwise each test prints a note and passes.

use mlsec_sign::cert::TrustedRoots;
use mlsec_sign::{
    ComputeOptions, HashAlgorithm, HashingConfig, Method, Policy, Signer, SigningKey,
    VerifyOptions, VerifyingKey, sign_model, verify_model,
};
use std::path::{Path, PathBuf};
use std::process::Command;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// The `model_signing` executable and the venv's python, or `None` (with a note) when absent.
fn peer(test: &str) -> Option<(PathBuf, PathBuf)> {
    let Some(ms) = std::env::var_os("MLSEC_MODEL_SIGNING").map(PathBuf::from) else {
        // Written past libtest's output capture so the skip is visible in every run.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "\nnote: {test} skipped: MLSEC_MODEL_SIGNING is not set (run scripts/install-model-signing.sh)"
        );
        return None;
    };
    assert!(
        ms.exists(),
        "MLSEC_MODEL_SIGNING={} does not exist",
        ms.display()
    );
    let py = ms.parent().unwrap().join("python");
    Some((ms, py))
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

fn model_copy() -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let m = d.path().join("model");
    copy_dir(&data().join("model"), &m);
    (d, m)
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn mlsec_sign(model: &Path, sig: &Path, key: &Path, config: HashingConfig) {
    let sk = SigningKey::from_pem_file(key).unwrap();
    let signed = sign_model(
        model,
        &Signer::Key(sk),
        config,
        Some(sig),
        ComputeOptions::default(),
    )
    .unwrap();
    std::fs::write(sig, signed.bundle.to_json()).unwrap();
}

#[test]
fn model_signing_cli_verifies_what_mlsec_signs() {
    let Some((ms, _)) = peer("model_signing_cli_verifies_what_mlsec_signs") else {
        return;
    };
    let (d, model) = model_copy();
    for curve in ["p256", "p384", "p521"] {
        let sig = d.path().join(format!("{curve}.sig"));
        let k = data().join(format!("keys/{curve}-private.pem"));
        mlsec_sign(&model, &sig, &k, HashingConfig::default());
        let (ok, out) = run(Command::new(&ms)
            .args(["verify", "key"])
            .arg(&model)
            .arg("--signature")
            .arg(&sig)
            .arg("--public_key")
            .arg(data().join(format!("keys/{curve}-public.pem"))));
        assert!(ok, "{curve}: model_signing rejected our signature:\n{out}");
    }
    // Single-file model.
    let sig = d.path().join("single.sig");
    mlsec_sign(
        &model.join("config.json"),
        &sig,
        &data().join("keys/p256-private.pem"),
        HashingConfig::default(),
    );
    let (ok, out) = run(Command::new(&ms)
        .args(["verify", "key"])
        .arg(model.join("config.json"))
        .arg("--signature")
        .arg(&sig)
        .arg("--public_key")
        .arg(data().join("keys/p256-public.pem")));
    assert!(ok, "single file: {out}");
    // Signature written inside the model directory (recorded in ignore_paths).
    let sig = model.join("model.sig");
    mlsec_sign(
        &model,
        &sig,
        &data().join("keys/p256-private.pem"),
        HashingConfig::default(),
    );
    let (ok, out) = run(Command::new(&ms)
        .args(["verify", "key"])
        .arg(&model)
        .arg("--signature")
        .arg(&sig)
        .arg("--public_key")
        .arg(data().join("keys/p256-public.pem")));
    assert!(ok, "signature inside the model: {out}");
    std::fs::remove_file(&sig).unwrap();
    // And it still catches tampering of what we signed.
    let sig = d.path().join("p256.sig");
    std::fs::write(model.join("tokenizer/vocab.txt"), b"evil\n").unwrap();
    let (ok, out) = run(Command::new(&ms)
        .args(["verify", "key"])
        .arg(&model)
        .arg("--signature")
        .arg(&sig)
        .arg("--public_key")
        .arg(data().join("keys/p256-public.pem")));
    assert!(
        !ok && out.contains("tokenizer/vocab.txt"),
        "tampered model accepted:\n{out}"
    );
}

#[test]
fn model_signing_api_verifies_our_shards_blake2b_and_blake3() {
    let Some((_, py)) = peer("model_signing_api_verifies_our_shards_blake2b_and_blake3") else {
        return;
    };
    let (d, model) = model_copy();
    let cases = [
        (
            "shards-sha256",
            HashingConfig {
                method: Method::Shards { shard_size: 1000 },
                ..HashingConfig::default()
            },
            "use_shard_serialization(hashing_algorithm='sha256', shard_size=1000)",
        ),
        (
            "files-blake3",
            HashingConfig {
                hash: HashAlgorithm::Blake3,
                ..HashingConfig::default()
            },
            "use_file_serialization(hashing_algorithm='blake3')",
        ),
        (
            "files-blake2b",
            HashingConfig {
                hash: HashAlgorithm::Blake2b,
                ..HashingConfig::default()
            },
            "use_file_serialization(hashing_algorithm='blake2')",
        ),
    ];
    for (name, cfg, hashing) in cases {
        let sig = d.path().join(format!("{name}.sig"));
        mlsec_sign(&model, &sig, &data().join("keys/p256-private.pem"), cfg);
        let script = format!(
            "import sys, model_signing as ms\n\
             h = ms.hashing.Config().{hashing}\n\
             ms.verifying.Config().use_elliptic_key_verifier(public_key=sys.argv[3]).set_hashing_config(h).verify(sys.argv[1], sys.argv[2])\n\
             print('ok')\n"
        );
        let (ok, out) = run(Command::new(&py)
            .arg("-c")
            .arg(&script)
            .arg(&model)
            .arg(&sig)
            .arg(data().join("keys/p256-public.pem")));
        assert!(
            ok,
            "{name}: model_signing API rejected our signature:\n{out}"
        );
    }
}

#[test]
fn model_signing_verifies_our_certificate_signatures() {
    let Some((ms, _)) = peer("model_signing_verifies_our_certificate_signatures") else {
        return;
    };
    let (d, model) = model_copy();
    let c = data().join("certs");
    let sk = SigningKey::from_pem_file(&c.join("leaf.key")).unwrap();
    let signer =
        Signer::from_certificate_files(sk, &c.join("leaf.pem"), &[c.join("int.pem")]).unwrap();
    let sig = d.path().join("cert.sig");
    let signed = sign_model(
        &model,
        &signer,
        HashingConfig::default(),
        Some(&sig),
        ComputeOptions::default(),
    )
    .unwrap();
    std::fs::write(&sig, signed.bundle.to_json()).unwrap();
    let (ok, out) = run(Command::new(&ms)
        .args(["verify", "certificate"])
        .arg(&model)
        .arg("--signature")
        .arg(&sig)
        .arg("--certificate_chain")
        .arg(c.join("root.pem")));
    assert!(
        ok,
        "model_signing rejected our certificate signature:\n{out}"
    );
}

#[test]
fn mlsec_verifies_what_model_signing_signs() {
    let Some((ms, _)) = peer("mlsec_verifies_what_model_signing_signs") else {
        return;
    };
    let (d, model) = model_copy();
    // Key, directory and single file.
    for (target, name) in [
        (model.clone(), "dir"),
        (model.join("model.safetensors"), "file"),
    ] {
        for curve in ["p256", "p384"] {
            let sig = d.path().join(format!("{name}-{curve}.sig"));
            let (ok, out) = run(Command::new(&ms)
                .args(["sign", "key"])
                .arg(&target)
                .arg("--signature")
                .arg(&sig)
                .arg("--private_key")
                .arg(data().join(format!("keys/{curve}-private.pem"))));
            assert!(ok, "model_signing sign failed: {out}");
            let policy = Policy::with_key(
                VerifyingKey::from_pem_file(&data().join(format!("keys/{curve}-public.pem")))
                    .unwrap(),
            );
            verify_model(
                &target,
                &std::fs::read(&sig).unwrap(),
                &policy,
                VerifyOptions::default(),
            )
            .unwrap_or_else(|e| panic!("{name}-{curve}: {e}"));
        }
    }
    // Certificate.
    let c = data().join("certs");
    let sig = d.path().join("cert.sig");
    let (ok, out) = run(Command::new(&ms)
        .args(["sign", "certificate"])
        .arg(&model)
        .arg("--signature")
        .arg(&sig)
        .arg("--private_key")
        .arg(c.join("leaf.key"))
        .arg("--signing_certificate")
        .arg(c.join("leaf.pem"))
        .arg("--certificate_chain")
        .arg(c.join("int.pem")));
    assert!(ok, "model_signing sign certificate failed: {out}");
    let roots = TrustedRoots::from_pem_files(&[c.join("root.pem")]).unwrap();
    let policy = Policy::with_roots(roots, vec!["signer@example.com".into()]);
    let v = verify_model(
        &model,
        &std::fs::read(&sig).unwrap(),
        &policy,
        VerifyOptions::default(),
    )
    .unwrap();
    assert!(v.signer.contains("mlsec test signer"), "{}", v.signer);
    // Their signature, our tamper detection.
    std::fs::write(model.join("a.txt"), b"tampered\n").unwrap();
    let e = verify_model(
        &model,
        &std::fs::read(&sig).unwrap(),
        &policy,
        VerifyOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "model does not match its signature:\n  a.txt: digest mismatch"
    );
}
