//! Verification: bundle → signer → statement → re-hash → per-file comparison.
//!
//! The order follows model_signing (`oms-signing.md` §2.8), with the policy checks of
//! [`Policy`] added and errors that name each file and what differed.

use crate::error::{Error, Result};
use crate::manifest::{self, ComputeOptions, Method};
use crate::oms::{self, Bundle, Statement};
use crate::policy::Policy;
use mlsec_core::digest::to_hex;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// One way the files on disk differ from the signed manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Difference {
    /// The file's bytes differ from what was signed.
    Modified {
        /// Path relative to the model root.
        file: String,
        /// For shards: the first range whose digest differs.
        range: Option<(u64, u64)>,
        /// Another signed file whose content this file now has (swapped contents).
        same_as: Option<String>,
    },
    /// The file's size changed, so its shards no longer line up (shards method).
    Resized {
        /// Path relative to the model root.
        file: String,
        /// Size implied by the signed shards.
        signed: u64,
        /// Size on disk.
        found: u64,
    },
    /// A signed file is not on disk.
    Missing {
        /// Path relative to the model root.
        file: String,
    },
    /// A file on disk is not covered by the signature.
    Extra {
        /// Path relative to the model root.
        file: String,
    },
    /// A signed file is now under another name (same content, old name gone).
    Moved {
        /// The signed name.
        from: String,
        /// The name on disk.
        to: String,
    },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Modified {
                file,
                range,
                same_as,
            } => {
                write!(f, "{file}: digest mismatch")?;
                if let Some((s, e)) = range {
                    write!(f, " in bytes {s}..{e}")?;
                }
                if let Some(o) = same_as {
                    write!(f, " (it now has the signed content of {o})")?;
                }
                Ok(())
            }
            Difference::Resized {
                file,
                signed,
                found,
            } => {
                write!(
                    f,
                    "{file}: size changed (signed {signed} bytes, found {found})"
                )
            }
            Difference::Missing { file } => write!(f, "{file}: missing (signed, not on disk)"),
            Difference::Extra { file } => {
                write!(f, "{file}: extra file (not covered by the signature)")
            }
            Difference::Moved { from, to } => write!(f, "{to}: renamed or moved from {from}"),
        }
    }
}

/// A successful verification.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The subject name in the statement (informational).
    pub subject_name: String,
    /// The signed root digest (the model digest that keys all mlsec evidence).
    pub root_digest: [u8; 32],
    /// Who signed: `key <hint>` or the certificate subject and identities.
    pub signer: String,
    /// The hashing configuration the signature recorded.
    pub config: manifest::HashingConfig,
    /// Number of signed resources.
    pub resources: usize,
    /// Number of files checked.
    pub files: usize,
    /// Bytes hashed.
    pub bytes: u64,
    /// The `ignore_paths` the signer recorded (files under them are outside the guarantee).
    pub ignored_paths: Vec<String>,
    /// Things worth telling the user that do not fail verification.
    pub warnings: Vec<String>,
}

impl Verified {
    /// The root digest in `sha256:<hex>` form.
    pub fn model_digest(&self) -> String {
        format!("sha256:{}", to_hex(&self.root_digest))
    }
}

/// Options for [`verify_model`].
#[derive(Debug, Default, Clone, Copy)]
pub struct VerifyOptions<'a> {
    /// The signature file's path: if it lies inside the model it is left out of the
    /// comparison (as model_signing does).
    pub signature_path: Option<&'a Path>,
    /// A hash cache to *record* fresh digests in. Verification never answers from it.
    pub cache: Option<&'a crate::cache::HashCache>,
}

/// The result of checking a bundle's signature, before any file is read.
#[derive(Debug, Clone)]
pub struct CheckedBundle {
    /// The verified statement.
    pub statement: Statement,
    /// Who signed.
    pub signer: String,
    /// Warnings (missing key hint, …).
    pub warnings: Vec<String>,
}

/// Checks the bundle's signature against the policy's keys or roots and parses the statement.
pub fn verify_bundle(bundle_bytes: &[u8], policy: &Policy) -> Result<CheckedBundle> {
    let bundle = Bundle::parse(bundle_bytes)?;
    let vm = &bundle.verification_material;
    let payload = bundle.payload()?;
    let sig = bundle.signature()?;
    let pae = oms::pae(oms::PAYLOAD_TYPE, &payload);
    let mut warnings = Vec::new();

    let signer = if let Some(chain) = &vm.x509_certificate_chain {
        let roots = policy.roots.as_ref().ok_or_else(|| {
            Error::UntrustedSigner(
                "the bundle is signed with a certificate; verify it with trusted roots (--certificate-chain)".into(),
            )
        })?;
        let ders = chain
            .certificates
            .iter()
            .enumerate()
            .map(|(i, c)| oms::b64_decode(&format!("certificate {i}"), &c.raw_bytes))
            .collect::<Result<Vec<_>>>()?;
        let cs = crate::cert::verify_chain(&ders, roots, &policy.cert)?;
        cs.key.verify_der(&pae, &sig).map_err(Error::BadSignature)?;
        if cs.identities.is_empty() {
            format!("certificate {}", cs.subject)
        } else {
            format!("certificate {} ({})", cs.subject, cs.identities.join(", "))
        }
    } else if vm.certificate.is_some() || !vm.tlog_entries.is_empty() {
        return Err(Error::UnsupportedBundle(
            "keyless Sigstore bundles (Fulcio certificate and Rekor entry) cannot be verified offline by mlsec: \
             that needs the Sigstore trusted root, the Rekor inclusion proof and signed checkpoint, and the \
             certificate's embedded SCTs checked, and no maintained pure-Rust crate does that; \
             use `model_signing verify sigstore`"
                .into(),
        ));
    } else {
        if policy.keys.is_empty() {
            return Err(Error::UntrustedSigner(
                "the bundle is signed with a key; verify it with the public key (--key)".into(),
            ));
        }
        let hint = vm.public_key.as_ref().and_then(|p| p.hint.clone());
        let candidates: Vec<_> = match &hint {
            Some(h) => {
                let c: Vec<_> = policy
                    .keys
                    .iter()
                    .filter(|k| k.hint().eq_ignore_ascii_case(h))
                    .collect();
                if c.is_empty() {
                    return Err(Error::UntrustedSigner(format!(
                        "the bundle names key {h}, which is not a trusted key (trusted: {})",
                        policy
                            .keys
                            .iter()
                            .map(|k| k.hint())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
                c
            }
            None => {
                warnings.push("the bundle carries no key hint; tried every trusted key".into());
                policy.keys.iter().collect()
            }
        };
        let mut last = String::new();
        let mut ok = None;
        for k in candidates {
            match k.verify_der(&pae, &sig) {
                Ok(()) => {
                    ok = Some(k);
                    break;
                }
                Err(e) => last = e,
            }
        }
        let k = ok.ok_or(Error::BadSignature(last))?;
        format!("key {} ({})", k.hint(), k.curve().name())
    };

    let statement = Statement::parse(&payload)?;
    Ok(CheckedBundle {
        statement,
        signer,
        warnings,
    })
}

/// Verifies a model directory or file against a signature bundle under a policy.
///
/// Succeeds only when the signature verifies with a trusted key or chain, the policy holds,
/// and every file matches the manifest. A mismatch is reported as
/// [`Error::Mismatch`] listing every differing file.
pub fn verify_model(
    model: &Path,
    bundle_bytes: &[u8],
    policy: &Policy,
    opts: VerifyOptions<'_>,
) -> Result<Verified> {
    let CheckedBundle {
        statement,
        signer,
        mut warnings,
    } = verify_bundle(bundle_bytes, policy)?;
    check_policy(&statement, policy)?;

    let mut config = statement.config.clone();
    if let Some(rel) = opts
        .signature_path
        .and_then(|s| manifest::relative_inside(model, s))
    {
        config.ignore_paths.push(rel);
    }
    let files = manifest::enumerate(model, &config)?;
    if !policy.never_ignore.is_empty() {
        check_never_ignored(model, &statement, policy, opts.signature_path)?;
    }
    let computed = manifest::compute_files(
        files,
        &config,
        ComputeOptions {
            cache: opts.cache,
            cache_write_only: true,
        },
    )?;

    let mut signed = statement.resources.clone();
    // A single-file model signed under its base name (the spec's wording) instead of ".".
    if computed.files.len() == 1
        && computed.files[0].rel == "."
        && signed.len() == statement.resources.len()
        && signed.iter().all(|r| r.file == statement.subject_name)
    {
        for r in &mut signed {
            r.file = ".".into();
        }
    }
    let mut differences = diff(&signed, &computed, statement.config.method);
    // A single-file model's resource is named "."; name the file itself in the report.
    if let Some(name) = model
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|_| model.is_file())
    {
        for d in &mut differences {
            rename_dot(d, name);
        }
    }
    if !differences.is_empty() {
        return Err(Error::Mismatch { differences });
    }
    if matches!(statement.config.method, Method::Shards { .. })
        && computed.files.iter().any(|f| f.size == 0)
    {
        warnings.push(
            "empty files are not covered by `shards` signatures (OMS upstream behaviour): adding or removing one goes undetected"
                .into(),
        );
    }
    let ignored_paths = statement.config.ignore_paths.clone();
    Ok(Verified {
        subject_name: statement.subject_name,
        root_digest: statement.root_digest,
        signer,
        resources: statement.resources.len(),
        files: computed.files.len(),
        bytes: computed.total_bytes(),
        config: statement.config,
        ignored_paths,
        warnings,
    })
}

fn rename_dot(d: &mut Difference, name: &str) {
    let fix = |f: &mut String| {
        if f == "." {
            *f = name.to_string();
        }
    };
    match d {
        Difference::Modified { file, same_as, .. } => {
            fix(file);
            if let Some(o) = same_as {
                fix(o);
            }
        }
        Difference::Resized { file, .. }
        | Difference::Missing { file }
        | Difference::Extra { file } => fix(file),
        Difference::Moved { from, to } => {
            fix(from);
            fix(to);
        }
    }
}

fn check_policy(st: &Statement, policy: &Policy) -> Result<()> {
    if !policy.allowed_hashes.is_empty() && !policy.allowed_hashes.contains(&st.config.hash) {
        return Err(Error::Policy(format!(
            "hash `{}` is not allowed by the policy",
            st.config.hash.oms_name()
        )));
    }
    if st.config.allow_symlinks && !policy.allow_symlinks {
        return Err(Error::Policy(
            "the signature was made with allow_symlinks: true (symlinks followed, even outside the model); the policy does not allow it".into(),
        ));
    }
    if st.resources.is_empty() && !policy.allow_empty {
        return Err(Error::Policy("the signature covers no file at all".into()));
    }
    Ok(())
}

/// Fails when a file on disk that the policy protects is left out by the signer's
/// `ignore_paths`.
fn check_never_ignored(
    model: &Path,
    st: &Statement,
    policy: &Policy,
    signature_path: Option<&Path>,
) -> Result<()> {
    let sig_rel = signature_path.and_then(|s| manifest::relative_inside(model, s));
    let all = manifest::HashingConfig {
        ignore_paths: sig_rel.into_iter().collect(),
        ..st.config.clone()
    };
    let everything = manifest::enumerate(model, &all)?;
    let covered = manifest::enumerate(model, &st.config)?;
    let covered: std::collections::HashSet<&str> = covered.iter().map(|f| f.rel.as_str()).collect();
    let mut violations = Vec::new();
    for f in &everything {
        if !covered.contains(f.rel.as_str())
            && let Some(p) = policy.protected_by(&f.rel)
        {
            violations.push(format!("{} (matches never-ignore pattern `{p}`)", f.rel));
        }
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(Error::Policy(format!(
            "the signature's ignore_paths ({}) leave out protected files: {}",
            st.config.ignore_paths.join(", "),
            violations.join(", ")
        )))
    }
}

/// A file's content as the manifest sees it: (shard range, digest) per resource.
type Content = Vec<(Option<(u64, u64)>, Vec<u8>)>;
type PerFile = BTreeMap<String, Content>;

fn group_signed(res: &[oms::SignedResource]) -> PerFile {
    let mut m: PerFile = BTreeMap::new();
    for r in res {
        m.entry(r.file.clone())
            .or_default()
            .push((r.range, r.digest.clone()));
    }
    for v in m.values_mut() {
        v.sort_by_key(|(r, _)| *r);
    }
    m
}

fn group_computed(c: &manifest::Manifest) -> PerFile {
    let mut m: PerFile = BTreeMap::new();
    for f in &c.files {
        m.entry(f.rel.clone()).or_default();
    }
    for i in &c.items {
        m.entry(i.file.clone())
            .or_default()
            .push((i.range, i.digest.clone()));
    }
    for v in m.values_mut() {
        v.sort_by_key(|(r, _)| *r);
    }
    m
}

/// Compares the signed resources with the computed manifest, per file.
fn diff(
    signed: &[oms::SignedResource],
    computed: &manifest::Manifest,
    method: Method,
) -> Vec<Difference> {
    use std::collections::HashMap;
    let want = group_signed(signed);
    let got = group_computed(computed);
    // Content → signed file, so swaps and renames are named in one pass (no quadratic search
    // when a large model changed everywhere).
    let mut by_content: HashMap<&Content, &String> = HashMap::new();
    for (file, d) in &want {
        by_content.entry(d).or_insert(file);
    }
    let sizes: HashMap<&str, u64> = computed
        .files
        .iter()
        .map(|f| (f.rel.as_str(), f.size))
        .collect();
    let mut out = Vec::new();
    let mut missing: Vec<&String> = Vec::new();
    for (file, w) in &want {
        match got.get(file) {
            None => missing.push(file),
            Some(g) if g == w => {}
            Some(g) => {
                let same_ranges = g.len() == w.len() && g.iter().zip(w).all(|(a, b)| a.0 == b.0);
                if !same_ranges && matches!(method, Method::Shards { .. }) {
                    out.push(Difference::Resized {
                        file: file.clone(),
                        signed: w
                            .iter()
                            .filter_map(|(r, _)| r.map(|r| r.1))
                            .max()
                            .unwrap_or(0),
                        found: sizes.get(file.as_str()).copied().unwrap_or(0),
                    });
                    continue;
                }
                let range = g.iter().zip(w).find(|(a, b)| a != b).and_then(|(a, _)| a.0);
                let same_as = by_content
                    .get(g)
                    .filter(|o| **o != file)
                    .map(|o| (*o).clone());
                out.push(Difference::Modified {
                    file: file.clone(),
                    range,
                    same_as,
                });
            }
        }
    }
    // Missing files by content, to pair each extra file with a missing one that had exactly
    // its content: a rename or a move.
    let mut missing_by_content: HashMap<&Content, Vec<&String>> = HashMap::new();
    for m in missing.iter().rev() {
        missing_by_content.entry(&want[*m]).or_default().push(m);
    }
    let mut moved_from = std::collections::HashSet::new();
    for (file, g) in &got {
        // A file with no resource at all (an empty file under shards) is invisible to the
        // signature, exactly as in model_signing.
        if want.contains_key(file) || g.is_empty() {
            continue;
        }
        match missing_by_content.get_mut(g).and_then(Vec::pop) {
            Some(m) => {
                moved_from.insert(m);
                out.push(Difference::Moved {
                    from: m.clone(),
                    to: file.clone(),
                });
            }
            None => out.push(Difference::Extra { file: file.clone() }),
        }
    }
    for m in missing {
        if !moved_from.contains(m) {
            out.push(Difference::Missing { file: m.clone() });
        }
    }
    out
}
