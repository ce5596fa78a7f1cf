//! Behaviour of the JSON, Keras, HDF5, template and GGUF readers beyond "the rule fires":
//! parser differentials, fallbacks, problems for what could not be checked, and property
//! tests (no panic on arbitrary or mutated input).

mod fixtures;

use fixtures::{gguf, keras, template};
use mlsec_core::{ProblemKind, Severity};
use mlsec_scan::{FileReport, Scanner};
use proptest::prelude::*;
use serde_json::json;

fn scan(name: &str, bytes: &[u8]) -> FileReport {
    Scanner::default().scan_bytes(name, bytes)
}

fn rules(r: &FileReport) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.rule).collect()
}

#[test]
fn benign_fixtures_of_these_formats_are_complete() {
    for f in fixtures::all().iter().filter(|f| f.code.is_none()) {
        let r = scan(&f.name, &f.bytes);
        assert!(r.problems.is_empty(), "{}: {:?}", f.name, r.problems);
    }
}

#[test]
fn keras_config_is_found_by_structure_whatever_the_name() {
    let cfg = keras::sequential(vec![
        json!({"module": "subprocess", "class_name": "Popen", "config": {}}),
    ]);
    let r = scan("notes.txt", cfg.to_string().as_bytes());
    assert_eq!(
        r.max_severity(),
        Some(Severity::Critical),
        "{:?}",
        r.findings
    );
    assert!(r.formats.iter().any(|(_, f)| *f == "keras-config"));
}

#[test]
fn keras_config_python_accepts_is_analysed() {
    // NaN/Infinity, a lone surrogate and UTF-16 all load in Python's json; a parser that
    // rejects them would let the Lambda through.
    let mut cfg = keras::sequential(vec![
        json!({"module": "os", "class_name": "system", "config": "id"}),
    ])
    .to_string();
    cfg = cfg
        .replacen("0.001", "NaN", 1)
        .replacen("\"float32\"", "\"\\ud800\"", 1);
    assert!(cfg.contains("NaN") && cfg.contains("\\ud800"));
    let r = scan("config.json", cfg.as_bytes());
    assert!(
        rules(&r).contains(&"KRS003"),
        "{:?} {:?}",
        r.findings,
        r.problems
    );
    let mut utf16 = vec![0xff, 0xfe];
    for u in cfg.encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    let r = scan("config.json", &utf16);
    assert!(
        rules(&r).contains(&"KRS003"),
        "{:?} {:?}",
        r.findings,
        r.problems
    );
}

#[test]
fn shadowed_duplicate_keys_are_still_analysed() {
    // Python keeps the last `function`; a first-wins parser sees the benign one.
    let doc = r#"{"class_name": "Lambda", "config": {"function": {"module": "keras.utils", "class_name": "function", "config": "get_file"}, "function": {"module": "keras.ops", "class_name": "function", "config": "add"}}}"#;
    let r = scan("config.json", doc.as_bytes());
    let codes = rules(&r);
    assert!(
        codes.contains(&"KRS002") && codes.contains(&"KRS007"),
        "{codes:?}"
    );
}

#[test]
fn dotted_names_resolve_through_the_keras_api_table() {
    let cfg = keras::sequential(vec![
        json!({"module": "keras", "class_name": "utils.get_file", "config": {"origin": "http://x.invalid/a"}}),
    ]);
    let r = scan("config.json", cfg.to_string().as_bytes());
    let f = r.findings.iter().find(|f| f.rule == "KRS002");
    assert_eq!(
        f.and_then(|f| f.evidence.as_deref()),
        Some("keras.utils.get_file"),
        "{:?}",
        r.findings
    );
}

#[test]
fn allowlist_matches_module_components() {
    let cfg = keras::sequential(vec![
        json!({"module": "kerasx.layers", "class_name": "Dense", "config": {}}),
    ]);
    let r = scan("config.json", cfg.to_string().as_bytes());
    let f = r.findings.iter().find(|f| f.rule == "KRS003");
    assert_eq!(
        f.map(|f| f.severity),
        Some(Severity::High),
        "{:?}",
        r.findings
    );
}

#[test]
fn keras2_lambda_naming_a_module_function() {
    let cfg = json!({"class_name": "Sequential", "config": {"layers": [
        {"class_name": "Lambda", "config": {"function": "system", "function_type": "function", "module": "os"}}
    ]}});
    let r = scan("model_config.json", cfg.to_string().as_bytes());
    assert_eq!(
        r.max_severity(),
        Some(Severity::Critical),
        "{:?}",
        r.findings
    );
}

#[test]
fn policy_allowed_team_modules_are_not_reported() {
    let cfg = keras::sequential(vec![
        json!({"module": "myteam.layers", "class_name": "Gate", "config": {}, "registered_name": "myteam>Gate"}),
    ]);
    let policy = mlsec_scan::Policy {
        allowed_globals: vec!["myteam.layers.*".into()],
        ..Default::default()
    };
    let r = Scanner::new(mlsec_scan::Limits::default(), policy)
        .scan_bytes("config.json", cfg.to_string().as_bytes());
    assert!(r.findings.is_empty(), "{:?}", r.findings);
}

#[test]
fn h5_structure_damage_falls_back_to_content_and_says_so() {
    let mut h5 = include_bytes!("data/keras2_lambda.h5").to_vec();
    // Superblock v0: the root object header address is the second address of the root
    // symbol table entry (offset 24 + 4 addresses + link name offset = 64).
    h5[64..72].copy_from_slice(&0x7fff_ffffu64.to_le_bytes());
    let r = scan("model.h5", &h5);
    assert!(rules(&r).contains(&"KRS001"), "{:?}", r.findings);
    assert!(!r.problems.is_empty());
}

#[test]
fn h5_after_a_user_block_is_read() {
    let mut h5 = vec![0u8; 512];
    h5.extend_from_slice(include_bytes!("data/keras2_lambda.h5"));
    // The base address in the superblock is 0 (written for offset 0); HDF5 resolves addresses
    // from the superblock's base address, so patch it to 512 as h5py would write it.
    h5[512 + 24..512 + 32].copy_from_slice(&512u64.to_le_bytes());
    // Detection only looks at offset 0; the reader itself finds the moved superblock.
    let (findings, problems) = mlsec_scan::fuzzing::run("hdf5", &h5);
    assert!(
        findings > 0 && problems == 0,
        "{findings} findings, {problems} problems"
    );
}

#[test]
fn h5_weights_only_reports_nothing() {
    let r = scan("model.weights.h5", include_bytes!("data/weights_only.h5"));
    assert!(
        r.findings.is_empty() && r.problems.is_empty(),
        "{:?} {:?}",
        r.findings,
        r.problems
    );
}

#[test]
fn truncated_gguf_is_a_problem_not_clean() {
    let full = gguf::model(vec![gguf::kv_str(
        "tokenizer.chat_template",
        template::CHATML,
    )]);
    for cut in [10, 30, 60, full.len() / 2, full.len() - 40] {
        let r = scan("model.gguf", &full[..cut]);
        assert!(
            !r.problems.is_empty() || !r.findings.is_empty(),
            "cut at {cut}: reported clean"
        );
    }
}

#[test]
fn gguf_big_endian_is_read() {
    let mut out = b"GGUF".to_vec();
    out.extend(3u32.to_be_bytes());
    out.extend(0u64.to_be_bytes());
    out.extend(1u64.to_be_bytes());
    let (k, v) = ("tokenizer.chat_template", template::SSTI);
    out.extend((k.len() as u64).to_be_bytes());
    out.extend(k.as_bytes());
    out.extend(8u32.to_be_bytes());
    out.extend((v.len() as u64).to_be_bytes());
    out.extend(v.as_bytes());
    let r = scan("model.gguf", &out);
    assert_eq!(
        r.max_severity(),
        Some(Severity::Critical),
        "{:?} {:?}",
        r.findings,
        r.problems
    );
}

#[test]
fn gguf_templates_are_located_by_key() {
    let r = scan(
        "model.gguf",
        include_bytes!("data/named_template_ssti.gguf"),
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "TPL001")
        .map(|f| f.location.to_string());
    assert!(
        f.is_some_and(|l| l.starts_with("model.gguf!/tokenizer.chat_template.tool_use@")),
        "{:?}",
        r.findings
    );
}

#[test]
fn invalid_jinja_in_a_chat_template_is_a_problem() {
    let r = scan(
        "tokenizer_config.json",
        br#"{"chat_template": "{% for m in messages %}{{ m.content "}"#,
    );
    assert!(
        r.problems.iter().any(|p| p.kind == ProblemKind::Malformed),
        "{:?}",
        r.problems
    );
}

#[test]
fn text_that_is_not_valid_jinja_is_not_a_gap_but_dunders_are_still_found() {
    // Markdown with `{{` is not a template no engine would render, so not "unchecked"...
    let r = scan(
        "README.md",
        b"# Model\n\nUse {{ placeholders }} like {#anchor} and {% raw ",
    );
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    // ...but the dunder backstop still runs over it.
    let r = scan(
        "chat_template.jinja",
        b"{% for m in messages %}{{ m.__class__.__mro__ ",
    );
    assert!(!r.findings.is_empty(), "{:?}", r.findings);
}

#[test]
fn template_sniff_does_not_claim_binary() {
    let r = scan("blob.bin", b"\x00\x01\x02{{ x.__class__ }}");
    assert!(r.formats.iter().all(|(_, f)| *f != "template"));
}

fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("json", keras::sequential(vec![]).to_string().into_bytes()),
        (
            "json",
            json!({"chat_template": template::QWEN})
                .to_string()
                .into_bytes(),
        ),
        ("template", template::LLAMA3.as_bytes().to_vec()),
        ("template", template::SSTI_OBFUSCATED.as_bytes().to_vec()),
        (
            "gguf",
            gguf::model(vec![gguf::kv_str(
                "tokenizer.chat_template",
                template::GEMMA,
            )]),
        ),
        ("gguf", include_bytes!("data/llama3_template.gguf").to_vec()),
        ("hdf5", include_bytes!("data/keras2_lambda.h5").to_vec()),
        (
            "hdf5",
            include_bytes!("data/keras2_lambda_dense.h5").to_vec(),
        ),
        (
            "hdf5",
            include_bytes!("data/keras2_benign_dense.h5").to_vec(),
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        for reader in ["json", "template", "gguf", "hdf5", "any"] {
            mlsec_scan::fuzzing::run(reader, &data);
        }
        let mut gguf = b"GGUF\x03\x00\x00\x00".to_vec();
        gguf.extend(&data);
        mlsec_scan::fuzzing::run("gguf", &gguf);
        let mut h5 = b"\x89HDF\r\n\x1a\n".to_vec();
        h5.extend(&data);
        mlsec_scan::fuzzing::run("hdf5", &h5);
    }

    #[test]
    fn mutated_valid_inputs_never_panic(
        seed in 0usize..9,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        cut in any::<prop::sample::Index>(),
    ) {
        let all = seeds();
        let (reader, bytes) = &all[seed % all.len()];
        let mut data = bytes.clone();
        for (at, b) in &edits {
            let i = at.index(data.len());
            data[i] = *b;
        }
        mlsec_scan::fuzzing::run(reader, &data);
        let keep = cut.index(data.len() + 1);
        mlsec_scan::fuzzing::run(reader, &data[..keep]);
    }

    #[test]
    fn template_text_never_panics(s in "[{}%#~|'\"\\[\\]()._a-z0-9 \\\\-]{0,400}") {
        mlsec_scan::fuzzing::run("template", s.as_bytes());
    }
}
