//! PII002: telephone numbers in international and common national formats.

use mlsec_core::Confidence;

use super::{Context, Lazy, PiiKind, Span, bounded, declare_detector, re};

declare_detector! {
    /// ## What it detects
    /// Telephone numbers:
    /// - international: `+` or `00`, a country calling code and a national number whose
    ///   length fits that country (E.164: at most 15 digits; lengths from the ITU national
    ///   numbering plans for 80 common countries; `+44 (0)20 …` trunk zeros are dropped);
    /// - North American `(212) 555-0143`, `212-555-0143`, `212.555.0143` with an optional
    ///   `+1` / `1-` and extension (medium confidence when the area or exchange code starts
    ///   with 0 or 1, which NANP never assigns);
    /// - national numbers with a trunk `0` and separators, 9 to 12 digits (`020 7946 0958`,
    ///   `01 23 45 67 89`, `030 12345678`).
    ///
    /// A run of digits without `+` and without separators is an order number or an ID as often
    /// as a phone number: it counts only in a column named like `phone`, `tel`, `mobile`. Dates
    /// and times are not read as numbers.
    ///
    /// ## Why it matters
    /// A phone number reaches a person directly, is a common account-recovery factor (SIM-swap
    /// attacks) and joins datasets as well as an e-mail address.
    ///
    /// ## Example
    /// `+44 20 7946 0958`, `(212) 555-0143 x12`, `06 12 34 56 78`
    ///
    /// ## References
    /// GDPR art. 4(1); CWE-359; ITU-T E.164; OWASP LLM02:2025 (Sensitive Information Disclosure).
    pub static DETECTOR = {
        code: "PII002",
        name: "phone-number",
        kind: Phone,
        severity: Medium,
        summary: "Telephone number",
        hints: &["phone", "tel", "telephone", "mobile", "cell", "fax", "msisdn", "telefon", "telefono", "portable", "handy", "contactnumber", "phonenumber"],
        priority: 30,
        find: find,
    };
}

static INTL: Lazy = Lazy::new(|| re(r"(?:\+|\b00)\s?\d[\d \t().\-/]{5,24}\d"));
static NANP: Lazy = Lazy::new(|| {
    re(
        r"(?i)(?:\+?1[\s.\-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.\-])\d{3}[\s.\-]\d{4}(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?",
    )
});
static NATIONAL: Lazy = Lazy::new(|| re(r"\(?0\d{1,5}\)?(?:[ \t.\-/]\d{2,8}){1,4}"));
static BARE: Lazy = Lazy::new(|| re(r"\+?\d{7,15}"));
static DATE_LIKE: Lazy = Lazy::new(|| re(r"^\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}"));

/// Country calling codes with the national significant number length range.
static COUNTRIES: &[(u32, u8, u8)] = &[
    (1, 10, 10),
    (7, 10, 10),
    (20, 9, 10),
    (27, 9, 9),
    (30, 10, 10),
    (31, 9, 9),
    (32, 8, 9),
    (33, 9, 9),
    (34, 9, 9),
    (36, 8, 9),
    (39, 6, 11),
    (40, 9, 9),
    (41, 9, 9),
    (43, 4, 13),
    (44, 9, 10),
    (45, 8, 8),
    (46, 7, 9),
    (47, 8, 8),
    (48, 9, 9),
    (49, 6, 13),
    (51, 8, 9),
    (52, 10, 10),
    (53, 8, 8),
    (54, 10, 11),
    (55, 10, 11),
    (56, 9, 9),
    (57, 10, 10),
    (58, 10, 10),
    (60, 7, 10),
    (61, 9, 9),
    (62, 8, 12),
    (63, 10, 10),
    (64, 8, 10),
    (65, 8, 8),
    (66, 8, 9),
    (81, 9, 10),
    (82, 8, 10),
    (84, 9, 10),
    (86, 11, 11),
    (90, 10, 10),
    (91, 10, 10),
    (92, 10, 10),
    (93, 9, 9),
    (94, 9, 9),
    (95, 8, 10),
    (98, 10, 10),
    (212, 9, 9),
    (213, 9, 9),
    (216, 8, 8),
    (233, 9, 9),
    (234, 8, 10),
    (254, 9, 9),
    (255, 9, 9),
    (256, 9, 9),
    (351, 9, 9),
    (352, 8, 11),
    (353, 7, 9),
    (354, 7, 9),
    (356, 8, 8),
    (357, 8, 8),
    (358, 6, 11),
    (359, 8, 9),
    (370, 8, 8),
    (371, 8, 8),
    (372, 7, 8),
    (380, 9, 9),
    (381, 8, 9),
    (385, 8, 9),
    (386, 8, 8),
    (420, 9, 9),
    (421, 9, 9),
    (852, 8, 8),
    (853, 8, 8),
    (855, 8, 9),
    (880, 10, 10),
    (886, 9, 9),
    (961, 7, 8),
    (962, 8, 9),
    (965, 8, 8),
    (966, 9, 9),
    (971, 8, 9),
    (972, 8, 9),
    (974, 8, 8),
];

fn find(value: &str, ctx: &Context, out: &mut Vec<Span>) {
    let ndig = super::count_digits(value);
    if ndig < 7 {
        return;
    }
    let hinted = ctx.hints(PiiKind::Phone);
    let strong = if hinted {
        Confidence::High
    } else {
        Confidence::Medium
    };
    let before = out.len();
    for m in INTL.find_iter(value) {
        let s = m.as_str().trim_end_matches([' ', '\t', '.', '-', '/', '(']);
        let start = m.start();
        if start > 0 && value.as_bytes()[start - 1].is_ascii_digit() {
            continue;
        }
        let cleaned = s.replace("(0)", "");
        let Some(d) = super::digits(&cleaned, 17) else {
            continue;
        };
        let d = if s.starts_with("00") { &d[2..] } else { &d[..] };
        if let Some(conf) = international(d)
            && !overlaps(out, before, start)
        {
            out.push(Span::new(start, start + s.len(), DETECTOR.code, conf));
        }
    }
    for m in NANP.find_iter(value) {
        if !bounded(value, m.start(), m.end()) || overlaps(out, before, m.start()) {
            continue;
        }
        let d = super::digits(m.as_str(), 25).unwrap_or_default();
        let off = usize::from(d.len() > 10 && d[0] == 1);
        let (area, exch) = (d.get(off).copied(), d.get(off + 3).copied());
        let assigned = area.is_some_and(|a| a >= 2) && exch.is_some_and(|e| e >= 2);
        let conf = if assigned { Confidence::High } else { strong };
        out.push(Span::new(m.start(), m.end(), DETECTOR.code, conf));
    }
    for m in NATIONAL.find_iter(value) {
        let s = m.as_str();
        if !bounded(value, m.start(), m.end()) || overlaps(out, before, m.start()) {
            continue;
        }
        if DATE_LIKE.is_match(s) || value[m.end()..].starts_with(':') {
            continue;
        }
        let n = super::count_digits(s);
        if (9..=12).contains(&n) {
            out.push(Span::new(m.start(), m.end(), DETECTOR.code, strong));
        }
    }
    if hinted && out.len() == before {
        for m in BARE.find_iter(value) {
            if bounded(value, m.start(), m.end()) {
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

fn overlaps(out: &[Span], from: usize, start: usize) -> bool {
    out[from..]
        .iter()
        .any(|s| s.start <= start && start < s.end)
}

/// Confidence for digits after `+` / `00`: high when the country code is known and the
/// national number length fits, medium for an unknown code with an E.164 length.
fn international(d: &[u8]) -> Option<Confidence> {
    if d.len() < 8 || d.len() > 15 {
        return None;
    }
    for cc_len in 1..=3 {
        let cc = d[..cc_len].iter().fold(0u32, |a, &x| a * 10 + u32::from(x));
        if let Some(&(_, lo, hi)) = COUNTRIES.iter().find(|c| c.0 == cc) {
            let national = d.len() - cc_len;
            return (usize::from(lo)..=usize::from(hi))
                .contains(&national)
                .then_some(Confidence::High);
        }
    }
    Some(Confidence::Medium)
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
    fn matches_international_and_national_formats() {
        for p in [
            "+44 20 7946 0958",
            "+44 (0)20 7946 0958",
            "0044 20 7946 0958",
            "+1-212-555-0143",
            "(212) 555-0143 x12",
            "212.555.0143",
            "+33 6 12 34 56 78",
            "06 12 34 56 78",
            "020 7946 0958",
            "+49 30 12345678",
            "+91 98765 43210",
        ] {
            assert_eq!(hits(p, "notes"), 1, "{p}");
        }
        assert_eq!(hits("2125550143", "phone"), 1);
    }

    #[test]
    fn rejects_ids_dates_and_wrong_lengths() {
        assert_eq!(hits("2125550143", "order_id"), 0);
        assert_eq!(hits("ORD-2023-000123", "notes"), 0);
        assert_eq!(hits("2023-01-15 10:22:33", "notes"), 0);
        assert_eq!(hits("01.02.2023 10:22", "notes"), 0);
        assert_eq!(hits("+44 20 7946", "notes"), 0, "too short for the UK");
        assert_eq!(hits("+1 212 555 01431", "notes"), 0, "11 national digits");
        assert_eq!(hits("123-45-6789", "notes"), 0);
    }
}
