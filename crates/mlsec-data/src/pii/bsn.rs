//! PII010: Dutch citizen service numbers (BSN, 11-test).

use mlsec_core::Confidence;

use super::{Context, Lazy, PiiKind, Span, bounded, declare_detector, has_keyword, re};

declare_detector! {
    /// ## What it detects
    /// The Dutch burgerservicenummer: nine digits (eight with a leading zero dropped) passing
    /// the "11-test" 9·d1 + 8·d2 + … + 2·d8 − d9 ≡ 0 (mod 11). One random nine-digit number in
    /// eleven passes, so the detector needs context: a column named like `bsn` / `sofinummer`,
    /// or the word "BSN" / "burgerservicenummer" in the value.
    ///
    /// ## Why it matters
    /// The BSN is the Dutch national identifier for tax, health and social security; the Dutch
    /// GDPR implementation act (UAVG art. 46) restricts its processing to what a law allows.
    ///
    /// ## Example
    /// `BSN 111222333`
    ///
    /// ## References
    /// GDPR art. 87 (national identification numbers); UAVG art. 46; CWE-359;
    /// OWASP LLM02:2025 (Sensitive Information Disclosure).
    pub static DETECTOR = {
        code: "PII010",
        name: "nl-bsn",
        kind: NlBsn,
        severity: Critical,
        summary: "Dutch citizen service number (BSN) passing the 11-test, with context",
        hints: &["bsn", "burgerservicenummer", "sofinummer", "sofi"],
        priority: 60,
        find: find,
    };
}

static BSN: Lazy = Lazy::new(|| re(r"\d{4}\.?\d{2}\.?\d{3}|\d{8}"));

fn find(value: &str, ctx: &Context, out: &mut Vec<Span>) {
    if super::count_digits(value) < 8 {
        return;
    }
    if !(ctx.hints(PiiKind::NlBsn) || has_keyword(value, &["bsn", "burgerservicenummer", "sofi"])) {
        return;
    }
    for m in BSN.find_iter(value) {
        let Some(d) = super::digits(m.as_str(), 9) else {
            continue;
        };
        if bounded(value, m.start(), m.end()) && eleven_test(&d) {
            out.push(Span::new(
                m.start(),
                m.end(),
                DETECTOR.code,
                Confidence::Medium,
            ));
        }
    }
}

/// The BSN 11-test over 8 or 9 digits.
pub fn eleven_test(d: &[u8]) -> bool {
    let mut d9 = [0u8; 9];
    match d.len() {
        9 => d9.copy_from_slice(d),
        8 => d9[1..].copy_from_slice(d),
        _ => return false,
    }
    if d9.iter().all(|&x| x == 0) {
        return false;
    }
    let sum: i32 = d9[..8]
        .iter()
        .enumerate()
        .map(|(i, &x)| (9 - i as i32) * i32::from(x))
        .sum::<i32>()
        - i32::from(d9[8]);
    sum % 11 == 0
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
    fn matches_and_rejects() {
        assert_eq!(hits("111222333", "bsn"), 1);
        assert_eq!(hits("BSN: 1112.22.333", "notes"), 1);
        assert_eq!(hits("111222333", "order_id"), 0, "needs context");
        assert_eq!(hits("111222334", "bsn"), 0);
        assert_eq!(hits("000000000", "bsn"), 0);
    }
}
