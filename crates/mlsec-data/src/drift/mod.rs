//! The drift engine: compares a reference (a profile, or a data file profiled on the fly) with a
//! current dataset column by column and decides dataset drift.
//!
//! Default test selection is Evidently's `DataDriftPreset` (`get_default_stattest`):
//!
//! | reference rows | column | distinct values (ref ∪ cur) | test | drift when |
//! |---|---|---|---|---|
//! | ≤ 1000 | numeric | > 5 | KS | p < 0.05 |
//! | ≤ 1000 | numeric or categorical | 3 … 5 (numeric) / > 2 | chi-square | p < 0.05 |
//! | ≤ 1000 | numeric or categorical | ≤ 2 | Z-test | p < 0.05 |
//! | > 1000 | numeric | > 5 | Wasserstein / ref std | ≥ 0.1 |
//! | > 1000 | numeric ≤ 5 values, categorical | | Jensen–Shannon | ≥ 0.1 |
//!
//! and the dataset drifts when the share of drifted feature columns is ≥ 0.5.
//!
//! `Mode::Strict` flags a column only when a test is significant **and** a distance is material:
//! numeric KS p < 0.05 and normalised Wasserstein ≥ 0.1; categorical chi-square (2×K contingency)
//! p < 0.05 and Jensen–Shannon ≥ 0.1. Large samples make every tiny shift significant, small
//! samples make every distance noisy; requiring both avoids alarms from either.

mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use tests::{ALL_TESTS, DriftTest};

use crate::profile::{ColumnProfile, Distribution, Profile};
use crate::schema::{ColumnRole, ColumnType};
use crate::stats::{self, Ecdf};

/// The `schema` value of the drift JSON.
pub const DRIFT_SCHEMA: &str = "mlsec.drift/v1";

/// Label under which a profile's overflow categories are compared.
pub const OTHER_LABEL: &str = "__other__";

/// How tests are chosen and columns judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Evidently's `DataDriftPreset` defaults.
    #[default]
    Evidently,
    /// A significant test and a material distance.
    Strict,
}

impl Mode {
    /// Name in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Evidently => "evidently",
            Mode::Strict => "strict",
        }
    }
}

/// A test with an optional threshold override.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TestChoice {
    /// The test.
    pub test: DriftTest,
    /// Threshold (the test's default when `None`).
    pub threshold: Option<f64>,
}

/// Options of a drift run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DriftOptions {
    /// Test selection mode (ignored for columns with an explicit test).
    pub mode: Mode,
    /// Tests to use by type, in order of preference: the first that applies to a column wins.
    pub tests: Vec<TestChoice>,
    /// Per-column tests.
    pub column_tests: BTreeMap<String, TestChoice>,
    /// Share of drifted feature columns at which the dataset drifts (0.5 when `None`).
    pub drift_share: Option<f64>,
}

/// Data behind a column's plot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Plot {
    /// Numeric: shares per bin.
    Histogram {
        /// Bin edges.
        edges: Vec<f64>,
        /// Reference share per bin.
        reference: Vec<f64>,
        /// Current share per bin.
        current: Vec<f64>,
    },
    /// Categorical (or few-valued numeric): shares per label.
    Categories {
        /// Labels.
        labels: Vec<String>,
        /// Reference share per label.
        reference: Vec<f64>,
        /// Current share per label.
        current: Vec<f64>,
    },
}

/// A second measure (strict mode: the distance that must also be material).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distance {
    /// Test name.
    pub test: String,
    /// Value.
    pub value: f64,
    /// Threshold (drift needs value ≥ threshold).
    pub threshold: f64,
}

/// One column's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDrift {
    /// Column name.
    pub name: String,
    /// Column type.
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// Column role.
    pub role: ColumnRole,
    /// Test name.
    pub test: String,
    /// The test's statistic (the distance for distance tests).
    pub statistic: f64,
    /// p-value; `null` for distance-only tests.
    pub p_value: Option<f64>,
    /// Threshold: p < threshold or distance ≥ threshold means drift.
    pub threshold: f64,
    /// Verdict.
    pub drift: bool,
    /// Strict mode's second measure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance: Option<Distance>,
    /// Non-missing values compared (reference, current).
    pub reference_count: u64,
    /// Non-missing current values.
    pub current_count: u64,
    /// Missing share in the reference.
    pub reference_missing_share: f64,
    /// Missing share in the current data.
    pub current_missing_share: f64,
    /// Why the result is approximate or skipped, if it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Distributions for the report.
    pub plot: Plot,
}

/// Where a side of the comparison came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// File path.
    pub path: String,
    /// Rows.
    pub rows: u64,
    /// sha256 of the file (and of the schema).
    pub fingerprint: SourceFingerprint,
}

/// File and schema digests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceFingerprint {
    /// sha256 of the data file's bytes.
    pub sha256: String,
    /// sha256 of the column list.
    pub schema_sha256: String,
}

/// The dataset-level verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetDrift {
    /// Feature columns tested.
    pub columns: usize,
    /// Of which drifted.
    pub drifted: usize,
    /// `drifted / columns`.
    pub share: f64,
    /// Share at which the dataset drifts.
    pub threshold: f64,
    /// Verdict.
    pub drift: bool,
}

/// The whole drift report (`mlsec.drift/v1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    /// Always [`DRIFT_SCHEMA`].
    pub schema: String,
    /// Mode used.
    pub mode: Mode,
    /// Reference side.
    pub reference: Source,
    /// Current side.
    pub current: Source,
    /// Per-column verdicts (features first, then target / prediction columns).
    pub columns: Vec<ColumnDrift>,
    /// Data-quality findings (filled by the quality checks; empty otherwise).
    pub quality: Vec<serde_json::Value>,
    /// Columns present on one side only.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub unmatched_columns: Vec<String>,
    /// Dataset verdict over feature columns.
    pub dataset: DatasetDrift,
    /// The target column's drift, when a column has role `target`.
    pub target_drift: Option<ColumnDrift>,
    /// The prediction column's drift, when a column has role `prediction`.
    pub prediction_drift: Option<ColumnDrift>,
}

/// Aligned inputs of one column.
enum Pair {
    Num(Ecdf, Ecdf),
    Cat(Vec<String>, Vec<u64>, Vec<u64>),
}

fn categories(p: &ColumnProfile) -> BTreeMap<String, u64> {
    match &p.distribution {
        Distribution::Categorical(c) => {
            let mut m = c.counts.clone();
            if c.other > 0 {
                m.insert(OTHER_LABEL.to_string(), c.other);
            }
            m
        }
        Distribution::Numeric(n) => n
            .values
            .iter()
            .zip(&n.counts)
            .map(|(v, c)| (fmt_num(*v), *c))
            .collect(),
        Distribution::None => BTreeMap::new(),
    }
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn align(
    r: &BTreeMap<String, u64>,
    c: &BTreeMap<String, u64>,
) -> (Vec<String>, Vec<u64>, Vec<u64>) {
    let mut labels: Vec<String> = r.keys().chain(c.keys()).cloned().collect();
    labels.sort();
    labels.dedup();
    let rc = labels
        .iter()
        .map(|l| r.get(l).copied().unwrap_or(0))
        .collect();
    let cc = labels
        .iter()
        .map(|l| c.get(l).copied().unwrap_or(0))
        .collect();
    (labels, rc, cc)
}

fn shares(c: &[u64]) -> Vec<f64> {
    let t: u64 = c.iter().sum();
    c.iter()
        .map(|&x| if t == 0 { 0.0 } else { x as f64 / t as f64 })
        .collect()
}

/// Computes one test on a column pair: `(statistic, p_value)`.
fn run_test(test: DriftTest, pair: &Pair) -> (f64, Option<f64>) {
    match pair {
        Pair::Num(r, c) => match test {
            DriftTest::Ks => {
                let k = stats::ks_2samp(r, c, None);
                (k.statistic, Some(k.p_value))
            }
            DriftTest::Wasserstein => (stats::wasserstein_norm(r, c), None),
            DriftTest::Psi => (stats::evidently_psi(r, c), None),
            DriftTest::KlDiv => (stats::evidently_kl_div(r, c), None),
            DriftTest::Jensenshannon => (stats::evidently_jensenshannon(r, c), None),
            DriftTest::Hellinger => (stats::evidently_hellinger(r, c), None),
            DriftTest::Energy => (stats::energy_distance(r, c), None),
            DriftTest::Anderson => {
                let a = stats::anderson_ksamp(&[r, c]);
                (a.statistic, Some(a.p_value))
            }
            DriftTest::Cvm => {
                let a = stats::cramervonmises_2samp(r, c);
                (a.statistic, Some(a.p_value))
            }
            DriftTest::Chisquare | DriftTest::Chi2Contingency | DriftTest::GTest | DriftTest::Z => {
                let to_map = |e: &Ecdf| -> BTreeMap<String, u64> {
                    e.values
                        .iter()
                        .zip(&e.counts)
                        .map(|(v, c)| (fmt_num(*v), *c))
                        .collect()
                };
                let (l, rc, cc) = align(&to_map(r), &to_map(c));
                run_test(test, &Pair::Cat(l, rc, cc))
            }
        },
        Pair::Cat(_, r, c) => match test {
            DriftTest::Chisquare => {
                let x = stats::evidently_chisquare(r, c);
                (x.statistic, Some(x.p_value))
            }
            DriftTest::Chi2Contingency => {
                let x = stats::chi2_contingency(r, c, true);
                (x.statistic, Some(x.p_value))
            }
            DriftTest::GTest => {
                let x = stats::g_test(r, c);
                (x.statistic, Some(x.p_value))
            }
            DriftTest::Z => {
                let (z, p) = stats::z_test_proportions(r, c);
                (z, Some(p))
            }
            DriftTest::Psi => (stats::cat_psi(r, c), None),
            DriftTest::KlDiv => (stats::cat_kl_div(r, c), None),
            DriftTest::Hellinger => (stats::cat_hellinger(r, c), None),
            _ => (stats::cat_jensenshannon(r, c), None),
        },
    }
}

fn evidently_default(ty: ColumnType, pair: &Pair) -> DriftTest {
    let (ref_rows, n_values, numeric) = match pair {
        Pair::Num(r, c) => (r.total(), r.merge(c).distinct(), true),
        Pair::Cat(l, r, c) => (
            r.iter().sum::<u64>(),
            l.iter()
                .zip(r.iter().zip(c))
                .filter(|(_, (a, b))| **a + **b > 0)
                .count(),
            false,
        ),
    };
    let numeric = numeric && ty != ColumnType::Categorical;
    if ref_rows <= 1000 {
        if numeric && n_values > 5 {
            DriftTest::Ks
        } else if n_values > 2 {
            DriftTest::Chisquare
        } else {
            DriftTest::Z
        }
    } else if numeric && n_values > 5 {
        DriftTest::Wasserstein
    } else {
        DriftTest::Jensenshannon
    }
}

fn plot(pair: &Pair) -> Plot {
    match pair {
        Pair::Num(r, c) => {
            let b = stats::evidently_bins(r, c);
            match b.bins {
                stats::Bins::Edges(edges) => Plot::Histogram {
                    edges,
                    reference: b.reference,
                    current: b.current,
                },
                stats::Bins::Values(v) => Plot::Categories {
                    labels: v.iter().map(|x| fmt_num(*x)).collect(),
                    reference: b.reference,
                    current: b.current,
                },
            }
        }
        Pair::Cat(l, r, c) => Plot::Categories {
            labels: l.clone(),
            reference: shares(r),
            current: shares(c),
        },
    }
}

fn decide(test: DriftTest, stat: f64, p: Option<f64>, threshold: f64) -> bool {
    if test.is_p_value() {
        p.is_some_and(|p| p < threshold)
    } else {
        stat >= threshold
    }
}

fn compare_column(
    r: &ColumnProfile,
    c: &ColumnProfile,
    opts: &DriftOptions,
) -> Option<ColumnDrift> {
    if matches!(r.role, ColumnRole::Id | ColumnRole::Ignore) || r.ty == ColumnType::Text {
        return None;
    }
    let mut note = None;
    let pair = match (&r.distribution, &c.distribution) {
        (Distribution::Numeric(a), Distribution::Numeric(b)) => {
            if a.rank_error > 0 || b.rank_error > 0 {
                note = Some(format!(
                    "approximate: compressed distributions (ECDF within {} reference / {} current observations)",
                    a.rank_error, b.rank_error
                ));
            }
            Pair::Num(a.ecdf(), b.ecdf())
        }
        (Distribution::None, _) | (_, Distribution::None) => return None,
        _ => {
            let (l, rc, cc) = align(&categories(r), &categories(c));
            if r.ty != c.ty {
                note = Some(format!(
                    "type changed: {} in reference, {} in current; compared as categories",
                    r.ty.as_str(),
                    c.ty.as_str()
                ));
            }
            Pair::Cat(l, rc, cc)
        }
    };
    let (rn, cn) = match &pair {
        Pair::Num(a, b) => (a.total(), b.total()),
        Pair::Cat(_, a, b) => (a.iter().sum(), b.iter().sum()),
    };
    let ty = if matches!(pair, Pair::Cat(..)) && r.ty != c.ty {
        ColumnType::Categorical
    } else {
        r.ty
    };
    let miss = |p: &ColumnProfile| {
        if p.count == 0 {
            0.0
        } else {
            p.missing as f64 / p.count as f64
        }
    };
    let base = |test: String, statistic, p_value, threshold, drift, distance, note| ColumnDrift {
        name: r.name.clone(),
        ty,
        role: r.role,
        test,
        statistic,
        p_value,
        threshold,
        drift,
        distance,
        reference_count: rn,
        current_count: cn,
        reference_missing_share: miss(r),
        current_missing_share: miss(c),
        note,
        plot: plot(&pair),
    };
    if rn == 0 || cn == 0 {
        return Some(base(
            "none".into(),
            f64::NAN,
            None,
            0.0,
            false,
            None,
            Some("no values on one side; not tested (see the quality checks)".into()),
        ));
    }
    let chosen = opts
        .column_tests
        .get(&r.name)
        .copied()
        .or_else(|| opts.tests.iter().copied().find(|t| t.test.applies_to(ty)));
    if let Some(choice) = chosen {
        let threshold = choice.threshold.unwrap_or(choice.test.default_threshold());
        let (s, p) = run_test(choice.test, &pair);
        let d = decide(choice.test, s, p, threshold);
        return Some(base(
            choice.test.name().into(),
            s,
            p,
            threshold,
            d,
            None,
            note,
        ));
    }
    match opts.mode {
        Mode::Evidently => {
            let t = evidently_default(ty, &pair);
            let threshold = t.default_threshold();
            let (s, p) = run_test(t, &pair);
            let d = decide(t, s, p, threshold);
            Some(base(t.name().into(), s, p, threshold, d, None, note))
        }
        Mode::Strict => {
            let (t, dist) = match pair {
                Pair::Num(..) if ty != ColumnType::Categorical => {
                    (DriftTest::Ks, DriftTest::Wasserstein)
                }
                _ => (DriftTest::Chi2Contingency, DriftTest::Jensenshannon),
            };
            let (s, p) = run_test(t, &pair);
            let (dv, _) = run_test(dist, &pair);
            let threshold = t.default_threshold();
            let dthr = dist.default_threshold();
            let d = decide(t, s, p, threshold) && dv >= dthr;
            Some(base(
                t.name().into(),
                s,
                p,
                threshold,
                d,
                Some(Distance {
                    test: dist.name().into(),
                    value: dv,
                    threshold: dthr,
                }),
                note,
            ))
        }
    }
}

fn source(p: &Profile) -> Source {
    Source {
        path: p.fingerprint.path.clone(),
        rows: p.rows,
        fingerprint: SourceFingerprint {
            sha256: p.fingerprint.sha256.clone(),
            schema_sha256: p.fingerprint.schema_sha256.clone(),
        },
    }
}

/// Compares two profiles (a data file's profile is exact up to the profile limits).
pub fn compare(reference: &Profile, current: &Profile, opts: &DriftOptions) -> DriftReport {
    let mut columns = Vec::new();
    let mut unmatched = Vec::new();
    for r in &reference.columns {
        match current.columns.iter().find(|c| c.name == r.name) {
            Some(c) => columns.extend(compare_column(r, c, opts)),
            None => unmatched.push(r.name.clone()),
        }
    }
    for c in &current.columns {
        if !reference.columns.iter().any(|r| r.name == c.name) {
            unmatched.push(c.name.clone());
        }
    }
    // features first, then target / prediction, keeping file order inside each group
    columns.sort_by_key(|c| !matches!(c.role, ColumnRole::Feature | ColumnRole::Sensitive));
    let features: Vec<&ColumnDrift> = columns
        .iter()
        .filter(|c| {
            matches!(c.role, ColumnRole::Feature | ColumnRole::Sensitive) && c.test != "none"
        })
        .collect();
    let drifted = features.iter().filter(|c| c.drift).count();
    let threshold = opts.drift_share.unwrap_or(0.5);
    let share = if features.is_empty() {
        0.0
    } else {
        drifted as f64 / features.len() as f64
    };
    let by_role = |role| columns.iter().find(|c| c.role == role).cloned();
    DriftReport {
        schema: DRIFT_SCHEMA.to_string(),
        mode: opts.mode,
        reference: source(reference),
        current: source(current),
        dataset: DatasetDrift {
            columns: features.len(),
            drifted,
            share,
            threshold,
            drift: !features.is_empty() && share >= threshold,
        },
        target_drift: by_role(ColumnRole::Target),
        prediction_drift: by_role(ColumnRole::Prediction),
        columns,
        quality: Vec::new(),
        unmatched_columns: unmatched,
    }
}

impl DriftReport {
    /// The report as a JSON value (`mlsec.drift/v1`), non-finite numbers as `null`.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("report serialises")
    }

    /// Pretty JSON with non-finite numbers written as `null`.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.to_value()).expect("value serialises")
    }

    /// True when any column (feature, target or prediction) drifted.
    pub fn any_column_drift(&self) -> bool {
        self.columns.iter().any(|c| c.drift)
    }
}
