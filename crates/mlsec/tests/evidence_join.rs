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

/// Runs `mlsec ARGS…` against the store and asserts its exit code; returns stdout.
fn ok(data: &Path, store: &str, args: &[&std::ffi::OsStr]) -> String {
    let out = mlsec(data, store).args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "mlsec {args:?}\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn one_digest_joins_sign_verify_scan_bom_and_registry() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path();
    let model = data.join("model");
    std::fs::create_dir_all(&model).unwrap();
    std::fs::write(model.join("config.json"), br#"{"architectures": ["Tiny"]}"#).unwrap();
    std::fs::write(model.join("weights.bin"), vec![7u8; 4096]).unwrap();
    let store = format!("sqlite://{}", data.join("store.db").display());
    let (private, public) = (
        keys().join("p256-private.pem"),
        keys().join("p256-public.pem"),
    );
    let bom = data.join("bom.json");
    let s = |x: &'static str| std::ffi::OsStr::new(x);

    let digest = ok(
        data,
        &store,
        &[
            s("sign"),
            s("--key"),
            private.as_os_str(),
            model.as_os_str(),
        ],
    )
    .trim()
    .to_string();
    assert!(
        digest.starts_with("sha256:") && digest.len() == 71,
        "{digest}"
    );
    ok(
        data,
        &store,
        &[
            s("verify"),
            s("--key"),
            public.as_os_str(),
            model.as_os_str(),
        ],
    );
    ok(data, &store, &[s("scan"), model.as_os_str()]);
    ok(
        data,
        &store,
        &[s("bom"), s("--output"), bom.as_os_str(), model.as_os_str()],
    );
    let pushed = ok(
        data,
        &store,
        &[
            s("registry"),
            s("push"),
            s("--name"),
            s("tiny"),
            model.as_os_str(),
        ],
    );
    assert!(pushed.contains(&digest));

    let log = ok(
        data,
        &store,
        &[
            s("audit"),
            s("log"),
            s("--json"),
            s("--model"),
            std::ffi::OsStr::new(&digest),
        ],
    );
    for action in ["\"sign\"", "\"verify\"", "\"scan\"", "\"bom\""] {
        assert!(
            log.contains(action),
            "no {action} event for {digest}:\n{log}"
        );
    }
    ok(data, &store, &[s("audit"), s("verify")]);
}
