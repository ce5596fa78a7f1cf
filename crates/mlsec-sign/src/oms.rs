//! The OMS wire format: Sigstore bundle v0.3, DSSE envelope, in-toto statement v1 with the
//! `https://model_signing/signature/v1.0` predicate (see `oms-signing.md` §2).
//!
//! These serde types are the crate's edge. Parsing is lenient where the spec and model_signing
//! are (camelCase or snake_case keys, `keyid` absent or null, `shard_size` as `1000.0`), and
//! strict where security needs it (exactly one subject and one signature, no duplicate or
//! escaping resource names, the root digest recomputed in listed order).

use crate::error::{Error, Result};
use crate::hashing::HashAlgorithm;
use crate::manifest::{HashingConfig, Manifest, Method};
use base64::Engine as _;
use mlsec_core::digest::to_hex;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// `mediaType` of a Sigstore bundle v0.3 in JSON.
pub const BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// The DSSE `payloadType` of an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// The in-toto statement `_type`.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The OMS predicate type.
pub const PREDICATE_TYPE: &str = "https://model_signing/signature/v1.0";
/// The pre-1.0 predicate type, recognised only to say it is unsupported.
const LEGACY_PREDICATE_TYPE: &str = "https://model_signing/Digests/v0.1";

/// Bundles larger than this are refused before parsing (a manifest of a million shards is
/// about 150 MB of JSON, base64-encoded).
pub const MAX_BUNDLE_BYTES: usize = 512 << 20;

/// Longest resource name accepted (Linux `PATH_MAX`): longer names cannot exist on disk, and
/// capping them keeps every error message short.
const MAX_NAME_BYTES: usize = 4096;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A Sigstore bundle (v0.3) as OMS uses it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    /// Must be [`BUNDLE_MEDIA_TYPE`].
    #[serde(alias = "media_type")]
    pub media_type: String,
    /// The key hint, certificate chain or Fulcio certificate.
    #[serde(alias = "verification_material")]
    pub verification_material: VerificationMaterial,
    /// The signed envelope. OMS bundles always carry one (never a bare `messageSignature`).
    #[serde(
        alias = "dsse_envelope",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub dsse_envelope: Option<DsseEnvelope>,
}

/// How the verifier finds the signer's key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationMaterial {
    /// Key-based signatures: a hint naming the key.
    #[serde(alias = "public_key", default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<PublicKeyIdentifier>,
    /// Certificate-based signatures: leaf first, then the intermediates.
    #[serde(
        alias = "x509_certificate_chain",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub x509_certificate_chain: Option<X509CertificateChain>,
    /// Keyless (Sigstore/Fulcio) signatures: the short-lived leaf certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<X509Certificate>,
    /// Transparency-log entries (Rekor). Empty for key and certificate signatures.
    #[serde(alias = "tlog_entries", default, deserialize_with = "null_as_empty")]
    pub tlog_entries: Vec<serde_json::Value>,
    /// RFC 3161 timestamps, kept so a re-serialised bundle loses nothing.
    #[serde(
        alias = "timestamp_verification_data",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp_verification_data: Option<serde_json::Value>,
}

/// Names the public key of a key-based signature.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKeyIdentifier {
    /// Hex SHA-256 of the PEM public key file (model_signing's convention).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// A certificate chain, leaf first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct X509CertificateChain {
    /// The certificates.
    #[serde(default)]
    pub certificates: Vec<X509Certificate>,
}

/// One DER certificate, base64-encoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct X509Certificate {
    /// Base64 (standard, padded) of the DER bytes.
    #[serde(alias = "raw_bytes")]
    pub raw_bytes: String,
}

/// A DSSE envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DsseEnvelope {
    /// Base64 of the statement bytes.
    pub payload: String,
    /// Must be [`PAYLOAD_TYPE`].
    #[serde(alias = "payload_type")]
    pub payload_type: String,
    /// Exactly one for OMS.
    pub signatures: Vec<DsseSignature>,
}

/// One DSSE signature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DsseSignature {
    /// Base64 of the DER ECDSA signature.
    pub sig: String,
    /// Written as `""`; absent or null is accepted.
    #[serde(default, deserialize_with = "null_as_default")]
    pub keyid: String,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<serde_json::Value>, D::Error> {
    Ok(Option::<Vec<serde_json::Value>>::deserialize(d)?.unwrap_or_default())
}

fn null_as_default<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// The in-toto statement, with fields declared in byte order of their JSON names so that the
/// emitted payload has sorted keys (deterministic output).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatementWire {
    /// Must be [`STATEMENT_TYPE`].
    #[serde(rename = "_type")]
    pub type_: String,
    /// The OMS predicate.
    pub predicate: PredicateWire,
    /// Must be [`PREDICATE_TYPE`].
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// Exactly one: the model, with the root digest.
    pub subject: Vec<SubjectWire>,
}

/// The OMS predicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredicateWire {
    /// The manifest entries.
    pub resources: Vec<ResourceWire>,
    /// How the manifest was computed.
    pub serialization: SerializationWire,
}

/// One manifest entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceWire {
    /// `sha256`, or `sha256-sharded-1000` for shards.
    pub algorithm: String,
    /// Lowercase hex.
    pub digest: String,
    /// POSIX relative path, with `:start:end` for shards.
    pub name: String,
}

/// The `serialization` block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SerializationWire {
    /// Whether file symlinks were followed.
    #[serde(default)]
    pub allow_symlinks: bool,
    /// `sha256`, `blake2b` (or `blake2`) or `blake3`.
    pub hash_type: String,
    /// Paths left out, relative to the model root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_paths: Option<Vec<String>>,
    /// `files` or `shards`.
    pub method: String,
    /// Shard size for `shards`; model_signing writes it as a float (`1000.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard_size: Option<serde_json::Number>,
}

/// The in-toto subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubjectWire {
    /// `{"sha256": "<root digest hex>"}`.
    pub digest: BTreeMap<String, String>,
    /// The model's base name (informational).
    pub name: String,
}

/// DSSE pre-authentication encoding: what the signature is computed over.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + payload_type.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// Decodes standard base64, naming the field in the error.
pub fn b64_decode(field: &str, s: &str) -> Result<Vec<u8>> {
    B64.decode(s.trim())
        .map_err(|e| Error::MalformedBundle(format!("{field} is not valid base64: {e}")))
}

/// Encodes standard padded base64.
pub fn b64_encode(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

impl Bundle {
    /// Parses bundle JSON and checks its outer shape: media type, one DSSE signature, the
    /// payload type.
    pub fn parse(bytes: &[u8]) -> Result<Bundle> {
        if bytes.len() > MAX_BUNDLE_BYTES {
            return Err(Error::MalformedBundle(format!(
                "bundle is {} bytes, more than the {MAX_BUNDLE_BYTES}-byte limit",
                bytes.len()
            )));
        }
        let b: Bundle = serde_json::from_slice(bytes)
            .map_err(|e| Error::MalformedBundle(format!("not a Sigstore bundle: {e}")))?;
        if b.media_type != BUNDLE_MEDIA_TYPE {
            return Err(Error::UnsupportedBundle(format!(
                "mediaType `{}`, expected `{BUNDLE_MEDIA_TYPE}`",
                truncate(&b.media_type)
            )));
        }
        let env = b.envelope()?;
        if env.payload_type != PAYLOAD_TYPE {
            return Err(Error::UnsupportedBundle(format!(
                "payloadType `{}`, expected `{PAYLOAD_TYPE}`",
                truncate(&env.payload_type)
            )));
        }
        if env.signatures.len() != 1 {
            return Err(Error::MalformedBundle(format!(
                "the envelope has {} signatures; OMS bundles have exactly one",
                env.signatures.len()
            )));
        }
        Ok(b)
    }

    /// The DSSE envelope.
    pub fn envelope(&self) -> Result<&DsseEnvelope> {
        self.dsse_envelope
            .as_ref()
            .ok_or_else(|| Error::MalformedBundle("no dsseEnvelope (not an OMS bundle)".into()))
    }

    /// The raw payload bytes (the statement, exactly as signed).
    pub fn payload(&self) -> Result<Vec<u8>> {
        b64_decode("dsseEnvelope.payload", &self.envelope()?.payload)
    }

    /// The DER signature bytes of the (single) signature.
    pub fn signature(&self) -> Result<Vec<u8>> {
        let env = self.envelope()?;
        let s = env
            .signatures
            .first()
            .ok_or_else(|| Error::MalformedBundle("the envelope has no signature".into()))?;
        b64_decode("dsseEnvelope.signatures[0].sig", &s.sig)
    }

    /// Serialises the bundle as compact JSON.
    pub fn to_json(&self) -> Vec<u8> {
        // Serialising plain structs of strings cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

fn truncate(s: &str) -> String {
    if s.len() <= 80 {
        return s.to_string();
    }
    let mut end = 80;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// A resource of a signed manifest, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedResource {
    /// The name as signed.
    pub name: String,
    /// The file path part of the name (without `:start:end`).
    pub file: String,
    /// The shard range, for `shards`.
    pub range: Option<(u64, u64)>,
    /// The `algorithm` string as signed.
    pub algorithm: String,
    /// Digest bytes.
    pub digest: Vec<u8>,
}

/// A signed statement, parsed and checked for internal consistency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The subject name (informational: the model's base name when signed).
    pub subject_name: String,
    /// The root digest the subject carries, checked against the resources.
    pub root_digest: [u8; 32],
    /// The hashing configuration recorded in `serialization`.
    pub config: HashingConfig,
    /// Whether `ignore_paths` was present at all (absent means the git defaults).
    pub ignore_paths_recorded: bool,
    /// The resources, in signed order.
    pub resources: Vec<SignedResource>,
}

/// Checks that a resource file name is a clean relative POSIX path (or `.` for a single file),
/// so a manifest can never name something outside the model.
fn check_name(name: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(Error::InconsistentManifest(format!(
            "resource name `{}` {why}",
            truncate(name)
        )))
    };
    if name == "." {
        return Ok(());
    }
    if name.is_empty() {
        return bad("is empty");
    }
    if name.len() > MAX_NAME_BYTES {
        return bad("is longer than any path a file system accepts");
    }
    if name.starts_with('/') {
        return bad("is absolute");
    }
    if name.contains('\0') {
        return bad("contains NUL");
    }
    if name
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return bad("is not a clean relative path (empty, `.` or `..` component)");
    }
    Ok(())
}

fn parse_hex(field: &str, s: &str, len: usize) -> Result<Vec<u8>> {
    if s.len() != len * 2 {
        return Err(Error::InconsistentManifest(format!(
            "{}: digest `{}` should be {} hex digits",
            truncate(field),
            truncate(s),
            len * 2
        )));
    }
    // `from_str_radix` alone would accept a `+` sign; Python's `bytes.fromhex` does not.
    if !s.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(Error::InconsistentManifest(format!(
            "{}: digest `{}` is not hex",
            truncate(field),
            truncate(s)
        )));
    }
    let out: Option<Vec<u8>> = (0..len)
        .map(|i| {
            s.get(2 * i..2 * i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    out.ok_or_else(|| {
        Error::InconsistentManifest(format!(
            "{}: digest `{}` is not hex",
            truncate(field),
            truncate(s)
        ))
    })
}

fn parse_shard_size(n: &serde_json::Number) -> Option<u64> {
    if let Some(u) = n.as_u64() {
        return Some(u);
    }
    // model_signing writes protobuf Struct doubles: `1000.0`. Accept integral values only.
    let f = n.as_f64()?;
    (f.fract() == 0.0 && (1.0..=9_007_199_254_740_992.0).contains(&f)).then_some(f as u64)
}

impl Statement {
    /// Parses the payload bytes of an OMS envelope and checks them: statement and predicate
    /// types, one subject, a known serialization, clean unique names, well-formed digests,
    /// and the root digest recomputed over the resources in listed order.
    pub fn parse(payload: &[u8]) -> Result<Statement> {
        let v: serde_json::Value = serde_json::from_slice(payload)
            .map_err(|e| Error::MalformedBundle(format!("payload is not JSON: {e}")))?;
        if v.get("predicateType").and_then(|p| p.as_str()) == Some(LEGACY_PREDICATE_TYPE) {
            return Err(Error::UnsupportedBundle(format!(
                "predicate type `{LEGACY_PREDICATE_TYPE}` (model_signing < 1.0) is not supported; re-sign the model"
            )));
        }
        let st: StatementWire = serde_json::from_value(v)
            .map_err(|e| Error::MalformedBundle(format!("payload is not an OMS statement: {e}")))?;
        if st.type_ != STATEMENT_TYPE {
            return Err(Error::UnsupportedBundle(format!(
                "statement _type `{}`, expected `{STATEMENT_TYPE}`",
                truncate(&st.type_)
            )));
        }
        if st.predicate_type != PREDICATE_TYPE {
            return Err(Error::UnsupportedBundle(format!(
                "predicateType `{}`, expected `{PREDICATE_TYPE}`",
                truncate(&st.predicate_type)
            )));
        }
        let [subject] = st.subject.as_slice() else {
            return Err(Error::InconsistentManifest(format!(
                "the statement has {} subjects; OMS statements have exactly one",
                st.subject.len()
            )));
        };
        let root_hex = subject.digest.get("sha256").ok_or_else(|| {
            Error::InconsistentManifest("the subject has no sha256 digest".into())
        })?;
        let root: [u8; 32] = parse_hex("subject", root_hex, 32)?
            .try_into()
            .map_err(|_| Error::InconsistentManifest("subject digest length".into()))?;

        let ser = &st.predicate.serialization;
        let hash = HashAlgorithm::from_oms_name(&ser.hash_type).ok_or_else(|| {
            Error::UnsupportedBundle(format!("hash_type `{}`", truncate(&ser.hash_type)))
        })?;
        let method = match ser.method.as_str() {
            "files" => Method::Files,
            "shards" => {
                let n = ser.shard_size.as_ref().ok_or_else(|| {
                    Error::InconsistentManifest("method `shards` without shard_size".into())
                })?;
                let shard_size = parse_shard_size(n).filter(|&s| s > 0).ok_or_else(|| {
                    Error::InconsistentManifest(format!(
                        "shard_size `{n}` is not a positive integer"
                    ))
                })?;
                Method::Shards { shard_size }
            }
            other => {
                return Err(Error::UnsupportedBundle(format!(
                    "serialization method `{}`",
                    truncate(other)
                )));
            }
        };
        let config = HashingConfig {
            method,
            hash,
            allow_symlinks: ser.allow_symlinks,
            ignore_paths: ser.ignore_paths.clone().unwrap_or_else(|| {
                crate::manifest::GIT_IGNORES
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            }),
        };
        // Accept both what model_signing writes for shards and what the spec text says.
        let accepted: [String; 2] = [hash.oms_name().to_string(), config.resource_algorithm()];
        let alias = (ser.hash_type == "blake2").then(|| "blake2".to_string());

        let mut seen = HashSet::new();
        let mut resources = Vec::with_capacity(st.predicate.resources.len());
        for r in &st.predicate.resources {
            let (file, range) = match method {
                Method::Files => (r.name.clone(), None),
                Method::Shards { .. } => {
                    // Split from the right: colons are legal in file names.
                    let mut it = r.name.rsplitn(3, ':');
                    let (e, s, f) = (it.next(), it.next(), it.next());
                    let parsed = match (
                        f,
                        s.and_then(|s| s.parse::<u64>().ok()),
                        e.and_then(|e| e.parse::<u64>().ok()),
                    ) {
                        (Some(f), Some(s), Some(e)) if s < e => Some((f.to_string(), (s, e))),
                        _ => None,
                    };
                    let (f, rg) = parsed.ok_or_else(|| {
                        Error::InconsistentManifest(format!(
                            "shard name `{}` is not `path:start:end`",
                            truncate(&r.name)
                        ))
                    })?;
                    (f, Some(rg))
                }
            };
            check_name(&file)?;
            if !accepted.contains(&r.algorithm) && alias.as_deref() != Some(r.algorithm.as_str()) {
                return Err(Error::InconsistentManifest(format!(
                    "{}: algorithm `{}` does not match hash_type `{}`",
                    truncate(&r.name),
                    truncate(&r.algorithm),
                    ser.hash_type
                )));
            }
            let digest = parse_hex(&r.name, &r.digest, hash.digest_len())?;
            if !seen.insert(r.name.as_str()) {
                return Err(Error::InconsistentManifest(format!(
                    "resource `{}` is listed twice",
                    truncate(&r.name)
                )));
            }
            resources.push(SignedResource {
                name: r.name.clone(),
                file,
                range,
                algorithm: r.algorithm.clone(),
                digest,
            });
        }
        let computed = crate::manifest::root_digest(resources.iter().map(|r| r.digest.as_slice()));
        if computed != root {
            return Err(Error::InconsistentManifest(format!(
                "the subject digest {} is not the root of the listed resources ({})",
                to_hex(&root),
                to_hex(&computed)
            )));
        }
        Ok(Statement {
            subject_name: subject.name.clone(),
            root_digest: root,
            config,
            ignore_paths_recorded: ser.ignore_paths.is_some(),
            resources,
        })
    }
}

/// Builds the statement payload for a manifest: compact JSON, sorted keys, UTF-8 names,
/// integer `shard_size`, `ignore_paths` sorted (model_signing accepts all of these).
pub fn statement_payload(manifest: &Manifest, subject_name: &str) -> Vec<u8> {
    let cfg = &manifest.config;
    let mut ignore: Vec<String> = cfg.ignore_paths.clone();
    ignore.sort();
    ignore.dedup();
    let st = StatementWire {
        type_: STATEMENT_TYPE.into(),
        predicate: PredicateWire {
            resources: manifest
                .items
                .iter()
                .map(|i| ResourceWire {
                    algorithm: i.algorithm.clone(),
                    digest: to_hex(&i.digest),
                    name: i.name.clone(),
                })
                .collect(),
            serialization: SerializationWire {
                allow_symlinks: cfg.allow_symlinks,
                hash_type: cfg.hash.oms_name().into(),
                ignore_paths: Some(ignore),
                method: match cfg.method {
                    Method::Files => "files".into(),
                    Method::Shards { .. } => "shards".into(),
                },
                shard_size: match cfg.method {
                    Method::Files => None,
                    Method::Shards { shard_size } => Some(shard_size.into()),
                },
            },
        },
        predicate_type: PREDICATE_TYPE.into(),
        subject: vec![SubjectWire {
            digest: BTreeMap::from([("sha256".to_string(), to_hex(&manifest.root_digest()))]),
            name: subject_name.into(),
        }],
    };
    serde_json::to_vec(&st).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_dsse_spec() {
        assert_eq!(pae("t", b"hello"), b"DSSEv1 1 t 5 hello");
        assert_eq!(
            pae(PAYLOAD_TYPE, b""),
            b"DSSEv1 28 application/vnd.in-toto+json 0 "
        );
    }

    #[test]
    fn shard_size_accepts_integral_floats_only() {
        let n = |s: &str| serde_json::from_str::<serde_json::Number>(s).unwrap();
        assert_eq!(parse_shard_size(&n("1000")), Some(1000));
        assert_eq!(parse_shard_size(&n("1000.0")), Some(1000));
        assert_eq!(parse_shard_size(&n("1000.5")), None);
        assert_eq!(parse_shard_size(&n("-1")), None);
        assert_eq!(parse_shard_size(&n("1e300")), None);
    }

    #[test]
    fn names_that_escape_are_rejected() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "./a",
            "a/",
            "a\0b",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        for good in [".", "a", "a/b", "dür/ü.txt", "a:b", ".gitx"] {
            assert!(check_name(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn bundle_keyid_and_tlog_may_be_null_or_absent() {
        let j = br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial":{"publicKey":{"hint":"ab"},"tlogEntries":null},
            "dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json",
            "signatures":[{"sig":"AA==","keyid":null}]}}"#;
        let b = Bundle::parse(j).unwrap();
        assert_eq!(b.envelope().unwrap().signatures[0].keyid, "");
        assert!(b.verification_material.tlog_entries.is_empty());
        let j2 = br#"{"media_type":"application/vnd.dev.sigstore.bundle.v0.3+json",
            "verification_material":{},
            "dsse_envelope":{"payload":"e30=","payload_type":"application/vnd.in-toto+json",
            "signatures":[{"sig":"AA=="}]}}"#;
        assert!(Bundle::parse(j2).is_ok());
    }
}
