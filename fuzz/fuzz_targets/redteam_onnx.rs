#![no_main]
//! The red-team ONNX loader and evaluator: any bytes load or fail cleanly; a model that loads
//! answers (or refuses) one all-zero row without panicking.
use libfuzzer_sys::fuzz_target;
use mlsec_redteam::model::Classifier;
use mlsec_redteam::onnx::OnnxModel;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = OnnxModel::from_bytes(data) {
        let n = m.n_features();
        if n > 0 && n <= 4096 {
            let _ = m.predict_proba(&vec![0.0f32; n]);
        }
    }
});
