//! PII001: e-mail addresses.

use mlsec_core::Confidence;

use super::{Context, Lazy, Span, declare_detector, re};

declare_detector! {
    /// ## What it detects
    /// E-mail addresses in the pragmatic subset of RFC 5322 that real systems exchange:
    /// a dot-atom local part (letters, digits and `.!#$%&'*+/=?^_{|}~-`, no leading, trailing
    /// or doubled dot, at most 64 bytes) and a domain of LDH labels with an alphabetic TLD.
    /// Quoted local parts and IP-literal domains are not matched.
    ///
    /// ## Why it matters
    /// An e-mail address identifies a person directly and is the usual join key between
    /// leaked datasets. Models trained on text with addresses can regurgitate them.
    ///
    /// ## Example
    /// `jane.doe+news@example.co.uk`
    ///
    /// ## References
    /// GDPR art. 4(1) (personal data); CWE-359 (Exposure of Private Personal Information);
    /// OWASP LLM02:2025 (Sensitive Information Disclosure); RFC 5322 §3.4.1.
    pub static DETECTOR = {
        code: "PII001",
        name: "email-address",
        kind: Email,
        severity: High,
        summary: "E-mail address",
        hints: &["email", "mail", "courriel", "correo"],
        priority: 90,
        find: find,
    };
}

static EMAIL: Lazy = Lazy::new(|| {
    re(
        r"(?i)[a-z0-9!#$%&'*+/=?^_{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}",
    )
});

fn find(value: &str, _ctx: &Context, out: &mut Vec<Span>) {
    if !value.as_bytes().contains(&b'@') {
        return;
    }
    for m in EMAIL.find_iter(value) {
        let local = m.as_str().split('@').next().unwrap_or("");
        if local.len() > 64 || m.as_str().len() > 254 {
            continue;
        }
        // The domain must end at a boundary: `a@b.com5` is not an address.
        let after = value.as_bytes().get(m.end());
        if after.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'@') {
            continue;
        }
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

    fn hits(v: &str) -> usize {
        let mut out = Vec::new();
        find(v, &Context::none(), &mut out);
        out.len()
    }

    #[test]
    fn matches_addresses() {
        assert_eq!(hits("jane.doe+news@example.co.uk"), 1);
        assert_eq!(hits("Contact: A_B@sub.example.org, c@d.io"), 2);
    }

    #[test]
    fn rejects_look_alikes() {
        assert_eq!(hits("user@localhost"), 0);
        assert_eq!(
            hits("a..b@example.com x"),
            1,
            "matches the valid tail b@example.com"
        );
        assert_eq!(hits("@handle"), 0);
        assert_eq!(hits("price 10@5.00"), 0);
    }
}
