//! X.509 certificate chains for the OMS `certificate` method.
//!
//! **Stricter than model_signing 1.1.1**, on purpose. model_signing checks the chain with the
//! clock set to the leaf's own `notBefore` (so an expired or not-yet-valid chain passes), accepts
//! a leaf whose key usage allows signing *or* whose extended key usage is code signing, and never
//! looks at who the signer is. This module:
//!
//! - checks every certificate of the path is valid at the verification time (now, unless the
//!   caller gives another instant);
//! - requires the leaf to be an end entity (not a CA), to carry `digitalSignature` if it has a
//!   key usage, `codeSigning` (or `anyExtendedKeyUsage`) if it has an extended key usage, and at
//!   least one of the two;
//! - requires every issuer to be a CA (`basicConstraints cA=TRUE`) with `keyCertSign` if it has
//!   a key usage, and honours `pathLenConstraint`;
//! - rejects certificates with critical extensions it does not process;
//! - optionally pins the signer identity (a SAN e-mail, URI or DNS name, or the subject CN).
//!
//! Signatures in the chain must be ECDSA (P-256/P-384/P-521 with SHA-256/384/512): this crate
//! carries no RSA implementation, so an RSA-signed chain is rejected with a clear message.

use crate::error::{Error, Result};
use crate::keys::VerifyingKey;
use const_oid::db::rfc5280;
use const_oid::db::rfc5912;
use der::{Decode, DecodePem, Encode};
use std::path::Path;
use std::time::{Duration, SystemTime};
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAltName};

/// Longest path (leaf to root) that is followed.
const MAX_PATH_LEN: usize = 10;

/// Certificates the verifier trusts as roots (trust anchors).
#[derive(Debug, Clone, Default)]
pub struct TrustedRoots {
    certs: Vec<Certificate>,
}

impl TrustedRoots {
    /// Reads one or more PEM certificates from each file.
    pub fn from_pem_files(paths: &[impl AsRef<Path>]) -> Result<TrustedRoots> {
        let mut certs = Vec::new();
        for p in paths {
            let p = p.as_ref();
            certs.extend(read_pem_certs(p)?);
        }
        if certs.is_empty() {
            return Err(Error::Certificate {
                what: "roots".into(),
                reason: "no certificates given".into(),
            });
        }
        Ok(TrustedRoots { certs })
    }

    /// Trust anchors from certificates already parsed.
    pub fn from_certs(certs: Vec<Certificate>) -> TrustedRoots {
        TrustedRoots { certs }
    }

    /// How many roots there are.
    pub fn len(&self) -> usize {
        self.certs.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }
}

/// Reads every PEM certificate in a file.
pub fn read_pem_certs(path: &Path) -> Result<Vec<Certificate>> {
    let bytes = crate::hashing::read_capped(path, 16 << 20)?.ok_or_else(|| Error::Certificate {
        what: path.display().to_string(),
        reason: "file is larger than 16 MiB".into(),
    })?;
    let certs = Certificate::load_pem_chain(&bytes).map_err(|e| Error::Certificate {
        what: path.display().to_string(),
        reason: format!("not PEM certificates: {e}"),
    })?;
    if certs.is_empty() {
        return Err(Error::Certificate {
            what: path.display().to_string(),
            reason: "no certificate in the file".into(),
        });
    }
    Ok(certs)
}

/// Parses one PEM certificate (used by the signer for `--certificate`).
pub fn parse_pem_cert(pem: &[u8]) -> std::result::Result<Certificate, String> {
    Certificate::from_pem(pem).map_err(|e| format!("not a PEM certificate: {e}"))
}

/// What a certificate-signed bundle must satisfy beyond the chain itself.
#[derive(Debug, Clone, Default)]
pub struct CertPolicy {
    /// The instant at which every certificate must be valid; `None` means now.
    pub at: Option<SystemTime>,
    /// Accepted signer identities. Empty accepts any identity the roots vouch for. An identity
    /// matches a SAN e-mail address, URI or DNS name exactly, or the subject common name.
    pub identities: Vec<String>,
}

/// The signer a verified chain names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSigner {
    /// The leaf's public key.
    pub key: VerifyingKey,
    /// The identities the leaf carries (SAN e-mail, URI, DNS; then subject CN).
    pub identities: Vec<String>,
    /// The subject of the leaf, RFC 4514 style.
    pub subject: String,
}

fn cert_err(what: &str, reason: impl Into<String>) -> Error {
    Error::UntrustedSigner(format!("{what}: {}", reason.into()))
}

fn describe(c: &Certificate) -> String {
    c.tbs_certificate().subject().to_string()
}

/// The identities a certificate asserts: SAN e-mail, URI and DNS names, then the subject CN.
pub fn identities(c: &Certificate) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(Some((_, san))) = c.tbs_certificate().get_extension::<SubjectAltName>() {
        for n in san.0 {
            match n {
                GeneralName::Rfc822Name(s)
                | GeneralName::DnsName(s)
                | GeneralName::UniformResourceIdentifier(s) => out.push(s.to_string()),
                _ => {}
            }
        }
    }
    if let Ok(Some(cn)) = c.tbs_certificate().subject().common_name() {
        out.push(String::from(cn));
    }
    out
}

fn check_validity(c: &Certificate, at: Duration, what: &str) -> Result<()> {
    let v = c.tbs_certificate().validity();
    let (nb, na) = (
        v.not_before.to_unix_duration(),
        v.not_after.to_unix_duration(),
    );
    if at < nb {
        return Err(cert_err(what, format!("not valid before {}", v.not_before)));
    }
    if at > na {
        return Err(cert_err(what, format!("expired at {}", v.not_after)));
    }
    Ok(())
}

fn check_critical_extensions(c: &Certificate, what: &str) -> Result<()> {
    let known = [
        rfc5280::ID_CE_BASIC_CONSTRAINTS,
        rfc5280::ID_CE_KEY_USAGE,
        rfc5280::ID_CE_EXT_KEY_USAGE,
        rfc5280::ID_CE_SUBJECT_ALT_NAME,
    ];
    for e in c
        .tbs_certificate()
        .extensions()
        .map(|e| e.as_slice())
        .unwrap_or(&[])
    {
        if e.critical && !known.contains(&e.extn_id) {
            return Err(cert_err(
                what,
                format!(
                    "has a critical extension {} this verifier does not process",
                    e.extn_id
                ),
            ));
        }
    }
    Ok(())
}

fn basic_constraints(c: &Certificate, what: &str) -> Result<Option<BasicConstraints>> {
    c.tbs_certificate()
        .get_extension::<BasicConstraints>()
        .map(|o| o.map(|(_, b)| b))
        .map_err(|e| cert_err(what, format!("bad basicConstraints: {e}")))
}

fn key_usage(c: &Certificate, what: &str) -> Result<Option<KeyUsage>> {
    c.tbs_certificate()
        .get_extension::<KeyUsage>()
        .map(|o| o.map(|(_, k)| k))
        .map_err(|e| cert_err(what, format!("bad keyUsage: {e}")))
}

fn check_leaf_usage(c: &Certificate) -> Result<()> {
    let what = "signing certificate";
    if basic_constraints(c, what)?.is_some_and(|b| b.ca) {
        return Err(cert_err(
            what,
            "is a CA certificate; sign with an end-entity certificate",
        ));
    }
    let ku = key_usage(c, what)?;
    let eku = c
        .tbs_certificate()
        .get_extension::<ExtendedKeyUsage>()
        .map_err(|e| cert_err(what, format!("bad extendedKeyUsage: {e}")))?
        .map(|(_, e)| e);
    if ku.is_none() && eku.is_none() {
        return Err(cert_err(
            what,
            "has neither keyUsage nor extendedKeyUsage, so it is not meant for signing",
        ));
    }
    if let Some(ku) = ku
        && !ku.digital_signature()
    {
        return Err(cert_err(what, "keyUsage does not include digitalSignature"));
    }
    if let Some(eku) = eku
        && !eku
            .0
            .iter()
            .any(|o| *o == rfc5280::ID_KP_CODE_SIGNING || *o == rfc5280::ANY_EXTENDED_KEY_USAGE)
    {
        return Err(cert_err(
            what,
            "extendedKeyUsage does not include codeSigning",
        ));
    }
    Ok(())
}

fn public_key(c: &Certificate, what: &str) -> Result<VerifyingKey> {
    let spki = c
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|e| cert_err(what, format!("bad public key: {e}")))?;
    VerifyingKey::from_spki_der(&spki).map_err(|e| cert_err(what, e))
}

/// Checks that `issuer` signed `child`.
fn verify_signed_by(child: &Certificate, issuer: &Certificate) -> std::result::Result<(), String> {
    use crate::hashing::HashAlgorithm;
    let tbs = child
        .tbs_certificate()
        .to_der()
        .map_err(|e| format!("cannot re-encode: {e}"))?;
    let alg = child.signature_algorithm().oid;
    let prehash: Vec<u8> = if alg == rfc5912::ECDSA_WITH_SHA_256 {
        HashAlgorithm::Sha256.digest(&tbs)
    } else if alg == rfc5912::ECDSA_WITH_SHA_384 {
        use sha2::Digest;
        sha2::Sha384::digest(&tbs).to_vec()
    } else if alg == rfc5912::ECDSA_WITH_SHA_512 {
        use sha2::Digest;
        sha2::Sha512::digest(&tbs).to_vec()
    } else {
        return Err(format!(
            "signature algorithm {alg} is not supported (only ECDSA with SHA-256/384/512)"
        ));
    };
    let key = VerifyingKey::from_spki_der(
        &issuer
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .map_err(|e| e.to_string())?,
    )?;
    let sig = child
        .signature()
        .as_bytes()
        .ok_or("signature bit string is not byte-aligned")?;
    key.verify_prehash_der(&prehash, sig)
}

/// Verifies a certificate chain (leaf first, then intermediates, DER) up to one of `roots`,
/// applies `policy`, and returns the leaf's key and identities.
pub fn verify_chain(
    chain_der: &[Vec<u8>],
    roots: &TrustedRoots,
    policy: &CertPolicy,
) -> Result<CertSigner> {
    let at = policy
        .at
        .unwrap_or_else(SystemTime::now)
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let mut certs = Vec::with_capacity(chain_der.len());
    for (i, der) in chain_der.iter().enumerate() {
        certs.push(Certificate::from_der(der).map_err(|e| {
            Error::MalformedBundle(format!(
                "certificate {i} of the bundle's chain is not DER X.509: {e}"
            ))
        })?);
    }
    let Some((leaf, intermediates)) = certs.split_first() else {
        return Err(Error::MalformedBundle(
            "the certificate chain is empty".into(),
        ));
    };
    check_leaf_usage(leaf)?;
    check_validity(leaf, at, "signing certificate")?;
    check_critical_extensions(leaf, "signing certificate")?;

    let leaf_der = leaf
        .to_der()
        .map_err(|e| cert_err("signing certificate", e.to_string()))?;
    let pinned_directly = roots
        .certs
        .iter()
        .any(|r| r.to_der().is_ok_and(|d| d == leaf_der));

    if !pinned_directly {
        let mut current = leaf;
        let mut reached_root = false;
        // `ca_below`: intermediates already on the path below `current`'s issuer.
        for ca_below in 0..MAX_PATH_LEN {
            let issuer_name = current.tbs_certificate().issuer();
            // A trusted root ends the path; prefer it over an intermediate of the same name.
            let root = roots.certs.iter().find(|r| {
                r.tbs_certificate().subject() == issuer_name && verify_signed_by(current, r).is_ok()
            });
            if let Some(root) = root {
                let what = format!("root {}", describe(root));
                check_validity(root, at, &what)?;
                reached_root = true;
                break;
            }
            let Some(next) = intermediates.iter().find(|c| {
                c.tbs_certificate().subject() == issuer_name && verify_signed_by(current, c).is_ok()
            }) else {
                return Err(Error::UntrustedSigner(format!(
                    "the chain of {} does not lead to a trusted root (no valid issuer `{issuer_name}`)",
                    describe(leaf)
                )));
            };
            let what = format!("intermediate {}", describe(next));
            check_validity(next, at, &what)?;
            check_critical_extensions(next, &what)?;
            match basic_constraints(next, &what)? {
                Some(b) if b.ca => {
                    if let Some(n) = b.path_len_constraint
                        && ca_below > usize::from(n)
                    {
                        return Err(cert_err(&what, "pathLenConstraint exceeded"));
                    }
                }
                _ => {
                    return Err(cert_err(
                        &what,
                        "is not a CA (basicConstraints cA is not set)",
                    ));
                }
            }
            if key_usage(next, &what)?.is_some_and(|k| !k.key_cert_sign()) {
                return Err(cert_err(&what, "keyUsage does not include keyCertSign"));
            }
            current = next;
        }
        if !reached_root {
            return Err(Error::UntrustedSigner(format!(
                "the chain of {} is longer than {MAX_PATH_LEN} certificates",
                describe(leaf)
            )));
        }
    }

    let ids = identities(leaf);
    if !policy.identities.is_empty() && !ids.iter().any(|i| policy.identities.contains(i)) {
        return Err(Error::UntrustedSigner(format!(
            "signer identity {} is not one of the accepted identities ({})",
            if ids.is_empty() {
                "(none)".to_string()
            } else {
                ids.join(", ")
            },
            policy.identities.join(", ")
        )));
    }
    Ok(CertSigner {
        key: public_key(leaf, "signing certificate")?,
        identities: ids,
        subject: describe(leaf),
    })
}
