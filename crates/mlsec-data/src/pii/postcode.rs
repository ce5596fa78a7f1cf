//! PII015: postcodes and ZIP codes (country formats plus context).

use mlsec_core::Confidence;

use super::{Context, Lazy, PiiKind, Span, bounded, declare_detector, re};

declare_detector! {
    /// ## What it detects
    /// Postal codes in the formats of common countries: UK (`SW1A 1AA`; outward code and
    /// inward code with the letters the Royal Mail uses), Canada (`K1A 0B1`), the Netherlands
    /// (`1012 AB`), and US ZIP / ZIP+4 after a state abbreviation (`CA 94105`). Five-digit codes
    /// (US, DE, FR, ES, IT), four-digit codes (NL, BE, CH, AT, DK, AU) and bare ZIP+4 count only
    /// in a column named like `zip`, `postcode`, `plz`, `cp`.
    ///
    /// ## Why it matters
    /// A postcode narrows a person to a street or a few households; with a birth date and sex
    /// it is the quasi-identifier that re-identifies "anonymous" records.
    ///
    /// ## Example
    /// `SW1A 1AA`, `San Francisco, CA 94105-1234`; column `zip`: `02139`
    ///
    /// ## References
    /// GDPR art. 4(1), recital 26 (identifiability); CWE-359; Royal Mail PAF guide; L. Sweeney,
    /// "k-anonymity" (2002).
    pub static DETECTOR = {
        code: "PII015",
        name: "postcode",
        kind: Postcode,
        severity: Low,
        summary: "Postcode or ZIP code",
        hints: &["zip", "zipcode", "postcode", "postalcode", "postal", "plz", "cp", "postleitzahl", "codepostal"],
        priority: 40,
        find: find,
    };
}

static UK: Lazy = Lazy::new(|| {
    re(
        r"\b(?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRV-Y]?) ?[0-9][ABD-HJLNP-UW-Z]{2}\b",
    )
});
static CA: Lazy = Lazy::new(|| {
    re(r"\b[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] ?[0-9][ABCEGHJ-NPRSTV-Z][0-9]\b")
});
static NL: Lazy = Lazy::new(|| re(r"\b[1-9][0-9]{3} ?(?:[A-RT-Z][A-Z]|S[BCE-RT-Z])\b"));
static US_STATE: Lazy = Lazy::new(|| {
    re(
        r"\b(?:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[AIT]|W[AIVY]|PR|AS|GU|MP|PW|FM|MH|A[AEP])\s+(\d{5}(?:-\d{4})?)\b",
    )
});
static DIGITS: Lazy = Lazy::new(|| re(r"^\s*(?:[A-Z]{1,2}-)?(\d{4,5}(?:-\d{4})?)\s*$"));

fn find(value: &str, ctx: &Context, out: &mut Vec<Span>) {
    if value.len() < 4 {
        return;
    }
    let hinted = ctx.hints(PiiKind::Postcode);
    let conf = if hinted {
        Confidence::High
    } else {
        Confidence::Medium
    };
    let has_upper = value.bytes().any(|b| b.is_ascii_uppercase());
    if has_upper {
        for r in [&*UK, &*CA] {
            for m in r.find_iter(value) {
                out.push(Span::new(m.start(), m.end(), DETECTOR.code, conf));
            }
        }
        // `1234 AB` is common in product codes: Dutch codes only with a hint or in an address.
        if hinted || value.contains(',') {
            for m in NL.find_iter(value) {
                out.push(Span::new(m.start(), m.end(), DETECTOR.code, conf));
            }
        }
        for c in US_STATE.captures_iter(value) {
            if let Some(m) = c.get(1) {
                out.push(Span::new(
                    m.start(),
                    m.end(),
                    DETECTOR.code,
                    Confidence::High,
                ));
            }
        }
    }
    if hinted
        && let Some(c) = DIGITS.captures(value)
        && let Some(m) = c.get(1)
        && bounded(value, m.start(), m.end())
    {
        out.push(Span::new(
            m.start(),
            m.end(),
            DETECTOR.code,
            Confidence::High,
        ));
    }
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
    fn matches_formats() {
        assert_eq!(hits("SW1A 1AA", "notes"), 1);
        assert_eq!(hits("M1 1AE", "notes"), 1);
        assert_eq!(hits("K1A 0B1", "notes"), 1);
        assert_eq!(hits("San Francisco, CA 94105-1234", "notes"), 1);
        assert_eq!(hits("02139", "zip"), 1);
        assert_eq!(hits("D-10115", "plz"), 1);
        assert_eq!(hits("1012 AB", "postcode"), 1);
    }

    #[test]
    fn rejects_without_context() {
        assert_eq!(hits("02139", "amount"), 0);
        assert_eq!(hits("SKU 1234 AB", "product"), 0);
        assert_eq!(hits("order 12345", "zip"), 0);
    }
}
