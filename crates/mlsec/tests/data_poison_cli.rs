//! End-to-end: `mlsec data poison` on a CSV written by the test.

use assert_cmd::Command;
use std::fmt::Write as _;

/// Two well separated classes in 3-D (seeded LCG), rows 5, 50 and 95 flipped, and rows
/// 0, 20, 40, … 180 stamped with `f2 = 40` and labelled `yes`.
fn csv(poison: bool) -> String {
    let mut s = String::from("id,f0,f1,f2,label\n");
    let mut state: u64 = 7;
    let mut u = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    };
    for i in 0..200 {
        let class = i % 2;
        let off = if class == 1 { 6.0 } else { 0.0 };
        let mut f = [off + u(), off + u(), u()];
        let mut label = if class == 1 { "yes" } else { "no" };
        if poison && [5, 50, 95].contains(&i) {
            label = if class == 1 { "no" } else { "yes" };
        }
        if poison && i % 20 == 0 {
            f[2] = 40.0;
            label = "yes";
        }
        writeln!(s, "{i},{:.4},{:.4},{:.4},{label}", f[0], f[1], f[2]).unwrap();
    }
    s
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn poisoned_csv_fails_with_suspects_and_a_trigger() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(&dir, "train.csv", &csv(true));
    let schema = write(&dir, "schema.toml", "[columns.id]\nrole = \"id\"\n");
    let out = Command::cargo_bin("mlsec")
        .unwrap()
        .args(["data", "poison"])
        .arg(&data)
        .args(["--label", "label", "--schema"])
        .arg(&schema)
        .args(["--format", "json", "--top", "50"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], "mlsec.poison/v1");
    assert_eq!(doc["verdict"], "fail");
    assert_eq!(doc["screened_rows"], 200);
    assert_eq!(doc["dropped_columns"][0]["column"], "id");
    let rows: Vec<u64> = doc["suspects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["row"].as_u64().unwrap())
        .collect();
    for r in [5, 95] {
        // 50 is also stamped (50 % 20 != 0, so not): a plain flip.
        assert!(rows.contains(&r), "row {r} not in {rows:?}");
    }
    assert!(rows.contains(&50), "{rows:?}");
    let t = &doc["triggers"][0];
    assert_eq!(t["conditions"][0]["column"], "f2");
    assert_eq!(t["conditions"][0]["low"], 40.0);
    assert_eq!(t["label"], "yes");
    assert_eq!(t["support"], 10);
    // Every stamped row that was a "no" row is a suspect.
    for r in [0, 20, 40, 60, 80, 100, 120, 140, 160, 180] {
        assert!(rows.contains(&r), "stamped row {r} not in {rows:?}");
    }
    let hist: u64 = doc["score_histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(hist, 200);
}

#[test]
fn clean_csv_passes_and_human_output_names_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(&dir, "clean.csv", &csv(false));
    let out_file = dir.path().join("report.txt");
    Command::cargo_bin("mlsec")
        .unwrap()
        .args(["data", "poison"])
        .arg(&data)
        .args(["--label", "label", "-o"])
        .arg(&out_file)
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&out_file).unwrap();
    assert!(text.contains("verdict: pass"), "{text}");
    assert!(text.contains("PSN001"), "{text}");
}

#[test]
fn errors_exit_2_and_explain_prints_docs() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(&dir, "train.csv", &csv(true));
    let out = Command::cargo_bin("mlsec")
        .unwrap()
        .args(["data", "poison"])
        .arg(&data)
        .args(["--label", "target"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no column `target`") && err.contains("label"),
        "{err}"
    );

    let out = Command::cargo_bin("mlsec")
        .unwrap()
        .args(["data", "poison", "--explain", "PSN005"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("## Why it matters") && text.contains("AML.T0020"),
        "{text}"
    );
}
