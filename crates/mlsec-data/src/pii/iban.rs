//! PII004: IBANs (country length and the ISO 7064 mod-97 check).

use mlsec_core::Confidence;

use super::{Context, Lazy, Span, bounded, declare_detector, re};

declare_detector! {
    /// ## What it detects
    /// International bank account numbers: a country code, two check digits and the BBAN, in
    /// the electronic form or grouped by spaces in fours, whose length is the one registered for
    /// the country (ISO 13616 registry) and whose mod-97 remainder (ISO 7064) is 1.
    ///
    /// ## Why it matters
    /// An IBAN identifies an account holder and is enough to set up direct debits in SEPA;
    /// it is personal financial data.
    ///
    /// ## Example
    /// `GB82 WEST 1234 5698 7654 32`, `DE89370400440532013000`
    ///
    /// ## References
    /// GDPR art. 4(1); CWE-359; ISO 13616-1:2020; ISO/IEC 7064 (MOD 97-10);
    /// OWASP LLM02:2025 (Sensitive Information Disclosure).
    pub static DETECTOR = {
        code: "PII004",
        name: "iban",
        kind: Iban,
        severity: High,
        summary: "International bank account number (registered length and mod-97 check)",
        hints: &["iban", "account", "bank", "konto", "rib"],
        priority: 100,
        find: find,
    };
}

static CANDIDATE: Lazy = Lazy::new(|| re(r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,30}"));

/// ISO 13616 registry lengths (SWIFT IBAN registry, release 2024).
static LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BI", 27),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DJ", 27),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FK", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("LY", 25),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MN", 20),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NI", 28),
    ("NL", 18),
    ("NO", 15),
    ("OM", 23),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("RU", 33),
    ("SA", 24),
    ("SC", 31),
    ("SD", 18),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("SO", 23),
    ("ST", 25),
    ("SV", 28),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
    ("YE", 30),
];

fn find(value: &str, _ctx: &Context, out: &mut Vec<Span>) {
    let b = value.as_bytes();
    if b.len() < 15
        || !b
            .windows(2)
            .any(|w| w[0].is_ascii_uppercase() && w[1].is_ascii_uppercase())
    {
        return;
    }
    for m in CANDIDATE.find_iter(value) {
        let compact: String = m.as_str().chars().filter(|c| *c != ' ').collect();
        let Some(&(_, len)) = LENGTHS.iter().find(|(cc, _)| compact.starts_with(cc)) else {
            continue;
        };
        // Take exactly the registered length (a grouped IBAN may be followed by other words).
        let mut taken = 0;
        let mut end = m.start();
        for (i, c) in m.as_str().char_indices() {
            if c != ' ' {
                taken += 1;
            }
            if taken == len {
                end = m.start() + i + 1;
                break;
            }
        }
        if taken < len || !bounded(value, m.start(), end) {
            continue;
        }
        if mod97(&compact[..len]) == Some(1) {
            out.push(Span::new(m.start(), end, DETECTOR.code, Confidence::High));
        }
    }
}

/// The ISO 7064 MOD 97-10 remainder of an IBAN (country and check digits moved to the end,
/// letters as 10..35); `None` for characters outside `[0-9A-Z]`.
pub fn mod97(iban: &str) -> Option<u32> {
    let b = iban.as_bytes();
    if b.len() < 5 {
        return None;
    }
    let mut rem: u32 = 0;
    for &c in b[4..].iter().chain(&b[..4]) {
        match c {
            b'0'..=b'9' => rem = (rem * 10 + u32::from(c - b'0')) % 97,
            b'A'..=b'Z' => rem = (rem * 100 + u32::from(c - b'A' + 10)) % 97,
            _ => return None,
        }
    }
    Some(rem)
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
    fn matches_registry_examples() {
        for iban in [
            "GB82WEST12345698765432",
            "GB82 WEST 1234 5698 7654 32",
            "DE89370400440532013000",
            "FR1420041010050500013M02606",
            "NL91ABNA0417164300",
            "pay to BE68539007547034 today",
        ] {
            assert_eq!(hits(iban), 1, "{iban}");
        }
    }

    #[test]
    fn rejects_bad_check_digits_and_lengths() {
        assert_eq!(hits("GB83WEST12345698765432"), 0);
        assert_eq!(hits("DE8937040044053201300"), 0);
        assert_eq!(hits("SKU1234ABCDEFGH99999"), 0);
    }
}
