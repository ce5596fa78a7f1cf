//! Group fairness of a classifier's decisions with respect to a sensitive attribute.
//!
//! Definitions follow Fairlearn: demographic parity difference is the largest gap in selection
//! rate `P(ŷ = positive)` between groups; equalized odds difference is the larger of the TPR gap
//! and the FPR gap; the disparate impact ratio is the smallest over the largest selection rate
//! (the "80% rule" compares it with 0.8). A continuous attribute is binarised at a threshold
//! (the median unless given); an attribute with few distinct values is used as is.

use serde::Serialize;

/// Statistics of one group.
#[derive(Debug, Clone, Serialize)]
pub struct GroupStats {
    /// Group label (the attribute value, or `<= t` / `> t` when binarised).
    pub group: String,
    /// Rows in the group.
    pub count: usize,
    /// `P(ŷ = positive)`.
    pub selection_rate: f64,
    /// `P(ŷ = positive | y = positive)`; `None` without positives.
    pub tpr: Option<f64>,
    /// `P(ŷ = positive | y ≠ positive)`; `None` without negatives.
    pub fpr: Option<f64>,
    /// Accuracy in the group.
    pub accuracy: f64,
}

/// Fairness metrics for one sensitive attribute.
#[derive(Debug, Clone, Serialize)]
pub struct FairnessReport {
    /// Attribute name.
    pub attribute: String,
    /// Threshold used to binarise a continuous attribute.
    pub threshold: Option<f64>,
    /// Class treated as the favourable outcome.
    pub positive_class: usize,
    /// Per-group statistics.
    pub groups: Vec<GroupStats>,
    /// Max minus min selection rate.
    pub demographic_parity_difference: f64,
    /// Max of the TPR gap and the FPR gap.
    pub equalized_odds_difference: f64,
    /// Gap in true positive rates.
    pub tpr_difference: f64,
    /// Gap in false positive rates.
    pub fpr_difference: f64,
    /// Min over max selection rate (1.0 when all rates are 0).
    pub disparate_impact_ratio: f64,
}

/// Most distinct values an attribute may have to be used without binarising.
pub const MAX_CATEGORIES: usize = 10;

/// Computes the metrics for predictions `pred`, true labels `y` and attribute values `attr`.
pub fn fairness(
    attribute: &str,
    attr: &[f64],
    pred: &[usize],
    y: &[usize],
    positive_class: usize,
    threshold: Option<f64>,
) -> FairnessReport {
    let mut distinct: Vec<f64> = attr.iter().copied().filter(|v| !v.is_nan()).collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    let binarise = threshold.is_some() || distinct.len() > MAX_CATEGORIES;
    let thr = if binarise {
        Some(threshold.unwrap_or_else(|| median(attr)))
    } else {
        None
    };
    let key = |v: f64| -> String {
        match thr {
            Some(t) if v <= t => format!("<= {t}"),
            Some(t) => format!("> {t}"),
            None => format!("{v}"),
        }
    };
    let mut names: Vec<String> = Vec::new();
    let mut idx: Vec<Option<usize>> = Vec::with_capacity(attr.len());
    for &v in attr {
        if v.is_nan() {
            idx.push(None);
            continue;
        }
        let k = key(v);
        let i = match names.iter().position(|n| *n == k) {
            Some(i) => i,
            None => {
                names.push(k);
                names.len() - 1
            }
        };
        idx.push(Some(i));
    }
    let g = names.len();
    let (mut n, mut sel, mut pos, mut tp, mut neg, mut fp, mut ok) = (
        vec![0usize; g],
        vec![0usize; g],
        vec![0usize; g],
        vec![0usize; g],
        vec![0usize; g],
        vec![0usize; g],
        vec![0usize; g],
    );
    for (r, gi) in idx.iter().enumerate() {
        let Some(gi) = *gi else { continue };
        let hat = pred[r] == positive_class;
        n[gi] += 1;
        sel[gi] += hat as usize;
        ok[gi] += (pred[r] == y[r]) as usize;
        if y[r] == positive_class {
            pos[gi] += 1;
            tp[gi] += hat as usize;
        } else {
            neg[gi] += 1;
            fp[gi] += hat as usize;
        }
    }
    let mut groups: Vec<GroupStats> = (0..g)
        .map(|i| GroupStats {
            group: names[i].clone(),
            count: n[i],
            selection_rate: sel[i] as f64 / n[i].max(1) as f64,
            tpr: (pos[i] > 0).then(|| tp[i] as f64 / pos[i] as f64),
            fpr: (neg[i] > 0).then(|| fp[i] as f64 / neg[i] as f64),
            accuracy: ok[i] as f64 / n[i].max(1) as f64,
        })
        .collect();
    groups.sort_by(|a, b| a.group.cmp(&b.group));
    let gap = |v: Vec<f64>| -> f64 {
        if v.is_empty() {
            0.0
        } else {
            v.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                - v.iter().copied().fold(f64::INFINITY, f64::min)
        }
    };
    let rates: Vec<f64> = groups.iter().map(|s| s.selection_rate).collect();
    let tprd = gap(groups.iter().filter_map(|s| s.tpr).collect());
    let fprd = gap(groups.iter().filter_map(|s| s.fpr).collect());
    let (mn, mx) = (
        rates.iter().copied().fold(f64::INFINITY, f64::min),
        rates.iter().copied().fold(0.0, f64::max),
    );
    FairnessReport {
        attribute: attribute.to_string(),
        threshold: thr,
        positive_class,
        demographic_parity_difference: gap(rates),
        equalized_odds_difference: tprd.max(fprd),
        tpr_difference: tprd,
        fpr_difference: fprd,
        disparate_impact_ratio: if mx > 0.0 { mn / mx } else { 1.0 },
        groups,
    }
}

fn median(v: &[f64]) -> f64 {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
    if s.is_empty() {
        return 0.0;
    }
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    if s.len() % 2 == 1 {
        s[m]
    } else {
        (s[m - 1] + s[m]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_fairlearn_hand_example() {
        // fairlearn.metrics.demographic_parity_difference(y, pred, sensitive_features=a) = 0.5,
        // equalized_odds_difference = 1.0 (TPR 1.0 vs 0.0), selection rates 0.75 / 0.25.
        let y = [1, 0, 1, 0, 1, 0, 1, 0];
        let pred = [1, 1, 1, 0, 0, 0, 0, 1];
        let a = [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        let r = fairness("sex", &a, &pred, &y, 1, None);
        assert_eq!(r.groups.len(), 2);
        assert_eq!(r.groups[0].count, 4);
        assert!((r.groups[0].selection_rate - 0.75).abs() < 1e-12);
        assert!((r.demographic_parity_difference - 0.5).abs() < 1e-12);
        assert!((r.tpr_difference - 1.0).abs() < 1e-12);
        assert!((r.fpr_difference - 0.0).abs() < 1e-12);
        assert!((r.equalized_odds_difference - 1.0).abs() < 1e-12);
        assert!((r.disparate_impact_ratio - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn continuous_attribute_is_split_at_the_median() {
        let a: Vec<f64> = (0..20).map(|i| i as f64 * 0.37).collect();
        let pred: Vec<usize> = (0..20).map(|i| (i >= 10) as usize).collect();
        let r = fairness("age", &a, &pred, &pred, 1, None);
        assert_eq!(r.groups.len(), 2);
        assert!((r.threshold.unwrap() - (9.0 * 0.37 + 10.0 * 0.37) / 2.0).abs() < 1e-9);
        assert!((r.demographic_parity_difference - 1.0).abs() < 1e-12);
        assert_eq!(r.disparate_impact_ratio, 0.0);
    }
}
