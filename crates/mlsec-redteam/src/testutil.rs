//! Synthetic data and victims for unit tests.

use crate::rng::Rng;
use crate::surrogate::{SoftmaxRegression, TrainConfig, one_hot};

/// A model that returns its input (softmax-normalised) as probabilities.
pub struct Linear;

impl Linear {
    /// Softmax regression with identity weights over `k` features/classes.
    pub fn identity(k: usize) -> SoftmaxRegression {
        let mut w = vec![0.0; k * k];
        for i in 0..k {
            w[i * k + i] = 1.0;
        }
        SoftmaxRegression::from_weights(k, k, w, vec![0.0; k])
    }
}

/// `n` rows of `d` features in [0, 1] from `k` Gaussian blobs, with labels.
pub fn blobs(n: usize, d: usize, k: usize, spread: f64, seed: u64) -> (Vec<f32>, Vec<usize>) {
    let mut r = Rng::new(seed);
    let mut centers = Rng::new(12345);
    let c: Vec<f64> = (0..k * d).map(|_| 0.2 + 0.6 * centers.f64()).collect();
    let mut x = Vec::with_capacity(n * d);
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let cls = i % k;
        y.push(cls);
        for j in 0..d {
            x.push((c[cls * d + j] + spread * r.normal()).clamp(0.0, 1.0) as f32);
        }
    }
    (x, y)
}

/// A softmax-regression victim trained on blobs, with its train and test data.
pub struct Victim {
    pub model: SoftmaxRegression,
    pub x_train: Vec<f32>,
    pub y_train: Vec<usize>,
    pub x_test: Vec<f32>,
    pub y_test: Vec<usize>,
    pub d: usize,
}

/// Trains the standard test victim (`d` features, `k` classes).
pub fn victim(d: usize, k: usize) -> Victim {
    let (x_train, y_train) = blobs(300, d, k, 0.15, 1);
    let (x_test, y_test) = blobs(120, d, k, 0.15, 2);
    let cfg = TrainConfig {
        epochs: 80,
        ..TrainConfig::default()
    };
    let model = SoftmaxRegression::fit(&x_train, &one_hot(&y_train, k), d, k, &cfg);
    Victim {
        model,
        x_train,
        y_train,
        x_test,
        y_test,
        d,
    }
}
