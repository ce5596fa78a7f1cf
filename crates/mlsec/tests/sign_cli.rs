//! The real binary, end to end, for the integrity commands: hash, sign, verify, bom.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn mlsec(cache: &Path) -> Command {
    let mut c = Command::cargo_bin("mlsec").unwrap();
    c.env("NO_COLOR", "1").env("MLSEC_CACHE_DIR", cache);
    c
}

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mlsec-sign/tests/data")
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

#[test]
fn sign_verify_tamper_round_trip() {
    let d = tempfile::tempdir().unwrap();
    let cache = d.path().join("cache");
    let model = d.path().join("model");
    copy_dir(&data().join("model"), &model);
    let key = data().join("keys/p256-private.pem");
    let public = data().join("keys/p256-public.pem");

    let out = mlsec(&cache)
        .arg("sign")
        .arg(&model)
        .arg("--key")
        .arg(&key)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let digest = String::from_utf8(out.stdout).unwrap();
    assert!(digest.starts_with("sha256:"), "{digest}");
    // Default signature path: beside the model.
    assert!(d.path().join("model.sig").exists());
    // The cache was written where MLSEC_CACHE_DIR says.
    assert!(cache.join("hash-cache.json").exists());

    let out = mlsec(&cache)
        .arg("verify")
        .arg(&model)
        .arg("--key")
        .arg(&public)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(digest.trim()));

    std::fs::write(model.join("tokenizer/vocab.txt"), b"evil\n").unwrap();
    let out = mlsec(&cache)
        .arg("verify")
        .arg(&model)
        .arg("--key")
        .arg(&public)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("tokenizer/vocab.txt: digest mismatch"),
        "{err}"
    );

    let out = mlsec(&cache)
        .arg("verify")
        .arg(&model)
        .arg("--key")
        .arg(&public)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["schema"], "mlsec.verify/v1");
    assert_eq!(j["verified"], false);
    assert_eq!(j["differences"][0], "tokenizer/vocab.txt: digest mismatch");
}

#[test]
fn errors_exit_2_and_hash_prints_the_manifest() {
    let d = tempfile::tempdir().unwrap();
    let cache = d.path().join("cache");
    let out = mlsec(&cache)
        .arg("verify")
        .arg(data().join("model"))
        .arg("--signature")
        .arg(data().join("sig/files-sha256-p256.sig"))
        .arg("--key")
        .arg(d.path().join("missing.pem"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.pem"));

    let out = mlsec(&cache)
        .arg("hash")
        .arg(data().join("model"))
        .arg("--no-cache")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "24b48f9d274861bddb78d6655ce602c50cd08e1b846f975ee5b78618fe16dfc4  tokenizer/vocab.txt"
        ),
        "{text}"
    );
    assert!(
        text.trim_end().ends_with(
            "root  sha256:da75d358c5a9e6696ead920187ec9caed9da1582192951660cbc3b4afa46d8d0"
        ),
        "{text}"
    );

    let out = mlsec(&cache)
        .arg("bom")
        .arg(data().join("model"))
        .arg("--no-cache")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let bom: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(bom["bomFormat"], "CycloneDX");
}
