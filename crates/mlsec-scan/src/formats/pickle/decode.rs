//! Text decoding for protocol-0 arguments and for payloads a pickle decodes before loading them.
//! Every decoder is bounded by its input size (or an explicit cap) and never panics.

/// Largest decoded payload (base64, hex, zlib) followed into a nested scan.
pub(crate) const MAX_DECODED: usize = 64 << 20;

/// Integer literal as the unpickler's `int(text, 0)` reads it (`INT`, `LONG` without its `L`,
/// `GET`/`PUT` keys): optional sign, optional base prefix, digits with single underscores.
/// `None` when the text is not an integer; saturates at the `i128` range.
pub(crate) fn parse_int(text: &[u8]) -> Option<i128> {
    let s = std::str::from_utf8(text).ok()?.trim();
    let (neg, s) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = s.to_ascii_lowercase();
    let (radix, digits) = if let Some(r) = lower.strip_prefix("0x") {
        (16, r.to_string())
    } else if let Some(r) = lower.strip_prefix("0o") {
        (8, r.to_string())
    } else if let Some(r) = lower.strip_prefix("0b") {
        (2, r.to_string())
    } else {
        (10, lower)
    };
    let digits = digits
        .strip_prefix('_')
        .filter(|_| radix != 10)
        .map(str::to_string)
        .unwrap_or(digits);
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let mut v: i128 = 0;
    for c in digits.chars().filter(|&c| c != '_') {
        let d = c.to_digit(radix)?;
        v = v
            .saturating_mul(i128::from(radix))
            .saturating_add(i128::from(d));
    }
    Some(if neg { -v } else { v })
}

/// Two's-complement little-endian integer (`LONG1`, `LONG4`); `None` when wider than 128 bits.
pub(crate) fn le_signed(bytes: &[u8]) -> Option<i128> {
    if bytes.is_empty() {
        return Some(0);
    }
    if bytes.len() > 16 {
        return None;
    }
    let neg = bytes.last().is_some_and(|b| b & 0x80 != 0);
    let mut buf = [if neg { 0xff } else { 0 }; 16];
    buf[..bytes.len()].copy_from_slice(bytes);
    Some(i128::from_le_bytes(buf))
}

/// The body of a protocol-0 `STRING` argument (`'...'` or `"..."`) with Python's escape
/// sequences decoded; `None` when the argument is not quoted, as the unpickler requires.
pub(crate) fn string_escape(line: &[u8]) -> Option<Vec<u8>> {
    let (&q, rest) = line.split_first()?;
    let (&last, body) = rest.split_last()?;
    if (q != b'\'' && q != b'"') || last != q {
        return None;
    }
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while let Some(&c) = body.get(i) {
        i += 1;
        if c != b'\\' {
            out.push(c);
            continue;
        }
        let Some(&e) = body.get(i) else {
            out.push(b'\\');
            break;
        };
        i += 1;
        match e {
            b'\n' => {}
            b'\\' => out.push(b'\\'),
            b'\'' => out.push(b'\''),
            b'"' => out.push(b'"'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'x' => {
                let h = body
                    .get(i..i + 2)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match h {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => return None,
                }
            }
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                for _ in 0..2 {
                    match body.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push((v & 0xff) as u8);
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

/// Protocol-0 `UNICODE` argument: raw-unicode-escape (`\uXXXX`, `\UXXXXXXXX`; every other byte
/// is a Latin-1 character). `None` on a malformed or out-of-range escape.
pub(crate) fn raw_unicode_escape(line: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while let Some(&c) = line.get(i) {
        if c == b'\\' {
            let width = match line.get(i + 1) {
                Some(b'u') => 4,
                Some(b'U') => 8,
                _ => 0,
            };
            if width > 0 {
                let hex = line
                    .get(i + 2..i + 2 + width)
                    .and_then(|h| std::str::from_utf8(h).ok())?;
                let cp = u32::from_str_radix(hex, 16).ok()?;
                out.push(char::from_u32(cp)?);
                i += 2 + width;
                continue;
            }
        }
        out.push(char::from(c));
        i += 1;
    }
    Some(out)
}

/// Latin-1 encoding of `text` (`_codecs.encode(text, 'latin1')`), `None` if a character does
/// not fit in a byte.
pub(crate) fn latin1(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}

/// Base64 (standard or URL-safe alphabet, padding optional, whitespace ignored) as
/// `base64.b64decode` accepts it; `None` on other characters.
pub(crate) fn base64(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len().min(MAX_DECODED) / 4 * 3 + 3);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &c in input {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            if out.len() > MAX_DECODED {
                return None;
            }
        }
    }
    Some(out)
}

/// Hex digits (whitespace ignored) as `bytes.fromhex` / `binascii.unhexlify` accept them.
pub(crate) fn hex(input: &[u8]) -> Option<Vec<u8>> {
    let digits: Vec<u8> = input
        .iter()
        .copied()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    if !digits.len().is_multiple_of(2) || digits.len() / 2 > MAX_DECODED {
        return None;
    }
    digits
        .chunks(2)
        .map(|p| {
            std::str::from_utf8(p)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect()
}

/// zlib decompression capped at [`MAX_DECODED`] bytes of output.
pub(crate) fn zlib(input: &[u8]) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    let d = flate2::read::ZlibDecoder::new(input);
    d.take(MAX_DECODED as u64 + 1).read_to_end(&mut out).ok()?;
    (out.len() <= MAX_DECODED).then_some(out)
}

/// Whether `s` can name a module or attribute at all: dotted parts made of identifier
/// characters (any non-ASCII character counts, as Python allows Unicode identifiers). Names with
/// control characters, spaces or punctuation cannot be imported, so the unpickler fails on them.
pub(crate) fn is_importable_name(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|part| {
            !part.is_empty()
                && !part.starts_with(|c: char| c.is_ascii_digit())
                && part
                    .chars()
                    .all(|c| c == '_' || c.is_ascii_alphanumeric() || !c.is_ascii())
        })
}

/// A dotted ASCII identifier path (`os.path`, `Trace.runctx`): what the sniffer accepts as a
/// plausible global.
pub(crate) fn is_dotted_identifier(s: &[u8]) -> bool {
    !s.is_empty()
        && s.split(|&b| b == b'.').all(|part| {
            part.first()
                .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_')
                && part.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints() {
        assert_eq!(parse_int(b"42"), Some(42));
        assert_eq!(parse_int(b" -7 "), Some(-7));
        assert_eq!(parse_int(b"0x10"), Some(16));
        assert_eq!(parse_int(b"1_000"), Some(1000));
        assert_eq!(parse_int(b"1__0"), None);
        assert_eq!(parse_int(b"abc"), None);
        assert_eq!(parse_int(b""), None);
        assert_eq!(
            parse_int(b"99999999999999999999999999999999999999999999"),
            Some(i128::MAX)
        );
        assert_eq!(le_signed(&[0xff]), Some(-1));
        assert_eq!(
            le_signed(&[0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]),
            Some(0x1950A86A20F9469CFC6C)
        );
        assert_eq!(le_signed(&[0; 17]), None);
    }

    #[test]
    fn protocol0_strings() {
        assert_eq!(string_escape(b"'os'").as_deref(), Some(&b"os"[..]));
        assert_eq!(
            string_escape(b"'a\\nb\\x41\\101\\''").as_deref(),
            Some(&b"a\nbAA'"[..])
        );
        assert_eq!(string_escape(b"os"), None);
        assert_eq!(string_escape(b"'"), None);
        assert_eq!(
            raw_unicode_escape(b"caf\\u00e9 \xe9").as_deref(),
            Some("caf\u{e9} \u{e9}")
        );
        assert_eq!(
            raw_unicode_escape(b"\\U0001F600").as_deref(),
            Some("\u{1F600}")
        );
        assert_eq!(raw_unicode_escape(b"\\u12"), None);
        assert_eq!(
            raw_unicode_escape(b"back\\slash").as_deref(),
            Some("back\\slash")
        );
    }

    #[test]
    fn payload_decoders() {
        assert_eq!(
            base64(b"Y29zCnN5c3RlbQo=").as_deref(),
            Some(&b"cos\nsystem\n"[..])
        );
        assert_eq!(base64(b"Y29z\nCnN5"), Some(b"cos\nsy".to_vec()));
        assert_eq!(base64(b"**"), None);
        assert_eq!(hex(b"80 02 2e"), Some(vec![0x80, 2, 0x2e]));
        assert_eq!(hex(b"8"), None);
        assert_eq!(latin1("\u{ff}a"), Some(vec![0xff, b'a']));
        assert_eq!(latin1("\u{100}"), None);
        let packed = {
            use std::io::Write;
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(b"\x80\x02N.").ok();
            e.finish().unwrap_or_default()
        };
        assert_eq!(zlib(&packed).as_deref(), Some(&b"\x80\x02N."[..]));
        assert_eq!(zlib(b"nope"), None);
        assert!(is_dotted_identifier(b"os.path"));
        assert!(!is_dotted_identifier(b"os..path"));
        assert!(!is_dotted_identifier(b"1os"));
        assert!(is_importable_name("módulo.Clase"));
        assert!(!is_importable_name("os\x01"));
        assert!(!is_importable_name("os system"));
        assert!(!is_importable_name(""));
    }
}
