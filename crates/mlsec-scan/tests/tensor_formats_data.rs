//! Files made by the real onnx and safetensors libraries (see `tests/data/PROVENANCE.md`):
//! benign ones stay at or below low, malicious ones are caught.

use mlsec_core::Severity;
use mlsec_scan::{FileReport, Scanner};
use std::path::Path;

fn scan(name: &str) -> FileReport {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    Scanner::default()
        .scan_path(&path)
        .expect("test data is readable")
}

#[test]
fn benign_library_files_are_clean_and_complete() {
    for name in [
        "bc_logreg.onnx",
        "bc_logreg_nn.onnx",
        "onnx_control_flow.onnx",
        "lib_with_empty.safetensors",
    ] {
        let r = scan(name);
        let expected = if name.ends_with(".onnx") {
            "onnx"
        } else {
            "safetensors"
        };
        assert_eq!(r.format(), expected, "{name}");
        assert!(r.is_complete(), "{name}: {:?}", r.problems);
        assert!(
            r.max_severity().is_none_or(|s| s <= Severity::Low),
            "{name}: {:?}",
            r.findings
        );
    }
}

#[test]
fn traversal_inside_nested_subgraphs_is_critical() {
    let r = scan("onnx_control_flow_traversal.onnx");
    assert!(r.is_complete(), "{:?}", r.problems);
    let f: Vec<_> = r.findings.iter().filter(|f| f.rule == "ONX001").collect();
    assert_eq!(f.len(), 1, "{:?}", r.findings);
    assert_eq!(f[0].severity, Severity::Critical);
    assert_eq!(
        f[0].evidence.as_deref(),
        Some("weights/../../../../etc/passwd")
    );
}
