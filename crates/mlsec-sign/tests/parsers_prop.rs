//! Property tests for every parser of untrusted bytes: malformed JSON, wrong base64, huge
//! fields, random DER and PEM give a clear error, never a panic.

use mlsec_sign::fuzzing::{TARGETS, run};
use mlsec_sign::{Error, Policy, VerifyingKey, oms};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn vector_bundle() -> Vec<u8> {
    std::fs::read(data().join("sig/files-sha256-p256.sig")).unwrap()
}

fn policy() -> Policy {
    Policy::with_key(VerifyingKey::from_pem_file(&data().join("keys/p256-public.pem")).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        for t in TARGETS {
            let _ = run(t, &bytes);
        }
    }

    #[test]
    fn mutated_bundles_fail_cleanly(pos in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<prop::sample::Index>()) {
        let orig = vector_bundle();
        let mut b = orig.clone();
        let i = pos.index(b.len());
        b[i] = byte;
        let accepted = mlsec_sign::verify::verify_bundle(&b, &policy());
        if let Ok(ok) = accepted {
            // Only an edit outside the signed material may pass (e.g. an unknown key renamed).
            let parsed = oms::Bundle::parse(&b).unwrap();
            let original = oms::Bundle::parse(&orig).unwrap();
            prop_assert_eq!(parsed.payload().unwrap(), original.payload().unwrap());
            prop_assert_eq!(ok.statement.root_digest, oms::Statement::parse(&original.payload().unwrap()).unwrap().root_digest);
        }
        let truncated = &orig[..cut.index(orig.len())];
        prop_assert!(mlsec_sign::verify::verify_bundle(truncated, &policy()).is_err());
    }

    #[test]
    fn mutated_payloads_fail_cleanly(pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let b = oms::Bundle::parse(&vector_bundle()).unwrap();
        let mut p = b.payload().unwrap();
        let i = pos.index(p.len());
        p[i] = byte;
        // Parsing alone must never panic; a changed digest or name breaks the root digest.
        let _ = oms::Statement::parse(&p);
    }

    #[test]
    fn random_base64_is_a_clear_error(s in "[A-Za-z0-9+/=!-]{0,200}") {
        let j = format!(
            r#"{{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{{}},
            "dsseEnvelope":{{"payload":"{s}","payloadType":"application/vnd.in-toto+json","signatures":[{{"sig":"{s}"}}]}}}}"#
        );
        let r = mlsec_sign::verify::verify_bundle(j.as_bytes(), &policy());
        prop_assert!(r.is_err());
    }
}

#[test]
fn huge_fields_are_errors_not_panics() {
    // A 16 MiB resource name, a 4 MiB digest, deep nesting.
    let name = "a".repeat(16 << 20);
    let payload = format!(
        r#"{{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://model_signing/signature/v1.0",
        "subject":[{{"name":"m","digest":{{"sha256":"{}"}}}}],
        "predicate":{{"serialization":{{"method":"files","hash_type":"sha256"}},
        "resources":[{{"name":"{name}","algorithm":"sha256","digest":"{}"}}]}}}}"#,
        "00".repeat(32),
        "ab".repeat(2 << 20)
    );
    let e = oms::Statement::parse(payload.as_bytes()).unwrap_err();
    assert!(matches!(e, Error::InconsistentManifest(_)), "{e}");
    assert!(e.to_string().len() < 300, "error message must stay short");
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(
        oms::Statement::parse(deep.as_bytes()),
        Err(Error::MalformedBundle(_))
    ));
    assert!(matches!(
        oms::Bundle::parse(deep.as_bytes()),
        Err(Error::MalformedBundle(_))
    ));
    let big_b64 = format!(
        r#"{{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{{}},
        "dsseEnvelope":{{"payload":"{}","payloadType":"application/vnd.in-toto+json","signatures":[{{"sig":"AA=="}}]}}}}"#,
        "QUFB".repeat(4 << 20)
    );
    assert!(matches!(
        mlsec_sign::verify::verify_bundle(big_b64.as_bytes(), &policy()),
        Err(Error::BadSignature(_))
    ));
}

#[test]
fn statement_rejections_are_specific() {
    let st = |resources: &str, subject_digest: &str, extra: &str| {
        format!(
            r#"{{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://model_signing/signature/v1.0",
            "subject":[{{"name":"m","digest":{{"sha256":"{subject_digest}"}}}}{extra}],
            "predicate":{{"serialization":{{"method":"files","hash_type":"sha256"}},"resources":{resources}}}}}"#
        )
    };
    let d = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let empty_root = d;
    assert!(oms::Statement::parse(st("[]", empty_root, "").as_bytes()).is_ok());
    let two = format!(r#",{{"name":"x","digest":{{"sha256":"{d}"}}}}"#);
    assert!(
        oms::Statement::parse(st("[]", empty_root, &two).as_bytes())
            .unwrap_err()
            .to_string()
            .contains("2 subjects")
    );
    let dup = format!(
        r#"[{{"name":"a","algorithm":"sha256","digest":"{d}"}},{{"name":"a","algorithm":"sha256","digest":"{d}"}}]"#
    );
    assert!(
        oms::Statement::parse(st(&dup, empty_root, "").as_bytes())
            .unwrap_err()
            .to_string()
            .contains("listed twice")
    );
    let escape = format!(r#"[{{"name":"../etc/passwd","algorithm":"sha256","digest":"{d}"}}]"#);
    assert!(
        oms::Statement::parse(st(&escape, empty_root, "").as_bytes())
            .unwrap_err()
            .to_string()
            .contains("clean relative path")
    );
    let one = format!(r#"[{{"name":"a","algorithm":"sha256","digest":"{d}"}}]"#);
    assert!(
        oms::Statement::parse(st(&one, empty_root, "").as_bytes())
            .unwrap_err()
            .to_string()
            .contains("not the root")
    );
    let wrong_alg = format!(r#"[{{"name":"a","algorithm":"blake3","digest":"{d}"}}]"#);
    assert!(
        oms::Statement::parse(st(&wrong_alg, empty_root, "").as_bytes())
            .unwrap_err()
            .to_string()
            .contains("does not match hash_type")
    );
}
