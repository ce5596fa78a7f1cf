//! Two-sample statistics for drift detection, each computed as SciPy (or Evidently, where the
//! definition is Evidently's) computes it, and tested against SciPy's values in
//! `tests/scipy_agreement.rs`.
//!
//! Numeric samples are passed as an [`Ecdf`] (sorted distinct values with counts): raw data and a
//! reference profile's exact value table are the same thing to these functions. Categorical samples
//! are passed as aligned count vectors over the union of the labels.

pub mod categorical;
mod ks;
pub mod numeric;
pub mod special;

pub use categorical::*;
pub use ks::{KsMethod, KsResult, MAX_AUTO_N, ks_2samp, ks_statistic};
pub use numeric::*;

/// An empirical distribution: sorted distinct finite values and how often each occurs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ecdf {
    /// Distinct values, strictly increasing.
    pub values: Vec<f64>,
    /// Occurrences of each value (all > 0).
    pub counts: Vec<u64>,
}

impl Ecdf {
    /// Builds from raw values; NaN (missing) values are dropped.
    pub fn from_values(values: &[f64]) -> Ecdf {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        v.sort_unstable_by(f64::total_cmp);
        Ecdf::from_sorted(&v)
    }

    /// Builds from values already sorted ascending (no NaN).
    pub fn from_sorted(sorted: &[f64]) -> Ecdf {
        let mut e = Ecdf::default();
        for &x in sorted {
            // -0.0 and 0.0 are the same value.
            let x = if x == 0.0 { 0.0 } else { x };
            match e.values.last() {
                Some(&last) if last == x => *e.counts.last_mut().expect("paired") += 1,
                _ => {
                    e.values.push(x);
                    e.counts.push(1);
                }
            }
        }
        e
    }

    /// Builds from `(value, count)` pairs in any order; equal values are merged.
    pub fn from_pairs(mut pairs: Vec<(f64, u64)>) -> Ecdf {
        pairs.retain(|(v, c)| !v.is_nan() && *c > 0);
        pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let mut e = Ecdf::default();
        for (x, c) in pairs {
            let x = if x == 0.0 { 0.0 } else { x };
            match e.values.last() {
                Some(&last) if last == x => *e.counts.last_mut().expect("paired") += c,
                _ => {
                    e.values.push(x);
                    e.counts.push(c);
                }
            }
        }
        e
    }

    /// Number of observations.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Number of distinct values.
    pub fn distinct(&self) -> usize {
        self.values.len()
    }

    /// Smallest and largest value.
    pub fn range(&self) -> Option<(f64, f64)> {
        Some((*self.values.first()?, *self.values.last()?))
    }

    /// Mean (NumPy's `np.mean`, pairwise-free: plain sum, adequate for the sizes here).
    pub fn mean(&self) -> f64 {
        let n = self.total() as f64;
        self.values
            .iter()
            .zip(&self.counts)
            .map(|(v, c)| v * *c as f64)
            .sum::<f64>()
            / n
    }

    /// Population standard deviation (`np.std(x, ddof=0)`).
    pub fn std(&self) -> f64 {
        let n = self.total() as f64;
        let m = self.mean();
        (self
            .values
            .iter()
            .zip(&self.counts)
            .map(|(v, c)| (v - m) * (v - m) * *c as f64)
            .sum::<f64>()
            / n)
            .sqrt()
    }

    /// Merges two distributions (union of observations).
    pub fn merge(&self, other: &Ecdf) -> Ecdf {
        let mut out = Ecdf::default();
        let (mut i, mut j) = (0, 0);
        while i < self.values.len() || j < other.values.len() {
            let take_a = match (self.values.get(i), other.values.get(j)) {
                (Some(a), Some(b)) => a <= b,
                (Some(_), None) => true,
                _ => false,
            };
            let (v, c) = if take_a {
                i += 1;
                (self.values[i - 1], self.counts[i - 1])
            } else {
                j += 1;
                (other.values[j - 1], other.counts[j - 1])
            };
            match out.values.last() {
                Some(&last) if last == v => *out.counts.last_mut().expect("paired") += c,
                _ => {
                    out.values.push(v);
                    out.counts.push(c);
                }
            }
        }
        out
    }

    /// Expands to the sorted list of observations (for small samples and rank statistics).
    pub fn expand(&self) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.total() as usize);
        for (v, c) in self.values.iter().zip(&self.counts) {
            out.extend(std::iter::repeat_n(*v, *c as usize));
        }
        out
    }
}
