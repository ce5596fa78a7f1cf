//! A JSON parser with Python's `json.loads` semantics.
//!
//! serde_json is not used here on purpose: the loaders we defend (Keras, transformers) parse
//! with Python's `json`, which accepts documents serde_json rejects — `NaN`, `Infinity`,
//! `-Infinity`, lone UTF-16 surrogates in `\u` escapes, and UTF-16/UTF-32 input. A config that
//! Python loads but we cannot parse would otherwise be a bypass. Duplicate keys are kept in
//! order (Python keeps the last one; other parsers keep the first), so callers can analyse
//! every value and report the duplicate.

/// Deepest nesting accepted. CPython allows about 1000 levels; deeper documents end in a
/// problem (not checked), never in a stack overflow of the scanner thread.
pub(crate) const MAX_DEPTH: usize = 512;

/// A parsed value and the offset of its first character in the decoded text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub off: usize,
    pub val: Val,
}

/// A JSON value. Numbers are kept only as "a number": no reader needs their value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Null,
    Bool(bool),
    Num,
    Str(String),
    Arr(Vec<Node>),
    /// Members in document order, duplicates included.
    Obj(Vec<(String, Node)>),
}

impl Node {
    /// The value of `key` as Python would see it (the last occurrence wins).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.val {
            Val::Obj(m) => m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string value of `key`, if it is a string.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// The value as a string, if it is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.val {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Why a document did not parse.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParseError {
    pub off: usize,
    pub msg: &'static str,
}

/// Decodes bytes the way `json.loads(bytes)` does: BOM or NUL-pattern detection of UTF-8,
/// UTF-16 and UTF-32. Returns the text and the number of bytes skipped before it (a UTF-8
/// BOM), so offsets into UTF-8 text can be mapped back to the input.
pub(crate) fn decode(data: &[u8]) -> (String, usize) {
    let utf16 = |b: &[u8], be: bool| {
        let units = b.chunks_exact(2).map(|c| {
            if be {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .map(|r| r.unwrap_or('\u{fffd}'))
            .collect::<String>()
    };
    let utf32 = |b: &[u8], be: bool| {
        b.chunks_exact(4)
            .map(|c| {
                let a = [c[0], c[1], c[2], c[3]];
                let v = if be {
                    u32::from_be_bytes(a)
                } else {
                    u32::from_le_bytes(a)
                };
                char::from_u32(v).unwrap_or('\u{fffd}')
            })
            .collect::<String>()
    };
    if data.starts_with(b"\x00\x00\xfe\xff") {
        return (utf32(&data[4..], true), 0);
    }
    if data.starts_with(b"\xff\xfe\x00\x00") {
        return (utf32(&data[4..], false), 0);
    }
    if data.starts_with(b"\xfe\xff") {
        return (utf16(&data[2..], true), 0);
    }
    if data.starts_with(b"\xff\xfe") {
        return (utf16(&data[2..], false), 0);
    }
    if data.starts_with(b"\xef\xbb\xbf") {
        return (String::from_utf8_lossy(&data[3..]).into_owned(), 3);
    }
    if data.len() >= 4 {
        if data[0] == 0 {
            return if data[1] != 0 {
                (utf16(data, true), 0)
            } else {
                (utf32(data, true), 0)
            };
        }
        if data[1] == 0 {
            return if data[2] != 0 || data[3] != 0 {
                (utf16(data, false), 0)
            } else {
                (utf32(data, false), 0)
            };
        }
    }
    (String::from_utf8_lossy(data).into_owned(), 0)
}

/// Parses a whole document. `max_nodes` bounds memory: a document with more values fails
/// with a limit error (`ParseError::msg == LIMIT`).
pub(crate) fn parse(text: &str, max_nodes: usize) -> Result<Node, ParseError> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
        build: true,
        nodes: 0,
        max_nodes,
    };
    let v = p.document()?;
    Ok(v)
}

/// Checks that `text` is one JSON document without building it.
pub(crate) fn validate(text: &str) -> bool {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
        build: false,
        nodes: 0,
        max_nodes: usize::MAX,
    };
    p.document().is_ok()
}

/// The message of the error returned when `max_nodes` is reached.
pub(crate) const LIMIT: &str = "too many values";

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    build: bool,
    nodes: usize,
    max_nodes: usize,
}

impl Parser<'_> {
    fn err<T>(&self, msg: &'static str) -> Result<T, ParseError> {
        Err(ParseError { off: self.i, msg })
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn document(&mut self) -> Result<Node, ParseError> {
        self.ws();
        let v = self.value(0)?;
        self.ws();
        if self.i != self.s.len() {
            return self.err("extra data after the document");
        }
        Ok(v)
    }

    fn node(&mut self, off: usize, val: Val) -> Result<Node, ParseError> {
        self.nodes += 1;
        if self.nodes > self.max_nodes {
            return self.err(LIMIT);
        }
        Ok(Node { off, val })
    }

    fn lit(&mut self, word: &[u8]) -> bool {
        if self.s[self.i..].starts_with(word) {
            self.i += word.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, ParseError> {
        if depth > MAX_DEPTH {
            return self.err("nested too deeply");
        }
        let off = self.i;
        let Some(&c) = self.s.get(self.i) else {
            return self.err("unexpected end of data");
        };
        match c {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => {
                let s = self.string()?;
                self.node(off, Val::Str(s))
            }
            b'n' if self.lit(b"null") => self.node(off, Val::Null),
            b't' if self.lit(b"true") => self.node(off, Val::Bool(true)),
            b'f' if self.lit(b"false") => self.node(off, Val::Bool(false)),
            b'N' if self.lit(b"NaN") => self.node(off, Val::Num),
            b'I' if self.lit(b"Infinity") => self.node(off, Val::Num),
            b'-' if self.lit(b"-Infinity") => self.node(off, Val::Num),
            b'-' | b'0'..=b'9' => {
                self.number()?;
                self.node(off, Val::Num)
            }
            _ => self.err("expected a value"),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        self.i - start
    }

    /// Python's NUMBER_RE: `-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?`.
    fn number(&mut self) -> Result<(), ParseError> {
        if self.s.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match self.s.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return self.err("expected a digit"),
        }
        if self.s.get(self.i) == Some(&b'.')
            && self.s.get(self.i + 1).is_some_and(u8::is_ascii_digit)
        {
            self.i += 1;
            self.digits();
        }
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            let save = self.i;
            self.i += 1;
            if let Some(b'+' | b'-') = self.s.get(self.i) {
                self.i += 1;
            }
            if self.digits() == 0 {
                // Python stops the number before a dangling exponent; the next token fails.
                self.i = save;
            }
        }
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let Some(h) = self.s.get(self.i..self.i + 4) else {
            return self.err("truncated \\u escape");
        };
        let mut v = 0u32;
        for &b in h {
            let d = (b as char).to_digit(16);
            let Some(d) = d else {
                return self.err("invalid \\u escape");
            };
            v = v * 16 + d;
        }
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.i += 1; // opening quote
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(&b) = self.s.get(self.i) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.i += 1;
            }
            if self.build {
                // The input is a &str and we stop only at ASCII bytes, so this is a char boundary.
                out.push_str(&String::from_utf8_lossy(&self.s[start..self.i]));
            }
            match self.s.get(self.i) {
                None => return self.err("unterminated string"),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let Some(&e) = self.s.get(self.i) else {
                        return self.err("unterminated string");
                    };
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let mut cp = hi;
                            if (0xd800..0xdc00).contains(&hi)
                                && self.s[self.i..].starts_with(b"\\u")
                            {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xdc00..0xe000).contains(&lo) {
                                    cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
                                } else {
                                    self.i = save;
                                }
                            }
                            // Python keeps lone surrogates; Rust strings cannot hold them.
                            char::from_u32(cp).unwrap_or('\u{fffd}')
                        }
                        _ => return self.err("invalid escape"),
                    };
                    if self.build {
                        out.push(ch);
                    }
                }
                Some(_) => return self.err("control character in string"),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Node, ParseError> {
        let off = self.i;
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            return self.node(off, Val::Arr(items));
        }
        loop {
            self.ws();
            let v = self.value(depth + 1)?;
            if self.build {
                items.push(v);
            }
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return self.node(off, Val::Arr(items));
                }
                _ => return self.err("expected `,` or `]`"),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Node, ParseError> {
        let off = self.i;
        self.i += 1;
        let mut members = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            return self.node(off, Val::Obj(members));
        }
        loop {
            self.ws();
            if self.s.get(self.i) != Some(&b'"') {
                return self.err("expected a string key");
            }
            let k = self.string()?;
            self.ws();
            if self.s.get(self.i) != Some(&b':') {
                return self.err("expected `:`");
            }
            self.i += 1;
            self.ws();
            let v = self.value(depth + 1)?;
            if self.build {
                members.push((k, v));
            }
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return self.node(off, Val::Obj(members));
                }
                _ => return self.err("expected `,` or `}`"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Node, ParseError> {
        parse(s, 1 << 20)
    }

    #[test]
    fn accepts_what_python_accepts() {
        for ok in [
            "{}",
            "[]",
            " {\"a\": [1, -2.5e3, true, false, null]} ",
            "[NaN, Infinity, -Infinity]",
            "\"\\ud800\"",
            "\"\\ud83d\\ude00\"",
            "123",
            "-0",
        ] {
            assert!(p(ok).is_ok(), "{ok}");
            assert!(validate(ok), "{ok}");
        }
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "01x",
            "\"a\nb\"",
            "{} x",
            "[1e]",
            "'a'",
            "nul",
        ] {
            assert!(p(bad).is_err(), "{bad}");
            assert!(!validate(bad), "{bad}");
        }
    }

    #[test]
    fn keeps_duplicates_and_get_returns_the_last() {
        let v = p(r#"{"a": 1, "a": "two"}"#).unwrap_or_else(|e| panic!("{e:?}"));
        let Val::Obj(m) = &v.val else {
            panic!("not an object")
        };
        assert_eq!(m.len(), 2);
        assert_eq!(v.get_str("a"), Some("two"));
    }

    #[test]
    fn decodes_escapes_and_offsets() {
        let v = p(r#"{"k": "a\u005f\n\"", "x": [ {} ]}"#).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(v.get_str("k"), Some("a_\n\""));
        assert_eq!(v.get("x").map(|n| n.off), Some(26));
    }

    #[test]
    fn decodes_utf16_and_bom() {
        let text = "{\"a\": 1}";
        let mut le = vec![0xff, 0xfe];
        for u in text.encode_utf16() {
            le.extend(u.to_le_bytes());
        }
        assert_eq!(decode(&le).0, text);
        let mut be_nobom = Vec::new();
        for u in text.encode_utf16() {
            be_nobom.extend(u.to_be_bytes());
        }
        assert_eq!(decode(&be_nobom).0, text);
        assert_eq!(decode(b"\xef\xbb\xbf{}"), ("{}".to_string(), 3));
    }

    #[test]
    fn depth_and_node_limits_end_in_errors() {
        let deep = "[".repeat(MAX_DEPTH + 5) + &"]".repeat(MAX_DEPTH + 5);
        assert_eq!(
            p(&deep).map(|_| ()).map_err(|e| e.msg),
            Err("nested too deeply")
        );
        assert_eq!(
            parse("[1,2,3]", 2).map(|_| ()).map_err(|e| e.msg),
            Err(LIMIT)
        );
    }
}
