//! `mlsec rules`: the rule table and one rule's documentation.

use mlsec_scan::rules::{self, Rule};
use serde::Serialize;

/// A table of every rule: code, default severity, name and summary.
pub fn rules_table() -> String {
    let mut o = String::new();
    let mut family = "";
    for r in rules::ALL {
        if r.family.as_str() != family {
            family = r.family.as_str();
            o.push_str(&format!("\n{family}\n"));
        }
        o.push_str(&format!(
            "  {}  {:<8}  {:<34} {}\n",
            r.code,
            r.severity.as_str(),
            r.name,
            r.summary
        ));
    }
    o.push_str("\nhint: `mlsec rules CODE` prints a rule's documentation\n");
    o.trim_start().to_string()
}

#[derive(Serialize)]
struct JRule<'a> {
    code: &'a str,
    name: &'a str,
    family: &'a str,
    severity: &'a str,
    summary: &'a str,
    references: &'static [String],
    doc: String,
}

fn jrule(r: &Rule) -> JRule<'_> {
    JRule {
        code: r.code,
        name: r.name,
        family: r.family.as_str(),
        severity: r.severity.as_str(),
        summary: r.summary,
        references: r.references(),
        doc: r.doc_text(),
    }
}

/// The rules (all, or the given ones) as JSON.
pub fn rules_json(only: &[&Rule]) -> String {
    let list: Vec<JRule<'_>> = if only.is_empty() {
        rules::ALL.iter().map(|r| jrule(r)).collect()
    } else {
        only.iter().map(|r| jrule(r)).collect()
    };
    serde_json::to_string_pretty(&list).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lists_every_rule() {
        let t = rules_table();
        for r in rules::ALL {
            assert!(t.contains(r.code));
        }
        let v: serde_json::Value = serde_json::from_str(&rules_json(&[])).unwrap();
        assert_eq!(v.as_array().unwrap().len(), rules::ALL.len());
    }
}
