//! What black-box evasion attacks share: the valid input box, immutable features, and the
//! per-sample outcome from which robust accuracy, success rate, queries and norms are computed.

use serde::Serialize;

/// Valid feature ranges and features the attacker may not change (tabular data).
#[derive(Debug, Clone)]
pub struct Bounds {
    /// Per-feature lower bound.
    pub lo: Vec<f32>,
    /// Per-feature upper bound.
    pub hi: Vec<f32>,
    /// `true` for features that must keep their original value.
    pub immutable: Vec<bool>,
}

impl Bounds {
    /// The same `[lo, hi]` range for all `d` features, none immutable.
    pub fn uniform(d: usize, lo: f32, hi: f32) -> Self {
        Bounds {
            lo: vec![lo; d],
            hi: vec![hi; d],
            immutable: vec![false; d],
        }
    }

    /// Per-feature min and max of the rows of `x` (`n × d`), none immutable.
    pub fn from_data(x: &[f32], d: usize) -> Self {
        let mut lo = vec![f32::INFINITY; d];
        let mut hi = vec![f32::NEG_INFINITY; d];
        for row in x.chunks(d) {
            for j in 0..d {
                lo[j] = lo[j].min(row[j]);
                hi[j] = hi[j].max(row[j]);
            }
        }
        Bounds {
            lo,
            hi,
            immutable: vec![false; d],
        }
    }

    /// Clips `row` into the box and restores immutable features from `orig`.
    pub fn project(&self, row: &mut [f32], orig: &[f32]) {
        for j in 0..row.len() {
            row[j] = if self.immutable[j] {
                orig[j]
            } else {
                row[j].clamp(self.lo[j], self.hi[j])
            };
        }
    }

    /// Clips `row` into the box and into the L∞ ball of radius `eps` around `orig`.
    pub fn project_linf(&self, row: &mut [f32], orig: &[f32], eps: f32) {
        for j in 0..row.len() {
            row[j] = if self.immutable[j] {
                orig[j]
            } else {
                row[j]
                    .clamp(orig[j] - eps, orig[j] + eps)
                    .clamp(self.lo[j], self.hi[j])
            };
        }
    }
}

/// The outcome of an evasion attack on a set of samples.
#[derive(Debug, Clone)]
pub struct EvasionOutcome {
    /// Adversarial rows (the original row where the attack failed), `n × d`.
    pub adv: Vec<f32>,
    /// Whether the model classified the original row correctly.
    pub clean_correct: Vec<bool>,
    /// Whether `adv` is misclassified.
    pub fooled: Vec<bool>,
    /// Rows sent to the model for each sample.
    pub queries: Vec<u64>,
}

/// Summary of an evasion attack at one epsilon, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct EvasionSummary {
    /// Attack name (`square`, `hsj`, `fgsm`, `pgd`).
    pub attack: String,
    /// Perturbation budget (L∞ unless `norm` says otherwise).
    pub eps: f32,
    /// `"inf"` or `"2"`.
    pub norm: String,
    /// Samples attacked.
    pub samples: usize,
    /// Accuracy on the clean samples.
    pub clean_accuracy: f64,
    /// Fraction of samples still classified correctly under attack.
    pub robust_accuracy: f64,
    /// Fraction of the correctly classified samples the attack fooled.
    pub attack_success_rate: f64,
    /// Mean rows sent to the model per sample (0 for white-box attacks).
    pub queries_per_sample: f64,
    /// Mean L∞ norm of successful perturbations.
    pub mean_linf: f64,
    /// Mean L2 norm of successful perturbations.
    pub mean_l2: f64,
}

impl EvasionOutcome {
    /// Summarises the outcome of an attack bounded by `eps` (the adversarial rows are assumed
    /// to be inside the ball already).
    pub fn summary(&self, attack: &str, eps: f32, norm: &str, x: &[f32]) -> EvasionSummary {
        let fooled_at: Vec<bool> = self.fooled.clone();
        summarise(
            attack,
            eps,
            norm,
            x,
            &self.adv,
            &self.clean_correct,
            &fooled_at,
            &self.queries,
        )
    }
}

/// Builds an [`EvasionSummary`] from per-sample outcomes.
#[allow(clippy::too_many_arguments)]
pub fn summarise(
    attack: &str,
    eps: f32,
    norm: &str,
    x: &[f32],
    adv: &[f32],
    clean_correct: &[bool],
    fooled: &[bool],
    queries: &[u64],
) -> EvasionSummary {
    let n = clean_correct.len();
    let d = x.len().checked_div(n).unwrap_or(1);
    let correct = clean_correct.iter().filter(|&&c| c).count();
    let robust = (0..n).filter(|&i| clean_correct[i] && !fooled[i]).count();
    let broken = (0..n).filter(|&i| clean_correct[i] && fooled[i]).count();
    let (mut linf, mut l2) = (0.0f64, 0.0f64);
    for i in (0..n).filter(|&i| clean_correct[i] && fooled[i]) {
        let (a, b) = (&x[i * d..(i + 1) * d], &adv[i * d..(i + 1) * d]);
        linf += a
            .iter()
            .zip(b)
            .map(|(p, q)| (p - q).abs() as f64)
            .fold(0.0, f64::max);
        l2 += a
            .iter()
            .zip(b)
            .map(|(p, q)| ((p - q) as f64).powi(2))
            .sum::<f64>()
            .sqrt();
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    EvasionSummary {
        attack: attack.to_string(),
        eps,
        norm: norm.to_string(),
        samples: n,
        clean_accuracy: ratio(correct, n),
        robust_accuracy: ratio(robust, n),
        attack_success_rate: ratio(broken, correct),
        queries_per_sample: if n == 0 {
            0.0
        } else {
            queries.iter().sum::<u64>() as f64 / n as f64
        },
        mean_linf: if broken == 0 {
            0.0
        } else {
            linf / broken as f64
        },
        mean_l2: if broken == 0 { 0.0 } else { l2 / broken as f64 },
    }
}

/// Log-probability margin `ln p_y - max_{j≠y} ln p_j` (the logit margin when the model is a
/// softmax); negative means misclassified.
pub fn log_margin(p: &[f32], y: usize) -> f32 {
    let ln = |v: f32| v.max(1e-37).ln();
    let mut other = f32::NEG_INFINITY;
    for (j, &v) in p.iter().enumerate() {
        if j != y {
            other = other.max(ln(v));
        }
    }
    // Ties count as misclassified (argmax is not unambiguously y).
    ln(p[y]) - other
}

/// Whether `p` is classified as something other than `y` (argmax, first index wins ties).
pub fn misclassified(p: &[f32], y: usize) -> bool {
    let mut best = 0;
    for (j, &v) in p.iter().enumerate() {
        if v > p[best] {
            best = j;
        }
    }
    best != y
}
