//! End-to-end checks through the public API.

use mlsec_scan::Scanner;

#[test]
fn empty_input_is_clean_and_complete() {
    let r = Scanner::default().scan_bytes("empty", b"");
    assert!(r.findings.is_empty());
    assert!(r.is_complete());
    assert_eq!(r.format(), "unknown");
}
