//! Reference profiles: everything the drift engine needs from a dataset, small enough to ship
//! with a model and mergeable across chunks, built by streaming record batches so memory stays
//! bounded on files larger than RAM.
//!
//! Per numeric column a profile keeps the empirical distribution as sorted distinct values with
//! counts — exact while there are at most `max_points` distinct values, and beyond that a
//! deterministic compression to about `max_points / 2` weighted points whose ECDF is within
//! `rank_error` observations of the exact one everywhere (so a KS statistic against it is within
//! `rank_error / count` of the exact statistic; the bound is written in the profile). Per
//! categorical column it keeps the label counts (at most `max_categories` labels, the rest summed
//! under `other`). `profile(A) ⊕ profile(B) = profile(A ∪ B)` exactly while nothing is compressed.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use arrow_array::RecordBatch;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::schema::{ColumnRole, ColumnType, Schema};
use crate::stats::{self, Ecdf};
use crate::table::{self, DataError, ReadOptions};

/// The `schema` value of a serialised profile.
pub const PROFILE_SCHEMA: &str = "mlsec.profile/v1";

/// Limits of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileLimits {
    /// Distinct numeric values kept exactly per column before compression.
    pub max_points: usize,
    /// Labels kept per categorical column before the rest go to `other`.
    pub max_categories: usize,
}

impl Default for ProfileLimits {
    fn default() -> Self {
        ProfileLimits {
            max_points: 200_000,
            max_categories: 10_000,
        }
    }
}

/// A numeric column's distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericProfile {
    /// Sorted distinct values (or compressed points).
    pub values: Vec<f64>,
    /// Observations per value.
    pub counts: Vec<u64>,
    /// Largest possible difference, in observations, between this ECDF and the exact one
    /// (0 = exact).
    pub rank_error: u64,
    /// Smallest value seen.
    pub min: f64,
    /// Largest value seen.
    pub max: f64,
    /// Mean of the non-missing values.
    pub mean: f64,
    /// Population standard deviation of the non-missing values.
    pub std: f64,
    /// Sum of squared deviations (Chan's merge; gives `std` after a merge of compressed parts).
    #[serde(default)]
    pub m2: f64,
}

/// A categorical column's label counts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CategoricalProfile {
    /// Label → count.
    pub counts: BTreeMap<String, u64>,
    /// Observations of labels beyond the cap.
    pub other: u64,
}

/// The distribution part of a column profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Distribution {
    /// Numeric and datetime columns.
    Numeric(NumericProfile),
    /// Categorical columns.
    Categorical(CategoricalProfile),
    /// Text, id and ignored columns: counted, not profiled.
    None,
}

/// One column of a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    /// Column name.
    pub name: String,
    /// Type.
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// Role.
    pub role: ColumnRole,
    /// Rows (missing included).
    pub count: u64,
    /// Missing values.
    pub missing: u64,
    /// The distribution.
    pub distribution: Distribution,
    /// Sturges histogram of the column alone (for display; drift tests use `values`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub histogram: Option<Histogram>,
}

/// Equal-width histogram.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// Bin edges (one more than counts).
    pub edges: Vec<f64>,
    /// Observations per bin.
    pub counts: Vec<u64>,
}

/// Where a profile came from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Fingerprint {
    /// The data file (as given).
    pub path: String,
    /// sha256 of the file bytes (hex); empty for merged profiles of several files.
    pub sha256: String,
    /// File size in bytes.
    pub bytes: u64,
    /// sha256 of the column list `name:type:role` joined by newlines.
    pub schema_sha256: String,
}

/// A reference profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Always [`PROFILE_SCHEMA`].
    pub schema: String,
    /// Provenance.
    pub fingerprint: Fingerprint,
    /// Rows.
    pub rows: u64,
    /// Limits it was built with.
    pub limits: ProfileLimits,
    /// Columns in file order.
    pub columns: Vec<ColumnProfile>,
}

/// Compresses `e` to at most about `points` weighted points: mass is moved right to the value
/// where each `step`-sized slice of the cumulative count ends, so the ECDF moves by at most
/// `step` observations anywhere. Returns the compressed distribution and `step`.
pub fn compress(e: &Ecdf, points: usize) -> (Ecdf, u64) {
    let total = e.total();
    let points = points.max(2) as u64;
    let step = total.div_ceil(points).max(1);
    let mut out = Ecdf::default();
    let mut pending = 0u64;
    let mut next = step;
    let mut cum = 0u64;
    for (i, (&v, &c)) in e.values.iter().zip(&e.counts).enumerate() {
        cum += c;
        pending += c;
        if cum >= next || i + 1 == e.values.len() {
            out.values.push(v);
            out.counts.push(pending);
            pending = 0;
            next = (cum / step + 1) * step;
        }
    }
    (out, step)
}

/// Accumulates one numeric column.
#[derive(Debug, Clone)]
pub struct NumericAcc {
    buf: Vec<f64>,
    table: Ecdf,
    rank_error: u64,
    missing: u64,
    n: u64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
    max_points: usize,
}

impl NumericAcc {
    /// Empty accumulator keeping at most `max_points` exact distinct values.
    pub fn new(max_points: usize) -> Self {
        NumericAcc {
            buf: Vec::new(),
            table: Ecdf::default(),
            rank_error: 0,
            missing: 0,
            n: 0,
            mean: 0.0,
            m2: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            max_points: max_points.max(16),
        }
    }

    /// Adds values (NaN = missing; ±inf are counted as missing too, as no test can use them).
    pub fn push(&mut self, values: &[f64]) {
        for &x in values {
            if !x.is_finite() {
                self.missing += 1;
                continue;
            }
            self.n += 1;
            let d = x - self.mean;
            self.mean += d / self.n as f64;
            self.m2 += d * (x - self.mean);
            self.min = self.min.min(x);
            self.max = self.max.max(x);
            self.buf.push(x);
        }
        if self.buf.len() >= self.max_points.min(1 << 20) {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        self.buf.sort_unstable_by(f64::total_cmp);
        let part = Ecdf::from_sorted(&self.buf);
        self.buf.clear();
        self.table = self.table.merge(&part);
        self.maybe_compress();
    }

    fn maybe_compress(&mut self) {
        if self.table.distinct() > self.max_points {
            let (c, step) = compress(&self.table, self.max_points / 2);
            self.table = c;
            self.rank_error += step;
        }
    }

    /// Missing values so far.
    pub fn missing(&self) -> u64 {
        self.missing
    }

    /// The distribution so far and its rank error.
    pub fn finish(mut self) -> (Ecdf, u64, NumericProfile, u64) {
        self.flush();
        let exact = self.rank_error == 0;
        let (mean, std) = if exact && self.n > 0 {
            (self.table.mean(), self.table.std())
        } else if self.n > 0 {
            (self.mean, (self.m2 / self.n as f64).sqrt())
        } else {
            (f64::NAN, f64::NAN)
        };
        let p = NumericProfile {
            values: self.table.values.clone(),
            counts: self.table.counts.clone(),
            rank_error: self.rank_error,
            min: self.min,
            max: self.max,
            mean,
            std,
            m2: self.m2,
        };
        (self.table, self.rank_error, p, self.missing)
    }
}

/// Accumulates one categorical column.
#[derive(Debug, Clone, Default)]
pub struct CategoricalAcc {
    counts: BTreeMap<String, u64>,
    other: u64,
    missing: u64,
    max_categories: usize,
}

impl CategoricalAcc {
    /// Empty accumulator keeping at most `max_categories` labels.
    pub fn new(max_categories: usize) -> Self {
        CategoricalAcc {
            max_categories: max_categories.max(1),
            ..Default::default()
        }
    }

    /// Adds labels (`None` = missing).
    pub fn push<'a>(&mut self, values: impl IntoIterator<Item = Option<&'a str>>) {
        for v in values {
            match v {
                None => self.missing += 1,
                Some(s) => {
                    if let Some(c) = self.counts.get_mut(s) {
                        *c += 1;
                    } else if self.counts.len() < self.max_categories {
                        self.counts.insert(s.to_string(), 1);
                    } else {
                        self.other += 1;
                    }
                }
            }
        }
    }

    /// The label counts and the missing count.
    pub fn finish(self) -> (CategoricalProfile, u64) {
        (
            CategoricalProfile {
                counts: self.counts,
                other: self.other,
            },
            self.missing,
        )
    }
}

#[derive(Debug)]
enum Acc {
    Num(NumericAcc),
    Cat(CategoricalAcc),
    Skip(u64),
}

/// Builds a profile from a stream of batches.
#[derive(Debug)]
pub struct ProfileBuilder {
    names: Vec<String>,
    types: Vec<ColumnType>,
    roles: Vec<ColumnRole>,
    accs: Vec<Acc>,
    rows: u64,
    limits: ProfileLimits,
}

fn profiled(ty: ColumnType, role: ColumnRole) -> bool {
    !matches!(role, ColumnRole::Id | ColumnRole::Ignore) && ty != ColumnType::Text
}

impl ProfileBuilder {
    /// A builder for columns of these names, types and roles.
    pub fn new(columns: Vec<(String, ColumnType, ColumnRole)>, limits: ProfileLimits) -> Self {
        let accs = columns
            .iter()
            .map(|(_, ty, role)| {
                if !profiled(*ty, *role) {
                    Acc::Skip(0)
                } else if matches!(ty, ColumnType::Numeric | ColumnType::Datetime) {
                    Acc::Num(NumericAcc::new(limits.max_points))
                } else {
                    Acc::Cat(CategoricalAcc::new(limits.max_categories))
                }
            })
            .collect();
        ProfileBuilder {
            names: columns.iter().map(|c| c.0.clone()).collect(),
            types: columns.iter().map(|c| c.1).collect(),
            roles: columns.iter().map(|c| c.2).collect(),
            accs,
            rows: 0,
            limits,
        }
    }

    /// Adds one record batch (columns in the builder's order).
    pub fn push_batch(&mut self, batch: &RecordBatch, path: &Path) -> Result<(), DataError> {
        self.rows += batch.num_rows() as u64;
        for (i, acc) in self.accs.iter_mut().enumerate() {
            let col = batch.column(i);
            let err = |e: arrow_schema::ArrowError| DataError::Parse {
                path: path.display().to_string(),
                message: format!("column {:?}: {e}", self.names[i]),
            };
            match acc {
                Acc::Num(a) => a.push(&table::to_f64(col).map_err(err)?),
                Acc::Cat(a) => {
                    let s = table::to_strings(col).map_err(err)?;
                    a.push(s.iter().map(|o| o.as_deref()));
                }
                Acc::Skip(m) => *m += col.null_count() as u64,
            }
        }
        Ok(())
    }

    /// Finishes the profile.
    pub fn finish(self, fingerprint: Fingerprint) -> Profile {
        let rows = self.rows;
        let columns = self
            .accs
            .into_iter()
            .enumerate()
            .map(|(i, acc)| {
                let (distribution, missing, histogram) = match acc {
                    Acc::Num(a) => {
                        let (e, _, p, missing) = a.finish();
                        let histogram = e.range().map(|(lo, hi)| {
                            let edges = stats::sturges_edges(lo, hi, e.total());
                            let counts = stats::histogram(&e, &edges);
                            Histogram { edges, counts }
                        });
                        (Distribution::Numeric(p), missing, histogram)
                    }
                    Acc::Cat(a) => {
                        let (p, missing) = a.finish();
                        (Distribution::Categorical(p), missing, None)
                    }
                    Acc::Skip(m) => (Distribution::None, m, None),
                };
                ColumnProfile {
                    name: self.names[i].clone(),
                    ty: self.types[i],
                    role: self.roles[i],
                    count: rows,
                    missing,
                    distribution,
                    histogram,
                }
            })
            .collect();
        Profile {
            schema: PROFILE_SCHEMA.to_string(),
            fingerprint,
            rows,
            limits: self.limits,
            columns,
        }
    }
}

/// sha256 of a file's bytes (hex) and its size, read in 1 MiB blocks.
pub fn file_sha256(path: &Path) -> Result<(String, u64), DataError> {
    let io = |e| DataError::Io {
        path: path.display().to_string(),
        source: e,
    };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf).map_err(io)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex(&h.finalize()), n))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// sha256 of the column list.
pub fn schema_sha256(columns: &[(String, ColumnType, ColumnRole)]) -> String {
    let text: Vec<String> = columns
        .iter()
        .map(|(n, t, r)| format!("{n}:{}:{}", t.as_str(), r.as_str()))
        .collect();
    hex(&Sha256::digest(text.join("\n").as_bytes()))
}

/// Column names, types and roles of a file, types inferred from the first batch when the schema
/// does not declare them.
pub fn column_kinds(
    arrow: &arrow_schema::Schema,
    first: Option<&RecordBatch>,
    schema: &Schema,
) -> Vec<(String, ColumnType, ColumnRole)> {
    arrow
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let spec = schema.get(f.name());
            let ty = spec.and_then(|s| s.ty).unwrap_or_else(|| {
                let sample = match first {
                    Some(b) if !f.data_type().is_numeric() => {
                        table::ColumnData::Text(table::to_strings(b.column(i)).unwrap_or_default())
                    }
                    _ => table::ColumnData::Numeric(Vec::new()),
                };
                table::infer_type(f.data_type(), &sample)
            });
            (
                f.name().clone(),
                ty,
                spec.and_then(|s| s.role).unwrap_or_default(),
            )
        })
        .collect()
}

/// Profiles a data file by streaming it.
pub fn profile_file(
    path: &Path,
    opts: &ReadOptions,
    schema: &Schema,
    limits: ProfileLimits,
) -> Result<Profile, DataError> {
    let mut batches = table::open(path, opts, schema)?;
    let arrow = batches.schema();
    let first = batches.next().transpose()?;
    let kinds = column_kinds(&arrow, first.as_ref(), schema);
    let schema_sha = schema_sha256(&kinds);
    let mut b = ProfileBuilder::new(kinds, limits);
    if let Some(first) = first {
        b.push_batch(&first, path)?;
    }
    for batch in batches {
        b.push_batch(&batch?, path)?;
    }
    let (sha256, bytes) = file_sha256(path)?;
    Ok(b.finish(Fingerprint {
        path: path.display().to_string(),
        sha256,
        bytes,
        schema_sha256: schema_sha,
    }))
}

impl NumericProfile {
    /// The distribution as an [`Ecdf`].
    pub fn ecdf(&self) -> Ecdf {
        Ecdf {
            values: self.values.clone(),
            counts: self.counts.clone(),
        }
    }

    /// Merges two numeric profiles (compressing when the union exceeds `max_points`).
    pub fn merge(&self, other: &NumericProfile, max_points: usize) -> NumericProfile {
        let mut e = self.ecdf().merge(&other.ecdf());
        let mut rank_error = self.rank_error + other.rank_error;
        if e.distinct() > max_points {
            let (c, step) = compress(&e, max_points / 2);
            e = c;
            rank_error += step;
        }
        let (na, nb) = (
            self.counts.iter().sum::<u64>(),
            other.counts.iter().sum::<u64>(),
        );
        let n = (na + nb) as f64;
        let (mean, m2) = if na == 0 {
            (other.mean, other.m2)
        } else if nb == 0 {
            (self.mean, self.m2)
        } else {
            let d = other.mean - self.mean;
            (
                self.mean + d * nb as f64 / n,
                self.m2 + other.m2 + d * d * na as f64 * nb as f64 / n,
            )
        };
        let (mean, std) = if rank_error == 0 && n > 0.0 {
            (e.mean(), e.std())
        } else {
            (mean, (m2 / n).sqrt())
        };
        NumericProfile {
            values: e.values,
            counts: e.counts,
            rank_error,
            min: self.min.min(other.min),
            max: self.max.max(other.max),
            mean,
            std,
            m2,
        }
    }
}

impl Profile {
    /// Reads a profile written by [`Profile::to_json`].
    pub fn load(path: &Path) -> Result<Profile, DataError> {
        let text = std::fs::read_to_string(path).map_err(|e| DataError::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        let p: Profile = serde_json::from_str(&text).map_err(|e| DataError::Parse {
            path: path.display().to_string(),
            message: format!("not a {PROFILE_SCHEMA} profile: {e}"),
        })?;
        if p.schema != PROFILE_SCHEMA {
            return Err(DataError::Parse {
                path: path.display().to_string(),
                message: format!("profile schema {:?}, expected {PROFILE_SCHEMA}", p.schema),
            });
        }
        Ok(p)
    }

    /// Compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("profiles serialise")
    }

    /// `self ⊕ other`: the profile of the union of both datasets (same columns required).
    pub fn merge(&self, other: &Profile) -> Result<Profile, String> {
        if self.columns.len() != other.columns.len() {
            return Err("profiles have different columns".into());
        }
        let limits = self.limits;
        let mut columns = Vec::with_capacity(self.columns.len());
        for (a, b) in self.columns.iter().zip(&other.columns) {
            if a.name != b.name || a.ty != b.ty {
                return Err(format!("column {:?} differs between the profiles", a.name));
            }
            let distribution = match (&a.distribution, &b.distribution) {
                (Distribution::Numeric(x), Distribution::Numeric(y)) => {
                    Distribution::Numeric(x.merge(y, limits.max_points))
                }
                (Distribution::Categorical(x), Distribution::Categorical(y)) => {
                    let mut counts = x.counts.clone();
                    let mut other_count = x.other + y.other;
                    for (k, v) in &y.counts {
                        if let Some(c) = counts.get_mut(k) {
                            *c += v;
                        } else if counts.len() < limits.max_categories {
                            counts.insert(k.clone(), *v);
                        } else {
                            other_count += v;
                        }
                    }
                    Distribution::Categorical(CategoricalProfile {
                        counts,
                        other: other_count,
                    })
                }
                _ => Distribution::None,
            };
            let histogram = match &distribution {
                Distribution::Numeric(p) => {
                    let e = p.ecdf();
                    e.range().map(|(lo, hi)| {
                        let edges = stats::sturges_edges(lo, hi, e.total());
                        let counts = stats::histogram(&e, &edges);
                        Histogram { edges, counts }
                    })
                }
                _ => None,
            };
            columns.push(ColumnProfile {
                name: a.name.clone(),
                ty: a.ty,
                role: a.role,
                count: a.count + b.count,
                missing: a.missing + b.missing,
                distribution,
                histogram,
            });
        }
        Ok(Profile {
            schema: PROFILE_SCHEMA.to_string(),
            fingerprint: Fingerprint {
                path: format!("{} + {}", self.fingerprint.path, other.fingerprint.path),
                sha256: String::new(),
                bytes: self.fingerprint.bytes + other.fingerprint.bytes,
                schema_sha256: self.fingerprint.schema_sha256.clone(),
            },
            rows: self.rows + other.rows,
            limits,
            columns,
        })
    }
}
