//! Per-value transformations: tokens, masks, FF1, generalisations and redaction.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::ff1::Ff1;
use super::key::Key;
use crate::pii::{self, Context};

/// What to do with one column. In a policy file this is the `action` key of a
/// `[columns.NAME]` table, with the action's options beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Copy the column unchanged.
    Keep,
    /// Leave the column out of the output.
    Drop,
    /// Replace every value with an empty (null) value.
    Suppress,
    /// Replace each value with `prefix` + the first `length` hex digits of its keyed
    /// HMAC-SHA256, so equal inputs give equal tokens and joins still work.
    Pseudonymize {
        /// Token prefix (default `tok_`).
        #[serde(default)]
        prefix: Option<String>,
        /// Hex digits kept (8..=64, default 16).
        #[serde(default)]
        length: Option<usize>,
    },
    /// Replace letters and digits with `char`, keeping separators, the length and the last
    /// `keep_last` letters/digits; e-mail addresses keep their domain and first letter.
    Mask {
        /// Trailing letters/digits left in clear.
        #[serde(default)]
        keep_last: usize,
        /// The mask character (default `*`).
        #[serde(default)]
        char: Option<char>,
    },
    /// FF1 encryption (NIST SP 800-38G, AES-256 with a subkey of the key file, the column name
    /// as tweak) of the digits, keeping every other character and the last `keep_last` digits.
    /// Values with fewer than six digits to encrypt are masked instead.
    Fpe {
        /// Trailing digits left in clear.
        #[serde(default)]
        keep_last: usize,
    },
    /// Numbers to bands of `width`: `37` with width 10 becomes `30-39`.
    Band {
        /// Band width (> 0).
        width: f64,
    },
    /// Dates to their month (`1985-03`) or year (`1985`).
    Date {
        /// `month` or `year`.
        to: DatePart,
        /// Read `03/04/1985` as 3 April (default: month first, as in the US).
        #[serde(default)]
        day_first: bool,
    },
    /// Keep the first `keep` letters/digits and mask the rest: `02139` → `021**`.
    Prefix {
        /// Leading letters/digits kept.
        keep: usize,
    },
    /// Numbers rounded to the nearest multiple of `to`.
    Round {
        /// The rounding unit (> 0).
        to: f64,
    },
    /// IPv4 addresses to their /24, IPv6 to their /48 network.
    TruncateIp,
    /// Replace the PII found inside free text with `[kind]` placeholders, keeping the rest.
    Redact,
}

/// The part of a date kept by [`Action::Date`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatePart {
    /// Year and month.
    Month,
    /// Year only.
    Year,
}

impl Action {
    /// The action's name as written in a policy.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Keep => "keep",
            Action::Drop => "drop",
            Action::Suppress => "suppress",
            Action::Pseudonymize { .. } => "pseudonymize",
            Action::Mask { .. } => "mask",
            Action::Fpe { .. } => "fpe",
            Action::Band { .. } => "band",
            Action::Date { .. } => "date",
            Action::Prefix { .. } => "prefix",
            Action::Round { .. } => "round",
            Action::TruncateIp => "truncate_ip",
            Action::Redact => "redact",
        }
    }

    /// Checks option ranges; the message names the option.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Action::Pseudonymize {
                length: Some(l), ..
            } if !(8..=64).contains(l) => Err(format!("length = {l}: must be between 8 and 64")),
            Action::Pseudonymize {
                prefix: Some(p), ..
            } if p.len() > 32 => Err("prefix: at most 32 bytes".into()),
            Action::Band { width } if !(width.is_finite() && *width > 0.0) => {
                Err(format!("width = {width}: must be a positive number"))
            }
            Action::Round { to } if !(to.is_finite() && *to > 0.0) => {
                Err(format!("to = {to}: must be a positive number"))
            }
            Action::Mask { keep_last, .. } | Action::Fpe { keep_last } if *keep_last > 32 => {
                Err(format!("keep_last = {keep_last}: at most 32"))
            }
            Action::Prefix { keep } if *keep > 64 => Err(format!("keep = {keep}: at most 64")),
            _ => Ok(()),
        }
    }
}

/// Everything a transformation needs besides the value.
#[derive(Debug)]
pub struct Transformer<'k> {
    key: &'k Key,
    ff1: Ff1,
    /// Default token prefix.
    pub token_prefix: String,
    /// Default token length in hex digits.
    pub token_length: usize,
}

impl<'k> Transformer<'k> {
    /// A transformer using `key`.
    pub fn new(key: &'k Key) -> Transformer<'k> {
        let ff1 = match Ff1::new(key.ff1_key(), 10) {
            Ok(f) => f,
            Err(_) => unreachable!("a 32-byte key and radix 10 are valid"),
        };
        Transformer {
            key,
            ff1,
            token_prefix: "tok_".into(),
            token_length: 16,
        }
    }

    /// Applies `action` to one non-missing value of `column`; `None` means missing in the output.
    pub fn apply(
        &self,
        action: &Action,
        column: &str,
        ctx: &Context,
        value: &str,
    ) -> Option<String> {
        match action {
            Action::Keep => Some(value.to_string()),
            Action::Drop | Action::Suppress => None,
            Action::Pseudonymize { prefix, length } => Some(self.token(
                value,
                prefix.as_deref().unwrap_or(&self.token_prefix),
                length.unwrap_or(self.token_length),
            )),
            Action::Mask { keep_last, char } => Some(mask(value, *keep_last, char.unwrap_or('*'))),
            Action::Fpe { keep_last } => Some(self.fpe(value, column, *keep_last)),
            Action::Band { width } => band(value, *width),
            Action::Date { to, day_first } => date(value, *to, *day_first),
            Action::Prefix { keep } => Some(prefix(value, *keep)),
            Action::Round { to } => round(value, *to),
            Action::TruncateIp => truncate_ip(value),
            Action::Redact => Some(redact(value, ctx)),
        }
    }

    /// `prefix` + the first `length` hex digits of HMAC-SHA256(token key, value).
    pub fn token(&self, value: &str, prefix: &str, length: usize) -> String {
        let mac = self.key.token_mac(value.as_bytes());
        let mut out = String::with_capacity(prefix.len() + length);
        out.push_str(prefix);
        for b in mac {
            if out.len() >= prefix.len() + length {
                break;
            }
            out.push_str(&format!("{b:02x}"));
        }
        out.truncate(prefix.len() + length.min(64));
        out
    }

    fn fpe(&self, value: &str, column: &str, keep_last: usize) -> String {
        let digits: Vec<u16> = value
            .bytes()
            .filter(u8::is_ascii_digit)
            .map(|b| u16::from(b - b'0'))
            .collect();
        let n = digits.len().saturating_sub(keep_last);
        let (lo, hi) = self.ff1.length_range();
        if n < lo {
            return mask(value, keep_last, '*');
        }
        // Very long digit runs: encrypt in chunks of the longest supported length.
        let mut enc = Vec::with_capacity(digits.len());
        let mut rest = &digits[..n];
        while !rest.is_empty() {
            let take = if rest.len() > hi {
                (hi).min(rest.len() - lo)
            } else {
                rest.len()
            };
            match self.ff1.encrypt(&rest[..take], column.as_bytes()) {
                Ok(c) => enc.extend(c),
                Err(_) => return mask(value, keep_last, '*'),
            }
            rest = &rest[take..];
        }
        enc.extend_from_slice(&digits[n..]);
        let mut it = enc.into_iter();
        value
            .chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    it.next()
                        .and_then(|d| char::from_digit(u32::from(d), 10))
                        .unwrap_or(c)
                } else {
                    c
                }
            })
            .collect()
    }
}

/// Masks letters and digits except the last `keep_last`; e-mails keep the first letter of the
/// local part and the domain.
pub fn mask(value: &str, keep_last: usize, with: char) -> String {
    if let Some((local, domain)) = value.split_once('@')
        && !local.is_empty()
        && domain.contains('.')
        && !domain.contains('@')
    {
        let mut out = String::new();
        for (i, c) in local.chars().enumerate() {
            out.push(if i == 0 || !c.is_alphanumeric() {
                c
            } else {
                with
            });
        }
        out.push('@');
        out.push_str(domain);
        return out;
    }
    let total = value.chars().filter(|c| c.is_alphanumeric()).count();
    let mut seen = 0;
    value
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                seen += 1;
                if seen > total.saturating_sub(keep_last) {
                    c
                } else {
                    with
                }
            } else {
                c
            }
        })
        .collect()
}

fn parse_number(value: &str) -> Option<f64> {
    value.trim().parse::<f64>().ok().filter(|x| x.is_finite())
}

fn fmt_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// `37` → `30-39` for width 10 (integer widths), `[30, 40)` style for fractional widths.
pub fn band(value: &str, width: f64) -> Option<String> {
    let x = parse_number(value)?;
    let lo = (x / width).floor() * width;
    if width.fract() == 0.0 && x.fract() == 0.0 {
        Some(format!(
            "{}-{}",
            fmt_number(lo),
            fmt_number(lo + width - 1.0)
        ))
    } else {
        Some(format!("[{}, {})", fmt_number(lo), fmt_number(lo + width)))
    }
}

/// Rounds to the nearest multiple of `to`.
pub fn round(value: &str, to: f64) -> Option<String> {
    let x = parse_number(value)?;
    Some(fmt_number((x / to).round() * to))
}

/// Keeps the first `keep` letters/digits.
pub fn prefix(value: &str, keep: usize) -> String {
    let mut seen = 0;
    value
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                seen += 1;
                if seen > keep { '*' } else { c }
            } else {
                c
            }
        })
        .collect()
}

/// The year (and month) of a date in ISO (`1985-03-12`, with time), slashed or dotted
/// (`12/03/1985`) form; values that are not dates become missing.
pub fn date(value: &str, to: DatePart, day_first: bool) -> Option<String> {
    let v = value.trim();
    let nums: Vec<&str> = v
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .take(3)
        .collect();
    if nums.len() < 2 {
        return None;
    }
    let p = |s: &str| s.parse::<u32>().ok();
    let (year, month) = if nums[0].len() == 4 {
        (p(nums[0])?, p(nums[1])?)
    } else if nums.len() == 3 && nums[2].len() == 4 {
        let (a, b) = (p(nums[0])?, p(nums[1])?);
        (p(nums[2])?, if day_first { b } else { a })
    } else if nums[0].len() == 8 {
        // 19850312
        (p(&nums[0][..4])?, p(&nums[0][4..6])?)
    } else {
        return None;
    };
    if !(1..=12).contains(&month) || !(1000..=9999).contains(&year) {
        return None;
    }
    Some(match to {
        DatePart::Month => format!("{year:04}-{month:02}"),
        DatePart::Year => format!("{year:04}"),
    })
}

/// The /24 (IPv4) or /48 (IPv6) network of an address, in CIDR form.
pub fn truncate_ip(value: &str) -> Option<String> {
    match value
        .trim()
        .trim_matches(['[', ']'])
        .parse::<IpAddr>()
        .ok()?
    {
        IpAddr::V4(v) => {
            let o = v.octets();
            Some(format!("{}.{}.{}.0/24", o[0], o[1], o[2]))
        }
        IpAddr::V6(v) => {
            let s = v.segments();
            let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0);
            Some(format!("{net}/48"))
        }
    }
}

/// Replaces each detected span with `[detector-name]`.
pub fn redact(value: &str, ctx: &Context) -> String {
    let clipped = pii::clip(value);
    let spans = pii::detect(clipped, ctx);
    if spans.is_empty() {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len());
    let mut at = 0;
    for s in spans {
        out.push_str(&value[at..s.start]);
        let name = pii::by_code(s.code).map_or(s.code, |d| d.name);
        out.push('[');
        out.push_str(name);
        out.push(']');
        at = s.end;
    }
    out.push_str(&value[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Key {
        Key::from_bytes(b"an example key of enough length")
    }

    #[test]
    fn tokens_are_deterministic_keyed_and_sized() {
        let k = t();
        let x = Transformer::new(&k);
        let a = x.token("jane@example.com", "tok_", 16);
        assert_eq!(a, x.token("jane@example.com", "tok_", 16));
        assert_eq!(a.len(), 20);
        assert!(a.starts_with("tok_"));
        assert_ne!(a, x.token("jane@example.org", "tok_", 16));
        let k2 = Key::from_bytes(b"another example key of length");
        assert_ne!(
            a,
            Transformer::new(&k2).token("jane@example.com", "tok_", 16)
        );
        assert_eq!(x.token("v", "", 9).len(), 9);
    }

    #[test]
    fn masks_keep_format() {
        assert_eq!(mask("4111 1111 1111 1234", 4, '*'), "**** **** **** 1234");
        assert_eq!(mask("+44 20 7946 0958", 4, '*'), "+** ** **** 0958");
        assert_eq!(mask("jane.doe@example.com", 0, '*'), "j***.***@example.com");
    }

    #[test]
    fn fpe_preserves_format_and_is_deterministic() {
        let k = t();
        let x = Transformer::new(&k);
        let a = x.apply(
            &Action::Fpe { keep_last: 4 },
            "card",
            &Context::none(),
            "4111-1111-1111-1234",
        );
        let a = a.unwrap();
        assert_eq!(a.len(), 19);
        assert!(a.ends_with("-1234"));
        assert_eq!(&a[4..5], "-");
        assert_ne!(&a[..4], "4111");
        let b = x.apply(
            &Action::Fpe { keep_last: 4 },
            "card",
            &Context::none(),
            "4111-1111-1111-1234",
        );
        assert_eq!(Some(a.clone()), b);
        // The column is the tweak.
        let c = x.apply(
            &Action::Fpe { keep_last: 4 },
            "other",
            &Context::none(),
            "4111-1111-1111-1234",
        );
        assert_ne!(Some(a), c);
        // Too few digits: masked.
        let d = x.apply(
            &Action::Fpe { keep_last: 0 },
            "c",
            &Context::none(),
            "12-34",
        );
        assert_eq!(d.as_deref(), Some("**-**"));
    }

    #[test]
    fn generalisations() {
        assert_eq!(band("37", 10.0).as_deref(), Some("30-39"));
        assert_eq!(band("37.5", 10.0).as_deref(), Some("[30, 40)"));
        assert_eq!(band("abc", 10.0), None);
        assert_eq!(round("123456", 1000.0).as_deref(), Some("123000"));
        assert_eq!(prefix("02139", 3), "021**");
        assert_eq!(prefix("SW1A 1AA", 4), "SW1A ***");
        assert_eq!(
            date("1985-03-12", DatePart::Month, false).as_deref(),
            Some("1985-03")
        );
        assert_eq!(
            date("03/12/1985", DatePart::Month, false).as_deref(),
            Some("1985-03")
        );
        assert_eq!(
            date("12/03/1985", DatePart::Month, true).as_deref(),
            Some("1985-03")
        );
        assert_eq!(
            date("1985-03-12T10:00:00", DatePart::Year, false).as_deref(),
            Some("1985")
        );
        assert_eq!(date("n/a", DatePart::Year, false), None);
        assert_eq!(
            truncate_ip("203.0.113.77").as_deref(),
            Some("203.0.113.0/24")
        );
        assert_eq!(
            truncate_ip("2001:db8:1:2::5").as_deref(),
            Some("2001:db8:1::/48")
        );
    }

    #[test]
    fn redaction_replaces_spans_only() {
        let r = redact(
            "mail jane@example.com or call +44 20 7946 0958.",
            &Context::none(),
        );
        assert_eq!(r, "mail [email-address] or call [phone-number].");
    }

    #[test]
    fn validation_names_the_option() {
        assert!(
            Action::Band { width: 0.0 }
                .validate()
                .unwrap_err()
                .contains("width")
        );
        assert!(
            Action::Pseudonymize {
                prefix: None,
                length: Some(4)
            }
            .validate()
            .unwrap_err()
            .contains("length")
        );
    }
}
