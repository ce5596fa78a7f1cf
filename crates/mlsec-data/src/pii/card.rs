//! PII003: payment card numbers (IIN ranges and the Luhn check).

use mlsec_core::Confidence;

use super::{Context, Lazy, Span, bounded, declare_detector, re};

declare_detector! {
    /// ## What it detects
    /// Primary account numbers of payment cards: 12 to 19 digits, optionally grouped by
    /// spaces or dashes (one separator kind), whose issuer prefix is in a known range (Visa,
    /// Mastercard incl. 2221–2720, American Express, Discover, JCB 3528–3589 and the 15-digit
    /// 1800 / 2131 ranges, Diners, UnionPay, Maestro's issued prefixes)
    /// with a length that network issues, and whose last digit is the Luhn check digit.
    ///
    /// ## Why it matters
    /// Card numbers are regulated (PCI DSS forbids storing them unprotected) and enable fraud.
    /// A training set holding them puts the model and every copy of the data in PCI scope.
    ///
    /// ## Example
    /// `4111 1111 1111 1111` (a Visa test number), `3782-822463-10005` (Amex test number)
    ///
    /// ## References
    /// GDPR art. 4(1), art. 32; CWE-359; PCI DSS v4.0 req. 3.4; ISO/IEC 7812-1 (IIN, Luhn);
    /// OWASP LLM02:2025 (Sensitive Information Disclosure).
    pub static DETECTOR = {
        code: "PII003",
        name: "payment-card",
        kind: PaymentCard,
        severity: Critical,
        summary: "Payment card number (valid issuer range and Luhn check digit)",
        hints: &["card", "pan", "ccnumber", "cc", "creditcard", "cardnumber"],
        priority: 100,
        find: find,
    };
}

static CANDIDATE: Lazy = Lazy::new(|| re(r"\d(?:[ -]?\d){11,18}"));

fn find(value: &str, _ctx: &Context, out: &mut Vec<Span>) {
    if super::count_digits(value) < 12 {
        return;
    }
    for m in CANDIDATE.find_iter(value) {
        if !bounded(value, m.start(), m.end()) {
            continue;
        }
        let s = m.as_str();
        let (spaces, dashes) = (s.contains(' '), s.contains('-'));
        if spaces && dashes {
            continue;
        }
        let Some(d) = super::digits(s, 19) else {
            continue;
        };
        if is_card_number(&d) {
            out.push(Span::new(
                m.start(),
                m.end(),
                DETECTOR.code,
                Confidence::High,
            ));
        }
    }
}

/// True when `d` (digits 0–9) has a known issuer prefix, an issued length and a valid Luhn digit.
pub fn is_card_number(d: &[u8]) -> bool {
    if d.len() < 12 || d.len() > 19 || d.iter().all(|&x| x == d[0]) {
        return false;
    }
    issuer(d).is_some() && luhn(d)
}

/// The card network for an issuer prefix and length, if any.
pub fn issuer(d: &[u8]) -> Option<&'static str> {
    let prefix = |n: usize| d.iter().take(n).fold(0u32, |a, &x| a * 10 + u32::from(x));
    let len = d.len();
    let (p1, p2, p3, p4, p6) = (prefix(1), prefix(2), prefix(3), prefix(4), prefix(6));
    if p1 == 4 && matches!(len, 13 | 16 | 19) {
        return Some("visa");
    }
    if (51..=55).contains(&p2) || (2221..=2720).contains(&p4) {
        return (len == 16).then_some("mastercard");
    }
    if p2 == 34 || p2 == 37 {
        return (len == 15).then_some("amex");
    }
    if p4 == 6011 || (644..=649).contains(&p3) || p2 == 65 || (622126..=622925).contains(&p6) {
        return (16..=19).contains(&len).then_some("discover");
    }
    if (3528..=3589).contains(&p4) {
        return (16..=19).contains(&len).then_some("jcb");
    }
    if p4 == 1800 || p4 == 2131 {
        return (len == 15).then_some("jcb");
    }
    if (300..=305).contains(&p3) || p2 == 36 || p2 == 38 || p2 == 39 {
        return (14..=19).contains(&len).then_some("diners");
    }
    if p2 == 62 {
        return (16..=19).contains(&len).then_some("unionpay");
    }
    // Maestro: the issued prefixes only (a bare leading 6 or 50 also starts most EAN-13 codes).
    let maestro = [5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763];
    if maestro.contains(&p4) {
        return (12..=19).contains(&len).then_some("maestro");
    }
    if (56..=58).contains(&p2) {
        return (16..=19).contains(&len).then_some("maestro");
    }
    None
}

/// The Luhn (mod 10) check over all digits including the check digit.
pub fn luhn(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = u32::from(x);
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 { y - 9 } else { y }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
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
    fn matches_test_numbers_of_each_network() {
        for pan in [
            "4111111111111111",
            "4111 1111 1111 1111",
            "5555-5555-5555-4444",
            "2223003122003222",
            "378282246310005",
            "6011111111111117",
            "3530111333300000",
            "30569309025904",
            "6200000000000005",
        ] {
            assert_eq!(hits(pan), 1, "{pan}");
        }
    }

    #[test]
    fn rejects_bad_luhn_unknown_prefix_and_mixed_separators() {
        assert_eq!(hits("4111111111111112"), 0);
        assert_eq!(hits("9111111111111111"), 0);
        assert_eq!(hits("4111 1111-1111 1111"), 0);
        assert_eq!(hits("0000000000000000"), 0);
        assert_eq!(hits("ORD41111111111111119"), 0, "glued to letters");
    }
}
