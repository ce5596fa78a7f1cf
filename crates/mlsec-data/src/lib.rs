//! Dataset security for mlsec: reading tabular data (CSV, JSON Lines, Parquet) in bounded
//! chunks, typing its columns, and the analyses built on that (drift, data quality, PII,
//! pseudonymisation, poisoning screens).
//!
//! Readers never trust the file: every reader streams record batches of a bounded number of rows,
//! limits the number of columns, and turns anything it cannot parse into a [`DataError`] that
//! names the file and, where it can, the column and row.

pub mod anonymize;
pub mod drift;
pub mod pii;
pub mod poison;
pub mod profile;
pub mod quality;
pub mod schema;
pub mod stats;
pub mod synth;
pub mod table;

pub use schema::{ColumnRole, ColumnType, Schema};
pub use table::{Column, ColumnData, DataError, Format, Frame, ReadOptions, open};
