//! The model digest: the OpenSSF Model Signing manifest root digest of a model file or
//! directory (SHA-256, files mode, `.git*` ignored — what `mlsec sign` signs by default). Every
//! piece of evidence is keyed by it.

use anyhow::{Context, Result};
use mlsec_core::{Digest, DigestAlgorithm};
use mlsec_sign::{ComputeOptions, HashingConfig, manifest};
use std::path::Path;

/// Computes the model digest of `path`. File symlinks are followed (Hugging Face snapshots are
/// symlinks into `blobs/`), as `mlsec sign --allow-symlinks` would.
pub fn of(path: &Path) -> Result<Digest> {
    let config = HashingConfig {
        allow_symlinks: true,
        ..HashingConfig::default()
    };
    let m = manifest::compute(path, &config, ComputeOptions::default())
        .with_context(|| format!("cannot compute the model digest of {}", path.display()))?;
    Digest::new(DigestAlgorithm::Sha256, m.root_digest().to_vec())
        .context("manifest root digest has an unexpected length")
}
