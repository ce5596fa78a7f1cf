//! `torch.package` archives made by real PyTorch (tests/data/torch-package/make.py, torch
//! 2.15.0), which loads the malicious one and checks that its command ran.

use mlsec_core::{ProblemKind, Severity};
use mlsec_scan::{FileReport, Scanner};
use std::path::PathBuf;

fn scan(name: &str) -> FileReport {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/torch-package")
        .join(name);
    let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    Scanner::default().scan_bytes(name, &bytes)
}

#[test]
fn a_package_is_a_program_that_is_never_fully_checked() {
    for name in ["benign_package.pt", "setstate_system.pt"] {
        let r = scan(name);
        assert!(r.findings.iter().any(|f| f.rule == "TRC004"), "{name}");
        assert!(
            r.problems
                .iter()
                .any(|p| p.kind == ProblemKind::Unsupported),
            "{name}: {:?}",
            r.problems
        );
        assert!(
            r.formats.iter().any(|(_, f)| *f == "torch-package"),
            "{name}"
        );
    }
}

#[test]
fn ordinary_module_code_and_its_own_classes_stay_low() {
    // os.path.join and getattr(torch.nn, "Linear") in the module are not findings, and the
    // pickle's `netmod.Net` is a class whose source is in the package (checked above).
    let r = scan("benign_package.pt");
    assert_eq!(r.max_severity(), Some(Severity::Low), "{:?}", r.findings);
}

#[test]
fn a_class_from_outside_the_package_is_still_judged() {
    // The same package, but its pickle names `othermod.Net`, which it does not ship.
    let mut bytes = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/torch-package/benign_package.pt"),
    )
    .expect("fixture");
    let at = bytes
        .windows(6)
        .position(|w| w == b"netmod")
        .expect("netmod in the pickle");
    bytes[at..at + 6].copy_from_slice(b"othmod");
    let r = Scanner::default().scan_bytes("p.pt", &bytes);
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule == "PKL002" && f.evidence.as_deref() == Some("othmod.Net")),
        "{:?}",
        r.findings
    );
}

#[test]
fn a_command_in_setstate_through_an_alias_is_critical() {
    let r = scan("setstate_system.pt");
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "TRC005")
        .unwrap_or_else(|| panic!("{:?}", r.findings));
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.evidence.as_deref(), Some("os.system"));
    assert!(
        f.location
            .chain
            .last()
            .is_some_and(|m| m.ends_with("netmod.py"))
    );
}
