//! The real binary, end to end: exit codes, formats, policy handling.

use assert_cmd::Command;
use std::path::Path;

fn mlsec() -> Command {
    let mut c = Command::cargo_bin("mlsec").unwrap();
    c.env("NO_COLOR", "1").env_remove("MLSEC_POLICY");
    c
}

/// A protocol-2 pickle that calls `os.system('echo MLSEC_TEST')` — never loaded, only scanned.
const EVIL_PICKLE: &[u8] =
    b"\x80\x02cos\nsystem\nq\x00X\x0f\x00\x00\x00echo MLSEC_TESTq\x01\x85q\x02Rq\x03.";

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn clean_directory_exits_zero() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "notes.txt", b"just text\n");
    let out = mlsec().arg("scan").arg(d.path()).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("PASS"));
}

#[test]
fn findings_exit_one_and_json_carries_them() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "model.safetensors", EVIL_PICKLE);
    let out = mlsec()
        .args(["scan", "--format", "json"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema"], "mlsec.scan/v1");
    assert_eq!(v["verdict"], "findings");
    let rules: Vec<&str> = v["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"GEN001"), "{rules:?}");
}

/// Files are scanned in parallel batches while the directory is still being walked; the report
/// must still list every file once, in walk (name) order, whatever the thread count.
#[test]
fn directory_report_is_complete_and_in_walk_order_for_any_thread_count() {
    let d = tempfile::tempdir().unwrap();
    for i in 0..70 {
        let sub = d.path().join(format!("d{}", i % 3));
        std::fs::create_dir_all(&sub).unwrap();
        let bytes: &[u8] = if i % 7 == 0 {
            EVIL_PICKLE
        } else {
            b"plain text\n"
        };
        write(&sub, &format!("f{i:03}.bin"), bytes);
    }
    let mut seen = Vec::new();
    for jobs in ["1", "3"] {
        let out = mlsec()
            .args(["scan", "--format", "json", "-j", jobs])
            .arg(d.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let files: Vec<String> = v["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(files.len(), 70);
        let mut sorted = files.clone();
        sorted.sort();
        assert_eq!(files, sorted, "not in walk order with -j {jobs}");
        let flagged = v["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["max_severity"] == "critical")
            .count();
        assert_eq!(flagged, 10);
        seen.push(files);
    }
    assert_eq!(seen[0], seen[1]);
}

#[test]
fn fail_on_threshold_moves_the_exit_code() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "model.safetensors", EVIL_PICKLE);
    // GEN001 is high; with --fail-on critical only critical findings fail the run.
    let out = mlsec()
        .args(["scan", "--fail-on", "critical", "--format", "json"])
        .arg(&p)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let has_critical = v["summary"]["findings"]["critical"].as_u64().unwrap() > 0;
    assert_eq!(out.status.code(), Some(if has_critical { 1 } else { 0 }));
}

#[test]
fn missing_path_is_an_error_exit_two() {
    let out = mlsec()
        .args(["scan", "/definitely/not/here.pt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ERROR"));
}

#[test]
fn bad_usage_and_bad_policy_exit_two_with_a_pointer() {
    let out = mlsec()
        .args(["scan", "--fail-on", "severe", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let d = tempfile::tempdir().unwrap();
    let pol = write(
        d.path(),
        "p.toml",
        b"version = 1\n[[scan.waiver]]\nrule = \"GEN001\"\n",
    );
    let out = mlsec()
        .args(["scan", "--policy"])
        .arg(&pol)
        .arg(d.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("p.toml:3: waiver for GEN001 needs a reason"),
        "{err}"
    );
}

#[test]
fn waiver_suppresses_and_stale_waiver_is_reported() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "model.safetensors", EVIL_PICKLE);
    let pol = write(
        d.path(),
        "p.toml",
        b"version = 1\n[[scan.waiver]]\nrule = \"GEN001\"\nreason = \"test fixture\"\n\
          [[scan.waiver]]\nrule = \"GEN001\"\npath = \"nowhere/**\"\nreason = \"stale\"\n",
    );
    let out = mlsec()
        .args(["scan", "--format", "json", "--policy"])
        .arg(&pol)
        .arg(&p)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let waived = v["files"][0]["waived"].as_array().unwrap();
    assert!(
        waived
            .iter()
            .any(|w| w["rule"] == "GEN001" && w["reason"] == "test fixture")
    );
    let stale: Vec<_> = v["waivers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["hits"] == 0)
        .collect();
    assert_eq!(stale.len(), 1);
}

#[test]
fn sarif_output_to_file() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "model.safetensors", EVIL_PICKLE);
    let out_file = d.path().join("out.sarif");
    let out = mlsec()
        .args(["scan", "--format", "sarif", "--output"])
        .arg(&out_file)
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "report goes to the file");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out_file).unwrap()).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert!(!v["runs"][0]["results"].as_array().unwrap().is_empty());
}

#[test]
fn rules_lists_and_explains() {
    let out = mlsec().arg("rules").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("GEN001"));
    let out = mlsec().args(["rules", "gen001"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("## Why it matters") && text.contains("CWE-"),
        "{text}"
    );
    let out = mlsec().args(["rules", "NOPE01"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
