//! Model extraction (Tramèr et al., USENIX Security 2016; Papernot et al. 2017): how close a copy
//! can an attacker train from the model's answers under a query budget?
//!
//! Query inputs are drawn from a pool of rows from the data distribution (shuffled; once the
//! pool is exhausted, random convex mixes of two pool rows). The victim answers with scores (or
//! only labels, which the attacker sees as one-hot targets). For each budget a surrogate
//! (softmax regression or a one-hidden-layer MLP written in Rust, trained with Adam, seeded) is
//! trained on the first `budget` answers; its fidelity is the share of evaluation rows on
//! which it agrees with the victim, and its accuracy is measured on the true labels.

use serde::Serialize;

use crate::model::{Classifier, ModelError};
use crate::query::{argmax_rows, predict_proba_batched};
use crate::rng::Rng;
use crate::surrogate::{Mlp, SoftmaxRegression, TrainConfig, one_hot};

/// Surrogate architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SurrogateKind {
    /// Softmax regression.
    Softmax,
    /// One hidden layer of ReLU units.
    Mlp {
        /// Hidden units.
        hidden: usize,
    },
}

/// Extraction settings.
#[derive(Debug, Clone)]
pub struct ExtractionConfig {
    /// Query budgets to report (ascending; the largest is spent once).
    pub budgets: Vec<usize>,
    /// Use only the predicted label (one-hot), not the scores.
    pub labels_only: bool,
    /// Surrogate architecture.
    pub surrogate: SurrogateKind,
    /// Seed.
    pub seed: u64,
}

/// One point of the fidelity curve.
#[derive(Debug, Clone, Serialize)]
pub struct ExtractionPoint {
    /// Queries spent.
    pub queries: usize,
    /// Agreement with the victim on the evaluation rows.
    pub fidelity: f64,
    /// Surrogate accuracy on the evaluation labels.
    pub accuracy: f64,
}

/// Result of an extraction audit.
#[derive(Debug, Clone, Serialize)]
pub struct ExtractionResult {
    /// Surrogate trained.
    pub surrogate: SurrogateKind,
    /// Whether only labels were used.
    pub labels_only: bool,
    /// Victim accuracy on the evaluation rows.
    pub victim_accuracy: f64,
    /// Fidelity curve.
    pub curve: Vec<ExtractionPoint>,
}

/// Runs extraction with query inputs drawn from `pool` and evaluation on `x_eval`/`y_eval`.
pub fn extract(
    victim: &dyn Classifier,
    pool: &[f32],
    x_eval: &[f32],
    y_eval: &[usize],
    lo_hi: Option<(&[f32], &[f32])>,
    cfg: &ExtractionConfig,
) -> Result<ExtractionResult, ModelError> {
    let d = victim.n_features();
    let k = victim.n_classes();
    let np = pool.len() / d.max(1);
    if np == 0 {
        return Err(ModelError::Input(
            "extraction needs a non-empty query pool".into(),
        ));
    }
    let max_budget = cfg.budgets.iter().copied().max().unwrap_or(0);
    let mut rng = Rng::new(cfg.seed);
    let mut order: Vec<usize> = (0..np).collect();
    rng.shuffle(&mut order);
    let mut q = Vec::with_capacity(max_budget * d);
    for i in 0..max_budget {
        if i < np {
            q.extend_from_slice(&pool[order[i] * d..(order[i] + 1) * d]);
        } else {
            let (a, b) = (rng.below(np), rng.below(np));
            let t = rng.f64() as f32;
            for j in 0..d {
                let mut v = t * pool[a * d + j] + (1.0 - t) * pool[b * d + j];
                if let Some((lo, hi)) = lo_hi {
                    v = v.clamp(lo[j], hi[j]);
                }
                q.push(v);
            }
        }
    }
    let answers = predict_proba_batched(victim, &q, 1024)?;
    let targets = if cfg.labels_only {
        one_hot(&argmax_rows(&answers, k), k)
    } else {
        answers
    };
    let victim_pred = argmax_rows(&predict_proba_batched(victim, x_eval, 1024)?, k);
    let n_eval = y_eval.len().max(1) as f64;
    let victim_accuracy = victim_pred
        .iter()
        .zip(y_eval)
        .filter(|(a, b)| a == b)
        .count() as f64
        / n_eval;
    let mut curve = Vec::new();
    for &b in &cfg.budgets {
        // Roughly constant optimisation effort: more epochs for small budgets.
        let epochs = (20_000 / b.max(1)).clamp(30, 300);
        let tc = TrainConfig {
            epochs,
            batch: 32,
            lr: 0.01,
            l2: 1e-4,
            seed: cfg.seed,
        };
        let (xs, ts) = (&q[..b * d], &targets[..b * k]);
        let pred = match cfg.surrogate {
            SurrogateKind::Softmax => {
                let m = SoftmaxRegression::fit(xs, ts, d, k, &tc);
                argmax_rows(&m.predict_proba(x_eval)?, k)
            }
            SurrogateKind::Mlp { hidden } => {
                let m = Mlp::fit(xs, ts, d, k, hidden, &tc);
                argmax_rows(&m.predict_proba(x_eval)?, k)
            }
        };
        curve.push(ExtractionPoint {
            queries: b,
            fidelity: pred
                .iter()
                .zip(&victim_pred)
                .filter(|(a, b)| a == b)
                .count() as f64
                / n_eval,
            accuracy: pred.iter().zip(y_eval).filter(|(a, b)| a == b).count() as f64 / n_eval,
        });
    }
    Ok(ExtractionResult {
        surrogate: cfg.surrogate,
        labels_only: cfg.labels_only,
        victim_accuracy,
        curve,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::victim;

    #[test]
    fn fidelity_grows_with_queries() {
        let v = victim(10, 3);
        for (labels_only, surrogate) in [
            (false, SurrogateKind::Softmax),
            (true, SurrogateKind::Mlp { hidden: 16 }),
        ] {
            let cfg = ExtractionConfig {
                budgets: vec![6, 300],
                labels_only,
                surrogate,
                seed: 4,
            };
            let r = extract(&v.model, &v.x_train, &v.x_test, &v.y_test, None, &cfg).unwrap();
            assert_eq!(r.curve.len(), 2);
            assert!(r.curve[1].fidelity >= 0.9, "{r:?}");
            assert!(r.curve[1].fidelity >= r.curve[0].fidelity, "{r:?}");
        }
    }
}
