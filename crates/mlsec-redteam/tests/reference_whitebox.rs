//! The native ONNX evaluator and the white-box attacks against the shared reference numbers:
//! onnxruntime's probabilities and IBM ART 1.20.1's FGSM / PGD-40 robust accuracies
//! (tests/data/PROVENANCE.md).

use mlsec_redteam::dataset::{load_features, load_labels};
use mlsec_redteam::model::Classifier;
use mlsec_redteam::onnx::OnnxModel;
use mlsec_redteam::whitebox::{AttackConfig, accuracy, run};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn json(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(data(name)).unwrap()).unwrap()
}

struct Case {
    model: &'static str,
    key: &'static str,
    x: &'static str,
    y: &'static str,
}

const CASES: &[Case] = &[
    Case {
        model: "digits_mlp.onnx",
        key: "digits_mlp",
        x: "digits_x_test.npy",
        y: "digits_y_test.npy",
    },
    Case {
        model: "digits_mlp_nn.onnx",
        key: "digits_mlp",
        x: "digits_x_test.npy",
        y: "digits_y_test.npy",
    },
    Case {
        model: "bc_logreg.onnx",
        key: "bc_logreg",
        x: "bc_x_test.npy",
        y: "bc_y_test.npy",
    },
    Case {
        model: "bc_logreg_nn.onnx",
        key: "bc_logreg",
        x: "bc_x_test.npy",
        y: "bc_y_test.npy",
    },
];

fn load(c: &Case) -> (OnnxModel, Vec<f32>, Vec<usize>, usize) {
    let m = OnnxModel::load(&data(c.model)).unwrap();
    let x = load_features(&data(c.x), None).unwrap();
    let y = load_labels(&data(c.y), None).unwrap();
    assert_eq!(x.rows, y.len());
    assert_eq!(x.cols, m.n_features());
    (m, x.data, y, x.cols)
}

#[test]
fn clean_accuracy_and_probabilities_match_onnxruntime() {
    let preds = json("reference_predictions.json");
    for c in CASES {
        let (m, x, y, f) = load(c);
        let acc = accuracy(&m, &x, &y).unwrap();
        let want = preds[c.key]["test_acc"].as_f64().unwrap();
        assert!(
            (acc - want).abs() < 1e-9,
            "{}: accuracy {acc} vs {want}",
            c.model
        );
        let p = m.predict_proba(&x[..5 * f]).unwrap();
        let k = m.n_classes();
        let want = preds[c.model]["first5_probs"].as_array().unwrap();
        for (r, row) in want.iter().enumerate() {
            for (j, v) in row.as_array().unwrap().iter().enumerate() {
                let got = f64::from(p[r * k + j]);
                let v = v.as_f64().unwrap();
                assert!(
                    (got - v).abs() < 1e-5,
                    "{} row {r} class {j}: {got} vs {v}",
                    c.model
                );
            }
        }
    }
}

#[test]
fn gradients_are_seeded_at_the_logits() {
    let m = OnnxModel::load(&data("digits_mlp.onnx")).unwrap();
    assert_eq!(m.logits_value(), Some("add_result2"));
    let m = OnnxModel::load(&data("bc_logreg.onnx")).unwrap();
    assert!(m.logits_value().unwrap().ends_with("#raw_scores"));
    assert!(m.differentiable().is_ok());
}

fn check(attack: &str, targets: &str, rows: Option<usize>) {
    let refs = json("reference_targets.json");
    let eps = [0.05f32, 0.1, 0.2, 0.3];
    for c in CASES {
        let (m, mut x, mut y, f) = load(c);
        if let Some(n) = rows {
            x.truncate(n * f);
            y.truncate(n);
        }
        let res = run(&m, attack, &x, &y, &eps, &AttackConfig::default()).unwrap();
        for r in &res {
            let key = format!("{}", r.eps);
            let want = refs[c.key][targets][&key].as_f64().unwrap();
            eprintln!(
                "{} {attack} eps {key}: robust {:.4} (ART {want})",
                c.model, r.robust_accuracy
            );
            assert!(
                (r.robust_accuracy - want).abs() <= 0.003 + 1e-9,
                "{} {attack} eps {key}: robust accuracy {} vs ART {want}",
                c.model,
                r.robust_accuracy
            );
            assert!(r.max_linf <= f64::from(r.eps) + 1e-6);
        }
    }
}

#[test]
fn fgsm_matches_art_on_full_test_sets() {
    check("fgsm", "fgsm_robust_acc_full_test", None);
}

#[test]
fn pgd40_matches_art_on_full_test_sets() {
    check("pgd", "pgd40_robust_acc_full_test", None);
}

#[test]
fn pgd40_matches_art_on_first_100_rows() {
    check("pgd", "pgd40_robust_acc_first100", Some(100));
}

#[test]
fn csv_features_equal_npy_features() {
    // The shared CSV has no header and carries the label as a 31st column.
    let a = load_features(&data("bc_x_test.csv"), None).unwrap();
    let b = load_features(&data("bc_x_test.npy"), None).unwrap();
    let y = load_labels(&data("bc_y_test.npy"), None).unwrap();
    assert!(a.names.is_none());
    assert_eq!((a.rows, a.cols), (b.rows, b.cols + 1));
    for (r, &label) in y.iter().enumerate() {
        for j in 0..b.cols {
            assert!((a.row(r)[j] - b.row(r)[j]).abs() < 1e-6, "row {r} col {j}");
        }
        assert_eq!(a.row(r)[b.cols] as usize, label);
    }
    // The label column by position; the features without it.
    assert_eq!(
        load_labels(&data("bc_x_test.csv"), Some("last")).unwrap(),
        y
    );
    assert_eq!(load_labels(&data("bc_x_test.csv"), Some("-1")).unwrap(), y);
    let xc = load_features(&data("bc_x_test.csv"), Some("31")).unwrap();
    assert_eq!((xc.rows, xc.cols), (b.rows, b.cols));
    let e = load_labels(&data("bc_x_test.csv"), Some("label"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no header row") && e.contains("bc_x_test.csv"),
        "{e}"
    );
}
