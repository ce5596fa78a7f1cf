//! Self-contained HTML reports: one file, inline CSS and inline SVG, no JavaScript, no external
//! resource of any kind, so a report opens offline, in a mail attachment, or in an air-gapped CI
//! artifact store exactly as it was written.
//!
//! The toolkit is deliberately small and dependency-free. Everything that turns text into markup
//! goes through [`escape`], and the type system keeps the two apart: builders take `&str` for
//! text (always escaped, because column names, labels and paths come from untrusted files) and
//! [`Markup`] for HTML that a builder of this module produced. `Markup::trusted` is the one
//! explicit door for hand-written markup.
//!
//! # Building a page
//!
//! ```
//! use mlsec_report::html::{Markup, Page, Table, Tone, badge, svg};
//!
//! let mut page = Page::new("Drift report");
//! page.subtitle("reference.parquet → current.parquet");
//! let mut table = Table::new(&["column", "test", "p-value", "drift"]);
//! table.numeric(2);
//! table.row(vec![
//!     "age".into(),
//!     "ks".into(),
//!     "0.0003".into(),
//!     badge("drift", Tone::High).into(),
//! ]);
//! let chart = svg::HBarChart {
//!     title: "Drift score".into(),
//!     x_label: "score / threshold".into(),
//!     bars: vec![svg::HBar::new("age", 3.2).flagged(true)],
//!     threshold: Some((1.0, "threshold".into())),
//!     x_max: None,
//! };
//! page.section("Columns", Markup::concat([chart.render(), table.render()]));
//! let html = page.render();
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! ```
//!
//! # Pieces
//!
//! - [`Page`]: the page shell — `<head>` with the inline stylesheet (light and dark themes via
//!   `prefers-color-scheme`, print rules that keep figures and table rows whole), a header with
//!   title and subtitle, sections with anchors, and a footer.
//! - [`escape`] / [`Markup`]: escaping and the trusted-markup wrapper.
//! - [`Table`] / [`Cell`]: tables with right-aligned numeric columns and sticky headers.
//! - [`badge`] / [`Tone`]: coloured labels (verdicts, severities); [`Tone::from_severity`] maps
//!   the scanner's severities.
//! - [`stats`] / [`Stat`]: a row of headline numbers ("8 of 25 columns drifted").
//! - [`details`]: a collapsible block (`<details>`, works without JavaScript, opened in print).
//! - [`svg`]: charts as inline `<svg>` with axes, ticks, labels and legends — overlaid
//!   histograms, grouped bars, horizontal bars with a threshold line, multi-series lines, ROC
//!   curves.
//! - [`drift`]: the `mlsec.drift/v1` report.
//!
//! Colours are CSS custom properties (`--c0`…`--c5`, an Okabe–Ito palette that stays apart for
//! colour-blind readers, plus `--ok`, `--low`, `--medium`, `--high`, `--critical`), so the SVG
//! charts follow the page theme.

pub mod drift;
pub mod svg;

use mlsec_core::Severity;
use std::fmt;

/// Escapes text for HTML element content and attribute values (quoted with `"` or `'`).
///
/// Control characters other than tab, newline and carriage return are replaced with U+FFFD:
/// they are not allowed in HTML and some renderers drop or misplace what follows them.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Shortens `text` to at most `max` characters, ending in `…` when something was cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// A piece of HTML that is safe to embed as is: produced by a builder of this module, or
/// declared trusted with [`Markup::trusted`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Markup(String);

impl Markup {
    /// Escaped text.
    pub fn text(text: &str) -> Markup {
        Markup(escape(text))
    }

    /// Markup written by the caller and known to be safe (no untrusted text inside).
    pub fn trusted(html: impl Into<String>) -> Markup {
        Markup(html.into())
    }

    /// Several pieces one after the other.
    pub fn concat(parts: impl IntoIterator<Item = Markup>) -> Markup {
        let mut s = String::new();
        for p in parts {
            s.push_str(&p.0);
        }
        Markup(s)
    }

    /// `<tag class="class">inner</tag>`; `tag` and `class` are written by the caller.
    pub fn wrap(tag: &str, class: &str, inner: Markup) -> Markup {
        if class.is_empty() {
            Markup(format!("<{tag}>{}</{tag}>", inner.0))
        } else {
            Markup(format!("<{tag} class=\"{class}\">{}</{tag}>", inner.0))
        }
    }

    /// The HTML.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The HTML, owned.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Appends more markup.
    pub fn push(&mut self, more: Markup) {
        self.0.push_str(&more.0);
    }
}

impl fmt::Display for Markup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The colour of a badge or a headline number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Grey: a plain label.
    Neutral,
    /// Green: passed, no drift.
    Ok,
    /// Blue: informational.
    Info,
    /// Teal: low severity.
    Low,
    /// Amber: medium severity, a warning.
    Medium,
    /// Red: high severity, drift detected, failed.
    High,
    /// Dark red: critical.
    Critical,
}

impl Tone {
    /// The tone for a scanner severity.
    pub fn from_severity(s: Severity) -> Tone {
        match s {
            Severity::Info => Tone::Info,
            Severity::Low => Tone::Low,
            Severity::Medium => Tone::Medium,
            Severity::High => Tone::High,
            Severity::Critical => Tone::Critical,
        }
    }

    /// The tone for a severity name as it appears in JSON (`"high"`); unknown names are neutral.
    pub fn from_name(name: &str) -> Tone {
        Severity::parse(name).map_or(Tone::Neutral, Tone::from_severity)
    }

    fn class(self) -> &'static str {
        match self {
            Tone::Neutral => "t-neutral",
            Tone::Ok => "t-ok",
            Tone::Info => "t-info",
            Tone::Low => "t-low",
            Tone::Medium => "t-medium",
            Tone::High => "t-high",
            Tone::Critical => "t-critical",
        }
    }
}

/// A small coloured label; the text is escaped.
pub fn badge(text: &str, tone: Tone) -> Markup {
    Markup(format!(
        "<span class=\"badge {}\">{}</span>",
        tone.class(),
        escape(text)
    ))
}

/// One headline number for [`stats`].
#[derive(Debug, Clone)]
pub struct Stat {
    /// What the number is ("drifted columns").
    pub label: String,
    /// The number as it should read ("8 / 25").
    pub value: String,
    /// Its colour.
    pub tone: Tone,
}

impl Stat {
    /// A headline number.
    pub fn new(label: impl Into<String>, value: impl Into<String>, tone: Tone) -> Stat {
        Stat {
            label: label.into(),
            value: value.into(),
            tone,
        }
    }
}

/// A row of headline numbers.
pub fn stats(items: &[Stat]) -> Markup {
    let mut s = String::from("<div class=\"stats\">");
    for it in items {
        s.push_str(&format!(
            "<div class=\"stat {}\"><div class=\"stat-v\">{}</div><div class=\"stat-l\">{}</div></div>",
            it.tone.class(),
            escape(&it.value),
            escape(&it.label)
        ));
    }
    s.push_str("</div>");
    Markup(s)
}

/// A `<dl>` of label/value pairs (paths, fingerprints, row counts).
pub fn key_values(items: &[(&str, Markup)]) -> Markup {
    let mut s = String::from("<dl class=\"kv\">");
    for (k, v) in items {
        s.push_str(&format!("<dt>{}</dt><dd>{}</dd>", escape(k), v.0));
    }
    s.push_str("</dl>");
    Markup(s)
}

/// A collapsible block with a summary line; printed open.
pub fn details(summary: &str, open: bool, inner: Markup) -> Markup {
    Markup(format!(
        "<details{}><summary>{}</summary>{}</details>",
        if open { " open" } else { "" },
        escape(summary),
        inner.0
    ))
}

/// A paragraph of escaped text.
pub fn paragraph(text: &str) -> Markup {
    Markup(format!("<p>{}</p>", escape(text)))
}

/// A note in muted text.
pub fn note(text: &str) -> Markup {
    Markup(format!("<p class=\"note\">{}</p>", escape(text)))
}

/// `<code>` around escaped text.
pub fn code(text: &str) -> Markup {
    Markup(format!("<code>{}</code>", escape(text)))
}

/// One table cell: escaped text or markup.
#[derive(Debug, Clone)]
pub enum Cell {
    /// Text, escaped when rendered.
    Text(String),
    /// Markup from a builder (a badge, a code span).
    Markup(Markup),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<Markup> for Cell {
    fn from(m: Markup) -> Cell {
        Cell::Markup(m)
    }
}

/// A table with a header row; numeric columns are right-aligned in tabular figures.
#[derive(Debug, Clone)]
pub struct Table {
    headers: Vec<String>,
    numeric: Vec<bool>,
    rows: Vec<(Option<Tone>, Vec<Cell>)>,
}

impl Table {
    /// A table with these column headers.
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            numeric: vec![false; headers.len()],
            rows: Vec::new(),
        }
    }

    /// Marks column `i` (0-based) as numeric.
    pub fn numeric(&mut self, i: usize) -> &mut Table {
        if let Some(n) = self.numeric.get_mut(i) {
            *n = true;
        }
        self
    }

    /// Adds a row; missing cells are left empty, extra cells are dropped.
    pub fn row(&mut self, cells: Vec<Cell>) -> &mut Table {
        self.rows.push((None, cells));
        self
    }

    /// Adds a row with a coloured left edge (e.g. drifted columns).
    pub fn row_marked(&mut self, tone: Tone, cells: Vec<Cell>) -> &mut Table {
        self.rows.push((Some(tone), cells));
        self
    }

    /// Number of rows so far.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The `<table>`.
    pub fn render(&self) -> Markup {
        let mut s = String::from("<div class=\"tbl\"><table><thead><tr>");
        for (i, h) in self.headers.iter().enumerate() {
            let cls = if self.numeric[i] {
                " class=\"num\""
            } else {
                ""
            };
            s.push_str(&format!("<th scope=\"col\"{cls}>{}</th>", escape(h)));
        }
        s.push_str("</tr></thead><tbody>");
        for (tone, cells) in &self.rows {
            match tone {
                Some(t) => s.push_str(&format!("<tr class=\"mark {}\">", t.class())),
                None => s.push_str("<tr>"),
            }
            for i in 0..self.headers.len() {
                let cls = if self.numeric[i] {
                    " class=\"num\""
                } else {
                    ""
                };
                s.push_str(&format!("<td{cls}>"));
                match cells.get(i) {
                    Some(Cell::Text(t)) => s.push_str(&escape(t)),
                    Some(Cell::Markup(m)) => s.push_str(&m.0),
                    None => {}
                }
                s.push_str("</td>");
            }
            s.push_str("</tr>");
        }
        s.push_str("</tbody></table></div>");
        Markup(s)
    }
}

/// A report page: title, optional subtitle, sections, footer.
#[derive(Debug, Clone)]
pub struct Page {
    title: String,
    subtitle: Option<String>,
    header_extra: Markup,
    sections: Vec<(String, String, Markup)>,
    footer: Option<String>,
}

impl Page {
    /// An empty page with this title.
    pub fn new(title: &str) -> Page {
        Page {
            title: title.to_string(),
            subtitle: None,
            header_extra: Markup::default(),
            sections: Vec::new(),
            footer: None,
        }
    }

    /// A line under the title.
    pub fn subtitle(&mut self, text: &str) -> &mut Page {
        self.subtitle = Some(text.to_string());
        self
    }

    /// Markup shown in the header under the subtitle (a verdict badge, headline numbers).
    pub fn header(&mut self, m: Markup) -> &mut Page {
        self.header_extra.push(m);
        self
    }

    /// A section with a heading; the anchor id is derived from the heading.
    pub fn section(&mut self, heading: &str, body: Markup) -> &mut Page {
        let base = slug(heading);
        let mut id = base.clone();
        let mut n = 2;
        while self.sections.iter().any(|(i, _, _)| *i == id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.sections.push((id, heading.to_string(), body));
        self
    }

    /// Footer text (tool and version, generation time).
    pub fn footer(&mut self, text: &str) -> &mut Page {
        self.footer = Some(text.to_string());
        self
    }

    /// The complete document.
    pub fn render(&self) -> String {
        let mut s = String::with_capacity(16 * 1024);
        s.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        s.push_str("<meta name=\"color-scheme\" content=\"light dark\">\n");
        // A restrictive CSP as a second line of defence: even if some text escaped escaping,
        // the page can load nothing and run nothing.
        s.push_str(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             style-src 'unsafe-inline'; img-src data:\">\n",
        );
        s.push_str(&format!("<title>{}</title>\n<style>", escape(&self.title)));
        s.push_str(CSS);
        s.push_str("</style>\n</head>\n<body>\n<header>\n");
        s.push_str(&format!("<h1>{}</h1>\n", escape(&self.title)));
        if let Some(sub) = &self.subtitle {
            s.push_str(&format!("<p class=\"sub\">{}</p>\n", escape(sub)));
        }
        s.push_str(&self.header_extra.0);
        if self.sections.len() > 2 {
            s.push_str("<nav>");
            for (id, h, _) in &self.sections {
                s.push_str(&format!("<a href=\"#{id}\">{}</a>", escape(h)));
            }
            s.push_str("</nav>");
        }
        s.push_str("</header>\n<main>\n");
        for (id, h, body) in &self.sections {
            s.push_str(&format!(
                "<section id=\"{id}\">\n<h2>{}</h2>\n{}\n</section>\n",
                escape(h),
                body.0
            ));
        }
        s.push_str("</main>\n");
        if let Some(f) = &self.footer {
            s.push_str(&format!("<footer>{}</footer>\n", escape(f)));
        }
        s.push_str("</body>\n</html>\n");
        s
    }
}

/// An anchor id made of `[a-z0-9-]` only, so it needs no escaping.
fn slug(text: &str) -> String {
    let mut s = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    while s.ends_with('-') {
        s.pop();
    }
    if s.is_empty() {
        s.push_str("section");
    }
    s
}

/// The page stylesheet. Colours are custom properties so dark mode and print only swap values.
const CSS: &str = r#"
:root{--bg:#fff;--fg:#1b1f24;--muted:#5b6470;--line:#d8dde3;--panel:#f5f7f9;--grid:#e7eaee;
--c0:#0072b2;--c1:#e69f00;--c2:#009e73;--c3:#cc79a7;--c4:#56b4e9;--c5:#d55e00;
--ok:#1a7f37;--info:#0969da;--low:#1b7c83;--medium:#9a6700;--high:#cf222e;--critical:#82071e;--neutral:#6e7781}
@media (prefers-color-scheme:dark){:root{--bg:#0f1217;--fg:#e6e9ed;--muted:#9aa4af;--line:#30363d;
--panel:#161b22;--grid:#262c34;--c0:#4fa3e0;--c1:#f0b43c;--c2:#2fc39a;--c3:#e09ac4;--c4:#8fd0f5;
--c5:#ff8a4c;--ok:#3fb950;--info:#58a6ff;--low:#39c5cf;--medium:#d29922;--high:#f85149;
--critical:#ff7b72;--neutral:#8b949e}}
*{box-sizing:border-box}
html{background:var(--bg);color:var(--fg)}
body{margin:0 auto;max-width:1080px;padding:24px 28px 48px;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 12px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:20px 0 8px}
header{padding-bottom:8px}
.sub{color:var(--muted);margin:0 0 12px;overflow-wrap:anywhere}
nav{display:flex;flex-wrap:wrap;gap:4px 16px;margin-top:12px;font-size:13px}
nav a{color:var(--info);text-decoration:none}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.note{color:var(--muted);font-size:13px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;background:var(--neutral);white-space:nowrap}
.badge.t-ok{background:var(--ok)}.badge.t-info{background:var(--info)}.badge.t-low{background:var(--low)}
.badge.t-medium{background:var(--medium)}.badge.t-high{background:var(--high)}.badge.t-critical{background:var(--critical)}
.stats{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.stat{flex:1 1 140px;background:var(--panel);border:1px solid var(--line);border-left:4px solid var(--neutral);border-radius:6px;padding:8px 12px}
.stat.t-ok{border-left-color:var(--ok)}.stat.t-info{border-left-color:var(--info)}.stat.t-low{border-left-color:var(--low)}
.stat.t-medium{border-left-color:var(--medium)}.stat.t-high{border-left-color:var(--high)}.stat.t-critical{border-left-color:var(--critical)}
.stat-v{font-size:20px;font-weight:650;font-variant-numeric:tabular-nums}.stat-l{color:var(--muted);font-size:12px}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}
.kv dt{color:var(--muted)}.kv dd{margin:0;overflow-wrap:anywhere}
.tbl{overflow-x:auto;margin:8px 0 16px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:4px 10px;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
th{position:sticky;top:0;background:var(--panel);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.mark td:first-child{box-shadow:inset 3px 0 0 var(--neutral)}
tr.mark.t-high td:first-child{box-shadow:inset 3px 0 0 var(--high)}tr.mark.t-medium td:first-child{box-shadow:inset 3px 0 0 var(--medium)}
tr.mark.t-ok td:first-child{box-shadow:inset 3px 0 0 var(--ok)}tr.mark.t-low td:first-child{box-shadow:inset 3px 0 0 var(--low)}
tr.mark.t-info td:first-child{box-shadow:inset 3px 0 0 var(--info)}tr.mark.t-critical td:first-child{box-shadow:inset 3px 0 0 var(--critical)}
details{margin:8px 0}summary{cursor:pointer;color:var(--muted)}
figure{margin:12px 0 20px;break-inside:avoid}
.grid2{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:8px 20px}
svg.chart{display:block;width:100%;height:auto;max-width:100%;font-family:inherit;color:var(--fg)}
svg.chart text{fill:currentColor;font-size:11px}
svg.chart .title{font-size:13px;font-weight:600}
svg.chart .axl{fill:var(--muted);font-size:11px}
svg.chart .ax{stroke:var(--muted);stroke-width:1}
svg.chart .gr{stroke:var(--grid);stroke-width:1}
svg.chart .thr{stroke:var(--high);stroke-width:1.5;stroke-dasharray:5 3}
svg.chart .diag{stroke:var(--muted);stroke-width:1;stroke-dasharray:4 4}
svg.chart .nodata{fill:var(--muted)}
svg.chart .s0{fill:var(--c0);stroke:var(--c0)}svg.chart .s1{fill:var(--c1);stroke:var(--c1)}
svg.chart .s2{fill:var(--c2);stroke:var(--c2)}svg.chart .s3{fill:var(--c3);stroke:var(--c3)}
svg.chart .s4{fill:var(--c4);stroke:var(--c4)}svg.chart .s5{fill:var(--c5);stroke:var(--c5)}
svg.chart .bar-ok{fill:var(--c0)}svg.chart .bar-hit{fill:var(--high)}
svg.chart .line{fill:none;stroke-width:2}
svg.chart .area{stroke-width:1.2;fill-opacity:.35}
footer{margin-top:40px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px}
@media print{:root{--bg:#fff;--fg:#000;--muted:#444;--line:#bbb;--panel:#f2f2f2;--grid:#e5e5e5}
body{max-width:none;padding:0}nav{display:none}th{position:static}
details>summary{list-style:none}details:not([open])>*:not(summary){display:block}
section,figure,tr{break-inside:avoid}h2{break-after:avoid}
.badge,.stat,svg.chart{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every rendered page must be loadable with no network: no URL with a scheme, no element
    /// or CSS construct that fetches anything.
    pub(crate) fn assert_self_contained(html: &str) {
        let lower = html.to_ascii_lowercase();
        for bad in [
            "http://", "https://", "<script", "<link", "<img", "<iframe", "<object", "<embed",
            "@import", "url(", "src=\"", "src='", "//cdn", "<use",
        ] {
            assert!(!lower.contains(bad), "page contains {bad:?}");
        }
        for href in lower.split("href=\"").skip(1) {
            assert!(
                href.starts_with('#'),
                "non-local link: {}",
                &href[..href.len().min(40)]
            );
        }
    }

    #[test]
    fn escape_covers_html_specials_and_controls() {
        assert_eq!(
            escape("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
        assert_eq!(escape("a\u{0}b\u{7}c\td"), "a\u{FFFD}b\u{FFFD}c\td");
        assert_eq!(escape("naïve ✓"), "naïve ✓");
    }

    #[test]
    fn truncate_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(truncate("ééééé", 3), "éé…");
    }

    #[test]
    fn table_escapes_text_but_not_markup_and_pads_rows() {
        let mut t = Table::new(&["a<b", "n"]);
        t.numeric(1).numeric(7);
        t.row(vec!["<script>".into(), badge("x&y", Tone::High).into()]);
        t.row(vec!["only one".into()]);
        let html = t.render().into_string();
        assert!(html.contains("<th scope=\"col\">a&lt;b</th>"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("<span class=\"badge t-high\">x&amp;y</span>"));
        assert_eq!(html.matches("<td").count(), 4);
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn page_is_self_contained_and_escapes_everything_untrusted() {
        let mut p = Page::new("<b>title</b>");
        p.subtitle("https://evil.example/<x>");
        p.section("A & B", paragraph("</p><script>alert(1)</script>"));
        p.section("A & B", stats(&[Stat::new("n<", "1", Tone::Ok)]));
        p.section("C", key_values(&[("k", code("v\"'"))]));
        p.footer("mlsec");
        let html = p.render();
        assert!(html.contains("<title>&lt;b&gt;title&lt;/b&gt;</title>"));
        assert!(html.contains("id=\"a-b\"") && html.contains("id=\"a-b-2\""));
        assert!(!html.contains("<script>"));
        assert!(html.contains("prefers-color-scheme:dark"));
        assert!(html.contains("@media print"));
        // The subtitle carries a URL as *text*; strip it and the page must be clean.
        assert_self_contained(&html.replace("https://evil.example/", ""));
    }

    #[test]
    fn slugs_are_plain_ascii() {
        assert_eq!(slug("Data quality (3)"), "data-quality-3");
        assert_eq!(slug("ΔΔΔ"), "section");
        assert_eq!(slug("\" onload=\"x"), "onload-x");
    }

    #[test]
    fn tones_map_severity_names() {
        assert_eq!(Tone::from_name("HIGH"), Tone::High);
        assert_eq!(Tone::from_name("warning"), Tone::Neutral);
        assert_eq!(Tone::from_severity(Severity::Info), Tone::Info);
    }
}
