//! Splits a Jinja template into code blocks and tokens, the way Jinja's own lexer does for
//! the default delimiters: `{{ … }}` expressions, `{% … %}` statements (with `-`/`+`
//! whitespace control), `{# … #}` comments, `{% raw %}` sections, and inside code: names,
//! string literals decoded with Python's escape rules, numbers and operators.

/// Most tokens lexed from one template; the rest is reported as a limit problem.
pub(crate) const MAX_TOKENS: usize = 1 << 20;

/// What kind of code block a token list came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockKind {
    /// `{{ … }}`
    Expr,
    /// `{% … %}`
    Stmt,
}

/// One code block: its tokens and where its code starts and ends in the template.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    pub kind: BlockKind,
    pub start: usize,
    pub end: usize,
    pub toks: Vec<Tok>,
    /// Data text between the previous code block and this one, as byte ranges without
    /// comments (what `{% set x %}…{% endset %}` captures).
    pub data_before: Vec<(usize, usize)>,
}

/// A token and its offset in the template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tok {
    pub off: usize,
    pub kind: TokKind,
}

/// Token kinds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokKind {
    Name(String),
    /// A string literal after escape decoding. `hidden` is set when an escape (`\x5f`,
    /// `\137`, `\u005f`, `\N{…}`) produced a letter, digit, `_` or `.`: characters nobody
    /// needs to escape unless they are hiding them.
    Str {
        val: String,
        hidden: bool,
    },
    /// An integer literal (`None` when it does not fit in i64).
    Int(Option<i64>),
    Float,
    Op(&'static str),
    /// A character Jinja would reject.
    Other(char),
}

/// Why lexing stopped early.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LexIssue {
    pub off: usize,
    pub msg: &'static str,
}

/// The result of lexing a whole template.
#[derive(Debug, Default)]
pub(crate) struct Lexed {
    pub blocks: Vec<Block>,
    pub issues: Vec<LexIssue>,
    pub token_limit_hit: bool,
}

const OPS: &[&str] = &[
    "//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}",
    ">", "<", "=", ".", ":", "|", ",", ";",
];

/// Lexes `src`.
pub(crate) fn lex(src: &str) -> Lexed {
    let b = src.as_bytes();
    let mut out = Lexed::default();
    let mut tokens = 0usize;
    let mut i = 0usize;
    // Data text since the previous code block, without comments (what Jinja would output).
    let mut data: Vec<(usize, usize)> = Vec::new();
    while let Some(p) = find_open(b, i) {
        data.push((i, p));
        if b[p + 1] == b'#' {
            match find(b, p + 2, b"#}") {
                Some(e) => i = e + 2,
                None => {
                    out.issues.push(LexIssue {
                        off: p,
                        msg: "unterminated comment",
                    });
                    return out;
                }
            }
            continue;
        }
        if let Some(body) = raw_start(b, p) {
            match raw_end(b, body) {
                Some((body_end, e)) => {
                    data.push((body, body_end));
                    i = e;
                }
                None => {
                    out.issues.push(LexIssue {
                        off: p,
                        msg: "unterminated raw block",
                    });
                    return out;
                }
            }
            continue;
        }
        let kind = if b[p + 1] == b'{' {
            BlockKind::Expr
        } else {
            BlockKind::Stmt
        };
        let mut j = p + 2;
        if let Some(b'-' | b'+') = b.get(j) {
            j += 1;
        }
        let mut toks = Vec::new();
        let end = lex_code(src, j, kind, &mut toks, &mut out.issues);
        tokens += toks.len();
        out.blocks.push(Block {
            kind,
            start: p,
            end: end.unwrap_or(b.len()),
            toks,
            data_before: std::mem::take(&mut data),
        });
        if tokens > MAX_TOKENS {
            out.token_limit_hit = true;
            return out;
        }
        let Some(e) = end else { return out };
        i = e;
    }
    out
}

/// The next `{{`, `{%` or `{#` at or after `from`.
fn find_open(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i + 1 < b.len() {
        if b[i] == b'{' && matches!(b[i + 1], b'{' | b'%' | b'#') {
            return Some(i);
        }
        i += 1;
    }
    None
}

fn find(b: &[u8], from: usize, pat: &[u8]) -> Option<usize> {
    if from > b.len() {
        return None;
    }
    b[from..]
        .windows(pat.len())
        .position(|w| w == pat)
        .map(|p| p + from)
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// If `{%` at `p` opens `{% raw %}`, the offset just after it.
fn raw_start(b: &[u8], p: usize) -> Option<usize> {
    let mut i = p + 2;
    if let Some(b'-' | b'+') = b.get(i) {
        i += 1;
    }
    i = skip_ws(b, i);
    if !b.get(i..)?.starts_with(b"raw") {
        return None;
    }
    i = skip_ws(b, i + 3);
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    b.get(i..)?.starts_with(b"%}").then_some(i + 2)
}

/// Where the raw section starting at `from` ends, and the offset just after its
/// `{% endraw %}`.
fn raw_end(b: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut i = from;
    loop {
        let p = find(b, i, b"{%")?;
        let mut j = p + 2;
        if let Some(b'-' | b'+') = b.get(j) {
            j += 1;
        }
        j = skip_ws(b, j);
        if b.get(j..).is_some_and(|r| r.starts_with(b"endraw")) {
            j = skip_ws(b, j + 6);
            if b.get(j) == Some(&b'-') {
                j += 1;
            }
            if b.get(j..).is_some_and(|r| r.starts_with(b"%}")) {
                return Some((p, j + 2));
            }
        }
        i = p + 2;
    }
}

/// Lexes code from `i` to the block's end delimiter; returns the offset after it, or `None`
/// when the template ends first.
fn lex_code(
    src: &str,
    mut i: usize,
    kind: BlockKind,
    toks: &mut Vec<Tok>,
    issues: &mut Vec<LexIssue>,
) -> Option<usize> {
    let b = src.as_bytes();
    let close: &[u8] = if kind == BlockKind::Expr {
        b"}}"
    } else {
        b"%}"
    };
    let mut depth = 0usize;
    loop {
        i = skip_ws(b, i);
        let rest = b.get(i..).unwrap_or(&[]);
        if rest.is_empty() {
            issues.push(LexIssue {
                off: i,
                msg: "unterminated block",
            });
            return None;
        }
        if depth == 0 {
            if rest.starts_with(close) {
                return Some(i + 2);
            }
            if (rest[0] == b'-' || rest[0] == b'+') && rest[1..].starts_with(close) {
                return Some(i + 3);
            }
        }
        let c = rest[0];
        if c == b'\'' || c == b'"' {
            match lex_string(src, i) {
                Some((tok, next)) => {
                    toks.push(Tok { off: i, kind: tok });
                    i = next;
                }
                None => {
                    issues.push(LexIssue {
                        off: i,
                        msg: "unterminated string literal",
                    });
                    return None;
                }
            }
            continue;
        }
        if c.is_ascii_digit() {
            let (tok, next) = lex_number(b, i);
            toks.push(Tok { off: i, kind: tok });
            i = next;
            continue;
        }
        let ch = src[i..].chars().next().unwrap_or('\u{fffd}');
        if ch == '_' || ch.is_alphabetic() {
            let start = i;
            let mut j = i;
            for c in src[i..].chars() {
                if c == '_' || c.is_alphanumeric() {
                    j += c.len_utf8();
                } else {
                    break;
                }
            }
            toks.push(Tok {
                off: start,
                kind: TokKind::Name(src[start..j].to_string()),
            });
            i = j;
            continue;
        }
        if let Some(op) = OPS.iter().find(|op| rest.starts_with(op.as_bytes())) {
            match *op {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => depth = depth.saturating_sub(1),
                _ => {}
            }
            toks.push(Tok {
                off: i,
                kind: TokKind::Op(op),
            });
            i += op.len();
            continue;
        }
        toks.push(Tok {
            off: i,
            kind: TokKind::Other(ch),
        });
        i += ch.len_utf8();
    }
}

fn lex_number(b: &[u8], start: usize) -> (TokKind, usize) {
    let mut i = start;
    let radix = match (b.get(i), b.get(i + 1)) {
        (Some(b'0'), Some(b'x' | b'X')) => 16,
        (Some(b'0'), Some(b'o' | b'O')) => 8,
        (Some(b'0'), Some(b'b' | b'B')) => 2,
        _ => 10,
    };
    if radix != 10 {
        i += 2;
    }
    let mut value: Option<i64> = Some(0);
    while let Some(&c) = b.get(i) {
        if c == b'_' {
            i += 1;
            continue;
        }
        let Some(d) = (c as char).to_digit(radix) else {
            break;
        };
        value = value
            .and_then(|v| v.checked_mul(radix as i64))
            .and_then(|v| v.checked_add(d as i64));
        i += 1;
    }
    if radix == 10 {
        let mut float = false;
        if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            float = true;
            i += 1;
            while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
                i += 1;
            }
        }
        if let Some(b'e' | b'E') = b.get(i) {
            let mut j = i + 1;
            if let Some(b'+' | b'-') = b.get(j) {
                j += 1;
            }
            if b.get(j).is_some_and(u8::is_ascii_digit) {
                float = true;
                i = j;
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
        }
        if float {
            return (TokKind::Float, i);
        }
    }
    (TokKind::Int(value), i)
}

/// Lexes a string literal at `start` (on its quote) and decodes it with Python's
/// `unicode-escape` rules, as Jinja does. Returns the token and the offset after the literal.
fn lex_string(src: &str, start: usize) -> Option<(TokKind, usize)> {
    let b = src.as_bytes();
    let q = b[start];
    let mut i = start + 1;
    let mut val = String::new();
    let mut hidden = false;
    loop {
        let c = *b.get(i)?;
        if c == q {
            return Some((TokKind::Str { val, hidden }, i + 1));
        }
        if c != b'\\' {
            let ch = src[i..].chars().next()?;
            // Jinja normalises newlines inside literals.
            if ch == '\r' {
                val.push('\n');
                if b.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            } else {
                val.push(ch);
            }
            i += ch.len_utf8();
            continue;
        }
        let e = *b.get(i + 1)?;
        i += 2;
        let decoded: Option<char> = match e {
            b'\n' => None,
            b'\\' => Some('\\'),
            b'\'' => Some('\''),
            b'"' => Some('"'),
            b'a' => Some('\u{7}'),
            b'b' => Some('\u{8}'),
            b'f' => Some('\u{c}'),
            b'n' => Some('\n'),
            b'r' => Some('\r'),
            b't' => Some('\t'),
            b'v' => Some('\u{b}'),
            b'0'..=b'7' => {
                let mut v = (e - b'0') as u32;
                for _ in 0..2 {
                    match b.get(i) {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + (d - b'0') as u32;
                            i += 1;
                        }
                        _ => break,
                    }
                }
                let ch = char::from_u32(v).unwrap_or('\u{fffd}');
                hidden |= reveals(ch);
                Some(ch)
            }
            b'x' | b'u' | b'U' => {
                let n = match e {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let digits = src
                    .get(i..i + n)
                    .filter(|d| d.bytes().all(|c| c.is_ascii_hexdigit()));
                match digits.and_then(|d| u32::from_str_radix(d, 16).ok()) {
                    Some(v) => {
                        i += n;
                        let ch = char::from_u32(v).unwrap_or('\u{fffd}');
                        hidden |= reveals(ch);
                        Some(ch)
                    }
                    // Python rejects the literal; keep the text so later checks still see it.
                    None => Some('\\'),
                }
            }
            b'N' if b.get(i) == Some(&b'{') => {
                // Unicode names are short; do not search the rest of the template.
                let window = &b[i..b.len().min(i + 96)];
                let close = window.iter().position(|&c| c == b'}').map(|p| p + i);
                match close {
                    Some(c) => {
                        let name = src[i + 1..c].trim().to_ascii_uppercase();
                        i = c + 1;
                        hidden = true;
                        Some(match name.as_str() {
                            "LOW LINE" | "SPACING UNDERSCORE" => '_',
                            "FULL STOP" | "PERIOD" => '.',
                            _ => '\u{fffd}',
                        })
                    }
                    None => Some('\\'),
                }
            }
            _ => {
                // Unknown escapes keep their backslash in Python.
                val.push('\\');
                i -= 1;
                None
            }
        };
        if let Some(ch) = decoded {
            val.push(ch);
        }
    }
}

/// Whether an escape produced a character that has no reason to be escaped.
fn reveals(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || ch == '_' || ch == '.'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(l: &Lexed) -> Vec<String> {
        l.blocks
            .iter()
            .flat_map(|b| b.toks.iter())
            .filter_map(|t| match &t.kind {
                TokKind::Name(n) => Some(n.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn blocks_comments_raw_and_whitespace_control() {
        let l = lex(
            "a {{- x.y -}} b {# {{ z }} #} {% raw %}{{ w }}{% endraw %} {%+ if q %}{% endif -%}",
        );
        assert!(l.issues.is_empty(), "{:?}", l.issues);
        assert_eq!(names(&l), ["x", "y", "if", "q", "endif"]);
        assert_eq!(l.blocks.len(), 3);
    }

    #[test]
    fn dict_literals_do_not_end_expressions() {
        let l = lex("{{ {'a': {'b': 1}}['a'] }}");
        assert!(l.issues.is_empty());
        assert_eq!(l.blocks.len(), 1);
        assert!(matches!(
            l.blocks[0].toks.last(),
            Some(Tok {
                kind: TokKind::Op("]"),
                ..
            })
        ));
    }

    #[test]
    fn strings_decode_python_escapes_and_mark_hidden_characters() {
        let l = lex(r#"{{ '\x5f\x5fclass\137_' ~ "a\nb" ~ 'it\'s' ~ '\N{LOW LINE}' ~ '\q' }}"#);
        let strs: Vec<_> = l.blocks[0]
            .toks
            .iter()
            .filter_map(|t| match &t.kind {
                TokKind::Str { val, hidden } => Some((val.clone(), *hidden)),
                _ => None,
            })
            .collect();
        assert_eq!(
            strs,
            [
                ("__class__".to_string(), true),
                ("a\nb".to_string(), false),
                ("it's".to_string(), false),
                ("_".to_string(), true),
                ("\\q".to_string(), false),
            ]
        );
    }

    #[test]
    fn modulo_is_not_a_block_end() {
        let l = lex("{% if loop.index0 % 2 == 0 %}x{% endif %}");
        assert!(l.issues.is_empty());
        assert_eq!(
            l.blocks[0]
                .toks
                .iter()
                .filter(|t| t.kind == TokKind::Op("%"))
                .count(),
            1
        );
    }

    #[test]
    fn unterminated_constructs_are_reported() {
        assert_eq!(lex("{{ x ").issues[0].msg, "unterminated block");
        assert_eq!(lex("{{ 'x }}").issues[0].msg, "unterminated string literal");
        assert_eq!(lex("{# x").issues[0].msg, "unterminated comment");
        assert_eq!(lex("{% raw %} x").issues[0].msg, "unterminated raw block");
    }

    #[test]
    fn numbers() {
        let l = lex("{{ 95 ~ 0x5f ~ 1_000 ~ 1.5e3 ~ 99999999999999999999 }}");
        let ints: Vec<_> = l.blocks[0]
            .toks
            .iter()
            .filter_map(|t| match t.kind {
                TokKind::Int(v) => Some(v),
                _ => None,
            })
            .collect();
        assert_eq!(ints, [Some(95), Some(95), Some(1000), None]);
    }
}
