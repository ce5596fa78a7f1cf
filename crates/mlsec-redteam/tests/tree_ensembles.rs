//! Tree ensembles (`ai.onnx.ml` TreeEnsembleClassifier / TreeEnsembleRegressor) evaluated
//! natively, against onnxruntime's outputs recorded by tests/fixtures/make_trees.py.

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
        Value::Null => out.push(f64::NAN),
        other => panic!("unexpected {other}"),
    }
}

fn agree(name: &str) {
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(&format!("{name}.json"))).unwrap())
            .unwrap();
    let m = OnnxModel::load(&fixture(&format!("{name}.onnx"))).unwrap();
    let mut x = Vec::new();
    flatten(&r["x"], &mut x);
    let x: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let outs = m.run_outputs(&x).unwrap();
    let want = r["outputs"].as_object().unwrap();
    assert_eq!(outs.len(), want.len(), "{name}: output count");
    for (oname, t) in outs {
        let mut w = Vec::new();
        flatten(&want[&oname], &mut w);
        let got: Vec<f64> = match &t.data {
            Data::F32(v) => v.iter().map(|&x| f64::from(x)).collect(),
            Data::I64(v) => v.iter().map(|&x| x as f64).collect(),
            Data::Str(_) => panic!("string output"),
        };
        assert_eq!(got.len(), w.len(), "{name}/{oname}: length");
        for (i, (g, e)) in got.iter().zip(&w).enumerate() {
            let tol = 1e-5 * e.abs().max(1.0);
            assert!(
                (g - e).abs() <= tol,
                "{name}/{oname}[{i}]: {g} vs onnxruntime {e}"
            );
        }
    }
}

#[test]
fn gradient_boosting_classifiers_match_onnxruntime() {
    agree("gbc_binary");
    agree("gbc_multi");
    agree("gbc_multi_softmax_zero");
}

#[test]
fn random_forest_classifiers_match_onnxruntime() {
    agree("rf_binary");
    agree("rf_multi");
}

#[test]
fn regressors_match_onnxruntime() {
    agree("gbr");
    agree("rfr");
}

#[test]
fn all_node_modes_and_missing_value_tracks_match_onnxruntime() {
    agree("gbc_binary_modes");
    agree("rf_multi_modes");
    agree("gbr_modes");
}

#[test]
fn tree_models_classify_but_have_no_gradient() {
    let m = OnnxModel::load(&fixture("gbc_multi.onnx")).unwrap();
    assert_eq!((m.n_features(), m.n_classes()), (4, 3));
    let p = m.predict_proba(&[5.1, 3.5, 1.4, 0.2]).unwrap();
    assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    let e = m
        .loss_gradient(&[5.1, 3.5, 1.4, 0.2], &[0])
        .unwrap_err()
        .to_string();
    assert!(e.contains("TreeEnsembleClassifier"), "{e}");
    assert!(m.differentiable().is_err());
}
