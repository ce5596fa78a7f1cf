//! The protobuf **text format**, as TensorFlow reads `saved_model.pbtxt` and text GraphDefs
//! (`graph.pbtxt`), transcoded to the wire format so that the binary readers check it.
//!
//! TensorFlow's loaders accept a SavedModel written as text as well as binary (Python's
//! `loader_impl.parse_saved_model` tries `saved_model.pb`, then `saved_model.pbtxt`; the C++
//! loader does the same), and `tf.compat.v1.GraphDef` files are often kept as text. A scanner
//! that only decodes the binary encoding passes a `PyFunc` or `WriteFile` node written as text.
//!
//! The parser is driven by a small schema: for each message, the fields that lead to what the
//! SavedModel reader inspects (graphs, nodes, functions, attributes, string tensors, the saver
//! filename, asset names, object-graph metadata), with their field numbers and whether they
//! hold a message or a string. Every other field, known to TensorFlow or not, is parsed and
//! skipped, values and nested messages included. The output is well-formed wire format in
//! which each message's length is a five-byte varint patched in when the message closes, so
//! one pass suffices and nothing is copied twice; a map from output offsets back to text
//! offsets lets findings point into the text.
//!
//! The grammar accepted is a superset of what TensorFlow's parsers (C++ `TextFormat`, Python
//! `text_format.Merge`) accept, because a scanner that is stricter than the loader can be
//! bypassed: `#` comments, optional `:` before a message, `{}` or `<>` delimiters, `[a, b]`
//! lists of scalars or messages, optional `,` / `;` after a field, single- or double-quoted
//! strings with adjacent literals concatenated, C escapes (`\n`, octal `\NNN`, `\xHH`,
//! `\uXXXX`, `\UXXXXXXXX`; unknown escapes kept as written, like Python), `[extension]` and
//! `[type.googleapis.com/Any]` field names (skipped), repeated singular fields (merged, as
//! the wire format does). Strings may not cross a line, as in both parsers.
//!
//! Limits: nesting is bounded by [`MAX_DEPTH`]; the output is at most twice the input plus a
//! constant (checked). An error stops the parse: every message still open is closed, so what
//! was read before the error is still checked, and the error is returned with its offset.

use super::protobuf::{MAX_DEPTH, write_varint};

/// What a field of the schema holds.
#[derive(Debug, Clone, Copy)]
enum Ty {
    /// A nested message with the given schema.
    Msg(&'static Desc),
    /// A string or bytes value, emitted as a length-delimited field.
    Str,
}

/// One field of a message schema: text name, field number, type.
#[derive(Debug)]
struct FieldDesc {
    name: &'static str,
    number: u32,
    ty: Ty,
}

/// A message schema: the fields the binary readers use. Others are skipped.
#[derive(Debug)]
pub(crate) struct Desc {
    fields: &'static [FieldDesc],
}

const fn f(name: &'static str, number: u32, ty: Ty) -> FieldDesc {
    FieldDesc { name, number, ty }
}

impl Desc {
    fn field(&self, name: &[u8]) -> Option<&FieldDesc> {
        self.fields.iter().find(|f| f.name.as_bytes() == name)
    }
}

// The schema, from tensorflow/core/protobuf/{saved_model,meta_graph,saver,saved_object_graph}
// .proto and tensorflow/core/framework/{graph,node_def,attr_value,tensor,function,op_def}.proto.

/// `tensorflow.SavedModel`.
pub(crate) static SAVED_MODEL: Desc = Desc {
    fields: &[f("meta_graphs", 2, Ty::Msg(&META_GRAPH_DEF))],
};
static META_GRAPH_DEF: Desc = Desc {
    fields: &[
        f("graph_def", 2, Ty::Msg(&GRAPH_DEF)),
        f("saver_def", 3, Ty::Msg(&SAVER_DEF)),
        f("asset_file_def", 6, Ty::Msg(&ASSET_FILE_DEF)),
        f("object_graph_def", 7, Ty::Msg(&SAVED_OBJECT_GRAPH)),
    ],
};
/// `tensorflow.GraphDef`.
pub(crate) static GRAPH_DEF: Desc = Desc {
    fields: &[
        f("node", 1, Ty::Msg(&NODE_DEF)),
        f("library", 2, Ty::Msg(&FUNCTION_DEF_LIBRARY)),
    ],
};
static NODE_DEF: Desc = Desc {
    fields: &[
        f("name", 1, Ty::Str),
        f("op", 2, Ty::Str),
        f("input", 3, Ty::Str),
        f("device", 4, Ty::Str),
        f("attr", 5, Ty::Msg(&ATTR_ENTRY)),
    ],
};
/// A `map<string, AttrValue>` entry.
static ATTR_ENTRY: Desc = Desc {
    fields: &[f("key", 1, Ty::Str), f("value", 2, Ty::Msg(&ATTR_VALUE))],
};
static ATTR_VALUE: Desc = Desc {
    fields: &[
        f("list", 1, Ty::Msg(&LIST_VALUE)),
        f("s", 2, Ty::Str),
        f("tensor", 8, Ty::Msg(&TENSOR)),
        f("placeholder", 9, Ty::Str),
        f("func", 10, Ty::Msg(&NAME_ATTR_LIST)),
    ],
};
static LIST_VALUE: Desc = Desc {
    fields: &[
        f("s", 2, Ty::Str),
        f("tensor", 8, Ty::Msg(&TENSOR)),
        f("func", 9, Ty::Msg(&NAME_ATTR_LIST)),
    ],
};
static TENSOR: Desc = Desc {
    fields: &[f("string_val", 8, Ty::Str)],
};
static NAME_ATTR_LIST: Desc = Desc {
    fields: &[f("name", 1, Ty::Str), f("attr", 2, Ty::Msg(&ATTR_ENTRY))],
};
static FUNCTION_DEF_LIBRARY: Desc = Desc {
    fields: &[f("function", 1, Ty::Msg(&FUNCTION_DEF))],
};
static FUNCTION_DEF: Desc = Desc {
    fields: &[
        f("signature", 1, Ty::Msg(&OP_DEF)),
        f("node_def", 3, Ty::Msg(&NODE_DEF)),
    ],
};
static OP_DEF: Desc = Desc {
    fields: &[f("name", 1, Ty::Str), f("input_arg", 2, Ty::Msg(&ARG_DEF))],
};
static ARG_DEF: Desc = Desc {
    fields: &[f("name", 1, Ty::Str)],
};
static SAVER_DEF: Desc = Desc {
    fields: &[f("filename_tensor_name", 1, Ty::Str)],
};
static ASSET_FILE_DEF: Desc = Desc {
    fields: &[f("filename", 2, Ty::Str)],
};
static SAVED_OBJECT_GRAPH: Desc = Desc {
    fields: &[f("nodes", 1, Ty::Msg(&SAVED_OBJECT))],
};
static SAVED_OBJECT: Desc = Desc {
    fields: &[f("user_object", 4, Ty::Msg(&SAVED_USER_OBJECT))],
};
static SAVED_USER_OBJECT: Desc = Desc {
    fields: &[f("identifier", 1, Ty::Str), f("metadata", 3, Ty::Str)],
};

/// The top-level fields by which [`sniff`] recognises a text SavedModel or GraphDef: (name,
/// holds a message). Scalars may come first; the first message field decides.
const SAVED_MODEL_TOP: &[(&str, bool)] =
    &[("saved_model_schema_version", false), ("meta_graphs", true)];
const GRAPH_DEF_TOP: &[(&str, bool)] = &[
    ("node", true),
    ("library", true),
    ("versions", true),
    ("debug_info", true),
    ("version", false),
];

/// Which text protobuf a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextKind {
    SavedModel,
    GraphDef,
}

/// Recognises a text SavedModel or GraphDef by its first top-level fields: known field names
/// of one of the two messages, scalars followed by a message field whose value opens with
/// `{`, `<` or `[`. A YAML file starting `version: 1` is not claimed.
pub(crate) fn sniff(data: &[u8]) -> Option<TextKind> {
    let first = *data.iter().find(|b| !b.is_ascii_whitespace())?;
    if !(first.is_ascii_alphabetic() || first == b'#') {
        return None;
    }
    let mut lx = Lexer::new(data);
    let mut kind: Option<TextKind> = None;
    for _ in 0..8 {
        let Ok(Tok::Ident(name)) = lx.next() else {
            return None;
        };
        let lookup = |top: &[(&str, bool)]| {
            top.iter()
                .find(|(n, _)| n.as_bytes() == name)
                .map(|&(_, m)| m)
        };
        let (k, is_msg) = match (lookup(SAVED_MODEL_TOP), lookup(GRAPH_DEF_TOP)) {
            (Some(m), _) => (TextKind::SavedModel, m),
            (None, Some(m)) => (TextKind::GraphDef, m),
            (None, None) => return None,
        };
        if kind.is_some_and(|seen| seen != k) {
            return None;
        }
        kind = Some(k);
        let mut tok = lx.next().ok()?;
        if is_msg {
            if tok == Tok::Colon {
                tok = lx.next().ok()?;
            }
            // A message opens, and what follows is a field name, a close or a message list;
            // `node {{` is a template, never a text protobuf.
            let opens = match tok {
                Tok::Open(_) => {
                    matches!(lx.next(), Ok(Tok::Ident(_) | Tok::Close(_) | Tok::ListOpen))
                }
                Tok::ListOpen => matches!(lx.next(), Ok(Tok::Open(_) | Tok::ListClose)),
                _ => false,
            };
            return opens.then_some(k);
        }
        if tok != Tok::Colon {
            return None;
        }
        // One scalar (a number, possibly signed), then an optional separator.
        match lx.next().ok()? {
            Tok::Minus => {
                let Tok::Scalar(_) = lx.next().ok()? else {
                    return None;
                };
            }
            Tok::Scalar(_) | Tok::Ident(_) => {}
            _ => return None,
        }
        lx.skip_separator();
    }
    None
}

/// A parse error: what and where (byte offset into the text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TextError {
    pub offset: usize,
    pub message: String,
}

impl TextError {
    /// 1-based line and column (in bytes) of the error in `text`.
    pub fn line_col(&self, text: &[u8]) -> (usize, usize) {
        let before = &text[..self.offset.min(text.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let col = before.len()
            - before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1)
            + 1;
        (line, col)
    }
}

/// The wire-format transcription of a text protobuf.
#[derive(Debug, Default)]
pub(crate) struct Transcoded {
    /// Wire-format bytes: always well formed, also after an error.
    pub bytes: Vec<u8>,
    /// (output offset, text offset) at the start of every emitted field, ascending.
    map: Vec<(u64, u64)>,
    /// The error that stopped the parse, if any.
    pub error: Option<TextError>,
}

impl Transcoded {
    /// The text offset of the field that holds output offset `at`.
    pub fn text_offset(&self, at: u64) -> u64 {
        // A message's payload starts where its first field's tag does: the first entry at
        // an offset is the outermost field there.
        let i = self.map.partition_point(|&(o, _)| o < at);
        match self.map.get(i) {
            Some(&(o, t)) if o == at => t,
            _ if i > 0 => self.map[i - 1].1,
            _ => 0,
        }
    }
}

/// Transcodes `text`, a message of type `root`, to the wire format.
pub(crate) fn transcode(text: &[u8], root: &'static Desc) -> Transcoded {
    let mut p = Parser {
        lx: Lexer::new(text),
        out: Transcoded::default(),
        open: Vec::new(),
        limit: text.len().saturating_mul(2).saturating_add(64),
    };
    if let Err(e) = p.message(Some(root), None, 0) {
        p.out.error = Some(e);
        // Close whatever is still open, innermost first, so the output stays well formed.
        while let Some(at) = p.open.pop() {
            p.close(at);
        }
    }
    p.out
}

/// Tokens. Strings are returned raw (between the quotes, escapes not yet decoded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    Ident(&'a [u8]),
    /// A number or other bare scalar that is not an identifier.
    Scalar(&'a [u8]),
    /// A string literal: the bytes between the quotes.
    Str(&'a [u8]),
    Colon,
    Minus,
    /// `{` or `<`, with the closing byte it expects.
    Open(u8),
    /// `}` or `>`.
    Close(u8),
    ListOpen,
    ListClose,
    Comma,
    Semi,
    Slash,
    Dot,
    Eof,
}

struct Lexer<'a> {
    data: &'a [u8],
    pos: usize,
    /// Offset of the last token returned.
    start: usize,
    peeked: Option<(Result<Tok<'a>, TextError>, usize, usize)>,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_cont(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'a> Lexer<'a> {
    fn new(data: &'a [u8]) -> Lexer<'a> {
        Lexer {
            data,
            pos: 0,
            start: 0,
            peeked: None,
        }
    }

    fn err(&self, at: usize, message: impl Into<String>) -> TextError {
        TextError {
            offset: at,
            message: message.into(),
        }
    }

    fn skip_space(&mut self) {
        while let Some(&b) = self.data.get(self.pos) {
            if b == b'#' {
                while self.data.get(self.pos).is_some_and(|&c| c != b'\n') {
                    self.pos += 1;
                }
            } else if b.is_ascii_whitespace() || b == 0x0b {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn peek(&mut self) -> Result<Tok<'a>, TextError> {
        if self.peeked.is_none() {
            let saved = self.pos;
            let tok = self.lex();
            let start = self.start;
            let end = self.pos;
            self.pos = saved;
            self.peeked = Some((tok, start, end));
        }
        match &self.peeked {
            Some((tok, _, _)) => tok.clone(),
            None => Ok(Tok::Eof),
        }
    }

    fn next(&mut self) -> Result<Tok<'a>, TextError> {
        if let Some((tok, start, end)) = self.peeked.take() {
            self.start = start;
            self.pos = end;
            return tok;
        }
        self.lex()
    }

    /// Consumes one optional `,` or `;`.
    fn skip_separator(&mut self) {
        if matches!(self.peek(), Ok(Tok::Comma | Tok::Semi)) {
            let _ = self.next();
        }
    }

    fn lex(&mut self) -> Result<Tok<'a>, TextError> {
        self.skip_space();
        self.start = self.pos;
        let Some(&b) = self.data.get(self.pos) else {
            return Ok(Tok::Eof);
        };
        self.pos += 1;
        let tok = match b {
            b':' => Tok::Colon,
            b'-' => Tok::Minus,
            b'{' => Tok::Open(b'}'),
            b'<' => Tok::Open(b'>'),
            b'}' | b'>' => Tok::Close(b),
            b'[' => Tok::ListOpen,
            b']' => Tok::ListClose,
            b',' => Tok::Comma,
            b';' => Tok::Semi,
            b'/' => Tok::Slash,
            b'.' if !self.data.get(self.pos).is_some_and(u8::is_ascii_digit) => Tok::Dot,
            b'"' | b'\'' => {
                let body = self.pos;
                loop {
                    match self.data.get(self.pos) {
                        None | Some(b'\n') => {
                            return Err(
                                self.err(self.start, "string literal not closed on its line")
                            );
                        }
                        Some(&c) if c == b => break,
                        Some(b'\\') => self.pos += 2,
                        Some(_) => self.pos += 1,
                    }
                }
                let s = &self.data[body..self.pos.min(self.data.len())];
                self.pos += 1;
                Tok::Str(s)
            }
            c if is_ident_start(c) => {
                while self.data.get(self.pos).is_some_and(|&c| is_ident_cont(c)) {
                    self.pos += 1;
                }
                Tok::Ident(&self.data[self.start..self.pos])
            }
            c if c.is_ascii_digit() || c == b'.' => {
                // Numbers: digits, hex, exponents with signs, suffixes. Only skipped.
                while let Some(&c) = self.data.get(self.pos) {
                    let exp_sign = (c == b'-' || c == b'+')
                        && matches!(self.data[self.pos - 1], b'e' | b'E')
                        && !self.data[self.start..self.pos].starts_with(b"0x");
                    if is_ident_cont(c) || c == b'.' || exp_sign {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                Tok::Scalar(&self.data[self.start..self.pos])
            }
            _ => return Err(self.err(self.start, format!("unexpected byte 0x{b:02x}"))),
        };
        Ok(tok)
    }
}

/// Decodes the escapes of one string literal body into `out` (C++ `TextFormat` semantics;
/// an unknown escape is kept with its backslash, as Python's parser keeps it).
fn unescape(body: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        if c != b'\\' || i + 1 >= body.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let e = body[i + 1];
        i += 2;
        let simple = match e {
            b'a' => Some(0x07),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'v' => Some(0x0b),
            b'\\' | b'\'' | b'"' | b'?' => Some(e),
            _ => None,
        };
        if let Some(v) = simple {
            out.push(v);
            continue;
        }
        let digits = |i: usize, max: usize, radix: u32| {
            let n = body[i..]
                .iter()
                .take(max)
                .take_while(|&&d| (d as char).is_digit(radix))
                .count();
            let v = body[i..i + n].iter().fold(0u32, |v, &d| {
                v * radix + (d as char).to_digit(radix).unwrap_or(0)
            });
            (n, v)
        };
        match e {
            b'0'..=b'7' => {
                let (n, v) = digits(i - 1, 3, 8);
                out.push(v as u8);
                i += n - 1;
            }
            b'x' | b'X' => match digits(i, 2, 16) {
                (0, _) => out.extend_from_slice(&[b'\\', e]),
                (n, v) => {
                    out.push(v as u8);
                    i += n;
                }
            },
            b'u' | b'U' => {
                let want = if e == b'u' { 4 } else { 8 };
                match digits(i, want, 16) {
                    (n, v) if n == want => {
                        let ch = char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER);
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        i += n;
                    }
                    _ => out.extend_from_slice(&[b'\\', e]),
                }
            }
            _ => out.extend_from_slice(&[b'\\', e]),
        }
    }
}

struct Parser<'a> {
    lx: Lexer<'a>,
    out: Transcoded,
    /// Output offsets of the length placeholders of messages still open.
    open: Vec<usize>,
    /// Maximum output size.
    limit: usize,
}

/// Width of a patched length: five varint bytes hold lengths below 2^35.
const LEN_WIDTH: usize = 5;

impl Parser<'_> {
    fn tag(&mut self, number: u32, text_at: usize) -> Result<(), TextError> {
        self.out
            .map
            .push((self.out.bytes.len() as u64, text_at as u64));
        write_varint(&mut self.out.bytes, (u64::from(number) << 3) | 2);
        self.check_size(text_at)
    }

    fn check_size(&self, text_at: usize) -> Result<(), TextError> {
        if self.out.bytes.len() > self.limit {
            return Err(self.lx.err(text_at, "transcoded output exceeds its bound"));
        }
        Ok(())
    }

    /// Emits the tag and a length placeholder of a message field; returns where the length is.
    fn open_msg(&mut self, number: u32, text_at: usize) -> Result<usize, TextError> {
        self.tag(number, text_at)?;
        let at = self.out.bytes.len();
        self.out
            .bytes
            .extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x00]);
        self.out
            .map
            .push((self.out.bytes.len() as u64, text_at as u64));
        self.open.push(at);
        Ok(at)
    }

    fn close(&mut self, at: usize) {
        let len = (self.out.bytes.len() - at - LEN_WIDTH) as u64;
        for (i, b) in self.out.bytes[at..at + LEN_WIDTH].iter_mut().enumerate() {
            let part = ((len >> (7 * i)) & 0x7f) as u8;
            *b = if i + 1 < LEN_WIDTH { part | 0x80 } else { part };
        }
    }

    fn close_msg(&mut self) {
        if let Some(at) = self.open.pop() {
            self.close(at);
        }
    }

    fn expect_string(&mut self) -> Result<Vec<u8>, TextError> {
        let mut s = Vec::new();
        match self.lx.next()? {
            Tok::Str(body) => unescape(body, &mut s),
            t => {
                return Err(self.lx.err(
                    self.lx.start,
                    format!("expected a string, found {}", describe(t)),
                ));
            }
        }
        // Adjacent literals concatenate.
        while let Ok(Tok::Str(body)) = self.lx.peek() {
            let _ = self.lx.next();
            unescape(body, &mut s);
        }
        Ok(s)
    }

    /// Parses fields until `close` (or the end of the input for the top level). `desc` is
    /// `None` for a message being skipped.
    fn message(
        &mut self,
        desc: Option<&'static Desc>,
        close: Option<u8>,
        depth: u32,
    ) -> Result<(), TextError> {
        if depth > MAX_DEPTH {
            return Err(self.lx.err(
                self.lx.start,
                format!("messages nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        loop {
            let tok = self.lx.next()?;
            let at = self.lx.start;
            let field = match tok {
                Tok::Eof if close.is_none() => return Ok(()),
                Tok::Close(c) if Some(c) == close => return Ok(()),
                Tok::Ident(name) => desc.and_then(|d| d.field(name)),
                Tok::ListOpen => {
                    // `[extension.name]` or `[type.googleapis.com/pkg.Type]`: skipped.
                    loop {
                        match self.lx.next()? {
                            Tok::ListClose => break,
                            Tok::Ident(_) | Tok::Dot | Tok::Slash | Tok::Scalar(_) => {}
                            t => {
                                return Err(self.lx.err(
                                    self.lx.start,
                                    format!("unexpected {} in an extension name", describe(t)),
                                ));
                            }
                        }
                    }
                    None
                }
                t => {
                    return Err(self
                        .lx
                        .err(at, format!("expected a field name, found {}", describe(t))));
                }
            };
            self.field_value(field, at, depth)?;
            self.lx.skip_separator();
        }
    }

    /// Parses the value(s) of one field (after its name) and emits them if `field` is known.
    fn field_value(
        &mut self,
        field: Option<&'static FieldDesc>,
        at: usize,
        depth: u32,
    ) -> Result<(), TextError> {
        if self.lx.peek()? == Tok::Colon {
            self.lx.next()?;
        }
        if self.lx.peek()? == Tok::ListOpen {
            self.lx.next()?;
            if self.lx.peek()? == Tok::ListClose {
                self.lx.next()?;
                return Ok(());
            }
            loop {
                self.one_value(field, at, depth)?;
                match self.lx.next()? {
                    Tok::Comma => {}
                    Tok::ListClose => return Ok(()),
                    t => {
                        return Err(self.lx.err(
                            self.lx.start,
                            format!("expected `,` or `]`, found {}", describe(t)),
                        ));
                    }
                }
            }
        }
        self.one_value(field, at, depth)
    }

    fn one_value(
        &mut self,
        field: Option<&'static FieldDesc>,
        at: usize,
        depth: u32,
    ) -> Result<(), TextError> {
        match (self.lx.peek()?, field.map(|f| (f.number, f.ty))) {
            (Tok::Open(close), Some((number, Ty::Msg(desc)))) => {
                self.lx.next()?;
                self.open_msg(number, at)?;
                self.message(Some(desc), Some(close), depth + 1)?;
                self.close_msg();
                Ok(())
            }
            (Tok::Open(close), _) => {
                self.lx.next()?;
                self.message(None, Some(close), depth + 1)
            }
            (Tok::Str(_), Some((number, Ty::Str))) => {
                let s = self.expect_string()?;
                self.tag(number, at)?;
                write_varint(&mut self.out.bytes, s.len() as u64);
                self.out.bytes.extend_from_slice(&s);
                self.check_size(at)
            }
            (Tok::Str(_), _) => self.expect_string().map(drop),
            (Tok::Minus, _) => {
                self.lx.next()?;
                match self.lx.next()? {
                    Tok::Scalar(_) | Tok::Ident(_) => Ok(()),
                    t => Err(self.lx.err(
                        self.lx.start,
                        format!("expected a number after `-`, found {}", describe(t)),
                    )),
                }
            }
            (Tok::Scalar(_) | Tok::Ident(_), _) => self.lx.next().map(drop),
            (t, _) => {
                self.lx.next()?;
                Err(self.lx.err(
                    self.lx.start,
                    format!("expected a value, found {}", describe(t)),
                ))
            }
        }
    }
}

fn describe(t: Tok<'_>) -> String {
    let show = |b: &[u8]| String::from_utf8_lossy(&b[..b.len().min(40)]).into_owned();
    match t {
        Tok::Ident(b) => format!("`{}`", show(b)),
        Tok::Scalar(b) => format!("`{}`", show(b)),
        Tok::Str(_) => "a string".into(),
        Tok::Colon => "`:`".into(),
        Tok::Minus => "`-`".into(),
        Tok::Open(c) => format!("`{}`", if c == b'}' { '{' } else { '<' }),
        Tok::Close(c) => format!("`{}`", c as char),
        Tok::ListOpen => "`[`".into(),
        Tok::ListClose => "`]`".into(),
        Tok::Comma => "`,`".into(),
        Tok::Semi => "`;`".into(),
        Tok::Slash => "`/`".into(),
        Tok::Dot => "`.`".into(),
        Tok::Eof => "the end of the input".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::protobuf::{Fields, Value, is_well_formed};
    use super::*;
    use proptest::prelude::*;

    /// (field number, payload) of the top-level fields, strings as text.
    fn fields(b: &[u8]) -> Vec<(u32, Vec<u8>)> {
        Fields::new(b, 0)
            .map(|f| {
                let f = f.expect("well formed");
                match f.value {
                    Value::Len(p) => (f.number, p.to_vec()),
                    v => panic!("unexpected {v:?}"),
                }
            })
            .collect()
    }

    fn ok(text: &str, root: &'static Desc) -> Vec<u8> {
        let t = transcode(text.as_bytes(), root);
        assert_eq!(t.error, None, "{text}");
        assert!(is_well_formed(&t.bytes));
        t.bytes
    }

    #[test]
    fn sniff_claims_tensorflow_text_and_nothing_else() {
        for (text, kind) in [
            (
                "saved_model_schema_version: 1\nmeta_graphs {\n  meta_info_def {",
                TextKind::SavedModel,
            ),
            ("# exported\nmeta_graphs: < >", TextKind::SavedModel),
            ("meta_graphs [{", TextKind::SavedModel),
            ("node {}", TextKind::GraphDef),
            ("node {\n  name: \"a\"", TextKind::GraphDef),
            ("versions { producer: 1 }\nnode {", TextKind::GraphDef),
            ("version: -3; library { function", TextKind::GraphDef),
        ] {
            assert_eq!(sniff(text.as_bytes()), Some(kind), "{text}");
        }
        for text in [
            "version: 1\nname: model\n",
            "node: worker-1\n",
            "node {{ name }}",
            "{\"node\": {}}",
            "meta_graphs = {",
            "version: 1\nnode: x",
            "saved_model_schema_version: 1\nnode {",
            "",
            "\u{feff}node {",
        ] {
            assert_eq!(sniff(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn strings_decode_every_escape() {
        let b = ok(
            r#"node { name: "a\n\t\\\"\'\?\a\b\f\v\r" 'b' op: "\x50\171\u0046unc\U0001F600\q" }"#,
            &GRAPH_DEF,
        );
        let node = fields(&b);
        assert_eq!(node.len(), 1);
        let inner = fields(&node[0].1);
        assert_eq!(inner[0], (1, b"a\n\t\\\"'?\x07\x08\x0c\x0b\rb".to_vec()));
        assert_eq!(inner[1], (2, "PyFunc\u{1F600}\\q".as_bytes().to_vec()));
    }

    #[test]
    fn syntax_variants_give_the_same_bytes() {
        let plain = ok(
            "node { name: \"a\" op: \"ReadFile\" input: \"x\" input: \"y\" attr { key: \"k\" value { s: \"v\" } } }",
            &GRAPH_DEF,
        );
        for text in [
            "node: < name: 'a', op: \"Read\" \"File\"; input: [\"x\", \"y\"] attr [{key: \"k\" value: {s: \"v\"}}] >",
            "# comment\nnode {\n name: \"a\" # trailing\n op: \"ReadFile\"\n input: \"x\"\n input: \"y\"\n attr { key: \"k\" value { s: \"v\" } }\n}\n",
            "versions { producer: 1882 min_consumer: -12 bad_consumers: [1, 2] }\nnode { name: \"a\" device: \"\" op: \"ReadFile\" input: \"x\" input: \"y\" attr { key: \"k\" value { s: \"v\" } } experimental_type { type_id: TFT_PRODUCT } }",
            "node { [ext.field] { x: 1 } [type.googleapis.com/tensorflow.Foo] < y: 'z' > name: \"a\" op: \"ReadFile\" input: \"x\" input: \"y\" attr { key: \"k\" value { f: 1.5e-3 b: true i: 0x1F s: \"v\" } } }",
        ] {
            let b = ok(text, &GRAPH_DEF);
            // Unknown or skipped fields leave no trace; the device string is a known field.
            let strip = |b: &[u8]| {
                let node = fields(b);
                fields(&node[0].1)
                    .into_iter()
                    .filter(|(n, _)| *n != 4)
                    .collect::<Vec<_>>()
            };
            assert_eq!(strip(&plain), strip(&b), "{text}");
        }
    }

    #[test]
    fn errors_close_open_messages_and_say_where() {
        let text =
            "node {\n  name: \"a\"\n  op: \"WriteFile\"\n  attr { key: \"x\" value { s: 12 } }\n";
        let t = transcode(text.as_bytes(), &GRAPH_DEF);
        let e = t.error.expect("an error");
        assert_eq!(e.line_col(text.as_bytes()), (5, 1));
        assert!(e.message.contains("end of the input"), "{}", e.message);
        assert!(is_well_formed(&t.bytes));
        let node = fields(&t.bytes);
        assert_eq!(fields(&node[0].1)[1], (2, b"WriteFile".to_vec()));

        for (bad, msg) in [
            ("node { name: \"a }", "not closed"),
            ("node { name: \"a\" >", "expected a field name"),
            ("node { op: [\"a\" \"b\" }", "expected `,` or `]`"),
            ("node { op: - }", "after `-`"),
            ("node { op: \u{1} }", "unexpected byte"),
        ] {
            let t = transcode(bad.as_bytes(), &GRAPH_DEF);
            let e = t.error.unwrap_or_else(|| panic!("{bad}"));
            assert!(e.message.contains(msg), "{bad}: {}", e.message);
            assert!(is_well_formed(&t.bytes));
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "node { attr { value { list { func { attr { value { func {".repeat(40);
        let t = transcode(deep.as_bytes(), &GRAPH_DEF);
        assert!(t.error.expect("error").message.contains("nested deeper"));
        let skipped = format!("versions {}", "{ a ".repeat(100_000));
        let t = transcode(skipped.as_bytes(), &GRAPH_DEF);
        assert!(t.error.expect("error").message.contains("nested deeper"));
    }

    #[test]
    fn text_offsets_map_back_to_fields() {
        let text = "node {\n  name: \"a\"\n  op: \"PyFunc\"\n}\nnode { name: \"b\" }";
        let t = transcode(text.as_bytes(), &GRAPH_DEF);
        let mut offsets = Vec::new();
        for f in Fields::new(&t.bytes, 0) {
            let f = f.expect("well formed");
            offsets.push(t.text_offset(f.offset) as usize);
            if let Value::Len(p) = f.value {
                let base = f.offset;
                for g in Fields::new(p, base) {
                    offsets.push(t.text_offset(g.expect("ok").offset) as usize);
                }
            }
        }
        let at: Vec<&str> = offsets.iter().map(|&o| &text[o..o + 4]).collect();
        assert_eq!(at, ["node", "name", "op: ", "node", "name"]);
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..1024)) {
            let _ = sniff(&data);
            let t = transcode(&data, &SAVED_MODEL);
            prop_assert!(is_well_formed(&t.bytes));
            prop_assert!(t.bytes.len() <= data.len() * 2 + 64);
        }

        #[test]
        fn token_soup_never_panics(toks in proptest::collection::vec(prop::sample::select(vec![
            "node", "meta_graphs", "graph_def", "library", "function", "node_def", "attr", "key",
            "value", "list", "s", "func", "name", "op", "input", "tensor", "string_val", "{", "}",
            "<", ">", "[", "]", ":", ",", ";", "-", "1", "1e-5", "\"x\\\"\"", "'\\x4'", "\"\\u12\"",
            "#c\n", "/", ".", "\n", "\"\\",
        ]), 0..64)) {
            let text = toks.join(" ");
            let _ = sniff(text.as_bytes());
            for root in [&SAVED_MODEL, &GRAPH_DEF] {
                let t = transcode(text.as_bytes(), root);
                prop_assert!(is_well_formed(&t.bytes));
                prop_assert!(t.bytes.len() <= text.len() * 2 + 64);
            }
        }
    }
}
