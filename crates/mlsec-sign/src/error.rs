//! Errors of the signing crate.
//!
//! Two families share one enum so callers can use `?` everywhere, and
//! [`Error::is_verification_failure`] splits them: a *verification failure* says the model or its
//! signature does not check out (exit code 1 in the CLI); everything else says the tool could not
//! do its job (unreadable file, bad key file, unsupported option: exit code 2).

use std::path::PathBuf;

/// Everything that can go wrong while hashing, signing, verifying or writing a BOM.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read or written.
    // The I/O error is part of the message and deliberately not a `#[source]`: anyhow's `{:#}`
    // would otherwise print it twice.
    #[error("{}: {error}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
    /// The model tree contains something the manifest cannot represent (a symlink when they are
    /// not allowed, a FIFO, a non-UTF-8 name).
    #[error("{path}: {reason}")]
    UnsupportedEntry {
        /// Path relative to the model root.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// There is nothing to sign: every file was ignored or the directory is empty.
    #[error("{}: no files to sign (empty model, or everything is ignored)", path.display())]
    EmptyModel {
        /// The model path.
        path: PathBuf,
    },
    /// A key file could not be used.
    #[error("{}: {reason}", path.display())]
    Key {
        /// The key file.
        path: PathBuf,
        /// Why it was rejected.
        reason: String,
    },
    /// A certificate file or a certificate inside a bundle could not be used.
    #[error("certificate {what}: {reason}")]
    Certificate {
        /// Which certificate (file name or position in the chain).
        what: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A caller-supplied option is invalid (shard size 0, unknown hash name, …).
    #[error("{0}")]
    InvalidOption(String),
    /// The signature bundle is not a well-formed OMS bundle.
    #[error("malformed signature bundle: {0}")]
    MalformedBundle(String),
    /// The bundle is well formed but uses something this verifier does not accept.
    #[error("unsupported signature bundle: {0}")]
    UnsupportedBundle(String),
    /// The cryptographic signature does not verify with the trusted key or certificate.
    #[error("signature does not verify: {0}")]
    BadSignature(String),
    /// The signer is not one the caller trusts (key hint, certificate chain, identity).
    #[error("untrusted signer: {0}")]
    UntrustedSigner(String),
    /// The signed statement contradicts itself (root digest, duplicate names, bad names).
    #[error("inconsistent manifest: {0}")]
    InconsistentManifest(String),
    /// The files on disk differ from the signed manifest. Each entry names the file.
    #[error("model does not match its signature:\n  {}", differences.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  "))]
    Mismatch {
        /// One entry per file that differs.
        differences: Vec<crate::verify::Difference>,
    },
    /// The signature is valid but the verification policy rejects it.
    #[error("policy violation: {0}")]
    Policy(String),
}

impl Error {
    /// True when the error means "this model or signature does not check out" rather than "the
    /// tool could not run". The CLI maps the first to exit code 1 and the second to 2.
    pub fn is_verification_failure(&self) -> bool {
        matches!(
            self,
            Error::MalformedBundle(_)
                | Error::UnsupportedBundle(_)
                | Error::BadSignature(_)
                | Error::UntrustedSigner(_)
                | Error::InconsistentManifest(_)
                | Error::Mismatch { .. }
                | Error::Policy(_)
                | Error::UnsupportedEntry { .. }
        )
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |error| Error::Io { path, error }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
