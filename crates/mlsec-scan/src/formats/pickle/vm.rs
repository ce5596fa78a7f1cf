//! The symbolic stack machine: it runs one pickle stream the way `pickle.load` would, except that
//! nothing is imported or called. Every value is modelled just far enough to know which callable
//! an opcode names and what it is given: strings however they were built (memo replays,
//! overwritten slots), argument tuples, objects under construction, and the few callables that
//! return other callables (`getattr`, `attrgetter`, `partial`, ...).
//!
//! Memory stays proportional to the input and capped: strings and bytes are spans of the input
//! (a multi-GB BINBYTES is never copied), containers keep at most [`MAX_ITEMS`] elements, and
//! the object, stack and memo sizes are bounded; hitting a bound is a recorded problem.

use super::callables::{self, Fallback, Name, Verdict};
use super::decode;
use super::ops::{Arg, Broken, Divergence, FrameMode, Instr, Op, Reader, Span};
use super::tables::Hook;
use crate::ctx::Ctx;
use crate::policy::Policy;
use crate::rules::{Rule, pickle as rules};
use mlsec_core::{Confidence, ProblemKind, Severity};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Elements kept per container; the rest are dropped. Callables are judged when they are named,
/// so a dropped element never hides one.
const MAX_ITEMS: usize = 1 << 20;
/// Elements kept across all containers of a stream.
const MAX_KEPT: usize = 4 << 20;
/// Objects modelled per stream.
const MAX_NODES: usize = 4 << 20;
/// Stack depth.
const MAX_STACK: usize = 4 << 20;
/// Memo entries.
const MAX_MEMO: usize = 8 << 20;
/// Memo keys below this may live in a vector; others live in a map.
const DENSE_MEMO: usize = MAX_MEMO;
/// How far past its end a write may grow the memo vector.
const DENSE_WINDOW: usize = 1024;
/// Distinct callables per stream.
const MAX_CALLABLES: usize = 10_000;
/// Links followed through `partial` wrappers.
const MAX_INDIRECTION: usize = 16;

/// A value on the stack or in the memo.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum V {
    None,
    Bool(bool),
    Int(i64),
    Float,
    /// Text in the input (UTF-8 for the binary opcodes, ASCII/Latin-1 for protocol 0).
    Str(Span),
    /// Bytes in the input.
    Bytes(Span),
    /// A callable, module or attribute named by GLOBAL/STACK_GLOBAL/INST or a resolver.
    Global(u32),
    /// An object in the node table.
    Obj(u32),
    /// A value no longer modelled because a size bound was hit.
    Lost,
}

/// A modelled object.
#[derive(Debug)]
pub(crate) enum Node {
    /// A tuple: `len` values from `start` in the tuple arena (tuples never change, so they
    /// share one allocation instead of one each).
    Tuple {
        start: u32,
        len: u32,
    },
    List(Vec<V>),
    Dict(Vec<(V, V)>),
    Set(Vec<V>),
    Text(Box<str>),
    Blob(Box<[u8]>),
    /// `_codecs.encode(<text in the input>, 'latin1')`: bytes decoded only when needed.
    Latin1(Span),
    /// An integer outside `i64` (`None` beyond 128 bits).
    Long(Option<[u8; 16]>),
    /// The result of calling or instantiating something.
    Call(Box<Call>),
    /// `functools.partial(func, ...)`.
    Partial(V),
    /// `operator.attrgetter(name)`.
    AttrGetter(Box<str>),
    /// `operator.methodcaller(name, ...)`.
    MethodCaller(Box<str>),
    Opaque(Opaque),
}

/// A call the pickle makes.
#[derive(Debug)]
pub(crate) struct Call {
    pub func: V,
    pub args: V,
    pub kind: CallKind,
    /// What BUILD gave the object.
    pub state: Option<V>,
}

/// The opcode that made a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallKind {
    Reduce,
    Inst,
    Obj,
    NewObj,
    NewObjEx,
}

impl CallKind {
    fn op(self) -> &'static str {
        match self {
            CallKind::Reduce => "REDUCE",
            CallKind::Inst => "INST",
            CallKind::Obj => "OBJ",
            CallKind::NewObj => "NEWOBJ",
            CallKind::NewObjEx => "NEWOBJ_EX",
        }
    }
}

/// Objects whose content is decided outside the pickle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Opaque {
    PersistentId,
    Extension,
    Buffer,
    Array,
    /// A value computed by a call at load time.
    Computed,
    /// What a STACK_GLOBAL with computed operands imports.
    Unresolved,
}

/// How a callable is used; ordered by how much of its code runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Usage {
    /// Imported (module import side effects) and handed to the object graph.
    Referenced,
    /// Instantiated without its `__init__` (NEWOBJ, `copyreg.__newobj__`, INST of a class
    /// without arguments).
    Instantiated,
    /// Called with arguments chosen by the pickle.
    Invoked,
}

#[derive(Debug, Default)]
struct Uses {
    /// The most severe use: usage, offset, opcode.
    best: Option<(Usage, u64, &'static str)>,
    calls: u32,
    excused: u32,
}

#[derive(Debug)]
struct Callable {
    /// As written in the pickle: `posix.system`.
    raw: String,
    name: Name,
    path: String,
    verdict: Verdict,
    hook: Option<Hook>,
    /// The resolver that produced it (`builtins.getattr`), when not named by an opcode.
    via: Option<String>,
    /// True for a public attribute read from an allowlisted class (`getattr(IntervalStrategy,
    /// 'STEPS')`, how Python 3.12 pickles enum members): referenced, it is a value.
    member_of_allowed: bool,
    uses: Uses,
}

/// Options for one walk of a stream.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Opts {
    pub mode: FrameMode,
    /// Skip the raw array bytes joblib writes after each `NumpyArrayWrapper`.
    pub joblib: bool,
    /// An alternative reading of a stream already reported: only callable findings, no problems.
    pub quiet: bool,
}

/// How a walk ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum End {
    Stop,
    Broken(Broken),
    Limit(String),
}

enum Halt {
    Broken(Broken),
    Limit(String),
}

impl From<Broken> for Halt {
    fn from(b: Broken) -> Halt {
        Halt::Broken(b)
    }
}

/// What the pickle returned, as far as the layouts that follow a pickle need it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Summary {
    Int(i128),
    Bool(bool),
    Str(String),
    /// A global, by canonical path.
    Global(String),
    /// A list or tuple.
    Seq(Vec<Summary>),
    /// A dict with str keys.
    Dict(Vec<(String, Summary)>),
    Other,
}

/// A torch storage named by a persistent id: `('storage', storage_type, key, location, numel)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StorageRef {
    pub key: String,
    /// Canonical path of the storage class, such as `torch.FloatStorage`.
    pub class: Option<String>,
}

/// The result of walking one stream.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub end: End,
    /// Opcodes decoded.
    pub ops: u64,
    /// Calls (REDUCE, OBJ, INST, NEWOBJ, BUILD, ...) made before the end.
    pub calls: u64,
    /// Where the next stream starts for an in-memory reader (after STOP, or where it broke).
    pub next: usize,
    /// Where a file-reading loader resumes (past a frame that outlives STOP).
    pub file_next: usize,
    pub divergence: Option<Divergence>,
    pub result: Summary,
    pub storages: Vec<StorageRef>,
    /// True when joblib array data was skipped.
    pub joblib_skipped: bool,
}

/// Hashes memo keys (plain integers chosen by the pickle) with one multiplication: hash flooding
/// cannot cost more than the opcode budget already allows, and SipHash dominated large memos.
#[derive(Debug, Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (n ^ 0x9e37_79b9_7f4a_7c15)
            .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
            .rotate_left(29);
    }
}

/// Offsets of calls whose nested payload was already scanned, shared by the walks of one element
/// so that alternative readings do not scan the same payload twice.
pub(crate) type Seen = HashSet<u64>;

struct Agg {
    rule: &'static Rule,
    severity: Severity,
    at: u64,
    message: String,
    count: u32,
}

/// The machine for one stream.
struct Vm<'d, 'p> {
    data: &'d [u8],
    /// Offset of the stream's first opcode.
    start: usize,
    policy: &'p Policy,
    /// See [`Ctx::local_modules`].
    local_modules: Vec<String>,
    r: Reader<'d>,
    opts: Opts,
    stack: Vec<V>,
    marks: Vec<usize>,
    memo_dense: Vec<Option<V>>,
    memo_sparse: HashMap<u64, V, BuildHasherDefault<KeyHasher>>,
    memo_len: usize,
    nodes: Vec<Node>,
    /// Elements of every tuple (see [`Node::Tuple`]).
    tuples: Vec<V>,
    nodes_full: bool,
    /// Container elements kept so far (budget [`MAX_KEPT`]).
    kept: usize,
    callables: Vec<Callable>,
    by_raw: HashMap<String, u32>,
    findings: HashMap<(&'static str, String), Agg>,
    ops: u64,
    calls: u64,
    storages: Vec<StorageRef>,
    joblib_skipped: bool,
}

/// Walks the stream that starts at `start` and reports what it finds.
pub(crate) fn run(
    ctx: &mut Ctx<'_>,
    data: &[u8],
    start: usize,
    opts: Opts,
    seen: &mut Seen,
) -> Outcome {
    let mut vm = Vm {
        data,
        start,
        policy: ctx.policy,
        local_modules: ctx.local_modules.clone(),
        r: Reader::new(data, start, opts.mode),
        opts,
        stack: Vec::new(),
        marks: Vec::new(),
        memo_dense: Vec::new(),
        memo_sparse: HashMap::default(),
        memo_len: 0,
        nodes: Vec::new(),
        tuples: Vec::new(),
        nodes_full: false,
        kept: 0,
        callables: Vec::new(),
        by_raw: HashMap::new(),
        findings: HashMap::new(),
        ops: 0,
        calls: 0,
        storages: Vec::new(),
        joblib_skipped: false,
    };
    let (end, value) = vm.exec(ctx, seen);
    let result = value.map(|v| vm.summary(v, 0)).unwrap_or(Summary::Other);
    if vm.nodes_full && !opts.quiet {
        ctx.problem(
            ProblemKind::LimitExceeded,
            Some(start as u64),
            format!(
                "the pickle builds more than {MAX_NODES} objects; later arguments were not modelled, so payloads nested in them may be missed"
            ),
        );
    }
    vm.flush(ctx);
    Outcome {
        end,
        ops: vm.ops,
        calls: vm.calls,
        next: vm.r.pos(),
        file_next: vm.r.file_pos(),
        divergence: vm.r.divergence(),
        result,
        storages: vm.storages,
        joblib_skipped: vm.joblib_skipped,
    }
}

fn is_class_like(name: &str) -> bool {
    name.rsplit('.')
        .next()
        .map(|n| n.trim_start_matches('_'))
        .and_then(|n| n.chars().next())
        .is_some_and(|c| c.is_ascii_uppercase())
}

impl<'d, 'p> Vm<'d, 'p> {
    fn exec(&mut self, ctx: &mut Ctx<'_>, seen: &mut Seen) -> (End, Option<V>) {
        let limit = ctx.limits.max_pickle_ops;
        loop {
            if self.ops >= limit {
                return (
                    End::Limit(format!(
                        "the stream has more than {limit} opcodes; the rest is not scanned"
                    )),
                    None,
                );
            }
            let ins = match self.r.next() {
                Ok(i) => i,
                Err(e) => return (End::Broken(e), None),
            };
            self.ops += 1;
            match self.step(ctx, seen, ins) {
                Ok(None) => {}
                Ok(Some(v)) => {
                    self.r.finish();
                    return (End::Stop, Some(v));
                }
                Err(Halt::Broken(b)) => return (End::Broken(b), None),
                Err(Halt::Limit(m)) => return (End::Limit(m), None),
            }
        }
    }

    // ---- stack, memo and nodes -------------------------------------------------------------

    fn bad(at: u64, what: impl Into<String>) -> Halt {
        Halt::Broken(Broken::Malformed {
            at,
            what: what.into(),
        })
    }

    fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn pop(&mut self, at: u64) -> Result<V, Halt> {
        if self.stack.len() <= self.fence() {
            return Err(Self::bad(at, "stack underflow"));
        }
        self.stack
            .pop()
            .ok_or_else(|| Self::bad(at, "stack underflow"))
    }

    fn top(&self, at: u64) -> Result<V, Halt> {
        if self.stack.len() <= self.fence() {
            return Err(Self::bad(at, "stack underflow"));
        }
        self.stack
            .last()
            .copied()
            .ok_or_else(|| Self::bad(at, "stack underflow"))
    }

    fn set_top(&mut self, v: V) {
        if let Some(t) = self.stack.last_mut() {
            *t = v;
        }
    }

    fn push(&mut self, v: V) -> Result<(), Halt> {
        if self.stack.len() >= MAX_STACK {
            return Err(Halt::Limit(format!(
                "the pickle stack grows beyond {MAX_STACK} items; the rest is not scanned"
            )));
        }
        self.stack.push(v);
        Ok(())
    }

    fn pop_mark(&mut self, at: u64) -> Result<Vec<V>, Halt> {
        let m = self
            .marks
            .pop()
            .ok_or_else(|| Self::bad(at, "could not find MARK"))?;
        let m = m.min(self.stack.len());
        Ok(self.stack.split_off(m))
    }

    fn alloc(&mut self, n: Node) -> V {
        if self.nodes.len() >= MAX_NODES {
            self.nodes_full = true;
            return V::Lost;
        }
        self.nodes.push(n);
        V::Obj((self.nodes.len() - 1) as u32)
    }

    fn tuple(&mut self, items: &[V]) -> V {
        let n = self.room(0, items.len());
        let (Ok(start), Ok(len)) = (u32::try_from(self.tuples.len()), u32::try_from(n)) else {
            self.nodes_full = true;
            return V::Lost;
        };
        self.tuples.extend_from_slice(&items[..n]);
        self.alloc(Node::Tuple { start, len })
    }

    fn node(&self, v: V) -> Option<&Node> {
        match v {
            V::Obj(i) => self.nodes.get(i as usize),
            _ => None,
        }
    }

    fn memo_get(&self, key: u64) -> Option<V> {
        let dense = usize::try_from(key)
            .ok()
            .and_then(|k| self.memo_dense.get(k).copied().flatten());
        dense.or_else(|| {
            if self.memo_sparse.is_empty() {
                None
            } else {
                self.memo_sparse.get(&key).copied()
            }
        })
    }

    /// Writes a memo slot (last write wins). Keys near the end of the dense table (what MEMOIZE
    /// and picklers produce) go into it; far-away keys (`LONG_BINPUT 70000`) into a map. The
    /// count of distinct keys is exact, because MEMOIZE numbers the next slot by it.
    fn memo_put(&mut self, key: u64, v: V) -> Result<(), Halt> {
        let len = self.memo_dense.len();
        let dense = usize::try_from(key)
            .ok()
            // Grow the vector only while at least half of it is used, so that memory follows
            // the number of entries rather than the keys a pickle picks.
            .filter(|&k| {
                k < len
                    || (k < DENSE_MEMO
                        && k < len + DENSE_WINDOW
                        && k < 2 * self.memo_len + DENSE_WINDOW)
            });
        let fresh = match dense {
            Some(k) => {
                if len <= k {
                    self.memo_dense.resize(k + 1, None);
                }
                let was_dense = self
                    .memo_dense
                    .get_mut(k)
                    .and_then(|slot| slot.replace(v))
                    .is_some();
                let was_sparse =
                    !self.memo_sparse.is_empty() && self.memo_sparse.remove(&key).is_some();
                !(was_dense || was_sparse)
            }
            None => self.memo_sparse.insert(key, v).is_none(),
        };
        if fresh {
            self.memo_len += 1;
            if self.memo_len > MAX_MEMO {
                return Err(Halt::Limit(format!(
                    "the pickle memo grows beyond {MAX_MEMO} entries; the rest is not scanned"
                )));
            }
        }
        Ok(())
    }

    /// Text of a str value (`None` for anything else or invalid UTF-8).
    fn text(&self, v: V) -> Option<Cow<'_, str>> {
        match v {
            V::Str(s) => std::str::from_utf8(s.get(self.data))
                .ok()
                .map(Cow::Borrowed),
            V::Obj(_) => match self.node(v)? {
                Node::Text(t) => Some(Cow::Borrowed(t)),
                _ => None,
            },
            _ => None,
        }
    }

    /// Bytes a loader or decoder would receive: bytes, bytearray, or text (as Python 2 `str`).
    fn payload(&self, v: V) -> Option<Cow<'d, [u8]>> {
        let data: &'d [u8] = self.data;
        match v {
            V::Str(s) | V::Bytes(s) => Some(Cow::Borrowed(s.get(data))),
            V::Obj(_) => match self.node(v)? {
                Node::Blob(b) => Some(Cow::Owned(b.to_vec())),
                Node::Latin1(s) if s.len <= decode::MAX_DECODED as u64 => {
                    std::str::from_utf8(s.get(data))
                        .ok()
                        .and_then(decode::latin1)
                        .map(Cow::Owned)
                }
                Node::Text(t) => Some(Cow::Owned(t.as_bytes().to_vec())),
                // `io.BytesIO(data)` handed to `pickle.load`.
                Node::Call(c) if self.global_path(c.func) == Some("io.BytesIO") => {
                    let first = self.items(c.args).and_then(|a| a.first().copied())?;
                    self.payload(first)
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn items(&self, v: V) -> Option<&[V]> {
        match self.node(v)? {
            Node::Tuple { start, len } => {
                let start = *start as usize;
                self.tuples.get(start..start + *len as usize)
            }
            _ => None,
        }
    }

    fn global_path(&self, v: V) -> Option<&str> {
        match v {
            V::Global(id) => self.callables.get(id as usize).map(|c| c.path.as_str()),
            _ => None,
        }
    }

    /// How many of `want` more elements a container holding `current` may keep.
    fn room(&mut self, current: usize, want: usize) -> usize {
        let budget = MAX_KEPT.saturating_sub(self.kept);
        let n = want.min(MAX_ITEMS.saturating_sub(current));
        if n > budget {
            // Past the stream-wide budget arguments stop being modelled: say so.
            self.nodes_full = true;
        }
        let n = n.min(budget);
        self.kept += n;
        n
    }

    fn add_items(&mut self, target: usize, items: &[V]) {
        let current = match self.nodes.get(target) {
            Some(Node::List(v) | Node::Set(v)) => v.len(),
            _ => return,
        };
        let n = self.room(current, items.len());
        if let Some(Node::List(v) | Node::Set(v)) = self.nodes.get_mut(target) {
            v.extend(items.iter().take(n));
        }
    }

    // ---- findings --------------------------------------------------------------------------

    fn note(
        &mut self,
        rule: &'static Rule,
        severity: Severity,
        at: u64,
        evidence: String,
        message: String,
    ) {
        if self.opts.quiet && !quiet_rule(rule) {
            return;
        }
        let e = self.findings.entry((rule.code, evidence)).or_insert(Agg {
            rule,
            severity,
            at,
            message,
            count: 0,
        });
        e.count += 1;
        if severity > e.severity {
            e.severity = severity;
        }
    }

    fn flush(&mut self, ctx: &mut Ctx<'_>) {
        let mut out: Vec<(u64, &'static Rule, Severity, String, String)> = Vec::new();
        for c in &self.callables {
            if let Some((rule, severity, at, message)) = judge_uses(c) {
                out.push((at, rule, severity, message, c.path.clone()));
            }
        }
        for ((_, evidence), a) in self.findings.drain() {
            let message = if a.count > 1 {
                format!("{} ({} times)", a.message, a.count)
            } else {
                a.message
            };
            out.push((a.at, a.rule, a.severity, message, evidence));
        }
        out.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| a.1.code.cmp(b.1.code))
                .then_with(|| a.4.cmp(&b.4))
        });
        for (at, rule, severity, message, evidence) in out {
            // An alternative reading adds only what could run: a merely imported unknown name
            // there is more likely an artefact of reading data as opcodes.
            let weak = rule.code == rules::non_allowlisted_callable::RULE.code
                && severity < Severity::High;
            if self.opts.quiet && (!quiet_rule(rule) || weak) {
                continue;
            }
            ctx.report_with(
                rule,
                severity,
                Confidence::High,
                Some(at),
                message,
                Some(evidence),
            );
        }
    }

    // ---- callables -------------------------------------------------------------------------

    fn intern(&mut self, module: &str, qualname: &str, via: Option<&str>) -> Result<u32, Halt> {
        let key = format!("{module}\n{qualname}");
        if let Some(&id) = self.by_raw.get(&key) {
            return Ok(id);
        }
        if self.callables.len() >= MAX_CALLABLES {
            return Err(Halt::Limit(format!(
                "the pickle names more than {MAX_CALLABLES} distinct callables; the rest is not scanned"
            )));
        }
        let name = callables::canonical(module, qualname);
        let mut verdict = callables::judge(module, qualname, &name, self.policy);
        // A class from a module whose source ships in the same archive (torch.package): that
        // source is checked by its own reader; only what the tables deny is reported here.
        if matches!(verdict, Verdict::Unknown)
            && self.local_modules.iter().any(|m| {
                name.module
                    .strip_prefix(m.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
            })
        {
            verdict = Verdict::Allowed;
        }
        let path = name.path();
        let hook = callables::hook_of(&path);
        let raw = if qualname.is_empty() {
            module.to_string()
        } else {
            format!("{module}.{qualname}")
        };
        self.callables.push(Callable {
            raw,
            name,
            path,
            verdict,
            hook,
            via: via.map(str::to_string),
            uses: Uses::default(),
            member_of_allowed: false,
        });
        let id = (self.callables.len() - 1) as u32;
        self.by_raw.insert(key, id);
        Ok(id)
    }

    fn use_callable(&mut self, id: u32, usage: Usage, at: u64, how: &'static str) {
        let Some(c) = self.callables.get_mut(id as usize) else {
            return;
        };
        if usage > Usage::Referenced {
            c.uses.calls += 1;
        }
        if c.uses.best.is_none_or(|(u, _, _)| usage > u) {
            c.uses.best = Some((usage, at, how));
        }
    }

    fn excuse(&mut self, id: u32) {
        if let Some(c) = self.callables.get_mut(id as usize) {
            c.uses.excused += 1;
        }
    }

    fn global(
        &mut self,
        module: &str,
        qualname: &str,
        at: u64,
        how: &'static str,
        via: Option<&str>,
    ) -> Result<V, Halt> {
        // find_class imports the module: a name that is not an identifier path fails there.
        let qualname_ok = qualname.is_empty() || decode::is_importable_name(qualname);
        if !decode::is_importable_name(module) || !qualname_ok {
            let shown: String = format!("{module}.{qualname}").chars().take(80).collect();
            return Err(Self::bad(
                at,
                format!(
                    "{how} names `{}`, which cannot be imported",
                    shown.escape_debug()
                ),
            ));
        }
        let id = self.intern(module, qualname, via)?;
        self.use_callable(id, Usage::Referenced, at, how);
        Ok(V::Global(id))
    }

    /// `base.attr`, as produced by a resolver (`getattr(base, 'attr')`).
    fn attribute(&mut self, base: u32, attr: &str, at: u64, via: &str) -> Result<V, Halt> {
        let (module, qualname) = match self.callables.get(base as usize) {
            Some(c) => (c.name.module.clone(), c.name.qualname.clone()),
            None => return Ok(V::Lost),
        };
        let q = if qualname.is_empty() {
            attr.to_string()
        } else {
            format!("{qualname}.{attr}")
        };
        let parent_allowed = self
            .callables
            .get(base as usize)
            .is_some_and(|c| c.verdict == Verdict::Allowed);
        let v = self.global(&module, &q, at, "REDUCE", Some(via))?;
        if let V::Global(id) = v
            && let Some(c) = self.callables.get_mut(id as usize)
        {
            c.member_of_allowed |= parent_allowed && !attr.starts_with('_');
        }
        Ok(v)
    }

    fn describe(&self, v: V) -> String {
        match v {
            V::Global(id) => self
                .callables
                .get(id as usize)
                .map(|c| c.path.clone())
                .unwrap_or_default(),
            V::Obj(_) => match self.node(v) {
                Some(Node::Call(c)) => format!("{}(...)", self.describe(c.func)),
                Some(Node::Partial(f)) => format!("functools.partial({})", self.describe(*f)),
                Some(Node::AttrGetter(n)) => format!("operator.attrgetter('{n}')"),
                Some(Node::MethodCaller(n)) => format!("operator.methodcaller('{n}')"),
                Some(Node::Opaque(Opaque::PersistentId)) => "<persistent id>".into(),
                Some(Node::Opaque(Opaque::Extension)) => "<extension code>".into(),
                Some(Node::Opaque(Opaque::Buffer)) => "<out-of-band buffer>".into(),
                Some(Node::Opaque(Opaque::Array)) => "<joblib array>".into(),
                Some(Node::Opaque(Opaque::Computed)) => "<computed value>".into(),
                Some(Node::Opaque(Opaque::Unresolved)) => "<unresolvable STACK_GLOBAL>".into(),
                _ => "<value>".into(),
            },
            _ => "<value>".into(),
        }
    }

    /// Whether the callable that produced `v` is allowlisted (a computed value from an allowed
    /// callable is less alarming than one from `getattr`).
    fn produced_by_allowed(&self, v: V) -> bool {
        match self.node(v) {
            Some(Node::Call(c)) => match c.func {
                V::Global(id) => self
                    .callables
                    .get(id as usize)
                    .is_some_and(|c| c.verdict == Verdict::Allowed),
                _ => false,
            },
            _ => false,
        }
    }

    // ---- the opcodes -----------------------------------------------------------------------

    fn step(&mut self, ctx: &mut Ctx<'_>, seen: &mut Seen, ins: Instr) -> Result<Option<V>, Halt> {
        let at = ins.at;
        let data: &'d [u8] = self.data;
        match (ins.op, ins.arg) {
            (Op::Mark, _) => {
                if self.marks.len() >= MAX_STACK {
                    return Err(Halt::Limit(format!(
                        "more than {MAX_STACK} open MARKs; the rest is not scanned"
                    )));
                }
                self.marks.push(self.stack.len());
            }
            (Op::Stop, _) => return Ok(Some(self.pop(at)?)),
            (Op::Pop, _) => {
                if self.marks.last() == Some(&self.stack.len()) {
                    self.marks.pop();
                } else {
                    self.pop(at)?;
                }
            }
            (Op::PopMark, _) => {
                self.pop_mark(at)?;
            }
            (Op::Dup, _) => {
                let v = self.top(at)?;
                self.push(v)?;
            }
            (Op::Float, Arg::Line(s)) => {
                let t = std::str::from_utf8(s.get(data)).ok().map(str::trim);
                if t.and_then(|t| t.parse::<f64>().ok()).is_none() {
                    return Err(Self::bad(at, "FLOAT argument is not a number"));
                }
                self.push(V::Float)?;
            }
            (Op::BinFloat, _) => self.push(V::Float)?,
            (Op::Int, Arg::Line(s)) => {
                let v = match s.get(data) {
                    b"00" => V::Bool(false),
                    b"01" => V::Bool(true),
                    t => self.int(
                        decode::parse_int(t)
                            .ok_or_else(|| Self::bad(at, "INT argument is not an integer"))?,
                    ),
                };
                self.push(v)?;
            }
            (Op::Long, Arg::Line(s)) => {
                let t = s.get(data);
                let t = t.strip_suffix(b"L").unwrap_or(t);
                let v = self.int(
                    decode::parse_int(t)
                        .ok_or_else(|| Self::bad(at, "LONG argument is not an integer"))?,
                );
                self.push(v)?;
            }
            (Op::BinInt, Arg::I(i)) => self.push(V::Int(i))?,
            (Op::BinInt1 | Op::BinInt2, Arg::U(u)) => self.push(V::Int(u as i64))?,
            (Op::Long1 | Op::Long4, Arg::Data(s)) => {
                let v = match decode::le_signed(s.get(data)) {
                    Some(i) => self.int(i),
                    None => self.alloc(Node::Long(None)),
                };
                self.push(v)?;
            }
            (Op::None, _) => self.push(V::None)?,
            (Op::NewTrue, _) => self.push(V::Bool(true))?,
            (Op::NewFalse, _) => self.push(V::Bool(false))?,
            (Op::String, Arg::Line(s)) => {
                let raw = s.get(data);
                let body = decode::string_escape(raw)
                    .ok_or_else(|| Self::bad(at, "the STRING opcode argument must be quoted"))?;
                let v = if !raw.contains(&b'\\') && body.is_ascii() {
                    V::Str(Span {
                        off: s.off + 1,
                        len: s.len.saturating_sub(2),
                    })
                } else {
                    let t: String = body.iter().map(|&b| char::from(b)).collect();
                    self.alloc(Node::Text(t.into()))
                };
                self.push(v)?;
            }
            (
                Op::BinString
                | Op::ShortBinString
                | Op::BinUnicode
                | Op::ShortBinUnicode
                | Op::BinUnicode8,
                Arg::Data(s),
            ) => self.push(V::Str(s))?,
            (Op::Unicode, Arg::Line(s)) => {
                let raw = s.get(data);
                let v = if !raw.contains(&b'\\') && raw.is_ascii() {
                    V::Str(s)
                } else {
                    let t = decode::raw_unicode_escape(raw)
                        .ok_or_else(|| Self::bad(at, "UNICODE argument has a bad escape"))?;
                    self.alloc(Node::Text(t.into()))
                };
                self.push(v)?;
            }
            (Op::BinBytes | Op::ShortBinBytes | Op::BinBytes8 | Op::ByteArray8, Arg::Data(s)) => {
                self.push(V::Bytes(s))?
            }
            (Op::NextBuffer, _) => {
                let v = self.alloc(Node::Opaque(Opaque::Buffer));
                self.push(v)?;
            }
            (Op::ReadonlyBuffer, _) => {
                self.top(at)?;
            }
            (Op::EmptyList, _) => {
                let v = self.alloc(Node::List(Vec::new()));
                self.push(v)?;
            }
            (Op::EmptyDict, _) => {
                let v = self.alloc(Node::Dict(Vec::new()));
                self.push(v)?;
            }
            (Op::EmptySet, _) => {
                let v = self.alloc(Node::Set(Vec::new()));
                self.push(v)?;
            }
            (Op::EmptyTuple, _) => {
                let v = self.tuple(&[]);
                self.push(v)?;
            }
            (Op::Append, _) => {
                let item = self.pop(at)?;
                let target = self.top(at)?;
                self.extend(target, &[item], at, "APPEND")?;
            }
            (Op::Appends, _) => {
                let items = self.pop_mark(at)?;
                let target = self.top(at)?;
                self.extend(target, &items, at, "APPENDS")?;
            }
            (Op::AddItems, _) => {
                let items = self.pop_mark(at)?;
                let target = self.top(at)?;
                self.extend(target, &items, at, "ADDITEMS")?;
            }
            (Op::List, _) => {
                let mut items = self.pop_mark(at)?;
                let n = self.room(0, items.len());
                items.truncate(n);
                let v = self.alloc(Node::List(items));
                self.push(v)?;
            }
            (Op::Tuple, _) => {
                let items = self.pop_mark(at)?;
                let v = self.tuple(&items);
                self.push(v)?;
            }
            (Op::FrozenSet, _) => {
                let mut items = self.pop_mark(at)?;
                let n = self.room(0, items.len());
                items.truncate(n);
                let v = self.alloc(Node::Set(items));
                self.push(v)?;
            }
            (Op::Tuple1 | Op::Tuple2 | Op::Tuple3, _) => {
                let n = match ins.op {
                    Op::Tuple1 => 1,
                    Op::Tuple2 => 2,
                    _ => 3,
                };
                let mut items = [V::None; 3];
                for slot in items[..n].iter_mut().rev() {
                    *slot = self.pop(at)?;
                }
                let v = self.tuple(&items[..n]);
                self.push(v)?;
            }
            (Op::Dict, _) => {
                let items = self.pop_mark(at)?;
                if !items.len().is_multiple_of(2) {
                    return Err(Self::bad(at, "odd number of items for DICT"));
                }
                let n = self.room(0, items.len() / 2);
                let pairs = items.chunks(2).take(n).map(|p| (p[0], p[1])).collect();
                let v = self.alloc(Node::Dict(pairs));
                self.push(v)?;
            }
            (Op::SetItem, _) => {
                let value = self.pop(at)?;
                let key = self.pop(at)?;
                let target = self.top(at)?;
                self.set_items(target, &[key, value], at, "SETITEM")?;
            }
            (Op::SetItems, _) => {
                let items = self.pop_mark(at)?;
                if !items.len().is_multiple_of(2) {
                    return Err(Self::bad(at, "odd number of items for SETITEMS"));
                }
                let target = self.top(at)?;
                self.set_items(target, &items, at, "SETITEMS")?;
            }
            (Op::Get, Arg::Line(s)) => {
                let key = decode::parse_int(s.get(data))
                    .ok_or_else(|| Self::bad(at, "GET argument is not an integer"))?;
                let v = u64::try_from(key).ok().and_then(|k| self.memo_get(k));
                let v = v.ok_or_else(|| Self::bad(at, format!("memo key {key} is not defined")))?;
                self.push(v)?;
            }
            (Op::BinGet | Op::LongBinGet, Arg::U(k)) => {
                let v = self
                    .memo_get(k)
                    .ok_or_else(|| Self::bad(at, format!("memo key {k} is not defined")))?;
                self.push(v)?;
            }
            (Op::Put, Arg::Line(s)) => {
                let key = decode::parse_int(s.get(data))
                    .ok_or_else(|| Self::bad(at, "PUT argument is not an integer"))?;
                let key = u64::try_from(key).map_err(|_| Self::bad(at, "negative PUT argument"))?;
                let v = self.top(at)?;
                self.memo_put(key, v)?;
            }
            (Op::BinPut | Op::LongBinPut, Arg::U(k)) => {
                let v = self.top(at)?;
                self.memo_put(k, v)?;
            }
            (Op::Memoize, _) => {
                let v = self.top(at)?;
                self.memo_put(self.memo_len as u64, v)?;
            }
            (Op::Global, Arg::Lines(m, n)) => {
                let module = std::str::from_utf8(m.get(data))
                    .map_err(|_| Self::bad(at, "GLOBAL module name is not UTF-8"))?;
                let name = std::str::from_utf8(n.get(data))
                    .map_err(|_| Self::bad(at, "GLOBAL name is not UTF-8"))?;
                let v = self.global(module, name, at, "GLOBAL", None)?;
                self.push(v)?;
            }
            (Op::Inst, Arg::Lines(m, n)) => {
                let module = std::str::from_utf8(m.get(data))
                    .ok()
                    .filter(|s| s.is_ascii());
                let name = std::str::from_utf8(n.get(data))
                    .ok()
                    .filter(|s| s.is_ascii());
                let (Some(module), Some(name)) = (module, name) else {
                    return Err(Self::bad(at, "INST names are not ASCII"));
                };
                // find_class runs (and imports) before the unpickler looks for the MARK.
                let cls = self.global(module, name, at, "INST", None)?;
                let args = self.pop_mark(at)?;
                let args = self.tuple(&args);
                let v = self.call(ctx, seen, cls, args, CallKind::Inst, at)?;
                self.push(v)?;
            }
            (Op::StackGlobal, _) => {
                let name = self.pop(at)?;
                let module = self.pop(at)?;
                let v = self.stack_global(module, name, at)?;
                self.push(v)?;
            }
            (Op::Reduce, _) => {
                let args = self.pop(at)?;
                let func = self.pop(at)?;
                self.check_args(args, at, "REDUCE")?;
                let v = self.call(ctx, seen, func, args, CallKind::Reduce, at)?;
                self.push(v)?;
            }
            (Op::Obj, _) => {
                let items = self.pop_mark(at)?;
                let (&cls, rest) = items
                    .split_first()
                    .ok_or_else(|| Self::bad(at, "stack underflow"))?;
                let args = self.tuple(rest);
                let v = self.call(ctx, seen, cls, args, CallKind::Obj, at)?;
                self.push(v)?;
            }
            (Op::NewObj, _) => {
                let args = self.pop(at)?;
                let cls = self.pop(at)?;
                self.check_args(args, at, "NEWOBJ")?;
                let v = self.call(ctx, seen, cls, args, CallKind::NewObj, at)?;
                self.push(v)?;
            }
            (Op::NewObjEx, _) => {
                let _kwargs = self.pop(at)?;
                let args = self.pop(at)?;
                let cls = self.pop(at)?;
                self.check_args(args, at, "NEWOBJ_EX")?;
                let v = self.call(ctx, seen, cls, args, CallKind::NewObjEx, at)?;
                self.push(v)?;
            }
            (Op::Build, _) => {
                let state = self.pop(at)?;
                let inst = self.top(at)?;
                self.build(ctx, seen, inst, state, at)?;
            }
            (Op::Ext1 | Op::Ext2, Arg::U(code)) => self.extension(code, at)?,
            (Op::Ext4, Arg::I(code)) => self.extension(code as u64, at)?,
            (Op::PersId, Arg::Line(_)) => {
                let v = self.alloc(Node::Opaque(Opaque::PersistentId));
                self.push(v)?;
            }
            (Op::BinPersId, _) => {
                let pid = self.pop(at)?;
                self.persistent_id(pid);
                let v = self.alloc(Node::Opaque(Opaque::PersistentId));
                self.push(v)?;
            }
            (Op::Proto, Arg::U(p)) => {
                if at as usize != self.start {
                    self.note(
                        &rules::protocol_anomaly::RULE,
                        Severity::Low,
                        at,
                        format!("PROTO {p} mid-stream"),
                        format!("PROTO {p} appears after the start of the stream, where no pickler writes it"),
                    );
                }
            }
            (Op::Frame, _) => {}
            (op, arg) => {
                return Err(Self::bad(
                    at,
                    format!("{} with an unexpected argument {arg:?}", op.name()),
                ));
            }
        }
        Ok(None)
    }
}

/// Rules an alternative reading of an already reported stream may add.
fn quiet_rule(rule: &Rule) -> bool {
    [
        rules::unsafe_callable::RULE.code,
        rules::non_allowlisted_callable::RULE.code,
        rules::unresolvable_callable::RULE.code,
        rules::embedded_code::RULE.code,
        rules::extension_code::RULE.code,
        rules::mutates_imported_object::RULE.code,
    ]
    .contains(&rule.code)
}

/// The finding a callable earns from its most severe use, if any.
fn judge_uses(c: &Callable) -> Option<(&'static Rule, Severity, u64, String)> {
    let (usage, at, how) = c.uses.best?;
    let mut shown = if c.raw == c.path {
        format!("`{}`", c.path)
    } else {
        format!("`{}` (`{}`)", c.raw, c.path)
    };
    if let Some(via) = &c.via {
        shown.push_str(&format!(" obtained through `{via}`"));
    }
    let what = match usage {
        Usage::Referenced => "imports",
        Usage::Instantiated => "instantiates",
        Usage::Invoked => "calls",
    };
    let verdict = match c.verdict {
        Verdict::Allowed => return None,
        // `numpy.memmap` rebuilt by `_reconstruct` is an array; called, it opens a file.
        Verdict::ReferenceOnly if usage < Usage::Invoked => return None,
        Verdict::Unknown if c.member_of_allowed && usage == Usage::Referenced => return None,
        Verdict::ReferenceOnly => Verdict::Unknown,
        Verdict::Conditional { otherwise } => {
            if c.uses.calls > 0 && c.uses.excused >= c.uses.calls {
                return None;
            }
            match otherwise {
                Fallback::Denied {
                    severity,
                    why,
                    matched,
                } => Verdict::Denied {
                    severity,
                    why,
                    matched,
                },
                Fallback::Unknown => Verdict::Unknown,
            }
        }
        v => v,
    };
    match verdict {
        Verdict::Denied {
            severity,
            why,
            matched,
        } => {
            let table = if matched == c.path {
                String::new()
            } else {
                format!(" (listed under `{matched}`)")
            };
            Some((
                &rules::unsafe_callable::RULE,
                severity,
                at,
                format!("pickle {what} {shown}, which {}{table}; {how}", why.text()),
            ))
        }
        Verdict::Dunder => Some((
            &rules::unsafe_callable::RULE,
            Severity::Critical,
            at,
            format!(
                "pickle {what} {shown}, which reaches interpreter internals through a dunder attribute; {how}"
            ),
        )),
        _ => {
            let severity = match usage {
                Usage::Invoked => Severity::High,
                _ if c.name.module == "__main__" => Severity::Low,
                _ => Severity::Medium,
            };
            Some((
                &rules::non_allowlisted_callable::RULE,
                severity,
                at,
                format!("pickle {what} {shown}, which is not on the allowlist; {how}"),
            ))
        }
    }
}

fn is_joblib_wrapper(path: &str) -> bool {
    path == "joblib.numpy_pickle.NumpyArrayWrapper"
}

impl<'d, 'p> Vm<'d, 'p> {
    fn int(&mut self, i: i128) -> V {
        match i64::try_from(i) {
            Ok(v) => V::Int(v),
            Err(_) => self.alloc(Node::Long(Some(i.to_le_bytes()))),
        }
    }

    fn computed(&mut self) -> V {
        self.alloc(Node::Opaque(Opaque::Computed))
    }

    fn mutation(&mut self, id: u32, at: u64, op: &'static str) {
        let Some(c) = self.callables.get(id as usize) else {
            return;
        };
        let (raw, path) = (c.raw.clone(), c.path.clone());
        self.note(
            &rules::mutates_imported_object::RULE,
            Severity::Critical,
            at,
            path,
            format!("{op} modifies `{raw}`, an imported module-level object, for the whole loading process"),
        );
    }

    fn extend(&mut self, target: V, items: &[V], at: u64, op: &'static str) -> Result<(), Halt> {
        match target {
            V::Obj(i) => match self.nodes.get(i as usize) {
                Some(Node::List(_) | Node::Set(_)) => {
                    self.add_items(i as usize, items);
                    Ok(())
                }
                // The object's own append/extend/add method runs.
                Some(
                    Node::Call(_)
                    | Node::Opaque(_)
                    | Node::Partial(_)
                    | Node::AttrGetter(_)
                    | Node::MethodCaller(_),
                ) => {
                    self.calls += 1;
                    Ok(())
                }
                Some(_) => Err(Self::bad(at, format!("{op} on a value that cannot grow"))),
                None => Ok(()),
            },
            V::Global(id) => {
                self.calls += 1;
                self.mutation(id, at, op);
                Ok(())
            }
            V::Lost => Ok(()),
            _ => Err(Self::bad(at, format!("{op} on a value that cannot grow"))),
        }
    }

    fn set_items(&mut self, target: V, kv: &[V], at: u64, op: &'static str) -> Result<(), Halt> {
        let current = match self.node(target) {
            Some(Node::Dict(pairs)) => Some(pairs.len()),
            _ => None,
        };
        if let (V::Obj(i), Some(current)) = (target, current) {
            let n = self.room(current, kv.len() / 2);
            if let Some(Node::Dict(pairs)) = self.nodes.get_mut(i as usize) {
                pairs.extend(
                    kv.chunks(2)
                        .take(n)
                        .filter_map(|p| Some((*p.first()?, *p.get(1)?))),
                );
            }
            return Ok(());
        }
        match target {
            V::Obj(i) => match self.nodes.get_mut(i as usize) {
                Some(
                    Node::Call(_)
                    | Node::Opaque(_)
                    | Node::Partial(_)
                    | Node::AttrGetter(_)
                    | Node::MethodCaller(_),
                ) => {
                    self.calls += 1;
                    Ok(())
                }
                Some(_) => Err(Self::bad(
                    at,
                    format!("{op} on a value that is not a mapping"),
                )),
                None => Ok(()),
            },
            V::Global(id) => {
                self.calls += 1;
                self.mutation(id, at, op);
                Ok(())
            }
            V::Lost => Ok(()),
            _ => Err(Self::bad(
                at,
                format!("{op} on a value that is not a mapping"),
            )),
        }
    }

    /// REDUCE and NEWOBJ fail at load time unless their argument is a tuple.
    fn check_args(&self, args: V, at: u64, op: &'static str) -> Result<(), Halt> {
        let ok = match args {
            V::Obj(_) => !matches!(
                self.node(args),
                Some(
                    Node::List(_)
                        | Node::Dict(_)
                        | Node::Set(_)
                        | Node::Text(_)
                        | Node::Blob(_)
                        | Node::Latin1(_)
                        | Node::Long(_)
                )
            ),
            V::Global(_) | V::Lost => true,
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(Self::bad(at, format!("{op} argument is not a tuple")))
        }
    }

    fn operand(&self, v: V) -> String {
        match self.text(v) {
            Some(t) => t.into_owned(),
            None => self.describe(v),
        }
    }

    fn stack_global(&mut self, module: V, name: V, at: u64) -> Result<V, Halt> {
        let m = self.text(module).map(Cow::into_owned);
        let n = self.text(name).map(Cow::into_owned);
        if let (Some(m), Some(n)) = (m, n) {
            return self.global(&m, &n, at, "STACK_GLOBAL", None);
        }
        if module == V::Lost || name == V::Lost {
            return Ok(V::Lost);
        }
        // Only a function's result can be a str; an instance made by NEWOBJ cannot.
        let computed = |v: V| match self.node(v) {
            Some(Node::Call(c)) => !matches!(c.kind, CallKind::NewObj | CallKind::NewObjEx),
            Some(Node::Opaque(o)) => *o != Opaque::Array,
            _ => false,
        };
        if !(computed(module) || computed(name)) {
            return Err(Self::bad(at, "STACK_GLOBAL requires str"));
        }
        let desc = format!("{} . {}", self.operand(module), self.operand(name));
        self.note(
            &rules::unresolvable_callable::RULE,
            Severity::Critical,
            at,
            desc.clone(),
            format!("STACK_GLOBAL names a callable from values computed at load time ({desc}); what it imports cannot be known without running the pickle"),
        );
        Ok(self.alloc(Node::Opaque(Opaque::Unresolved)))
    }

    fn call(
        &mut self,
        ctx: &mut Ctx<'_>,
        seen: &mut Seen,
        func: V,
        args: V,
        kind: CallKind,
        at: u64,
    ) -> Result<V, Halt> {
        self.calls += 1;
        let mut func = func;
        for _ in 0..MAX_INDIRECTION {
            match func {
                V::Global(id) => return self.call_global(ctx, seen, id, args, kind, at),
                V::Obj(_) => match self.node(func) {
                    Some(Node::Partial(f)) => func = *f,
                    Some(Node::AttrGetter(name)) => {
                        let name = name.to_string();
                        let mut v = self
                            .items(args)
                            .and_then(|a| a.first().copied())
                            .unwrap_or(V::Lost);
                        for part in name.split('.') {
                            v = match v {
                                V::Global(g) => {
                                    self.attribute(g, part, at, "operator.attrgetter")?
                                }
                                _ => return Ok(self.computed()),
                            };
                        }
                        return Ok(v);
                    }
                    Some(Node::MethodCaller(name)) => {
                        let name = name.to_string();
                        if let Some(V::Global(g)) =
                            self.items(args).and_then(|a| a.first().copied())
                            && let V::Global(m) =
                                self.attribute(g, &name, at, "operator.methodcaller")?
                        {
                            self.use_callable(m, Usage::Invoked, at, kind.op());
                        }
                        return Ok(self.computed());
                    }
                    Some(Node::Call(_) | Node::Opaque(_)) => {
                        let desc = format!("{}()", self.describe(func));
                        let severity = if self.produced_by_allowed(func) {
                            Severity::High
                        } else {
                            Severity::Critical
                        };
                        self.note(
                            &rules::unresolvable_callable::RULE,
                            severity,
                            at,
                            desc.clone(),
                            format!("{} calls the result of `{}`, a callable computed at load time that cannot be resolved statically", kind.op(), self.describe(func)),
                        );
                        return Ok(self.computed());
                    }
                    Some(_) => {
                        return Err(Self::bad(
                            at,
                            format!("{} on a value that is not callable", kind.op()),
                        ));
                    }
                    None => return Ok(V::Lost),
                },
                V::Lost => return Ok(V::Lost),
                _ => {
                    return Err(Self::bad(
                        at,
                        format!("{} on a value that is not callable", kind.op()),
                    ));
                }
            }
        }
        Ok(self.computed())
    }

    fn call_global(
        &mut self,
        ctx: &mut Ctx<'_>,
        seen: &mut Seen,
        id: u32,
        args: V,
        kind: CallKind,
        at: u64,
    ) -> Result<V, Halt> {
        let Some(c) = self.callables.get(id as usize) else {
            return Ok(V::Lost);
        };
        let hook = c.hook;
        let class_like = is_class_like(&c.name.qualname);
        let usage = match kind {
            CallKind::Reduce => Usage::Invoked,
            CallKind::Inst | CallKind::Obj
                if class_like && self.items(args).is_some_and(<[V]>::is_empty) =>
            {
                Usage::Instantiated
            }
            CallKind::Inst | CallKind::Obj => Usage::Invoked,
            CallKind::NewObj | CallKind::NewObjEx => Usage::Instantiated,
        };
        self.use_callable(id, usage, at, kind.op());
        if args == V::Lost {
            // Past the object limit the arguments are unknown and that is already recorded as
            // a problem: a conditionally allowed callable is not reported on top of it.
            if matches!(
                self.callables.get(id as usize).map(|c| c.verdict),
                Some(Verdict::Conditional { .. })
            ) {
                self.excuse(id);
            }
            return Ok(V::Lost);
        }
        if usage == Usage::Invoked
            && let Some(h) = hook
            && let Some(v) = self.apply_hook(ctx, seen, h, id, args, at)?
        {
            return Ok(v);
        }
        Ok(self.alloc(Node::Call(Box::new(Call {
            func: V::Global(id),
            args,
            kind,
            state: None,
        }))))
    }

    fn apply_hook(
        &mut self,
        ctx: &mut Ctx<'_>,
        seen: &mut Seen,
        hook: Hook,
        id: u32,
        args: V,
        at: u64,
    ) -> Result<Option<V>, Halt> {
        let items: Vec<V> = self.items(args).map(<[V]>::to_vec).unwrap_or_default();
        let arg = |i: usize| items.get(i).copied();
        let path = self
            .callables
            .get(id as usize)
            .map(|c| c.path.clone())
            .unwrap_or_default();
        let lit = |vm: &Self, i: usize| arg(i).and_then(|v| vm.text(v)).map(Cow::into_owned);
        match hook {
            Hook::Reconstructor => {
                if let Some(V::Global(c)) = arg(0) {
                    self.use_callable(c, Usage::Instantiated, at, "copyreg._reconstructor");
                }
                if let Some(V::Global(b)) = arg(1)
                    && self.global_path(V::Global(b)) != Some("builtins.object")
                {
                    self.use_callable(b, Usage::Invoked, at, "copyreg._reconstructor");
                }
                Ok(None)
            }
            Hook::NewObjFn | Hook::NumpyReconstruct => {
                if let Some(V::Global(c)) = arg(0) {
                    self.use_callable(c, Usage::Instantiated, at, "REDUCE");
                }
                Ok(None)
            }
            Hook::Latin1Encode => {
                let enc = lit(self, 1).map(|e| e.to_ascii_lowercase().replace('_', "-"));
                let latin = enc.as_deref().is_some_and(|e| {
                    matches!(
                        e,
                        "latin1" | "latin-1" | "iso-8859-1" | "iso8859-1" | "l1" | "latin"
                    )
                });
                if !latin {
                    return Ok(None);
                }
                match arg(0) {
                    // Array data can be large: keep a reference, decode only if a loader wants it.
                    Some(V::Str(span)) => {
                        self.excuse(id);
                        Ok(Some(self.alloc(Node::Latin1(span))))
                    }
                    Some(v) => match self.text(v).map(|t| decode::latin1(&t)) {
                        Some(bytes) => {
                            self.excuse(id);
                            Ok(Some(match bytes {
                                Some(b) => self.alloc(Node::Blob(b.into())),
                                None => self.computed(),
                            }))
                        }
                        None => Ok(None),
                    },
                    None => Ok(None),
                }
            }
            Hook::UfuncReconstruct => match (lit(self, 0), lit(self, 1)) {
                (Some(m), Some(n)) => {
                    if m == "numpy" || m.starts_with("numpy.") || m.starts_with("scipy.") {
                        self.excuse(id);
                    }
                    Ok(Some(self.global(&m, &n, at, "REDUCE", Some(&path))?))
                }
                _ => Ok(None),
            },
            Hook::GetAttr => match (arg(0), lit(self, 1)) {
                (Some(V::Global(g)), Some(name)) => {
                    // A public attribute of an allowlisted class is how enum members (3.12+)
                    // and `enum.Flag` values are pickled; anything else keeps getattr's rank.
                    let allowed = self
                        .callables
                        .get(g as usize)
                        .is_some_and(|c| c.verdict == Verdict::Allowed);
                    if allowed
                        && !name.starts_with('_')
                        && decode::is_importable_name(&name)
                        && !name.contains('.')
                    {
                        self.excuse(id);
                    }
                    Ok(Some(self.attribute(g, &name, at, &path)?))
                }
                _ => Ok(None),
            },
            Hook::Import => match lit(self, 0) {
                Some(m) => Ok(Some(self.global(&m, "", at, "REDUCE", Some(&path))?)),
                None => Ok(None),
            },
            Hook::ResolveName => match lit(self, 0) {
                Some(s) => {
                    let (m, q) = s.split_once(':').unwrap_or((s.as_str(), ""));
                    Ok(Some(self.global(m, q, at, "REDUCE", Some(&path))?))
                }
                None => Ok(None),
            },
            Hook::AttrGetter => Ok(lit(self, 0).map(|n| self.alloc(Node::AttrGetter(n.into())))),
            Hook::MethodCaller => {
                Ok(lit(self, 0).map(|n| self.alloc(Node::MethodCaller(n.into()))))
            }
            Hook::Partial => match arg(0) {
                Some(f) => {
                    if let V::Global(g) = f
                        && self
                            .callables
                            .get(g as usize)
                            .is_some_and(|c| c.verdict == Verdict::Allowed)
                    {
                        self.excuse(id);
                    }
                    Ok(Some(self.alloc(Node::Partial(f))))
                }
                None => Ok(None),
            },
            Hook::Loader => {
                self.loader(ctx, seen, &path, &items, at);
                Ok(None)
            }
            Hook::CodeBuilder => {
                let code = items.iter().find_map(|&v| match v {
                    V::Bytes(s) => Some(s.len),
                    _ => None,
                });
                let from = code
                    .map(|n| format!(" from {n} bytes of marshalled code"))
                    .unwrap_or_default();
                self.note(
                    &rules::embedded_code::RULE,
                    Severity::Critical,
                    at,
                    path.clone(),
                    format!("`{path}` builds a code object or function at load time{from}"),
                );
                Ok(None)
            }
            Hook::BuiltinType => match lit(self, 0) {
                Some(n) => Ok(Some(self.global("types", &n, at, "REDUCE", Some(&path))?)),
                None => Ok(None),
            },
            Hook::Base64 | Hook::Hex | Hook::Zlib => {
                let Some(input) = arg(0).and_then(|v| self.payload(v)) else {
                    return Ok(None);
                };
                let out = match hook {
                    Hook::Base64 => decode::base64(&input),
                    Hook::Hex => decode::hex(&input),
                    _ => decode::zlib(&input),
                };
                Ok(out.map(|b| self.alloc(Node::Blob(b.into()))))
            }
            Hook::BytesIo => Ok(None),
        }
    }

    /// A loader called on bytes the pickle carries: report it and scan the payload.
    fn loader(&mut self, ctx: &mut Ctx<'_>, seen: &mut Seen, path: &str, items: &[V], at: u64) {
        // `pickle.load`, `torch.load`, `joblib.load`, `numpy.load` take files: only an
        // `io.BytesIO(data)` argument carries a payload; a string is a path.
        let file_loader = path.ends_with(".load") || path.ends_with("._load");
        let mut payloads = Vec::new();
        for &v in items {
            let wrapped = matches!(self.node(v), Some(Node::Call(c)) if self.global_path(c.func) == Some("io.BytesIO"));
            if file_loader && !wrapped {
                continue;
            }
            if let Some(p) = self.payload(v).filter(|p| !p.is_empty()) {
                payloads.push(p);
            }
        }
        for p in payloads {
            self.note(
                &rules::embedded_code::RULE,
                Severity::Critical,
                at,
                path.to_string(),
                format!("`{path}` deserialises a {}-byte payload embedded in the pickle (scanned as `<nested pickle>`)", p.len()),
            );
            if !seen.insert(at) {
                continue;
            }
            if ctx.state.nested_pickles >= ctx.limits.max_nested_pickles {
                ctx.problem(
                    ProblemKind::LimitExceeded,
                    Some(at),
                    format!(
                        "more than {} nested pickles; this one is not scanned",
                        ctx.limits.max_nested_pickles
                    ),
                );
                continue;
            }
            ctx.state.nested_pickles += 1;
            let direct = !file_loader && !path.starts_with("torch.");
            ctx.enter("<nested pickle>", |c| {
                if direct {
                    super::scan(c, &p);
                } else {
                    crate::dispatch::scan(c, &p);
                }
            });
        }
    }

    fn build(
        &mut self,
        ctx: &mut Ctx<'_>,
        seen: &mut Seen,
        inst: V,
        state: V,
        at: u64,
    ) -> Result<(), Halt> {
        self.calls += 1;
        match inst {
            V::Global(id) => {
                self.mutation(id, at, "BUILD");
                Ok(())
            }
            V::Obj(i) => {
                let first = self.items(state).and_then(|s| s.first().copied());
                match self.nodes.get_mut(i as usize) {
                    Some(Node::Call(c)) => {
                        c.state = Some(state);
                        let func = c.func;
                        if self.opts.joblib && self.global_path(func).is_some_and(is_joblib_wrapper)
                        {
                            self.joblib_array(ctx, seen, state, at)?;
                        }
                        Ok(())
                    }
                    Some(Node::Partial(f)) => {
                        if let Some(first) = first {
                            *f = first;
                        }
                        Ok(())
                    }
                    Some(Node::Opaque(_) | Node::AttrGetter(_) | Node::MethodCaller(_)) | None => {
                        Ok(())
                    }
                    Some(_) => Err(Self::bad(at, "BUILD on a value that has no attributes")),
                }
            }
            V::Lost => Ok(()),
            _ => Err(Self::bad(at, "BUILD on a value that has no attributes")),
        }
    }

    /// Item size and whether a `numpy.dtype(...)` value holds Python objects.
    fn dtype_info(&self, v: V) -> Option<(u64, bool)> {
        let Some(Node::Call(c)) = self.node(v) else {
            return None;
        };
        if self.global_path(c.func) != Some("numpy.dtype") {
            return None;
        }
        let typestr = self
            .items(c.args)
            .and_then(|a| a.first().copied())
            .and_then(|t| self.text(t))?
            .into_owned();
        let state = c.state.and_then(|s| self.items(s)).unwrap_or(&[]);
        let int_at = |i: usize| match state.get(i) {
            Some(V::Int(n)) => Some(*n),
            _ => None,
        };
        let t = typestr.trim_start_matches(['<', '>', '|', '=']);
        let has_object = t.starts_with('O') || int_at(7).is_some_and(|f| f & 1 == 1);
        let digits: String = t.chars().skip(1).take_while(char::is_ascii_digit).collect();
        let size = match int_at(5) {
            Some(n) if n > 0 => n as u64,
            _ => digits.parse::<u64>().ok().filter(|&n| n > 0)?,
        };
        Some((size, has_object))
    }

    /// joblib writes each array's bytes right after its `NumpyArrayWrapper` (after a padding
    /// byte and padding when the wrapper records an alignment); object arrays follow as a pickle
    /// stream of their own. Skips (or scans) them the way `NumpyArrayWrapper.read` reads them.
    fn joblib_array(
        &mut self,
        ctx: &mut Ctx<'_>,
        seen: &mut Seen,
        state: V,
        at: u64,
    ) -> Result<(), Halt> {
        if state == V::Lost {
            return Err(Halt::Limit(
                "a joblib array wrapper was built past the object limit; its array data cannot be skipped, so the rest is not scanned"
                    .to_string(),
            ));
        }
        let Some(Node::Dict(pairs)) = self.node(state) else {
            return Err(Self::bad(at, "joblib array wrapper state is not a dict"));
        };
        let get = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| self.text(*k).as_deref() == Some(key))
                .map(|p| p.1)
        };
        let (shape, dtype, align) = (
            get("shape"),
            get("dtype"),
            get("numpy_array_alignment_bytes"),
        );
        let Some((itemsize, has_object)) = dtype.and_then(|d| self.dtype_info(d)) else {
            return Err(Self::bad(
                at,
                "joblib array wrapper without a dtype the scanner understands; its data cannot be skipped",
            ));
        };
        if has_object {
            let out = run(
                ctx,
                self.data,
                self.r.pos(),
                Opts {
                    joblib: false,
                    ..self.opts
                },
                seen,
            );
            self.calls += out.calls;
            match out.end {
                End::Stop => self.r.seek(out.next),
                End::Broken(b) => return Err(Halt::Broken(b)),
                End::Limit(m) => return Err(Halt::Limit(m)),
            }
        } else {
            let dims = match shape {
                Some(V::Int(n)) => Some(vec![V::Int(n)]),
                Some(s) => self.items(s).map(<[V]>::to_vec),
                None => None,
            };
            let count = dims.and_then(|d| {
                d.iter().try_fold(1u64, |acc, v| match v {
                    V::Int(n) if *n >= 0 => acc.checked_mul(*n as u64),
                    _ => None,
                })
            });
            let count = count.ok_or_else(|| {
                Self::bad(at, "joblib array wrapper shape is not a tuple of sizes")
            })?;
            let mut pos = self.r.pos();
            if matches!(align, Some(V::Int(n)) if n > 0) {
                let pad = *self
                    .data
                    .get(pos)
                    .ok_or(Broken::Truncated { at: pos as u64 })?;
                pos += 1 + usize::from(pad);
            }
            let end = count
                .checked_mul(itemsize)
                .and_then(|n| usize::try_from(n).ok())
                .and_then(|n| pos.checked_add(n))
                .ok_or_else(|| Self::bad(at, "joblib array size overflows"))?;
            if end > self.data.len() {
                return Err(Halt::Broken(Broken::Truncated { at: pos as u64 }));
            }
            self.r.seek(end);
        }
        self.joblib_skipped = true;
        let v = self.alloc(Node::Opaque(Opaque::Array));
        self.set_top(v);
        Ok(())
    }

    fn extension(&mut self, code: u64, at: u64) -> Result<(), Halt> {
        self.note(
            &rules::extension_code::RULE,
            Severity::High,
            at,
            format!("EXT code {code}"),
            format!("extension code {code} names a callable from the loading process's copyreg registry, which the pickle does not show"),
        );
        let v = self.alloc(Node::Opaque(Opaque::Extension));
        self.push(v)
    }

    fn persistent_id(&mut self, pid: V) {
        let Some(items) = self.items(pid) else { return };
        let (Some(&tag), Some(&class), Some(&key)) = (items.first(), items.get(1), items.get(2))
        else {
            return;
        };
        if self.text(tag).as_deref() != Some("storage") {
            return;
        }
        let Some(key) = self.text(key).map(Cow::into_owned) else {
            return;
        };
        let class = self.global_path(class).map(str::to_string);
        self.storages.push(StorageRef { key, class });
    }

    fn summary(&self, v: V, depth: u32) -> Summary {
        if let Some(t) = self.text(v) {
            return Summary::Str(t.into_owned());
        }
        match v {
            V::Int(i) => Summary::Int(i128::from(i)),
            V::Bool(b) => Summary::Bool(b),
            V::Global(_) => self
                .global_path(v)
                .map(|p| Summary::Global(p.to_string()))
                .unwrap_or(Summary::Other),
            V::Obj(_) => match self.node(v) {
                Some(Node::Long(Some(i))) => Summary::Int(i128::from_le_bytes(*i)),
                Some(Node::List(items)) if depth < 3 => {
                    Summary::Seq(items.iter().map(|&x| self.summary(x, depth + 1)).collect())
                }
                Some(Node::Tuple { .. }) if depth < 3 => Summary::Seq(
                    self.items(v)
                        .unwrap_or(&[])
                        .iter()
                        .map(|&x| self.summary(x, depth + 1))
                        .collect(),
                ),
                Some(Node::Dict(pairs)) if depth < 3 => Summary::Dict(
                    pairs
                        .iter()
                        .filter_map(|&(k, x)| {
                            Some((self.text(k)?.into_owned(), self.summary(x, depth + 1)))
                        })
                        .collect(),
                ),
                _ => Summary::Other,
            },
            _ => Summary::Other,
        }
    }
}
#[cfg(test)]
mod tests {
    #[test]
    fn modelled_values_stay_small() {
        // The object table is bounded by count; keeping entries small keeps its memory bounded.
        assert!(std::mem::size_of::<super::V>() <= 24);
        assert!(std::mem::size_of::<super::Node>() <= 32);
    }
}
