//! Wall time of FGSM and PGD-40 (L∞, ε ∈ {0.05, 0.1, 0.2, 0.3}) on a model and test set, with
//! the robust accuracies, for BENCHMARKS.md:
//!
//!     cargo run --release -p mlsec-redteam --example whitebox_timing -- \
//!         crates/mlsec-redteam/tests/data/digits_mlp.onnx \
//!         crates/mlsec-redteam/tests/data/digits_x_test.npy crates/mlsec-redteam/tests/data/digits_y_test.npy

use mlsec_redteam::dataset::{load_features, load_labels};
use mlsec_redteam::onnx::OnnxModel;
use mlsec_redteam::whitebox::{AttackConfig, accuracy, run};
use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, x, y] = &args[..] else {
        return Err("usage: whitebox_timing MODEL.onnx X.npy Y.npy".into());
    };
    let t = Instant::now();
    let m = OnnxModel::load(Path::new(model))?;
    let x = load_features(Path::new(x), None)?;
    let y = load_labels(Path::new(y), None)?;
    println!(
        "load: {:.1} ms, {} rows, clean accuracy {:.4}",
        t.elapsed().as_secs_f64() * 1e3,
        y.len(),
        accuracy(&m, &x.data, &y)?
    );
    let eps = [0.05f32, 0.1, 0.2, 0.3];
    for attack in ["fgsm", "pgd"] {
        let t = Instant::now();
        let res = run(&m, attack, &x.data, &y, &eps, &AttackConfig::default())?;
        let secs = t.elapsed().as_secs_f64();
        let accs: Vec<String> = res
            .iter()
            .map(|r| format!("{}: {:.4}", r.eps, r.robust_accuracy))
            .collect();
        println!(
            "{attack}{}: {:.3} s for 4 eps  [{}]",
            if attack == "pgd" { "-40" } else { "" },
            secs,
            accs.join(", ")
        );
    }
    Ok(())
}
