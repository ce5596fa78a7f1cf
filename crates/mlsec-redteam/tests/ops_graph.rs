//! The operator set on small random graphs (tests/fixtures/make_cnn.py): forward outputs agree
//! with onnxruntime, and the hand-written gradients agree with central differences of the loss.

use mlsec_redteam::model::{Classifier, Differentiable};
use mlsec_redteam::onnx::OnnxModel;
use mlsec_redteam::onnx::tensor::Data;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn flatten(v: &Value, out: &mut Vec<f64>) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| flatten(x, out)),
        Value::Number(n) => out.push(n.as_f64().unwrap()),
        other => panic!("unexpected {other}"),
    }
}

fn load(name: &str) -> (OnnxModel, Vec<f32>, Value) {
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(&format!("{name}.json"))).unwrap())
            .unwrap();
    let m = OnnxModel::load(&fixture(&format!("{name}.onnx"))).unwrap();
    let mut x = Vec::new();
    flatten(&r["x"], &mut x);
    (m, x.iter().map(|&v| v as f32).collect(), r)
}

fn forward_agrees(name: &str) {
    let (m, x, r) = load(name);
    for (oname, t) in m.run_outputs(&x).unwrap() {
        let mut want = Vec::new();
        flatten(&r["outputs"][&oname], &mut want);
        let Data::F32(got) = &t.data else {
            panic!("float output")
        };
        assert_eq!(got.len(), want.len(), "{name}/{oname}");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!(
                (f64::from(*g) - w).abs() < 2e-5 * w.abs().max(1.0),
                "{name}/{oname}[{i}]: {g} vs onnxruntime {w}"
            );
        }
    }
}

/// Directional derivative of the summed loss along random directions vs the gradient.
fn gradient_agrees(name: &str) {
    let (m, x, _) = load(name);
    let f = m.n_features();
    let n = x.len() / f;
    let y: Vec<usize> = (0..n).map(|i| i % m.n_classes()).collect();
    let (_, g) = m.loss_gradient(&x, &y).unwrap();
    let loss = |x: &[f32]| -> f64 {
        m.loss_gradient(x, &y)
            .unwrap()
            .0
            .iter()
            .map(|&v| f64::from(v))
            .sum()
    };
    let mut state = 12345u64;
    for trial in 0..5 {
        let d: Vec<f32> = (0..x.len())
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 40) as f32 / (1u64 << 24) as f32) - 0.5
            })
            .collect();
        let h = 1e-3f32;
        let plus: Vec<f32> = x.iter().zip(&d).map(|(a, b)| a + h * b).collect();
        let minus: Vec<f32> = x.iter().zip(&d).map(|(a, b)| a - h * b).collect();
        let numeric = (loss(&plus) - loss(&minus)) / (2.0 * f64::from(h));
        let exact: f64 = g
            .iter()
            .zip(&d)
            .map(|(a, b)| f64::from(*a) * f64::from(*b))
            .sum();
        assert!(
            (numeric - exact).abs() <= 0.02 * exact.abs().max(numeric.abs()) + 2e-3,
            "{name} trial {trial}: directional derivative {exact} vs central difference {numeric}"
        );
    }
}

#[test]
fn cnn_forward_matches_onnxruntime() {
    forward_agrees("cnn_small");
}

#[test]
fn cnn_gradient_matches_central_differences() {
    gradient_agrees("cnn_small");
}

#[test]
fn logsoftmax_mlp_matches_onnxruntime_and_differences() {
    forward_agrees("mlp_logsoftmax");
    gradient_agrees("mlp_logsoftmax");
    let (m, x, _) = load("mlp_logsoftmax");
    // The output is log-probabilities: predict_proba exponentiates them.
    let p = m.predict_proba(&x[..12]).unwrap();
    assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    assert_eq!(m.logits_value(), Some("z"));
}
