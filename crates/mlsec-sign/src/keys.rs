//! ECDSA keys on P-256, P-384 and P-521, the curves OMS and model_signing accept.
//!
//! Each curve signs with its own hash, as model_signing does: P-256 with SHA-256, P-384 with
//! SHA-384, P-521 with SHA-512. Signatures are DER-encoded. Private keys are read from
//! unencrypted PKCS#8 PEM (`BEGIN PRIVATE KEY`, what `openssl genpkey` writes) or SEC1 PEM
//! (`BEGIN EC PRIVATE KEY`); public keys from SPKI PEM (`BEGIN PUBLIC KEY`).

use crate::error::{Error, Result};
use ecdsa::signature::{Signer as _, Verifier as _};
use mlsec_core::digest::to_hex;
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey, LineEnding};
use std::path::Path;

/// Key files larger than this are refused before parsing.
const MAX_KEY_FILE: u64 = 1 << 20;

/// The curve of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Curve {
    /// NIST P-256 with SHA-256.
    P256,
    /// NIST P-384 with SHA-384.
    P384,
    /// NIST P-521 with SHA-512.
    P521,
}

impl Curve {
    /// The conventional name (`P-256`, …).
    pub fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }
}

/// A private key that signs DSSE envelopes.
#[derive(Clone)]
#[non_exhaustive]
pub enum SigningKey {
    /// P-256.
    P256(p256::ecdsa::SigningKey),
    /// P-384.
    P384(p384::ecdsa::SigningKey),
    /// P-521.
    P521(p521::ecdsa::SigningKey),
}

impl std::fmt::Debug for SigningKey {
    // Never print key material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({})", self.curve().name())
    }
}

/// A public key that verifies DSSE envelopes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyingKey {
    /// P-256.
    P256(p256::ecdsa::VerifyingKey),
    /// P-384.
    P384(p384::ecdsa::VerifyingKey),
    /// P-521.
    P521(p521::ecdsa::VerifyingKey),
}

pub(crate) fn read_small(path: &Path, what: &str) -> Result<Vec<u8>> {
    crate::hashing::read_capped(path, MAX_KEY_FILE)?.ok_or_else(|| Error::Key {
        path: path.to_path_buf(),
        reason: format!("{what} file is larger than {MAX_KEY_FILE} bytes"),
    })
}

impl SigningKey {
    /// Reads a PEM private key (PKCS#8 or SEC1) from a file.
    pub fn from_pem_file(path: &Path) -> Result<SigningKey> {
        let bytes = read_small(path, "key")?;
        SigningKey::from_pem(&bytes).map_err(|reason| Error::Key {
            path: path.into(),
            reason,
        })
    }

    /// Parses a PEM private key (PKCS#8 or SEC1) on P-256, P-384 or P-521.
    pub fn from_pem(pem: &[u8]) -> std::result::Result<SigningKey, String> {
        let s = std::str::from_utf8(pem).map_err(|_| "not a PEM file (not UTF-8)".to_string())?;
        if s.contains("ENCRYPTED PRIVATE KEY") {
            return Err("encrypted private keys are not supported; decrypt it first (openssl pkey -in KEY -out PLAIN)".into());
        }
        if s.contains("BEGIN EC PRIVATE KEY") {
            if let Ok(k) = p256::SecretKey::from_sec1_pem(s) {
                return Ok(SigningKey::P256(k.into()));
            }
            if let Ok(k) = p384::SecretKey::from_sec1_pem(s) {
                return Ok(SigningKey::P384(k.into()));
            }
            if let Ok(k) = p521::SecretKey::from_sec1_pem(s) {
                return Ok(SigningKey::P521(k.into()));
            }
            return Err("SEC1 EC private key is not on P-256, P-384 or P-521".into());
        }
        if !s.contains("BEGIN PRIVATE KEY") {
            return Err(
                "not a PEM private key (expected `BEGIN PRIVATE KEY` or `BEGIN EC PRIVATE KEY`)"
                    .into(),
            );
        }
        if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_pem(s) {
            return Ok(SigningKey::P256(k));
        }
        if let Ok(k) = p384::ecdsa::SigningKey::from_pkcs8_pem(s) {
            return Ok(SigningKey::P384(k));
        }
        if let Ok(k) = p521::ecdsa::SigningKey::from_pkcs8_pem(s) {
            return Ok(SigningKey::P521(k));
        }
        Err("only ECDSA keys on P-256, P-384 or P-521 can sign OMS bundles (Ed25519 and RSA are not accepted by model_signing)".into())
    }

    /// The curve.
    pub fn curve(&self) -> Curve {
        match self {
            SigningKey::P256(_) => Curve::P256,
            SigningKey::P384(_) => Curve::P384,
            SigningKey::P521(_) => Curve::P521,
        }
    }

    /// The matching public key.
    pub fn verifying_key(&self) -> VerifyingKey {
        match self {
            SigningKey::P256(k) => VerifyingKey::P256(*k.verifying_key()),
            SigningKey::P384(k) => VerifyingKey::P384(*k.verifying_key()),
            SigningKey::P521(k) => VerifyingKey::P521(*k.verifying_key()),
        }
    }

    /// Signs `msg` (deterministic RFC 6979 nonces) and returns the DER signature.
    pub fn sign_der(&self, msg: &[u8]) -> Vec<u8> {
        match self {
            SigningKey::P256(k) => {
                let s: p256::ecdsa::Signature = k.sign(msg);
                s.to_der().as_bytes().to_vec()
            }
            SigningKey::P384(k) => {
                let s: p384::ecdsa::Signature = k.sign(msg);
                s.to_der().as_bytes().to_vec()
            }
            SigningKey::P521(k) => {
                let s: p521::ecdsa::Signature = k.sign(msg);
                s.to_der().as_bytes().to_vec()
            }
        }
    }
}

impl VerifyingKey {
    /// Reads an SPKI PEM public key from a file.
    pub fn from_pem_file(path: &Path) -> Result<VerifyingKey> {
        let bytes = read_small(path, "key")?;
        let s = std::str::from_utf8(&bytes).map_err(|_| Error::Key {
            path: path.into(),
            reason: "not a PEM file (not UTF-8)".into(),
        })?;
        VerifyingKey::from_pem(s).map_err(|reason| Error::Key {
            path: path.into(),
            reason,
        })
    }

    /// Parses an SPKI PEM public key (`BEGIN PUBLIC KEY`).
    pub fn from_pem(s: &str) -> std::result::Result<VerifyingKey, String> {
        if s.contains("PRIVATE KEY") {
            return Err("this is a private key; verification takes the public key (openssl pkey -in KEY -pubout)".into());
        }
        if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_pem(s) {
            return Ok(VerifyingKey::P256(k));
        }
        if let Ok(k) = p384::ecdsa::VerifyingKey::from_public_key_pem(s) {
            return Ok(VerifyingKey::P384(k));
        }
        if let Ok(k) = p521::ecdsa::VerifyingKey::from_public_key_pem(s) {
            return Ok(VerifyingKey::P521(k));
        }
        Err(
            "not an ECDSA public key on P-256, P-384 or P-521 in SPKI PEM (`BEGIN PUBLIC KEY`)"
                .into(),
        )
    }

    /// Parses a DER SubjectPublicKeyInfo (as found in a certificate).
    pub fn from_spki_der(der: &[u8]) -> std::result::Result<VerifyingKey, String> {
        if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_der(der) {
            return Ok(VerifyingKey::P256(k));
        }
        if let Ok(k) = p384::ecdsa::VerifyingKey::from_public_key_der(der) {
            return Ok(VerifyingKey::P384(k));
        }
        if let Ok(k) = p521::ecdsa::VerifyingKey::from_public_key_der(der) {
            return Ok(VerifyingKey::P521(k));
        }
        Err("public key is not ECDSA on P-256, P-384 or P-521".into())
    }

    /// The curve.
    pub fn curve(&self) -> Curve {
        match self {
            VerifyingKey::P256(_) => Curve::P256,
            VerifyingKey::P384(_) => Curve::P384,
            VerifyingKey::P521(_) => Curve::P521,
        }
    }

    /// The SPKI PEM encoding with LF line endings: byte-identical to what openssl writes.
    pub fn to_pem(&self) -> String {
        let r = match self {
            VerifyingKey::P256(k) => k.to_public_key_pem(LineEnding::LF),
            VerifyingKey::P384(k) => k.to_public_key_pem(LineEnding::LF),
            VerifyingKey::P521(k) => k.to_public_key_pem(LineEnding::LF),
        };
        // Encoding a valid curve point as SPKI cannot fail.
        r.unwrap_or_default()
    }

    /// model_signing's key hint: hex SHA-256 of the PEM public key.
    pub fn hint(&self) -> String {
        to_hex(&crate::hashing::HashAlgorithm::Sha256.digest(self.to_pem().as_bytes()))
    }

    /// Verifies a DER ECDSA signature over `msg` with the curve's hash.
    pub fn verify_der(&self, msg: &[u8], der: &[u8]) -> std::result::Result<(), String> {
        let bad = |e: ecdsa::Error| format!("{e}");
        match self {
            VerifyingKey::P256(k) => {
                let s = p256::ecdsa::Signature::from_der(der)
                    .map_err(|_| "signature is not DER ECDSA (P-256)".to_string())?;
                k.verify(msg, &s).map_err(bad)
            }
            VerifyingKey::P384(k) => {
                let s = p384::ecdsa::Signature::from_der(der)
                    .map_err(|_| "signature is not DER ECDSA (P-384)".to_string())?;
                k.verify(msg, &s).map_err(bad)
            }
            VerifyingKey::P521(k) => {
                let s = p521::ecdsa::Signature::from_der(der)
                    .map_err(|_| "signature is not DER ECDSA (P-521)".to_string())?;
                k.verify(msg, &s).map_err(bad)
            }
        }
    }

    /// Verifies a DER ECDSA signature over an already computed digest (certificate
    /// signatures, whose hash is named by the certificate, not by the curve).
    pub(crate) fn verify_prehash_der(
        &self,
        prehash: &[u8],
        der: &[u8],
    ) -> std::result::Result<(), String> {
        use ecdsa::signature::hazmat::PrehashVerifier;
        let bad = |e: ecdsa::Error| format!("{e}");
        match self {
            VerifyingKey::P256(k) => {
                let s = p256::ecdsa::Signature::from_der(der)
                    .map_err(|_| "signature is not DER ECDSA".to_string())?;
                k.verify_prehash(prehash, &s).map_err(bad)
            }
            VerifyingKey::P384(k) => {
                let s = p384::ecdsa::Signature::from_der(der)
                    .map_err(|_| "signature is not DER ECDSA".to_string())?;
                k.verify_prehash(prehash, &s).map_err(bad)
            }
            VerifyingKey::P521(k) => {
                let s = p521::ecdsa::Signature::from_der(der)
                    .map_err(|_| "signature is not DER ECDSA".to_string())?;
                k.verify_prehash(prehash, &s).map_err(bad)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P256_PRIV: &str = include_str!("../tests/data/keys/p256-private.pem");
    const P256_PUB: &str = include_str!("../tests/data/keys/p256-public.pem");
    const ED_PRIV: &str = include_str!("../tests/data/keys/ed25519-private.pem");

    #[test]
    fn hint_is_sha256_of_the_openssl_pem() {
        let k = VerifyingKey::from_pem(P256_PUB).unwrap();
        assert_eq!(k.to_pem(), P256_PUB);
        assert_eq!(
            k.hint(),
            "ecd1977186452a79facc5c2693b00810590e51af531c4283b0b51e7c9acb1085"
        );
    }

    #[test]
    fn sign_verify_round_trip_and_tamper() {
        let sk = SigningKey::from_pem(P256_PRIV.as_bytes()).unwrap();
        assert_eq!(
            sk.verifying_key(),
            VerifyingKey::from_pem(P256_PUB).unwrap()
        );
        let sig = sk.sign_der(b"msg");
        assert!(sk.verifying_key().verify_der(b"msg", &sig).is_ok());
        assert!(sk.verifying_key().verify_der(b"msh", &sig).is_err());
        assert!(sk.verifying_key().verify_der(b"msg", &sig[1..]).is_err());
    }

    #[test]
    fn ed25519_and_garbage_are_rejected_with_a_reason() {
        let e = SigningKey::from_pem(ED_PRIV.as_bytes()).unwrap_err();
        assert!(e.contains("P-256"), "{e}");
        assert!(SigningKey::from_pem(b"\xff\xfe").is_err());
        assert!(
            SigningKey::from_pem(b"-----BEGIN PRIVATE KEY-----\n!!\n-----END PRIVATE KEY-----\n")
                .is_err()
        );
        assert!(
            VerifyingKey::from_pem(P256_PRIV)
                .unwrap_err()
                .contains("private key")
        );
    }
}
