//! Real files from framework test suites (tests/data/real/PROVENANCE.md): what NumPy and
//! joblib themselves still load must not be reported above low.

use mlsec_core::Severity;
use mlsec_scan::Scanner;
use std::path::PathBuf;

#[test]
fn old_numpy_and_joblib_pickles_stay_at_or_below_low() {
    for name in ["py2-np0-objarr.npy", "joblib_0.9.2_pickle_py34_np19.pkl"] {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/real")
            .join(name);
        let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let r = Scanner::default().scan_bytes(name, &bytes);
        assert!(
            r.max_severity() <= Some(Severity::Low),
            "{name}: {:?}",
            r.findings
        );
    }
}
