//! PII012: MAC addresses.

use mlsec_core::Confidence;

use super::{Context, Lazy, Span, bounded, declare_detector, re};

declare_detector! {
    /// ## What it detects
    /// IEEE 802 MAC-48 / EUI-48 addresses as six hex octets separated by `:` or `-` (one kind
    /// throughout) or as Cisco's three dotted groups of four hex digits. The all-zero and
    /// broadcast addresses are not reported; locally administered (random) addresses are, with
    /// medium confidence.
    ///
    /// ## Why it matters
    /// A hardware address identifies a device, and through it its owner, across networks and
    /// years; regulators treat it as an online identifier.
    ///
    /// ## Example
    /// `00:1A:2B:3C:4D:5E`, `001a.2b3c.4d5e`
    ///
    /// ## References
    /// GDPR recital 30 (online identifiers); CWE-359; IEEE 802-2014 §8.
    pub static DETECTOR = {
        code: "PII012",
        name: "mac-address",
        kind: MacAddress,
        severity: Medium,
        summary: "MAC (EUI-48) address",
        hints: &["mac", "macaddress", "hwaddr", "bssid", "deviceid"],
        priority: 85,
        find: find,
    };
}

static COLON: Lazy = Lazy::new(|| re(r"(?i)[0-9a-f]{2}(?::[0-9a-f]{2}){5}"));
static DASH: Lazy = Lazy::new(|| re(r"(?i)[0-9a-f]{2}(?:-[0-9a-f]{2}){5}"));
static DOTTED: Lazy = Lazy::new(|| re(r"(?i)[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}"));

fn find(value: &str, _ctx: &Context, out: &mut Vec<Span>) {
    let b = value.as_bytes();
    if b.len() < 14 || !b.iter().any(|c| matches!(c, b':' | b'-' | b'.')) {
        return;
    }
    for r in [&*COLON, &*DASH, &*DOTTED] {
        for m in r.find_iter(value) {
            if !bounded(value, m.start(), m.end()) {
                continue;
            }
            // Refuse to extend into a longer colon/dash run (IPv6, UUID-ish strings).
            let next = b.get(m.end()).copied();
            let prev = m.start().checked_sub(1).and_then(|i| b.get(i)).copied();
            if matches!(next, Some(b':' | b'-' | b'.')) || matches!(prev, Some(b':' | b'-' | b'.'))
            {
                continue;
            }
            let hex: Vec<u8> = m.as_str().bytes().filter(u8::is_ascii_hexdigit).collect();
            if hex.iter().all(|c| *c == b'0') || hex.iter().all(|c| c.eq_ignore_ascii_case(&b'f')) {
                continue;
            }
            // Second hex digit of the first octet: bit 1 set = locally administered.
            let local = u8::from_str_radix(std::str::from_utf8(&hex[1..2]).unwrap_or("0"), 16)
                .map(|n| n & 2 != 0)
                .unwrap_or(false);
            let conf = if local {
                Confidence::Medium
            } else {
                Confidence::High
            };
            out.push(Span::new(m.start(), m.end(), DETECTOR.code, conf));
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
        assert_eq!(hits("00:1A:2B:3C:4D:5E"), 1);
        assert_eq!(hits("mac=00-1a-2b-3c-4d-5e;"), 1);
        assert_eq!(hits("001a.2b3c.4d5e"), 1);
        assert_eq!(hits("00:1A-2B:3C:4D:5E"), 0);
        assert_eq!(hits("ff:ff:ff:ff:ff:ff"), 0);
        assert_eq!(hits("2001:db8:0:0:1:2:3:4"), 0);
        assert_eq!(hits("12:30:45:00:11:22:33"), 0);
    }
}
