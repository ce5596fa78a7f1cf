//! NumPy `.npy` (format versions 1–3). The header is a Python dict literal, parsed here by hand
//! (never evaluated). When the dtype holds Python objects anywhere (`|O`, or an `O` field of a
//! structured dtype) the data is a pickle and is scanned as one; otherwise the header's shape and
//! dtype must account for the data exactly, and nothing else is read.
//! `.npz` files are zips: the zip reader hands each member here when it starts with the magic.

use crate::ctx::Ctx;
use crate::rules::numpy::{object_array, trailing_data};
use mlsec_core::ProblemKind;

const MAGIC: &[u8] = b"\x93NUMPY";
/// Nesting allowed in the header literal (structured dtypes nest a few levels at most).
const MAX_DEPTH: u32 = 32;

/// Scans one `.npy` element.
pub(crate) fn scan(ctx: &mut Ctx<'_>, data: &[u8]) {
    ctx.note_format("numpy");
    let header = match read_header(data, ctx.limits.max_header_bytes) {
        Ok(h) => h,
        Err((kind, msg)) => {
            ctx.problem(kind, Some(0), msg);
            return;
        }
    };
    let dtype = match dtype(&header.descr, 0) {
        Some(d) => d,
        None => {
            ctx.problem(
                ProblemKind::Unsupported,
                Some(8),
                format!(
                    "npy dtype `{}` is not understood; the array data is not checked",
                    header.descr_text
                ),
            );
            return;
        }
    };
    if dtype.has_object {
        ctx.report(
            &object_array::RULE,
            Some(8),
            format!("array of dtype `{}` holds Python objects: its data is a pickle, loaded only with allow_pickle=True", header.descr_text),
            Some(header.descr_text.clone()),
        );
        if header.data_start < data.len() {
            crate::formats::pickle::scan_from(ctx, data, header.data_start);
        } else {
            ctx.problem(
                ProblemKind::Truncated,
                Some(header.data_start as u64),
                "object array has no pickle data",
            );
        }
        return;
    }
    let nbytes = header
        .shape
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d))
        .and_then(|n| n.checked_mul(dtype.itemsize));
    let Some(nbytes) = nbytes else {
        ctx.problem(
            ProblemKind::Malformed,
            Some(8),
            "npy shape and dtype give a size that overflows",
        );
        return;
    };
    let available = (data.len() - header.data_start) as u64;
    if available < nbytes {
        ctx.problem(
            ProblemKind::Truncated,
            Some(data.len() as u64),
            format!("array data ends after {available} of {nbytes} bytes"),
        );
    } else if available > nbytes {
        let start = header.data_start + nbytes as usize;
        let rest = &data[start..];
        let format = crate::sniff::detect(rest);
        let what = if format == crate::sniff::Format::Unknown {
            String::new()
        } else {
            format!(
                " ({} data, scanned as `<data after array>`)",
                format.as_str()
            )
        };
        ctx.report(
            &trailing_data::RULE,
            Some(start as u64),
            format!(
                "{} bytes follow the array data, which numpy ignores{what}",
                rest.len()
            ),
            Some(format!("{} trailing bytes", rest.len())),
        );
        if format != crate::sniff::Format::Unknown {
            ctx.scan_member("<data after array>", rest);
        }
    }
}

#[derive(Debug)]
struct Header {
    descr: Lit,
    descr_text: String,
    shape: Vec<u64>,
    data_start: usize,
}

fn read_header(data: &[u8], max: u64) -> Result<Header, (ProblemKind, String)> {
    let truncated = |what: &str| {
        (
            ProblemKind::Truncated,
            format!("npy file ends inside its {what}"),
        )
    };
    if !data.starts_with(MAGIC) {
        return Err((ProblemKind::Malformed, "not an npy file".into()));
    }
    let (&major, &minor) = (
        data.get(6).ok_or_else(|| truncated("version"))?,
        data.get(7).ok_or_else(|| truncated("version"))?,
    );
    let (len, start) = match major {
        1 => (
            u64::from(u16::from_le_bytes([
                *data.get(8).ok_or_else(|| truncated("header length"))?,
                *data.get(9).ok_or_else(|| truncated("header length"))?,
            ])),
            10,
        ),
        2 | 3 => {
            let b = data.get(8..12).ok_or_else(|| truncated("header length"))?;
            (u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])), 12)
        }
        _ => {
            return Err((
                ProblemKind::Unsupported,
                format!("npy format version {major}.{minor} is not supported"),
            ));
        }
    };
    if len > max {
        return Err((
            ProblemKind::LimitExceeded,
            format!("npy header of {len} bytes exceeds the limit of {max}"),
        ));
    }
    let end = start + len as usize;
    let raw = data.get(start..end).ok_or_else(|| truncated("header"))?;
    let text: String = if major == 3 {
        std::str::from_utf8(raw)
            .map_err(|_| {
                (
                    ProblemKind::Malformed,
                    "npy v3 header is not UTF-8".to_string(),
                )
            })?
            .to_string()
    } else {
        raw.iter().map(|&b| char::from(b)).collect()
    };
    let bad = |m: &str| (ProblemKind::Malformed, format!("npy header {m}"));
    let lit = Parser {
        s: text.as_bytes(),
        i: 0,
    }
    .document()
    .ok_or_else(|| bad("is not a Python dict literal"))?;
    let Lit::Dict(pairs) = lit else {
        return Err(bad("is not a dict"));
    };
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| matches!(key, Lit::Str(s) if s == k))
            .map(|p| &p.1)
    };
    if pairs.len() != 3 {
        return Err(bad(
            "must have exactly the keys descr, fortran_order and shape",
        ));
    }
    let descr = get("descr").ok_or_else(|| bad("has no descr"))?.clone();
    match get("fortran_order") {
        Some(Lit::Bool(_)) => {}
        _ => return Err(bad("fortran_order is not a bool")),
    }
    let shape = match get("shape") {
        Some(Lit::Tuple(dims)) => dims
            .iter()
            .map(|d| match d {
                Lit::Int(n) => u64::try_from(*n).ok(),
                _ => None,
            })
            .collect::<Option<Vec<u64>>>()
            .ok_or_else(|| bad("shape is not a tuple of sizes"))?,
        _ => return Err(bad("shape is not a tuple")),
    };
    let mut descr_text = String::new();
    match &descr {
        Lit::Str(s) => descr_text.push_str(s),
        other => other.render(&mut descr_text),
    }
    if descr_text.len() > 200 {
        let cut = (0..=200)
            .rev()
            .find(|&i| descr_text.is_char_boundary(i))
            .unwrap_or(0);
        descr_text.truncate(cut);
        descr_text.push_str("...");
    }
    Ok(Header {
        descr,
        descr_text,
        shape,
        data_start: end,
    })
}

/// Size of one element and whether Python objects occur anywhere in it.
#[derive(Debug, PartialEq, Eq)]
struct Dtype {
    itemsize: u64,
    has_object: bool,
}

/// Interprets a `descr`: a type string (`<f4`, `|O`, `<U5`, `<M8[ns]`) or a list of fields
/// `(name, descr[, shape])`.
fn dtype(d: &Lit, depth: u32) -> Option<Dtype> {
    if depth > MAX_DEPTH {
        return None;
    }
    match d {
        Lit::Str(s) => {
            let t = s.trim_start_matches(['<', '>', '|', '=']);
            let mut chars = t.chars();
            let kind = chars.next()?;
            let rest: String = chars.collect();
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let n: Option<u64> = digits.parse().ok();
            let itemsize = match kind {
                'O' => 8,
                'U' => n?.checked_mul(4)?,
                'b' | 'i' | 'u' | 'f' | 'c' | 'S' | 'V' | 'M' | 'm' | 'a' => n?,
                '?' => 1,
                _ => return None,
            };
            Some(Dtype {
                itemsize,
                has_object: kind == 'O',
            })
        }
        Lit::List(fields) => {
            let mut total = Dtype {
                itemsize: 0,
                has_object: false,
            };
            for f in fields {
                let Lit::Tuple(parts) = f else { return None };
                let sub = dtype(parts.get(1)?, depth + 1)?;
                let count = match parts.get(2) {
                    None => 1,
                    Some(Lit::Tuple(dims)) => dims.iter().try_fold(1u64, |acc, x| match x {
                        Lit::Int(n) => acc.checked_mul(u64::try_from(*n).ok()?),
                        _ => None,
                    })?,
                    Some(Lit::Int(n)) => u64::try_from(*n).ok()?,
                    Some(_) => return None,
                };
                total.itemsize = total
                    .itemsize
                    .checked_add(sub.itemsize.checked_mul(count)?)?;
                total.has_object |= sub.has_object;
            }
            Some(total)
        }
        _ => None,
    }
}

/// A Python literal as it occurs in npy headers.
#[derive(Debug, Clone, PartialEq)]
enum Lit {
    Str(String),
    Int(i128),
    Bool(bool),
    None,
    Tuple(Vec<Lit>),
    List(Vec<Lit>),
    Dict(Vec<(Lit, Lit)>),
}

impl Lit {
    /// Python-like text for messages: `[('a', '|O'), ('b', '<f4')]`.
    fn render(&self, out: &mut String) {
        let seq = |out: &mut String, items: &[Lit], open: char, close: char| {
            out.push(open);
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                x.render(out);
            }
            if open == '(' && items.len() == 1 {
                out.push(',');
            }
            out.push(close);
        };
        match self {
            Lit::Str(s) => {
                out.push('\'');
                out.push_str(s);
                out.push('\'');
            }
            Lit::Int(n) => out.push_str(&n.to_string()),
            Lit::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
            Lit::None => out.push_str("None"),
            Lit::Tuple(items) => seq(out, items, '(', ')'),
            Lit::List(items) => seq(out, items, '[', ']'),
            Lit::Dict(pairs) => {
                out.push('{');
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.render(out);
                    out.push_str(": ");
                    v.render(out);
                }
                out.push('}');
            }
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn document(mut self) -> Option<Lit> {
        let v = self.value(0)?;
        self.ws();
        (self.i == self.s.len()).then_some(v)
    }

    fn ws(&mut self) {
        while self.s.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: u32) -> Option<Lit> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        match *self.s.get(self.i)? {
            b'{' => {
                self.i += 1;
                let mut pairs = Vec::new();
                loop {
                    if self.eat(b'}') {
                        return Some(Lit::Dict(pairs));
                    }
                    let k = self.value(depth + 1)?;
                    if !self.eat(b':') {
                        return None;
                    }
                    let v = self.value(depth + 1)?;
                    pairs.push((k, v));
                    if !self.eat(b',') {
                        return self.eat(b'}').then_some(Lit::Dict(pairs));
                    }
                }
            }
            open @ (b'(' | b'[') => {
                self.i += 1;
                let close = if open == b'(' { b')' } else { b']' };
                let mut items = Vec::new();
                let mut trailing_comma = false;
                loop {
                    if self.eat(close) {
                        break;
                    }
                    items.push(self.value(depth + 1)?);
                    trailing_comma = self.eat(b',');
                    if !trailing_comma {
                        if !self.eat(close) {
                            return None;
                        }
                        break;
                    }
                }
                // `(5)` is an int, `(5,)` a tuple.
                if open == b'(' && items.len() == 1 && !trailing_comma {
                    return items.pop();
                }
                Some(if open == b'(' {
                    Lit::Tuple(items)
                } else {
                    Lit::List(items)
                })
            }
            b'\'' | b'"' => self.string(),
            b'u' | b'b' if matches!(self.s.get(self.i + 1), Some(b'\'' | b'"')) => {
                self.i += 1;
                self.string()
            }
            b'-' | b'+' | b'0'..=b'9' => {
                let start = self.i;
                self.i += 1;
                while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
                    self.i += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.i]).ok()?;
                if matches!(self.s.get(self.i), Some(b'L' | b'l')) {
                    self.i += 1;
                }
                text.parse().ok().map(Lit::Int)
            }
            _ => {
                let start = self.i;
                while self
                    .s
                    .get(self.i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                {
                    self.i += 1;
                }
                match &self.s[start..self.i] {
                    b"True" => Some(Lit::Bool(true)),
                    b"False" => Some(Lit::Bool(false)),
                    b"None" => Some(Lit::None),
                    _ => None,
                }
            }
        }
    }

    fn string(&mut self) -> Option<Lit> {
        let q = *self.s.get(self.i)?;
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let c = *self.s.get(self.i)?;
            self.i += 1;
            match c {
                _ if c == q => break,
                b'\\' => {
                    let e = *self.s.get(self.i)?;
                    self.i += 1;
                    out.push(match e {
                        b'n' => b'\n',
                        b't' => b'\t',
                        b'r' => b'\r',
                        b'0' => 0,
                        other => other,
                    });
                }
                _ => out.push(c),
            }
        }
        Some(Lit::Str(String::from_utf8_lossy(&out).into_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(version: u8, header: &str, body: &[u8]) -> Vec<u8> {
        let mut v = MAGIC.to_vec();
        v.extend_from_slice(&[version, 0]);
        if version == 1 {
            v.extend_from_slice(&(header.len() as u16).to_le_bytes());
        } else {
            v.extend_from_slice(&(header.len() as u32).to_le_bytes());
        }
        v.extend_from_slice(header.as_bytes());
        v.extend_from_slice(body);
        v
    }

    fn parse(s: &str) -> Option<Lit> {
        Parser {
            s: s.as_bytes(),
            i: 0,
        }
        .document()
    }

    #[test]
    fn header_literals() {
        assert_eq!(
            parse("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"),
            Some(Lit::Dict(vec![
                (Lit::Str("descr".into()), Lit::Str("<f4".into())),
                (Lit::Str("fortran_order".into()), Lit::Bool(false)),
                (
                    Lit::Str("shape".into()),
                    Lit::Tuple(vec![Lit::Int(3), Lit::Int(4)])
                ),
            ]))
        );
        assert_eq!(parse("(5,)"), Some(Lit::Tuple(vec![Lit::Int(5)])));
        let mut text = String::new();
        parse("[('a', '|O'), ('b', '<f4', (2,))]")
            .unwrap_or(Lit::None)
            .render(&mut text);
        assert_eq!(text, "[('a', '|O'), ('b', '<f4', (2,))]");
        assert_eq!(parse("(5)"), Some(Lit::Int(5)));
        assert_eq!(parse("()"), Some(Lit::Tuple(vec![])));
        assert_eq!(
            parse("(3L, 4L)"),
            Some(Lit::Tuple(vec![Lit::Int(3), Lit::Int(4)]))
        );
        assert_eq!(parse("{'a': __import__('os')}"), None);
        assert_eq!(parse("{'a': 1} trailing"), None);
        assert_eq!(parse(&"[".repeat(100)), None);
    }

    #[test]
    fn dtypes() {
        let d = |s: &str| dtype(&parse(s).unwrap_or(Lit::None), 0);
        assert_eq!(
            d("'<f4'"),
            Some(Dtype {
                itemsize: 4,
                has_object: false
            })
        );
        assert_eq!(
            d("'|O'"),
            Some(Dtype {
                itemsize: 8,
                has_object: true
            })
        );
        assert_eq!(
            d("'<U5'"),
            Some(Dtype {
                itemsize: 20,
                has_object: false
            })
        );
        assert_eq!(
            d("'<M8[ns]'"),
            Some(Dtype {
                itemsize: 8,
                has_object: false
            })
        );
        assert_eq!(
            d("[('a', '<i4'), ('b', '<f8')]"),
            Some(Dtype {
                itemsize: 12,
                has_object: false
            })
        );
        assert_eq!(
            d("[('a', '|O'), ('b', '<f4')]"),
            Some(Dtype {
                itemsize: 12,
                has_object: true
            })
        );
        assert_eq!(
            d("[('x', [('y', '|O')], (2,))]"),
            Some(Dtype {
                itemsize: 16,
                has_object: true
            })
        );
        assert_eq!(
            d("[(('title', 'n'), '<f8', (2, 3))]"),
            Some(Dtype {
                itemsize: 48,
                has_object: false
            })
        );
        assert_eq!(d("'<q9'"), None);
    }

    #[test]
    fn headers_of_every_version() {
        let h = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n";
        for v in [1, 2, 3] {
            let data = npy(v, h, &[0; 8]);
            let hdr = read_header(&data, 1 << 20).map_err(|e| e.1);
            assert_eq!(
                hdr.map(|h| (h.shape, h.data_start)),
                Ok((vec![2], data.len() - 8))
            );
        }
        assert!(read_header(&npy(4, h, &[]), 1 << 20).is_err());
        assert!(read_header(&npy(1, "{'descr': '<f4', 'shape': (2,)}", &[]), 1 << 20).is_err());
        assert!(read_header(&npy(1, h, &[])[..20], 1 << 20).is_err());
        assert!(read_header(&npy(1, h, &[]), 10).is_err());
    }
}
