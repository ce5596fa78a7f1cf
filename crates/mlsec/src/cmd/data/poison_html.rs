//! The HTML report of `mlsec data poison`: headline numbers, the score histogram, per-check
//! counts, trigger candidates, the suspect table and conflicting duplicates, built from the
//! `mlsec.poison/v1` document with the shared `mlsec_report::html` toolkit (one self-contained
//! file, no scripts, no network).

use mlsec_data::poison::json::PoisonJson;
use mlsec_report::html::{Markup, Page, Stat, Table, Tone, badge, code, note, stats, svg};

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn num(x: f64) -> String {
    svg::fmt_num(x)
}

/// Renders the report as a complete HTML page.
pub fn render(doc: &PoisonJson) -> String {
    let mut page = Page::new("Data poisoning screen");
    page.subtitle(&format!(
        "{} · label column `{}` · {} rows screened",
        doc.file, doc.label_column, doc.screened_rows
    ));
    let fail = doc.verdict == "fail";
    page.header(badge(
        if fail { "fail" } else { "pass" },
        if fail { Tone::High } else { Tone::Ok },
    ));
    page.header(stats(&[
        Stat::new(
            "suspect rows",
            format!("{} ({})", doc.suspect_rows, pct(doc.suspect_share)),
            if doc.suspect_share > doc.threshold {
                Tone::High
            } else {
                Tone::Ok
            },
        ),
        Stat::new("threshold", pct(doc.threshold), Tone::Neutral),
        Stat::new(
            "trigger candidates",
            doc.triggers.len().to_string(),
            if doc.triggers.is_empty() {
                Tone::Ok
            } else {
                Tone::High
            },
        ),
        Stat::new(
            "conflicting duplicate groups",
            doc.duplicates.len().to_string(),
            if doc.duplicates.is_empty() {
                Tone::Ok
            } else {
                Tone::Medium
            },
        ),
        Stat::new("classes", doc.classes.len().to_string(), Tone::Neutral),
    ]));

    // Score distribution and per-check counts.
    let total = doc.score_histogram.iter().sum::<usize>().max(1) as f64;
    let hist = svg::Histogram {
        title: "Combined suspicion score".into(),
        x_label: "score".into(),
        edges: (0..=10).map(|i| f64::from(i) / 10.0).collect(),
        series: vec![svg::Series::new(
            "rows",
            doc.score_histogram
                .iter()
                .map(|&c| c as f64 / total)
                .collect(),
        )],
        percent: true,
    };
    let checks = svg::HBarChart {
        title: "Rows per check".into(),
        x_label: "rows".into(),
        bars: doc
            .checks
            .iter()
            .map(|c| {
                svg::HBar::new(format!("{} {}", c.code, c.name), c.rows as f64)
                    .flagged(c.rows > 0)
                    .display(c.rows.to_string())
            })
            .collect(),
        threshold: None,
        x_max: None,
    };
    page.section(
        "Overview",
        Markup::concat([
            hist.render(),
            note(&format!(
                "Rows at or above {} are suspects. The score combines the checks by a noisy-OR; \
                 `mlsec data poison --explain PSN00x` documents each check.",
                num(doc.settings.min_score)
            )),
            checks.render(),
        ]),
    );

    // Triggers.
    if !doc.triggers.is_empty() {
        let mut t = Table::new(&[
            "#",
            "condition",
            "label",
            "support",
            "purity",
            "lift",
            "neighbour share",
            "flagged rows",
        ]);
        for i in [3, 4, 5, 6, 7] {
            t.numeric(i);
        }
        for (i, tr) in doc.triggers.iter().enumerate() {
            let cond: Vec<String> = tr
                .conditions
                .iter()
                .map(|c| match (c.low, c.high, &c.value, c.present) {
                    (Some(lo), Some(hi), _, _) if lo == hi => format!("{} = {}", c.column, num(lo)),
                    (Some(lo), Some(hi), _, _) => {
                        format!("{} in [{}, {}]", c.column, num(lo), num(hi))
                    }
                    (_, _, Some(v), Some(true)) => format!("{} = {v}", c.column),
                    (_, _, Some(v), _) => format!("{} ≠ {v}", c.column),
                    _ => c.feature.clone(),
                })
                .collect();
            t.row_marked(
                Tone::High,
                vec![
                    i.to_string().into(),
                    code(&cond.join(" and ")).into(),
                    tr.label.clone().into(),
                    tr.support.to_string().into(),
                    pct(tr.purity).into(),
                    format!("{:.2}", tr.lift).into(),
                    pct(tr.neighbour_share).into(),
                    tr.rows.len().to_string().into(),
                ],
            );
        }
        page.section(
            "Backdoor trigger candidates (PSN005)",
            Markup::concat([
                note(
                    "A bin of one or two features whose rows carry one label (purity, lift over \
                     the label's overall share) while their neighbours by the other features \
                     mostly do not (neighbour share).",
                ),
                t.render(),
            ]),
        );
    }

    // Suspects.
    let mut t = Table::new(&[
        "row",
        "label",
        "score",
        "kNN score",
        "neighbours say",
        "duplicate",
        "robust distance²",
        "isolation score",
        "checks",
    ]);
    for i in [0, 2, 3, 6, 7] {
        t.numeric(i);
    }
    for s in &doc.suspects {
        let tone = if s.score >= 0.9 {
            Tone::High
        } else {
            Tone::Medium
        };
        t.row_marked(
            tone,
            vec![
                s.row.to_string().into(),
                s.label.clone().into(),
                format!("{:.3}", s.score).into(),
                format!("{:.3}", s.knn_score).into(),
                s.knn_label.clone().into(),
                s.duplicate
                    .as_ref()
                    .map(|d| format!("{} ({})", d.kind, pct(d.conflict_share)))
                    .unwrap_or_default()
                    .into(),
                s.mcd_distance2.map(num).unwrap_or_default().into(),
                s.iforest_score
                    .map(|v| format!("{v:.3}"))
                    .unwrap_or_default()
                    .into(),
                Markup::concat(s.reasons.iter().map(|r| badge(r, Tone::Medium))).into(),
            ],
        );
    }
    let shown = if doc.suspect_rows > doc.suspects.len() {
        format!(
            "The top {} of {} suspects (--top N shows more). Rows are 0-based data rows.",
            doc.suspects.len(),
            doc.suspect_rows
        )
    } else {
        "Rows are 0-based data rows (a CSV's row r is on line r + 2).".to_string()
    };
    page.section(
        "Suspect rows",
        if doc.suspects.is_empty() {
            note("No row reached the suspicion cut-off.")
        } else {
            Markup::concat([note(&shown), t.render()])
        },
    );

    if !doc.duplicates.is_empty() {
        let mut t = Table::new(&["kind", "rows", "labels"]);
        for g in doc.duplicates.iter().take(200) {
            t.row(vec![
                (if g.exact { "exact" } else { "near" }).into(),
                g.rows
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
                    .into(),
                g.labels.join(", ").into(),
            ]);
        }
        page.section("Conflicting duplicates (PSN002, PSN003)", t.render());
    }

    // Per-class outlier models.
    let mut t = Table::new(&[
        "label",
        "rows",
        "MCD subset h",
        "MCD features",
        "χ² cut-off",
        "outliers (PSN004)",
    ]);
    for i in 1..6 {
        t.numeric(i);
    }
    for c in &doc.classes {
        t.row(vec![
            c.label.clone().into(),
            c.rows.to_string().into(),
            c.mcd_h
                .map(|h| h.to_string())
                .unwrap_or_else(|| "–".into())
                .into(),
            c.mcd_features.to_string().into(),
            c.mcd_cutoff.map(num).unwrap_or_else(|| "–".into()).into(),
            c.outliers.to_string().into(),
        ]);
    }
    let dropped: Vec<String> = doc
        .dropped_columns
        .iter()
        .map(|d| format!("{} ({})", d.column, d.reason))
        .collect();
    page.section(
        "Classes and settings",
        Markup::concat([
            t.render(),
            note(&format!(
                "{} encoded features; exact kNN by {} with k = {}; seed {}; near-duplicate \
                 tolerance {} robust SD; MCD cut-off at the χ² {} quantile.{}",
                doc.features.len(),
                doc.settings.knn_method,
                doc.settings.k,
                doc.settings.seed,
                num(doc.settings.near_dup_eps),
                num(doc.settings.outlier_quantile),
                if dropped.is_empty() {
                    String::new()
                } else {
                    format!(" Left out: {}.", dropped.join(", "))
                }
            )),
        ]),
    );
    page.footer(&format!(
        "mlsec {} · {} · offline report, no scripts",
        env!("CARGO_PKG_VERSION"),
        doc.schema
    ));
    page.render()
}
