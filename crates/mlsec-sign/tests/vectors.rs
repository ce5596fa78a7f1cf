//! The shared OMS vectors: every signature verifies, our manifests match model_signing's, and
//! every tampered variant is caught with a message that names the file.

use mlsec_core::digest::to_hex;
use mlsec_sign::cert::TrustedRoots;
use mlsec_sign::{
    ComputeOptions, Difference, Error, HashAlgorithm, HashingConfig, Method, Policy, Signer,
    SigningKey, VerifyOptions, VerifyingKey, manifest, oms, sign_model, verify_model,
};
use std::path::{Path, PathBuf};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn key_policy(name: &str) -> Policy {
    Policy::with_key(VerifyingKey::from_pem_file(&data().join("keys").join(name)).unwrap())
}

fn expected() -> serde_json::Map<String, serde_json::Value> {
    let bytes = std::fs::read(data().join("expected.json")).unwrap();
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .unwrap()
        .as_object()
        .unwrap()
        .clone()
}

/// A private, writable copy of the vector model.
fn model_copy() -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let dst = d.path().join("model");
    copy_dir(&data().join("model"), &dst);
    (d, dst)
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

#[test]
fn every_vector_signature_verifies_with_the_expected_root() {
    let exp = expected();
    assert_eq!(exp.len(), 13);
    for (name, v) in &exp {
        let model = data().join(v["model"].as_str().unwrap());
        let sig = data().join(v["signature"].as_str().unwrap());
        let key = Path::new(v["public_key"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let bundle = std::fs::read(&sig).unwrap();
        let ok = verify_model(&model, &bundle, &key_policy(&key), VerifyOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            to_hex(&ok.root_digest),
            v["root_sha256"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            ok.resources as u64,
            v["n_resources"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            ok.subject_name,
            v["subject_name"].as_str().unwrap(),
            "{name}"
        );
        assert!(
            ok.signer.contains(v["key_hint"].as_str().unwrap()),
            "{name}: {}",
            ok.signer
        );
    }
}

#[test]
fn decoded_payloads_are_the_signed_bytes() {
    for (name, v) in &expected() {
        let bundle = oms::Bundle::parse(
            &std::fs::read(data().join(v["signature"].as_str().unwrap())).unwrap(),
        )
        .unwrap();
        let payload = std::fs::read(data().join(v["payload_bytes"].as_str().unwrap())).unwrap();
        assert_eq!(bundle.payload().unwrap(), payload, "{name}");
        let st = oms::Statement::parse(&payload).unwrap();
        assert_eq!(
            to_hex(&st.root_digest),
            v["root_sha256"].as_str().unwrap(),
            "{name}"
        );
    }
}

#[test]
fn our_manifest_has_model_signings_digests_and_the_byte_order_root() {
    let exp = expected();
    for (vector, config, rust_root) in [
        (
            "files-sha256-p256",
            HashingConfig::default(),
            "rust-files-sha256-p256",
        ),
        (
            "shards1000-sha256-p256",
            HashingConfig {
                method: Method::Shards { shard_size: 1000 },
                ..HashingConfig::default()
            },
            "rust-shards1000-sha256-p256",
        ),
        (
            "files-blake3-p256",
            HashingConfig {
                hash: HashAlgorithm::Blake3,
                ..HashingConfig::default()
            },
            "rust-files-blake3-p256",
        ),
    ] {
        let m =
            manifest::compute(&data().join("model"), &config, ComputeOptions::default()).unwrap();
        let payload =
            std::fs::read(data().join(exp[vector]["payload_bytes"].as_str().unwrap())).unwrap();
        let st = oms::Statement::parse(&payload).unwrap();
        let mut theirs: Vec<(String, String, Vec<u8>)> = st
            .resources
            .iter()
            .map(|r| (r.name.clone(), r.algorithm.clone(), r.digest.clone()))
            .collect();
        let mut ours: Vec<(String, String, Vec<u8>)> = m
            .items
            .iter()
            .map(|i| (i.name.clone(), i.algorithm.clone(), i.digest.clone()))
            .collect();
        theirs.sort();
        ours.sort();
        assert_eq!(ours, theirs, "{vector}");
        // We emit byte order of names (spec and Go), like the Rust prototype vectors.
        assert_eq!(
            to_hex(&m.root_digest()),
            exp[rust_root]["root_sha256"].as_str().unwrap(),
            "{vector}"
        );
    }
    // blake2b: compare with model_signing's own vector.
    let cfg = HashingConfig {
        hash: HashAlgorithm::Blake2b,
        ..HashingConfig::default()
    };
    let m = manifest::compute(&data().join("model"), &cfg, ComputeOptions::default()).unwrap();
    let st = oms::Statement::parse(
        &std::fs::read(data().join("payloads/files-blake2-p256.payload.json")).unwrap(),
    )
    .unwrap();
    for r in &st.resources {
        let i = m.items.iter().find(|i| i.name == r.name).unwrap();
        assert_eq!(i.digest, r.digest, "{}", r.name);
    }
}

#[test]
fn single_file_model_is_named_dot() {
    let m = manifest::compute(
        &data().join("model/config.json"),
        &HashingConfig::default(),
        ComputeOptions::default(),
    )
    .unwrap();
    assert_eq!(m.items.len(), 1);
    assert_eq!(m.items[0].name, ".");
    assert_eq!(
        to_hex(&m.root_digest()),
        expected()["single-file-config.json"]["root_sha256"]
            .as_str()
            .unwrap()
    );
}

enum Want {
    Pass,
    Diff(&'static [&'static str]),
    Entry(&'static str),
}

fn tamper(sig: &str, mutate: impl Fn(&Path), want: Want) {
    let (_d, model) = model_copy();
    mutate(&model);
    let bundle = std::fs::read(data().join("sig").join(sig)).unwrap();
    let r = verify_model(
        &model,
        &bundle,
        &key_policy("p256-public.pem"),
        VerifyOptions::default(),
    );
    match (want, r) {
        (Want::Pass, Ok(_)) => {}
        (Want::Diff(expect), Err(Error::Mismatch { differences })) => {
            let got: Vec<String> = differences.iter().map(Difference::to_string).collect();
            assert_eq!(got, expect, "{sig}");
        }
        (Want::Entry(prefix), Err(e @ Error::UnsupportedEntry { .. })) => {
            assert!(e.to_string().starts_with(prefix), "{e}");
            assert!(e.is_verification_failure());
        }
        (_, r) => panic!("{sig}: unexpected {r:?}"),
    }
}

fn write(p: &Path, data: &[u8]) {
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(p, data).unwrap();
}

#[test]
fn tamper_matrix_files_sha256() {
    let s = "files-sha256-p256.sig";
    tamper(s, |_| {}, Want::Pass);
    tamper(
        s,
        |m| {
            let p = m.join("model.safetensors");
            let mut b = std::fs::read(&p).unwrap();
            b[5000] ^= 0xff;
            write(&p, &b);
        },
        Want::Diff(&["model.safetensors: digest mismatch"]),
    );
    tamper(
        s,
        |m| {
            let mut b = std::fs::read(m.join("config.json")).unwrap();
            b.push(b'x');
            write(&m.join("config.json"), &b);
        },
        Want::Diff(&["config.json: digest mismatch"]),
    );
    tamper(
        s,
        |m| write(&m.join("new.txt"), b"new\n"),
        Want::Diff(&["new.txt: extra file (not covered by the signature)"]),
    );
    tamper(
        s,
        |m| write(&m.join("new-empty.bin"), b""),
        Want::Diff(&["new-empty.bin: extra file (not covered by the signature)"]),
    );
    tamper(
        s,
        |m| std::fs::remove_file(m.join("tokenizer/merges.txt")).unwrap(),
        Want::Diff(&["tokenizer/merges.txt: missing (signed, not on disk)"]),
    );
    tamper(
        s,
        |m| std::fs::remove_file(m.join("empty.bin")).unwrap(),
        Want::Diff(&["empty.bin: missing (signed, not on disk)"]),
    );
    tamper(
        s,
        |m| std::fs::rename(m.join("a.txt"), m.join("a2.txt")).unwrap(),
        Want::Diff(&["a2.txt: renamed or moved from a.txt"]),
    );
    tamper(
        s,
        |m| std::fs::rename(m.join("a.b"), m.join("a/a.b")).unwrap(),
        Want::Diff(&["a/a.b: renamed or moved from a.b"]),
    );
    tamper(
        s,
        |m| {
            let a = std::fs::read(m.join("a.txt")).unwrap();
            let b = std::fs::read(m.join("B.txt")).unwrap();
            write(&m.join("a.txt"), &b);
            write(&m.join("B.txt"), &a);
        },
        Want::Diff(&[
            "B.txt: digest mismatch (it now has the signed content of a.txt)",
            "a.txt: digest mismatch (it now has the signed content of B.txt)",
        ]),
    );
    tamper(
        s,
        |m| std::os::unix::fs::symlink("config.json", m.join("link.json")).unwrap(),
        Want::Entry("link.json: is a symbolic link"),
    );
    tamper(
        s,
        |m| std::fs::create_dir(m.join("emptydir")).unwrap(),
        Want::Pass,
    );
    tamper(
        s,
        |m| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                m.join("config.json"),
                std::fs::Permissions::from_mode(0o600),
            )
            .unwrap();
        },
        Want::Pass,
    );
    tamper(
        s,
        |m| {
            write(&m.join(".gitattributes"), b"changed\n");
            write(&m.join(".git/HEAD"), b"x\n");
        },
        Want::Pass,
    );
    tamper(
        s,
        |m| write(&m.join("model.sig"), b"junk\n"),
        Want::Diff(&["model.sig: extra file (not covered by the signature)"]),
    );
    tamper(
        s,
        |m| {
            write(
                &m.join("tokenizer/vocab.txt"),
                b"<pad>\n<unk>\nhello\nevil\n",
            )
        },
        Want::Diff(&["tokenizer/vocab.txt: digest mismatch"]),
    );
}

#[test]
fn tamper_matrix_shards() {
    let s = "shards1000-sha256-p256.sig";
    tamper(s, |_| {}, Want::Pass);
    tamper(
        s,
        |m| {
            let p = m.join("model.safetensors");
            let mut b = std::fs::read(&p).unwrap();
            b[5000] ^= 0xff;
            write(&p, &b);
        },
        Want::Diff(&["model.safetensors: digest mismatch in bytes 5000..6000"]),
    );
    tamper(
        s,
        |m| {
            let mut b = std::fs::read(m.join("config.json")).unwrap();
            b.push(b'x');
            write(&m.join("config.json"), &b);
        },
        Want::Diff(&["config.json: size changed (signed 49 bytes, found 50)"]),
    );
    tamper(
        s,
        |m| write(&m.join("new.txt"), b"new\n"),
        Want::Diff(&["new.txt: extra file (not covered by the signature)"]),
    );
    // Upstream behaviour (model_signing PR #653 still open): empty files have no shard.
    tamper(s, |m| write(&m.join("new-empty.bin"), b""), Want::Pass);
    tamper(
        s,
        |m| std::fs::remove_file(m.join("empty.bin")).unwrap(),
        Want::Pass,
    );
    tamper(
        s,
        |m| std::fs::rename(m.join("a.txt"), m.join("a2.txt")).unwrap(),
        Want::Diff(&["a2.txt: renamed or moved from a.txt"]),
    );
    tamper(
        s,
        |m| std::fs::remove_file(m.join("tokenizer/merges.txt")).unwrap(),
        Want::Diff(&["tokenizer/merges.txt: missing (signed, not on disk)"]),
    );
}

#[test]
fn edited_payload_fails_the_signature() {
    let mut b: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data().join("sig/files-sha256-p256.sig")).unwrap())
            .unwrap();
    let p = oms::b64_decode("p", b["dsseEnvelope"]["payload"].as_str().unwrap()).unwrap();
    let p = String::from_utf8(p)
        .unwrap()
        .replace("\"name\": \"model\"", "\"name\": \"modex\"");
    b["dsseEnvelope"]["payload"] = oms::b64_encode(p.as_bytes()).into();
    let r = verify_model(
        &data().join("model"),
        &serde_json::to_vec(&b).unwrap(),
        &key_policy("p256-public.pem"),
        VerifyOptions::default(),
    );
    assert!(matches!(r, Err(Error::BadSignature(_))), "{r:?}");
}

#[test]
fn wrong_key_is_untrusted_and_missing_hint_still_verifies() {
    let bundle = std::fs::read(data().join("sig/files-sha256-p256.sig")).unwrap();
    let r = verify_model(
        &data().join("model"),
        &bundle,
        &key_policy("p384-public.pem"),
        VerifyOptions::default(),
    );
    assert!(matches!(r, Err(Error::UntrustedSigner(_))), "{r:?}");
    let mut b: serde_json::Value = serde_json::from_slice(&bundle).unwrap();
    b["verificationMaterial"] = serde_json::json!({});
    let ok = verify_model(
        &data().join("model"),
        &serde_json::to_vec(&b).unwrap(),
        &key_policy("p256-public.pem"),
        VerifyOptions::default(),
    )
    .unwrap();
    assert!(ok.warnings.iter().any(|w| w.contains("no key hint")));
}

fn sign_and_verify(key: &str, public: &str, config: HashingConfig) -> Vec<u8> {
    let sk = SigningKey::from_pem_file(&data().join("keys").join(key)).unwrap();
    let signed = sign_model(
        &data().join("model"),
        &Signer::Key(sk),
        config,
        None,
        ComputeOptions::default(),
    )
    .unwrap();
    let bytes = signed.bundle.to_json();
    verify_model(
        &data().join("model"),
        &bytes,
        &key_policy(public),
        VerifyOptions::default(),
    )
    .unwrap();
    bytes
}

#[test]
fn we_sign_with_every_curve_and_hash_and_verify_ourselves() {
    for (k, p) in [
        ("p256-private.pem", "p256-public.pem"),
        ("p384-private.pem", "p384-public.pem"),
        ("p521-private.pem", "p521-public.pem"),
        ("p256-sec1-private.pem", "p256-public.pem"),
    ] {
        sign_and_verify(k, p, HashingConfig::default());
    }
    for hash in [
        HashAlgorithm::Sha256,
        HashAlgorithm::Blake2b,
        HashAlgorithm::Blake3,
    ] {
        sign_and_verify(
            "p256-private.pem",
            "p256-public.pem",
            HashingConfig {
                hash,
                ..HashingConfig::default()
            },
        );
        sign_and_verify(
            "p256-private.pem",
            "p256-public.pem",
            HashingConfig {
                hash,
                method: Method::Shards { shard_size: 1000 },
                ..HashingConfig::default()
            },
        );
    }
    // Deterministic: same model, same key, same bytes (RFC 6979 nonces, sorted JSON).
    assert_eq!(
        sign_and_verify(
            "p256-private.pem",
            "p256-public.pem",
            HashingConfig::default()
        ),
        sign_and_verify(
            "p256-private.pem",
            "p256-public.pem",
            HashingConfig::default()
        )
    );
}

#[test]
fn signature_inside_the_model_is_recorded_and_excluded() {
    let (_d, model) = model_copy();
    let sig = model.join("model.sig");
    let sk = SigningKey::from_pem_file(&data().join("keys/p256-private.pem")).unwrap();
    let signed = sign_model(
        &model,
        &Signer::Key(sk),
        HashingConfig::default(),
        Some(&sig),
        ComputeOptions::default(),
    )
    .unwrap();
    assert!(
        signed
            .manifest
            .config
            .ignore_paths
            .contains(&"model.sig".to_string())
    );
    std::fs::write(&sig, signed.bundle.to_json()).unwrap();
    let opts = VerifyOptions {
        signature_path: Some(&sig),
        cache: None,
    };
    verify_model(
        &model,
        &std::fs::read(&sig).unwrap(),
        &key_policy("p256-public.pem"),
        opts,
    )
    .unwrap();
}

#[test]
fn policy_never_ignore_catches_signer_chosen_exclusions() {
    let bundle =
        std::fs::read(data().join("sig/files-sha256-p256-ignore-tokenizer-nogit.sig")).unwrap();
    let mut policy = key_policy("p256-public.pem");
    verify_model(
        &data().join("model"),
        &bundle,
        &policy,
        VerifyOptions::default(),
    )
    .unwrap();
    policy.never_ignore = vec!["*.txt".into()];
    let e = verify_model(
        &data().join("model"),
        &bundle,
        &policy,
        VerifyOptions::default(),
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::Policy(_)), "{msg}");
    assert!(
        msg.contains("tokenizer/merges.txt") && msg.contains("tokenizer/vocab.txt"),
        "{msg}"
    );
    policy.never_ignore = vec!["*.safetensors".into()];
    verify_model(
        &data().join("model"),
        &bundle,
        &policy,
        VerifyOptions::default(),
    )
    .unwrap();
    policy.allowed_hashes = vec![HashAlgorithm::Blake3];
    assert!(matches!(
        verify_model(
            &data().join("model"),
            &bundle,
            &policy,
            VerifyOptions::default()
        ),
        Err(Error::Policy(_))
    ));
}

#[test]
fn cache_reuses_unchanged_files_only() {
    let (d, model) = model_copy();
    let cache = mlsec_sign::HashCache::open(d.path().join("cache.json"));
    let opts = ComputeOptions {
        cache: Some(&cache),
        cache_write_only: false,
    };
    let first = manifest::compute(&model, &HashingConfig::default(), opts).unwrap();
    assert_eq!(first.cached_files, 0);
    cache.save().unwrap();
    let cache = mlsec_sign::HashCache::open(d.path().join("cache.json"));
    let opts = ComputeOptions {
        cache: Some(&cache),
        cache_write_only: false,
    };
    std::fs::write(model.join("a.txt"), b"changed\n").unwrap();
    let second = manifest::compute(&model, &HashingConfig::default(), opts).unwrap();
    assert_eq!(second.cached_files, first.files.len() - 1);
    let fresh =
        manifest::compute(&model, &HashingConfig::default(), ComputeOptions::default()).unwrap();
    assert_eq!(second.items, fresh.items);
}

fn cert_data(name: &str) -> PathBuf {
    data().join("certs").join(name)
}

fn cert_sign(leaf_key: &str, leaf: &str) -> Vec<u8> {
    let sk = SigningKey::from_pem_file(&cert_data(leaf_key)).unwrap();
    let signer =
        Signer::from_certificate_files(sk, &cert_data(leaf), &[cert_data("int.pem")]).unwrap();
    sign_model(
        &data().join("model"),
        &signer,
        HashingConfig::default(),
        None,
        ComputeOptions::default(),
    )
    .unwrap()
    .bundle
    .to_json()
}

#[test]
fn certificate_chains() {
    let bundle = cert_sign("leaf.key", "leaf.pem");
    let roots = TrustedRoots::from_pem_files(&[cert_data("root.pem")]).unwrap();
    let ok = verify_model(
        &data().join("model"),
        &bundle,
        &Policy::with_roots(roots.clone(), vec![]),
        VerifyOptions::default(),
    )
    .unwrap();
    assert!(ok.signer.contains("signer@example.com"), "{}", ok.signer);
    // Identity pinning.
    verify_model(
        &data().join("model"),
        &bundle,
        &Policy::with_roots(roots.clone(), vec!["signer@example.com".into()]),
        VerifyOptions::default(),
    )
    .unwrap();
    let e = verify_model(
        &data().join("model"),
        &bundle,
        &Policy::with_roots(roots.clone(), vec!["mallory@example.com".into()]),
        VerifyOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(e, Error::UntrustedSigner(_)) && e.to_string().contains("signer@example.com"),
        "{e}"
    );
    // Another root.
    let other = TrustedRoots::from_pem_files(&[cert_data("other-root.pem")]).unwrap();
    let e = verify_model(
        &data().join("model"),
        &bundle,
        &Policy::with_roots(other, vec![]),
        VerifyOptions::default(),
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("does not lead to a trusted root"),
        "{e}"
    );
    // Expiry and not-yet-valid.
    let mut p = Policy::with_roots(roots.clone(), vec![]);
    p.cert.at =
        Some(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(7_258_118_400)); // 2200
    assert!(
        verify_model(&data().join("model"), &bundle, &p, VerifyOptions::default())
            .unwrap_err()
            .to_string()
            .contains("expired")
    );
    p.cert.at = Some(std::time::SystemTime::UNIX_EPOCH);
    assert!(
        verify_model(&data().join("model"), &bundle, &p, VerifyOptions::default())
            .unwrap_err()
            .to_string()
            .contains("not valid before")
    );
    // A key-only policy refuses certificate bundles, and the reverse.
    assert!(matches!(
        verify_model(
            &data().join("model"),
            &bundle,
            &key_policy("p256-public.pem"),
            VerifyOptions::default()
        ),
        Err(Error::UntrustedSigner(_))
    ));
    let key_bundle = std::fs::read(data().join("sig/files-sha256-p256.sig")).unwrap();
    assert!(matches!(
        verify_model(
            &data().join("model"),
            &key_bundle,
            &Policy::with_roots(roots.clone(), vec![]),
            VerifyOptions::default()
        ),
        Err(Error::UntrustedSigner(_))
    ));
    // Wrong usage.
    let bad = cert_sign("leaf-noeku.key", "leaf-noeku.pem");
    let e = verify_model(
        &data().join("model"),
        &bad,
        &Policy::with_roots(roots, vec![]),
        VerifyOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("digitalSignature"), "{e}");
    // The certificate must belong to the key.
    let sk = SigningKey::from_pem_file(&data().join("keys/p256-private.pem")).unwrap();
    assert!(
        Signer::from_certificate_files(sk, &cert_data("leaf.pem"), &[cert_data("int.pem")])
            .is_err()
    );
}

#[test]
fn keyless_bundles_are_refused_with_a_reason() {
    let mut b: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data().join("sig/files-sha256-p256.sig")).unwrap())
            .unwrap();
    b["verificationMaterial"] = serde_json::json!({"certificate": {"rawBytes": "AAAA"}, "tlogEntries": [{"logIndex": "1"}]});
    let e = verify_model(
        &data().join("model"),
        &serde_json::to_vec(&b).unwrap(),
        &key_policy("p256-public.pem"),
        VerifyOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(e, Error::UnsupportedBundle(_)) && e.to_string().contains("keyless"),
        "{e}"
    );
}

#[test]
fn single_file_signature_catches_a_change_and_a_directory_in_its_place() {
    let (_d, model) = model_copy();
    let bundle = std::fs::read(data().join("sig/single-file-config.json.sig")).unwrap();
    let file = model.join("config.json");
    verify_model(
        &file,
        &bundle,
        &key_policy("p256-public.pem"),
        VerifyOptions::default(),
    )
    .unwrap();
    std::fs::write(&file, b"{}\n").unwrap();
    let e = verify_model(
        &file,
        &bundle,
        &key_policy("p256-public.pem"),
        VerifyOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "model does not match its signature:\n  config.json: digest mismatch"
    );
    // Pointing the single-file signature at the whole directory fails file by file.
    let e = verify_model(
        &model,
        &bundle,
        &key_policy("p256-public.pem"),
        VerifyOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains(".: missing"), "{e}");
}
