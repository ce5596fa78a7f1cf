//! `mlsec redteam` end to end on the breast-cancer logistic regression (skl2onnx export) and its
//! data from crates/mlsec-redteam/tests/data (see PROVENANCE there).

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../mlsec-redteam/tests/data")
        .join(name)
}

fn redteam(extra: &[&str]) -> Command {
    let mut c = Command::cargo_bin("mlsec").unwrap();
    c.env("NO_COLOR", "1")
        .env_remove("MLSEC_STORE")
        .env_remove("MLSEC_API_KEY");
    c.arg("redteam")
        .arg(data("bc_logreg.onnx"))
        .arg("--data")
        .arg(data("bc_x_test.npy"))
        .arg("--labels")
        .arg(data("bc_y_test.npy"))
        .args(extra);
    c
}

#[test]
fn json_report_has_every_audit_and_gates_on_findings() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("redteam.toml");
    std::fs::write(&cfg, "[thresholds]\nmin_robust_accuracy = 0.8\n").unwrap();
    let cfg = cfg.to_str().unwrap();
    let out = redteam(&[
        "--config",
        cfg,
        "--train",
        data("bc_x_train.npy").to_str().unwrap(),
        "--train-labels",
        data("bc_y_train.npy").to_str().unwrap(),
        "--samples",
        "20",
        "--eps",
        "0.1,0.3",
        "--budget",
        "300",
        "--extraction-budgets",
        "50,200",
        "--sensitive",
        "0",
        "--trigger",
        "3=1.0",
        "--format",
        "json",
    ])
    .output()
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema"], "mlsec.redteam/v1");
    assert!(
        v["model"]["digest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    let ev = v["evasion"].as_array().unwrap();
    for a in ["fgsm", "pgd", "square", "hsj"] {
        let rows: Vec<&Value> = ev.iter().filter(|e| e["attack"] == a).collect();
        assert_eq!(rows.len(), 2, "{a}");
        for r in rows {
            let ra = r["robust_accuracy"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&ra));
            assert!(r["attack_success_rate"].is_number() && r["queries_per_sample"].is_number());
        }
    }
    let sq = ev.iter().find(|e| e["attack"] == "square").unwrap();
    assert!(sq["queries_per_sample"].as_f64().unwrap() <= 300.0);
    let mia = &v["membership_inference"][0];
    assert_eq!(mia["score"], "loss");
    assert!(
        (mia["auc"].as_f64().unwrap() - 0.5112).abs() <= 0.001,
        "{mia}"
    );
    assert_eq!(v["extraction"]["curve"].as_array().unwrap().len(), 2);
    assert_eq!(v["fairness"][0]["groups"].as_array().unwrap().len(), 2);
    assert_eq!(v["importances"].as_array().unwrap().len(), 30);
    assert!(v["strip"]["detection_rate"].is_number());
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"RTM001"), "{codes:?}");

    // The same run gated only on critical findings passes.
    let out = redteam(&[
        "--config",
        cfg,
        "--attack",
        "square",
        "--samples",
        "10",
        "--budget",
        "100",
        "--fail-on",
        "critical",
    ])
    .output()
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("square") && text.contains("RTM001"), "{text}");
}

#[test]
fn html_report_is_self_contained_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("r.html");
    let out = redteam(&[
        "--attack",
        "fgsm,square,explain",
        "--samples",
        "40",
        "--budget",
        "50",
        "--format",
        "html",
        "-o",
    ])
    .arg(&html)
    .arg("--record")
    .env("MLSEC_DATA_DIR", dir.path())
    .output()
    .unwrap();
    assert!(
        out.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<svg") && page.contains("Robust accuracy vs epsilon"));
    // Nothing is fetched: no scripts, no external stylesheets or images (the SVG xmlns is a name).
    assert!(
        !page.contains("<script") && !page.contains("src=\"http") && !page.contains("href=\"http")
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("recorded as event"));
}

#[test]
fn bad_inputs_exit_2_with_clear_errors() {
    let out = redteam(&["--attack", "mia"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--train"));

    let mut c = Command::cargo_bin("mlsec").unwrap();
    let out = c
        .args(["redteam"])
        .arg(data("bc_logreg.onnx"))
        .arg("--data")
        .arg(data("digits_x_test.npy"))
        .arg("--labels")
        .arg(data("digits_y_test.npy"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("digits_x_test.npy") && err.contains("64 features"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("redteam.toml");
    std::fs::write(
        &cfg,
        "[thresholds]\nmin_robust_accuracy = 0.5\npolicy_epsilon = 0.1\n",
    )
    .unwrap();
    let out = redteam(&["--config", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("redteam.toml:3:"), "{err}");
}

/// A scikit-learn gradient-boosting ensemble (skl2onnx `TreeEnsembleClassifier`, fixture made by
/// crates/mlsec-redteam/tests/fixtures/make_trees.py): no gradients, so the black-box attacks run
/// through the native tree evaluator, and a white-box request is refused with a clear error.
#[test]
fn tree_ensemble_model_runs_black_box_end_to_end() {
    let fixtures =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../mlsec-redteam/tests/fixtures");
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures.join("gbc_multi.json")).unwrap())
            .unwrap();
    let d = tempfile::tempdir().unwrap();
    let (x, y) = (d.path().join("x.csv"), d.path().join("y.csv"));
    let rows: Vec<String> = reference["x"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    std::fs::write(&x, rows.join("\n") + "\n").unwrap();
    let labels: Vec<String> = reference["outputs"]["label"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.to_string())
        .collect();
    std::fs::write(&y, labels.join("\n") + "\n").unwrap();
    let run = |attack: &str| {
        Command::cargo_bin("mlsec")
            .unwrap()
            .env("NO_COLOR", "1")
            .env_remove("MLSEC_STORE")
            .arg("redteam")
            .arg(fixtures.join("gbc_multi.onnx"))
            .arg("--data")
            .arg(&x)
            .arg("--labels")
            .arg(&y)
            .args(["--attack", attack, "--eps", "1", "--format", "json"])
            .output()
            .unwrap()
    };
    let out = run("square,hsj");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], "mlsec.redteam/v1");
    // The ensemble classifies its own reference rows correctly; at eps 1 the attacks break some.
    let text = doc.to_string();
    assert!(
        text.contains("\"square\"") && text.contains("\"hsj\""),
        "{text}"
    );
    let out = run("pgd");
    assert_eq!(
        out.status.code(),
        Some(2),
        "white-box on a tree ensemble must be refused"
    );
    assert!(!out.stderr.is_empty());
}
