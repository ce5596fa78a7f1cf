//! Small trainable classifiers written in Rust: softmax regression and a one-hidden-layer ReLU
//! MLP, trained with Adam on soft or hard targets, seeded.
//!
//! Model extraction trains them as surrogates of the model under test; tests train them as
//! victims. Both implement [`Classifier`] and [`Differentiable`].

use crate::model::{Classifier, Differentiable, ModelError};
use crate::rng::Rng;

/// Training settings.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// Passes over the data.
    pub epochs: usize,
    /// Rows per Adam step.
    pub batch: usize,
    /// Adam learning rate.
    pub lr: f32,
    /// L2 penalty on weights.
    pub l2: f32,
    /// Seed for initialisation and shuffling.
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 60,
            batch: 32,
            lr: 0.01,
            l2: 1e-4,
            seed: 0,
        }
    }
}

/// Numerically stable softmax of one row of logits, in place.
pub fn softmax_in_place(z: &mut [f32]) {
    let m = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut s = 0.0f32;
    for v in z.iter_mut() {
        *v = (*v - m).exp();
        s += *v;
    }
    for v in z.iter_mut() {
        *v /= s;
    }
}

struct Adam {
    m: Vec<f32>,
    v: Vec<f32>,
    t: i32,
}

impl Adam {
    fn new(n: usize) -> Self {
        Adam {
            m: vec![0.0; n],
            v: vec![0.0; n],
            t: 0,
        }
    }

    fn step(&mut self, params: &mut [f32], grad: &[f32], lr: f32) {
        self.t += 1;
        let (b1, b2) = (0.9f32, 0.999f32);
        let c1 = 1.0 - b1.powi(self.t);
        let c2 = 1.0 - b2.powi(self.t);
        for i in 0..params.len() {
            self.m[i] = b1 * self.m[i] + (1.0 - b1) * grad[i];
            self.v[i] = b2 * self.v[i] + (1.0 - b2) * grad[i] * grad[i];
            params[i] -= lr * (self.m[i] / c1) / ((self.v[i] / c2).sqrt() + 1e-8);
        }
    }
}

/// Multinomial logistic regression: `softmax(W x + b)`.
#[derive(Debug, Clone)]
pub struct SoftmaxRegression {
    d: usize,
    k: usize,
    /// `k × d` weights then `k` biases.
    params: Vec<f32>,
}

impl SoftmaxRegression {
    /// From explicit weights (`k × d`, row-major) and biases (`k`).
    pub fn from_weights(d: usize, k: usize, w: Vec<f32>, b: Vec<f32>) -> Self {
        assert_eq!(w.len(), d * k);
        assert_eq!(b.len(), k);
        let mut params = w;
        params.extend(b);
        SoftmaxRegression { d, k, params }
    }

    fn logits(&self, row: &[f32], out: &mut [f32]) {
        for (c, o) in out.iter_mut().enumerate() {
            let w = &self.params[c * self.d..(c + 1) * self.d];
            *o = self.params[self.k * self.d + c]
                + w.iter().zip(row).map(|(a, b)| a * b).sum::<f32>();
        }
    }

    /// Trains on rows `x` (`n × d`) with target distributions `t` (`n × k`).
    pub fn fit(x: &[f32], t: &[f32], d: usize, k: usize, cfg: &TrainConfig) -> Self {
        let mut m = SoftmaxRegression {
            d,
            k,
            params: vec![0.0; k * d + k],
        };
        let n = x.len() / d.max(1);
        let mut rng = Rng::new(cfg.seed);
        let mut order: Vec<usize> = (0..n).collect();
        let mut adam = Adam::new(m.params.len());
        let mut grad = vec![0.0f32; m.params.len()];
        let mut p = vec![0.0f32; k];
        for _ in 0..cfg.epochs {
            rng.shuffle(&mut order);
            for batch in order.chunks(cfg.batch.max(1)) {
                grad.iter_mut().for_each(|g| *g = 0.0);
                for &i in batch {
                    let row = &x[i * d..(i + 1) * d];
                    m.logits(row, &mut p);
                    softmax_in_place(&mut p);
                    for c in 0..k {
                        let e = (p[c] - t[i * k + c]) / batch.len() as f32;
                        let g = &mut grad[c * d..(c + 1) * d];
                        for (gj, xj) in g.iter_mut().zip(row) {
                            *gj += e * xj;
                        }
                        grad[k * d + c] += e;
                    }
                }
                for (g, w) in grad[..k * d].iter_mut().zip(&m.params[..k * d]) {
                    *g += cfg.l2 * w;
                }
                adam.step(&mut m.params, &grad, cfg.lr);
            }
        }
        m
    }
}

impl Classifier for SoftmaxRegression {
    fn n_features(&self) -> usize {
        self.d
    }
    fn n_classes(&self) -> usize {
        self.k
    }
    fn predict_proba(&self, x: &[f32]) -> Result<Vec<f32>, ModelError> {
        check_input(x, self.d)?;
        let mut out = vec![0.0f32; x.len() / self.d * self.k];
        for (row, o) in x.chunks(self.d).zip(out.chunks_mut(self.k)) {
            self.logits(row, o);
            softmax_in_place(o);
        }
        Ok(out)
    }
}

impl Differentiable for SoftmaxRegression {
    fn loss_gradient(&self, x: &[f32], y: &[usize]) -> Result<(Vec<f32>, Vec<f32>), ModelError> {
        let p = self.predict_proba(x)?;
        let mut loss = Vec::with_capacity(y.len());
        let mut g = vec![0.0f32; x.len()];
        for (i, &yi) in y.iter().enumerate() {
            let pr = &p[i * self.k..(i + 1) * self.k];
            loss.push(-pr[yi].max(1e-30).ln());
            for c in 0..self.k {
                let e = pr[c] - if c == yi { 1.0 } else { 0.0 };
                let w = &self.params[c * self.d..(c + 1) * self.d];
                for (gj, wj) in g[i * self.d..(i + 1) * self.d].iter_mut().zip(w) {
                    *gj += e * wj;
                }
            }
        }
        Ok((loss, g))
    }
}

fn check_input(x: &[f32], d: usize) -> Result<(), ModelError> {
    if d == 0 || !x.len().is_multiple_of(d) {
        return Err(ModelError::Input(format!(
            "{} values are not a whole number of rows of {d} features",
            x.len()
        )));
    }
    Ok(())
}

/// One-hidden-layer ReLU network: `softmax(W2 relu(W1 x + b1) + b2)`.
#[derive(Debug, Clone)]
pub struct Mlp {
    d: usize,
    h: usize,
    k: usize,
    /// W1 (`h × d`), b1 (`h`), W2 (`k × h`), b2 (`k`).
    params: Vec<f32>,
}

impl Mlp {
    fn offsets(&self) -> (usize, usize, usize) {
        let b1 = self.h * self.d;
        let w2 = b1 + self.h;
        let b2 = w2 + self.k * self.h;
        (b1, w2, b2)
    }

    fn forward(&self, row: &[f32], hid: &mut [f32], out: &mut [f32]) {
        let (b1, w2, b2) = self.offsets();
        for j in 0..self.h {
            let w = &self.params[j * self.d..(j + 1) * self.d];
            let z = self.params[b1 + j] + w.iter().zip(row).map(|(a, b)| a * b).sum::<f32>();
            hid[j] = z.max(0.0);
        }
        for c in 0..self.k {
            let w = &self.params[w2 + c * self.h..w2 + (c + 1) * self.h];
            out[c] =
                self.params[b2 + c] + w.iter().zip(hid.iter()).map(|(a, b)| a * b).sum::<f32>();
        }
    }

    /// Trains a network with `hidden` units on rows `x` (`n × d`) and targets `t` (`n × k`).
    pub fn fit(x: &[f32], t: &[f32], d: usize, k: usize, hidden: usize, cfg: &TrainConfig) -> Self {
        let mut rng = Rng::new(cfg.seed);
        let mut m = Mlp {
            d,
            h: hidden,
            k,
            params: Vec::new(),
        };
        let (b1, w2, b2) = m.offsets();
        m.params = vec![0.0; b2 + k];
        // He initialisation for the ReLU layer, Glorot-like for the output layer.
        let s1 = (2.0 / d.max(1) as f64).sqrt();
        for v in &mut m.params[..b1] {
            *v = (rng.normal() * s1) as f32;
        }
        let s2 = (1.0 / hidden.max(1) as f64).sqrt();
        for v in &mut m.params[w2..b2] {
            *v = (rng.normal() * s2) as f32;
        }
        let n = x.len() / d.max(1);
        let mut order: Vec<usize> = (0..n).collect();
        let mut adam = Adam::new(m.params.len());
        let mut grad = vec![0.0f32; m.params.len()];
        let mut hid = vec![0.0f32; hidden];
        let mut dh = vec![0.0f32; hidden];
        let mut p = vec![0.0f32; k];
        for _ in 0..cfg.epochs {
            rng.shuffle(&mut order);
            for batch in order.chunks(cfg.batch.max(1)) {
                grad.iter_mut().for_each(|g| *g = 0.0);
                let scale = 1.0 / batch.len() as f32;
                for &i in batch {
                    let row = &x[i * d..(i + 1) * d];
                    m.forward(row, &mut hid, &mut p);
                    softmax_in_place(&mut p);
                    dh.iter_mut().for_each(|v| *v = 0.0);
                    for c in 0..k {
                        let e = (p[c] - t[i * k + c]) * scale;
                        grad[b2 + c] += e;
                        for j in 0..hidden {
                            grad[w2 + c * hidden + j] += e * hid[j];
                            dh[j] += e * m.params[w2 + c * hidden + j];
                        }
                    }
                    for j in 0..hidden {
                        if hid[j] <= 0.0 {
                            continue;
                        }
                        grad[b1 + j] += dh[j];
                        for (g, xv) in grad[j * d..(j + 1) * d].iter_mut().zip(row) {
                            *g += dh[j] * xv;
                        }
                    }
                }
                for idx in (0..b1).chain(w2..b2) {
                    grad[idx] += cfg.l2 * m.params[idx];
                }
                adam.step(&mut m.params, &grad, cfg.lr);
            }
        }
        m
    }
}

impl Classifier for Mlp {
    fn n_features(&self) -> usize {
        self.d
    }
    fn n_classes(&self) -> usize {
        self.k
    }
    fn predict_proba(&self, x: &[f32]) -> Result<Vec<f32>, ModelError> {
        check_input(x, self.d)?;
        let mut out = vec![0.0f32; x.len() / self.d * self.k];
        let mut hid = vec![0.0f32; self.h];
        for (row, o) in x.chunks(self.d).zip(out.chunks_mut(self.k)) {
            self.forward(row, &mut hid, o);
            softmax_in_place(o);
        }
        Ok(out)
    }
}

impl Differentiable for Mlp {
    fn loss_gradient(&self, x: &[f32], y: &[usize]) -> Result<(Vec<f32>, Vec<f32>), ModelError> {
        check_input(x, self.d)?;
        let (_, w2, _) = self.offsets();
        let mut hid = vec![0.0f32; self.h];
        let mut p = vec![0.0f32; self.k];
        let mut loss = Vec::with_capacity(y.len());
        let mut g = vec![0.0f32; x.len()];
        for (i, &yi) in y.iter().enumerate() {
            let row = &x[i * self.d..(i + 1) * self.d];
            self.forward(row, &mut hid, &mut p);
            softmax_in_place(&mut p);
            loss.push(-p[yi].max(1e-30).ln());
            for j in 0..self.h {
                if hid[j] <= 0.0 {
                    continue;
                }
                let mut dh = 0.0;
                for c in 0..self.k {
                    let e = p[c] - if c == yi { 1.0 } else { 0.0 };
                    dh += e * self.params[w2 + c * self.h + j];
                }
                let w = &self.params[j * self.d..(j + 1) * self.d];
                for (gv, wv) in g[i * self.d..(i + 1) * self.d].iter_mut().zip(w) {
                    *gv += dh * wv;
                }
            }
        }
        Ok((loss, g))
    }
}

/// One-hot rows for labels `y` over `k` classes.
pub fn one_hot(y: &[usize], k: usize) -> Vec<f32> {
    let mut t = vec![0.0f32; y.len() * k];
    for (i, &c) in y.iter().enumerate() {
        if c < k {
            t[i * k + c] = 1.0;
        }
    }
    t
}
