//! Entry points for fuzz targets and property tests: run one parser of untrusted bytes on
//! arbitrary input. Not a stable API.

use crate::cert::{CertPolicy, TrustedRoots};
use crate::keys::{SigningKey, VerifyingKey};
use crate::oms::{Bundle, Statement};
use crate::policy::Policy;

/// The parsers that can be driven directly.
pub const TARGETS: &[&str] = &[
    "bundle",
    "statement",
    "verify_bundle",
    "pem_private",
    "pem_public",
    "cert_chain",
];

/// A fixed P-256 public key (the shared test vectors' key) so `verify_bundle` reaches the
/// statement parser for inputs that carry a valid signature.
const TEST_PUBLIC_KEY: &str = include_str!("../tests/data/keys/p256-public.pem");

/// Runs `target` (one of [`TARGETS`]) on `data`; returns whether the input was accepted.
pub fn run(target: &str, data: &[u8]) -> bool {
    match target {
        "bundle" => Bundle::parse(data)
            .and_then(|b| b.payload().and(b.signature()))
            .is_ok(),
        "statement" => Statement::parse(data).is_ok(),
        "verify_bundle" => {
            let mut policy = Policy::default();
            if let Ok(k) = VerifyingKey::from_pem(TEST_PUBLIC_KEY) {
                policy.keys.push(k);
            }
            crate::verify::verify_bundle(data, &policy).is_ok()
        }
        "pem_private" => SigningKey::from_pem(data).is_ok(),
        "pem_public" => std::str::from_utf8(data)
            .map(|s| VerifyingKey::from_pem(s).is_ok())
            .unwrap_or(false),
        "cert_chain" => {
            // Split the input into up to three DER blobs and verify them as a chain against an
            // empty root set: exercises DER parsing, extensions and the path builder.
            let third = data.len() / 3;
            let chain = vec![
                data[..third].to_vec(),
                data[third..2 * third].to_vec(),
                data[2 * third..].to_vec(),
            ];
            crate::cert::verify_chain(&chain, &TrustedRoots::default(), &CertPolicy::default())
                .is_ok()
        }
        "gguf_header" => crate::bom::parse_gguf_for_fuzzing(data),
        _ => false,
    }
}
