//! Cross-format rules.

pub mod disguised_format;
