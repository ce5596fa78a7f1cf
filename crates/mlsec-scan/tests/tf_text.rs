//! TensorFlow SavedModels and GraphDefs in the protobuf text format (`saved_model.pbtxt`),
//! made by real TensorFlow (tests/data/tf-text/make.py, tensorflow-cpu 2.21.0), which loads
//! each of them back from the text form. The text form must give exactly the findings of the
//! binary form, with offsets that point into the text.

use mlsec_core::Severity;
use mlsec_scan::{FileReport, Scanner};
use std::path::PathBuf;

fn data(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/tf-text")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn scan(name: &str) -> FileReport {
    Scanner::default().scan_bytes(name, &data(name))
}

fn summary(r: &FileReport) -> Vec<(&'static str, Severity, String, Option<String>)> {
    let mut v: Vec<_> = r
        .findings
        .iter()
        .map(|f| (f.rule, f.severity, f.message.clone(), f.evidence.clone()))
        .collect();
    v.sort();
    v
}

fn format(r: &FileReport) -> &'static str {
    r.formats.first().map(|(_, f)| *f).unwrap_or("none")
}

#[test]
fn benign_text_savedmodel_and_graph_are_clean_and_complete() {
    for (name, fmt) in [
        ("benign_module.saved_model.pbtxt", "tf-savedmodel-text"),
        ("benign.graph.pbtxt", "tf-graphdef-text"),
    ] {
        let r = scan(name);
        assert_eq!(format(&r), fmt, "{name}");
        assert!(r.findings.is_empty(), "{name}: {:?}", r.findings);
        assert!(r.problems.is_empty(), "{name}: {:?}", r.problems);
    }
}

#[test]
fn text_form_gives_the_findings_of_the_binary_form() {
    for stem in ["benign_module", "readfile", "writefile", "pyfunc"] {
        let bin = scan(&format!("{stem}.saved_model.pb"));
        let text = scan(&format!("{stem}.saved_model.pbtxt"));
        assert_eq!(format(&bin), "tf-savedmodel");
        assert_eq!(format(&text), "tf-savedmodel-text");
        assert_eq!(summary(&bin), summary(&text), "{stem}");
        assert!(text.problems.is_empty(), "{stem}: {:?}", text.problems);
    }
}

#[test]
fn risky_ops_written_as_text_are_reported() {
    for (name, rule) in [
        ("readfile.saved_model.pbtxt", "TFS002"),
        ("writefile.saved_model.pbtxt", "TFS002"),
        ("pyfunc.saved_model.pbtxt", "TFS001"),
        ("writefile.graph.pbtxt", "TFS002"),
    ] {
        let r = scan(name);
        assert!(
            r.findings
                .iter()
                .any(|f| f.rule == rule && f.severity >= Severity::High),
            "{name}: {:?}",
            r.findings
        );
    }
}

#[test]
fn escaped_and_split_op_names_are_decoded_like_tensorflow() {
    // `op: 'Read\x46' "\151le"` inside `node_def < ... >`: TensorFlow loads this file and runs
    // the ReadFile (make.py checks both).
    let name = "readfile_obfuscated.saved_model.pbtxt";
    let text = data(name);
    let r = scan(name);
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "TFS002")
        .unwrap_or_else(|| panic!("{:?}", r.findings));
    assert_eq!(f.severity, Severity::Critical);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    // The offset points into the text, at the node that holds the op.
    let at = f.location.offset.expect("an offset") as usize;
    assert!(
        text[at..].starts_with(b"node_def <"),
        "{:?}",
        String::from_utf8_lossy(&text[at..at + 40])
    );
}

#[test]
fn a_broken_text_file_keeps_what_was_read_and_says_where_it_broke() {
    let mut text = data("writefile.graph.pbtxt");
    let lines = text.iter().filter(|&&b| b == b'\n').count();
    text.extend_from_slice(
        b"\nnode { name: \"x\" op: \"Const\"\n attr { key: \"value\" value: { s: \"unclosed\n",
    );
    let r = Scanner::default().scan_bytes("graph.pbtxt", &text);
    assert!(
        r.findings.iter().any(|f| f.rule == "TFS002"),
        "{:?}",
        r.findings
    );
    let p = r.problems.first().expect("a problem");
    // The unclosed string is on the third added line, at column 34.
    let at = format!("line {} column 34", lines + 3);
    assert!(p.message.contains(&at), "{}", p.message);
}
