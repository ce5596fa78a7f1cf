//! PII011: IPv4 and IPv6 addresses (parsed by the standard library).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use mlsec_core::Confidence;

use super::{Context, PiiKind, Span, declare_detector};

declare_detector! {
    /// ## What it detects
    /// IPv4 addresses in dotted-quad form (no leading zeros, as `std::net` parses them) and
    /// IPv6 addresses (with `::` compression, embedded IPv4, brackets, `%zone` and `:port`
    /// stripped). Tokens are split on whitespace and punctuation first; only tokens that parse
    /// as an address count. Unspecified and broadcast addresses are not reported; loopback and
    /// private addresses are, with lower confidence unless the column is named like `ip`.
    ///
    /// ## Why it matters
    /// The CJEU (C-582/14, Breyer) held that even dynamic IP addresses are personal data when
    /// the holder can link them to a subscriber; logs used as training data are full of them.
    ///
    /// ## Example
    /// `203.0.113.7`, `[2001:db8::1]:443`
    ///
    /// ## References
    /// GDPR art. 4(1) and recital 30 (online identifiers); CJEU C-582/14; CWE-359;
    /// OWASP LLM02:2025 (Sensitive Information Disclosure).
    pub static DETECTOR = {
        code: "PII011",
        name: "ip-address",
        kind: IpAddress,
        severity: Medium,
        summary: "IPv4 or IPv6 address",
        hints: &["ip", "ipaddress", "ipaddr", "clientip", "remoteaddr", "srcip", "dstip", "host"],
        priority: 85,
        find: find,
    };
}

fn find(value: &str, ctx: &Context, out: &mut Vec<Span>) {
    let b = value.as_bytes();
    let dots = b.iter().filter(|&&c| c == b'.').count();
    let colons = b.iter().filter(|&&c| c == b':').count();
    if dots < 3 && colons < 2 {
        return;
    }
    let hinted = ctx.hints(PiiKind::IpAddress);
    let mut start = 0;
    for (i, c) in value
        .char_indices()
        .chain(std::iter::once((value.len(), ' ')))
    {
        let sep = c.is_whitespace()
            || matches!(
                c,
                ',' | ';' | '(' | ')' | '"' | '\'' | '<' | '>' | '=' | '/' | '|'
            );
        if !sep {
            continue;
        }
        if i > start
            && let Some((s, e, ip)) = parse_token(value, start, i)
            && reportable(ip)
        {
            let conf = if hinted || is_public(ip) {
                Confidence::High
            } else {
                Confidence::Medium
            };
            out.push(Span::new(s, e, DETECTOR.code, conf));
        }
        start = i + c.len_utf8();
    }
}

/// Parses `value[start..end]` as an address after stripping brackets, a port, a zone and
/// trailing punctuation; returns the byte span of the address itself.
fn parse_token(value: &str, mut start: usize, mut end: usize) -> Option<(usize, usize, IpAddr)> {
    let tok = &value[start..end];
    let trimmed = tok.trim_end_matches(['.', ':', ']', '[']);
    end = start + trimmed.len();
    let mut t = &value[start..end];
    if let Some(rest) = t.strip_prefix('[') {
        start += 1;
        t = rest;
        if let Some(close) = t.find(']') {
            t = &t[..close];
            end = start + close;
        }
    }
    if t.len() < 7 || t.len() > 45 {
        return None;
    }
    if let Ok(v4) = t.parse::<Ipv4Addr>() {
        return Some((start, end, IpAddr::V4(v4)));
    }
    // a.b.c.d:port
    if let Some((host, port)) = t.rsplit_once(':')
        && host.contains('.')
        && port.parse::<u16>().is_ok()
        && let Ok(v4) = host.parse::<Ipv4Addr>()
    {
        return Some((start, start + host.len(), IpAddr::V4(v4)));
    }
    if t.matches(':').count() >= 2 {
        let no_zone = t.split('%').next().unwrap_or(t);
        if let Ok(v6) = no_zone.parse::<Ipv6Addr>() {
            return Some((start, start + no_zone.len(), IpAddr::V6(v6)));
        }
    }
    None
}

fn reportable(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => !v.is_unspecified() && !v.is_broadcast(),
        // Short compressed forms such as `1::2` are usually not addresses (ratios, versions).
        IpAddr::V6(v) => {
            !v.is_unspecified() && v.segments().iter().filter(|s| **s != 0).count() >= 3
        }
    }
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => !(v.is_private() || v.is_loopback() || v.is_link_local()),
        IpAddr::V6(v) => !v.is_loopback() && (v.segments()[0] & 0xfe00) != 0xfc00,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(v: &str) -> Vec<Span> {
        let mut out = Vec::new();
        find(v, &Context::none(), &mut out);
        out
    }

    #[test]
    fn matches_addresses() {
        assert_eq!(spans("203.0.113.7").len(), 1);
        let s = spans("from [2001:db8::1:2]:443 and 10.0.0.1:8080.");
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].confidence, Confidence::Medium, "private address");
        assert_eq!(spans("fe80::1ff:fe23:4567:890a%eth0").len(), 1);
    }

    #[test]
    fn rejects_look_alikes() {
        assert_eq!(spans("version 1.2.3").len(), 0);
        assert_eq!(spans("256.1.1.1").len(), 0);
        assert_eq!(spans("01.02.03.04").len(), 0);
        assert_eq!(spans("10:22:33").len(), 0);
        assert_eq!(spans("0.0.0.0").len(), 0);
        assert_eq!(spans("2024-01-02T10:22:33.123").len(), 0);
    }
}
