//! PII008: Spanish DNI and NIE with their control letter.

use mlsec_core::Confidence;

use super::{Context, Lazy, Span, bounded, declare_detector, re};

declare_detector! {
    /// ## What it detects
    /// Spanish national identity numbers: the DNI (eight digits and a letter) and the NIE for
    /// foreigners (X, Y or Z, seven digits and a letter), optionally with a dash or space before
    /// the letter. The letter must be `TRWAGMYFPDXBNJZSQVHLCKE`[n mod 23], with X, Y, Z read as
    /// 0, 1, 2.
    ///
    /// ## Why it matters
    /// The DNI/NIE identifies a person for every administrative, banking and health purpose in
    /// Spain; the AEPD treats its publication as a personal-data breach.
    ///
    /// ## Example
    /// `12345678Z`, `X1234567L`
    ///
    /// ## References
    /// GDPR art. 87 (national identification numbers); CWE-359; Real Decreto 1553/2005 (DNI);
    /// OWASP LLM02:2025 (Sensitive Information Disclosure).
    pub static DETECTOR = {
        code: "PII008",
        name: "es-dni-nie",
        kind: EsDni,
        severity: Critical,
        summary: "Spanish DNI or NIE with a valid control letter",
        hints: &["dni", "nie", "nif", "documento"],
        priority: 95,
        find: find,
    };
}

static DNI: Lazy = Lazy::new(|| re(r"(?i)([XYZ]?)(\d{7,8})[- ]?([A-Z])"));
const LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";

fn find(value: &str, _ctx: &Context, out: &mut Vec<Span>) {
    if super::count_digits(value) < 7 {
        return;
    }
    for c in DNI.captures_iter(value) {
        let Some(m) = c.get(0) else { continue };
        if !bounded(value, m.start(), m.end()) {
            continue;
        }
        let prefix = c[1].to_ascii_uppercase();
        let digits = &c[2];
        let number = match (prefix.as_str(), digits.len()) {
            ("", 8) => digits.to_string(),
            ("X", 7) => format!("0{digits}"),
            ("Y", 7) => format!("1{digits}"),
            ("Z", 7) => format!("2{digits}"),
            _ => continue,
        };
        let Ok(n) = number.parse::<u32>() else {
            continue;
        };
        let letter = c[3].as_bytes()[0].to_ascii_uppercase();
        if LETTERS[(n % 23) as usize] == letter {
            out.push(Span::new(
                m.start(),
                m.end(),
                DETECTOR.code,
                Confidence::High,
            ));
        }
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
        assert_eq!(hits("12345678Z"), 1);
        assert_eq!(hits("12345678-Z"), 1);
        assert_eq!(hits("X1234567L"), 1);
        assert_eq!(hits("Y1234567X"), 1);
        assert_eq!(hits("12345678A"), 0);
        assert_eq!(hits("X12345678L"), 0);
        assert_eq!(hits("1234567L"), 0);
    }
}
