//! Precision and recall of every PII detector on the committed labelled sample
//! (tests/data/pii_sample.csv, see PROVENANCE), against floors measured when the detectors were
//! written. bench/pii/run.sh measures the same on a larger sample beside Presidio.

use std::path::Path;

use mlsec_data::pii::{ALL, Context, detect};
use mlsec_data::{ColumnData, Frame, ReadOptions, Schema};

/// (code, precision floor, recall floor): the measured value rounded down to 0.05 or so, so a
/// regression fails while noise in a future re-generation does not.
const FLOORS: &[(&str, f64, f64)] = &[
    ("PII001", 0.99, 0.99),
    ("PII002", 0.95, 0.9),
    ("PII003", 0.95, 0.85),
    ("PII004", 0.99, 0.99),
    ("PII005", 0.99, 0.99),
    ("PII006", 0.99, 0.99),
    ("PII007", 0.99, 0.99),
    ("PII008", 0.99, 0.99),
    ("PII009", 0.99, 0.99),
    ("PII010", 0.99, 0.99),
    ("PII011", 0.99, 0.99),
    ("PII012", 0.99, 0.99),
    ("PII013", 0.99, 0.99),
    ("PII014", 0.95, 0.9),
    ("PII015", 0.95, 0.95),
    ("PII016", 0.95, 0.7),
];

#[test]
fn detectors_meet_their_precision_and_recall_floors() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pii_sample.csv");
    let schema = Schema::from_toml(
        "[columns.value]\ntype = \"text\"\n[columns.column]\ntype = \"text\"\n[columns.label]\ntype = \"text\"\n",
        "test",
    )
    .unwrap();
    let frame = Frame::read(&path, &ReadOptions::default(), &schema).unwrap();
    let text = |n: &str| match &frame.column(n).unwrap().data {
        ColumnData::Text(v) => v.clone(),
        ColumnData::Numeric(_) => panic!("{n} is text"),
    };
    let (values, columns, labels) = (text("value"), text("column"), text("label"));
    assert!(values.len() > 2000);
    let preds: Vec<Vec<&str>> = values
        .iter()
        .zip(&columns)
        .map(|(v, c)| {
            let ctx = Context::for_column(c.as_deref().unwrap_or(""));
            detect(v.as_deref().unwrap_or(""), &ctx)
                .into_iter()
                .map(|s| s.code)
                .collect()
        })
        .collect();
    let mut failures = Vec::new();
    for d in ALL {
        let code = d.code;
        let is = |l: &Option<String>| l.as_deref() == Some(code);
        let n = labels.iter().filter(|l| is(l)).count();
        let tp = labels
            .iter()
            .zip(&preds)
            .filter(|(l, p)| is(l) && p.contains(&code))
            .count();
        let fp = labels
            .iter()
            .zip(&preds)
            .filter(|(l, p)| !is(l) && p.contains(&code))
            .count();
        let precision = if tp + fp == 0 {
            1.0
        } else {
            tp as f64 / (tp + fp) as f64
        };
        let recall = tp as f64 / n.max(1) as f64;
        println!(
            "{code} {:<18} n={n:<4} precision={precision:.3} recall={recall:.3}",
            d.name
        );
        let (_, p_floor, r_floor) = FLOORS.iter().find(|f| f.0 == code).copied().unwrap();
        if precision < p_floor || recall < r_floor {
            failures.push(format!("{code}: precision {precision:.3} (floor {p_floor}), recall {recall:.3} (floor {r_floor})"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
