//! Membership inference: how well can an attacker tell training rows (members) from unseen
//! rows (non-members) by the model's loss or confidence on them?
//!
//! Scores are "higher = more likely a member": `-loss` (Yeom et al. 2018) or the confidence in
//! the true class. They are rounded to 1e-6 before ranking, as the reference runs do, so that
//! float noise in the last digits does not decide ties. AUC is the Mann-Whitney statistic with
//! ties counted one half (equal to scikit-learn's `roc_auc_score`); membership advantage is
//! `max(TPR - FPR)` over all thresholds (Yeom et al.); TPR at low FPR follows Carlini et al.
//! 2022 ("Membership inference attacks from first principles").
//!
//! The calibrated variant subtracts, per class, the mean loss on reference (non-member) data
//! the attacker holds, so rows of intrinsically hard classes are not mistaken for non-members.

use serde::Serialize;

use crate::model::{Classifier, ModelError};
use crate::query::predict_proba_batched;

/// Which score the attacker thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MiaScore {
    /// `-(cross-entropy loss)`.
    Loss,
    /// Probability of the true class.
    Confidence,
    /// `-(loss - mean reference loss of the row's class)`.
    CalibratedLoss,
}

/// Result of a membership-inference audit.
#[derive(Debug, Clone, Serialize)]
pub struct MiaResult {
    /// Score used.
    pub score: MiaScore,
    /// Member rows scored.
    pub members: usize,
    /// Non-member rows scored.
    pub non_members: usize,
    /// Area under the ROC curve.
    pub auc: f64,
    /// `max(TPR - FPR)`.
    pub advantage: f64,
    /// Largest TPR with FPR ≤ 0.1%.
    pub tpr_at_0_1pct_fpr: f64,
    /// Largest TPR with FPR ≤ 1%.
    pub tpr_at_1pct_fpr: f64,
    /// ROC points `(fpr, tpr)`, thinned to at most 200 for plotting.
    pub roc: Vec<(f64, f64)>,
}

/// Rounds to 1e-6 (the reference's score resolution).
fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// Rank-based AUC of positives vs negatives, ties averaged.
pub fn roc_auc(pos: &[f64], neg: &[f64]) -> f64 {
    if pos.is_empty() || neg.is_empty() {
        return 0.5;
    }
    let mut all: Vec<(f64, bool)> = pos
        .iter()
        .map(|&s| (s, true))
        .chain(neg.iter().map(|&s| (s, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j < all.len() && all[j].0 == all[i].0 {
            j += 1;
        }
        // Ranks i+1..=j averaged.
        let avg = (i + 1 + j) as f64 / 2.0;
        rank_sum += avg * all[i..j].iter().filter(|e| e.1).count() as f64;
        i = j;
    }
    let np = pos.len() as f64;
    (rank_sum - np * (np + 1.0) / 2.0) / (np * neg.len() as f64)
}

/// ROC curve `(fpr, tpr)` at every distinct threshold, from (0,0) to (1,1).
pub fn roc_curve(pos: &[f64], neg: &[f64]) -> Vec<(f64, f64)> {
    let mut all: Vec<(f64, bool)> = pos
        .iter()
        .map(|&s| (s, true))
        .chain(neg.iter().map(|&s| (s, false)))
        .collect();
    all.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (np, nn) = (pos.len().max(1) as f64, neg.len().max(1) as f64);
    let mut pts = vec![(0.0, 0.0)];
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j < all.len() && all[j].0 == all[i].0 {
            if all[j].1 {
                tp += 1;
            } else {
                fp += 1;
            }
            j += 1;
        }
        pts.push((fp as f64 / nn, tp as f64 / np));
        i = j;
    }
    pts
}

/// Per-row cross-entropy `-ln p(y|x)` (computed in f64 from the model's probabilities).
pub fn losses(
    model: &dyn Classifier,
    x: &[f32],
    y: &[usize],
    batch: usize,
) -> Result<Vec<f64>, ModelError> {
    let k = model.n_classes();
    let p = predict_proba_batched(model, x, batch)?;
    Ok(y.iter()
        .enumerate()
        .map(|(i, &c)| -(p[i * k + c.min(k - 1)] as f64).max(1e-300).ln())
        .collect())
}

/// Scores ROC statistics for member and non-member scores.
pub fn evaluate(score: MiaScore, members: &[f64], non_members: &[f64]) -> MiaResult {
    let pos: Vec<f64> = members.iter().map(|&v| round6(v)).collect();
    let neg: Vec<f64> = non_members.iter().map(|&v| round6(v)).collect();
    let roc = roc_curve(&pos, &neg);
    let advantage = roc.iter().map(|(f, t)| t - f).fold(0.0, f64::max);
    let tpr_at = |a: f64| {
        roc.iter()
            .filter(|(f, _)| *f <= a + 1e-12)
            .map(|(_, t)| *t)
            .fold(0.0, f64::max)
    };
    let step = roc.len().div_ceil(200).max(1);
    let mut thin: Vec<(f64, f64)> = roc.iter().step_by(step).copied().collect();
    if thin.last() != roc.last() {
        thin.extend(roc.last().copied());
    }
    MiaResult {
        score,
        members: pos.len(),
        non_members: neg.len(),
        auc: roc_auc(&pos, &neg),
        advantage,
        tpr_at_0_1pct_fpr: tpr_at(0.001),
        tpr_at_1pct_fpr: tpr_at(0.01),
        roc: thin,
    }
}

/// Data for a membership-inference audit.
#[derive(Debug)]
pub struct MiaData<'a> {
    /// Training rows (members) and labels.
    pub train: (&'a [f32], &'a [usize]),
    /// Unseen rows (non-members) and labels.
    pub test: (&'a [f32], &'a [usize]),
    /// Reference (non-member) data the attacker holds, for the calibrated score.
    pub reference: Option<(&'a [f32], &'a [usize])>,
}

/// Runs the threshold attacks: loss and confidence always, calibrated loss when reference data
/// is given.
pub fn membership_inference(
    model: &dyn Classifier,
    data: &MiaData,
) -> Result<Vec<MiaResult>, ModelError> {
    let batch = 512;
    let lm = losses(model, data.train.0, data.train.1, batch)?;
    let ln = losses(model, data.test.0, data.test.1, batch)?;
    let neg = |v: &[f64]| v.iter().map(|l| -l).collect::<Vec<_>>();
    let conf = |v: &[f64]| v.iter().map(|l| (-l).exp()).collect::<Vec<_>>();
    let mut out = vec![
        evaluate(MiaScore::Loss, &neg(&lm), &neg(&ln)),
        evaluate(MiaScore::Confidence, &conf(&lm), &conf(&ln)),
    ];
    if let Some((rx, ry)) = data.reference {
        let lr = losses(model, rx, ry, batch)?;
        let k = model.n_classes();
        let mut sum = vec![0.0; k];
        let mut cnt = vec![0usize; k];
        for (l, &c) in lr.iter().zip(ry) {
            if c < k {
                sum[c] += l;
                cnt[c] += 1;
            }
        }
        let overall = lr.iter().sum::<f64>() / lr.len().max(1) as f64;
        let mean: Vec<f64> = (0..k)
            .map(|c| {
                if cnt[c] > 0 {
                    sum[c] / cnt[c] as f64
                } else {
                    overall
                }
            })
            .collect();
        let cal = |l: &[f64], y: &[usize]| -> Vec<f64> {
            l.iter()
                .zip(y)
                .map(|(v, &c)| -(v - mean[c.min(k - 1)]))
                .collect()
        };
        out.push(evaluate(
            MiaScore::CalibratedLoss,
            &cal(&lm, data.train.1),
            &cal(&ln, data.test.1),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_matches_sklearn_with_ties() {
        // sklearn.metrics.roc_auc_score([1,1,1,0,0,0,0], [0.9,0.5,0.5,0.5,0.2,0.1,0.5]) = 5/6
        let auc = roc_auc(&[0.9, 0.5, 0.5], &[0.5, 0.2, 0.1, 0.5]);
        assert!((auc - 5.0 / 6.0).abs() < 1e-12, "{auc}");
        let r = evaluate(MiaScore::Loss, &[0.9, 0.5, 0.5], &[0.5, 0.2, 0.1, 0.5]);
        // sklearn roc_curve: (0,0) (0,1/3) (0.5,1) (0.75,1) (1,1) -> max tpr-fpr = 0.5
        assert!((r.advantage - 0.5).abs() < 1e-12);
        assert_eq!(r.roc.first(), Some(&(0.0, 0.0)));
        assert_eq!(r.roc.last(), Some(&(1.0, 1.0)));
        assert!((r.tpr_at_1pct_fpr - 1.0 / 3.0).abs() < 1e-12);
    }

    proptest::proptest! {
        #[test]
        fn auc_equals_trapezoid_area(pos in proptest::collection::vec(0u8..20, 1..40),
                                     neg in proptest::collection::vec(0u8..20, 1..40)) {
            let p: Vec<f64> = pos.iter().map(|&v| v as f64).collect();
            let n: Vec<f64> = neg.iter().map(|&v| v as f64).collect();
            let roc = roc_curve(&p, &n);
            let area: f64 = roc.windows(2).map(|w| (w[1].0 - w[0].0) * (w[1].1 + w[0].1) / 2.0).sum();
            proptest::prop_assert!((area - roc_auc(&p, &n)).abs() < 1e-9);
        }
    }
}
