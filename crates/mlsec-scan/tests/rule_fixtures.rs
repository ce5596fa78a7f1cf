//! Every rule has at least one fixture (built by code) that triggers it, and benign fixtures
//! stay clean. Fixtures live per family in `tests/fixtures/`.

mod fixtures;

use fixtures::Fixture;
use mlsec_core::Severity;
use mlsec_scan::{Scanner, rules};

/// Scans a fixture as if it were a file with the fixture's name.
fn check(f: &Fixture) -> mlsec_scan::FileReport {
    Scanner::default().scan_bytes(&f.name, &f.bytes)
}

#[test]
fn every_rule_has_a_fixture_that_triggers_it() {
    let all = fixtures::all();
    let mut missing = Vec::new();
    for rule in rules::ALL {
        let mine: Vec<_> = all.iter().filter(|f| f.code == Some(rule.code)).collect();
        if mine.is_empty() {
            missing.push(format!("{}: no fixture", rule.code));
            continue;
        }
        for f in mine {
            let r = check(f);
            if !r.findings.iter().any(|x| x.rule == rule.code) {
                missing.push(format!("{}: fixture `{}` did not trigger it (got {:?})", rule.code, f.name,
                    r.findings.iter().map(|x| x.rule).collect::<Vec<_>>()));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn benign_fixtures_stay_at_or_below_low() {
    let mut bad = Vec::new();
    for f in fixtures::all().iter().filter(|f| f.code.is_none()) {
        let r = check(f);
        if let Some(x) = r.findings.iter().find(|x| x.severity > Severity::Low) {
            bad.push(format!("{}: {} {} {}", f.name, x.rule, x.severity, x.message));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
