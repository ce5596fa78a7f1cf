//! PII006: UK national insurance numbers.

use mlsec_core::Confidence;

use super::{Context, Lazy, Span, bounded, declare_detector, re};

declare_detector! {
    /// ## What it detects
    /// UK national insurance numbers: two prefix letters (D, F, I, Q, U, V never used; O not
    /// second; the prefixes BG, GB, KN, NK, NT, TN, ZZ never allocated), six digits (optionally
    /// in pairs separated by spaces) and a suffix A–D. The NINO has no check digit, so the
    /// format rules are all there is.
    ///
    /// ## Why it matters
    /// The NINO identifies a person to HMRC and the DWP for life; it is used in identity fraud
    /// and its exposure is a reportable personal-data breach under UK GDPR.
    ///
    /// ## Example
    /// `AB 12 34 56 C`, `JG103759A`
    ///
    /// ## References
    /// GDPR art. 87 (national identification numbers); CWE-359; HMRC National Insurance
    /// Manual NIM39110; OWASP LLM02:2025 (Sensitive Information Disclosure).
    pub static DETECTOR = {
        code: "PII006",
        name: "uk-nino",
        kind: UkNino,
        severity: Critical,
        summary: "UK national insurance number",
        hints: &["nino", "nationalinsurance", "ni", "insurance"],
        priority: 70,
        find: find,
    };
}

static NINO: Lazy =
    Lazy::new(|| re(r"(?i)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]"));

fn find(value: &str, _ctx: &Context, out: &mut Vec<Span>) {
    if value.len() < 9 || super::count_digits(value) < 6 {
        return;
    }
    for m in NINO.find_iter(value) {
        let s = m.as_str().to_ascii_uppercase();
        if !bounded(value, m.start(), m.end()) {
            continue;
        }
        // Either no spaces or the canonical grouping (2 letters, 3 pairs, suffix).
        let spaces = s.matches(' ').count();
        if spaces != 0 && spaces != 4 {
            continue;
        }
        if ["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"].contains(&&s[..2]) {
            continue;
        }
        let upper = m.as_str() == s;
        let conf = if upper {
            Confidence::High
        } else {
            Confidence::Medium
        };
        out.push(Span::new(m.start(), m.end(), DETECTOR.code, conf));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(v: &str) -> usize {
        let mut out = Vec::new();
        find(v, &Context::none(), &mut out);
        out.len()
    }

    #[test]
    fn matches_and_rejects() {
        assert_eq!(hits("AB 12 34 56 C"), 1);
        assert_eq!(hits("JG103759A"), 1);
        assert_eq!(hits("GB123456A"), 0);
        assert_eq!(hits("DA123456A"), 0);
        assert_eq!(hits("AB123456E"), 0);
        assert_eq!(hits("XAB123456A"), 0);
        assert_eq!(hits("AB 123456 A"), 0);
    }
}
