//! The model under test, as the attacks see it.
//!
//! Feature rows are `f32`, row-major: a batch of `n` rows is a slice of `n * n_features()`
//! values. Outputs are row-major too (`n * n_classes()`).

use thiserror::Error;

/// Why a model could not be loaded or evaluated.
#[derive(Debug, Error)]
pub enum ModelError {
    /// The model file is malformed or uses something this evaluator does not support.
    #[error("model: {0}")]
    Invalid(String),
    /// The input batch does not fit the model.
    #[error("input: {0}")]
    Input(String),
    /// A remote endpoint failed or answered something unusable.
    #[error("remote: {0}")]
    Remote(String),
    /// The query budget is exhausted.
    #[error("query budget of {0} exhausted")]
    Budget(u64),
}

/// A classifier that answers class probabilities for a batch of rows (black-box access).
pub trait Classifier: Send + Sync {
    /// Number of input features per row.
    fn n_features(&self) -> usize;
    /// Number of classes.
    fn n_classes(&self) -> usize;
    /// Class probabilities, row-major `n × n_classes()`, for `x` (row-major `n × n_features()`).
    fn predict_proba(&self, x: &[f32]) -> Result<Vec<f32>, ModelError>;
}

/// A classifier whose graph allows exact input gradients (white-box access).
pub trait Differentiable: Classifier {
    /// Per-row cross-entropy loss `-ln p(y|x)` for labels `y`, and its gradient with respect to
    /// `x` (row-major, same shape as `x`). Computed from logits where the graph has them, never
    /// by finite differences.
    fn loss_gradient(&self, x: &[f32], y: &[usize]) -> Result<(Vec<f32>, Vec<f32>), ModelError>;
}
