//! PII009: Italian codice fiscale with its check character.

use mlsec_core::Confidence;

use super::{Context, Lazy, Span, bounded, declare_detector, re};

declare_detector! {
    /// ## What it detects
    /// The Italian tax code of a person: six letters from surname and name, year, month letter,
    /// day (+40 for women), a cadastral place code, and a check letter computed from the odd-
    /// and even-position tables of DM 23/12/1976. Digits replaced by letters (`omocodia`) are
    /// accepted.
    ///
    /// ## Why it matters
    /// The codice fiscale encodes name, sex, date and place of birth and is required for every
    /// contract and health record in Italy; it identifies a person on its own.
    ///
    /// ## Example
    /// `RSSMRA85T10A562S`
    ///
    /// ## References
    /// GDPR art. 87 (national identification numbers); CWE-359; Italian DM 23 dicembre 1976;
    /// OWASP LLM02:2025 (Sensitive Information Disclosure).
    pub static DETECTOR = {
        code: "PII009",
        name: "it-codice-fiscale",
        kind: ItCodiceFiscale,
        severity: Critical,
        summary: "Italian codice fiscale with a valid check character",
        hints: &["codicefiscale", "cf", "fiscale", "taxcode"],
        priority: 95,
        find: find,
    };
}

static CF: Lazy = Lazy::new(|| {
    re(r"(?i)[A-Z]{6}[0-9LMNP-V]{2}[ABCDEHLMPRST][0-9LMNP-V]{2}[A-Z][0-9LMNP-V]{3}[A-Z]")
});

/// Values of characters in odd (1st, 3rd, …) positions, indexed by digit or letter.
const ODD: [u32; 26] = [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];

fn find(value: &str, _ctx: &Context, out: &mut Vec<Span>) {
    if value.len() < 16 {
        return;
    }
    for m in CF.find_iter(value) {
        if bounded(value, m.start(), m.end()) && check_ok(&m.as_str().to_ascii_uppercase()) {
            out.push(Span::new(
                m.start(),
                m.end(),
                DETECTOR.code,
                Confidence::High,
            ));
        }
    }
}

/// True when the 16th character is the check character of the first 15.
pub fn check_ok(cf: &str) -> bool {
    let b = cf.as_bytes();
    if b.len() != 16 {
        return false;
    }
    let mut sum = 0;
    for (i, &c) in b[..15].iter().enumerate() {
        let idx = match c {
            b'0'..=b'9' => (c - b'0') as usize,
            b'A'..=b'Z' => (c - b'A') as usize,
            _ => return false,
        };
        sum += if i % 2 == 0 { ODD[idx] } else { idx as u32 };
    }
    b[15] == b'A' + (sum % 26) as u8
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
        assert_eq!(hits("RSSMRA85T10A562S"), 1);
        assert_eq!(hits("cf: rssmra85t10a562s"), 1);
        assert_eq!(hits("RSSMRA85T10A562T"), 0);
        assert_eq!(hits("RSSMRA85Z10A562S"), 0, "Z is not a month letter");
    }
}
