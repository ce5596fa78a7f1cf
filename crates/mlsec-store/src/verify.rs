//! Offline verification of a whole store.
//!
//! Everything is recomputed from the raw event bodies: leaf hashes, every subtree, the root at
//! every signed head. Stored hashes are only compared against, never used as inputs. What the
//! recomputation is checked against is what the database cannot forge without the key: head
//! signatures under a key pinned outside the database, the latest head this machine saw (kept
//! beside the key), and heads exported earlier (`--against`).

use crate::backend::{Value, in_tx};
use crate::error::Result;
use crate::event::Event;
use crate::head::{HeadJson, PublicKey, SignedHead};
use crate::merkle::{Frontier, Hash, NodeId, leaf_hash};
use crate::store::{EventFilter, Store, hash_from, int_from, read_frontier, text_from};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Rows read per query, to bound memory on large stores.
const CHUNK: i64 = 20_000;

/// What kind of tampering (or damage) an issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum IssueKind {
    /// An event's content changed after it was logged.
    Edited,
    /// A logged event is gone.
    Deleted,
    /// An event is present that the signed log never contained.
    Inserted,
    /// Events were moved to other positions.
    Reordered,
    /// The store is older than a head seen or exported before, or no longer extends it.
    Rollback,
    /// A stored signed head is invalid (bad signature, wrong origin, fields disagree).
    BadHead,
    /// A stored hash or index column disagrees with the events (proofs or filters would mislead).
    Inconsistent,
    /// The key the store records is not the trusted key.
    KeyMismatch,
}

impl IssueKind {
    /// Lowercase name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            IssueKind::Edited => "edited",
            IssueKind::Deleted => "deleted",
            IssueKind::Inserted => "inserted",
            IssueKind::Reordered => "reordered",
            IssueKind::Rollback => "rollback",
            IssueKind::BadHead => "bad-head",
            IssueKind::Inconsistent => "inconsistent",
            IssueKind::KeyMismatch => "key-mismatch",
        }
    }
}

/// One finding of the verifier, naming the entry it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// What happened.
    pub kind: IssueKind,
    /// The event (sequence number / position) concerned, when there is one.
    pub seq: Option<u64>,
    /// A sentence for a person.
    pub message: String,
}

/// Where the trusted public key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// Passed by the caller.
    Given,
    /// The store key file on this machine.
    KeyFile,
    /// The head pinned on this machine.
    Pinned,
    /// A head passed with `--against`.
    Against,
    /// Only the store's own record, which an attacker could have replaced.
    StoreRecord,
    /// No key anywhere (an empty store).
    None,
}

/// Options for [`Store::verify`].
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Heads exported earlier that the store must still extend.
    pub against: Vec<HeadJson>,
    /// The key to check head signatures with, overriding the key file.
    pub key: Option<PublicKey>,
    /// Advance this machine's pinned head when the store verifies.
    pub update_pin: bool,
}

/// The result of a verification.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// Event rows read.
    pub events: u64,
    /// Signed heads checked.
    pub heads: u64,
    /// Root recomputed over all events.
    pub root: Hash,
    /// The newest valid signed head.
    pub latest: Option<SignedHead>,
    /// The key heads were checked with.
    pub key: Option<PublicKey>,
    /// Where that key came from.
    pub key_source: KeySource,
    /// Everything wrong, ordered by position.
    pub issues: Vec<Issue>,
    /// Remarks that are not failures (e.g. how far rollback detection reaches).
    pub notes: Vec<String>,
}

impl VerifyReport {
    /// True when nothing is wrong.
    pub fn ok(&self) -> bool {
        self.issues.is_empty()
    }
}

struct Row {
    key: u64,
    body_seq: Option<u64>,
}

impl Store {
    /// Verifies the whole store offline. See the module documentation for what is trusted.
    pub fn verify(&mut self, opts: &VerifyOptions) -> Result<VerifyReport> {
        let origin = self.origin();
        let pinned = self.pinned()?;
        let local = self.local_key()?;
        let recorded = self.recorded_key()?;
        let mut issues = Vec::new();
        let mut notes = Vec::new();

        let mut against = Vec::new();
        for (i, h) in opts.against.iter().enumerate() {
            match h.open() {
                Ok(x) => against.push(x),
                Err(e) => issues.push(Issue {
                    kind: IssueKind::BadHead,
                    seq: None,
                    message: format!("head #{} given to compare against is invalid: {e}", i + 1),
                }),
            }
        }
        let pinned_open = match &pinned {
            Some(p) => match p.open() {
                Ok(x) => Some(x),
                Err(e) => {
                    issues.push(Issue {
                        kind: IssueKind::BadHead,
                        seq: None,
                        message: format!(
                            "the head pinned on this machine ({}) is invalid: {e}",
                            self.pin_path().display()
                        ),
                    });
                    None
                }
            },
            None => None,
        };
        let (key, key_source) = if let Some(k) = opts.key {
            (Some(k), KeySource::Given)
        } else if let Some(k) = local {
            (Some(k), KeySource::KeyFile)
        } else if let Some((_, k)) = &pinned_open {
            (Some(*k), KeySource::Pinned)
        } else if let Some((_, k)) = against.first() {
            (Some(*k), KeySource::Against)
        } else if let Some(k) = recorded {
            (Some(k), KeySource::StoreRecord)
        } else {
            (None, KeySource::None)
        };
        if key_source == KeySource::StoreRecord {
            notes.push("no store key on this machine: head signatures were checked against the key recorded in the store itself, which a rewrite could replace; pass --against HEAD.json or --key to pin one".into());
        }
        if let (Some(k), Some(r)) = (key, recorded)
            && k != r
        {
            issues.push(Issue {
                kind: IssueKind::KeyMismatch,
                seq: None,
                message: format!(
                    "the store records signing key {} but the trusted key is {}",
                    r.encode(),
                    k.encode()
                ),
            });
        }
        for (src, (h, k)) in pinned_open
            .iter()
            .map(|x| ("pinned", x))
            .chain(against.iter().map(|x| ("--against", x)))
        {
            if Some(*k) != key {
                issues.push(Issue {
                    kind: IssueKind::KeyMismatch,
                    seq: None,
                    message: format!(
                        "the {src} head (size {}) is signed by {}, not the trusted key",
                        h.head.size,
                        k.encode()
                    ),
                });
            }
            if h.origin != origin {
                issues.push(Issue {
                    kind: IssueKind::BadHead,
                    seq: None,
                    message: format!(
                        "the {src} head belongs to `{}`, not this store (`{origin}`)",
                        h.origin
                    ),
                });
            }
        }
        if pinned_open.is_none() && against.is_empty() {
            notes.push("no pinned or exported head to compare with: a rollback of the whole database to an older state cannot be detected on this run".into());
        }

        let (heads, rows, leaves, stored_leaves, columns, recomputed_nodes, stored_frontier) =
            in_tx(self.db.as_mut(), false, |db| {
                // Heads.
                let mut heads: Vec<(u64, std::result::Result<SignedHead, String>)> = Vec::new();
                for r in db.query(
                    "SELECT size, root, time_us, note FROM heads ORDER BY size",
                    &[],
                )? {
                    let size = int_from(&r[0], "heads.size")? as u64;
                    let parsed = text_from(&r[3], "heads.note")
                        .map_err(|e| e.to_string())
                        .and_then(|n| SignedHead::from_note(&n))
                        .and_then(|h| {
                            let root = r[1].bytes().unwrap_or_default();
                            if h.head.size != size || h.head.root.as_slice() != root {
                                Err("its size or root column differs from the signed note".into())
                            } else if h.head.time != r[2].int().unwrap_or(i64::MIN) {
                                Err("its time column differs from the signed note".into())
                            } else if h.origin != origin {
                                Err(format!("it belongs to `{}`", h.origin))
                            } else {
                                match key {
                                    Some(k) if h.verify(&k) => Ok(h),
                                    Some(_) => Err("its signature does not verify".into()),
                                    None => Err("there is no key to check it with".into()),
                                }
                            }
                        });
                    heads.push((size, parsed));
                }
                // Events, in key order, in chunks.
                let mut rows = Vec::new();
                let mut leaves = Vec::new();
                let mut stored_leaves = Vec::new();
                let mut columns = Vec::new();
                let mut frontier = Frontier::new();
                let mut nodes: Vec<(NodeId, Hash)> = Vec::new();
                let mut after: i64 = -1;
                loop {
                    let chunk = db.query(
                        "SELECT seq, time_us, actor, action, model, outcome, body, leaf_hash FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                        &[after.into(), CHUNK.into()],
                    )?;
                    let Some(last) = chunk.last() else { break };
                    after = int_from(&last[0], "events.seq")?;
                    for r in &chunk {
                        let key = int_from(&r[0], "events.seq")? as u64;
                        let body = text_from(&r[6], "events.body").unwrap_or_default();
                        let leaf = leaf_hash(body.as_bytes());
                        let parsed = Event::from_body(&body);
                        let body_seq = parsed.as_ref().ok().map(|e| e.seq);
                        match &parsed {
                            Ok(ev) => {
                                let diff = column_differences(ev, r);
                                if !diff.is_empty() {
                                    columns.push((key, diff));
                                }
                            }
                            Err(e) => {
                                columns.push((key, format!("its body is not a valid event ({e})")))
                            }
                        }
                        let stored = hash_from(&r[7], "events.leaf_hash").ok();
                        // Derived data (subtrees, frontier) is checked against the recorded leaf
                        // hashes, so one edited body is reported once, not again as every
                        // subtree above it; the leaf hashes themselves are checked against the
                        // bodies below.
                        nodes.extend(frontier.push(stored.unwrap_or(leaf)));
                        stored_leaves.push(stored);
                        rows.push(Row { key, body_seq });
                        leaves.push(leaf);
                    }
                }
                let stored_frontier = read_frontier(db).ok().map(|f| f == frontier);
                Ok((
                    heads,
                    rows,
                    leaves,
                    stored_leaves,
                    columns,
                    nodes,
                    stored_frontier,
                ))
            })?;

        // Stored interior hashes against the recomputed ones.
        let stored_nodes = self.stored_nodes()?;
        let mut node_mismatch = 0u64;
        let mut first_bad_node = None;
        let recomputed: HashMap<NodeId, Hash> = recomputed_nodes.into_iter().collect();
        for (id, h) in &stored_nodes {
            if recomputed.get(id) != Some(h) {
                node_mismatch += 1;
                first_bad_node.get_or_insert(*id);
            }
        }
        let stored_ids: std::collections::HashSet<NodeId> =
            stored_nodes.iter().map(|(id, _)| *id).collect();
        let missing_nodes = recomputed
            .keys()
            .filter(|id| !stored_ids.contains(id))
            .count();

        let mut frontier = Frontier::new();
        let n = leaves.len() as u64;
        // Roots at every size something is compared at.
        let mut want: BTreeSet<u64> = heads.iter().map(|(s, _)| *s).collect();
        want.extend(pinned_open.iter().map(|(h, _)| h.head.size));
        want.extend(against.iter().map(|(h, _)| h.head.size));
        let mut roots: BTreeMap<u64, Hash> = BTreeMap::new();
        if want.contains(&0) {
            roots.insert(0, frontier.root());
        }
        for l in &leaves {
            frontier.push(*l);
            if want.contains(&frontier.size()) {
                roots.insert(frontier.size(), frontier.root());
            }
        }
        let root = frontier.root();

        // Signed heads: validity, then whether the events still produce them.
        let mut latest: Option<SignedHead> = None;
        let mut last_good: u64 = 0;
        let mut first_bad: Option<u64> = None;
        let mut bad_after = 0u64;
        let mut beyond: Option<u64> = None;
        for (size, h) in &heads {
            match h {
                Err(e) => issues.push(Issue {
                    kind: IssueKind::BadHead,
                    seq: None,
                    message: format!("stored signed head at size {size} is invalid: {e}"),
                }),
                Ok(h) => {
                    latest = Some(h.clone());
                    match roots.get(size) {
                        None => {
                            beyond.get_or_insert(*size);
                        }
                        Some(r) if *r == h.head.root => {
                            if first_bad.is_none() {
                                last_good = *size;
                            }
                        }
                        Some(_) => {
                            if first_bad.is_none() {
                                first_bad = Some(*size);
                            } else {
                                bad_after += 1;
                            }
                        }
                    }
                }
            }
        }

        // Positions: gaps in the keys, and bodies that claim another position.
        let mut seen: HashMap<u64, Vec<u64>> = HashMap::new();
        for r in &rows {
            if let Some(s) = r.body_seq {
                seen.entry(s).or_default().push(r.key);
            }
        }
        let signed_size = latest.as_ref().map_or(0, |h| h.head.size);
        let external_size = pinned_open
            .iter()
            .chain(against.iter())
            .map(|(h, _)| h.head.size)
            .max()
            .unwrap_or(0);
        let max_key = rows.last().map_or(0, |r| r.key + 1);
        let expected = signed_size.max(max_key);
        let renumbered = rows.iter().any(|r| r.body_seq.is_some_and(|s| s != r.key));
        let mut named: BTreeSet<u64> = BTreeSet::new();
        let dupes: BTreeMap<u64, &Vec<u64>> = seen
            .iter()
            .filter(|(_, v)| v.len() > 1)
            .map(|(k, v)| (*k, v))
            .collect();
        let missing: Vec<u64> = (0..expected).filter(|s| !seen.contains_key(s)).collect();
        let permutation = dupes.is_empty() && missing.is_empty();
        for s in &missing {
            if *s >= n && *s >= max_key {
                continue; // reported below as truncation
            }
            named.insert(*s);
            issues.push(Issue {
                kind: IssueKind::Deleted,
                seq: Some(*s),
                message: if renumbered {
                    format!("event {s} was deleted (the events after it were renumbered to close the gap)")
                } else {
                    format!("event {s} was deleted")
                },
            });
        }
        for (s, keys) in &dupes {
            let where_: Vec<String> = keys.iter().map(u64::to_string).collect();
            let at = keys.iter().copied().find(|k| k == s).unwrap_or(keys[0]);
            named.insert(at);
            issues.push(Issue {
                kind: IssueKind::Inserted,
                seq: Some(at),
                message: format!(
                    "an event was inserted: positions {} all claim to be event {s}",
                    where_.join(" and ")
                ),
            });
        }
        for r in &rows {
            match r.body_seq {
                Some(s) if s != r.key && s >= expected => {
                    named.insert(r.key);
                    issues.push(Issue {
                        kind: IssueKind::Inserted,
                        seq: Some(r.key),
                        message: format!(
                            "position {} holds an event numbered {s}, beyond the {expected} events the log has",
                            r.key
                        ),
                    });
                }
                Some(s) if s != r.key && permutation => {
                    named.insert(r.key);
                    issues.push(Issue {
                        kind: IssueKind::Reordered,
                        seq: Some(s),
                        message: format!("event {s} was moved to position {}", r.key),
                    });
                }
                _ => {}
            }
        }
        if max_key < signed_size {
            let gone_from = max_key.max(missing.first().copied().unwrap_or(max_key));
            issues.push(Issue {
                kind: IssueKind::Deleted,
                seq: Some(gone_from),
                message: format!(
                    "events {gone_from}..{} were deleted from the end: the store's own head signs {signed_size} events but only {max_key} are left",
                    signed_size - 1
                ),
            });
            named.insert(gone_from);
        }
        for r in rows.iter().filter(|r| r.key >= signed_size) {
            if named.insert(r.key) {
                issues.push(Issue {
                    kind: IssueKind::Inserted,
                    seq: Some(r.key),
                    message: format!(
                        "event {} is not covered by any signed head: it was added outside mlsec",
                        r.key
                    ),
                });
            }
        }

        // Content: bodies against the leaf hash recorded at append, then the signed roots.
        for ((r, leaf), stored) in rows.iter().zip(&leaves).zip(&stored_leaves) {
            if stored.as_ref() != Some(leaf) && named.insert(r.key) {
                issues.push(Issue {
                    kind: IssueKind::Edited,
                    seq: Some(r.key),
                    message: format!(
                        "event {} was edited: its body no longer hashes to the leaf recorded when it was logged",
                        r.key
                    ),
                });
            }
        }
        if let Some(bad) = first_bad {
            let already = named.range(last_good..bad).next().is_some();
            if !already {
                let message = if bad - last_good == 1 {
                    format!(
                        "event {last_good} was edited: the signed head at size {last_good} still matches, the one at size {bad} does not"
                    )
                } else {
                    format!(
                        "an event in {last_good}..{} was edited: the signed head at size {last_good} still matches, the one at size {bad} does not",
                        bad - 1
                    )
                };
                issues.push(Issue {
                    kind: IssueKind::Edited,
                    seq: Some(last_good),
                    message,
                });
            }
            notes.push(format!(
                "{} signed head(s) from size {bad} on do not match the events",
                bad_after + 1
            ));
        }
        if let Some(size) = beyond
            && max_key >= signed_size
        {
            issues.push(Issue {
                kind: IssueKind::Deleted,
                seq: Some(n),
                message: format!(
                    "a signed head covers {size} events but only {n} rows are readable in order"
                ),
            });
        }

        // Rollback: heads seen before must still be prefixes of this store.
        for (src, (h, _)) in pinned_open
            .iter()
            .map(|x| ("the head pinned on this machine", x))
            .chain(against.iter().map(|x| ("the --against head", x)))
        {
            let size = h.head.size;
            match roots.get(&size) {
                None => issues.push(Issue {
                    kind: IssueKind::Rollback,
                    seq: Some(n),
                    message: format!(
                        "rollback: the store holds {n} events, but {src} (signed {}) covers {size}; events {n}..{} are gone",
                        crate::time::format(h.head.time),
                        size - 1
                    ),
                }),
                // Already explained by a content issue inside the pinned range.
                Some(r)
                    if *r != h.head.root
                        && !issues.iter().any(|i| {
                            matches!(
                                i.kind,
                                IssueKind::Edited
                                    | IssueKind::Deleted
                                    | IssueKind::Inserted
                                    | IssueKind::Reordered
                            ) && i.seq.is_some_and(|s| s < size)
                        }) =>
                {
                    issues.push(Issue {
                    kind: IssueKind::Rollback,
                    seq: None,
                        message: format!(
                            "the first {size} events no longer match {src} (signed {}): the log was rewritten or forked",
                            crate::time::format(h.head.time)
                        ),
                    })
                }
                Some(_) => {}
            }
        }
        if external_size > signed_size && external_size <= n {
            notes.push(format!(
                "the store's newest signed head ({signed_size}) is older than a head seen before ({external_size})"
            ));
        }

        // Derived data that proofs and filters rely on.
        for (seq, diff) in &columns {
            issues.push(Issue {
                kind: IssueKind::Inconsistent,
                seq: Some(*seq),
                message: format!("event {seq}: {diff}"),
            });
        }
        if node_mismatch > 0 || missing_nodes > 0 {
            let at = first_bad_node
                .map(|id| format!(" (first at level {}, index {})", id.level, id.index))
                .unwrap_or_default();
            issues.push(Issue {
                kind: IssueKind::Inconsistent,
                seq: first_bad_node.map(NodeId::start),
                message: format!(
                    "{node_mismatch} stored subtree hash(es) differ from the events and {missing_nodes} are missing{at}: proofs through them would not verify"
                ),
            });
        }
        match stored_frontier {
            Some(true) => {}
            _ => issues.push(Issue {
                kind: IssueKind::Inconsistent,
                seq: None,
                message: "the stored tree state (size and frontier) differs from the events: the next append would extend the wrong tree".into(),
            }),
        }

        issues.sort_by_key(|i| (i.seq.unwrap_or(u64::MAX), i.kind));
        let report = VerifyReport {
            events: n,
            heads: heads.len() as u64,
            root,
            latest,
            key,
            key_source,
            issues,
            notes,
        };
        if report.ok()
            && opts.update_pin
            && let (Some(h), Some(k)) = (&report.latest, key)
        {
            self.pin(h, &k)?;
        }
        Ok(report)
    }

    fn stored_nodes(&mut self) -> Result<Vec<(NodeId, Hash)>> {
        in_tx(self.db.as_mut(), false, |db| {
            let mut out = Vec::new();
            let (mut level, mut idx) = (0i64, -1i64);
            loop {
                let chunk = db.query(
                    "SELECT level, idx, hash FROM nodes WHERE (level = ? AND idx > ?) OR level > ? ORDER BY level, idx LIMIT ?",
                    &[level.into(), idx.into(), level.into(), CHUNK.into()],
                )?;
                let Some(last) = chunk.last() else { break };
                level = int_from(&last[0], "nodes.level")?;
                idx = int_from(&last[1], "nodes.idx")?;
                for r in &chunk {
                    out.push((
                        NodeId {
                            level: int_from(&r[0], "nodes.level")? as u8,
                            index: int_from(&r[1], "nodes.idx")? as u64,
                        },
                        hash_from(&r[2], "nodes.hash")?,
                    ));
                }
            }
            Ok(out)
        })
    }

    /// Convenience for tests and tools: every event, in order.
    pub fn all_events(&mut self) -> Result<Vec<crate::event::StoredEvent>> {
        self.events(&EventFilter::default())
    }
}

/// Names the index columns that disagree with the body (they drive `audit log` filters).
fn column_differences(ev: &Event, r: &[Value]) -> String {
    let mut out = Vec::new();
    if r[1].int() != Some(ev.time) {
        out.push("time");
    }
    if r[2].text() != Some(ev.actor.as_str()) {
        out.push("actor");
    }
    if r[3].text() != Some(ev.action.as_str()) {
        out.push("action");
    }
    if r[4].text().map(str::to_string) != ev.model.as_ref().map(ToString::to_string) {
        out.push("model");
    }
    if r[5].text() != Some(ev.outcome.as_str()) {
        out.push("outcome");
    }
    if out.is_empty() {
        String::new()
    } else {
        format!(
            "the {} column(s) differ from the logged event, so filtered listings are wrong",
            out.join(", ")
        )
    }
}
