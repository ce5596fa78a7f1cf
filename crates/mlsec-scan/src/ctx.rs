//! The state one file's scan carries through every reader and container level.

use crate::limits::Limits;
use crate::policy::Policy;
use crate::rules::Rule;
use mlsec_core::{Confidence, Finding, Location, Problem, ProblemKind, Severity};
use std::collections::HashSet;

/// What a scan of one file accumulates.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub findings: Vec<Finding>,
    pub problems: Vec<Problem>,
    /// Formats seen, outermost first, as `chain => format` pairs for the report.
    pub formats: Vec<(String, &'static str)>,
    /// Bytes produced by decompression so far (budget: `Limits::max_inflated_bytes`).
    pub inflated_bytes: u64,
    /// Archive entries visited so far (budget: `Limits::max_entries`).
    pub entries: u64,
    /// Nested pickles followed so far (budget: `Limits::max_nested_pickles`).
    pub nested_pickles: u32,
    /// Keys of findings already reported, so that duplicates are dropped in O(1).
    seen: HashSet<(&'static str, Location, Option<String>)>,
}

/// The scan context: limits, policy, where we are (the container chain) and what we found.
///
/// Readers report through it and recurse into members with [`Ctx::scan_member`], which
/// enforces the depth limit.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    pub limits: &'a Limits,
    pub policy: &'a Policy,
    chain: Vec<String>,
    pub state: State,
    /// Python modules whose source ships in the archive being read (a torch.package's
    /// interned modules): classes from them are judged by their source, not as unknown.
    pub local_modules: Vec<String>,
}

impl<'a> Ctx<'a> {
    pub fn new(limits: &'a Limits, policy: &'a Policy, root: String) -> Ctx<'a> {
        Ctx {
            limits,
            policy,
            chain: vec![root],
            state: State::default(),
            local_modules: Vec::new(),
        }
    }

    /// Containers between the scanned file and the current element (0 for the file itself).
    pub fn depth(&self) -> u32 {
        (self.chain.len() - 1) as u32
    }

    /// The name of the current element (the member name inside its container, or the file).
    pub fn name(&self) -> &str {
        self.chain.last().map(String::as_str).unwrap_or("")
    }

    /// The location of the current element at `offset`.
    pub fn loc(&self, offset: Option<u64>) -> Location {
        Location {
            chain: self.chain.clone(),
            offset,
        }
    }

    /// Reports a finding of `rule` with its default severity and high confidence.
    pub fn report(
        &mut self,
        rule: &'static Rule,
        offset: Option<u64>,
        message: impl Into<String>,
        evidence: Option<String>,
    ) {
        self.report_with(
            rule,
            rule.severity,
            Confidence::High,
            offset,
            message,
            evidence,
        );
    }

    /// Reports a finding with an explicit severity and confidence (rules whose severity
    /// depends on what they saw, e.g. which callable a pickle names).
    pub fn report_with(
        &mut self,
        rule: &'static Rule,
        severity: Severity,
        confidence: Confidence,
        offset: Option<u64>,
        message: impl Into<String>,
        evidence: Option<String>,
    ) {
        let location = self.loc(offset);
        let message = message.into();
        // The same rule at the same place with the same evidence is one finding.
        let key = (rule.code, location.clone(), evidence.clone());
        if self.state.seen.contains(&key) {
            return;
        }
        self.state.seen.insert(key);
        self.state.findings.push(Finding {
            rule: rule.code,
            severity,
            confidence,
            location,
            message,
            evidence,
        });
    }

    /// Records that part of the input could not be fully checked.
    pub fn problem(&mut self, kind: ProblemKind, offset: Option<u64>, message: impl Into<String>) {
        let location = self.loc(offset);
        self.state.problems.push(Problem {
            kind,
            location,
            message: message.into(),
        });
    }

    /// Records the format of the current element.
    pub fn note_format(&mut self, format: &'static str) {
        let chain = self.chain.join("!/");
        self.state.formats.push((chain, format));
    }

    /// Runs `f` one level down, on the member `name` of the current container.
    /// Returns `None` (after recording a problem) when the depth limit is reached.
    pub fn enter<R>(&mut self, name: &str, f: impl FnOnce(&mut Ctx<'a>) -> R) -> Option<R> {
        if self.depth() >= self.limits.max_depth {
            self.problem(
                ProblemKind::LimitExceeded,
                None,
                format!(
                    "member `{name}` is nested deeper than {} containers; not scanned",
                    self.limits.max_depth
                ),
            );
            return None;
        }
        self.chain.push(name.to_string());
        let r = f(self);
        self.chain.pop();
        Some(r)
    }

    /// Identifies the member `name` by content and scans it with the matching reader.
    pub fn scan_member(&mut self, name: &str, data: &[u8]) {
        self.enter(name, |c| crate::dispatch::scan(c, data));
    }

    /// Accounts for `n` decompressed bytes; false (with a problem recorded) once the budget
    /// for the whole file is spent.
    pub fn charge_inflated(&mut self, n: u64) -> bool {
        self.state.inflated_bytes = self.state.inflated_bytes.saturating_add(n);
        if self.state.inflated_bytes > self.limits.max_inflated_bytes {
            self.problem(
                ProblemKind::LimitExceeded,
                None,
                format!(
                    "decompressed data exceeds the limit of {} bytes for one file; the rest is not scanned",
                    self.limits.max_inflated_bytes
                ),
            );
            return false;
        }
        true
    }

    /// Accounts for one archive entry; false (with a problem recorded) once the budget is spent.
    pub fn charge_entry(&mut self) -> bool {
        self.state.entries += 1;
        if self.state.entries == self.limits.max_entries + 1 {
            self.problem(
                ProblemKind::LimitExceeded,
                None,
                format!(
                    "more than {} archive entries; the rest are not scanned",
                    self.limits.max_entries
                ),
            );
        }
        self.state.entries <= self.limits.max_entries
    }
}

/// Runs `f` on a fresh context for `name` with default limits and policy, for unit tests;
/// returns what it accumulated.
#[cfg(test)]
pub(crate) fn run_for_test(name: &str, f: impl FnOnce(&mut Ctx<'_>)) -> State {
    let limits = Limits::default();
    let policy = Policy::default();
    let mut ctx = Ctx::new(&limits, &policy, name.into());
    f(&mut ctx);
    ctx.state
}
