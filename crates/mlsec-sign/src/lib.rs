//! Model integrity for mlsec: OpenSSF Model Signing (OMS) manifests, signatures and
//! verification, byte-compatible with the `model_signing` 1.1.1 Python package, plus a
//! verification [`Policy`] and a CycloneDX 1.6 ML-BOM built from the signed manifest.
//!
//! # Code map
//!
//! - [`manifest`]: enumerate a model (regular files, ignore rules, symlink rules, names as
//!   model_signing writes them) and hash it in parallel, largest job first, large ranges
//!   memory-mapped; the root digest.
//! - [`hashing`]: SHA-256 (default), BLAKE2b-512 and BLAKE3.
//! - [`cache`]: the verified `(path, dev, inode, size, mtime, ctime) → digest` cache.
//! - [`oms`]: the wire format (Sigstore bundle v0.3, DSSE, in-toto statement) as serde types.
//! - [`keys`]: ECDSA P-256/P-384/P-521 keys, PEM in and out, the model_signing key hint.
//! - [`cert`]: certificate-chain verification, stricter than model_signing (expiry, usage,
//!   CA constraints, identity pinning).
//! - [`sign`] and [`verify`]: the two directions; [`verify::Difference`] names each file that
//!   differs.
//! - [`policy`]: pinned keys, roots, identities, never-ignored paths.
//! - [`bom`]: the CycloneDX 1.6 ML-BOM.
//!
//! # Where this differs from model_signing 1.1.1
//!
//! Everything model_signing writes verifies here, and everything signed here verifies there
//! (`tests/interop.rs`). Verification is deliberately stricter:
//!
//! - certificate chains are checked at the verification time (not at the leaf's own
//!   `notBefore`), for CA and path-length constraints, for signing usage, and optionally for
//!   the signer identity ([`cert`]);
//! - a statement must have exactly one subject, clean relative resource names, no duplicate
//!   names and at least one resource (the OMS spec's rules; model_signing accepts an empty
//!   model and silently collapses duplicates);
//! - a [`Policy`] can forbid the signer from excluding protected files through the
//!   `ignore_paths` it recorded, which model_signing honours without a word.
//!
//! Not supported: the pre-1.0 `Digests/v0.1` predicate and the v0.2 "buggy PAE" fallback
//! (rejected with a message), `--ignore-unsigned-files`, and **keyless Sigstore bundles**.
//! Verifying a keyless bundle offline soundly needs the Fulcio chain checked against a
//! `trusted_root.json` at the Rekor integrated time, the certificate's embedded SCTs verified
//! against the CT log keys (which means rebuilding the pre-certificate TBS), and the Rekor entry
//! checked (the signed entry timestamp or the inclusion proof against a signed checkpoint, and
//! the entry body matched to this envelope). The only Rust crate that does this, `sigstore`,
//! links OpenSSL and aws-lc and is built for online use; no maintained pure-Rust crate covers
//! it, so such bundles are refused with [`Error::UnsupportedBundle`] rather than half-checked.
//!
//! # Architecture invariants
//!
//! - Verification computes the root digest over the resources **in the order they are listed**
//!   and verifies the signature over the **exact payload bytes**; nothing is re-serialised.
//! - Verification reads every byte of the model: the hash cache is written, never read.
//! - No parser of untrusted bytes (bundle JSON, base64, DER, PEM, safetensors headers) can
//!   panic; every input size is capped before it is read.
//! - Unix only: the cache keys on device and inode numbers and ranges are read with `pread`.

pub mod bom;
pub mod cache;
pub mod cert;
mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod hashing;
pub mod keys;
pub mod manifest;
pub mod oms;
pub mod policy;
pub mod sign;
pub mod verify;

pub use cache::HashCache;
pub use error::{Error, Result};
pub use hashing::HashAlgorithm;
pub use keys::{SigningKey, VerifyingKey};
pub use manifest::{ComputeOptions, HashingConfig, Manifest, Method};
pub use policy::Policy;
pub use sign::{Signer, sign_model};
pub use verify::{Difference, Verified, VerifyOptions, verify_model};
