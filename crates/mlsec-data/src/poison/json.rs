//! The `mlsec.poison/v1` JSON document (documented in `docs/poison-json.md`). These serde types
//! are the wire format; the domain types in this module's parent are not `Serialize`.

use serde::Serialize;

use super::features::FeatureKind;
use super::{DupKind, PoisonReport, RowScore};

/// Schema identifier carried by every document.
pub const SCHEMA: &str = "mlsec.poison/v1";

/// The whole document.
#[derive(Debug, Serialize)]
pub struct PoisonJson {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The data file.
    pub file: String,
    /// The label column.
    pub label_column: String,
    /// Data rows in the file.
    pub rows: usize,
    /// Rows screened (with a label).
    pub screened_rows: usize,
    /// Rows without a label.
    pub unlabelled_rows: usize,
    /// `fail` when the suspect share exceeds the threshold or a trigger was found, else `pass`.
    pub verdict: &'static str,
    /// Rows at or above `settings.min_score`.
    pub suspect_rows: usize,
    /// `suspect_rows / screened_rows`.
    pub suspect_share: f64,
    /// The suspect share above which the verdict is `fail`.
    pub threshold: f64,
    /// Settings used.
    pub settings: SettingsJson,
    /// Per class.
    pub classes: Vec<ClassJson>,
    /// Encoded feature names.
    pub features: Vec<String>,
    /// Columns not used, with the reason.
    pub dropped_columns: Vec<DroppedJson>,
    /// Per check: how many rows it fired on.
    pub checks: Vec<CheckJson>,
    /// The top suspects, highest score first.
    pub suspects: Vec<SuspectJson>,
    /// Conflicting duplicate groups.
    pub duplicates: Vec<DuplicateJson>,
    /// Trigger candidates, strongest first.
    pub triggers: Vec<TriggerJson>,
    /// Histogram of the combined score over all screened rows (10 bins over [0, 1]).
    pub score_histogram: Vec<usize>,
}

/// Settings block.
#[derive(Debug, Serialize)]
pub struct SettingsJson {
    /// Neighbours per row.
    pub k: usize,
    /// `kd-tree` or `brute-force`.
    pub knn_method: &'static str,
    /// Seed.
    pub seed: u64,
    /// Suspect cut-off on the combined score.
    pub min_score: f64,
    /// Near-duplicate tolerance.
    pub near_dup_eps: f64,
    /// Chi-square quantile of the MCD cut-off.
    pub outlier_quantile: f64,
    /// Isolation-forest cut-off.
    pub iforest_cutoff: f64,
}

/// One class.
#[derive(Debug, Serialize)]
pub struct ClassJson {
    /// The label.
    pub label: String,
    /// Rows.
    pub rows: usize,
    /// MCD subset size (null when MCD could not run).
    pub mcd_h: Option<usize>,
    /// Features MCD used.
    pub mcd_features: usize,
    /// Chi-square cut-off on squared robust distances.
    pub mcd_cutoff: Option<f64>,
    /// Class outliers (PSN004).
    pub outliers: usize,
}

/// A column left out.
#[derive(Debug, Serialize)]
pub struct DroppedJson {
    /// Column.
    pub column: String,
    /// Why.
    pub reason: String,
}

/// A check and its count.
#[derive(Debug, Serialize)]
pub struct CheckJson {
    /// Code.
    pub code: &'static str,
    /// Name.
    pub name: &'static str,
    /// Summary.
    pub summary: &'static str,
    /// Rows it fired on.
    pub rows: usize,
}

/// One suspect row.
#[derive(Debug, Serialize)]
pub struct SuspectJson {
    /// Row index (0-based, data rows only).
    pub row: usize,
    /// The row's label.
    pub label: String,
    /// Combined score.
    pub score: f64,
    /// kNN disagreement score.
    pub knn_score: f64,
    /// The neighbours' majority label.
    pub knn_label: String,
    /// Conflicting duplicate membership.
    pub duplicate: Option<DupJson>,
    /// Squared robust Mahalanobis distance within the class.
    pub mcd_distance2: Option<f64>,
    /// Isolation-forest score within the class.
    pub iforest_score: Option<f64>,
    /// Index into `triggers`.
    pub trigger: Option<usize>,
    /// Codes of the checks that fired.
    pub reasons: Vec<&'static str>,
}

/// Duplicate membership of a row.
#[derive(Debug, Serialize)]
pub struct DupJson {
    /// `exact` or `near`.
    pub kind: &'static str,
    /// Share of the rest of the group with another label.
    pub conflict_share: f64,
}

/// A conflicting duplicate group.
#[derive(Debug, Serialize)]
pub struct DuplicateJson {
    /// Identical (true) or near-identical rows.
    pub exact: bool,
    /// Row indices.
    pub rows: Vec<usize>,
    /// Their labels, in the same order.
    pub labels: Vec<String>,
}

/// A trigger candidate.
#[derive(Debug, Serialize)]
pub struct TriggerJson {
    /// One or two conditions, all of which hold on the bin's rows.
    pub conditions: Vec<ConditionJson>,
    /// The label the bin predicts.
    pub label: String,
    /// Rows in the bin.
    pub support: usize,
    /// Share of them with `label`.
    pub purity: f64,
    /// `purity` over the label's share in the whole data.
    pub lift: f64,
    /// Share of `label` among the bin rows' neighbours by the other features.
    pub neighbour_share: f64,
    /// The bin's rows with `label` (the suspects).
    pub rows: Vec<usize>,
}

/// `low <= column <= high`, in the column's units (for a category feature: `value`).
#[derive(Debug, Serialize)]
pub struct ConditionJson {
    /// Source column.
    pub column: String,
    /// Encoded feature name.
    pub feature: String,
    /// Lower bound (numeric features).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    /// Upper bound (numeric features).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    /// Category (one-hot features) or `missing`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Present (true) or absent (false), for indicator features.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub present: Option<bool>,
}

/// Options of the rendering that are not part of the screens.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// The data file's name as given.
    pub file: String,
    /// Suspect-share threshold of the verdict.
    pub threshold: f64,
    /// Suspects listed.
    pub top: usize,
}

impl PoisonReport {
    /// True when the suspect share exceeds `threshold` or a trigger candidate was found.
    pub fn fails(&self, threshold: f64) -> bool {
        self.suspect_share() > threshold || !self.triggers.is_empty()
    }

    /// The combined scores binned in tenths.
    pub fn histogram(&self) -> Vec<usize> {
        let mut h = vec![0; 10];
        for r in &self.scores {
            h[((r.score * 10.0) as usize).min(9)] += 1;
        }
        h
    }

    fn suspect_json(&self, r: &RowScore) -> SuspectJson {
        SuspectJson {
            row: r.row,
            label: self.label(r.label).to_string(),
            score: r.score,
            knn_score: r.knn_score,
            knn_label: self.label(r.knn_label).to_string(),
            duplicate: r.duplicate.map(|(k, s)| DupJson {
                kind: match k {
                    DupKind::Exact => "exact",
                    DupKind::Near => "near",
                },
                conflict_share: s,
            }),
            mcd_distance2: r.mcd_distance2,
            iforest_score: r.iforest_score,
            trigger: r.trigger,
            reasons: r.reasons.clone(),
        }
    }

    /// A trigger condition in its column's units.
    pub fn condition_json(&self, c: &super::trigger::Condition) -> ConditionJson {
        let info = &self.features[c.feature];
        let (low, high, value, present) = match &info.kind {
            FeatureKind::Numeric { .. } => (
                Some(self.encoder.original_value(c.feature, c.lo)),
                Some(self.encoder.original_value(c.feature, c.hi)),
                None,
                None,
            ),
            FeatureKind::Category(s) => (None, None, Some(s.clone()), Some(c.lo >= 0.5)),
            FeatureKind::OtherCategory => (None, None, Some("<other>".into()), Some(c.lo >= 0.5)),
            FeatureKind::Missing => (None, None, Some("<missing>".into()), Some(c.lo >= 0.5)),
        };
        ConditionJson {
            column: info.column.clone(),
            feature: info.name.clone(),
            low,
            high,
            value,
            present,
        }
    }

    /// The `mlsec.poison/v1` document.
    pub fn to_json(&self, opts: &RenderOptions) -> PoisonJson {
        let suspects = self.suspects();
        let label_of_row: std::collections::HashMap<usize, u32> =
            self.scores.iter().map(|r| (r.row, r.label)).collect();
        PoisonJson {
            schema: SCHEMA,
            file: opts.file.clone(),
            label_column: self.label_column.clone(),
            rows: self.rows,
            screened_rows: self.scores.len(),
            unlabelled_rows: self.unlabelled,
            verdict: if self.fails(opts.threshold) {
                "fail"
            } else {
                "pass"
            },
            suspect_rows: suspects.len(),
            suspect_share: self.suspect_share(),
            threshold: opts.threshold,
            settings: SettingsJson {
                k: self.k,
                knn_method: self.knn_method,
                seed: self.config.seed,
                min_score: self.config.min_score,
                near_dup_eps: self.config.near_dup_eps,
                outlier_quantile: self.config.outlier_quantile,
                iforest_cutoff: self.config.iforest_cutoff,
            },
            classes: self
                .classes
                .iter()
                .map(|c| ClassJson {
                    label: c.label.clone(),
                    rows: c.rows,
                    mcd_h: c.mcd_h,
                    mcd_features: c.mcd_features,
                    mcd_cutoff: c.mcd_cutoff,
                    outliers: c.outliers,
                })
                .collect(),
            features: self.features.iter().map(|f| f.name.clone()).collect(),
            dropped_columns: self
                .dropped
                .iter()
                .map(|(c, r)| DroppedJson {
                    column: c.clone(),
                    reason: r.clone(),
                })
                .collect(),
            checks: self
                .counts()
                .into_iter()
                .map(|(c, rows)| CheckJson {
                    code: c.code,
                    name: c.name,
                    summary: c.summary,
                    rows,
                })
                .collect(),
            suspects: suspects
                .iter()
                .take(opts.top)
                .map(|r| self.suspect_json(r))
                .collect(),
            duplicates: self
                .duplicates
                .iter()
                .map(|g| DuplicateJson {
                    exact: g.exact,
                    rows: g.rows.clone(),
                    labels: g
                        .rows
                        .iter()
                        .map(|r| self.label(label_of_row[r]).to_string())
                        .collect(),
                })
                .collect(),
            triggers: self
                .triggers
                .iter()
                .map(|t| TriggerJson {
                    conditions: t
                        .conditions
                        .iter()
                        .map(|c| self.condition_json(c))
                        .collect(),
                    label: self.label(t.target).to_string(),
                    support: t.support,
                    purity: t.purity,
                    lift: t.lift,
                    neighbour_share: t.neighbour_share,
                    rows: t.rows.clone(),
                })
                .collect(),
            score_histogram: self.histogram(),
        }
    }
}
