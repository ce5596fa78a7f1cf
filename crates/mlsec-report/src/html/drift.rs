//! The HTML drift report, rendered from the `mlsec.drift/v1` JSON document (see
//! `docs/drift-json.md`) rather than from engine types, so the report is decoupled from the
//! engine and can be re-rendered from a stored JSON file.
//!
//! The renderer is tolerant: every field is optional, unknown fields are ignored, and values of
//! the wrong type are shown as "—" instead of failing. What it draws:
//!
//! 1. a header with the dataset verdict, drifted share against its threshold, row counts,
//!    quality-issue count, and both inputs' paths and fingerprints;
//! 2. a drift-score bar chart for all columns on one common scale, *score / threshold*, where
//!    1 is the decision boundary: `log10(p) / log10(threshold)` for p-value tests and
//!    `statistic / threshold` for distance tests (bars past 5× are clipped and marked `▸`);
//! 3. target and prediction drift when present;
//! 4. the per-column table (type, role, test, statistic, p-value, threshold, verdict);
//! 5. an overlaid reference/current distribution plot for every drifted column (histogram or
//!    grouped category bars; other columns in a collapsed block);
//! 6. the data-quality issues.

use super::svg::{BarChart, HBar, HBarChart, Histogram, Series, fmt_num};
use super::{Cell, Markup, Page, Stat, Table, Tone, badge, code, details, key_values, note, stats};
use serde_json::Value;

/// The schema this renderer understands.
pub const DRIFT_SCHEMA: &str = "mlsec.drift/v1";

/// Largest number of categories drawn in one chart; the rest are summarised in a note.
const MAX_CATEGORIES: usize = 30;

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn f(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

fn b(v: &Value, key: &str) -> Option<bool> {
    v.get(key).and_then(Value::as_bool)
}

fn nums(v: Option<&Value>) -> Option<Vec<f64>> {
    v?.as_array()?
        .iter()
        .map(|x| x.as_f64().or_else(|| x.as_str().and_then(parse_special)))
        .collect()
}

/// Infinite bin edges may be written as strings ("-inf", "inf") since JSON has no infinity.
fn parse_special(t: &str) -> Option<f64> {
    match t.trim().to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

fn opt_num(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), fmt_num)
}

/// A compact one-line rendering of any JSON value for table cells.
fn compact(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "—".into(),
        Some(Value::String(t)) => t.clone(),
        Some(Value::Number(n)) => n.as_f64().map_or_else(|| n.to_string(), fmt_num),
        Some(Value::Bool(x)) => x.to_string(),
        Some(other) => {
            let t = other.to_string();
            super::truncate(&t, 160)
        }
    }
}

/// Score on the common "1 = threshold" scale, or `None` when the column has nothing to score.
fn score(col: &Value) -> Option<f64> {
    let thr = f(col, "threshold")?;
    match col.get("p_value") {
        Some(Value::Number(p)) => {
            let p = p.as_f64()?;
            if !((0.0..=1.0).contains(&p) && thr > 0.0 && thr < 1.0) {
                return None;
            }
            Some(p.max(1e-300).log10() / thr.log10())
        }
        _ => {
            let st = f(col, "statistic")?;
            if thr > 0.0 { Some(st / thr) } else { None }
        }
    }
}

fn score_text(col: &Value) -> String {
    let test = s(col, "test").unwrap_or("");
    match col.get("p_value").and_then(Value::as_f64) {
        Some(p) => format!("{test} p={}", fmt_num(p)),
        None => format!("{test} {}", opt_num(f(col, "statistic"))),
    }
}

fn drift_badge(d: Option<bool>) -> Markup {
    match d {
        Some(true) => badge("drift", Tone::High),
        Some(false) => badge("ok", Tone::Ok),
        None => badge("n/a", Tone::Neutral),
    }
}

/// The distribution plot of one column, if its `plot` is usable.
fn plot(col: &Value) -> Option<Markup> {
    let name = s(col, "name").unwrap_or("column");
    let p = col.get("plot")?;
    let reference = nums(p.get("reference"))?;
    let current = nums(p.get("current"))?;
    match s(p, "kind")? {
        "histogram" => {
            let edges = nums(p.get("edges"))?;
            Some(
                Histogram {
                    title: format!("{name} — {}", score_text(col)),
                    x_label: name.to_string(),
                    edges,
                    series: vec![
                        Series::new("reference", reference),
                        Series::new("current", current),
                    ],
                    percent: true,
                }
                .render(),
            )
        }
        "categories" => {
            let labels: Vec<String> = p
                .get("labels")?
                .as_array()?
                .iter()
                .map(|l| match l {
                    Value::String(t) => t.clone(),
                    Value::Null => "(missing)".into(),
                    other => other.to_string(),
                })
                .collect();
            if labels.len() != reference.len() || labels.len() != current.len() {
                return None;
            }
            let mut idx: Vec<usize> = (0..labels.len()).collect();
            let mut extra = Markup::default();
            if idx.len() > MAX_CATEGORIES {
                idx.sort_by(|&a, &b| {
                    let ka = reference[a].max(current[a]);
                    let kb = reference[b].max(current[b]);
                    kb.total_cmp(&ka).then(a.cmp(&b))
                });
                let rest = idx.split_off(MAX_CATEGORIES);
                let r: f64 = rest.iter().map(|&i| reference[i]).sum();
                let c: f64 = rest.iter().map(|&i| current[i]).sum();
                extra = note(&format!(
                    "{} smaller categories not drawn (together {}% of reference rows, {}% of current rows)",
                    rest.len(),
                    fmt_num(r * 100.0),
                    fmt_num(c * 100.0)
                ));
                idx.sort_unstable();
            }
            let chart = BarChart {
                title: format!("{name} — {}", score_text(col)),
                labels: idx.iter().map(|&i| labels[i].clone()).collect(),
                series: vec![
                    Series::new("reference", idx.iter().map(|&i| reference[i]).collect()),
                    Series::new("current", idx.iter().map(|&i| current[i]).collect()),
                ],
                percent: true,
                y_label: String::new(),
            };
            Some(Markup::concat([chart.render(), extra]))
        }
        _ => None,
    }
}

fn input_kv(label: &str, v: Option<&Value>) -> (String, Markup) {
    let Some(v) = v else {
        return (label.to_string(), Markup::text("—"));
    };
    let mut parts = vec![code(s(v, "path").unwrap_or("—"))];
    if let Some(rows) = v.get("rows").and_then(Value::as_u64) {
        parts.push(Markup::text(&format!(" · {rows} rows")));
    }
    if let Some(fp) = s(v, "fingerprint") {
        parts.push(Markup::text(" · fingerprint "));
        parts.push(code(fp));
    }
    (label.to_string(), Markup::concat(parts))
}

/// Target or prediction drift: a column-shaped object, or any object of scalars.
fn side_drift(label: &str, v: &Value) -> Option<Markup> {
    if v.is_null() {
        return None;
    }
    if v.get("test").is_some() || v.get("statistic").is_some() {
        let mut t = Table::new(&[
            "column",
            "test",
            "statistic",
            "p-value",
            "threshold",
            "drift",
        ]);
        t.numeric(2).numeric(3).numeric(4);
        t.row(vec![
            s(v, "name").unwrap_or(label).into(),
            s(v, "test").unwrap_or("—").into(),
            opt_num(f(v, "statistic")).into(),
            opt_num(f(v, "p_value")).into(),
            opt_num(f(v, "threshold")).into(),
            drift_badge(b(v, "drift")).into(),
        ]);
        let mut m = Markup::wrap("h3", "", Markup::text(label));
        m.push(t.render());
        if let Some(p) = plot(v) {
            m.push(p);
        }
        return Some(m);
    }
    let obj = v.as_object()?;
    let pairs: Vec<(String, Markup)> = obj
        .iter()
        .map(|(k, x)| (k.clone(), Markup::text(&compact(Some(x)))))
        .collect();
    let refs: Vec<(&str, Markup)> = pairs.iter().map(|(k, m)| (k.as_str(), m.clone())).collect();
    Some(Markup::concat([
        Markup::wrap("h3", "", Markup::text(label)),
        key_values(&refs),
    ]))
}

/// Renders a `mlsec.drift/v1` document as a complete, self-contained HTML page.
pub fn render(doc: &Value) -> String {
    let empty = Vec::new();
    let columns = doc
        .get("columns")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let quality = doc
        .get("quality")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let ds = doc.get("dataset").cloned().unwrap_or(Value::Null);

    let mut page = Page::new("Data drift report");
    let rpath = doc
        .get("reference")
        .and_then(|r| s(r, "path"))
        .unwrap_or("reference");
    let cpath = doc
        .get("current")
        .and_then(|r| s(r, "path"))
        .unwrap_or("current");
    page.subtitle(&format!("{rpath} → {cpath}"));

    let n_cols = ds
        .get("columns")
        .and_then(Value::as_u64)
        .unwrap_or(columns.len() as u64);
    let n_drift = ds.get("drifted").and_then(Value::as_u64).unwrap_or(
        columns
            .iter()
            .filter(|c| b(c, "drift") == Some(true))
            .count() as u64,
    );
    let verdict = b(&ds, "drift");
    let mut head = Vec::new();
    head.push(match verdict {
        Some(true) => badge("dataset drift detected", Tone::High),
        Some(false) => badge("no dataset drift", Tone::Ok),
        None => badge("no dataset verdict", Tone::Neutral),
    });
    if let Some(schema) = s(doc, "schema")
        && schema != DRIFT_SCHEMA
    {
        head.push(Markup::text(" "));
        head.push(badge(
            &format!("unexpected schema {schema}; rendered as {DRIFT_SCHEMA}"),
            Tone::Medium,
        ));
    }
    let share = f(&ds, "share");
    let thr = f(&ds, "threshold");
    let high_q = quality
        .iter()
        .filter(|q| matches!(s(q, "severity"), Some("high" | "critical")))
        .count();
    let mut items = vec![
        Stat::new(
            "drifted columns",
            format!("{n_drift} / {n_cols}"),
            if n_drift > 0 { Tone::Medium } else { Tone::Ok },
        ),
        Stat::new(
            format!(
                "drift share (dataset threshold {})",
                thr.map_or("—".into(), |t| format!("{}%", fmt_num(t * 100.0)))
            ),
            share.map_or("—".into(), |x| format!("{}%", fmt_num(x * 100.0))),
            match verdict {
                Some(true) => Tone::High,
                Some(false) => Tone::Ok,
                None => Tone::Neutral,
            },
        ),
        Stat::new(
            "data-quality issues",
            quality.len().to_string(),
            if high_q > 0 {
                Tone::High
            } else if quality.is_empty() {
                Tone::Ok
            } else {
                Tone::Medium
            },
        ),
    ];
    for (key, label) in [("reference", "reference rows"), ("current", "current rows")] {
        if let Some(rows) = doc
            .get(key)
            .and_then(|r| r.get("rows"))
            .and_then(Value::as_u64)
        {
            items.push(Stat::new(label, rows.to_string(), Tone::Neutral));
        }
    }
    head.push(stats(&items));
    let (k1, v1) = input_kv("reference", doc.get("reference"));
    let (k2, v2) = input_kv("current", doc.get("current"));
    let mut kv = vec![(k1.as_str(), v1), (k2.as_str(), v2)];
    let mode = s(doc, "mode").map(Markup::text);
    if let Some(m) = mode {
        kv.push(("mode", m));
    }
    head.push(key_values(&kv));
    page.header(Markup::concat(head));

    // Drift scores on one scale.
    if !columns.is_empty() {
        let mut order: Vec<usize> = (0..columns.len()).collect();
        order.sort_by(|&a, &b2| {
            let da = b(&columns[a], "drift") == Some(true);
            let db = b(&columns[b2], "drift") == Some(true);
            let sa = score(&columns[a]).unwrap_or(f64::NEG_INFINITY);
            let sb = score(&columns[b2]).unwrap_or(f64::NEG_INFINITY);
            db.cmp(&da).then(sb.total_cmp(&sa)).then(a.cmp(&b2))
        });
        let bars: Vec<HBar> = order
            .iter()
            .map(|&i| {
                let c = &columns[i];
                HBar::new(
                    s(c, "name").unwrap_or("?"),
                    score(c).unwrap_or(0.0).max(0.0),
                )
                .flagged(b(c, "drift") == Some(true))
                .display(score_text(c))
            })
            .collect();
        let chart = HBarChart {
            title: "Drift score per column (score / threshold; ≥ 1 means the test flags drift)"
                .into(),
            x_label: "score / threshold — p-value tests: log(p)/log(α); distances: value/threshold"
                .into(),
            bars,
            threshold: Some((1.0, "threshold".into())),
            x_max: Some(5.0),
        };
        page.section("Drift scores", chart.render());
    }

    let mut side = Vec::new();
    for (key, label) in [
        ("target_drift", "Target drift"),
        ("prediction_drift", "Prediction drift"),
    ] {
        if let Some(m) = doc.get(key).and_then(|v| side_drift(label, v)) {
            side.push(m);
        }
    }
    if !side.is_empty() {
        page.section("Target and prediction", Markup::concat(side));
    }

    if !columns.is_empty() {
        let mut t = Table::new(&[
            "column",
            "type",
            "role",
            "test",
            "statistic",
            "p-value",
            "threshold",
            "distance",
            "drift",
        ]);
        for i in 4..8 {
            t.numeric(i);
        }
        for c in columns {
            let cells: Vec<Cell> = vec![
                code(s(c, "name").unwrap_or("?")).into(),
                s(c, "type").unwrap_or("—").into(),
                s(c, "role").unwrap_or("—").into(),
                s(c, "test").unwrap_or("—").into(),
                opt_num(f(c, "statistic")).into(),
                opt_num(f(c, "p_value")).into(),
                opt_num(f(c, "threshold")).into(),
                opt_num(f(c, "distance")).into(),
                drift_badge(b(c, "drift")).into(),
            ];
            if b(c, "drift") == Some(true) {
                t.row_marked(Tone::High, cells);
            } else {
                t.row(cells);
            }
        }
        page.section("Columns", t.render());

        let mut drifted = Vec::new();
        let mut rest = Vec::new();
        for c in columns {
            if let Some(p) = plot(c) {
                if b(c, "drift") == Some(true) {
                    drifted.push(p);
                } else {
                    rest.push(p);
                }
            }
        }
        if !drifted.is_empty() || !rest.is_empty() {
            let mut body = Markup::default();
            if drifted.is_empty() {
                body.push(note("No column drifted."));
            } else {
                body.push(Markup::wrap("div", "grid2", Markup::concat(drifted)));
            }
            if !rest.is_empty() {
                body.push(details(
                    &format!("Columns without drift ({})", rest.len()),
                    false,
                    Markup::wrap("div", "grid2", Markup::concat(rest)),
                ));
            }
            page.section("Distributions", body);
        }
    }

    let mut qbody = Markup::default();
    if quality.is_empty() {
        qbody.push(note("No data-quality issues found."));
    } else {
        let mut t = Table::new(&[
            "check",
            "severity",
            "column",
            "message",
            "reference",
            "current",
        ]);
        for q in quality {
            let sev = s(q, "severity").unwrap_or("info");
            let tone = Tone::from_name(sev);
            t.row_marked(
                tone,
                vec![
                    code(s(q, "check").unwrap_or("—")).into(),
                    badge(sev, tone).into(),
                    match s(q, "column") {
                        Some(c) => code(c).into(),
                        None => "(dataset)".into(),
                    },
                    s(q, "message").unwrap_or("").into(),
                    compact(q.get("reference")).into(),
                    compact(q.get("current")).into(),
                ],
            );
        }
        qbody.push(t.render());
    }
    page.section("Data quality", qbody);
    page.footer(&format!(
        "Generated by mlsec {} · {DRIFT_SCHEMA} · self-contained: no scripts, no network",
        env!("CARGO_PKG_VERSION")
    ));
    page.render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn sample() -> Value {
        json!({
          "schema": "mlsec.drift/v1",
          "mode": "evidently",
          "reference": {"path": "data/reference.parquet", "rows": 100000, "fingerprint": "sha256:ab12"},
          "current": {"path": "data/current.parquet", "rows": 100000, "fingerprint": "sha256:cd34"},
          "columns": [
            {"name": "num_00", "type": "numeric", "role": "feature", "test": "wasserstein",
             "statistic": 0.4927, "p_value": null, "threshold": 0.1, "drift": true,
             "plot": {"kind": "histogram", "edges": [-2.0, -1.0, 0.0, 1.0, 2.0],
                      "reference": [0.15, 0.35, 0.35, 0.15], "current": [0.05, 0.25, 0.4, 0.3]}},
            {"name": "num_02", "type": "numeric", "role": "feature", "test": "ks",
             "statistic": 0.0242, "p_value": 6.85e-26, "threshold": 0.05, "drift": true,
             "distance": 0.0529},
            {"name": "num_13", "type": "numeric", "role": "feature", "test": "ks",
             "statistic": 0.003, "p_value": 0.47, "threshold": 0.05, "drift": false,
             "plot": {"kind": "histogram", "edges": ["-inf", 0.0, 1.0, "inf"],
                      "reference": [0.5, 0.3, 0.2], "current": [0.5, 0.3, 0.2]}},
            {"name": "<img src=x onerror=alert(1)>", "type": "categorical", "role": "feature",
             "test": "jensenshannon", "statistic": 0.18, "p_value": null, "threshold": 0.1,
             "drift": true,
             "plot": {"kind": "categories", "labels": ["a", "b", "c", "<f>"],
                      "reference": [0.5, 0.3, 0.2, 0.0], "current": [0.45, 0.27, 0.18, 0.1]}}
          ],
          "quality": [
            {"column": "num_18", "check": "DQ001", "severity": "high",
             "message": "missing rate rose from 0% to 10%", "reference": 0.0, "current": 0.1},
            {"column": null, "check": "DQ007", "severity": "medium",
             "message": "column added", "reference": null, "current": ["x"]}
          ],
          "dataset": {"columns": 25, "drifted": 3, "share": 0.12, "threshold": 0.5, "drift": false},
          "target_drift": {"name": "label", "test": "chisquare", "statistic": 3.2,
                           "p_value": 0.2, "threshold": 0.05, "drift": false},
          "prediction_drift": null
        })
    }

    #[test]
    fn renders_every_part_of_the_contract() {
        let html = render(&sample());
        crate::html::tests::assert_self_contained(&html);
        assert!(html.contains("no dataset drift"));
        assert!(html.contains("3 / 25"));
        assert!(html.contains("12%"));
        assert!(html.contains("sha256:ab12") && html.contains("sha256:cd34"));
        assert!(html.contains("id=\"drift-scores\""));
        assert!(html.contains("Target drift"));
        assert!(!html.contains("Prediction drift"));
        // Two drifted plots are drawn open, the non-drifted one in the collapsed block.
        assert_eq!(html.matches("<path class=\"area").count(), 4);
        assert!(html.contains("Columns without drift (1)"));
        assert!(html.contains("DQ001") && html.contains("(dataset)"));
        assert!(!html.contains("<img"));
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(html.contains("&lt;f&gt;"));
    }

    #[test]
    fn scores_put_the_threshold_at_one() {
        let c = json!({"p_value": 0.05, "threshold": 0.05, "statistic": 1.0});
        assert!((score(&c).unwrap() - 1.0).abs() < 1e-12);
        let c = json!({"p_value": 0.0005, "threshold": 0.05});
        assert!(score(&c).unwrap() > 1.0);
        let c = json!({"p_value": null, "statistic": 0.2, "threshold": 0.1});
        assert!((score(&c).unwrap() - 2.0).abs() < 1e-12);
        let c = json!({"p_value": 0.0, "threshold": 0.05});
        assert!(score(&c).unwrap().is_finite());
        assert_eq!(score(&json!({"statistic": 0.2})), None);
    }

    #[test]
    fn tolerates_missing_and_malformed_fields() {
        for doc in [
            json!({}),
            json!(null),
            json!({"columns": "nope", "quality": 3, "dataset": []}),
            json!({"schema": "other/v9", "columns": [{"name": 1, "plot": {"kind": "histogram",
                   "edges": [0, 1], "reference": [1, 2], "current": ["x"]}}, {}]}),
        ] {
            let html = render(&doc);
            crate::html::tests::assert_self_contained(&html);
            assert!(html.contains("Data quality"));
        }
        assert!(render(&json!({"schema": "other/v9"})).contains("unexpected schema"));
    }

    #[test]
    fn many_categories_are_capped() {
        let labels: Vec<String> = (0..100).map(|i| format!("c{i}")).collect();
        let shares = vec![0.01; 100];
        let doc = json!({"columns": [{"name": "x", "drift": true, "test": "chisquare",
            "p_value": 0.0, "threshold": 0.05,
            "plot": {"kind": "categories", "labels": labels, "reference": shares, "current": shares}}]});
        let html = render(&doc);
        assert!(html.contains("70 smaller categories not drawn"));
    }
}
