//! TorchScript archives made by real PyTorch (tests/data/torchscript/make.py, torch 2.15.0),
//! which loads every malicious one and checks that its file operation ran.

use mlsec_core::Severity;
use mlsec_scan::{FileReport, Scanner};
use std::path::PathBuf;

fn scan(name: &str) -> FileReport {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/torchscript")
        .join(name);
    let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    Scanner::default().scan_bytes(name, &bytes)
}

/// (rule, severity, evidence) of every finding.
fn found(r: &FileReport) -> Vec<(&'static str, Severity, String)> {
    r.findings
        .iter()
        .map(|f| (f.rule, f.severity, f.evidence.clone().unwrap_or_default()))
        .collect()
}

#[test]
fn real_torchscript_saves_are_programs_but_not_threats() {
    for name in [
        "benign_scripted.pt",
        "benign_traced.pt",
        "benign_setstate.pt",
        "benign_quantized.pt",
        "benign_lite.ptl",
    ] {
        let r = scan(name);
        assert!(r.problems.is_empty(), "{name}: {:?}", r.problems);
        assert_eq!(
            r.max_severity(),
            Some(Severity::Low),
            "{name}: {:?}",
            found(&r)
        );
        assert!(
            r.findings.iter().all(|f| f.rule == "TRC003"),
            "{name}: {:?}",
            found(&r)
        );
        assert!(r.formats.iter().any(|(_, f)| *f == "torchscript"), "{name}");
    }
}

#[test]
fn file_access_in_setstate_is_critical_however_spelled() {
    for name in ["setstate_file_io.pt", "setstate_ops_aten.pt"] {
        let r = scan(name);
        let f = found(&r);
        for op in ["aten::save", "aten::from_file"] {
            assert!(
                f.contains(&("TRC001", Severity::Critical, op.to_string())),
                "{name}: {f:?}"
            );
        }
        // The archive's pickles hold only TorchScript classes and type tags.
        assert!(
            f.iter().all(|(rule, ..)| rule.starts_with("TRC")),
            "{name}: {f:?}"
        );
    }
}

#[test]
fn file_access_at_inference_is_high() {
    let r = scan("forward_from_file.pt");
    let f = found(&r);
    assert!(
        f.contains(&("TRC001", Severity::High, "aten::from_file".into())),
        "{f:?}"
    );
    assert!(!f.iter().any(|(_, s, _)| *s == Severity::Critical), "{f:?}");
}

#[test]
fn mobile_bytecode_is_checked_too() {
    let r = scan("setstate_file_io_lite.ptl");
    let in_bytecode: Vec<_> = r
        .findings
        .iter()
        .filter(|f| {
            f.location
                .chain
                .last()
                .is_some_and(|m| m.ends_with("bytecode.pkl"))
        })
        .map(|f| (f.rule, f.severity, f.evidence.clone().unwrap_or_default()))
        .collect();
    for op in ["aten::save", "aten::from_file"] {
        assert!(
            in_bytecode.contains(&("TRC001", Severity::Critical, op.to_string())),
            "{in_bytecode:?}"
        );
    }
}
