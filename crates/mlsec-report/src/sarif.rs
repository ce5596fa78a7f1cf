//! SARIF 2.1.0, in the subset GitHub code scanning accepts: rules with help text from the rule
//! docs, `security-severity`, a `region` with `startLine` (GitHub requires it) plus the byte
//! offset for binary artifacts, the container chain as a logical location, and stable
//! `partialFingerprints`.

use crate::ScanRun;
use crate::json::finding_fingerprint;
use mlsec_core::Severity;
use mlsec_scan::rules::{self, Rule};
use serde_json::{Value, json};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub maps `security-severity` to critical (>= 9.0), high (>= 7.0), medium (>= 4.0), low.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn rule_descriptor(r: &Rule) -> Value {
    let doc = r.doc_text();
    json!({
        "id": r.code,
        "name": r.name,
        "shortDescription": { "text": r.summary },
        "fullDescription": { "text": r.summary },
        "help": { "text": doc, "markdown": doc },
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": {
            "tags": ["security", "ml-supply-chain", r.family.as_str()],
            "precision": "high",
            "security-severity": security_severity(r.severity),
            "references": r.references(),
        },
    })
}

/// Turns a path on disk into a relative URI (SARIF wants `/` separators and no `./`).
fn uri(path: &str) -> String {
    let p = path.replace('\\', "/");
    let p = p.strip_prefix("./").unwrap_or(&p);
    p.chars()
        .map(|c| match c {
            ' ' => "%20".to_string(),
            '%' => "%25".to_string(),
            '#' => "%23".to_string(),
            '?' => "%3F".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// Renders the run as a SARIF 2.1.0 log.
pub fn sarif(run: &ScanRun) -> String {
    let rules_used: Vec<&'static Rule> = rules::ALL.to_vec();
    let index = |code: &str| rules_used.iter().position(|r| r.code == code);
    let mut results = Vec::new();
    for r in &run.reports {
        for f in &r.findings {
            let mut region = json!({ "startLine": 1 });
            if let Some(off) = f.location.offset.filter(|_| f.location.chain.len() == 1) {
                region["byteOffset"] = json!(off);
            }
            let mut loc = json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": uri(f.location.root()) },
                    "region": region,
                }
            });
            if let Some(inner) = f.location.inner() {
                let display = match f.location.offset {
                    Some(o) => format!("{inner}@{o}"),
                    None => inner,
                };
                loc["logicalLocations"] =
                    json!([{ "fullyQualifiedName": display, "kind": "member" }]);
            }
            let mut text = f.message.clone();
            if let Some(inner) = f.location.inner() {
                text = format!("{text} (in {inner})");
            }
            let mut result = json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": { "text": text },
                "locations": [loc],
                "partialFingerprints": { "mlsecFinding/v1": finding_fingerprint(f) },
                "properties": {
                    "severity": f.severity.as_str(),
                    "confidence": f.confidence.as_str(),
                    "security-severity": security_severity(f.severity),
                },
            });
            if let Some(i) = index(f.rule) {
                result["ruleIndex"] = json!(i);
            }
            if let Some(e) = &f.evidence {
                result["properties"]["evidence"] = json!(e);
            }
            results.push(result);
        }
    }
    let mut notifications = Vec::new();
    for r in &run.reports {
        for p in &r.problems {
            notifications.push(json!({
                "level": "warning",
                "message": { "text": format!("not fully checked ({}): {} at {}", p.kind, p.message, p.location) },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": uri(p.location.root()) } } }],
            }));
        }
    }
    for (path, err) in &run.errors {
        notifications.push(json!({
            "level": "error",
            "message": { "text": format!("{path}: {err}") },
        }));
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "mlsec",
                "informationUri": "https://github.com/mlsec/mlsec",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules_used.iter().map(|r| rule_descriptor(r)).collect::<Vec<_>>(),
            }},
            "invocations": [{
                "executionSuccessful": run.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::sample_run;

    #[test]
    fn sarif_has_rules_results_regions_and_fingerprints() {
        let v: Value = serde_json::from_str(&sarif(&sample_run())).unwrap();
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), rules::ALL.len());
        assert!(
            rules[0]["help"]["text"]
                .as_str()
                .unwrap()
                .contains("## What it detects")
        );
        let res = &run["results"][0];
        assert_eq!(res["ruleId"], "GEN001");
        assert_eq!(res["level"], "error");
        assert_eq!(
            res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "models/evil.pt"
        );
        assert_eq!(
            res["locations"][0]["physicalLocation"]["region"]["startLine"],
            1
        );
        assert_eq!(
            res["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "archive/data.pkl@45"
        );
        assert!(res["partialFingerprints"]["mlsecFinding/v1"].is_string());
        assert_eq!(
            rules[res["ruleIndex"].as_u64().unwrap() as usize]["id"],
            "GEN001"
        );
        assert_eq!(
            run["invocations"][0]["toolExecutionNotifications"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn uris_are_relative_and_escaped() {
        assert_eq!(uri("./a b/c#d.pt"), "a%20b/c%23d.pt");
        assert_eq!(uri("dir\\x.pkl"), "dir/x.pkl");
    }
}
