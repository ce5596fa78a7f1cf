//! Template-injection analysis over the lexed template.
//!
//! Two layers, so that a payload is caught even when one of them is fooled:
//! 1. token checks that need no parsing: dunder names, string literals naming Python
//!    internals or hiding characters behind escapes, and dunder words anywhere in code text;
//! 2. an expression parser with a small abstract interpreter that folds the string operations
//!    template-injection payloads use to build names (`~`, `+`, `*`, `%`, `|format`, `|join`,
//!    `|replace`, `|reverse`, `.format()`, slicing, `{% set %}` variables) and judges every
//!    attribute access (`.x`, `['x']`, `|attr(x)`, `map(attribute=x)`) on the resolved name.

use super::lex::{self, Block, BlockKind, Tok, TokKind};
use crate::rules::Rule;
use crate::rules::template::{dangerous_call, obfuscated_attribute, sandbox_escape};
use mlsec_core::Severity;
use std::collections::HashMap;

/// Parser recursion bound (nested parentheses, brackets, conditionals).
const MAX_DEPTH: u32 = 96;
/// Longest string the interpreter builds; longer results become unknown.
const MAX_STR: usize = 1024;
/// Most elements the interpreter keeps in a list.
const MAX_LIST: usize = 64;
/// Most distinct findings kept per template (the template is flagged long before).
const MAX_HITS: usize = 256;

/// Jinja globals (and Flask's) whose attributes lead to Python function globals.
#[rustfmt::skip]
const ESCAPE_GLOBALS: &[&str] = &[
    "cycler", "joiner", "namespace", "lipsum", "range", "dict", "self", "config", "request",
    "url_for", "get_flashed_messages", "g", "session",
];

/// Dunder names used to walk from any object to modules, builtins or code.
#[rustfmt::skip]
const DUNDERS: &[&str] = &[
    "__class__", "__mro__", "__base__", "__bases__", "__subclasses__", "__globals__",
    "__builtins__", "__import__", "__init__", "__dict__", "__getattribute__", "__getattr__",
    "__code__", "__func__", "__self__", "__reduce__", "__reduce_ex__", "__loader__", "__spec__",
    "__call__", "__closure__", "__defaults__", "__kwdefaults__", "__getitem__", "__setattr__",
    "__delattr__", "__new__", "__subclasshook__", "__module__", "__name__", "__qualname__",
    "__wrapped__", "__objclass__", "__traceback__", "__file__", "__enter__", "__exit__",
    "__init_subclass__", "__class_getitem__", "__annotations__", "__doc__", "__weakref__",
];

/// Attributes that end a payload: process, import and evaluation primitives.
#[rustfmt::skip]
const DANGEROUS_ATTRS: &[&str] = &[
    "os", "popen", "system", "subprocess", "eval", "exec", "execfile", "import_module",
    "check_output", "check_call", "getoutput", "getstatusoutput", "spawnl", "spawnle", "spawnlp",
    "spawnv", "spawnve", "spawnvp", "execl", "execle", "execlp", "execv", "execve", "execvp",
    "load_module", "modules", "builtins", "Popen", "run_path", "run_module", "getattr", "compile",
    "posix", "pty",
];

/// Of [`DANGEROUS_ATTRS`], those no template calls for a benign reason (`.system` or
/// `.modules` may be plain data fields; `.popen(...)` is not).
#[rustfmt::skip]
const DANGEROUS_CALLS: &[&str] = &[
    "popen", "system", "eval", "exec", "execfile", "import_module", "check_output", "check_call",
    "getoutput", "getstatusoutput", "spawnl", "spawnle", "spawnlp", "spawnv", "spawnve", "spawnvp",
    "execl", "execle", "execlp", "execv", "execve", "execvp", "load_module", "Popen", "run_path",
    "run_module",
];

/// Frame, generator and code attributes: Python internals without underscores.
#[rustfmt::skip]
const FRAME_ATTRS: &[&str] = &[
    "f_globals", "f_locals", "f_back", "f_builtins", "f_code", "gi_frame", "gi_code", "cr_frame",
    "ag_frame", "tb_frame", "tb_next", "func_globals", "func_code", "co_code", "co_consts",
];

/// `str` methods the interpreter evaluates when called on a known string.
#[rustfmt::skip]
const STR_METHODS: &[&str] = &[
    "format", "join", "replace", "upper", "lower", "strip", "lstrip", "rstrip", "title",
    "capitalize", "swapcase", "split", "center", "zfill", "casefold",
];

/// One finding of the analysis, before it is reported.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub rule: &'static Rule,
    pub severity: Severity,
    pub off: usize,
    pub message: String,
    pub evidence: String,
}

/// What analysing one template produced.
#[derive(Debug, Default)]
pub(crate) struct Analysis {
    pub hits: Vec<Hit>,
    /// Lexing problems: the template is not valid Jinja from this offset on.
    pub lex_issues: Vec<lex::LexIssue>,
    /// The token or nesting limit was reached; the rest was checked by the token layer only.
    pub limit_hit: bool,
    vars: HashMap<String, Av>,
}

impl Analysis {
    fn hit(
        &mut self,
        rule: &'static Rule,
        severity: Severity,
        off: usize,
        message: String,
        evidence: &str,
    ) {
        let evidence: String = evidence.chars().take(120).collect();
        if let Some(h) = self
            .hits
            .iter_mut()
            .find(|h| h.rule.code == rule.code && h.evidence == evidence)
        {
            if severity > h.severity {
                h.severity = severity;
                h.message = message;
                h.off = off;
            }
            return;
        }
        if self.hits.len() >= MAX_HITS {
            return;
        }
        self.hits.push(Hit {
            rule,
            severity,
            off,
            message,
            evidence,
        });
    }
}

/// An abstract value: what the interpreter knows about an expression.
#[derive(Debug, Clone, PartialEq)]
enum Av {
    Unknown,
    /// A string known at analysis time; `computed` when produced by an operation rather than
    /// written as one literal.
    Str(String, bool),
    Int(i64),
    List(Vec<Av>),
    /// One of [`ESCAPE_GLOBALS`].
    Global(&'static str),
    /// An object reached through a dunder or private attribute.
    Internal,
    /// A bound `str` method of a known string.
    Method(Box<Av>, String),
}

/// Analyses a whole template.
pub(crate) fn analyze(src: &str) -> Analysis {
    let lexed = lex::lex(src);
    let mut an = Analysis {
        lex_issues: lexed.issues.clone(),
        limit_hit: lexed.token_limit_hit,
        ..Default::default()
    };
    let mut pending_set: Option<(String, usize)> = None;
    for (idx, block) in lexed.blocks.iter().enumerate() {
        let clean = !block
            .toks
            .iter()
            .any(|t| matches!(t.kind, TokKind::Other(_)))
            && !lexed
                .issues
                .iter()
                .any(|i| (block.start..=block.end).contains(&i.off));
        token_checks(&mut an, src, block, clean);
        let mut p = Parser {
            toks: &block.toks,
            i: 0,
            depth: 0,
            an: &mut an,
        };
        match block.kind {
            BlockKind::Expr => p.run_generic(),
            BlockKind::Stmt => {
                if let Some(name) = p.statement() {
                    pending_set = Some((name, idx));
                }
                if is_endset(block)
                    && let Some((name, at)) = pending_set.take()
                {
                    // `{% set x %}data{% endset %}`: the body is a string when it holds
                    // no code.
                    let v = if at + 1 == idx {
                        let text: String = block
                            .data_before
                            .iter()
                            .filter_map(|&(a, b)| src.get(a..b))
                            .collect();
                        // Judged where it is used as a name, not here: prose in a
                        // captured block may well contain `__bold__` markdown.
                        Av::Str(text, true)
                    } else {
                        Av::Unknown
                    };
                    an.vars.insert(name, v);
                }
            }
        }
    }
    // Where lexing stopped (a construct Jinja rejects, or the token limit), the rest of the
    // text is still searched for dunder names, so the problem reported for it is accurate.
    let stopped = lexed.issues.first().map(|i| i.off).or_else(|| {
        lexed
            .token_limit_hit
            .then(|| lexed.blocks.last().map_or(0, |b| b.end))
    });
    if let Some(from) = stopped
        && let Some(rest) = src.get(from..)
    {
        for w in dunder_words(rest) {
            if DUNDERS.contains(&w) {
                let off = from + (w.as_ptr() as usize - rest.as_ptr() as usize);
                an.hit(
                    &sandbox_escape::RULE,
                    Severity::Critical,
                    off,
                    format!("template text mentions the Python internal `{w}`"),
                    w,
                );
            }
        }
    }
    an
}

fn is_endset(block: &Block) -> bool {
    matches!(block.toks.first(), Some(Tok { kind: TokKind::Name(n), .. }) if n == "endset")
}

/// Layer 1: checks on tokens and raw code text.
fn token_checks(an: &mut Analysis, src: &str, block: &Block, clean: bool) {
    for t in &block.toks {
        match &t.kind {
            TokKind::Name(n) if n.starts_with("__") => an.hit(
                &sandbox_escape::RULE,
                Severity::Critical,
                t.off,
                format!("template uses the Python internal `{n}`, the start of a sandbox escape"),
                n,
            ),
            TokKind::Str { val, hidden } => {
                if *hidden {
                    an.hit(
                        &obfuscated_attribute::RULE,
                        Severity::High,
                        t.off,
                        format!(
                            "string literal hides characters behind escapes (decodes to `{}`)",
                            short(val)
                        ),
                        val,
                    );
                }
                // A literal that is a name or an attribute path (`'__globals__'`,
                // `'{0.__class__}'`), not prose that happens to mention one.
                let name_like = !val.chars().any(char::is_whitespace);
                for w in dunder_words(val) {
                    if name_like && (DUNDERS.contains(&w) || val == w) {
                        an.hit(
                            &sandbox_escape::RULE,
                            Severity::Critical,
                            t.off,
                            format!("string literal names the Python internal `{w}`"),
                            w,
                        );
                    }
                }
            }
            _ => {}
        }
    }
    // Dunder words anywhere in the code text of a block the lexer could not read cleanly
    // (escaped quotes in YAML, unbalanced literals): its tokens cannot be trusted.
    if clean {
        return;
    }
    if let Some(code) = src.get(block.start..block.end) {
        for w in dunder_words(code) {
            if DUNDERS.contains(&w) {
                // `w` is a slice of `code`: its offset is the pointer difference.
                let off = block.start + (w.as_ptr() as usize - code.as_ptr() as usize);
                an.hit(
                    &sandbox_escape::RULE,
                    Severity::Critical,
                    off,
                    format!("template code mentions the Python internal `{w}`"),
                    w,
                );
            }
        }
    }
}

/// `__word__` occurrences in `s`.
fn dunder_words(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = s.get(i..).and_then(|r| r.find("__")).map(|p| p + i) {
        let mut j = p + 2;
        while b
            .get(j)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            j += 1;
        }
        // `j` is past the identifier; it is a dunder when it ends with `__` and has a middle.
        let word = &s[p..j];
        if word.len() > 4
            && word.ends_with("__")
            && word[2..word.len() - 2].bytes().any(|c| c != b'_')
        {
            out.push(word);
        }
        i = j.max(p + 2);
    }
    out
}

fn short(s: &str) -> String {
    let t: String = s.chars().take(60).collect();
    if t.len() < s.len() {
        format!("{t}…")
    } else {
        t
    }
}

/// How an attribute name reached an access, for messages and for which checks apply.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Via {
    Dot,
    Subscript,
    AttrFilter,
    /// `map(attribute=…)`, `selectattr(…)`, `sort(attribute=…)`: dotted paths allowed.
    AttributeArg,
}

struct Args {
    pos: Vec<Av>,
    kw: Vec<(String, Av)>,
}

impl Args {
    fn kw(&self, name: &str) -> Option<&Av> {
        self.kw.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

struct Parser<'t, 'a> {
    toks: &'t [Tok],
    i: usize,
    depth: u32,
    an: &'a mut Analysis,
}

#[rustfmt::skip]
const STMT_WORDS: &[&str] = &[
    "in", "as", "import", "with", "without", "context", "ignore", "missing", "recursive", "scoped",
    "required", "else", "endif", "endfor", "endset", "endmacro", "endcall", "endfilter", "endwith",
    "endblock", "endraw", "endgeneration", "break", "continue",
];

impl Parser<'_, '_> {
    fn peek(&self) -> Option<&TokKind> {
        self.toks.get(self.i).map(|t| &t.kind)
    }

    fn off(&self) -> usize {
        self.toks
            .get(self.i)
            .or(self.toks.last())
            .map(|t| t.off)
            .unwrap_or(0)
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Some(TokKind::Op(o)) if *o == op)
    }

    fn is_name(&self, n: &str) -> bool {
        matches!(self.peek(), Some(TokKind::Name(x)) if x == n)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        let r = self.is_op(op);
        if r {
            self.i += 1;
        }
        r
    }

    fn eat_name(&mut self, n: &str) -> bool {
        let r = self.is_name(n);
        if r {
            self.i += 1;
        }
        r
    }

    fn name(&mut self) -> Option<String> {
        match self.peek() {
            Some(TokKind::Name(n)) => {
                let n = n.clone();
                self.i += 1;
                Some(n)
            }
            _ => None,
        }
    }

    /// Evaluates every expression in the rest of the block, skipping statement keywords.
    fn run_generic(&mut self) {
        while self.i < self.toks.len() {
            let skip = match self.peek() {
                Some(TokKind::Name(n)) => STMT_WORDS.contains(&n.as_str()),
                Some(TokKind::Op(o)) => matches!(*o, "," | "=" | ")" | "]" | "}" | ":" | ";"),
                Some(TokKind::Other(_)) => true,
                _ => false,
            };
            if skip {
                self.i += 1;
                continue;
            }
            let before = self.i;
            self.expr();
            if self.i == before {
                self.i += 1;
            }
        }
    }

    /// Handles one `{% … %}` block. Returns the variable name of a block `{% set x %}`.
    fn statement(&mut self) -> Option<String> {
        let kw = self.name()?;
        match kw.as_str() {
            "set" => {
                let start = self.i;
                if let Some(target) = self.name() {
                    if self.i == self.toks.len() {
                        return Some(target);
                    }
                    if self.eat_op("=") {
                        let v = self.expr();
                        self.an.vars.insert(target, v);
                    } else {
                        self.i = start;
                    }
                }
                self.run_generic();
            }
            "for" => {
                while self.i < self.toks.len() && !self.is_name("in") {
                    if let Some(TokKind::Name(n)) = self.peek() {
                        let n = n.clone();
                        self.an.vars.remove(&n);
                    }
                    self.i += 1;
                }
                self.run_generic();
            }
            "macro" | "call" => {
                self.name();
                if self.eat_op("(") {
                    while self.i < self.toks.len() && !self.eat_op(")") {
                        if let Some(n) = self.name() {
                            self.an.vars.remove(&n);
                            if self.eat_op("=") {
                                self.expr();
                            }
                        } else {
                            self.i += 1;
                        }
                    }
                }
                self.run_generic();
            }
            "filter" => {
                // `{% filter attr('x') %}` applies a filter to the block body.
                let off = self.off();
                if let Some(f) = self.name() {
                    let args = if self.eat_op("(") {
                        self.call_args()
                    } else {
                        Args {
                            pos: vec![],
                            kw: vec![],
                        }
                    };
                    self.filter(Av::Unknown, &f, args, off);
                }
                self.run_generic();
            }
            _ => self.run_generic(),
        }
        None
    }

    fn expr(&mut self) -> Av {
        if self.depth >= MAX_DEPTH {
            self.an.limit_hit = true;
            self.i = self.toks.len();
            return Av::Unknown;
        }
        self.depth += 1;
        let v = self.or_expr();
        let r = if self.eat_name("if") {
            self.or_expr();
            if self.eat_name("else") {
                either(v, self.expr())
            } else {
                v
            }
        } else {
            v
        };
        self.depth -= 1;
        r
    }

    fn or_expr(&mut self) -> Av {
        let mut v = self.and_expr();
        while self.eat_name("or") {
            let r = self.and_expr();
            v = either(v, r);
        }
        v
    }

    fn and_expr(&mut self) -> Av {
        let mut v = self.not_expr();
        while self.eat_name("and") {
            let r = self.not_expr();
            v = either(r, v);
        }
        v
    }

    fn not_expr(&mut self) -> Av {
        let mut negated = false;
        while self.eat_name("not") {
            negated = true;
        }
        let v = self.compare();
        if negated { Av::Unknown } else { v }
    }

    fn compare(&mut self) -> Av {
        let mut v = self.math1();
        loop {
            let is_cmp = matches!(
                self.peek(),
                Some(TokKind::Op("==" | "!=" | ">" | ">=" | "<" | "<="))
            ) || self.is_name("in");
            if is_cmp {
                self.i += 1;
            } else if self.is_name("not")
                && matches!(self.toks.get(self.i + 1).map(|t| &t.kind), Some(TokKind::Name(n)) if n == "in")
            {
                self.i += 2;
            } else {
                return v;
            }
            self.math1();
            v = Av::Unknown;
        }
    }

    fn math1(&mut self) -> Av {
        let mut v = self.concat();
        loop {
            let off = self.off();
            if self.eat_op("+") {
                let r = self.concat();
                v = self.add(v, r, off);
            } else if self.eat_op("-") {
                self.concat();
                v = Av::Unknown;
            } else {
                return v;
            }
        }
    }

    fn concat(&mut self) -> Av {
        let mut v = self.math2();
        loop {
            let off = self.off();
            if !self.eat_op("~") {
                return v;
            }
            let r = self.math2();
            v = match (to_text(&v), to_text(&r)) {
                (Some(a), Some(b)) => self.an.computed(a + &b, off, "string concatenation"),
                _ => Av::Unknown,
            };
        }
    }

    fn math2(&mut self) -> Av {
        let mut v = self.pow();
        loop {
            let off = self.off();
            let op = match self.peek() {
                Some(TokKind::Op(o @ ("*" | "/" | "//" | "%"))) => *o,
                _ => return v,
            };
            self.i += 1;
            let r = self.pow();
            v = match op {
                "*" => self.mul(v, r, off),
                "%" => match v {
                    Av::Str(f, _) => printf(self.an, &f, &r, off),
                    Av::Int(a) => match r {
                        Av::Int(b) if b != 0 => Av::Int(a.rem_euclid(b)),
                        _ => Av::Unknown,
                    },
                    _ => Av::Unknown,
                },
                _ => Av::Unknown,
            };
        }
    }

    fn pow(&mut self) -> Av {
        let v = self.unary();
        if self.eat_op("**") {
            self.unary();
            return Av::Unknown;
        }
        v
    }

    fn unary(&mut self) -> Av {
        let mut negate = false;
        loop {
            if self.eat_op("-") {
                negate = !negate;
            } else if !self.eat_op("+") {
                break;
            }
        }
        let v = self.primary();
        let v = self.postfix(v);
        let v = self.filters(v);
        match (negate, v) {
            (false, v) => v,
            (true, Av::Int(n)) => Av::Int(n.saturating_neg()),
            (true, _) => Av::Unknown,
        }
    }

    fn primary(&mut self) -> Av {
        let Some(tok) = self.toks.get(self.i) else {
            return Av::Unknown;
        };
        let off = tok.off;
        match &tok.kind {
            TokKind::Name(n) => {
                self.i += 1;
                match n.as_str() {
                    "true" | "false" | "True" | "False" | "none" | "None" => Av::Unknown,
                    _ => {
                        if let Some(v) = self.an.vars.get(n) {
                            return v.clone();
                        }
                        match ESCAPE_GLOBALS.iter().find(|g| **g == n) {
                            Some(g) => Av::Global(g),
                            None => Av::Unknown,
                        }
                    }
                }
            }
            TokKind::Str { .. } => {
                // Adjacent literals concatenate, as in Python.
                let mut s = String::new();
                let mut n = 0;
                while let Some(TokKind::Str { val, .. }) = self.peek() {
                    s.push_str(val);
                    n += 1;
                    self.i += 1;
                }
                if n > 1 {
                    self.an.computed(s, off, "adjacent string literals")
                } else if s.len() > MAX_STR {
                    // Long prose is checked by the token layer; names are short.
                    Av::Unknown
                } else {
                    Av::Str(s, false)
                }
            }
            TokKind::Int(v) => {
                let v = *v;
                self.i += 1;
                v.map(Av::Int).unwrap_or(Av::Unknown)
            }
            TokKind::Float => {
                self.i += 1;
                Av::Unknown
            }
            TokKind::Op("(") => {
                self.i += 1;
                if self.eat_op(")") {
                    return Av::List(Vec::new());
                }
                let first = self.expr();
                if self.eat_op(")") {
                    return first;
                }
                let mut items = vec![first];
                while self.eat_op(",") {
                    if self.is_op(")") {
                        break;
                    }
                    let before = self.i;
                    items.push(self.expr());
                    if self.i == before {
                        break;
                    }
                }
                self.eat_op(")");
                Av::List(cap_list(items))
            }
            TokKind::Op("[") => {
                self.i += 1;
                let mut items = Vec::new();
                while self.i < self.toks.len() && !self.eat_op("]") {
                    if self.eat_op(",") {
                        continue;
                    }
                    let before = self.i;
                    items.push(self.expr());
                    if self.i == before {
                        self.i += 1;
                    }
                }
                Av::List(cap_list(items))
            }
            TokKind::Op("{") => {
                self.i += 1;
                while self.i < self.toks.len() && !self.eat_op("}") {
                    if self.eat_op(",") || self.eat_op(":") {
                        continue;
                    }
                    let before = self.i;
                    self.expr();
                    if self.i == before {
                        self.i += 1;
                    }
                }
                Av::Unknown
            }
            _ => Av::Unknown,
        }
    }

    fn postfix(&mut self, mut v: Av) -> Av {
        loop {
            let off = self.off();
            if self.eat_op(".") {
                match self.peek() {
                    Some(TokKind::Name(n)) => {
                        let n = n.clone();
                        self.i += 1;
                        v = self.getattr(v, &Av::Str(n, false), off, Via::Dot);
                    }
                    Some(TokKind::Int(_)) => {
                        self.i += 1;
                        v = Av::Unknown;
                    }
                    _ => return v,
                }
            } else if self.eat_op("[") {
                v = self.subscript(v, off);
            } else if self.eat_op("(") {
                let args = self.call_args();
                v = self.call(v, args, off);
            } else {
                return v;
            }
        }
    }

    fn subscript(&mut self, v: Av, off: usize) -> Av {
        let mut parts: Vec<Option<Av>> = Vec::new();
        let mut cur: Option<Av> = None;
        let mut slice = false;
        while self.i < self.toks.len() && !self.is_op("]") {
            if self.eat_op(":") {
                slice = true;
                parts.push(cur.take());
                continue;
            }
            if self.eat_op(",") {
                continue;
            }
            let before = self.i;
            cur = Some(self.expr());
            if self.i == before {
                self.i += 1;
            }
        }
        self.eat_op("]");
        parts.push(cur);
        if slice {
            let int = |p: Option<&Option<Av>>| match p {
                Some(Some(Av::Int(n))) => Some(Some(*n)),
                Some(None) | None => Some(None),
                _ => None,
            };
            let (Some(a), Some(b), Some(c)) =
                (int(parts.first()), int(parts.get(1)), int(parts.get(2)))
            else {
                return Av::Unknown;
            };
            return match v {
                Av::Str(s, _) => {
                    let chars: Vec<char> = s.chars().collect();
                    match slice_indices(chars.len(), a, b, c) {
                        Some(ix) => self.an.computed(
                            ix.into_iter().map(|i| chars[i]).collect(),
                            off,
                            "slicing",
                        ),
                        None => Av::Unknown,
                    }
                }
                Av::List(items) => match slice_indices(items.len(), a, b, c) {
                    Some(ix) => Av::List(ix.into_iter().map(|i| items[i].clone()).collect()),
                    None => Av::Unknown,
                },
                _ => Av::Unknown,
            };
        }
        let key = parts.pop().flatten().unwrap_or(Av::Unknown);
        match (&v, &key) {
            (Av::List(items), Av::Int(n)) => index(items.len(), *n)
                .map(|i| items[i].clone())
                .unwrap_or(Av::Unknown),
            (Av::Str(s, _), Av::Int(n)) => {
                let chars: Vec<char> = s.chars().collect();
                index(chars.len(), *n)
                    .map(|i| Av::Str(chars[i].to_string(), true))
                    .unwrap_or(Av::Unknown)
            }
            // Jinja's getitem falls back to getattr: `x['__class__']` is `x.__class__`.
            (_, Av::Str(..)) => self.getattr(v, &key, off, Via::Subscript),
            (Av::Internal, _) => Av::Internal,
            _ => Av::Unknown,
        }
    }

    fn call_args(&mut self) -> Args {
        let mut args = Args {
            pos: Vec::new(),
            kw: Vec::new(),
        };
        while self.i < self.toks.len() && !self.eat_op(")") {
            if self.eat_op(",") {
                continue;
            }
            if self.eat_op("*") || self.eat_op("**") {
                self.expr();
                continue;
            }
            let is_kw = matches!(self.peek(), Some(TokKind::Name(_)))
                && matches!(
                    self.toks.get(self.i + 1).map(|t| &t.kind),
                    Some(TokKind::Op("="))
                );
            if is_kw {
                let k = self.name().unwrap_or_default();
                self.i += 1;
                let v = self.expr();
                args.kw.push((k, v));
                continue;
            }
            let before = self.i;
            let v = self.expr();
            args.pos.push(v);
            if self.i == before {
                self.i += 1;
            }
        }
        args
    }

    fn filters(&mut self, mut v: Av) -> Av {
        loop {
            let off = self.off();
            if self.eat_op("|") {
                let Some(mut f) = self.name() else { return v };
                while self.eat_op(".") {
                    if let Some(n) = self.name() {
                        f = format!("{f}.{n}");
                    }
                }
                let args = if self.eat_op("(") {
                    self.call_args()
                } else {
                    Args {
                        pos: vec![],
                        kw: vec![],
                    }
                };
                v = self.filter(v, &f, args, off);
                v = self.postfix(v);
            } else if self.eat_name("is") {
                self.eat_name("not");
                self.name();
                if self.eat_op("(") {
                    self.call_args();
                } else if matches!(
                    self.peek(),
                    Some(TokKind::Str { .. } | TokKind::Int(_) | TokKind::Float)
                ) || matches!(self.peek(), Some(TokKind::Name(n))
                        if !matches!(n.as_str(), "and" | "or" | "else" | "if" | "is" | "in" | "not"))
                {
                    self.primary();
                }
                v = Av::Unknown;
            } else {
                return v;
            }
        }
    }

    fn filter(&mut self, v: Av, name: &str, args: Args, off: usize) -> Av {
        let s = match &v {
            Av::Str(s, _) => Some(s.clone()),
            _ => None,
        };
        for a in ["attribute"] {
            if let Some(attr) = args.kw(a) {
                let attr = attr.clone();
                self.getattr(Av::Unknown, &attr, off, Via::AttributeArg);
            }
        }
        match name {
            "attr" => {
                let a = args.pos.first().cloned().unwrap_or(Av::Unknown);
                self.getattr(v, &a, off, Via::AttrFilter)
            }
            "selectattr" | "rejectattr" | "groupby" => {
                if let Some(a) = args.pos.first().cloned() {
                    self.getattr(Av::Unknown, &a, off, Via::AttributeArg);
                }
                Av::Unknown
            }
            "map" => {
                // `map('attr', name)` is not a Jinja filter, but custom environments add it.
                if let (Some(Av::Str(f, _)), Some(a)) = (args.pos.first(), args.pos.get(1))
                    && f == "attr"
                {
                    let a = a.clone();
                    self.getattr(Av::Unknown, &a, off, Via::AttrFilter);
                }
                Av::Unknown
            }
            "format" => match s {
                Some(f) => {
                    let a = if args.kw.is_empty() {
                        Av::List(args.pos)
                    } else {
                        Av::Unknown
                    };
                    printf(self.an, &f, &a, off)
                }
                None => Av::Unknown,
            },
            "join" => match v {
                Av::List(items) => {
                    let sep = match args.pos.first() {
                        Some(a) => to_text(a),
                        None => Some(String::new()),
                    };
                    let parts: Option<Vec<String>> = items.iter().map(to_text).collect();
                    match (sep, parts) {
                        (Some(sep), Some(parts)) => {
                            self.an.computed(parts.join(&sep), off, "|join")
                        }
                        _ => Av::Unknown,
                    }
                }
                Av::Str(s, c) => Av::Str(s, c),
                _ => Av::Unknown,
            },
            "replace" => match (s, args.pos.first(), args.pos.get(1)) {
                (Some(s), Some(Av::Str(a, _)), Some(Av::Str(b, _))) if !a.is_empty() => {
                    let out = match args.pos.get(2) {
                        Some(Av::Int(n)) if *n >= 0 => s.replacen(a.as_str(), b, *n as usize),
                        _ => s.replace(a.as_str(), b),
                    };
                    self.an.computed(out, off, "|replace")
                }
                _ => Av::Unknown,
            },
            "reverse" => match v {
                Av::Str(s, _) => self.an.computed(s.chars().rev().collect(), off, "|reverse"),
                Av::List(mut items) => {
                    items.reverse();
                    Av::List(items)
                }
                _ => Av::Unknown,
            },
            "upper" | "lower" | "capitalize" | "title" | "trim" | "string" | "e" | "escape"
            | "safe" | "forceescape" | "striptags" => match (&v, to_text(&v)) {
                (Av::Str(..) | Av::Int(_), Some(t)) => {
                    let out = match name {
                        "upper" => t.to_uppercase(),
                        "lower" => t.to_lowercase(),
                        "trim" => t.trim().to_string(),
                        "capitalize" => capitalize(&t),
                        _ => t,
                    };
                    let computed = !matches!(&v, Av::Str(orig, false) if *orig == out);
                    if computed {
                        self.an.computed(out, off, "a string filter")
                    } else {
                        Av::Str(out, false)
                    }
                }
                (Av::Internal, _) => Av::Internal,
                _ => Av::Unknown,
            },
            "first" | "last" => match v {
                Av::List(items) => {
                    let it = if name == "first" {
                        items.first()
                    } else {
                        items.last()
                    };
                    it.cloned().unwrap_or(Av::Unknown)
                }
                Av::Str(s, _) => {
                    let c = if name == "first" {
                        s.chars().next()
                    } else {
                        s.chars().last()
                    };
                    c.map(|c| Av::Str(c.to_string(), true))
                        .unwrap_or(Av::Unknown)
                }
                Av::Internal => Av::Internal,
                _ => Av::Unknown,
            },
            "list" => match v {
                Av::Str(s, _) => Av::List(cap_list(
                    s.chars().map(|c| Av::Str(c.to_string(), true)).collect(),
                )),
                Av::List(items) => Av::List(items),
                Av::Internal => Av::Internal,
                _ => Av::Unknown,
            },
            "default" | "d" => match v {
                Av::Unknown => args.pos.into_iter().next().unwrap_or(Av::Unknown),
                other => other,
            },
            _ => match v {
                Av::Internal => Av::Internal,
                _ => Av::Unknown,
            },
        }
    }

    /// Judges an attribute access on `base` by the name `name` resolves to.
    fn getattr(&mut self, base: Av, name: &Av, off: usize, via: Via) -> Av {
        let name = match name {
            Av::Str(s, _) => s.clone(),
            Av::Int(_) => {
                return if base == Av::Internal {
                    Av::Internal
                } else {
                    Av::Unknown
                };
            }
            _ => {
                if via == Via::AttrFilter {
                    self.an.hit(
                        &obfuscated_attribute::RULE,
                        Severity::High,
                        off,
                        "`attr()` reads an attribute whose name is computed at render time".into(),
                        "attr(<computed>)",
                    );
                }
                return if base == Av::Internal {
                    Av::Internal
                } else {
                    Av::Unknown
                };
            }
        };
        let parts: Vec<&str> = if via == Via::AttributeArg {
            name.split('.').collect()
        } else {
            vec![name.as_str()]
        };
        let mut cur = base;
        for part in parts {
            cur = self.access(cur, part, off, via);
        }
        cur
    }

    fn access(&mut self, base: Av, name: &str, off: usize, via: Via) -> Av {
        let how = match via {
            Via::Dot => "",
            Via::Subscript => " through a subscript",
            Via::AttrFilter => " through `attr()`",
            Via::AttributeArg => " through an `attribute=` argument",
        };
        let from = match &base {
            Av::Global(g) => format!(" of the `{g}` global"),
            Av::Internal => " of an object reached through Python internals".to_string(),
            _ => String::new(),
        };
        let escalated = matches!(base, Av::Global(_) | Av::Internal);
        if name.starts_with("__") {
            self.an.hit(
                &sandbox_escape::RULE,
                Severity::Critical,
                off,
                format!("template reads `{name}`{from}{how}, the start of a sandbox escape"),
                name,
            );
            return Av::Internal;
        }
        if (name.starts_with('_') && name.len() > 1) || FRAME_ATTRS.contains(&name) {
            let sev = if escalated {
                Severity::Critical
            } else {
                Severity::High
            };
            let what = if name.starts_with('_') {
                "private attribute"
            } else {
                "frame or code attribute"
            };
            self.an.hit(
                &sandbox_escape::RULE,
                sev,
                off,
                format!("template reads the {what} `{name}`{from}{how}"),
                name,
            );
            return Av::Internal;
        }
        if DANGEROUS_ATTRS.contains(&name) {
            if escalated {
                self.an.hit(
                    &dangerous_call::RULE,
                    Severity::Critical,
                    off,
                    format!("template reaches `{name}`{from}{how}"),
                    name,
                );
                return Av::Internal;
            }
            let called = matches!(self.peek(), Some(TokKind::Op("(")));
            if called && via != Via::Subscript && DANGEROUS_CALLS.contains(&name) {
                self.an.hit(
                    &dangerous_call::RULE,
                    Severity::High,
                    off,
                    format!("template calls `.{name}()`{how}"),
                    name,
                );
            }
        }
        match base {
            Av::Str(..) if STR_METHODS.contains(&name) => {
                Av::Method(Box::new(base), name.to_string())
            }
            Av::Internal => Av::Internal,
            _ => Av::Unknown,
        }
    }

    fn call(&mut self, callee: Av, args: Args, off: usize) -> Av {
        let Av::Method(recv, m) = callee else {
            return if callee == Av::Internal {
                Av::Internal
            } else {
                Av::Unknown
            };
        };
        let Av::Str(s, _) = *recv else {
            return Av::Unknown;
        };
        let text = |a: Option<&Av>| a.and_then(to_text);
        let out = match m.as_str() {
            "format" => return str_format(self.an, &s, &args, off),
            "join" => match args.pos.first() {
                Some(Av::List(items)) => {
                    let parts: Option<Vec<String>> = items.iter().map(to_text).collect();
                    parts.map(|p| p.join(&s))
                }
                Some(Av::Str(x, _)) => {
                    Some(x.chars().map(String::from).collect::<Vec<_>>().join(&s))
                }
                _ => None,
            },
            "replace" => match (text(args.pos.first()), text(args.pos.get(1))) {
                (Some(a), Some(b)) if !a.is_empty() => Some(s.replace(&a, &b)),
                _ => None,
            },
            "upper" => Some(s.to_uppercase()),
            "lower" | "casefold" => Some(s.to_lowercase()),
            "strip" | "lstrip" | "rstrip" => {
                let chars: Option<Vec<char>> = match args.pos.first() {
                    Some(Av::Str(c, _)) => Some(c.chars().collect()),
                    None => None,
                    _ => return Av::Unknown,
                };
                let pat = |c: char| {
                    chars
                        .as_ref()
                        .map_or(c.is_whitespace(), |cs| cs.contains(&c))
                };
                Some(match m.as_str() {
                    "strip" => s.trim_matches(pat).to_string(),
                    "lstrip" => s.trim_start_matches(pat).to_string(),
                    _ => s.trim_end_matches(pat).to_string(),
                })
            }
            "title" | "capitalize" => Some(capitalize(&s)),
            "swapcase" => Some(
                s.chars()
                    .map(|c| {
                        if c.is_uppercase() {
                            c.to_ascii_lowercase()
                        } else {
                            c.to_ascii_uppercase()
                        }
                    })
                    .collect(),
            ),
            "split" => {
                let parts: Vec<Av> = match text(args.pos.first()) {
                    Some(sep) if !sep.is_empty() => s
                        .split(sep.as_str())
                        .map(|p| Av::Str(p.to_string(), true))
                        .collect(),
                    _ => s
                        .split_whitespace()
                        .map(|p| Av::Str(p.to_string(), true))
                        .collect(),
                };
                return Av::List(cap_list(parts));
            }
            _ => None,
        };
        match out {
            Some(o) => self.an.computed(o, off, "a string method"),
            None => Av::Unknown,
        }
    }

    fn add(&mut self, a: Av, b: Av, off: usize) -> Av {
        match (a, b) {
            (Av::Str(x, _), Av::Str(y, _)) => self.an.computed(x + &y, off, "string concatenation"),
            (Av::Int(x), Av::Int(y)) => x.checked_add(y).map(Av::Int).unwrap_or(Av::Unknown),
            (Av::List(mut x), Av::List(y)) => {
                x.extend(y);
                Av::List(cap_list(x))
            }
            _ => Av::Unknown,
        }
    }

    fn mul(&mut self, a: Av, b: Av, off: usize) -> Av {
        match (a, b) {
            (Av::Str(s, _), Av::Int(n)) | (Av::Int(n), Av::Str(s, _)) => {
                let n = usize::try_from(n).unwrap_or(0);
                if s.len().saturating_mul(n) > MAX_STR {
                    return Av::Unknown;
                }
                self.an.computed(s.repeat(n), off, "string repetition")
            }
            (Av::Int(x), Av::Int(y)) => x.checked_mul(y).map(Av::Int).unwrap_or(Av::Unknown),
            _ => Av::Unknown,
        }
    }
}

impl Analysis {
    /// Records a string built at render time and judges what it spells.
    fn computed(&mut self, s: String, off: usize, how: &str) -> Av {
        if s.len() > MAX_STR {
            return Av::Unknown;
        }
        self.check_computed(&s, off, how);
        Av::Str(s, true)
    }

    fn check_computed(&mut self, s: &str, off: usize, how: &str) {
        let words = dunder_words(s);
        for w in &words {
            self.hit(
                &sandbox_escape::RULE,
                Severity::Critical,
                off,
                format!("template builds the Python internal `{w}` at render time ({how})"),
                w,
            );
        }
        if words.is_empty() && s.contains("__") {
            self.hit(
                &obfuscated_attribute::RULE,
                Severity::High,
                off,
                format!(
                    "template builds a string holding `__` at render time ({how}): `{}`",
                    short(s)
                ),
                s,
            );
        }
    }
}

/// Prefers the operand that carries more information, for `or`, `and` and `x if c else y`.
fn either(a: Av, b: Av) -> Av {
    match (&a, &b) {
        (Av::Unknown, _) => b,
        (Av::Str(x, _), Av::Str(y, _)) if !x.contains('_') && y.contains('_') => b,
        _ => a,
    }
}

fn to_text(v: &Av) -> Option<String> {
    match v {
        Av::Str(s, _) => Some(s.clone()),
        Av::Int(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Bounds what one list value holds, so copying abstract values stays cheap.
fn cap_list(mut items: Vec<Av>) -> Vec<Av> {
    items.truncate(MAX_LIST);
    let mut total = 0usize;
    let keep = items
        .iter()
        .take_while(|v| {
            total += size(v);
            total <= MAX_STR
        })
        .count();
    items.truncate(keep);
    items
}

fn size(v: &Av) -> usize {
    match v {
        Av::Str(s, _) => s.len() + 8,
        Av::List(items) => items.iter().map(size).sum::<usize>() + 8,
        Av::Method(recv, m) => size(recv) + m.len(),
        _ => 8,
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + &c.as_str().to_lowercase(),
        None => String::new(),
    }
}

fn index(len: usize, n: i64) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let i = if n < 0 { len.checked_add(n)? } else { n };
    (0..len).contains(&i).then_some(i as usize)
}

/// Python slice semantics, for strings up to [`MAX_STR`] characters.
fn slice_indices(
    len: usize,
    start: Option<i64>,
    stop: Option<i64>,
    step: Option<i64>,
) -> Option<Vec<usize>> {
    let len = i64::try_from(len).ok().filter(|l| *l <= MAX_STR as i64)?;
    let step = step.unwrap_or(1);
    if step == 0 {
        return None;
    }
    let clamp = |v: i64, lo: i64, hi: i64| v.clamp(lo, hi);
    let norm = |v: i64| if v < 0 { v.saturating_add(len) } else { v };
    let mut out = Vec::new();
    if step > 0 {
        let a = clamp(start.map(norm).unwrap_or(0), 0, len);
        let b = clamp(stop.map(norm).unwrap_or(len), 0, len);
        let mut i = a;
        while i < b {
            out.push(i as usize);
            i = i.saturating_add(step);
        }
    } else {
        let a = clamp(start.map(norm).unwrap_or(len - 1), -1, len - 1);
        let b = clamp(stop.map(norm).unwrap_or(-1), -1, len - 1);
        let mut i = a;
        while i > b {
            out.push(i as usize);
            i = i.saturating_add(step);
        }
    }
    Some(out)
}

/// `fmt % args` with Python's printf rules for the conversions payloads use.
fn printf(an: &mut Analysis, fmt: &str, args: &Av, off: usize) -> Av {
    let list: Vec<Av> = match args {
        Av::List(items) => items.clone(),
        other => vec![other.clone()],
    };
    let mut next = list.into_iter();
    let mut out = String::new();
    let mut made_underscore = false;
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        // Flags, width, precision and length modifiers do not change what payloads build.
        while chars
            .peek()
            .is_some_and(|c| "-+ #0123456789.*hlL".contains(*c))
        {
            chars.next();
        }
        let Some(conv) = chars.next() else {
            return Av::Unknown;
        };
        if conv == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = next.next() else {
            return Av::Unknown;
        };
        let piece = match (conv, &arg) {
            ('c', Av::Int(n)) => match u32::try_from(*n).ok().and_then(char::from_u32) {
                Some(ch) => {
                    made_underscore |= ch == '_';
                    ch.to_string()
                }
                None => return Av::Unknown,
            },
            ('c', Av::Str(s, _)) if s.chars().count() == 1 => s.clone(),
            ('s', _) => match to_text(&arg) {
                Some(t) => t,
                None => return Av::Unknown,
            },
            ('r' | 'a', Av::Str(s, _)) => format!("'{s}'"),
            ('d' | 'i' | 'u', Av::Int(n)) => n.to_string(),
            ('x', Av::Int(n)) => format!("{n:x}"),
            ('X', Av::Int(n)) => format!("{n:X}"),
            ('o', Av::Int(n)) => format!("{n:o}"),
            _ => return Av::Unknown,
        };
        out.push_str(&piece);
    }
    if made_underscore {
        an.hit(
            &obfuscated_attribute::RULE,
            Severity::High,
            off,
            "template builds `_` from a character code with `%c` formatting".into(),
            "%c(95)",
        );
    }
    an.computed(out, off, "printf-style formatting")
}

/// `'…'.format(…)`: positional, numbered and keyword fields, `{{`/`}}` escapes and the `c`
/// conversion. Field paths with attributes (`{0.__class__}`) are judged like attributes.
fn str_format(an: &mut Analysis, fmt: &str, args: &Args, off: usize) -> Av {
    let mut out = String::new();
    let mut auto = 0usize;
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut field = String::new();
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                    field.push(c);
                }
                let (field, spec) = field.split_once(':').unwrap_or((field.as_str(), ""));
                let field = field.split('!').next().unwrap_or("");
                let (head, path) = match field.find(['.', '[']) {
                    Some(p) => (&field[..p], &field[p..]),
                    None => (field, ""),
                };
                for part in path.split(['.', '[', ']']).filter(|p| !p.is_empty()) {
                    if part.starts_with('_') {
                        an.hit(
                            &sandbox_escape::RULE,
                            Severity::Critical,
                            off,
                            format!("format string reads the attribute `{part}` of its argument"),
                            part,
                        );
                    }
                }
                let arg = if head.is_empty() {
                    auto += 1;
                    args.pos.get(auto - 1)
                } else if let Ok(n) = head.parse::<usize>() {
                    args.pos.get(n)
                } else {
                    args.kw(head)
                };
                if !path.is_empty() {
                    return Av::Unknown;
                }
                let piece = match (spec, arg) {
                    ("c", Some(Av::Int(n))) => {
                        match u32::try_from(*n).ok().and_then(char::from_u32) {
                            Some(ch) => ch.to_string(),
                            None => return Av::Unknown,
                        }
                    }
                    (_, Some(a)) => match to_text(a) {
                        Some(t) => t,
                        None => return Av::Unknown,
                    },
                    (_, None) => return Av::Unknown,
                };
                out.push_str(&piece);
            }
            _ => out.push(c),
        }
    }
    an.computed(out, off, "str.format")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(src: &str) -> Vec<(&'static str, Severity, String)> {
        analyze(src)
            .hits
            .into_iter()
            .map(|h| (h.rule.code, h.severity, h.evidence))
            .collect()
    }

    fn max(src: &str) -> Option<Severity> {
        analyze(src).hits.iter().map(|h| h.severity).max()
    }

    #[test]
    fn direct_dunder_chains_are_critical() {
        for t in [
            "{{ ''.__class__.__mro__[1].__subclasses__() }}",
            "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
            "{{ x['__globals__'] }}",
            "{{ lipsum.__globals__['os'].popen('id') }}",
            "{{ self._TemplateReference__context.cycler }}",
            "{{ dict(__class__=1) }}",
            "{{ messages|map(attribute='__class__')|list }}",
            "{{ '{0.__class__}'.format(x) }}",
        ] {
            assert_eq!(max(t), Some(Severity::Critical), "{t}: {:?}", codes(t));
        }
    }

    #[test]
    fn names_built_at_render_time_are_resolved() {
        for (t, word) in [
            ("{{ x|attr('__gl' ~ 'obals__') }}", "__globals__"),
            (
                "{% set a = '__cla' ~ 'ss__' %}{{ ''|attr(a) }}",
                "__class__",
            ),
            (
                "{{ x|attr(('%c'|format(95))*2 ~ 'class' ~ '%c%c'|format(95, 95)) }}",
                "__class__",
            ),
            ("{{ x|attr(['__in', 'it__']|join) }}", "__init__"),
            ("{{ x|attr('__ssalc__'|reverse) }}", "__class__"),
            ("{{ x|attr('__ssalc__'[::-1]) }}", "__class__"),
            ("{{ x|attr('xxclassxx'|replace('x', '_')) }}", "__class__"),
            ("{{ x|attr('{0}{0}class{0}{0}'.format('_')) }}", "__class__"),
            ("{{ x|attr('\\x5f\\x5fclass\\x5f\\x5f') }}", "__class__"),
            ("{{ x|attr('__cla' 'ss__') }}", "__class__"),
            (
                "{% set u %}__class__{% endset %}{{ x|attr(u) }}",
                "__class__",
            ),
            ("{{ x|attr('%s%s' % ('__glo', 'bals__')) }}", "__globals__"),
        ] {
            let c = codes(t);
            assert!(
                c.iter()
                    .any(|(r, s, e)| *r == "TPL001" && *s == Severity::Critical && e == word),
                "{t}: {c:?}"
            );
        }
    }

    #[test]
    fn computed_attr_names_are_high() {
        let c = codes("{{ x|attr(request.args.a) }}");
        assert!(
            c.iter()
                .any(|(r, s, _)| *r == "TPL002" && *s == Severity::High),
            "{c:?}"
        );
        let c = codes("{% set u = '%c'|format(95) %}");
        assert!(c.iter().any(|(r, _, _)| *r == "TPL002"), "{c:?}");
    }

    #[test]
    fn dangerous_calls() {
        let c = codes("{{ x.popen('id') }}");
        assert_eq!(c, [("TPL003", Severity::High, "popen".to_string())]);
        assert!(codes("{{ message.system }}").is_empty());
        assert!(codes("{% if message['role'] == 'system' %}{% endif %}").is_empty());
    }

    #[test]
    fn real_chat_templates_are_clean() {
        for t in [
            "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% endif %}{% endfor %}",
            "{%- set ns = namespace(found=false) -%}{%- for message in messages -%}{%- if message['role'] == 'system' -%}{%- set ns.found = true -%}{%- endif -%}{%- endfor -%}{{- '<|im_start|>' + message.role + '\\n' + message.content | trim + '<|im_end|>\\n' }}{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
            "{%- set date_string = strftime_now('%d %b %Y') %}{{- tools | tojson(indent=4) }}{%- for t in messages[1:] | selectattr('role', 'equalto', 'user') %}{{ t.content.split('</think>')[-1].lstrip('\\n') }}{% endfor %}",
            "{% raw %}{{ __class__ }}{% endraw %}{# {{ x.__globals__ }} #}",
            "{{ '%s: %d' % (name, 3) }}{{ 'a' ~ 1 }}{{ '-' * 20 }}",
        ] {
            assert!(codes(t).is_empty(), "{t}: {:?}", codes(t));
        }
    }

    #[test]
    fn prose_and_data_fields_are_not_payloads() {
        for t in [
            "{{ 'Write a class whose __init__ takes a name.' }}",
            "{% set sys %}Be __very__ helpful{% endset %}{{ sys }}",
            "{{ ansible_facts.system }}{{ ctx.modules }}{{ message['system'] }}",
            "{% set re = modules.re %}{{ 'a' ~ '_' ~ 'b' }}",
        ] {
            assert!(codes(t).is_empty(), "{t}: {:?}", codes(t));
        }
    }

    #[test]
    fn frame_attributes_without_underscores_are_flagged() {
        assert_eq!(max("{{ x.gi_frame }}"), Some(Severity::High));
        assert_eq!(
            max("{{ x.gi_frame.f_back.f_globals }}"),
            Some(Severity::Critical)
        );
        assert_eq!(max("{{ cycler.gi_frame }}"), Some(Severity::Critical));
    }

    #[test]
    fn text_after_a_lexing_stop_is_still_searched() {
        assert_eq!(
            max("{# unterminated comment {{ x.__globals__ }}"),
            Some(Severity::Critical)
        );
        assert_eq!(
            max("{% raw %}{{ x.__globals__ }}"),
            Some(Severity::Critical)
        );
    }

    #[test]
    fn deep_nesting_ends_in_a_limit_not_a_crash() {
        let t = format!("{{{{ {}x{} }}}}", "(".repeat(5000), ")".repeat(5000));
        let an = analyze(&t);
        assert!(an.limit_hit);
        let t = format!("{{{{ {}x.__class__ }}}}", "(".repeat(5000));
        assert_eq!(
            analyze(&t).hits.iter().map(|h| h.severity).max(),
            Some(Severity::Critical)
        );
    }
}
