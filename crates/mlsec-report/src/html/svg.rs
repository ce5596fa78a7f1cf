//! Charts as inline `<svg>`: axes with "nice" ticks, axis labels, legends, a `<title>` for
//! screen readers, and colours from the page's CSS custom properties (so they follow light and
//! dark themes). Every chart is a plain struct with a `render() -> Markup`; all text in it
//! (titles, labels, series names) is escaped and long labels are shortened with the full text
//! kept in a `<title>` tooltip.
//!
//! Charts never panic on odd data: non-finite values are skipped, mismatched lengths or empty
//! input render a "no data" placeholder of the same size.
//!
//! | chart | use |
//! |---|---|
//! | [`Histogram`] | overlaid distributions (reference vs current share per bin) |
//! | [`BarChart`] | grouped bars per category (reference vs current share per category) |
//! | [`HBarChart`] | one bar per item with a threshold line (drift scores, importances) |
//! | [`LineChart`] | several series over x (robust accuracy vs ε, fidelity vs queries) |
//! | [`roc_curve`] | ROC curves with the chance diagonal and AUC in the legend |

use super::{Markup, escape, truncate};
use std::fmt::Write;

/// The width of every chart in SVG units; charts scale to the page width with `viewBox`.
pub const WIDTH: f64 = 640.0;
const CHAR_W: f64 = 6.2;
const PALETTE: usize = 6;

/// Formats a number for labels: plain for ordinary magnitudes, scientific for tiny or huge
/// ones, at most four significant digits, no trailing zeros.
pub fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "n/a".into()
        } else if v > 0.0 {
            "∞".into()
        } else {
            "-∞".into()
        };
    }
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e6).contains(&a) {
        let s = format!("{v:.2e}");
        // "1.50e-5" -> "1.5e-5"
        if let Some((m, e)) = s.split_once('e') {
            let m = trim_zeros(m);
            return format!("{m}e{e}");
        }
        return s;
    }
    let digits = (4 - 1 - a.log10().floor() as i32).clamp(0, 6) as usize;
    trim_zeros(&format!("{v:.digits$}")).to_string()
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// Ticks at 1, 2, 2.5 or 5 × 10ⁿ covering `[lo, hi]`, about `target` of them.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if !lo.is_finite() || !hi.is_finite() || hi < lo {
        return Vec::new();
    }
    if hi == lo {
        return vec![lo];
    }
    let step = nice_step((hi - lo) / target.max(1) as f64);
    let start = (lo / step).ceil();
    let end = (hi / step + 1e-9).floor();
    let decimals = (2 - step.log10().floor() as i32).clamp(0, 300);
    let scale = 10f64.powi(decimals);
    if !(end - start).is_finite() || end - start > 1000.0 {
        return vec![lo, hi];
    }
    let mut out = Vec::new();
    let mut k = start;
    while k <= end {
        // Round away float dust (0.6000000000000001) and -0.
        let t = (k * step * scale).round() / scale;
        let t = if t == 0.0 { 0.0 } else { t };
        out.push(t);
        k += 1.0;
    }
    out
}

fn nice_step(rough: f64) -> f64 {
    let mag = 10f64.powf(rough.log10().floor());
    let norm = rough / mag;
    // d3's thresholds: pick the multiplier nearest to `rough` on a log scale.
    let m = if norm >= 50f64.sqrt() {
        10.0
    } else if norm >= 10f64.sqrt() {
        5.0
    } else if norm >= 2f64.sqrt() {
        2.0
    } else {
        1.0
    };
    m * mag
}

/// Label for a tick given its neighbours' spacing.
fn tick_label(v: f64, step: f64, percent: bool) -> String {
    let v = if percent { v * 100.0 } else { v };
    let step = if percent { step * 100.0 } else { step };
    let a = v.abs().max(step.abs());
    let s = if a != 0.0 && !(1e-3..1e6).contains(&a) {
        fmt_num(v)
    } else {
        let decimals = if step > 0.0 {
            (-(step.log10().floor()) as i32).clamp(0, 6) as usize
        } else {
            0
        };
        let s = format!("{v:.decimals$}");
        // 2.5-steps need one more digit than their magnitude says.
        if decimals < 6 && (v / step - (v / step).round()).abs() < 1e-6 {
            let s2 = format!("{v:.prec$}", prec = decimals + 1);
            if trim_zeros(&s2).len() > s.len() {
                trim_zeros(&s2).to_string()
            } else {
                s
            }
        } else {
            s
        }
    };
    if percent { format!("{s}%") } else { s }
}

/// A linear (or log10) map from data to pixels.
#[derive(Debug, Clone, Copy)]
struct Scale {
    d0: f64,
    d1: f64,
    r0: f64,
    r1: f64,
    log: bool,
}

impl Scale {
    fn new(d0: f64, d1: f64, r0: f64, r1: f64, log: bool) -> Scale {
        Scale {
            d0,
            d1,
            r0,
            r1,
            log,
        }
    }

    fn map(&self, v: f64) -> f64 {
        let (v, d0, d1) = if self.log {
            (v.max(1e-300).log10(), self.d0.log10(), self.d1.log10())
        } else {
            (v, self.d0, self.d1)
        };
        let t = if d1 == d0 { 0.5 } else { (v - d0) / (d1 - d0) };
        self.r0 + t * (self.r1 - self.r0)
    }
}

/// The pixel box of the plotting area.
#[derive(Debug, Clone, Copy)]
struct Area {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

fn open(out: &mut String, title: &str, height: f64) {
    let _ = write!(
        out,
        "<figure><svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" role=\"img\" aria-label=\"{t}\"><title>{t}</title>",
        t = escape(title)
    );
    if !title.is_empty() {
        let _ = write!(
            out,
            "<text class=\"title\" x=\"8\" y=\"16\">{}</text>",
            escape(&truncate(title, 90))
        );
    }
}

fn close(out: &mut String) {
    out.push_str("</svg></figure>");
}

fn no_data(title: &str, why: &str) -> Markup {
    let mut s = String::new();
    open(&mut s, title, 80.0);
    let _ = write!(
        s,
        "<text class=\"nodata\" x=\"{}\" y=\"50\" text-anchor=\"middle\">{}</text>",
        WIDTH / 2.0,
        escape(why)
    );
    close(&mut s);
    Markup(s)
}

/// Legend entries laid out left to right (wrapping) starting at `(x, y)`; returns the height used.
fn legend(out: &mut String, names: &[String], x: f64, y: f64) -> f64 {
    let mut cx = x;
    let mut cy = y;
    for (i, name) in names.iter().enumerate() {
        let shown = truncate(name, 40);
        let w = 18.0 + shown.chars().count() as f64 * CHAR_W + 14.0;
        if cx + w > WIDTH - 8.0 && cx > x {
            cx = x;
            cy += 16.0;
        }
        let _ = write!(
            out,
            "<g class=\"legend\"><rect class=\"s{}\" x=\"{:.1}\" y=\"{:.1}\" width=\"12\" height=\"10\" rx=\"2\"/><text x=\"{:.1}\" y=\"{:.1}\">{}<title>{}</title></text></g>",
            i % PALETTE,
            cx,
            cy - 9.0,
            cx + 16.0,
            cy,
            escape(&shown),
            escape(name)
        );
        cx += w;
    }
    cy - y + 16.0
}

/// Horizontal grid lines and y tick labels.
fn y_axis(out: &mut String, a: Area, ys: &Scale, ticks: &[f64], percent: bool, label: &str) {
    let step = if ticks.len() > 1 {
        ticks[1] - ticks[0]
    } else {
        1.0
    };
    for &t in ticks {
        let y = ys.map(t);
        let _ = write!(
            out,
            "<line class=\"gr\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            a.left,
            a.right,
            a.left - 5.0,
            y + 3.5,
            escape(&tick_label(t, step, percent))
        );
    }
    let _ = write!(
        out,
        "<line class=\"ax\" x1=\"{l:.1}\" x2=\"{l:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>",
        a.top,
        a.bottom,
        l = a.left
    );
    if !label.is_empty() {
        let cy = (a.top + a.bottom) / 2.0;
        let _ = write!(
            out,
            "<text class=\"axl\" transform=\"translate(12 {cy:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
            escape(&truncate(label, 40))
        );
    }
}

/// Bottom axis with numeric ticks.
fn x_axis(out: &mut String, a: Area, xs: &Scale, ticks: &[f64], percent: bool, label: &str) {
    let step = if ticks.len() > 1 {
        ticks[1] - ticks[0]
    } else {
        1.0
    };
    let _ = write!(
        out,
        "<line class=\"ax\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{b:.1}\" y2=\"{b:.1}\"/>",
        a.left,
        a.right,
        b = a.bottom
    );
    for &t in ticks {
        let x = xs.map(t);
        let text = if xs.log {
            fmt_num(t)
        } else {
            tick_label(t, step, percent)
        };
        let _ = write!(
            out,
            "<line class=\"ax\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            a.bottom,
            a.bottom + 4.0,
            a.bottom + 16.0,
            escape(&text)
        );
    }
    if !label.is_empty() {
        let _ = write!(
            out,
            "<text class=\"axl\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            (a.left + a.right) / 2.0,
            a.bottom + 32.0,
            escape(&truncate(label, 80))
        );
    }
}

fn finite_max(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
}

/// A named series of values.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// One value per bin / category / item.
    pub values: Vec<f64>,
}

impl Series {
    /// A series.
    pub fn new(name: impl Into<String>, values: Vec<f64>) -> Series {
        Series {
            name: name.into(),
            values,
        }
    }
}

/// Overlaid histograms on shared bin edges, drawn as translucent step areas so both shapes stay
/// visible where they overlap.
#[derive(Debug, Clone)]
pub struct Histogram {
    /// Chart title.
    pub title: String,
    /// X axis label (the column name).
    pub x_label: String,
    /// `n + 1` ascending bin edges; an infinite first or last edge is drawn one bin wide.
    pub edges: Vec<f64>,
    /// Series of `n` values each (shares of rows per bin).
    pub series: Vec<Series>,
    /// Show the y axis in percent (values are fractions).
    pub percent: bool,
}

impl Histogram {
    /// The chart.
    pub fn render(&self) -> Markup {
        let n = self.edges.len().saturating_sub(1);
        if n == 0 || self.series.is_empty() || self.series.iter().any(|s| s.values.len() != n) {
            return no_data(&self.title, "no histogram data");
        }
        let mut edges = self.edges.clone();
        if edges.iter().any(|e| e.is_nan()) {
            return no_data(&self.title, "invalid bin edges");
        }
        // Open-ended outer bins (PSI-style -inf/+inf edges) get the width of their neighbour.
        if n >= 2 && !edges[0].is_finite() {
            edges[0] = edges[1] - (edges[2] - edges[1]);
        }
        if n >= 2 && !edges[n].is_finite() {
            edges[n] = edges[n - 1] + (edges[n - 1] - edges[n - 2]);
        }
        if edges.iter().any(|e| !e.is_finite()) || edges.windows(2).any(|w| w[1] < w[0]) {
            return no_data(&self.title, "invalid bin edges");
        }
        let (lo, mut hi) = (edges[0], edges[n]);
        if hi == lo {
            hi = lo + 1.0;
        }
        let ymax =
            finite_max(self.series.iter().flat_map(|s| s.values.iter().copied())).unwrap_or(0.0);
        let ymax = if ymax > 0.0 { ymax * 1.08 } else { 1.0 };
        let yticks = nice_ticks(0.0, ymax, 5);
        let ytop = yticks.last().copied().unwrap_or(ymax).max(ymax);

        let mut s = String::new();
        let height = 260.0;
        open(&mut s, &self.title, height);
        let names: Vec<String> = self.series.iter().map(|s| s.name.clone()).collect();
        let lh = legend(&mut s, &names, 60.0, 36.0);
        let a = Area {
            left: 60.0,
            right: WIDTH - 16.0,
            top: 30.0 + lh,
            bottom: height - 44.0,
        };
        let xs = Scale::new(lo, hi, a.left, a.right, false);
        let ys = Scale::new(0.0, ytop, a.bottom, a.top, false);
        y_axis(
            &mut s,
            a,
            &ys,
            &yticks,
            self.percent,
            if self.percent { "share of rows" } else { "" },
        );
        for (i, ser) in self.series.iter().enumerate() {
            let mut d = format!("M{:.1} {:.1}", xs.map(edges[0]), ys.map(0.0));
            for (b, v) in ser.values.iter().enumerate() {
                let v = if v.is_finite() { v.max(0.0) } else { 0.0 };
                let y = ys.map(v);
                let _ = write!(
                    d,
                    "L{:.1} {y:.1}L{:.1} {y:.1}",
                    xs.map(edges[b]),
                    xs.map(edges[b + 1])
                );
            }
            let _ = write!(d, "L{:.1} {:.1}Z", xs.map(edges[n]), ys.map(0.0));
            let _ = write!(
                s,
                "<path class=\"area s{}\" d=\"{d}\"><title>{}</title></path>",
                i % PALETTE,
                escape(&ser.name)
            );
        }
        let xticks: Vec<f64> = nice_ticks(lo, hi, 7);
        x_axis(&mut s, a, &xs, &xticks, false, &self.x_label);
        close(&mut s);
        Markup(s)
    }
}

/// Grouped vertical bars: one group per category, one bar per series.
#[derive(Debug, Clone)]
pub struct BarChart {
    /// Chart title.
    pub title: String,
    /// Category labels.
    pub labels: Vec<String>,
    /// Series of one value per label.
    pub series: Vec<Series>,
    /// Show the y axis in percent (values are fractions).
    pub percent: bool,
    /// Y axis label.
    pub y_label: String,
}

impl BarChart {
    /// The chart.
    pub fn render(&self) -> Markup {
        let n = self.labels.len();
        if n == 0 || self.series.is_empty() || self.series.iter().any(|s| s.values.len() != n) {
            return no_data(&self.title, "no category data");
        }
        let ymax =
            finite_max(self.series.iter().flat_map(|s| s.values.iter().copied())).unwrap_or(0.0);
        let ymax = if ymax > 0.0 { ymax * 1.08 } else { 1.0 };
        let yticks = nice_ticks(0.0, ymax, 5);
        let ytop = yticks.last().copied().unwrap_or(ymax).max(ymax);
        let left = 60.0;
        let right = WIDTH - 16.0;
        let group = (right - left) / n as f64;
        let rotate = group < 44.0;
        let max_chars = if rotate {
            16
        } else {
            ((group / CHAR_W) as usize).max(3)
        };
        let bottom_margin = if rotate { 84.0 } else { 40.0 };
        let height = 230.0 + bottom_margin;

        let mut s = String::new();
        open(&mut s, &self.title, height);
        let names: Vec<String> = self.series.iter().map(|s| s.name.clone()).collect();
        let lh = legend(&mut s, &names, left, 36.0);
        let a = Area {
            left,
            right,
            top: 30.0 + lh,
            bottom: height - bottom_margin,
        };
        let ys = Scale::new(0.0, ytop, a.bottom, a.top, false);
        let label = if self.y_label.is_empty() && self.percent {
            "share of rows"
        } else {
            &self.y_label
        };
        y_axis(&mut s, a, &ys, &yticks, self.percent, label);
        let k = self.series.len() as f64;
        let bw = (group * 0.8 / k).max(1.0);
        for (c, lab) in self.labels.iter().enumerate() {
            let gx = a.left + group * c as f64 + group * 0.1;
            for (i, ser) in self.series.iter().enumerate() {
                let v = ser.values[c];
                let v = if v.is_finite() { v.max(0.0) } else { 0.0 };
                let y = ys.map(v);
                let _ = write!(
                    s,
                    "<rect class=\"s{}\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\"><title>{}: {} = {}</title></rect>",
                    i % PALETTE,
                    gx + bw * i as f64,
                    (bw - 1.0).max(0.5),
                    (a.bottom - y).max(0.0),
                    escape(&ser.name),
                    escape(lab),
                    escape(&if self.percent {
                        format!("{}%", fmt_num(v * 100.0))
                    } else {
                        fmt_num(v)
                    })
                );
            }
            let cx = a.left + group * (c as f64 + 0.5);
            let shown = escape(&truncate(lab, max_chars));
            if rotate {
                let _ = write!(
                    s,
                    "<text transform=\"translate({cx:.1} {:.1}) rotate(-45)\" text-anchor=\"end\">{shown}<title>{}</title></text>",
                    a.bottom + 12.0,
                    escape(lab)
                );
            } else {
                let _ = write!(
                    s,
                    "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{shown}<title>{}</title></text>",
                    a.bottom + 16.0,
                    escape(lab)
                );
            }
        }
        let _ = write!(
            s,
            "<line class=\"ax\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{b:.1}\" y2=\"{b:.1}\"/>",
            a.left,
            a.right,
            b = a.bottom
        );
        close(&mut s);
        Markup(s)
    }
}

/// One bar of an [`HBarChart`].
#[derive(Debug, Clone)]
pub struct HBar {
    /// Row label (escaped, shortened to fit).
    pub label: String,
    /// Bar length in data units.
    pub value: f64,
    /// Text written at the end of the bar; defaults to the value.
    pub display: Option<String>,
    /// Drawn in the alert colour (crossed the threshold).
    pub flagged: bool,
}

impl HBar {
    /// A bar.
    pub fn new(label: impl Into<String>, value: f64) -> HBar {
        HBar {
            label: label.into(),
            value,
            display: None,
            flagged: false,
        }
    }

    /// Sets the alert colour.
    pub fn flagged(mut self, yes: bool) -> HBar {
        self.flagged = yes;
        self
    }

    /// Sets the text at the end of the bar.
    pub fn display(mut self, text: impl Into<String>) -> HBar {
        self.display = Some(text.into());
        self
    }
}

/// Horizontal bars, one row per item, with an optional vertical threshold line.
#[derive(Debug, Clone)]
pub struct HBarChart {
    /// Chart title.
    pub title: String,
    /// X axis label.
    pub x_label: String,
    /// The bars, top to bottom.
    pub bars: Vec<HBar>,
    /// Threshold value and its label.
    pub threshold: Option<(f64, String)>,
    /// Clip bars at this value (an arrow-like `▸` marks clipped bars); `None` fits all.
    pub x_max: Option<f64>,
}

impl HBarChart {
    /// The chart.
    pub fn render(&self) -> Markup {
        if self.bars.is_empty() {
            return no_data(&self.title, "nothing to plot");
        }
        let row = 18.0;
        let label_chars = self
            .bars
            .iter()
            .map(|b| b.label.chars().count())
            .max()
            .unwrap_or(0)
            .clamp(4, 24);
        let left = 12.0 + label_chars as f64 * CHAR_W;
        let right = WIDTH - 70.0;
        let top = 40.0;
        let height = top + row * self.bars.len() as f64 + 44.0;
        let data_max = finite_max(self.bars.iter().map(|b| b.value)).unwrap_or(0.0);
        let thr = self
            .threshold
            .as_ref()
            .map(|t| t.0)
            .filter(|t| t.is_finite());
        let mut xmax = data_max.max(thr.unwrap_or(0.0) * 1.25);
        if let Some(cap) = self.x_max.filter(|c| c.is_finite() && *c > 0.0) {
            xmax = xmax.min(cap);
        }
        if xmax <= 0.0 {
            xmax = 1.0;
        }
        let xticks = nice_ticks(0.0, xmax, 6);
        let xtop = xticks.last().copied().unwrap_or(xmax).max(xmax);
        let a = Area {
            left,
            right,
            top,
            bottom: height - 44.0,
        };
        let xs = Scale::new(0.0, xtop, a.left, a.right, false);

        let mut s = String::new();
        open(&mut s, &self.title, height);
        for &t in &xticks {
            let x = xs.map(t);
            let _ = write!(
                s,
                "<line class=\"gr\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>",
                a.top, a.bottom
            );
        }
        for (i, b) in self.bars.iter().enumerate() {
            let y = a.top + row * i as f64;
            let v = if b.value.is_finite() {
                b.value.max(0.0)
            } else if b.value > 0.0 {
                f64::INFINITY
            } else {
                0.0
            };
            let clipped = v > xtop;
            let w = xs.map(v.min(xtop)) - a.left;
            let cls = if b.flagged { "bar-hit" } else { "bar-ok" };
            let text = b.display.clone().unwrap_or_else(|| fmt_num(b.value));
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}<title>{}</title></text><rect class=\"{cls}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" rx=\"2\"><title>{}: {}</title></rect><text x=\"{:.1}\" y=\"{:.1}\">{}{}</text>",
                a.left - 6.0,
                y + row * 0.5 + 4.0,
                escape(&truncate(&b.label, label_chars)),
                escape(&b.label),
                a.left,
                y + 3.0,
                row - 6.0,
                escape(&b.label),
                escape(&text),
                a.left + w + 4.0,
                y + row * 0.5 + 4.0,
                if clipped { "▸ " } else { "" },
                escape(&text)
            );
        }
        if let (Some(t), Some((_, label))) = (thr, self.threshold.as_ref())
            && t <= xtop
        {
            let x = xs.map(t);
            let _ = write!(
                s,
                "<line class=\"thr\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/><text class=\"axl\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                a.top - 4.0,
                a.bottom,
                a.top - 8.0,
                escape(&truncate(label, 40))
            );
        }
        x_axis(&mut s, a, &xs, &xticks, false, &self.x_label);
        close(&mut s);
        Markup(s)
    }
}

/// A named line of `(x, y)` points.
#[derive(Debug, Clone)]
pub struct LineSeries {
    /// Legend name.
    pub name: String,
    /// Points in drawing order; non-finite points break nothing, they are skipped.
    pub points: Vec<(f64, f64)>,
}

impl LineSeries {
    /// A series.
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> LineSeries {
        LineSeries {
            name: name.into(),
            points,
        }
    }
}

/// Lines with point markers, several series, optional log x axis and fixed ranges.
#[derive(Debug, Clone)]
pub struct LineChart {
    /// Chart title.
    pub title: String,
    /// X axis label.
    pub x_label: String,
    /// Y axis label.
    pub y_label: String,
    /// The series.
    pub series: Vec<LineSeries>,
    /// Fixed x range; `None` fits the data.
    pub x_range: Option<(f64, f64)>,
    /// Fixed y range; `None` fits the data (from 0 when all values are positive).
    pub y_range: Option<(f64, f64)>,
    /// Log10 x axis (non-positive x values are skipped).
    pub x_log: bool,
    /// Draw the dashed `y = x` diagonal (ROC chance line).
    pub diagonal: bool,
    /// Y ticks in percent (values are fractions).
    pub percent: bool,
}

impl LineChart {
    /// A chart with these labels and no series, linear axes fitted to the data.
    pub fn new(title: &str, x_label: &str, y_label: &str) -> LineChart {
        LineChart {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            series: Vec::new(),
            x_range: None,
            y_range: None,
            x_log: false,
            diagonal: false,
            percent: false,
        }
    }

    /// The chart.
    pub fn render(&self) -> Markup {
        let ok = |&(x, y): &(f64, f64)| x.is_finite() && y.is_finite() && (!self.x_log || x > 0.0);
        let pts: Vec<(f64, f64)> = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().copied())
            .filter(ok)
            .collect();
        if pts.is_empty() {
            return no_data(&self.title, "no points");
        }
        let (mut x0, mut x1) = self.x_range.unwrap_or_else(|| {
            pts.iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
                    (a.min(p.0), b.max(p.0))
                })
        });
        let (mut y0, mut y1) = self.y_range.unwrap_or_else(|| {
            let (a, b) = pts
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
                    (a.min(p.1), b.max(p.1))
                });
            let a = if a >= 0.0 { 0.0 } else { a };
            (a, b + (b - a).abs() * 0.05)
        });
        if x1 <= x0 {
            x1 = x0 + if self.x_log { x0 * 9.0 } else { 1.0 };
        }
        if y1 <= y0 {
            y1 = y0 + 1.0;
        }
        if self.x_log {
            x0 = 10f64.powf(x0.log10().floor());
            x1 = 10f64.powf(x1.log10().ceil());
        }
        let yticks = nice_ticks(y0, y1, 5);
        if self.y_range.is_none() {
            y0 = y0.min(yticks.first().copied().unwrap_or(y0));
            y1 = y1.max(yticks.last().copied().unwrap_or(y1));
        }
        let xticks = if self.x_log {
            let mut t = Vec::new();
            let mut e = x0.log10().round() as i32;
            while 10f64.powi(e) <= x1 * 1.000001 && t.len() < 40 {
                t.push(10f64.powi(e));
                e += 1;
            }
            t
        } else {
            nice_ticks(x0, x1, 7)
        };

        let height = 300.0;
        let mut s = String::new();
        open(&mut s, &self.title, height);
        let names: Vec<String> = self.series.iter().map(|s| s.name.clone()).collect();
        let lh = legend(&mut s, &names, 60.0, 36.0);
        let a = Area {
            left: 60.0,
            right: WIDTH - 16.0,
            top: 30.0 + lh,
            bottom: height - 44.0,
        };
        let xs = Scale::new(x0, x1, a.left, a.right, self.x_log);
        let ys = Scale::new(y0, y1, a.bottom, a.top, false);
        y_axis(&mut s, a, &ys, &yticks, self.percent, &self.y_label);
        if self.diagonal {
            let lo = x0.max(y0);
            let hi = x1.min(y1);
            if hi > lo {
                let _ = write!(
                    s,
                    "<line class=\"diag\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>",
                    xs.map(lo),
                    ys.map(lo),
                    xs.map(hi),
                    ys.map(hi)
                );
            }
        }
        for (i, ser) in self.series.iter().enumerate() {
            let p: Vec<(f64, f64)> = ser.points.iter().copied().filter(ok).collect();
            if p.is_empty() {
                continue;
            }
            let mut d = String::new();
            for (j, (x, y)) in p.iter().enumerate() {
                let _ = write!(
                    d,
                    "{}{:.1} {:.1}",
                    if j == 0 { "M" } else { "L" },
                    xs.map(*x),
                    ys.map(y.clamp(y0, y1))
                );
            }
            let c = i % PALETTE;
            let _ = write!(
                s,
                "<path class=\"line s{c}\" d=\"{d}\"><title>{}</title></path>",
                escape(&ser.name)
            );
            // Markers only where they stay readable.
            if p.len() <= 60 {
                for (x, y) in &p {
                    let _ = write!(
                        s,
                        "<circle class=\"s{c}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.6\"><title>{}: ({}, {})</title></circle>",
                        xs.map(*x),
                        ys.map(y.clamp(y0, y1)),
                        escape(&ser.name),
                        fmt_num(*x),
                        fmt_num(*y)
                    );
                }
            }
        }
        x_axis(&mut s, a, &xs, &xticks, false, &self.x_label);
        close(&mut s);
        Markup(s)
    }
}

/// One curve of [`roc_curve`].
#[derive(Debug, Clone)]
pub struct RocSeries {
    /// Legend name (the detector, the model).
    pub name: String,
    /// `(false positive rate, true positive rate)` points, in threshold order.
    pub points: Vec<(f64, f64)>,
    /// Area under the curve, shown in the legend when given.
    pub auc: Option<f64>,
}

/// ROC curves on the unit square with the dashed chance diagonal; the legend shows each AUC.
pub fn roc_curve(title: &str, curves: &[RocSeries]) -> Markup {
    let mut chart = LineChart::new(title, "false positive rate", "true positive rate");
    chart.x_range = Some((0.0, 1.0));
    chart.y_range = Some((0.0, 1.0));
    chart.diagonal = true;
    for c in curves {
        let name = match c.auc {
            Some(a) => format!("{} (AUC {a:.3})", c.name),
            None => c.name.clone(),
        };
        chart.series.push(LineSeries::new(name, c.points.clone()));
    }
    chart.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!(fmt_num(0.123456), "0.1235");
        assert_eq!(fmt_num(12.5), "12.5");
        assert_eq!(fmt_num(1234.5678), "1235");
        assert_eq!(fmt_num(6.851245921180767e-26), "6.85e-26");
        assert_eq!(fmt_num(1.5e-5), "1.5e-5");
        assert_eq!(fmt_num(2.0e7), "2e7");
        assert_eq!(fmt_num(f64::NAN), "n/a");
        assert_eq!(fmt_num(-0.5), "-0.5");
    }

    #[test]
    fn ticks_are_nice_and_cover_the_range() {
        assert_eq!(nice_ticks(0.0, 1.0, 5), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(
            nice_ticks(0.0, 0.27, 5),
            vec![0.0, 0.05, 0.1, 0.15, 0.2, 0.25]
        );
        assert_eq!(nice_ticks(-4.49, 4.57, 4), vec![-4.0, -2.0, 0.0, 2.0, 4.0]);
        assert_eq!(nice_ticks(3.0, 3.0, 5), vec![3.0]);
        assert!(nice_ticks(f64::NAN, 1.0, 5).is_empty());
        assert!(nice_ticks(0.0, 1e300, 5).len() < 20);
        assert_eq!(tick_label(0.15, 0.05, true), "15%");
        assert_eq!(tick_label(0.025, 0.025, true), "2.5%");
        assert_eq!(tick_label(2.0, 2.0, false), "2");
        assert_eq!(tick_label(0.2, 0.2, false), "0.2");
    }

    fn hist() -> Histogram {
        Histogram {
            title: "num_00".into(),
            x_label: "num_00".into(),
            edges: vec![-2.0, -1.0, 0.0, 1.0, 2.0],
            series: vec![
                Series::new("reference", vec![0.15, 0.35, 0.35, 0.15]),
                Series::new("current", vec![0.05, 0.25, 0.4, 0.3]),
            ],
            percent: true,
        }
    }

    /// Snapshot of one complete chart: catches accidental geometry and markup changes.
    #[test]
    fn histogram_snapshot() {
        insta::assert_snapshot!(hist().render().into_string());
    }

    #[test]
    fn histogram_draws_one_area_per_series_with_axes() {
        let svg = hist().render().into_string();
        assert_eq!(svg.matches("<path class=\"area").count(), 2);
        assert!(svg.contains(">reference<") && svg.contains(">current<"));
        assert!(svg.contains(">40%<") || svg.contains(">30%<"));
        assert!(svg.contains("share of rows"));
        assert!(svg.starts_with("<figure><svg") && svg.ends_with("</svg></figure>"));
    }

    #[test]
    fn histogram_handles_open_edges_and_bad_input() {
        let mut h = hist();
        h.edges[0] = f64::NEG_INFINITY;
        h.edges[4] = f64::INFINITY;
        assert!(h.render().as_str().contains("<path"));
        h.edges.pop();
        assert!(h.render().as_str().contains("no histogram data"));
        let mut h = hist();
        h.edges = vec![0.0, 2.0, 1.0, 3.0, 4.0];
        assert!(h.render().as_str().contains("invalid bin edges"));
        h.edges = vec![0.0, f64::NAN, 1.0, 3.0, 4.0];
        assert!(h.render().as_str().contains("invalid bin edges"));
    }

    #[test]
    fn labels_are_escaped_everywhere() {
        let evil = "<script>alert('x')</script>";
        let b = BarChart {
            title: evil.into(),
            labels: vec![evil.into(), "b".into()],
            series: vec![Series::new(evil, vec![0.5, 0.5])],
            percent: true,
            y_label: String::new(),
        };
        let h = HBarChart {
            title: evil.into(),
            x_label: evil.into(),
            bars: vec![HBar::new(evil, 1.0).display(evil)],
            threshold: Some((0.5, evil.into())),
            x_max: None,
        };
        let mut l = LineChart::new(evil, evil, evil);
        l.series
            .push(LineSeries::new(evil, vec![(0.0, 1.0), (1.0, 2.0)]));
        for m in [b.render(), h.render(), l.render()] {
            assert!(!m.as_str().contains("<script"), "{}", m);
            assert!(m.as_str().contains("&lt;script&gt;"));
        }
    }

    #[test]
    fn grouped_bars_rotate_many_labels() {
        let labels: Vec<String> = (0..30).map(|i| format!("category-{i}")).collect();
        let b = BarChart {
            title: "t".into(),
            labels,
            series: vec![
                Series::new("reference", vec![1.0 / 30.0; 30]),
                Series::new("current", vec![1.0 / 30.0; 30]),
            ],
            percent: true,
            y_label: String::new(),
        };
        let svg = b.render().into_string();
        assert_eq!(svg.matches("<rect class=\"s").count(), 60 + 2);
        assert!(svg.contains("rotate(-45)"));
    }

    #[test]
    fn hbar_threshold_and_clipping() {
        let h = HBarChart {
            title: "Drift score".into(),
            x_label: "score / threshold".into(),
            bars: vec![
                HBar::new("a", 0.3),
                HBar::new("b", 50.0).flagged(true).display("p=0"),
                HBar::new("c", f64::INFINITY).flagged(true),
            ],
            threshold: Some((1.0, "threshold".into())),
            x_max: Some(5.0),
        };
        let svg = h.render().into_string();
        assert_eq!(svg.matches("class=\"bar-hit\"").count(), 2);
        assert_eq!(svg.matches("class=\"thr\"").count(), 1);
        assert_eq!(svg.matches("▸ ").count(), 2);
        assert!(svg.contains(">▸ p=0<"));
    }

    #[test]
    fn line_chart_log_axis_and_roc() {
        let mut l = LineChart::new("acc vs eps", "ε", "accuracy");
        l.x_log = true;
        l.percent = true;
        l.y_range = Some((0.0, 1.0));
        l.series.push(LineSeries::new(
            "FGSM",
            vec![(0.001, 0.9), (0.01, 0.7), (0.1, 0.2), (0.0, 0.95)],
        ));
        l.series
            .push(LineSeries::new("PGD", vec![(0.001, 0.88), (0.1, f64::NAN)]));
        let svg = l.render().into_string();
        assert!(svg.contains(">0.001<") && svg.contains(">0.1<"));
        assert_eq!(svg.matches("<circle").count(), 4);
        let roc = roc_curve(
            "ROC",
            &[RocSeries {
                name: "detector".into(),
                points: vec![(0.0, 0.0), (0.1, 0.7), (1.0, 1.0)],
                auc: Some(0.8766),
            }],
        )
        .into_string();
        assert!(roc.contains("detector (AUC 0.877)"));
        assert!(roc.contains("class=\"diag\""));
        assert!(
            LineChart::new("e", "x", "y")
                .render()
                .as_str()
                .contains("no points")
        );
    }
}
