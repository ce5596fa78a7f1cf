//! Signing: manifest → in-toto statement → DSSE envelope → Sigstore bundle.

use crate::error::{Error, Result};
use crate::keys::SigningKey;
use crate::manifest::{self, ComputeOptions, HashingConfig, Manifest};
use crate::oms::{
    self, BUNDLE_MEDIA_TYPE, Bundle, DsseEnvelope, DsseSignature, PAYLOAD_TYPE,
    PublicKeyIdentifier, VerificationMaterial, X509Certificate, X509CertificateChain,
};
use der::Encode;
use std::path::Path;

/// Who signs, and what proves it in the bundle.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Signer {
    /// A bare key: the bundle carries the key hint (`model_signing sign key`).
    Key(SigningKey),
    /// A key with its certificate and the chain up to (not necessarily including) a root: the
    /// bundle carries the certificates (`model_signing sign certificate`).
    Certificate {
        /// The private key of the leaf certificate.
        key: SigningKey,
        /// The leaf certificate, DER.
        leaf: Vec<u8>,
        /// Intermediates (and optionally the root), DER, leaf's issuer first.
        chain: Vec<Vec<u8>>,
    },
}

impl Signer {
    /// A certificate signer from PEM files. Checks that the certificate's public key is the
    /// key's own, as model_signing does.
    pub fn from_certificate_files(
        key: SigningKey,
        certificate: &Path,
        chain: &[impl AsRef<Path>],
    ) -> Result<Signer> {
        let certs = crate::cert::read_pem_certs(certificate)?;
        let leaf = certs.first().ok_or_else(|| Error::Certificate {
            what: certificate.display().to_string(),
            reason: "no certificate in the file".into(),
        })?;
        let spki = leaf
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .map_err(|e| Error::Certificate {
                what: certificate.display().to_string(),
                reason: e.to_string(),
            })?;
        let cert_key = crate::keys::VerifyingKey::from_spki_der(&spki).map_err(|reason| {
            Error::Certificate {
                what: certificate.display().to_string(),
                reason,
            }
        })?;
        if cert_key != key.verifying_key() {
            return Err(Error::Certificate {
                what: certificate.display().to_string(),
                reason: "its public key does not match the private key".into(),
            });
        }
        let to_der = |c: &x509_cert::Certificate, what: &Path| {
            c.to_der().map_err(|e| Error::Certificate {
                what: what.display().to_string(),
                reason: e.to_string(),
            })
        };
        let mut chain_der = Vec::new();
        for p in chain {
            for c in crate::cert::read_pem_certs(p.as_ref())? {
                chain_der.push(to_der(&c, p.as_ref())?);
            }
        }
        Ok(Signer::Certificate {
            leaf: to_der(leaf, certificate)?,
            key,
            chain: chain_der,
        })
    }

    fn key(&self) -> &SigningKey {
        match self {
            Signer::Key(k) | Signer::Certificate { key: k, .. } => k,
        }
    }

    fn material(&self) -> VerificationMaterial {
        match self {
            Signer::Key(k) => VerificationMaterial {
                public_key: Some(PublicKeyIdentifier {
                    hint: Some(k.verifying_key().hint()),
                }),
                ..VerificationMaterial::default()
            },
            Signer::Certificate { leaf, chain, .. } => VerificationMaterial {
                x509_certificate_chain: Some(X509CertificateChain {
                    certificates: std::iter::once(leaf)
                        .chain(chain)
                        .map(|d| X509Certificate {
                            raw_bytes: oms::b64_encode(d),
                        })
                        .collect(),
                }),
                ..VerificationMaterial::default()
            },
        }
    }
}

/// The result of signing.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The bundle to write (see [`Bundle::to_json`]).
    pub bundle: Bundle,
    /// The manifest that was signed.
    pub manifest: Manifest,
    /// The statement payload bytes that were signed.
    pub payload: Vec<u8>,
}

/// The subject name model_signing writes: the base name of the model directory or file.
pub fn subject_name(model: &Path) -> String {
    std::fs::canonicalize(model)
        .ok()
        .as_deref()
        .unwrap_or(model)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "model".into())
}

/// Signs a model directory or file.
///
/// `signature_path` is where the bundle will be written: when it lies inside the model it is
/// added to the recorded `ignore_paths`, as `model_signing sign` does. An empty model (no file
/// left after ignores) is refused: the OMS spec forbids it and such a signature proves nothing.
pub fn sign_model(
    model: &Path,
    signer: &Signer,
    mut config: HashingConfig,
    signature_path: Option<&Path>,
    opts: ComputeOptions<'_>,
) -> Result<Signed> {
    if let Some(rel) = signature_path.and_then(|s| manifest::relative_inside(model, s)) {
        config.ignore_paths.push(rel);
    }
    let mut ignores: Vec<String> = config
        .ignore_paths
        .iter()
        .filter_map(|p| manifest::normalize_ignore(p))
        .collect();
    ignores.sort();
    ignores.dedup();
    config.ignore_paths = ignores;
    let manifest = manifest::compute(model, &config, opts)?;
    if manifest.items.is_empty() && manifest.files.is_empty() {
        return Err(Error::EmptyModel {
            path: model.to_path_buf(),
        });
    }
    let payload = oms::statement_payload(&manifest, &subject_name(model));
    let sig = signer.key().sign_der(&oms::pae(PAYLOAD_TYPE, &payload));
    let bundle = Bundle {
        media_type: BUNDLE_MEDIA_TYPE.into(),
        verification_material: signer.material(),
        dsse_envelope: Some(DsseEnvelope {
            payload: oms::b64_encode(&payload),
            payload_type: PAYLOAD_TYPE.into(),
            signatures: vec![DsseSignature {
                sig: oms::b64_encode(&sig),
                keyid: String::new(),
            }],
        }),
    };
    Ok(Signed {
        bundle,
        manifest,
        payload,
    })
}
