//! Inputs cargo-fuzz found crashing the readers (fuzz/fuzz_targets/redteam_*.rs), kept so that
//! they stay fixed: each must load or fail with an error, never panic.
//!
//! - `onnx_leaf_feature_out_of_range.onnx`: a TreeEnsembleClassifier whose leaf nodes carry
//!   feature ids beyond the input width; evaluation read the input at a leaf's (unused) feature.
//! - `onnx_shape_data_mismatch.onnx`: an operator input whose declared shape holds more
//!   elements than its data; an operator indexed past the end.
//! - `onnx_tree_one_label.onnx`: a TreeEnsembleClassifier with a single class label; the
//!   two-class aggregation indexed the second class.
//! - `onnx_gemm_bias_rank.onnx`: a Gemm whose bias C has a higher rank than the output; the
//!   broadcast map was built before the shapes were checked.
//! - `npy_descr_multibyte.npy`: a `.npy` header whose dtype string has a multi-byte character
//!   where the width digits start; slicing it panicked on a char boundary.

use mlsec_redteam::model::Classifier;
use mlsec_redteam::onnx::OnnxModel;
use std::path::Path;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/fuzz")
            .join(name),
    )
    .unwrap()
}

#[test]
fn tree_leaf_with_an_out_of_range_feature_id_evaluates() {
    let m = OnnxModel::from_bytes(&fixture("onnx_leaf_feature_out_of_range.onnx"))
        .expect("the model itself is well formed");
    let n = m.n_features();
    let p = m.predict_proba(&vec![0.0f32; n]).unwrap();
    assert_eq!(p.len(), m.n_classes());
    assert!(p.iter().all(|v| v.is_finite()), "{p:?}");
}

#[test]
fn tensor_whose_shape_and_data_disagree_is_an_error() {
    let Ok(m) = OnnxModel::from_bytes(&fixture("onnx_shape_data_mismatch.onnx")) else {
        return; // refusing it at load is as good
    };
    let n = m.n_features();
    let e = m.predict_proba(&vec![0.0f32; n]).unwrap_err().to_string();
    assert!(e.contains("shape"), "{e}");
}

#[test]
fn tree_classifier_with_one_label_is_refused() {
    let bytes = fixture("onnx_tree_one_label.onnx");
    if let Ok(m) = OnnxModel::from_bytes(&bytes) {
        let n = m.n_features();
        assert!(m.predict_proba(&vec![0.0f32; n]).is_err());
    }
}

#[test]
fn gemm_bias_that_does_not_broadcast_is_an_error() {
    if let Ok(m) = OnnxModel::from_bytes(&fixture("onnx_gemm_bias_rank.onnx")) {
        let n = m.n_features();
        let _ = m.predict_proba(&vec![0.0f32; n]);
    }
}

#[test]
fn npy_dtype_with_a_multibyte_character_is_an_error() {
    let e = mlsec_redteam::dataset::parse_npy(&fixture("npy_descr_multibyte.npy")).unwrap_err();
    assert!(e.contains("dtype"), "{e}");
}
