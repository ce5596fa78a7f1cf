//! Renderers: inner crates return data, this crate turns it into terminal text, JSON and SARIF.
