//! PII detection: one detector per kind of personal data, each a rule with a stable code
//! (`PII001`…) from the table in [`ALL`], plus the per-column verdict built from them.
//!
//! A detector finds [`Span`]s in one value. It gets a [`Context`] saying which kinds of data the
//! column's name hints at (a column named `email`, `dob`, `zip` …): detectors whose patterns are
//! ambiguous on their own (nine-digit numbers, bare dates, five-digit postcodes, single names)
//! only fire with that hint or a keyword in the value, so that order numbers, timestamps and
//! product codes are not reported. Every detector starts with a cheap byte-level prefilter before
//! any regex runs, and values are cut at [`MAX_VALUE_BYTES`].
//!
//! Overlapping spans are resolved by [`Detector::priority`]: a 16-digit string that passes Luhn
//! is a card, not a phone number.

use std::collections::HashMap;
use std::sync::LazyLock;

use mlsec_core::{Confidence, Severity};
use regex::Regex;

pub mod address;
pub mod bsn;
pub mod card;
pub mod codice_fiscale;
pub mod dni;
pub mod dob;
pub mod email;
pub mod iban;
pub mod ip;
pub mod mac;
pub mod name;
mod names_data;
pub mod nino;
pub mod nir;
pub mod phone;
pub mod postcode;
pub mod scan;
pub mod ssn;

pub use scan::{ColumnFinding, ColumnReport, PiiOptions, PiiReport, scan_file};

/// Values longer than this (in bytes) are scanned only up to it.
pub const MAX_VALUE_BYTES: usize = 4096;

/// What kind of personal data a detector finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PiiKind {
    /// E-mail address.
    Email,
    /// Telephone number.
    Phone,
    /// Payment card number (PAN).
    PaymentCard,
    /// International bank account number.
    Iban,
    /// US social security number.
    UsSsn,
    /// UK national insurance number.
    UkNino,
    /// French social security number (NIR).
    FrNir,
    /// Spanish DNI / NIE.
    EsDni,
    /// Italian codice fiscale.
    ItCodiceFiscale,
    /// Dutch citizen service number (BSN).
    NlBsn,
    /// IPv4 or IPv6 address.
    IpAddress,
    /// MAC address.
    MacAddress,
    /// Date of birth.
    DateOfBirth,
    /// Street address or PO box.
    PostalAddress,
    /// Postcode / ZIP code.
    Postcode,
    /// Person name.
    PersonName,
}

/// A detector's identity, documentation and matcher.
#[derive(Debug)]
pub struct Detector {
    /// Stable code such as `PII001`; never reused.
    pub code: &'static str,
    /// Kebab-case name.
    pub name: &'static str,
    /// The kind of data.
    pub kind: PiiKind,
    /// Severity of a column holding this kind of data.
    pub severity: Severity,
    /// One line, no trailing period.
    pub summary: &'static str,
    /// Fragments of column names that hint at this kind (lower case, matched against the
    /// column name's words and, from four letters on, inside their concatenation); a leading
    /// `=` asks for the whole name.
    pub hints: &'static [&'static str],
    /// Higher wins when spans of two detectors overlap.
    pub priority: u8,
    /// Finds spans in one value.
    pub find: fn(&str, &Context, &mut Vec<Span>),
    /// Markdown documentation in fixed sections (from the declaration's doc comment).
    pub doc: &'static str,
}

impl Detector {
    /// The documentation with the one leading space of each doc-comment line removed.
    pub fn doc_text(&self) -> String {
        self.doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    }
}

/// Declares a detector; the doc comment becomes its documentation.
macro_rules! declare_detector {
    (
        $(#[doc = $doc:literal])*
        pub static $id:ident = {
            code: $code:literal,
            name: $name:literal,
            kind: $kind:ident,
            severity: $sev:ident,
            summary: $summary:literal,
            hints: $hints:expr,
            priority: $prio:literal,
            find: $find:path $(,)?
        };
    ) => {
        $(#[doc = $doc])*
        pub static $id: $crate::pii::Detector = $crate::pii::Detector {
            code: $code,
            name: $name,
            kind: $crate::pii::PiiKind::$kind,
            severity: ::mlsec_core::Severity::$sev,
            summary: $summary,
            hints: $hints,
            priority: $prio,
            find: $find,
            doc: concat!($($doc, "\n"),*),
        };
    };
}
pub(crate) use declare_detector;

/// Every detector, in code order.
pub static ALL: &[&Detector] = &[
    &email::DETECTOR,
    &phone::DETECTOR,
    &card::DETECTOR,
    &iban::DETECTOR,
    &ssn::DETECTOR,
    &nino::DETECTOR,
    &nir::DETECTOR,
    &dni::DETECTOR,
    &codice_fiscale::DETECTOR,
    &bsn::DETECTOR,
    &ip::DETECTOR,
    &mac::DETECTOR,
    &dob::DETECTOR,
    &address::DETECTOR,
    &postcode::DETECTOR,
    &name::DETECTOR,
];

/// Looks a detector up by code (`PII003`) or name (`payment-card`), case-insensitively.
pub fn by_code(code: &str) -> Option<&'static Detector> {
    ALL.iter()
        .copied()
        .find(|d| d.code.eq_ignore_ascii_case(code) || d.name.eq_ignore_ascii_case(code))
}

/// One match inside a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// The detector's code.
    pub code: &'static str,
    /// How sure the detector is.
    pub confidence: Confidence,
}

impl Span {
    pub(crate) fn new(
        start: usize,
        end: usize,
        code: &'static str,
        confidence: Confidence,
    ) -> Span {
        Span {
            start,
            end,
            code,
            confidence,
        }
    }
}

/// What the column a value comes from hints at.
#[derive(Debug, Clone, Default)]
pub struct Context {
    hinted: Vec<PiiKind>,
}

impl Context {
    /// No column context (free text).
    pub fn none() -> Context {
        Context::default()
    }

    /// The context for a column named `column`: every detector whose hints match its name.
    pub fn for_column(column: &str) -> Context {
        let words = name_words(column);
        let joined: String = words.concat();
        let hinted = ALL
            .iter()
            .filter(|d| {
                d.hints.iter().any(|h| match h.strip_prefix('=') {
                    Some(whole) => joined == whole,
                    None => words.iter().any(|w| w == h) || (h.len() >= 4 && joined.contains(h)),
                })
            })
            .map(|d| d.kind)
            .collect();
        Context { hinted }
    }

    /// True when the column name hints at `kind`.
    pub fn hints(&self, kind: PiiKind) -> bool {
        self.hinted.contains(&kind)
    }

    /// The kinds hinted at.
    pub fn hinted(&self) -> &[PiiKind] {
        &self.hinted
    }
}

/// Splits a column name into lower-case words: `customerEmail_2` → `customer`, `email`, `2`.
fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// Cuts `value` to at most [`MAX_VALUE_BYTES`] on a character boundary.
pub fn clip(value: &str) -> &str {
    if value.len() <= MAX_VALUE_BYTES {
        return value;
    }
    let mut end = MAX_VALUE_BYTES;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    &value[..end]
}

/// Runs every detector over one value and returns the spans that survive overlap resolution,
/// ordered by start offset.
pub fn detect(value: &str, ctx: &Context) -> Vec<Span> {
    let value = clip(value);
    let mut spans = Vec::new();
    for d in ALL {
        (d.find)(value, ctx, &mut spans);
    }
    resolve(spans)
}

fn priority(code: &str) -> u8 {
    by_code(code).map_or(0, |d| d.priority)
}

/// Keeps, among overlapping spans, the one of the highest-priority detector (then the longest).
fn resolve(mut spans: Vec<Span>) -> Vec<Span> {
    if spans.len() < 2 {
        return spans;
    }
    spans.sort_by(|a, b| {
        priority(b.code)
            .cmp(&priority(a.code))
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
    });
    let mut kept: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        if !kept.iter().any(|k| s.start < k.end && k.start < s.end) {
            kept.push(s);
        }
    }
    kept.sort_by_key(|s| s.start);
    kept
}

/// Compiles a regex that is a constant of this module.
pub(crate) fn re(pattern: &str) -> Regex {
    match Regex::new(pattern) {
        Ok(r) => r,
        // The patterns are constants covered by tests; a typo fails every test that uses it.
        Err(e) => panic!("invalid built-in PII pattern {pattern:?}: {e}"),
    }
}

/// A lazily compiled regex.
pub(crate) type Lazy = LazyLock<Regex>;

/// Digits of `s` (ASCII only), at most `max` of them (`None` beyond).
pub(crate) fn digits(s: &str, max: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for b in s.bytes() {
        if b.is_ascii_digit() {
            if out.len() == max {
                return None;
            }
            out.push(b - b'0');
        }
    }
    Some(out)
}

/// Number of ASCII digits in `s`.
pub(crate) fn count_digits(s: &str) -> usize {
    s.bytes().filter(u8::is_ascii_digit).count()
}

/// True when the byte before `start` and the byte at `end` are not alphanumeric (a word or
/// number boundary the regex crate cannot express for digits next to letters).
pub(crate) fn bounded(s: &str, start: usize, end: usize) -> bool {
    let b = s.as_bytes();
    let before = start == 0 || !b[start - 1].is_ascii_alphanumeric();
    let after = end >= b.len() || !b[end].is_ascii_alphanumeric();
    before && after
}

/// True when one of `keywords` (lower case) appears in `value` (case-insensitively).
pub(crate) fn has_keyword(value: &str, keywords: &[&str]) -> bool {
    if value.len() > MAX_VALUE_BYTES {
        return false;
    }
    let lower = value.to_ascii_lowercase();
    keywords.iter().any(|k| lower.contains(k))
}

/// A per-column cache of detection results, so categorical columns with few distinct values are
/// scanned once per value.
#[derive(Debug, Default)]
pub(crate) struct Memo {
    map: HashMap<String, Vec<(&'static str, Confidence)>>,
}

impl Memo {
    const MAX_ENTRIES: usize = 50_000;
    const MAX_KEY: usize = 64;

    pub(crate) fn detect(&mut self, value: &str, ctx: &Context) -> Vec<(&'static str, Confidence)> {
        if value.len() <= Self::MAX_KEY
            && let Some(hit) = self.map.get(value)
        {
            return hit.clone();
        }
        let hits: Vec<_> = detect(value, ctx)
            .into_iter()
            .map(|s| (s.code, s.confidence))
            .collect();
        if value.len() <= Self::MAX_KEY && self.map.len() < Self::MAX_ENTRIES {
            self.map.insert(value.to_string(), hits.clone());
        }
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        let mut codes: Vec<_> = ALL.iter().map(|d| d.code).collect();
        for (i, c) in codes.iter().enumerate() {
            assert_eq!(
                *c,
                format!("PII{:03}", i + 1),
                "codes are in order without gaps"
            );
        }
        codes.dedup();
        assert_eq!(codes.len(), ALL.len());
        for d in ALL {
            let doc = d.doc_text();
            for section in [
                "## What it detects",
                "## Why it matters",
                "## Example",
                "## References",
            ] {
                assert!(doc.contains(section), "{} lacks {section}", d.code);
            }
            assert!(doc.contains("GDPR"), "{} cites GDPR", d.code);
            assert!(!d.summary.ends_with('.'));
            assert!(!d.hints.is_empty(), "{} has column hints", d.code);
        }
    }

    #[test]
    fn column_names_give_hints() {
        assert!(Context::for_column("customerEmail").hints(PiiKind::Email));
        assert!(Context::for_column("E-Mail Address").hints(PiiKind::Email));
        assert!(Context::for_column("date_of_birth").hints(PiiKind::DateOfBirth));
        assert!(Context::for_column("DOB").hints(PiiKind::DateOfBirth));
        assert!(Context::for_column("mobile_phone").hints(PiiKind::Phone));
        assert!(Context::for_column("zip").hints(PiiKind::Postcode));
        assert!(Context::for_column("first_name").hints(PiiKind::PersonName));
        assert!(!Context::for_column("product_name").hints(PiiKind::PersonName));
        assert!(!Context::for_column("order_id").hints(PiiKind::Phone));
        assert!(!Context::for_column("timestamp").hints(PiiKind::DateOfBirth));
    }

    #[test]
    fn overlap_goes_to_the_checksummed_detector() {
        let spans = detect("card 4111 1111 1111 1111 on file", &Context::none());
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].code, "PII003");
    }

    #[test]
    fn long_values_are_clipped_on_a_char_boundary() {
        let v = "é".repeat(MAX_VALUE_BYTES);
        assert!(clip(&v).len() <= MAX_VALUE_BYTES);
        let _ = detect(&v, &Context::none());
    }
}
