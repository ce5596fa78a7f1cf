//! The vocabulary every mlsec crate shares.
//!
//! Architecture invariant: this crate does no I/O, has no async, no heavy dependencies, and
//! its domain types are not `Serialize`; wire formats live at the edge of the crate that owns them.

pub mod digest;
mod finding;

pub use digest::{Digest, DigestAlgorithm, ParseDigestError};
pub use finding::{Confidence, Finding, Location, Problem, ProblemKind, Severity};
