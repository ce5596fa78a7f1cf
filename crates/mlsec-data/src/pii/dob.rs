//! PII013: dates of birth (a plausible birth date in a birth-date context).

use std::sync::LazyLock;

use mlsec_core::Confidence;

use super::{Context, Lazy, PiiKind, Span, bounded, declare_detector, has_keyword, re};

declare_detector! {
    /// ## What it detects
    /// Calendar dates that are plausible birth dates (a real day, at most 120 years ago and not
    /// in the future) in a birth-date context: a column named like `dob`, `birth_date`,
    /// `geburtsdatum`, or the words "born", "DOB", "date of birth" in the value. Accepted
    /// forms: ISO `1985-03-12` (also with `/` or `.`), day-first or month-first `12/03/1985`,
    /// `12.03.1985`, `12 March 1985`, `March 12, 1985`, and `19850312` in a hinted column; a
    /// time of day other than midnight means a timestamp, not a birth date.
    ///
    /// ## Why it matters
    /// A date of birth with a postcode and sex singles out most people (Sweeney: 87% of the US
    /// population); it is the classic quasi-identifier and a security question answer.
    ///
    /// ## Example
    /// column `date_of_birth`: `1985-03-12`; free text: `born 12 March 1985`
    ///
    /// ## References
    /// GDPR art. 4(1); CWE-359; L. Sweeney, "Simple Demographics Often Identify People
    /// Uniquely" (2000); OWASP LLM02:2025 (Sensitive Information Disclosure).
    pub static DETECTOR = {
        code: "PII013",
        name: "date-of-birth",
        kind: DateOfBirth,
        severity: High,
        summary: "Date of birth",
        hints: &["dob", "birth", "birthdate", "birthday", "born", "geburtsdatum", "naissance", "nacimiento"],
        priority: 50,
        find: find,
    };
}

static NUMERIC: Lazy = Lazy::new(|| {
    re(r"(\d{4})([-/.])(\d{1,2})[-/.](\d{1,2})|(\d{1,2})([-/.])(\d{1,2})[-/.](\d{4})|(\d{8})")
});
static WORDY: Lazy = Lazy::new(|| {
    re(
        r"(?i)(\d{1,2})(?:st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+(\d{4})|(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})",
    )
});
static TIME: Lazy = Lazy::new(|| re(r"^[T ](\d{2}):(\d{2})(?::(\d{2}))?"));

/// The current calendar year, from the system clock.
static THIS_YEAR: LazyLock<i32> = LazyLock::new(|| {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    1970 + (secs / 31_556_952) as i32
});

fn find(value: &str, ctx: &Context, out: &mut Vec<Span>) {
    if super::count_digits(value) < 4 {
        return;
    }
    let hinted = ctx.hints(PiiKind::DateOfBirth);
    if !hinted && !has_keyword(value, &["born", "dob", "birth", "geb.", "née le", "né le"]) {
        return;
    }
    for c in NUMERIC.captures_iter(value) {
        let Some(m) = c.get(0) else { continue };
        if !bounded(value, m.start(), m.end()) || timestamp_follows(value, m.end()) {
            continue;
        }
        let ok = if let Some(y) = c.get(1) {
            plausible(num(y.as_str()), num(&c[3]), num(&c[4]))
        } else if let Some(y) = c.get(8) {
            let (a, b, y) = (num(&c[5]), num(&c[7]), num(y.as_str()));
            plausible(y, b, a) || plausible(y, a, b)
        } else if let Some(d) = c.get(9) {
            let s = d.as_str();
            hinted && plausible(num(&s[..4]), num(&s[4..6]), num(&s[6..]))
        } else {
            false
        };
        if ok {
            out.push(Span::new(
                m.start(),
                m.end(),
                DETECTOR.code,
                Confidence::High,
            ));
        }
    }
    for c in WORDY.captures_iter(value) {
        let Some(m) = c.get(0) else { continue };
        let (day, mon, year) = match (c.get(1), c.get(4)) {
            (Some(d), _) => (d.as_str(), &c[2], &c[3]),
            (None, Some(mo)) => (&c[5], mo.as_str(), &c[6]),
            _ => continue,
        };
        if bounded(value, m.start(), m.end()) && plausible(num(year), month(mon), num(day)) {
            out.push(Span::new(
                m.start(),
                m.end(),
                DETECTOR.code,
                Confidence::High,
            ));
        }
    }
}

fn num(s: &str) -> i32 {
    s.parse().unwrap_or(-1)
}

fn month(name: &str) -> i32 {
    let l = name.to_ascii_lowercase();
    [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .position(|m| l.starts_with(m))
    .map_or(-1, |i| i as i32 + 1)
}

/// A time of day other than midnight right after the date makes it a timestamp.
fn timestamp_follows(value: &str, end: usize) -> bool {
    TIME.captures(&value[end..]).is_some_and(|t| {
        let zero = |i: usize| t.get(i).is_none_or(|m| m.as_str() == "00");
        !(zero(1) && zero(2) && zero(3))
    })
}

/// A real calendar day at most 120 years back and not after this year.
pub fn plausible(year: i32, month: i32, day: i32) -> bool {
    let this = *THIS_YEAR;
    if year < this - 120 || year > this || !(1..=12).contains(&month) || day < 1 {
        return false;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    day <= days
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
    fn matches_birth_dates_in_context() {
        assert_eq!(hits("1985-03-12", "date_of_birth"), 1);
        assert_eq!(hits("12/03/1985", "DOB"), 1);
        assert_eq!(hits("31.12.1970", "geburtsdatum"), 1);
        assert_eq!(hits("19850312", "birthdate"), 1);
        assert_eq!(hits("1985-03-12 00:00:00", "dob"), 1);
        assert_eq!(hits("born 12 March 1985 in Leeds", "notes"), 1);
        assert_eq!(hits("DOB: March 12th, 1985", "notes"), 1);
    }

    #[test]
    fn rejects_dates_without_context_or_implausible() {
        assert_eq!(hits("1985-03-12", "created_at"), 0);
        assert_eq!(hits("2024-01-15 10:22:33", "dob"), 0);
        assert_eq!(hits("1985-02-30", "dob"), 0);
        assert_eq!(hits("1850-01-01", "dob"), 0);
        assert_eq!(hits("2999-01-01", "dob"), 0);
        assert_eq!(
            hits("born 19850312", "notes"),
            0,
            "bare digits need a hinted column"
        );
    }
}
