//! White-box evasion: FGSM and PGD (L∞ and L2) with exact input gradients.
//!
//! Conventions follow IBM ART so its numbers reproduce:
//! - FGSM: `x' = clip(x + ε·sign(∇))` (L∞) or `x' = clip(x + ε·∇/‖∇‖₂)` (L2).
//! - PGD: start at `x` (or uniformly in the ε-ball per random restart), take steps of
//!   `eps_step` along `sign(∇)` (or `∇/‖∇‖₂`), clip to the valid range, project back to the
//!   ε-ball around `x`. With restarts, a row keeps the first restart that fools the model.
//! - Robust accuracy is the accuracy on the adversarial rows against the true labels over all
//!   rows (initially misclassified included); attack success rate is the share of initially
//!   correct rows that end misclassified.
//!
//! A row stops early only when its PGD iterate has reached a fixed point (the step changes
//! nothing), so later iterations could not change it: results equal the full iteration count.

use crate::model::{Classifier, Differentiable, ModelError};
use rayon::prelude::*;
use serde::Serialize;

/// The norm of the perturbation budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Norm {
    /// Max-norm: every feature moves at most ε.
    Linf,
    /// Euclidean norm.
    L2,
}

/// Valid per-feature ranges of the input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bounds {
    /// Lower bound per feature.
    pub lo: Vec<f32>,
    /// Upper bound per feature.
    pub hi: Vec<f32>,
}

impl Bounds {
    /// The same range for every feature.
    pub fn uniform(lo: f32, hi: f32, n_features: usize) -> Bounds {
        Bounds {
            lo: vec![lo; n_features],
            hi: vec![hi; n_features],
        }
    }

    /// `[0, 1]` when every value of `x` lies in it, else the observed min/max per feature.
    pub fn infer(x: &[f32], n_features: usize) -> Bounds {
        if x.iter().all(|v| (0.0..=1.0).contains(v)) {
            return Bounds::uniform(0.0, 1.0, n_features);
        }
        let mut b = Bounds::uniform(f32::INFINITY, f32::NEG_INFINITY, n_features);
        for row in x.chunks(n_features.max(1)) {
            for (j, &v) in row.iter().enumerate() {
                if v.is_finite() {
                    b.lo[j] = b.lo[j].min(v);
                    b.hi[j] = b.hi[j].max(v);
                }
            }
        }
        for j in 0..n_features {
            if b.lo[j] > b.hi[j] {
                (b.lo[j], b.hi[j]) = (f32::NEG_INFINITY, f32::INFINITY);
            }
        }
        b
    }

    fn clip(&self, row: &mut [f32]) {
        for ((v, lo), hi) in row.iter_mut().zip(&self.lo).zip(&self.hi) {
            *v = v.max(*lo).min(*hi);
        }
    }
}

/// Settings shared by FGSM and PGD.
#[derive(Debug, Clone, Serialize)]
pub struct AttackConfig {
    /// Norm of the budget.
    pub norm: Norm,
    /// Step size as a fraction of ε (ART's PGD default: 0.25).
    pub step_fraction: f32,
    /// PGD iterations (ART: 40 in the reference numbers).
    pub max_iter: usize,
    /// Random restarts; 0 starts at `x` (ART's `num_random_init`).
    pub random_restarts: usize,
    /// Seed of the restart RNG.
    pub seed: u64,
    /// Valid feature ranges; `None` infers them with [`Bounds::infer`].
    pub bounds: Option<Bounds>,
    /// Features that must not change (tabular data), `true` = immutable.
    pub immutable: Option<Vec<bool>>,
}

impl Default for AttackConfig {
    fn default() -> Self {
        AttackConfig {
            norm: Norm::Linf,
            step_fraction: 0.25,
            max_iter: 40,
            random_restarts: 0,
            seed: 0,
            bounds: None,
            immutable: None,
        }
    }
}

/// Outcome of one attack at one ε.
#[derive(Debug, Clone, Serialize)]
pub struct EvasionResult {
    /// Attack name (`fgsm`, `pgd`).
    pub attack: String,
    /// Norm of the budget.
    pub norm: Norm,
    /// Budget.
    pub eps: f32,
    /// Rows attacked.
    pub n: usize,
    /// Accuracy before the attack.
    pub clean_accuracy: f64,
    /// Accuracy on the adversarial rows against the true labels (all rows).
    pub robust_accuracy: f64,
    /// Share of initially correct rows that end misclassified.
    pub attack_success_rate: f64,
    /// Gradient evaluations (forward + backward) per row.
    pub gradients_per_sample: f64,
    /// Mean and max L∞ norm of the perturbation.
    pub mean_linf: f64,
    /// Max L∞ norm.
    pub max_linf: f64,
    /// Mean L2 norm of the perturbation.
    pub mean_l2: f64,
    /// Max L2 norm.
    pub max_l2: f64,
}

/// Predicted class per row.
pub fn predict_labels(model: &dyn Classifier, x: &[f32]) -> Result<Vec<usize>, ModelError> {
    let k = model.n_classes().max(1);
    let p = model.predict_proba(x)?;
    Ok(p.chunks(k).map(argmax).collect())
}

/// Accuracy of `model` on `x` against `y`.
pub fn accuracy(model: &dyn Classifier, x: &[f32], y: &[usize]) -> Result<f64, ModelError> {
    let pred = predict_labels(model, x)?;
    Ok(share(
        pred.iter().zip(y).filter(|(a, b)| a == b).count(),
        y.len(),
    ))
}

fn share(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

fn argmax(r: &[f32]) -> usize {
    let mut b = 0;
    for (i, &v) in r.iter().enumerate() {
        if v > r[b] {
            b = i;
        }
    }
    b
}

fn check(model: &dyn Classifier, x: &[f32], y: &[usize]) -> Result<usize, ModelError> {
    let f = model.n_features();
    if f == 0 || x.len() != y.len() * f {
        return Err(ModelError::Input(format!(
            "{} values for {} rows of {f} features",
            x.len(),
            y.len()
        )));
    }
    Ok(f)
}

/// Direction of one step for one row: sign (L∞) or unit-L2 gradient, zero on immutable features.
fn direction(g: &mut [f32], norm: Norm, mask: Option<&[bool]>) {
    if let Some(m) = mask {
        for (v, &fixed) in g.iter_mut().zip(m) {
            if fixed {
                *v = 0.0;
            }
        }
    }
    match norm {
        Norm::Linf => g.iter_mut().for_each(|v| {
            *v = if v.is_nan() || *v == 0.0 {
                0.0
            } else {
                v.signum()
            };
        }),
        Norm::L2 => {
            g.iter_mut().for_each(|v| {
                if v.is_nan() {
                    *v = 0.0;
                }
            });
            let n = g
                .iter()
                .map(|v| f64::from(*v) * f64::from(*v))
                .sum::<f64>()
                .sqrt();
            // ART adds a tolerance of 1e-7 to the norm.
            let s = (1.0 / (n + 1e-7)) as f32;
            g.iter_mut().for_each(|v| *v *= s);
        }
    }
}

/// Projects `adv` onto the ε-ball around `x`.
fn project(adv: &mut [f32], x: &[f32], eps: f32, norm: Norm) {
    match norm {
        Norm::Linf => {
            for (a, &o) in adv.iter_mut().zip(x) {
                *a = o + (*a - o).max(-eps).min(eps);
            }
        }
        Norm::L2 => {
            let n = adv
                .iter()
                .zip(x)
                .map(|(a, o)| f64::from(a - o).powi(2))
                .sum::<f64>()
                .sqrt();
            let s = (f64::from(eps) / (n + 1e-7)).min(1.0) as f32;
            if s < 1.0 {
                for (a, &o) in adv.iter_mut().zip(x) {
                    *a = o + (*a - o) * s;
                }
            }
        }
    }
}

/// FGSM adversarial rows.
pub fn fgsm(
    model: &dyn Differentiable,
    x: &[f32],
    y: &[usize],
    eps: f32,
    cfg: &AttackConfig,
) -> Result<Vec<f32>, ModelError> {
    let f = check(model, x, y)?;
    let bounds = cfg.bounds.clone().unwrap_or_else(|| Bounds::infer(x, f));
    let (_, mut g) = model.loss_gradient(x, y)?;
    let mut adv = x.to_vec();
    adv.par_chunks_mut(f)
        .zip(g.par_chunks_mut(f))
        .for_each(|(a, gr)| {
            direction(gr, cfg.norm, cfg.immutable.as_deref());
            for (v, d) in a.iter_mut().zip(gr.iter()) {
                *v += eps * d;
            }
            bounds.clip(a);
        });
    Ok(adv)
}

/// A small seeded generator (SplitMix64) for random restarts.
#[derive(Debug, Clone)]
struct SplitMix(u64);

impl SplitMix {
    fn next_u64(&mut self) -> u64 {
        crate::rng::splitmix64(&mut self.0)
    }
    /// Uniform in [-1, 1).
    fn sym(&mut self) -> f32 {
        ((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f32 {
        let u1 = ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
        let u2 = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
    }
}

/// PGD adversarial rows, and the number of gradient evaluations spent.
pub fn pgd(
    model: &dyn Differentiable,
    x: &[f32],
    y: &[usize],
    eps: f32,
    cfg: &AttackConfig,
) -> Result<(Vec<f32>, u64), ModelError> {
    let f = check(model, x, y)?;
    let n = y.len();
    let bounds = cfg.bounds.clone().unwrap_or_else(|| Bounds::infer(x, f));
    let step = eps * cfg.step_fraction;
    let mask = cfg.immutable.as_deref();
    let mut best = x.to_vec();
    let mut fooled = vec![false; n];
    let mut grads = 0u64;
    let mut rng = SplitMix(cfg.seed);
    for restart in 0..cfg.random_restarts.max(1) {
        // Rows attacked in this restart: all at first, then those not yet fooled.
        let rows: Vec<usize> = (0..n).filter(|&i| restart == 0 || !fooled[i]).collect();
        if rows.is_empty() {
            break;
        }
        let mut adv: Vec<f32> = rows
            .iter()
            .flat_map(|&i| x[i * f..(i + 1) * f].iter().copied())
            .collect();
        if cfg.random_restarts > 0 {
            for (k, a) in adv.chunks_mut(f).enumerate() {
                let orig = &x[rows[k] * f..(rows[k] + 1) * f];
                match cfg.norm {
                    Norm::Linf => a.iter_mut().enumerate().for_each(|(j, v)| {
                        if !mask.is_some_and(|m| m[j]) {
                            *v += eps * rng.sym();
                        }
                    }),
                    Norm::L2 => {
                        let mut d: Vec<f32> = (0..f)
                            .map(|j| {
                                if mask.is_some_and(|m| m[j]) {
                                    0.0
                                } else {
                                    rng.normal()
                                }
                            })
                            .collect();
                        let dn = d.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
                        let r = eps * (rng.sym() * 0.5 + 0.5).powf(1.0 / f as f32);
                        d.iter_mut().for_each(|v| *v *= r / dn);
                        a.iter_mut().zip(&d).for_each(|(v, dv)| *v += dv);
                    }
                }
                bounds.clip(a);
                project(a, orig, eps, cfg.norm);
            }
        }
        let labels: Vec<usize> = rows.iter().map(|&i| y[i]).collect();
        let mut active: Vec<usize> = (0..rows.len()).collect();
        for _ in 0..cfg.max_iter {
            if active.is_empty() {
                break;
            }
            let xa: Vec<f32> = active
                .iter()
                .flat_map(|&k| adv[k * f..(k + 1) * f].iter().copied())
                .collect();
            let ya: Vec<usize> = active.iter().map(|&k| labels[k]).collect();
            let (_, mut g) = model.loss_gradient(&xa, &ya)?;
            grads += active.len() as u64;
            // New iterate per active row, and whether it moved.
            let moved: Vec<(usize, Vec<f32>, bool)> = active
                .par_iter()
                .zip(g.par_chunks_mut(f))
                .map(|(&k, gr)| {
                    direction(gr, cfg.norm, mask);
                    let cur = &adv[k * f..(k + 1) * f];
                    let mut next: Vec<f32> = cur
                        .iter()
                        .zip(gr.iter())
                        .map(|(v, d)| v + step * d)
                        .collect();
                    bounds.clip(&mut next);
                    let orig = &x[rows[k] * f..(rows[k] + 1) * f];
                    project(&mut next, orig, eps, cfg.norm);
                    let changed = next != cur;
                    (k, next, changed)
                })
                .collect();
            let mut still = Vec::with_capacity(active.len());
            for (k, next, changed) in moved {
                adv[k * f..(k + 1) * f].copy_from_slice(&next);
                if changed {
                    still.push(k);
                }
            }
            active = still;
        }
        let pred = predict_labels(model, &adv)?;
        for (k, &i) in rows.iter().enumerate() {
            let fool = pred[k] != y[i];
            if restart == 0 || fool {
                best[i * f..(i + 1) * f].copy_from_slice(&adv[k * f..(k + 1) * f]);
            }
            fooled[i] |= fool;
        }
    }
    Ok((best, grads))
}

/// Measures an attack's outcome.
#[allow(clippy::too_many_arguments)]
pub fn evaluate(
    model: &dyn Classifier,
    attack: &str,
    norm: Norm,
    eps: f32,
    x: &[f32],
    y: &[usize],
    adv: &[f32],
    gradients: u64,
) -> Result<EvasionResult, ModelError> {
    let f = check(model, x, y)?;
    let n = y.len();
    let clean = predict_labels(model, x)?;
    let after = predict_labels(model, adv)?;
    let correct0 = clean.iter().zip(y).filter(|(a, b)| a == b).count();
    let correct1 = after.iter().zip(y).filter(|(a, b)| a == b).count();
    let broken = (0..n)
        .filter(|&i| clean[i] == y[i] && after[i] != y[i])
        .count();
    let (mut sl, mut ml, mut s2, mut m2) = (0f64, 0f64, 0f64, 0f64);
    for i in 0..n {
        let d = x[i * f..(i + 1) * f]
            .iter()
            .zip(&adv[i * f..(i + 1) * f])
            .map(|(a, b)| f64::from(b - a));
        let (mut li, mut l2) = (0f64, 0f64);
        for v in d {
            li = li.max(v.abs());
            l2 += v * v;
        }
        let l2 = l2.sqrt();
        sl += li;
        s2 += l2;
        ml = ml.max(li);
        m2 = m2.max(l2);
    }
    Ok(EvasionResult {
        attack: attack.to_string(),
        norm,
        eps,
        n,
        clean_accuracy: share(correct0, n),
        robust_accuracy: share(correct1, n),
        attack_success_rate: share(broken, correct0),
        gradients_per_sample: share(gradients as usize, n),
        mean_linf: if n == 0 { 0.0 } else { sl / n as f64 },
        max_linf: ml,
        mean_l2: if n == 0 { 0.0 } else { s2 / n as f64 },
        max_l2: m2,
    })
}

/// Runs FGSM or PGD at every ε and measures each.
pub fn run(
    model: &dyn Differentiable,
    attack: &str,
    x: &[f32],
    y: &[usize],
    eps: &[f32],
    cfg: &AttackConfig,
) -> Result<Vec<EvasionResult>, ModelError> {
    eps.iter()
        .map(|&e| {
            let (adv, grads) = match attack {
                "fgsm" => (fgsm(model, x, y, e, cfg)?, y.len() as u64),
                "pgd" => pgd(model, x, y, e, cfg)?,
                other => {
                    return Err(ModelError::Input(format!(
                        "unknown white-box attack `{other}`"
                    )));
                }
            };
            evaluate(model, attack, cfg.norm, e, x, y, &adv, grads)
        })
        .collect()
}
