//! End-to-end: `mlsec data synth`, `mlsec data profile` and `mlsec data drift` through the binary,
//! on the seeded synthetic drift dataset (the shared `gen_drift_data.py` spec, 5,000 rows a side).

use assert_cmd::Command;
use serde_json::Value;

fn mlsec() -> Command {
    let mut c = Command::cargo_bin("mlsec").unwrap();
    c.env("NO_COLOR", "1");
    c
}

fn synth(dir: &std::path::Path) {
    mlsec()
        .args(["data", "synth", "--rows", "5000", "--out"])
        .arg(dir)
        .assert()
        .success();
    assert!(dir.join("reference.parquet").is_file());
    assert!(dir.join("current.parquet").is_file());
}

fn drift_json(
    reference: &std::path::Path,
    current: &std::path::Path,
    extra: &[&str],
) -> (i32, Value) {
    let out = mlsec()
        .args(["data", "drift"])
        .arg(reference)
        .arg(current)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (code, doc)
}

fn drifted(doc: &Value) -> Vec<String> {
    doc["columns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["drift"] == Value::Bool(true))
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn drift_report_finds_the_injected_changes_and_quality_issues() {
    let d = tempfile::tempdir().unwrap();
    synth(d.path());
    let (r, c) = (
        d.path().join("reference.parquet"),
        d.path().join("current.parquet"),
    );
    let (code, doc) = drift_json(&r, &c, &[]);
    assert_eq!(doc["schema"], "mlsec.drift/v1");
    assert_eq!(doc["columns"].as_array().unwrap().len(), 25);
    // 8 of 25 columns drift with Evidently's defaults: below the 0.5 share, so exit 0.
    let cols = drifted(&doc);
    for expected in [
        "num_00", "num_01", "num_03", "num_04", "num_05", "num_06", "cat_0", "cat_1",
    ] {
        assert!(
            cols.contains(&expected.to_string()),
            "{expected} not in {cols:?}"
        );
    }
    assert_eq!(doc["dataset"]["drift"], Value::Bool(false));
    assert_eq!(code, 0);
    // Every column entry carries the documented fields.
    for c in doc["columns"].as_array().unwrap() {
        for k in [
            "name",
            "type",
            "test",
            "statistic",
            "p_value",
            "threshold",
            "drift",
        ] {
            assert!(c.get(k).is_some(), "{k} missing in {c}");
        }
    }
    // The quality checks see what no drift test sees: the missing-rate jump, out-of-range
    // values and the new category.
    let quality: Vec<(String, String)> = doc["quality"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["check"].as_str().unwrap().to_string(),
                q["column"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    for (check, column) in [("DQ001", "num_18"), ("DQ002", "num_06"), ("DQ003", "cat_1")] {
        assert!(
            quality.contains(&(check.to_string(), column.to_string())),
            "{check} {column} not in {quality:?}"
        );
    }
    // A per-column gate turns the same result into a failure.
    let (code, _) = drift_json(&r, &c, &["--fail-on-column"]);
    assert_eq!(code, 1);
}

#[test]
fn a_stored_profile_is_a_valid_reference() {
    let d = tempfile::tempdir().unwrap();
    synth(d.path());
    let (r, c) = (
        d.path().join("reference.parquet"),
        d.path().join("current.parquet"),
    );
    let profile = d.path().join("ref.profile.json");
    mlsec()
        .args(["data", "profile"])
        .arg(&r)
        .arg("-o")
        .arg(&profile)
        .assert()
        .success();
    let (_, from_data) = drift_json(&r, &c, &[]);
    let (_, from_profile) = drift_json(&profile, &c, &[]);
    assert_eq!(drifted(&from_data), drifted(&from_profile));
    // Against itself nothing drifts.
    let (code, same) = drift_json(&profile, &r, &["--fail-on-column"]);
    assert!(drifted(&same).is_empty(), "{:?}", drifted(&same));
    assert_eq!(code, 0);
}

#[test]
fn html_report_is_self_contained_and_bad_input_exits_2() {
    let d = tempfile::tempdir().unwrap();
    synth(d.path());
    let (r, c) = (
        d.path().join("reference.parquet"),
        d.path().join("current.parquet"),
    );
    let html = d.path().join("drift.html");
    mlsec()
        .args(["data", "drift"])
        .arg(&r)
        .arg(&c)
        .args(["--format", "html", "-o"])
        .arg(&html)
        .assert()
        .success();
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<svg"), "no chart in the report");
    assert!(page.contains("num_00"));
    assert!(!page.contains("http://") && !page.contains("https://") && !page.contains("<script"));
    // A file that is not a dataset is an error (exit 2) that names it.
    let bad = d.path().join("bad.parquet");
    std::fs::write(&bad, b"PAR1 this is not parquet PAR1").unwrap();
    let out = mlsec()
        .args(["data", "drift"])
        .arg(&bad)
        .arg(&c)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.parquet"));
}
