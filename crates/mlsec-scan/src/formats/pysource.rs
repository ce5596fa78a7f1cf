//! A tokeniser for Python and TorchScript source, shared by the torch.package and TorchScript
//! readers: names, dots, parentheses, commas, `*` and logical line ends; strings and comments
//! are skipped, except the code inside f-string braces, which is tokenised too.

/// A token of Python source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok<'a> {
    Name(&'a str),
    Dot,
    /// `,` `(` `)` `*` and the end of a logical line.
    Comma,
    Open,
    Close,
    Star,
    Newline,
    /// Any other punctuation, or a string.
    Other,
}

/// Tokenises Python source (strings and comments skipped; f-string bodies tokenised as code).
pub(crate) fn tokens(data: &[u8], depth: u32) -> Vec<(Tok<'_>, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut parens = 0u32;
    while i < data.len() {
        let b = data[i];
        match b {
            b'#' => {
                while i < data.len() && data[i] != b'\n' {
                    i += 1;
                }
            }
            b'\\' if data.get(i + 1) == Some(&b'\n') => i += 2,
            b'\n' => {
                if parens == 0 {
                    out.push((Tok::Newline, i));
                }
                i += 1;
            }
            b';' => {
                out.push((Tok::Newline, i));
                i += 1;
            }
            b'"' | b'\'' => {
                let prefix_f = matches!(out.last(), Some((Tok::Name(p), at))
                    if at + p.len() == i
                        && p.len() <= 2
                        && p.bytes().any(|c| c == b'f' || c == b'F')
                        && p.bytes().all(|c| b"rRbBfFuU".contains(&c)));
                if prefix_f {
                    out.pop();
                }
                let end = skip_string(data, i);
                if prefix_f && depth < 4 {
                    // The code inside `{...}` of an f-string runs.
                    let inner = &data[(i + 1).min(end)..end.saturating_sub(1).max(i + 1)];
                    for (t, at) in tokens(inner, depth + 1) {
                        if t != Tok::Newline {
                            out.push((t, i + 1 + at));
                        }
                    }
                }
                out.push((Tok::Other, i));
                i = end;
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                let start = i;
                while i < data.len()
                    && (data[i].is_ascii_alphanumeric() || data[i] == b'_' || data[i] >= 0x80)
                {
                    i += 1;
                }
                out.push((
                    Tok::Name(std::str::from_utf8(&data[start..i]).unwrap_or("")),
                    start,
                ));
            }
            b'.' if !data.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                out.push((Tok::Dot, i));
                i += 1;
            }
            b',' => {
                out.push((Tok::Comma, i));
                i += 1;
            }
            b'(' | b'[' | b'{' => {
                parens += 1;
                out.push((if b == b'(' { Tok::Open } else { Tok::Other }, i));
                i += 1;
            }
            b')' | b']' | b'}' => {
                parens = parens.saturating_sub(1);
                out.push((if b == b')' { Tok::Close } else { Tok::Other }, i));
                i += 1;
            }
            b'*' => {
                out.push((Tok::Star, i));
                i += 1;
            }
            c if c.is_ascii_whitespace() => i += 1,
            c if c.is_ascii_digit() => {
                while i < data.len() && (data[i].is_ascii_alphanumeric() || data[i] == b'.') {
                    i += 1;
                }
                out.push((Tok::Other, i));
            }
            _ => {
                out.push((Tok::Other, i));
                i += 1;
            }
        }
    }
    out
}

/// Reads the components of a dotted name starting at `toks[*k]`; advances past it.
pub(crate) fn dotted_parts<'a>(toks: &[(Tok<'a>, usize)], k: &mut usize) -> Option<Vec<&'a str>> {
    let Some((Tok::Name(first), _)) = toks.get(*k) else {
        return None;
    };
    let mut parts = vec![*first];
    *k += 1;
    while let (Some((Tok::Dot, _)), Some((Tok::Name(n), _))) = (toks.get(*k), toks.get(*k + 1)) {
        parts.push(n);
        *k += 2;
    }
    Some(parts)
}

/// Reads a dotted name starting at `toks[*k]` as one string; advances past it.
pub(crate) fn dotted(toks: &[(Tok<'_>, usize)], k: &mut usize) -> Option<String> {
    dotted_parts(toks, k).map(|p| p.join("."))
}

/// Skips a string literal starting at `i` (single, double or triple quoted, with escapes);
/// returns the offset after it.
fn skip_string(data: &[u8], i: usize) -> usize {
    let q = data[i];
    let triple = data.get(i..i + 3) == Some(&[q, q, q][..]);
    let mut j = i + if triple { 3 } else { 1 };
    while j < data.len() {
        match data[j] {
            b'\\' => j += 2,
            c if c == q => {
                if !triple {
                    return j + 1;
                }
                if data.get(j..j + 3) == Some(&[q, q, q][..]) {
                    return j + 3;
                }
                j += 1;
            }
            b'\n' if !triple => return j + 1,
            _ => j += 1,
        }
    }
    data.len()
}
