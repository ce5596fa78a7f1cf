//! The red-team report (`mlsec.redteam/v1`): what was attacked, how, the results, and findings
//! judged against configurable thresholds; rendered as JSON, terminal text, or one
//! self-contained HTML file with inline SVG plots. The schema is documented in
//! `docs/redteam-json.md`.

use std::fmt::Write as _;

use mlsec_core::Severity;
use serde::Serialize;

use crate::evasion::EvasionSummary;
use crate::explain::{Importance, ShapRow};
use crate::extraction::ExtractionResult;
use crate::fairness::FairnessReport;
use crate::findings::{Config, RTM001, RTM002, RTM003, RTM004, RTM005, RtRule};
use crate::mia::{MiaResult, MiaScore};
use crate::strip::StripResult;

/// Schema identifier.
pub const SCHEMA: &str = "mlsec.redteam/v1";

/// The model under test.
#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    /// Path or URL.
    pub source: String,
    /// Model digest (`sha256:…`, OMS manifest root) for local models.
    pub digest: Option<String>,
    /// Operators of the graph (local ONNX models).
    pub ops: Vec<String>,
    /// Remote OIP v2 endpoint.
    pub remote: bool,
    /// The endpoint answers labels only.
    pub labels_only: bool,
    /// Input features.
    pub n_features: usize,
    /// Classes.
    pub n_classes: usize,
}

/// The data used.
#[derive(Debug, Clone, Serialize)]
pub struct DataInfo {
    /// Test features file.
    pub data: String,
    /// Test rows.
    pub rows: usize,
    /// Training features file, if given.
    pub train: Option<String>,
    /// Training rows.
    pub train_rows: Option<usize>,
    /// Rows attacked by the evasion attacks (the first N test rows).
    pub samples: usize,
}

/// A finding of the red-team run.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Stable code (RTM001…).
    pub code: String,
    /// Rule name.
    pub name: String,
    /// Severity.
    pub severity: String,
    /// What was measured, against what threshold.
    pub message: String,
}

/// Wall time per audit, in milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Timing {
    /// Audit (`square`, `mia`, …).
    pub audit: String,
    /// Milliseconds.
    pub ms: f64,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// `mlsec <version>`.
    pub tool: String,
    /// Model.
    pub model: ModelInfo,
    /// Data.
    pub data: DataInfo,
    /// Seed of every randomised audit.
    pub seed: u64,
    /// Accuracy on the attacked rows.
    pub clean_accuracy: f64,
    /// Per attack and epsilon.
    pub evasion: Vec<EvasionSummary>,
    /// Membership inference, per score.
    pub membership_inference: Vec<MiaResult>,
    /// Extraction curve.
    pub extraction: Option<ExtractionResult>,
    /// Per sensitive attribute.
    pub fairness: Vec<FairnessReport>,
    /// Permutation importances (sorted, largest first).
    pub importances: Vec<Importance>,
    /// Kernel SHAP of a few rows.
    pub shap: Vec<ShapRow>,
    /// STRIP backdoor check.
    pub strip: Option<StripResult>,
    /// Findings.
    pub findings: Vec<Finding>,
    /// Notes (skipped audits and why).
    pub notes: Vec<String>,
    /// Wall time per audit.
    pub timings: Vec<Timing>,
}

fn finding(cfg: &Config, rule: &RtRule, message: String) -> Finding {
    Finding {
        code: rule.code.to_string(),
        name: rule.name.to_string(),
        severity: cfg.severity(rule).as_str().to_string(),
        message,
    }
}

impl Report {
    /// Judges the results against the thresholds and fills [`Report::findings`].
    pub fn judge(&mut self, cfg: &Config) {
        let t = &cfg.thresholds;
        let mut out = Vec::new();
        // RTM001: the weakest point per attack within the policy epsilon.
        let mut attacks: Vec<&str> = self.evasion.iter().map(|e| e.attack.as_str()).collect();
        attacks.dedup();
        for a in attacks {
            let worst = self
                .evasion
                .iter()
                .filter(|e| e.attack == a && e.eps <= t.policy_eps as f32 + 1e-6)
                .filter(|e| e.robust_accuracy < t.min_robust_accuracy)
                .min_by(|x, y| x.eps.total_cmp(&y.eps));
            if let Some(e) = worst {
                out.push(finding(
                    cfg,
                    &RTM001,
                    format!(
                        "{} eps {}: robust accuracy {:.3} < {:.3} (clean {:.3}, {:.0} queries/sample)",
                        e.attack, e.eps, e.robust_accuracy, t.min_robust_accuracy, e.clean_accuracy, e.queries_per_sample
                    ),
                ));
            }
        }
        for m in &self.membership_inference {
            if m.advantage > t.max_mia_advantage || m.auc > t.max_mia_auc {
                out.push(finding(
                    cfg,
                    &RTM002,
                    format!(
                        "{} score: membership advantage {:.3} (max {:.3}), AUC {:.3} (max {:.3}), TPR {:.3} at 1% FPR",
                        score_name(m.score), m.advantage, t.max_mia_advantage, m.auc, t.max_mia_auc, m.tpr_at_1pct_fpr
                    ),
                ));
            }
        }
        if let Some(x) = &self.extraction
            && let Some(p) = x
                .curve
                .iter()
                .filter(|p| {
                    p.queries <= t.extraction_queries && p.fidelity >= t.extraction_fidelity
                })
                .min_by_key(|p| p.queries)
        {
            out.push(finding(
                cfg,
                &RTM003,
                format!(
                    "a {} surrogate reaches fidelity {:.3} (>= {:.2}) with {} {} queries",
                    surrogate_name(x),
                    p.fidelity,
                    t.extraction_fidelity,
                    p.queries,
                    if x.labels_only { "label" } else { "score" }
                ),
            ));
        }
        for f in &self.fairness {
            let mut why = Vec::new();
            if f.demographic_parity_difference > t.max_demographic_parity_difference {
                why.push(format!(
                    "demographic parity difference {:.3} > {:.3}",
                    f.demographic_parity_difference, t.max_demographic_parity_difference
                ));
            }
            if f.equalized_odds_difference > t.max_equalized_odds_difference {
                why.push(format!(
                    "equalized odds difference {:.3} > {:.3}",
                    f.equalized_odds_difference, t.max_equalized_odds_difference
                ));
            }
            if f.disparate_impact_ratio < t.min_disparate_impact {
                why.push(format!(
                    "disparate impact {:.3} < {:.3}",
                    f.disparate_impact_ratio, t.min_disparate_impact
                ));
            }
            if !why.is_empty() {
                out.push(finding(
                    cfg,
                    &RTM004,
                    format!("{}: {}", f.attribute, why.join("; ")),
                ));
            }
        }
        if let Some(s) = &self.strip
            && let (Some(det), Some(succ)) = (s.detection_rate, s.trigger_success_rate)
            && det >= t.strip_detection_rate
            && succ >= t.trigger_success_rate
        {
            out.push(finding(
                cfg,
                &RTM005,
                format!(
                    "the trigger sends {:.0}% of rows to class {}; STRIP flags {:.0}% of stamped rows (entropy threshold {:.3} bits at FRR {})",
                    succ * 100.0,
                    s.trigger_target.unwrap_or(0),
                    det * 100.0,
                    s.threshold,
                    s.frr
                ),
            ));
        }
        out.sort_by(|a, b| {
            Severity::parse(&b.severity)
                .cmp(&Severity::parse(&a.severity))
                .then(a.code.cmp(&b.code))
        });
        self.findings = out;
    }

    /// The highest severity among the findings.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings
            .iter()
            .filter_map(|f| Severity::parse(&f.severity))
            .max()
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Terminal summary.
    pub fn human(&self, color: bool) -> String {
        let (b, r, y, g, z) = if color {
            ("\x1b[1m", "\x1b[31m", "\x1b[33m", "\x1b[32m", "\x1b[0m")
        } else {
            ("", "", "", "", "")
        };
        let mut s = String::new();
        let _ = writeln!(s, "{b}mlsec redteam{z}  {}", self.model.source);
        if let Some(d) = &self.model.digest {
            let _ = writeln!(s, "  digest   {d}");
        }
        let _ = writeln!(
            s,
            "  model    {} features, {} classes{}{}",
            self.model.n_features,
            self.model.n_classes,
            if self.model.remote {
                ", remote (OIP v2)"
            } else {
                ""
            },
            if self.model.labels_only {
                ", labels only"
            } else {
                ""
            }
        );
        let _ = writeln!(
            s,
            "  data     {} ({} rows){}; {} rows attacked; clean accuracy {:.4}",
            self.data.data,
            self.data.rows,
            self.data
                .train
                .as_ref()
                .map(|t| format!(", train {t} ({} rows)", self.data.train_rows.unwrap_or(0)))
                .unwrap_or_default(),
            self.data.samples,
            self.clean_accuracy
        );
        if !self.evasion.is_empty() {
            let _ = writeln!(
                s,
                "\n{b}Evasion{z}  (robust accuracy, success rate, queries/sample, mean L∞)"
            );
            for e in &self.evasion {
                let _ = writeln!(
                    s,
                    "  {:<7} eps {:<5} robust {:.3}  success {:.3}  queries {:>7.0}  linf {:.3}",
                    e.attack,
                    e.eps,
                    e.robust_accuracy,
                    e.attack_success_rate,
                    e.queries_per_sample,
                    e.mean_linf
                );
            }
        }
        if !self.membership_inference.is_empty() {
            let _ = writeln!(s, "\n{b}Membership inference{z}");
            for m in &self.membership_inference {
                let _ = writeln!(
                    s,
                    "  {:<15} AUC {:.4}  advantage {:.4}  TPR@0.1%FPR {:.3}  TPR@1%FPR {:.3}",
                    score_name(m.score),
                    m.auc,
                    m.advantage,
                    m.tpr_at_0_1pct_fpr,
                    m.tpr_at_1pct_fpr
                );
            }
        }
        if let Some(x) = &self.extraction {
            let _ = writeln!(
                s,
                "\n{b}Extraction{z}  ({} surrogate, {} queries; victim accuracy {:.3})",
                surrogate_name(x),
                if x.labels_only { "label" } else { "score" },
                x.victim_accuracy
            );
            for p in &x.curve {
                let _ = writeln!(
                    s,
                    "  {:>6} queries  fidelity {:.3}  accuracy {:.3}",
                    p.queries, p.fidelity, p.accuracy
                );
            }
        }
        for f in &self.fairness {
            let _ = writeln!(
                s,
                "\n{b}Fairness{z}  {} (positive class {}): DPD {:.3}  EOD {:.3}  DI {:.3}",
                f.attribute,
                f.positive_class,
                f.demographic_parity_difference,
                f.equalized_odds_difference,
                f.disparate_impact_ratio
            );
            for g in &f.groups {
                let _ = writeln!(
                    s,
                    "  {:<14} n {:>6}  selection {:.3}  TPR {}  FPR {}",
                    g.group,
                    g.count,
                    g.selection_rate,
                    g.tpr.map(|v| format!("{v:.3}")).unwrap_or("-".into()),
                    g.fpr.map(|v| format!("{v:.3}")).unwrap_or("-".into())
                );
            }
        }
        if !self.importances.is_empty() {
            let _ = writeln!(s, "\n{b}Permutation importance{z} (accuracy drop, top 10)");
            for i in self.importances.iter().take(10) {
                let _ = writeln!(
                    s,
                    "  {:<20} {:+.4} ± {:.4}",
                    feature_label(i),
                    i.mean,
                    i.std
                );
            }
        }
        for sh in &self.shap {
            let mut top: Vec<(usize, f64)> = sh.phi.iter().copied().enumerate().collect();
            top.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
            let _ = writeln!(
                s,
                "  SHAP row {} (class {}, f {:.3}, E f {:.3}): {}",
                sh.row,
                sh.class,
                sh.fx,
                sh.expected,
                top.iter()
                    .take(5)
                    .map(|(j, v)| format!("f{j} {v:+.3}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if let Some(st) = &self.strip {
            let _ = writeln!(
                s,
                "\n{b}STRIP{z}  clean entropy {:.3} ± {:.3} bits, threshold {:.3} (FRR {})",
                st.clean_entropy_mean, st.clean_entropy_std, st.threshold, st.frr
            );
            if let (Some(d), Some(h), Some(su)) = (
                st.detection_rate,
                st.triggered_entropy_mean,
                st.trigger_success_rate,
            ) {
                let _ = writeln!(
                    s,
                    "  trigger: entropy {h:.3}, flagged {:.1}%, redirects {:.1}% to class {}",
                    d * 100.0,
                    su * 100.0,
                    st.trigger_target.unwrap_or(0)
                );
            }
        }
        for n in &self.notes {
            let _ = writeln!(s, "\nnote: {n}");
        }
        let _ = writeln!(s);
        if self.findings.is_empty() {
            let _ = writeln!(s, "{g}no findings{z}");
        }
        for f in &self.findings {
            let c = match Severity::parse(&f.severity) {
                Some(Severity::High | Severity::Critical) => r,
                _ => y,
            };
            let _ = writeln!(
                s,
                "{c}{} [{}]{z} {}: {}",
                f.code, f.severity, f.name, f.message
            );
        }
        s
    }
}

fn score_name(s: MiaScore) -> &'static str {
    match s {
        MiaScore::Loss => "loss",
        MiaScore::Confidence => "confidence",
        MiaScore::CalibratedLoss => "calibrated-loss",
    }
}

fn surrogate_name(x: &ExtractionResult) -> String {
    match x.surrogate {
        crate::extraction::SurrogateKind::Softmax => "softmax-regression".into(),
        crate::extraction::SurrogateKind::Mlp { hidden } => format!("mlp-{hidden}"),
    }
}

fn feature_label(i: &Importance) -> String {
    i.name.clone().unwrap_or_else(|| format!("f{}", i.feature))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const PALETTE: [&str; 6] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
];

/// A line chart of named series over `[0, x_max] × [0, 1]`, as inline SVG.
fn line_chart(
    title: &str,
    xlabel: &str,
    ylabel: &str,
    series: &[(String, Vec<(f64, f64)>)],
    log_x: bool,
) -> String {
    let (w, h, l, r, t, bm) = (520.0, 300.0, 55.0, 130.0, 30.0, 45.0);
    let xs: Vec<f64> = series
        .iter()
        .flat_map(|s| s.1.iter().map(|p| p.0))
        .collect();
    let fx = |v: f64| if log_x { v.max(1.0).log10() } else { v };
    let xmin = if log_x {
        xs.iter().copied().map(fx).fold(f64::INFINITY, f64::min)
    } else {
        0.0
    };
    let xmax = xs
        .iter()
        .copied()
        .map(fx)
        .fold(f64::NEG_INFINITY, f64::max)
        .max(xmin + 1e-9);
    let px = |v: f64| l + (fx(v) - xmin) / (xmax - xmin) * (w - l - r);
    let py = |v: f64| t + (1.0 - v.clamp(0.0, 1.0)) * (h - t - bm);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{}\">\
         <text x=\"{l}\" y=\"18\" font-weight=\"bold\">{}</text>",
        esc(title),
        esc(title)
    );
    for k in 0..=4 {
        let v = k as f64 / 4.0;
        let _ = write!(
            s,
            "<line x1=\"{l}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{v:.2}</text>",
            w - r,
            l - 5.0,
            py(v) + 4.0,
            y = py(v)
        );
    }
    let mut ticks: Vec<f64> = xs.clone();
    ticks.sort_by(f64::total_cmp);
    ticks.dedup();
    for v in ticks.iter().take(12) {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            px(*v),
            h - bm + 15.0,
            if *v >= 10.0 {
                format!("{v:.0}")
            } else {
                format!("{v}")
            }
        );
    }
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{}</text>\
         <text x=\"14\" y=\"{}\" font-size=\"12\" transform=\"rotate(-90 14 {})\" text-anchor=\"middle\">{}</text>\
         <rect x=\"{l}\" y=\"{t}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#888\"/>",
        (l + w - r) / 2.0,
        h - 8.0,
        esc(xlabel),
        (t + h - bm) / 2.0,
        (t + h - bm) / 2.0,
        esc(ylabel),
        w - l - r,
        h - t - bm
    );
    for (i, (name, pts)) in series.iter().enumerate() {
        let c = PALETTE[i % PALETTE.len()];
        let path: Vec<String> = pts
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", px(*x), py(*y)))
            .collect();
        let _ = write!(
            s,
            "<polyline fill=\"none\" stroke=\"{c}\" stroke-width=\"2\" points=\"{}\"/>",
            path.join(" ")
        );
        if pts.len() <= 30 {
            for (x, y) in pts {
                let _ = write!(
                    s,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{c}\"/>",
                    px(*x),
                    py(*y)
                );
            }
        }
        let ly = t + 14.0 + i as f64 * 18.0;
        let _ = write!(
            s,
            "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"4\" fill=\"{c}\"/><text x=\"{}\" y=\"{}\" font-size=\"12\">{}</text>",
            w - r + 10.0,
            ly - 4.0,
            w - r + 27.0,
            ly,
            esc(name)
        );
    }
    s.push_str("</svg>");
    s
}

/// Horizontal bars (value, error) as inline SVG.
fn bar_chart(title: &str, bars: &[(String, f64, f64)]) -> String {
    let (w, l, row) = (520.0, 140.0, 20.0);
    let h = 40.0 + bars.len() as f64 * row;
    let vmax = bars.iter().map(|b| (b.1 + b.2).abs()).fold(1e-9, f64::max);
    let px = |v: f64| v / vmax * (w - l - 20.0);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{}\"><text x=\"10\" y=\"18\" font-weight=\"bold\">{}</text>",
        esc(title),
        esc(title)
    );
    for (i, (name, v, e)) in bars.iter().enumerate() {
        let y = 30.0 + i as f64 * row;
        let wv = px(v.max(0.0));
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{}</text><rect x=\"{l}\" y=\"{y}\" width=\"{wv:.1}\" height=\"{}\" fill=\"#1f77b4\"/>\
             <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{}\" y2=\"{}\" stroke=\"#333\"/><text x=\"{:.1}\" y=\"{}\" font-size=\"11\">{v:.4}</text>",
            l - 6.0,
            y + 12.0,
            esc(name),
            row - 6.0,
            l + px((v - e).max(0.0)),
            l + px(v + e),
            y + (row - 6.0) / 2.0,
            y + (row - 6.0) / 2.0,
            l + wv + px(*e) + 4.0,
            y + 12.0
        );
    }
    s.push_str("</svg>");
    s
}

impl Report {
    /// One self-contained HTML file (inline CSS and SVG, no scripts).
    pub fn html(&self) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>mlsec redteam: {}</title>\
             <style>body{{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}}\
             table{{border-collapse:collapse;margin:.5em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}\
             th{{background:#f4f4f4}}td:first-child,th:first-child{{text-align:left}}.high,.critical{{color:#b00}}.medium{{color:#b60}}\
             .plots{{display:flex;flex-wrap:wrap;gap:1em}}code{{background:#f4f4f4;padding:0 3px}}</style></head><body>",
            esc(&self.model.source)
        );
        let _ = write!(
            s,
            "<h1>Red-team report</h1><p><b>Model</b> <code>{}</code>{}; {} features, {} classes{}.<br><b>Data</b> <code>{}</code> ({} rows), {} rows attacked; clean accuracy {:.4}. Seed {}. {}</p>",
            esc(&self.model.source),
            self.model
                .digest
                .as_ref()
                .map(|d| format!(" (<code>{}</code>)", esc(d)))
                .unwrap_or_default(),
            self.model.n_features,
            self.model.n_classes,
            if self.model.remote {
                ", remote OIP v2 endpoint"
            } else {
                ""
            },
            esc(&self.data.data),
            self.data.rows,
            self.data.samples,
            self.clean_accuracy,
            self.seed,
            esc(&self.tool)
        );
        s.push_str("<h2>Findings</h2>");
        if self.findings.is_empty() {
            s.push_str("<p>No findings.</p>");
        } else {
            s.push_str("<table><tr><th>code</th><th>severity</th><th>finding</th></tr>");
            for f in &self.findings {
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td class=\"{}\">{}</td><td style=\"text-align:left\">{}: {}</td></tr>",
                    f.code,
                    f.severity,
                    f.severity,
                    esc(&f.name),
                    esc(&f.message)
                );
            }
            s.push_str("</table>");
        }
        s.push_str("<div class=\"plots\">");
        if !self.evasion.is_empty() {
            let mut series: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
            for e in &self.evasion {
                match series.iter_mut().find(|(n, _)| *n == e.attack) {
                    Some((_, v)) => v.push((e.eps as f64, e.robust_accuracy)),
                    None => series.push((
                        e.attack.clone(),
                        vec![(0.0, e.clean_accuracy), (e.eps as f64, e.robust_accuracy)],
                    )),
                }
            }
            s.push_str(&line_chart(
                "Robust accuracy vs epsilon",
                "epsilon (L∞)",
                "robust accuracy",
                &series,
                false,
            ));
        }
        if !self.membership_inference.is_empty() {
            let mut series: Vec<(String, Vec<(f64, f64)>)> = self
                .membership_inference
                .iter()
                .map(|m| {
                    (
                        format!("{} (AUC {:.3})", score_name(m.score), m.auc),
                        m.roc.clone(),
                    )
                })
                .collect();
            series.push(("chance".into(), vec![(0.0, 0.0), (1.0, 1.0)]));
            s.push_str(&line_chart(
                "Membership inference ROC",
                "false positive rate",
                "true positive rate",
                &series,
                false,
            ));
        }
        if let Some(x) = &self.extraction {
            let series = vec![
                (
                    "fidelity".to_string(),
                    x.curve
                        .iter()
                        .map(|p| (p.queries as f64, p.fidelity))
                        .collect(),
                ),
                (
                    "accuracy".to_string(),
                    x.curve
                        .iter()
                        .map(|p| (p.queries as f64, p.accuracy))
                        .collect(),
                ),
            ];
            s.push_str(&line_chart(
                "Extraction fidelity vs queries",
                "queries (log scale)",
                "agreement",
                &series,
                true,
            ));
        }
        if !self.importances.is_empty() {
            let bars: Vec<(String, f64, f64)> = self
                .importances
                .iter()
                .take(15)
                .map(|i| (feature_label(i), i.mean, i.std))
                .collect();
            s.push_str(&bar_chart("Permutation importance (accuracy drop)", &bars));
        }
        s.push_str("</div>");
        if !self.evasion.is_empty() {
            s.push_str("<h2>Evasion</h2><table><tr><th>attack</th><th>eps</th><th>robust accuracy</th><th>success rate</th><th>queries/sample</th><th>mean L∞</th><th>mean L2</th></tr>");
            for e in &self.evasion {
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td>{}</td><td>{:.3}</td><td>{:.3}</td><td>{:.0}</td><td>{:.4}</td><td>{:.4}</td></tr>",
                    esc(&e.attack),
                    e.eps,
                    e.robust_accuracy,
                    e.attack_success_rate,
                    e.queries_per_sample,
                    e.mean_linf,
                    e.mean_l2
                );
            }
            s.push_str("</table>");
        }
        if !self.membership_inference.is_empty() {
            s.push_str("<h2>Membership inference</h2><table><tr><th>score</th><th>members</th><th>non-members</th><th>AUC</th><th>advantage</th><th>TPR at 0.1% FPR</th><th>TPR at 1% FPR</th></tr>");
            for m in &self.membership_inference {
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.4}</td><td>{:.4}</td><td>{:.3}</td><td>{:.3}</td></tr>",
                    score_name(m.score),
                    m.members,
                    m.non_members,
                    m.auc,
                    m.advantage,
                    m.tpr_at_0_1pct_fpr,
                    m.tpr_at_1pct_fpr
                );
            }
            s.push_str("</table>");
        }
        for f in &self.fairness {
            let _ = write!(
                s,
                "<h2>Fairness: {}</h2><p>Positive class {}{}. Demographic parity difference {:.3}, equalized odds difference {:.3} (TPR gap {:.3}, FPR gap {:.3}), disparate impact {:.3}.</p>\
                 <table><tr><th>group</th><th>rows</th><th>selection rate</th><th>TPR</th><th>FPR</th><th>accuracy</th></tr>",
                esc(&f.attribute),
                f.positive_class,
                f.threshold
                    .map(|t| format!(", split at {t}"))
                    .unwrap_or_default(),
                f.demographic_parity_difference,
                f.equalized_odds_difference,
                f.tpr_difference,
                f.fpr_difference,
                f.disparate_impact_ratio
            );
            for g in &f.groups {
                let _ = write!(
                    s,
                    "<tr><td>{}</td><td>{}</td><td>{:.3}</td><td>{}</td><td>{}</td><td>{:.3}</td></tr>",
                    esc(&g.group),
                    g.count,
                    g.selection_rate,
                    g.tpr.map(|v| format!("{v:.3}")).unwrap_or("–".into()),
                    g.fpr.map(|v| format!("{v:.3}")).unwrap_or("–".into()),
                    g.accuracy
                );
            }
            s.push_str("</table>");
        }
        if let Some(st) = &self.strip {
            let _ = write!(
                s,
                "<h2>STRIP</h2><p>Clean entropy {:.3} ± {:.3} bits over {} inputs; threshold {:.3} at FRR {}.{}</p>",
                st.clean_entropy_mean,
                st.clean_entropy_std,
                st.clean_inputs,
                st.threshold,
                st.frr,
                match (
                    st.triggered_entropy_mean,
                    st.detection_rate,
                    st.trigger_success_rate
                ) {
                    (Some(h), Some(d), Some(su)) => format!(
                        " Stamped inputs: entropy {h:.3}, {:.1}% flagged; the trigger redirects {:.1}% of rows to class {}.",
                        d * 100.0,
                        su * 100.0,
                        st.trigger_target.unwrap_or(0)
                    ),
                    _ => String::new(),
                }
            );
        }
        for n in &self.notes {
            let _ = write!(s, "<p><i>note: {}</i></p>", esc(n));
        }
        s.push_str("</body></html>\n");
        s
    }
}
