//! Turning a [`Frame`] into a dense numeric matrix that distances make sense on.
//!
//! - Numeric and datetime columns are centred on the median and divided by the MAD (scaled by
//!   1.4826 so that it estimates the standard deviation of normal data). A poisoned minority
//!   cannot drag a median or a MAD far, where it can drag a mean and a standard deviation.
//!   When the MAD is zero (more than half the values equal) the IQR, then the standard
//!   deviation, stands in; a constant column is dropped.
//! - Categorical columns are one-hot encoded over their most frequent values (the label is
//!   never used, so the encoding cannot leak it); the rest share an "other" indicator.
//! - Missing values are imputed with the median (0 after centring) or the "missing" category,
//!   and a 0/1 "missing" indicator column is added so that missingness itself counts.
//! - Text columns and columns whose role is target, prediction, id or ignore are left out.

use std::collections::HashMap;

use crate::schema::{ColumnRole, ColumnType};
use crate::table::{ColumnData, Frame};

/// The encoded feature matrix, row-major.
#[derive(Debug, Clone)]
pub struct Features {
    /// Number of rows.
    pub n: usize,
    /// Number of encoded features.
    pub d: usize,
    /// `n × d` values, row-major.
    pub data: Vec<f64>,
    /// One entry per encoded feature.
    pub features: Vec<FeatureInfo>,
    /// Columns that were left out, with the reason.
    pub dropped: Vec<(String, String)>,
}

/// Where an encoded feature came from and how to map it back to the column's units.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureInfo {
    /// The encoded feature's name (`age`, `colour=red`, `age:missing`).
    pub name: String,
    /// The source column.
    pub column: String,
    /// How it was encoded.
    pub kind: FeatureKind,
}

/// How an encoded feature relates to its column.
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureKind {
    /// `(x - centre) / scale` of a numeric column.
    Numeric {
        /// The median.
        centre: f64,
        /// The MAD × 1.4826 (or the fallback spread).
        scale: f64,
    },
    /// 1 when the column has this category.
    Category(String),
    /// 1 when the column's value is in none of the encoded categories.
    OtherCategory,
    /// 1 when the column's value is missing.
    Missing,
}

impl Features {
    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.d..(i + 1) * self.d]
    }

    /// Column `j` as a vector.
    pub fn column(&self, j: usize) -> Vec<f64> {
        (0..self.n).map(|i| self.data[i * self.d + j]).collect()
    }

    /// A feature value in the units of its source column (the inverse of the standardisation).
    pub fn original_value(&self, j: usize, z: f64) -> f64 {
        match self.features[j].kind {
            FeatureKind::Numeric { centre, scale } => centre + z * scale,
            _ => z,
        }
    }
}

/// Encodes the feature columns of `frame` for the rows in `rows` (others, such as rows without
/// a label, are skipped), excluding `label`.
pub fn encode(frame: &Frame, label: &str, rows: &[usize], max_categories: usize) -> Features {
    let n = rows.len();
    let mut cols: Vec<(FeatureInfo, Vec<f64>)> = Vec::new();
    let mut dropped = Vec::new();
    for c in &frame.columns {
        if c.name == label {
            continue;
        }
        match c.role {
            ColumnRole::Target | ColumnRole::Prediction | ColumnRole::Id | ColumnRole::Ignore => {
                dropped.push((c.name.clone(), format!("role {}", c.role.as_str())));
                continue;
            }
            ColumnRole::Feature | ColumnRole::Sensitive => {}
        }
        match (&c.data, c.ty) {
            (ColumnData::Numeric(v), ColumnType::Numeric | ColumnType::Datetime) => {
                let vals: Vec<f64> = rows.iter().map(|&r| v[r]).collect();
                encode_numeric(&c.name, &vals, &mut cols, &mut dropped);
            }
            (ColumnData::Numeric(v), _) => {
                // A numeric column declared categorical: its values are the categories.
                let vals: Vec<Option<String>> = rows
                    .iter()
                    .map(|&r| (!v[r].is_nan()).then(|| format_number(v[r])))
                    .collect();
                encode_categorical(&c.name, &vals, max_categories, &mut cols, &mut dropped);
            }
            (ColumnData::Text(_), ColumnType::Text) => {
                dropped.push((c.name.clone(), "free text".into()));
            }
            (ColumnData::Text(v), _) => {
                let vals: Vec<Option<String>> = rows.iter().map(|&r| v[r].clone()).collect();
                encode_categorical(&c.name, &vals, max_categories, &mut cols, &mut dropped);
            }
        }
    }
    let d = cols.len();
    let mut data = vec![0.0; n * d];
    for (j, (_, v)) in cols.iter().enumerate() {
        for (i, x) in v.iter().enumerate() {
            data[i * d + j] = *x;
        }
    }
    Features {
        n,
        d,
        data,
        features: cols.into_iter().map(|(f, _)| f).collect(),
        dropped,
    }
}

/// Formats a number the way a CSV would have written it (`3`, not `3.0`).
pub fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// The median of `v` (which must not be empty or hold NaN); reorders `v`.
pub fn median(v: &mut [f64]) -> f64 {
    let n = v.len();
    let mid = n / 2;
    let (_, m, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    let m = *m;
    if n % 2 == 1 {
        m
    } else {
        let lower = v[..mid].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lower + m) / 2.0
    }
}

/// Linear-interpolation quantile (NumPy's default) of a sorted slice.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Median and spread used to standardise a column: MAD × 1.4826, else IQR / 1.349, else the
/// standard deviation; `None` when the column is constant.
pub fn robust_scale(present: &[f64]) -> Option<(f64, f64)> {
    if present.is_empty() {
        return None;
    }
    let mut v = present.to_vec();
    let med = median(&mut v);
    let mut dev: Vec<f64> = present.iter().map(|x| (x - med).abs()).collect();
    let mad = median(&mut dev) * 1.482_602_218_505_602;
    if mad > 0.0 && mad.is_finite() {
        return Some((med, mad));
    }
    v.sort_unstable_by(f64::total_cmp);
    let iqr = (quantile_sorted(&v, 0.75) - quantile_sorted(&v, 0.25)) / 1.348_979_500_392_163;
    if iqr > 0.0 && iqr.is_finite() {
        return Some((med, iqr));
    }
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64;
    let sd = var.sqrt();
    (sd > 0.0 && sd.is_finite()).then_some((med, sd))
}

fn encode_numeric(
    name: &str,
    vals: &[f64],
    cols: &mut Vec<(FeatureInfo, Vec<f64>)>,
    dropped: &mut Vec<(String, String)>,
) {
    let present: Vec<f64> = vals.iter().copied().filter(|x| x.is_finite()).collect();
    let missing = vals.len() - present.len();
    let Some((centre, scale)) = robust_scale(&present) else {
        dropped.push((name.to_string(), "constant".into()));
        return;
    };
    let z = vals
        .iter()
        .map(|&x| {
            if x.is_finite() {
                (x - centre) / scale
            } else {
                0.0
            }
        })
        .collect();
    cols.push((
        FeatureInfo {
            name: name.to_string(),
            column: name.to_string(),
            kind: FeatureKind::Numeric { centre, scale },
        },
        z,
    ));
    if missing > 0 {
        cols.push((
            FeatureInfo {
                name: format!("{name}:missing"),
                column: name.to_string(),
                kind: FeatureKind::Missing,
            },
            vals.iter()
                .map(|x| if x.is_finite() { 0.0 } else { 1.0 })
                .collect(),
        ));
    }
}

fn encode_categorical(
    name: &str,
    vals: &[Option<String>],
    max_categories: usize,
    cols: &mut Vec<(FeatureInfo, Vec<f64>)>,
    dropped: &mut Vec<(String, String)>,
) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for v in vals.iter().flatten() {
        *counts.entry(v.as_str()).or_default() += 1;
    }
    let missing = vals.iter().filter(|v| v.is_none()).count();
    if counts.len() + usize::from(missing > 0) <= 1 {
        dropped.push((name.to_string(), "constant".into()));
        return;
    }
    let mut by_freq: Vec<(&str, usize)> = counts.into_iter().collect();
    by_freq.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let kept: Vec<&str> = by_freq
        .iter()
        .take(max_categories)
        .map(|(s, _)| *s)
        .collect();
    let index: HashMap<&str, usize> = kept.iter().enumerate().map(|(i, s)| (*s, i)).collect();
    let has_other = by_freq.len() > kept.len();
    let base = cols.len();
    for s in &kept {
        cols.push((
            FeatureInfo {
                name: format!("{name}={s}"),
                column: name.to_string(),
                kind: FeatureKind::Category((*s).to_string()),
            },
            vec![0.0; vals.len()],
        ));
    }
    let other = has_other.then(|| {
        cols.push((
            FeatureInfo {
                name: format!("{name}=<other>"),
                column: name.to_string(),
                kind: FeatureKind::OtherCategory,
            },
            vec![0.0; vals.len()],
        ));
        cols.len() - 1
    });
    let miss = (missing > 0).then(|| {
        cols.push((
            FeatureInfo {
                name: format!("{name}:missing"),
                column: name.to_string(),
                kind: FeatureKind::Missing,
            },
            vec![0.0; vals.len()],
        ));
        cols.len() - 1
    });
    for (i, v) in vals.iter().enumerate() {
        let j = match v {
            None => miss,
            Some(s) => index.get(s.as_str()).map(|k| base + k).or(other),
        };
        if let Some(j) = j {
            cols[j].1[i] = 1.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{Column, Format};

    fn frame() -> Frame {
        Frame {
            columns: vec![
                Column {
                    name: "x".into(),
                    ty: ColumnType::Numeric,
                    role: ColumnRole::Feature,
                    data: ColumnData::Numeric(vec![1.0, 2.0, 3.0, f64::NAN, 100.0]),
                },
                Column {
                    name: "c".into(),
                    ty: ColumnType::Categorical,
                    role: ColumnRole::Feature,
                    data: ColumnData::Text(vec![
                        Some("a".into()),
                        Some("b".into()),
                        Some("a".into()),
                        None,
                        Some("c".into()),
                    ]),
                },
                Column {
                    name: "k".into(),
                    ty: ColumnType::Numeric,
                    role: ColumnRole::Feature,
                    data: ColumnData::Numeric(vec![5.0; 5]),
                },
                Column {
                    name: "y".into(),
                    ty: ColumnType::Categorical,
                    role: ColumnRole::Feature,
                    data: ColumnData::Text(vec![Some("0".into()); 5]),
                },
            ],
            rows: 5,
            format: Format::Csv { delimiter: b',' },
        }
    }

    #[test]
    fn robust_standardisation_one_hot_and_missing_flags() {
        let f = encode(&frame(), "y", &[0, 1, 2, 3, 4], 2);
        let names: Vec<&str> = f.features.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["x", "x:missing", "c=a", "c=b", "c=<other>", "c:missing"]
        );
        assert_eq!(f.dropped, vec![("k".to_string(), "constant".to_string())]);
        // median of 1,2,3,100 = 2.5; |dev| = 1.5,0.5,0.5,97.5 -> MAD = 1.0
        let s = 1.482_602_218_505_602;
        assert!((f.row(0)[0] - (-1.5 / s)).abs() < 1e-12);
        assert_eq!(f.row(3)[0], 0.0);
        assert_eq!(f.row(3)[1], 1.0);
        assert_eq!(&f.row(4)[2..], &[0.0, 0.0, 1.0, 0.0]);
        assert_eq!(&f.row(3)[2..], &[0.0, 0.0, 0.0, 1.0]);
        assert!((f.original_value(0, f.row(4)[0]) - 100.0).abs() < 1e-9);
    }

    #[test]
    fn median_and_quantiles() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(quantile_sorted(&[1.0, 2.0, 3.0, 4.0], 0.25), 1.75);
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(0.5), "0.5");
    }
}
