//! The store's error type.

use std::path::PathBuf;

/// Boxed cause from a database driver or parser.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a store operation failed. Tamper evidence is not an error: `verify` returns it as a
/// report. These are failures to do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store URL is not one this crate can open.
    #[error(
        "unsupported store URL `{0}`\nhint: use sqlite://PATH, a plain file path, or postgres://USER@HOST/DB"
    )]
    Url(String),
    /// The database refused or failed an operation.
    #[error("{backend} store: {context}: {source}")]
    Db {
        /// `sqlite` or `postgresql`.
        backend: &'static str,
        /// What the store was doing.
        context: String,
        /// The driver's error.
        #[source]
        source: Cause,
    },
    /// A file beside the store (key, pinned head) could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The store key is missing, malformed, or not the key the store's heads are signed with.
    #[error("store key {}: {reason}", path.display())]
    Key {
        /// Where the key was looked for.
        path: PathBuf,
        /// What is wrong, and what to do about it.
        reason: String,
    },
    /// The store was written by a newer mlsec.
    #[error(
        "store schema version {found} is newer than this mlsec understands ({supported})\nhint: upgrade mlsec"
    )]
    SchemaTooNew {
        /// Version recorded in the store.
        found: i64,
        /// Highest version this build knows.
        supported: i64,
    },
    /// No event with that sequence number.
    #[error("no event {seq} in the store (it holds {size} events)")]
    NoSuchEvent {
        /// The number asked for.
        seq: u64,
        /// How many events the store holds.
        size: u64,
    },
    /// A tree size outside what the store holds was asked for.
    #[error("tree size {asked} is out of range: the store holds {size} events")]
    BadTreeSize {
        /// The size asked for.
        asked: u64,
        /// How many events the store holds.
        size: u64,
    },
    /// The stored data cannot be used as it is (run `mlsec audit verify`).
    #[error("store data is inconsistent: {0}\nhint: run `mlsec audit verify` for a full report")]
    Corrupt(String),
    /// The caller passed something unusable.
    #[error("{0}")]
    Invalid(String),
    /// A registry rule refused the operation.
    #[error("{0}")]
    Refused(String),
    /// A SIEM export or forwarder failed.
    #[error("{context}: {source}")]
    Forward {
        /// Where the events were going.
        context: String,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
}

/// Result with [`StoreError`].
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: path.into(),
            source,
        }
    }
}
