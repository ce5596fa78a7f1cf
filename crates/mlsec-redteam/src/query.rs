//! Query accounting: a [`Classifier`] wrapper that counts the rows sent to the model and stops
//! at a budget.
//!
//! Black-box attacks are judged by how many queries they need, so every row that reaches the
//! model is counted here, once, whatever the attack does.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::model::{Classifier, ModelError};

/// Counts rows sent to the inner model and refuses batches that would exceed `budget`.
#[allow(missing_debug_implementations)]
pub struct QueryCounter<'a> {
    inner: &'a dyn Classifier,
    used: AtomicU64,
    budget: Option<u64>,
}

impl<'a> QueryCounter<'a> {
    /// Wraps `inner`; `budget` is the total number of rows allowed (`None`: unlimited).
    pub fn new(inner: &'a dyn Classifier, budget: Option<u64>) -> Self {
        QueryCounter {
            inner,
            used: AtomicU64::new(0),
            budget,
        }
    }

    /// Rows sent so far.
    pub fn queries(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    /// Rows still allowed (`u64::MAX` without a budget).
    pub fn remaining(&self) -> u64 {
        match self.budget {
            Some(b) => b.saturating_sub(self.queries()),
            None => u64::MAX,
        }
    }
}

impl Classifier for QueryCounter<'_> {
    fn n_features(&self) -> usize {
        self.inner.n_features()
    }

    fn n_classes(&self) -> usize {
        self.inner.n_classes()
    }

    fn predict_proba(&self, x: &[f32]) -> Result<Vec<f32>, ModelError> {
        let nf = self.inner.n_features().max(1);
        let rows = (x.len() / nf) as u64;
        let prev = self.used.fetch_add(rows, Ordering::Relaxed);
        if let Some(b) = self.budget
            && prev + rows > b
        {
            self.used.fetch_sub(rows, Ordering::Relaxed);
            return Err(ModelError::Budget(b));
        }
        self.inner.predict_proba(x)
    }
}

/// Index of the largest value in each row of a row-major `n × k` matrix.
pub fn argmax_rows(p: &[f32], k: usize) -> Vec<usize> {
    p.chunks(k.max(1))
        .map(|row| {
            let mut best = 0;
            for (j, &v) in row.iter().enumerate() {
                if v > row[best] {
                    best = j;
                }
            }
            best
        })
        .collect()
}

/// Predicted labels of `model` on `x`, evaluated in batches of `batch` rows.
pub fn predict_labels(
    model: &dyn Classifier,
    x: &[f32],
    batch: usize,
) -> Result<Vec<usize>, ModelError> {
    let nf = model.n_features();
    let k = model.n_classes();
    let mut out = Vec::with_capacity(x.len() / nf.max(1));
    for chunk in x.chunks(nf.max(1) * batch.max(1)) {
        out.extend(argmax_rows(&model.predict_proba(chunk)?, k));
    }
    Ok(out)
}

/// Class probabilities of `model` on `x`, evaluated in batches of `batch` rows.
pub fn predict_proba_batched(
    model: &dyn Classifier,
    x: &[f32],
    batch: usize,
) -> Result<Vec<f32>, ModelError> {
    let nf = model.n_features();
    let mut out = Vec::with_capacity(x.len() / nf.max(1) * model.n_classes());
    for chunk in x.chunks(nf.max(1) * batch.max(1)) {
        out.extend(model.predict_proba(chunk)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::Linear;

    #[test]
    fn counts_rows_and_enforces_budget() {
        let m = Linear::identity(3);
        let q = QueryCounter::new(&m, Some(5));
        q.predict_proba(&[0.0; 9]).unwrap();
        assert_eq!(q.queries(), 3);
        assert!(matches!(
            q.predict_proba(&[0.0; 9]),
            Err(ModelError::Budget(5))
        ));
        assert_eq!(q.queries(), 3);
        q.predict_proba(&[0.0; 6]).unwrap();
        assert_eq!(q.remaining(), 0);
    }
}
