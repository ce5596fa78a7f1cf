//! Terminal output: readable without colour, coloured only when asked (the binary decides from
//! the terminal and `NO_COLOR`).

use crate::{FileStatus, ScanRun, Verdict};
use mlsec_core::Severity;
use std::fmt::Write;

/// How to draw the human report.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// Use ANSI colours.
    pub color: bool,
    /// Also list clean files and formats.
    pub verbose: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn severity(&self, s: Severity) -> String {
        let code = match s {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.paint(code, &format!("{:<8}", s.as_str()))
    }
}

fn size(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Renders the run for a person.
pub fn human(run: &ScanRun, style: Style) -> String {
    let mut o = String::new();
    for r in &run.reports {
        let status = run.status(r);
        let shown = style.verbose || status != FileStatus::Clean || !r.findings.is_empty();
        if !shown {
            continue;
        }
        let chain: Vec<&str> = {
            let mut v: Vec<&str> = Vec::new();
            for (_, f) in &r.formats {
                if *f != "unknown" && !v.contains(f) {
                    v.push(f);
                }
            }
            v
        };
        let tag = match status {
            FileStatus::Findings => style.paint("1;31", "FAIL"),
            FileStatus::Incomplete => style.paint("33", "INCOMPLETE"),
            FileStatus::Clean => style.paint("32", "ok"),
        };
        let _ = writeln!(
            o,
            "{}  {}  [{}]",
            style.paint("1", &r.path),
            tag,
            chain.join(" > ")
        );
        for f in &r.findings {
            let place = match (f.location.inner(), f.location.offset) {
                (Some(i), Some(off)) => format!("{i}@{off}"),
                (Some(i), None) => i,
                (None, Some(off)) => format!("@{off}"),
                (None, None) => String::new(),
            };
            let _ = writeln!(
                o,
                "  {} {}  {}{}",
                style.severity(f.severity),
                style.paint("1", f.rule),
                f.message,
                if place.is_empty() {
                    String::new()
                } else {
                    style.paint("2", &format!("  ({place})"))
                },
            );
            if let Some(e) = &f.evidence {
                let _ = writeln!(o, "           evidence: {e}");
            }
        }
        for (f, reason) in &r.waived {
            let _ = writeln!(o, "  {:<8} {}  waived: {reason}", "waived", f.rule);
        }
        for p in &r.problems {
            let _ = writeln!(
                o,
                "  {} {}  {}",
                style.paint("33", &format!("{:<8}", "unchecked")),
                p.kind,
                format_args!("{} ({})", p.message, p.location),
            );
        }
    }
    for (path, err) in &run.errors {
        let _ = writeln!(
            o,
            "{}  {}  {err}",
            style.paint("1", path),
            style.paint("1;31", "ERROR")
        );
    }
    for w in run.stale_waivers() {
        let _ = writeln!(
            o,
            "{} waiver for {} at {} matched nothing; remove it or fix its pattern",
            style.paint("33", "warning:"),
            w.rule,
            w.origin
        );
    }
    let t = run.totals();
    if !o.is_empty() {
        o.push('\n');
    }
    let counts: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .filter(|s| **s >= Severity::Low)
        .map(|s| format!("{} {}", t.by_severity[*s as usize], s.as_str()))
        .collect();
    let _ = write!(
        o,
        "Scanned {} ({}) in {:.2}s: {}",
        plural(t.files, "file", "files"),
        size(t.bytes),
        run.elapsed.as_secs_f64(),
        counts.join(", "),
    );
    if t.waived > 0 {
        let _ = write!(o, ", {} waived", t.waived);
    }
    if t.incomplete_files > 0 {
        let _ = write!(
            o,
            "; {} not fully checked",
            plural(t.incomplete_files, "file", "files")
        );
    }
    o.push('\n');
    let verdict = match run.verdict() {
        Verdict::Pass => style.paint("1;32", "PASS"),
        Verdict::Findings => format!(
            "{}: {} with findings at or above {}",
            style.paint("1;31", "FAIL"),
            plural(t.failing_files, "file", "files"),
            run.fail_on
        ),
        Verdict::Error if !run.errors.is_empty() => {
            format!(
                "{}: {} could not be scanned",
                style.paint("1;31", "ERROR"),
                plural(run.errors.len(), "file", "files")
            )
        }
        Verdict::Error => format!(
            "{}: --strict and {} not fully checked",
            style.paint("1;31", "ERROR"),
            plural(t.incomplete_files, "file was", "files were")
        ),
    };
    let _ = writeln!(o, "{verdict}");
    if t.by_severity.iter().sum::<usize>() > 0 {
        let _ = writeln!(o, "hint: `mlsec rules CODE` explains a rule");
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::sample_run;

    #[test]
    fn plain_text_has_no_escape_codes_and_says_why() {
        let out = human(&sample_run(), Style::default());
        assert!(!out.contains('\x1b'));
        assert!(
            out.contains("models/evil.pt  FAIL  [zip > pickle]"),
            "{out}"
        );
        assert!(
            out.contains("critical GEN001  calls os.system  (archive/data.pkl@45)"),
            "{out}"
        );
        assert!(out.contains("unchecked truncated"), "{out}");
        assert!(
            !out.contains("ok.safetensors"),
            "clean files are listed only with verbose"
        );
        assert!(out.contains("Scanned 3 files (2.1 KiB)"), "{out}");
        assert!(
            out.contains("FAIL: 1 file with findings at or above high"),
            "{out}"
        );
        let verbose = human(
            &sample_run(),
            Style {
                color: true,
                verbose: true,
            },
        );
        assert!(verbose.contains("ok.safetensors") && verbose.contains('\x1b'));
    }

    #[test]
    fn sizes() {
        assert_eq!(size(10), "10 B");
        assert_eq!(size(2048), "2.0 KiB");
        assert_eq!(size(3 << 30), "3.0 GiB");
    }
}
