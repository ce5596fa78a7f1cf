//! The mlsec evidence store: an append-only audit log whose events are the leaves of an
//! RFC 6962 Merkle tree with a signed head per commit, inclusion and consistency proofs, offline
//! verification that names what was edited, deleted, inserted, reordered or rolled back, SIEM
//! export, and a model registry whose every change is an audit event.
//!
//! Architecture invariants:
//! - Events, heads and registry rows live in one database (SQLite file or PostgreSQL) behind
//!   [`Backend`]; every rule is written once above it.
//! - An append is acknowledged only after its transaction committed (SQLite `synchronous=FULL`,
//!   PostgreSQL `synchronous_commit=on`).
//! - Verification recomputes from raw event bodies and never takes a stored hash as input.
//! - Wire formats (event JSON, head JSON and checkpoints, proofs, OCSF, CEF, syslog) are serde
//!   types or encoders in this crate; `mlsec-core` types stay free of serde.

mod backend;
pub mod event;
pub mod export;
pub mod head;
pub mod merkle;
pub mod proof;
pub mod registry;
mod schema;
mod store;
pub mod syslog;
pub mod time;
mod verify;

mod error;

pub use backend::{Backend, Dialect, Value};
pub use error::{Result, StoreError};
pub use event::{Event, NewEvent, Outcome, StoredEvent};
pub use head::{HeadJson, PublicKey, SignedHead, StoreKey, TreeHead};
pub use schema::SCHEMA_VERSION;
pub use store::{
    ConsistencyProof, EventFilter, InclusionProof, Receipt, Store, StoreOptions, StoreUrl,
};
pub use verify::{Issue, IssueKind, KeySource, VerifyOptions, VerifyReport};
