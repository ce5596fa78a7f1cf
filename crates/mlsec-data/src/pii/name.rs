//! PII016: person names (dictionary of frequent names plus capitalisation).

use mlsec_core::Confidence;

use super::names_data::{FIRST_NAMES, LAST_NAMES};
use super::{Context, PiiKind, Span, declare_detector};

declare_detector! {
    /// ## What it detects
    /// Person names: a capitalised word that is one of the 1,600 most frequent US first names
    /// followed by a capitalised word (surname; high confidence when it is one of the 2,500
    /// most frequent surnames), optionally with a middle initial; `Surname, Firstname`; and a
    /// title (`Mr`, `Mrs`, `Ms`, `Dr`, `Prof`) before a capitalised word. In a column named like
    /// `first_name`, `surname` or `name`, one known first name or surname in any case counts.
    /// The dictionary is generated from the 1990 US Census name files (public domain) by
    /// `bench/pii/make_names.py`; names outside it are found only by the title rule.
    ///
    /// ## Why it matters
    /// A name is the most direct identifier there is; in free-text training data it links
    /// every other field in the record to a person.
    ///
    /// ## Example
    /// `Mary J. Smith`, `Smith, John`, `Dr. Okonkwo`
    ///
    /// ## References
    /// GDPR art. 4(1); CWE-359; OWASP LLM02:2025 (Sensitive Information Disclosure);
    /// US Census Bureau, "Frequently Occurring Names" (1990).
    pub static DETECTOR = {
        code: "PII016",
        name: "person-name",
        kind: PersonName,
        severity: Medium,
        summary: "Person name",
        hints: &["firstname", "lastname", "surname", "fullname", "givenname", "forename",
                 "familyname", "middlename", "maidenname", "customername", "patientname",
                 "employeename", "contactname", "personname", "holdername", "cardholder",
                 "vorname", "nachname", "nom", "prenom", "nombre", "apellido", "cognome",
                 "=name", "=firstname", "=first", "=last"],
        priority: 20,
        find: find,
    };
}

fn in_list(list: &[&str], word: &str) -> bool {
    if word.len() < 2 || word.len() > 20 {
        return false;
    }
    let upper = word.to_ascii_uppercase();
    list.binary_search(&upper.as_str()).is_ok()
}

/// `Smith`, `Jones-Harper`, `O'Brien`: an upper-case letter, then lower case, where each part
/// after a hyphen or apostrophe may start upper case again.
fn capitalised(w: &str) -> bool {
    if w.len() < 2 || !w.chars().next().is_some_and(char::is_uppercase) {
        return false;
    }
    let mut prev = ' ';
    w.chars().skip(1).all(|c| {
        let ok = c.is_lowercase()
            || c == '\''
            || c == '-'
            || (c.is_uppercase() && (prev == '-' || prev == '\''));
        prev = c;
        ok
    })
}

/// Words that make a capitalised pair a company, not a person (`Kim Inc`).
const NOT_SURNAMES: &[&str] = &[
    "Inc",
    "LLC",
    "Ltd",
    "PLC",
    "Corp",
    "Co",
    "Company",
    "Group",
    "GmbH",
    "AG",
    "SA",
    "Bank",
    "University",
    "College",
    "School",
    "Hospital",
    "Foundation",
    "Partners",
    "Associates",
];

/// Words after which a lone capitalised first name is a person (`please contact Martin`).
const CUES: &[&str] = &[
    "contact", "dear", "hi", "hello", "thanks", "attn", "regards", "signed", "with", "by", "to",
    "from", "called", "patient", "customer", "employee", "user", "agent", "gave", "record",
];

/// Word tokens with their byte ranges.
fn words(value: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in value.char_indices() {
        let part = c.is_alphabetic() || c == '\'' || c == '-' || c == '.';
        match (part, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, value.len()));
    }
    out
}

const TITLES: &[&str] = &["Mr", "Mrs", "Ms", "Miss", "Dr", "Prof", "Mx", "Sir", "Dame"];

fn find(value: &str, ctx: &Context, out: &mut Vec<Span>) {
    let b = value.as_bytes();
    if b.len() < 2 || b.len() > 512 || !value.chars().any(char::is_alphabetic) {
        return;
    }
    let hinted = ctx.hints(PiiKind::PersonName);
    let toks = words(value);
    let text = |t: (usize, usize)| value[t.0..t.1].trim_end_matches('.');
    let mut i = 0;
    let before = out.len();
    while i < toks.len() {
        let w = text(toks[i]);
        let next = toks.get(i + 1).map(|&t| text(t));
        // Title + capitalised word.
        if TITLES.contains(&w)
            && let Some(n) = next
            && capitalised(n)
        {
            out.push(Span::new(
                toks[i].0,
                toks[i + 1].1,
                DETECTOR.code,
                Confidence::High,
            ));
            i += 2;
            continue;
        }
        if capitalised(w) && in_list(FIRST_NAMES, w) {
            // Optional middle initial.
            let mut j = i + 1;
            if let Some(&t) = toks.get(j)
                && value[t.0..t.1].len() <= 2
                && value[t.0..t.1].starts_with(|c: char| c.is_uppercase())
                && toks.get(j + 1).is_some()
            {
                j += 1;
            }
            if let Some(&t) = toks.get(j)
                && capitalised(text(t))
                && !NOT_SURNAMES.contains(&text(t))
                && adjacent(value, toks[j - 1].1, t.0)
            {
                let conf = if in_list(LAST_NAMES, text(t)) {
                    Confidence::High
                } else {
                    Confidence::Medium
                };
                out.push(Span::new(toks[i].0, t.1, DETECTOR.code, conf));
                i = j + 1;
                continue;
            }
        }
        // Surname, Firstname (not `Surname, Surname and Surname`, the shape of law firms).
        if capitalised(w)
            && in_list(LAST_NAMES, w)
            && let Some(n) = next
            && value[toks[i].1..toks[i + 1].0].trim() == ","
            && capitalised(n)
            && in_list(FIRST_NAMES, n)
            && !value[toks[i + 1].1..].trim_start().starts_with("and ")
            && !value[toks[i + 1].1..].trim_start().starts_with('&')
        {
            out.push(Span::new(
                toks[i].0,
                toks[i + 1].1,
                DETECTOR.code,
                Confidence::High,
            ));
            i += 2;
            continue;
        }
        // A lone first name after a cue word.
        if capitalised(w)
            && in_list(FIRST_NAMES, w)
            && i > 0
            && CUES.contains(&value[toks[i - 1].0..toks[i - 1].1].to_lowercase().as_str())
        {
            out.push(Span::new(
                toks[i].0,
                toks[i].1,
                DETECTOR.code,
                Confidence::Medium,
            ));
        }
        i += 1;
    }
    if hinted && out.len() == before {
        // A name column: any known name in any case.
        for &t in &toks {
            let w = text(t);
            if in_list(FIRST_NAMES, w) || in_list(LAST_NAMES, w) {
                let first = toks.first().map_or(t.0, |f| f.0);
                let last = toks.last().map_or(t.1, |l| l.1);
                out.push(Span::new(first, last, DETECTOR.code, Confidence::Medium));
                break;
            }
        }
    }
}

/// Only spaces between two words of a name.
fn adjacent(value: &str, end: usize, start: usize) -> bool {
    let gap = &value[end..start];
    !gap.is_empty() && gap.len() <= 3 && gap.chars().all(|c| c == ' ')
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
    fn dictionary_is_sorted() {
        assert!(FIRST_NAMES.windows(2).all(|w| w[0] < w[1]));
        assert!(LAST_NAMES.windows(2).all(|w| w[0] < w[1]));
        assert!(in_list(FIRST_NAMES, "Mary") && in_list(LAST_NAMES, "smith"));
    }

    #[test]
    fn matches_names() {
        assert_eq!(hits("Mary Smith", "notes"), 1);
        assert_eq!(hits("call Mary J. Smith today", "notes"), 1);
        assert_eq!(hits("Smith, John", "notes"), 1);
        assert_eq!(hits("Dr. Okonkwo", "notes"), 1);
        assert_eq!(hits("JOHNSON", "last_name"), 1);
        assert_eq!(hits("maria", "first_name"), 1);
        assert_eq!(hits("Teresa Shaw-Davies", "notes"), 1);
        assert_eq!(hits("please contact Martin before Friday", "notes"), 1);
    }

    #[test]
    fn rejects_non_names() {
        assert_eq!(hits("Blue Widget", "product"), 0);
        assert_eq!(
            hits("mary smith", "notes"),
            0,
            "lower case outside a name column"
        );
        assert_eq!(hits("Shipped in March", "notes"), 0);
        assert_eq!(hits("Kim Inc", "company"), 0);
        assert_eq!(hits("Woodard, Franklin and Underwood", "company"), 0);
    }
}
