//! Label-noise and poisoning screens for a labelled training set.
//!
//! [`screen`] encodes the feature columns ([`features`]), then runs independent screens over
//! the rows that have a label:
//!
//! | code | screen | module |
//! | --- | --- | --- |
//! | PSN001 | distance-weighted kNN label disagreement (exact kNN) | [`knn`] |
//! | PSN002, PSN003 | exact and near duplicates with conflicting labels | [`dupes`] |
//! | PSN004 | per-class outliers: FastMCD robust Mahalanobis and isolation forest | [`mcd`], [`iforest`] |
//! | PSN005 | backdoor trigger signatures | [`trigger`] |
//!
//! and combines their evidence per row into one suspicion score by a noisy-OR (each screen is
//! read as an independent chance that the row is poisoned): `1 - Π(1 - e)` with `e` the kNN
//! score, half the conflicting-duplicate share, 0.3 for a class outlier and 0.9 for a trigger
//! row. Every randomised step is seeded; the same input and seed give the same report.

pub mod codes;
pub mod dupes;
pub mod features;
pub mod iforest;
pub mod json;
pub mod knn;
pub mod mcd;
pub mod rng;
pub mod trigger;

use std::collections::HashMap;

use rayon::prelude::*;

use crate::table::{ColumnData, Frame};
pub use codes::Check;
pub use dupes::DuplicateGroup;
pub use features::Features;
pub use trigger::Trigger;

/// Most distinct labels accepted: more usually means the wrong column was named.
pub const MAX_CLASSES: usize = 1000;
/// Above this many features per class, MCD runs on the ones with the largest in-class variance.
pub const MCD_MAX_DIM: usize = 20;

/// Why the screens could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PoisonError {
    /// The label column is not in the data.
    #[error("no column `{0}` in the data\nhint: the columns are: {1}")]
    NoLabel(String, String),
    /// Nothing to screen.
    #[error("{0}")]
    Unusable(String),
}

/// Settings of the screens.
#[derive(Debug, Clone)]
pub struct PoisonConfig {
    /// Neighbours per row for the kNN screen and the trigger neighbourhoods.
    pub k: usize,
    /// Seed of every randomised step (FastMCD starts, isolation-forest trees, samples).
    pub seed: u64,
    /// Rows with a combined score at or above this are suspects.
    pub min_score: f64,
    /// Near-duplicate tolerance, in robust standard deviations per feature (0 = exact only).
    pub near_dup_eps: f64,
    /// Chi-square quantile of the robust Mahalanobis cut-off.
    pub outlier_quantile: f64,
    /// Isolation-forest score above which a row counts as isolated.
    pub iforest_cutoff: f64,
    /// Trees per class.
    pub iforest_trees: usize,
    /// Rows per tree.
    pub iforest_samples: usize,
    /// Categories one-hot encoded per column (the rest share an "other" indicator).
    pub max_categories: usize,
    /// Smallest trigger bin, rows (0 = max(5, 0.2% of the rows)).
    pub trigger_min_support: usize,
    /// Largest trigger bin, share of the rows.
    pub trigger_max_share: f64,
    /// Smallest purity of a trigger bin.
    pub trigger_min_purity: f64,
    /// Smallest lift of a trigger bin.
    pub trigger_min_lift: f64,
    /// Smallest gap between a trigger bin's purity and its neighbourhood's share.
    pub trigger_min_gap: f64,
    /// Search two-feature triggers too.
    pub trigger_pairs: bool,
}

impl Default for PoisonConfig {
    fn default() -> Self {
        PoisonConfig {
            k: 10,
            seed: 0,
            min_score: 0.7,
            near_dup_eps: 0.01,
            outlier_quantile: 0.999,
            iforest_cutoff: 0.5,
            iforest_trees: 100,
            iforest_samples: 256,
            max_categories: 32,
            trigger_min_support: 0,
            trigger_max_share: 0.2,
            trigger_min_purity: 0.9,
            trigger_min_lift: 1.5,
            trigger_min_gap: 0.4,
            trigger_pairs: true,
        }
    }
}

/// Which kind of conflicting duplicate a row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DupKind {
    /// Identical rows.
    Exact,
    /// Rows within the near-duplicate tolerance.
    Near,
}

/// Every screen's verdict on one row.
#[derive(Debug, Clone, PartialEq)]
pub struct RowScore {
    /// Row index in the file (0-based, data rows only).
    pub row: usize,
    /// The row's label (class index into [`PoisonReport::classes`]).
    pub label: u32,
    /// Distance-weighted share of neighbours with another label.
    pub knn_score: f64,
    /// The neighbours' weighted-majority label.
    pub knn_label: u32,
    /// Conflicting duplicate group membership and the share of the group with another label.
    pub duplicate: Option<(DupKind, f64)>,
    /// Squared robust Mahalanobis distance within the class (None when MCD could not run).
    pub mcd_distance2: Option<f64>,
    /// Isolation-forest score within the class.
    pub iforest_score: Option<f64>,
    /// Index of the trigger candidate the row belongs to.
    pub trigger: Option<usize>,
    /// The combined suspicion score in [0, 1].
    pub score: f64,
    /// Codes of the screens that fired.
    pub reasons: Vec<&'static str>,
}

/// Per-class outlier model summary.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassSummary {
    /// The label.
    pub label: String,
    /// Rows with it.
    pub rows: usize,
    /// MCD subset size, when MCD ran.
    pub mcd_h: Option<usize>,
    /// Features MCD used (the in-class variance selection above [`MCD_MAX_DIM`]).
    pub mcd_features: usize,
    /// The chi-square cut-off on squared distances.
    pub mcd_cutoff: Option<f64>,
    /// Rows flagged as class outliers.
    pub outliers: usize,
}

/// The screens' results.
#[derive(Debug, Clone)]
pub struct PoisonReport {
    /// Data rows in the file.
    pub rows: usize,
    /// Rows without a label (not screened).
    pub unlabelled: usize,
    /// The label column.
    pub label_column: String,
    /// Per class, in label order.
    pub classes: Vec<ClassSummary>,
    /// Encoded features.
    pub features: Vec<features::FeatureInfo>,
    /// Columns left out, with the reason.
    pub dropped: Vec<(String, String)>,
    /// Which kNN search ran.
    pub knn_method: &'static str,
    /// Neighbours per row.
    pub k: usize,
    /// Every screened row, in file order.
    pub scores: Vec<RowScore>,
    /// Conflicting duplicate groups (row indices in the file).
    pub duplicates: Vec<DuplicateGroup>,
    /// Trigger candidates (conditions in standardised units; see [`Features::original_value`]).
    pub triggers: Vec<Trigger>,
    /// The encoder, to map trigger conditions back to column values.
    pub encoder: Features,
    /// The settings used.
    pub config: PoisonConfig,
}

impl PoisonReport {
    /// Rows at or above the suspicion cut-off, highest score first (ties by row).
    pub fn suspects(&self) -> Vec<&RowScore> {
        let mut s: Vec<&RowScore> = self
            .scores
            .iter()
            .filter(|r| r.score >= self.config.min_score)
            .collect();
        s.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.row.cmp(&b.row)));
        s
    }

    /// Share of screened rows that are suspects.
    pub fn suspect_share(&self) -> f64 {
        if self.scores.is_empty() {
            0.0
        } else {
            self.suspects().len() as f64 / self.scores.len() as f64
        }
    }

    /// The label text of a class index.
    pub fn label(&self, class: u32) -> &str {
        &self.classes[class as usize].label
    }

    /// Rows each check fired on.
    pub fn counts(&self) -> Vec<(&'static Check, usize)> {
        codes::ALL
            .iter()
            .map(|c| {
                (
                    *c,
                    self.scores
                        .iter()
                        .filter(|r| r.reasons.contains(&c.code))
                        .count(),
                )
            })
            .collect()
    }
}

fn labels_of(frame: &Frame, label: &str) -> Result<Vec<Option<String>>, PoisonError> {
    let col = frame.column(label).ok_or_else(|| {
        PoisonError::NoLabel(
            label.to_string(),
            frame
                .columns
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        )
    })?;
    Ok(match &col.data {
        ColumnData::Numeric(v) => v
            .iter()
            .map(|x| (!x.is_nan()).then(|| features::format_number(*x)))
            .collect(),
        ColumnData::Text(v) => v
            .iter()
            .map(|s| s.as_ref().filter(|s| !s.trim().is_empty()).cloned())
            .collect(),
    })
}

/// Runs every screen over `frame`, with `label` as the label column.
pub fn screen(frame: &Frame, label: &str, cfg: &PoisonConfig) -> Result<PoisonReport, PoisonError> {
    let raw = labels_of(frame, label)?;
    let rows: Vec<usize> = (0..raw.len()).filter(|&i| raw[i].is_some()).collect();
    if rows.len() < 3 {
        return Err(PoisonError::Unusable(format!(
            "only {} rows have a label in `{label}`; the screens need at least 3",
            rows.len()
        )));
    }
    // Class indices in sorted label order (numeric labels sort numerically).
    let mut names: Vec<&str> = rows
        .iter()
        .map(|&r| raw[r].as_deref().unwrap_or(""))
        .collect();
    names.sort_unstable_by(|a, b| match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y).then(a.cmp(b)),
        _ => a.cmp(b),
    });
    names.dedup();
    if names.len() > MAX_CLASSES {
        return Err(PoisonError::Unusable(format!(
            "`{label}` has {} distinct values; a label column has at most {MAX_CLASSES}\nhint: pass the label column with --label",
            names.len()
        )));
    }
    let class_of: HashMap<&str, u32> = names
        .iter()
        .enumerate()
        .map(|(i, s)| (*s, i as u32))
        .collect();
    let labels: Vec<u32> = rows
        .iter()
        .map(|&r| class_of[raw[r].as_deref().unwrap_or("")])
        .collect();
    let n_classes = names.len();
    let f = features::encode(frame, label, &rows, cfg.max_categories);
    if f.d == 0 {
        return Err(PoisonError::Unusable(format!(
            "no usable feature columns besides `{label}` (left out: {})",
            f.dropped
                .iter()
                .map(|(c, why)| format!("{c}: {why}"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let n = f.n;

    // PSN001: kNN disagreement.
    let nb = knn::knn(&f.data, n, f.d, cfg.k);
    let kth: Vec<f64> = (0..n).filter_map(|i| nb.of(i).1.last().copied()).collect();
    let delta = {
        let mut v = kth.clone();
        if v.is_empty() {
            0.0
        } else {
            features::median(&mut v)
        }
    } * 0.05
        + 1e-12;
    let knn_part: Vec<(f64, u32)> = (0..n)
        .into_par_iter()
        .map(|i| {
            let (idx, dist) = nb.of(i);
            let mut votes = vec![0.0; n_classes];
            let (mut other, mut total) = (0.0, 0.0);
            for (&j, &d) in idx.iter().zip(dist) {
                let w = 1.0 / (d + delta);
                total += w;
                votes[labels[j as usize] as usize] += w;
                if labels[j as usize] != labels[i] {
                    other += w;
                }
            }
            let top = votes
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
                .map_or(labels[i], |(c, _)| c as u32);
            (if total > 0.0 { other / total } else { 0.0 }, top)
        })
        .collect();

    // PSN002/PSN003: duplicates.
    let dup_groups = dupes::find(&f, &labels, &nb, cfg.near_dup_eps);
    let mut dup: Vec<Option<(DupKind, f64)>> = vec![None; n];
    for g in &dup_groups {
        let kind = if g.exact {
            DupKind::Exact
        } else {
            DupKind::Near
        };
        for &i in &g.rows {
            let others = g.rows.iter().filter(|&&j| labels[j] != labels[i]).count();
            let share = others as f64 / (g.rows.len() - 1) as f64;
            if dup[i].is_none_or(|(k, s)| k == DupKind::Near && kind == DupKind::Exact || s < share)
            {
                dup[i] = Some((kind, share));
            }
        }
    }

    // PSN004: per-class outliers.
    let mut mcd_d2: Vec<Option<f64>> = vec![None; n];
    let mut if_score: Vec<Option<f64>> = vec![None; n];
    let mut is_outlier = vec![false; n];
    let mut classes = Vec::with_capacity(n_classes);
    for (c, name) in names.iter().enumerate() {
        let members: Vec<usize> = (0..n).filter(|&i| labels[i] == c as u32).collect();
        let m = members.len();
        // MCD on the (at most MCD_MAX_DIM) features with the largest in-class variance.
        let mut var: Vec<(f64, usize)> = (0..f.d)
            .map(|j| {
                let mean = members.iter().map(|&i| f.data[i * f.d + j]).sum::<f64>() / m as f64;
                let v = members
                    .iter()
                    .map(|&i| (f.data[i * f.d + j] - mean).powi(2))
                    .sum::<f64>()
                    / m as f64;
                (v, j)
            })
            .filter(|(v, _)| *v > 1e-12)
            .collect();
        var.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        var.truncate(MCD_MAX_DIM.min(m.saturating_sub(2) / 2));
        let mut cols: Vec<usize> = var.iter().map(|v| v.1).collect();
        cols.sort_unstable();
        let p = cols.len();
        let xm: Vec<f64> = members
            .iter()
            .flat_map(|&i| {
                let row = f.row(i);
                cols.iter().map(move |&j| row[j])
            })
            .collect();
        let fit = mcd::fit(&xm, m, p, cfg.seed ^ c as u64);
        let cutoff = fit
            .as_ref()
            .map(|_| mcd::chi2_ppf(cfg.outlier_quantile, p as f64));
        if let Some(fit) = &fit {
            for (pos, &i) in members.iter().enumerate() {
                mcd_d2[i] = Some(fit.dist2[pos]);
            }
        }
        let xf: Vec<f64> = members
            .iter()
            .flat_map(|&i| f.row(i).iter().copied())
            .collect();
        if m >= 2 {
            let forest = iforest::IsolationForest::fit(
                &xf,
                m,
                f.d,
                cfg.iforest_trees,
                cfg.iforest_samples,
                cfg.seed ^ (c as u64).wrapping_mul(0x9E37_79B9),
            );
            let s: Vec<f64> = (0..m)
                .into_par_iter()
                .map(|pos| forest.score(&xf[pos * f.d..(pos + 1) * f.d]))
                .collect();
            for (pos, &i) in members.iter().enumerate() {
                if_score[i] = Some(s[pos]);
            }
        }
        let mut outliers = 0;
        for &i in &members {
            let far = matches!((mcd_d2[i], cutoff), (Some(d), Some(cut)) if d > cut);
            let isolated = if_score[i].is_some_and(|s| s > cfg.iforest_cutoff);
            if far && isolated {
                is_outlier[i] = true;
                outliers += 1;
            }
        }
        classes.push(ClassSummary {
            label: (*name).to_string(),
            rows: m,
            mcd_h: fit.as_ref().map(|f| f.h),
            mcd_features: p,
            mcd_cutoff: cutoff,
            outliers,
        });
    }

    // PSN005: triggers.
    let tcfg = trigger::TriggerConfig {
        min_support: if cfg.trigger_min_support > 0 {
            cfg.trigger_min_support
        } else {
            ((n as f64 * 0.002).ceil() as usize).max(5)
        },
        max_share: cfg.trigger_max_share,
        min_purity: cfg.trigger_min_purity,
        min_lift: cfg.trigger_min_lift,
        min_gap: cfg.trigger_min_gap,
        k: nb.k,
        pairs: cfg.trigger_pairs,
        seed: cfg.seed,
    };
    let mut triggers = trigger::find(&f, &labels, n_classes, &tcfg);
    let mut trig: Vec<Option<usize>> = vec![None; n];
    for (t, tr) in triggers.iter().enumerate() {
        for &i in &tr.rows {
            trig[i].get_or_insert(t);
        }
    }

    // Combine.
    let scores: Vec<RowScore> = (0..n)
        .map(|i| {
            let (ks, kl) = knn_part[i];
            let mut reasons = Vec::new();
            let mut keep = 1.0 - ks;
            if ks >= 0.5 && kl != labels[i] {
                reasons.push(codes::KNN_DISAGREEMENT.code);
            }
            if let Some((kind, share)) = dup[i] {
                keep *= 1.0 - 0.5 * share;
                reasons.push(match kind {
                    DupKind::Exact => codes::CONFLICTING_DUPLICATE.code,
                    DupKind::Near => codes::CONFLICTING_NEAR_DUPLICATE.code,
                });
            }
            if is_outlier[i] {
                keep *= 0.7;
                reasons.push(codes::CLASS_OUTLIER.code);
            }
            if trig[i].is_some() {
                keep *= 0.1;
                reasons.push(codes::BACKDOOR_TRIGGER.code);
            }
            RowScore {
                row: rows[i],
                label: labels[i],
                knn_score: ks,
                knn_label: kl,
                duplicate: dup[i],
                mcd_distance2: mcd_d2[i],
                iforest_score: if_score[i],
                trigger: trig[i],
                score: 1.0 - keep,
                reasons,
            }
        })
        .collect();

    // Report positions as file rows.
    let duplicates = dup_groups
        .into_iter()
        .map(|g| DuplicateGroup {
            rows: g.rows.iter().map(|&i| rows[i]).collect(),
            exact: g.exact,
        })
        .collect();
    for t in &mut triggers {
        t.rows.iter_mut().for_each(|i| *i = rows[*i]);
    }
    let (features, dropped) = (f.features.clone(), f.dropped.clone());
    Ok(PoisonReport {
        rows: frame.rows,
        unlabelled: frame.rows - rows.len(),
        label_column: label.to_string(),
        classes,
        features,
        dropped,
        knn_method: nb.method,
        k: nb.k,
        scores,
        duplicates,
        triggers,
        encoder: Features {
            n: 0,
            d: f.d,
            data: Vec::new(),
            features: f.features,
            dropped: f.dropped,
        },
        config: cfg.clone(),
    })
}
