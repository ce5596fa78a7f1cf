//! PII007: French social security numbers (NIR) with their key.

use mlsec_core::Confidence;

use super::{Context, Lazy, Span, bounded, declare_detector, re};

declare_detector! {
    /// ## What it detects
    /// French NIR ("numéro de sécurité sociale"): sex (1, 2, or 3, 4, 7, 8 for temporary
    /// numbers), year, month (01–12, or 20–42 / 50–99 when unknown), département (two digits or
    /// 2A / 2B for Corsica), commune, order number, and the two-digit key, which must equal
    /// 97 − (the 13-digit number mod 97) with 2A read as 19 and 2B as 18. Spaces between the
    /// groups are accepted.
    ///
    /// ## Why it matters
    /// The NIR encodes sex, year and place of birth and is the key to French health records;
    /// the CNIL treats its processing as specially regulated.
    ///
    /// ## Example
    /// `2 55 08 14 168 025 38`
    ///
    /// ## References
    /// GDPR art. 87 (national identification numbers); CWE-359; French décret n° 2019-341
    /// (use of the NIR); OWASP LLM02:2025 (Sensitive Information Disclosure).
    pub static DETECTOR = {
        code: "PII007",
        name: "fr-nir",
        kind: FrNir,
        severity: Critical,
        summary: "French social security number (NIR) with a valid key",
        hints: &["nir", "securitesociale", "secu", "insee"],
        priority: 95,
        find: find,
    };
}

static NIR: Lazy =
    Lazy::new(|| re(r"([123478]) ?(\d{2}) ?(\d{2}) ?(\d{2}|2[AaBb]) ?(\d{3}) ?(\d{3}) ?(\d{2})"));

fn find(value: &str, _ctx: &Context, out: &mut Vec<Span>) {
    if super::count_digits(value) < 13 {
        return;
    }
    for c in NIR.captures_iter(value) {
        let Some(m) = c.get(0) else { continue };
        if !bounded(value, m.start(), m.end()) {
            continue;
        }
        let month: u32 = c[3].parse().unwrap_or(0);
        if !((1..=12).contains(&month) || (20..=42).contains(&month) || month >= 50) {
            continue;
        }
        if valid_key(&c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &c[7]) {
            out.push(Span::new(
                m.start(),
                m.end(),
                DETECTOR.code,
                Confidence::High,
            ));
        }
    }
}

fn valid_key(sex: &str, yy: &str, mm: &str, dept: &str, com: &str, ord: &str, key: &str) -> bool {
    let dept_digits = match dept.to_ascii_uppercase().as_str() {
        "2A" => "19".to_string(),
        "2B" => "18".to_string(),
        d => d.to_string(),
    };
    let number = format!("{sex}{yy}{mm}{dept_digits}{com}{ord}");
    let Ok(n) = number.parse::<u64>() else {
        return false;
    };
    let Ok(k) = key.parse::<u64>() else {
        return false;
    };
    (1..=97).contains(&k) && 97 - n % 97 == k
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
    fn matches_valid_keys() {
        assert_eq!(hits("2 55 08 14 168 025 38"), 1);
        assert_eq!(hits("255081416802538"), 1);
        // Corsica: 2A counts as 19 for the key.
        let n: u64 = 1_850_519_005_001;
        let key = 97 - n % 97;
        assert_eq!(hits(&format!("1 85 05 2A 005 001 {key:02}")), 1);
    }

    #[test]
    fn rejects_wrong_key_or_month() {
        assert_eq!(hits("2 55 08 14 168 025 39"), 0);
        assert_eq!(hits("255141416802538"), 0);
    }
}
