//! PII005: US social security numbers.

use mlsec_core::Confidence;

use super::{Context, Lazy, PiiKind, Span, bounded, declare_detector, has_keyword, re};

declare_detector! {
    /// ## What it detects
    /// US social security numbers `AAA-GG-SSSS` (dashes or spaces) whose area is not 000, 666
    /// or 900–999, whose group is not 00 and whose serial is not 0000, excluding numbers the
    /// SSA voided after they were published (078-05-1120, 219-09-9999). Nine bare digits count
    /// only in a column named like `ssn` or next to the word "SSN" / "social security".
    ///
    /// ## Why it matters
    /// The SSN is the key to US credit and tax records; its exposure enables identity theft and
    /// triggers breach-notification laws in every US state.
    ///
    /// ## Example
    /// `123-45-6789` (valid structure), but not `987-65-4321` (area 9xx is never issued)
    ///
    /// ## References
    /// GDPR art. 87 (national identification numbers); CWE-359; SSA "Social Security Number
    /// Randomization" (2011); OWASP LLM02:2025 (Sensitive Information Disclosure).
    pub static DETECTOR = {
        code: "PII005",
        name: "us-ssn",
        kind: UsSsn,
        severity: Critical,
        summary: "US social security number",
        hints: &["ssn", "socialsecurity", "sozialversicherung", "taxpayer", "tin"],
        priority: 80,
        find: find,
    };
}

static SEPARATED: Lazy = Lazy::new(|| re(r"(\d{3})([- ])(\d{2})[- ](\d{4})"));
static BARE: Lazy = Lazy::new(|| re(r"\d{9}"));

fn find(value: &str, ctx: &Context, out: &mut Vec<Span>) {
    if super::count_digits(value) < 9 {
        return;
    }
    for c in SEPARATED.captures_iter(value) {
        let (Some(m), Some(sep)) = (c.get(0), c.get(2)) else {
            continue;
        };
        if !bounded(value, m.start(), m.end()) || !m.as_str()[6..7].eq(sep.as_str()) {
            continue;
        }
        if valid(&c[1], &c[3], &c[4]) {
            out.push(Span::new(
                m.start(),
                m.end(),
                DETECTOR.code,
                Confidence::High,
            ));
        }
    }
    let context = ctx.hints(PiiKind::UsSsn) || has_keyword(value, &["ssn", "social security"]);
    if context {
        for m in BARE.find_iter(value) {
            let s = m.as_str();
            if bounded(value, m.start(), m.end()) && valid(&s[..3], &s[3..5], &s[5..]) {
                out.push(Span::new(
                    m.start(),
                    m.end(),
                    DETECTOR.code,
                    Confidence::Medium,
                ));
            }
        }
    }
}

/// The SSA's structural rules for area, group and serial.
pub fn valid(area: &str, group: &str, serial: &str) -> bool {
    let (Ok(a), Ok(g), Ok(s)) = (
        area.parse::<u16>(),
        group.parse::<u8>(),
        serial.parse::<u16>(),
    ) else {
        return false;
    };
    let voided = (a, g, s) == (78, 5, 1120) || (a, g, s) == (219, 9, 9999);
    a != 0 && a != 666 && a < 900 && g != 0 && s != 0 && !voided
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(v: &str, col: &str) -> usize {
        let mut out = Vec::new();
        find(v, &Context::for_column(col), &mut out);
        out.len()
    }

    #[test]
    fn matches_valid_numbers() {
        assert_eq!(hits("123-45-6789", "notes"), 1);
        assert_eq!(hits("SSN 123 45 6789", "notes"), 1);
        assert_eq!(hits("123456789", "ssn"), 1);
    }

    #[test]
    fn rejects_invalid_and_unhinted() {
        assert_eq!(hits("000-12-3456", "notes"), 0);
        assert_eq!(hits("666-12-3456", "notes"), 0);
        assert_eq!(hits("912-12-3456", "notes"), 0);
        assert_eq!(hits("123-00-3456", "notes"), 0);
        assert_eq!(hits("123-45-0000", "notes"), 0);
        assert_eq!(hits("078-05-1120", "notes"), 0);
        assert_eq!(hits("123-45 6789", "notes"), 0, "mixed separators");
        assert_eq!(hits("123456789", "order_id"), 0);
    }
}
