//! The model digest joins the evidence: sign, verify, scan and bom recorded with `--record`
//! all name the same digest, the registry binds a version to it (computed from the path), and
//! the audit log lists the whole history of that model and verifies.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn keys() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mlsec-sign/tests/data/keys")
}

fn mlsec(data: &Path, store: &str) -> Command {
    let mut c = Command::cargo_bin("mlsec").unwrap();
    c.env("NO_COLOR", "1")
        .env("MLSEC_DATA_DIR", data)
        .env("MLSEC_CACHE_DIR", data.join("cache"))
        .env("MLSEC_STORE", store)
        .env("MLSEC_ACTOR", "ci@test")
        .env_remove("MLSEC_POLICY");
    c
}

#[test]
fn one_digest_joins_sign_verify_scan_bom_and_registry() {
    let d = tempfile::tempdir().unwrap();
    let model = d.path().join("model");
    std::fs::create_dir_all(&model).unwrap();
    std::fs::write(model.join("config.json"), br#"{"architectures": ["Tiny"]}"#).unwrap();
    std::fs::write(model.join("weights.bin"), vec![7u8; 4096]).unwrap();
    let store = format!("sqlite://{}", d.path().join("store.db").display());

    let out = mlsec(d.path(), &store)
        .args(["sign", "--key"])
        .arg(keys().join("p256-private.pem"))
        .arg(&model)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let digest = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        digest.starts_with("sha256:") && digest.len() == 71,
        "{digest}"
    );

    let out = mlsec(d.path(), &store)
        .args(["verify", "--key"])
        .arg(keys().join("p256-public.pem"))
        .arg(&model)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = mlsec(d.path(), &store)
        .args(["scan"])
        .arg(&model)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let out = mlsec(d.path(), &store)
        .args(["bom", "--output"])
        .arg(d.path().join("bom.json"))
        .arg(&model)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = mlsec(d.path(), &store)
        .args(["registry", "push", "--name", "tiny"])
        .arg(&model)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(&digest));

    let out = mlsec(d.path(), &store)
        .args(["audit", "log", "--json", "--model", &digest])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for action in ["\"sign\"", "\"verify\"", "\"scan\"", "\"bom\""] {
        assert!(
            text.contains(action),
            "no {action} event for {digest}:\n{text}"
        );
    }

    let out = mlsec(d.path(), &store)
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
