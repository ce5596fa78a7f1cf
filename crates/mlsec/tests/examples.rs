//! The README's first command, `mlsec scan examples/models`, does what the README says: the
//! four planted attacks fail, the four benign models pass.

use assert_cmd::Command;
use std::path::Path;

#[test]
fn readme_example_scan() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/models");
    let out = Command::cargo_bin("mlsec")
        .unwrap()
        .env("NO_COLOR", "1")
        .env_remove("MLSEC_STORE")
        .args(["scan", "--format", "json"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 8);
    for f in files {
        let path = f["path"].as_str().unwrap();
        let sev = f["max_severity"].as_str();
        if path.contains("downloads") {
            assert_eq!(sev, Some("critical"), "{path} must be critical: {f}");
        } else {
            assert!(
                matches!(sev, None | Some("info") | Some("low")),
                "{path} must pass: {f}"
            );
            assert_eq!(f["status"], "clean", "{path}");
        }
    }
}
