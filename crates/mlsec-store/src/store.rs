//! The store: opening by URL, appending events as Merkle leaves with a signed head per commit,
//! reading them back, and building proofs from stored subtree hashes.

use crate::backend::{Backend, Value, in_tx, postgres::Postgres, sqlite::Sqlite};
use crate::error::{Result, StoreError};
use crate::event::{Event, NewEvent, StoredEvent, validate};
use crate::head::{HeadJson, PublicKey, SignedHead, StoreKey, TreeHead, create_private_dir};
use crate::merkle::{
    Frontier, Hash, NodeId, ProofRange, consistency_ranges, fold_range, inclusion_ranges,
    range_nodes,
};
use crate::time::{self, Micros};
use mlsec_core::Digest;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where a store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl StoreUrl {
    /// Parses `sqlite://PATH`, `sqlite:PATH`, `postgres://…`, `postgresql://…`, or a plain path
    /// (a SQLite file).
    pub fn parse(s: &str) -> Result<StoreUrl> {
        let s = s.trim();
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(StoreUrl::Postgres(s.to_string()));
        }
        if let Some(p) = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
        {
            if p.is_empty() {
                return Err(StoreError::Url(s.to_string()));
            }
            return Ok(StoreUrl::Sqlite(PathBuf::from(p)));
        }
        if s.is_empty() || s.contains("://") {
            return Err(StoreError::Url(s.to_string()));
        }
        Ok(StoreUrl::Sqlite(PathBuf::from(s)))
    }
}

impl std::fmt::Display for StoreUrl {
    /// Shows the URL without any password, so it can be logged.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreUrl::Sqlite(p) => write!(f, "sqlite://{}", p.display()),
            StoreUrl::Postgres(u) => {
                // postgres://user:secret@host/db → postgres://user:***@host/db
                let redacted = match (u.find("://"), u.rfind('@')) {
                    (Some(s), Some(at)) if at > s => {
                        let creds = &u[s + 3..at];
                        match creds.split_once(':') {
                            Some((user, _)) => format!("{}{user}:***{}", &u[..s + 3], &u[at..]),
                            None => u.clone(),
                        }
                    }
                    _ => u.clone(),
                };
                f.write_str(&redacted)
            }
        }
    }
}

/// How to open a store beyond its URL.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Directory for files kept outside the database: the signing key (`keys/<store id>.key`,
    /// created on first write) and the latest head this machine saw (`heads/<store id>.json`),
    /// which is how a rollback of the database is noticed.
    pub state_dir: PathBuf,
    /// Use this key file instead of `state_dir/keys/<store id>.key`.
    pub key_path: Option<PathBuf>,
    /// PostgreSQL schema for the store's tables (created if missing); `None` uses the
    /// connection's `search_path`.
    pub pg_schema: Option<String>,
}

impl StoreOptions {
    /// Options with a state directory and nothing else.
    pub fn new(state_dir: impl Into<PathBuf>) -> StoreOptions {
        StoreOptions {
            state_dir: state_dir.into(),
            key_path: None,
            pg_schema: None,
        }
    }
}

/// What an append returns once the events are committed.
#[derive(Debug, Clone, PartialEq)]
pub struct Receipt {
    /// Sequence number given to the event.
    pub seq: u64,
    /// Its leaf hash.
    pub leaf_hash: Hash,
    /// The signed head of the commit that included it.
    pub head: SignedHead,
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only this model.
    pub model: Option<Digest>,
    /// Only this actor.
    pub actor: Option<String>,
    /// Only this action; a trailing `*` matches a prefix (`registry.*`).
    pub action: Option<String>,
    /// At or after this time.
    pub since: Option<Micros>,
    /// Before this time.
    pub until: Option<Micros>,
    /// Sequence numbers from here.
    pub from_seq: Option<u64>,
    /// At most this many events.
    pub limit: Option<u64>,
}

/// An inclusion proof for one event against a signed head.
#[derive(Debug, Clone, PartialEq)]
pub struct InclusionProof {
    /// The event, with its body.
    pub event: StoredEvent,
    /// Tree size the proof is for.
    pub tree_size: u64,
    /// Sibling hashes from the leaf up.
    pub path: Vec<Hash>,
    /// The signed head of that size.
    pub head: SignedHead,
}

/// A consistency proof between two tree sizes.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsistencyProof {
    /// The older size.
    pub old_size: u64,
    /// The newer size.
    pub new_size: u64,
    /// Root of the first `old_size` events.
    pub old_root: Hash,
    /// Root of the first `new_size` events.
    pub new_root: Hash,
    /// The proof hashes (RFC 9162 order).
    pub proof: Vec<Hash>,
}

/// An evidence store: the audit log and the registry on one database.
#[derive(Debug)]
pub struct Store {
    pub(crate) db: Box<dyn Backend>,
    url: StoreUrl,
    id: String,
    opts: StoreOptions,
    key: Option<StoreKey>,
}

pub(crate) fn hash_from(v: &Value, what: &str) -> Result<Hash> {
    v.bytes()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| StoreError::Corrupt(format!("{what} is not a 32-byte hash")))
}

pub(crate) fn int_from(v: &Value, what: &str) -> Result<i64> {
    v.int()
        .ok_or_else(|| StoreError::Corrupt(format!("{what} is not an integer")))
}

pub(crate) fn text_from(v: &Value, what: &str) -> Result<String> {
    v.text()
        .map(str::to_string)
        .ok_or_else(|| StoreError::Corrupt(format!("{what} is not text")))
}

const EVENT_COLUMNS: &[&str] = &[
    "seq",
    "time_us",
    "actor",
    "action",
    "model",
    "outcome",
    "body",
    "leaf_hash",
];

impl Store {
    /// Opens (creating on first use) the store at `url`, running schema migrations.
    pub fn open(url: &StoreUrl, opts: StoreOptions) -> Result<Store> {
        let mut db: Box<dyn Backend> = match url {
            StoreUrl::Sqlite(p) => Box::new(Sqlite::open(p)?),
            StoreUrl::Postgres(u) => Box::new(Postgres::connect(u, opts.pg_schema.as_deref())?),
        };
        crate::schema::migrate(db.as_mut())?;
        let id = in_tx(db.as_mut(), true, |db| {
            let mut fresh = [0u8; 16];
            getrandom::fill(&mut fresh).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let fresh = mlsec_core::digest::to_hex(&fresh);
            db.exec(
                "INSERT INTO meta (key, value) VALUES ('store_id', ?) ON CONFLICT (key) DO NOTHING",
                &[fresh.into()],
            )?;
            db.exec(
                "INSERT INTO tree_state (id, size, frontier) VALUES (1, 0, ?) ON CONFLICT (id) DO NOTHING",
                &[Frontier::new().to_bytes().into()],
            )?;
            let rows = db.query("SELECT value FROM meta WHERE key = 'store_id'", &[])?;
            rows.first()
                .and_then(|r| r.first())
                .and_then(|v| v.text())
                .map(str::to_string)
                .ok_or_else(|| StoreError::Corrupt("meta has no store_id".into()))
        })?;
        Ok(Store {
            db,
            url: url.clone(),
            id,
            opts,
            key: None,
        })
    }

    /// Raw access to the database. Writes made through it bypass the log's guarantees; that is
    /// what maintenance tools and tamper tests need, and what `verify` exists to catch.
    pub fn backend_mut(&mut self) -> &mut dyn Backend {
        self.db.as_mut()
    }

    /// The store's random identity, fixed at creation.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Where the store is (password redacted when displayed).
    pub fn url(&self) -> &StoreUrl {
        &self.url
    }

    /// The log name in signed heads: `mlsec.store/<id>`.
    pub fn origin(&self) -> String {
        format!("mlsec.store/{}", self.id)
    }

    /// Where the signing key is (or will be created).
    pub fn key_path(&self) -> PathBuf {
        self.opts.key_path.clone().unwrap_or_else(|| {
            self.opts
                .state_dir
                .join("keys")
                .join(format!("{}.key", self.id))
        })
    }

    /// Where the latest head this machine saw is kept.
    pub fn pin_path(&self) -> PathBuf {
        self.opts
            .state_dir
            .join("heads")
            .join(format!("{}.json", self.id))
    }

    /// The public key recorded in the store at its first write. Untrusted on its own: an
    /// attacker who rewrites the database can rewrite it too; verification pins a key from
    /// elsewhere when it can.
    pub fn recorded_key(&mut self) -> Result<Option<PublicKey>> {
        let rows = in_tx(self.db.as_mut(), false, |db| {
            db.query("SELECT value FROM meta WHERE key = 'public_key'", &[])
        })?;
        match rows.first().and_then(|r| r.first()).and_then(|v| v.text()) {
            None => Ok(None),
            Some(s) => PublicKey::decode(s)
                .map(Some)
                .ok_or_else(|| StoreError::Corrupt(format!("recorded public key `{s}`"))),
        }
    }

    /// The public key of the local key file, if there is one (never creates it).
    pub fn local_key(&self) -> Result<Option<PublicKey>> {
        let path = self.key_path();
        match StoreKey::load(&path) {
            Ok(k) => Ok(Some(k.public())),
            Err(StoreError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    fn writer_key(&mut self) -> Result<&StoreKey> {
        if self.key.is_none() {
            let path = self.key_path();
            // Refuse to mint a new key for a store whose heads another key already signs.
            let recorded = self.recorded_key()?;
            let key = match recorded {
                Some(rec) => match StoreKey::load(&path) {
                    Ok(k) => k,
                    Err(StoreError::Io { source, .. })
                        if source.kind() == std::io::ErrorKind::NotFound =>
                    {
                        return Err(StoreError::Key {
                            path,
                            reason: format!(
                                "missing; this store's heads are signed by {}\nhint: copy the store's key file here, or point MLSEC_STORE_KEY at it",
                                rec.encode()
                            ),
                        });
                    }
                    Err(e) => return Err(e),
                },
                None => StoreKey::load_or_create(&path)?,
            };
            self.key = Some(key);
        }
        self.key
            .as_ref()
            .ok_or_else(|| StoreError::Invalid("store key not loaded".into()))
    }

    /// Appends one event; returns once it is committed.
    pub fn append(&mut self, event: NewEvent) -> Result<Receipt> {
        let mut r = self.append_batch(vec![event])?;
        r.pop()
            .ok_or_else(|| StoreError::Invalid("append produced no receipt".into()))
    }

    /// Appends events in one transaction with one signed head (group commit). All or none are
    /// stored; the receipts come back only after the commit is durable.
    pub fn append_batch(&mut self, events: Vec<NewEvent>) -> Result<Vec<Receipt>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        for e in &events {
            validate(e)?;
        }
        let signer = self.signer()?;
        let receipts = in_tx(self.db.as_mut(), true, |db| append_tx(db, &signer, events))?;
        if let Some(last) = receipts.last() {
            // After the commit: the pin may lag the database (a crash here), never lead it.
            self.pin(&last.head, &signer.public)?;
        }
        Ok(receipts)
    }

    /// What an append inside a wider transaction needs: the key, loaded and checked.
    pub(crate) fn signer(&mut self) -> Result<Signer> {
        let origin = self.origin();
        let key = self.writer_key()?;
        Ok(Signer {
            origin,
            public: key.public(),
            signing: key.signing().clone(),
            path: key.path().to_path_buf(),
        })
    }

    /// Records `head` as the newest this machine has seen, unless a newer one is already pinned.
    pub fn pin(&self, head: &SignedHead, key: &PublicKey) -> Result<()> {
        let path = self.pin_path();
        let dir = path.parent().unwrap_or(Path::new("."));
        create_private_dir(dir)?;
        let lock_path = path.with_extension("lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| StoreError::io(&lock_path, e))?;
        // Writers in several processes pin concurrently; the lock keeps the pin monotonic.
        lock.lock().map_err(|e| StoreError::io(&lock_path, e))?;
        let newer_pinned = match read_pin(&path)? {
            Some(p) => p.tree_size >= head.head.size,
            None => false,
        };
        if !newer_pinned {
            let json = serde_json::to_string_pretty(&HeadJson::new(head, key))
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
            std::fs::write(&tmp, json + "\n").map_err(|e| StoreError::io(&tmp, e))?;
            std::fs::rename(&tmp, &path).map_err(|e| StoreError::io(&path, e))?;
        }
        drop(lock);
        Ok(())
    }

    /// The pinned head for this store on this machine, if any.
    pub fn pinned(&self) -> Result<Option<HeadJson>> {
        read_pin(&self.pin_path())
    }

    /// Number of events.
    pub fn size(&mut self) -> Result<u64> {
        in_tx(self.db.as_mut(), false, |db| Ok(read_frontier(db)?.size()))
    }

    /// The newest signed head, or `None` for an empty store.
    pub fn head(&mut self) -> Result<Option<SignedHead>> {
        in_tx(self.db.as_mut(), false, |db| latest_head(db))
    }

    /// The signed head of exactly `size` events, if a commit ended there.
    pub fn head_at(&mut self, size: u64) -> Result<Option<SignedHead>> {
        in_tx(self.db.as_mut(), false, |db| {
            let rows = db.query("SELECT note FROM heads WHERE size = ?", &[size.into()])?;
            rows.first().map(|r| parse_note(&r[0], size)).transpose()
        })
    }

    /// One event.
    pub fn event(&mut self, seq: u64) -> Result<StoredEvent> {
        let mut evs = self.events(&EventFilter {
            from_seq: Some(seq),
            limit: Some(1),
            ..Default::default()
        })?;
        match evs.pop() {
            Some(e) if e.event.seq == seq => Ok(e),
            _ => Err(StoreError::NoSuchEvent {
                seq,
                size: self.size()?,
            }),
        }
    }

    /// Events matching `filter`, oldest first.
    pub fn events(&mut self, filter: &EventFilter) -> Result<Vec<StoredEvent>> {
        let mut sql = format!(
            "SELECT {} FROM events WHERE 1 = 1",
            EVENT_COLUMNS.join(", ")
        );
        let mut params: Vec<Value> = Vec::new();
        if let Some(m) = &filter.model {
            sql.push_str(" AND model = ?");
            params.push(m.to_string().into());
        }
        if let Some(a) = &filter.actor {
            sql.push_str(" AND actor = ?");
            params.push(a.clone().into());
        }
        if let Some(a) = &filter.action {
            match a.strip_suffix('*') {
                Some(prefix) => {
                    // Range instead of LIKE: no escaping, and it uses the index in both databases.
                    sql.push_str(" AND action >= ? AND action < ?");
                    params.push(prefix.to_string().into());
                    params.push(format!("{prefix}\u{10ffff}").into());
                }
                None => {
                    sql.push_str(" AND action = ?");
                    params.push(a.clone().into());
                }
            }
        }
        if let Some(t) = filter.since {
            sql.push_str(" AND time_us >= ?");
            params.push(t.into());
        }
        if let Some(t) = filter.until {
            sql.push_str(" AND time_us < ?");
            params.push(t.into());
        }
        if let Some(s) = filter.from_seq {
            sql.push_str(" AND seq >= ?");
            params.push(s.into());
        }
        sql.push_str(" ORDER BY seq");
        if let Some(l) = filter.limit {
            sql.push_str(" LIMIT ?");
            params.push(l.into());
        }
        let rows = in_tx(self.db.as_mut(), false, |db| db.query(&sql, &params))?;
        rows.iter().map(|r| stored_event(r)).collect()
    }

    /// Root of the first `size` events, from stored subtree hashes.
    pub fn root_at(&mut self, size: u64) -> Result<Hash> {
        in_tx(self.db.as_mut(), false, |db| {
            let hs = fetch_nodes(db, &range_nodes(0, size))?;
            Ok(fold_range(&hs).unwrap_or_else(crate::merkle::empty_root))
        })
    }

    /// Proof that event `seq` is in the tree of `tree_size` events (default: the newest head).
    /// `tree_size` must be a size the store signed a head for.
    pub fn inclusion_proof(&mut self, seq: u64, tree_size: Option<u64>) -> Result<InclusionProof> {
        let event = self.event(seq)?;
        in_tx(self.db.as_mut(), false, |db| {
            let head = match tree_size {
                None => latest_head(db)?.ok_or(StoreError::NoSuchEvent { seq, size: 0 })?,
                Some(n) => {
                    let rows = db.query("SELECT note FROM heads WHERE size = ?", &[n.into()])?;
                    let size = read_frontier(db)?.size();
                    match rows.first() {
                        Some(r) => parse_note(&r[0], n)?,
                        None => return Err(StoreError::BadTreeSize { asked: n, size }),
                    }
                }
            };
            let n = head.head.size;
            if seq >= n {
                return Err(StoreError::BadTreeSize {
                    asked: n,
                    size: read_frontier(db)?.size(),
                });
            }
            let path = resolve(db, &inclusion_ranges(seq, n))?;
            Ok(InclusionProof {
                event,
                tree_size: n,
                path,
                head,
            })
        })
    }

    /// Proof that the first `old` events are a prefix of the first `new` (default: all).
    pub fn consistency_proof(&mut self, old: u64, new: Option<u64>) -> Result<ConsistencyProof> {
        in_tx(self.db.as_mut(), false, |db| {
            let size = read_frontier(db)?.size();
            let new = new.unwrap_or(size);
            if new > size || old > new {
                return Err(StoreError::BadTreeSize {
                    asked: if new > size { new } else { old },
                    size,
                });
            }
            let root = |db: &mut dyn Backend, n: u64| -> Result<Hash> {
                Ok(fold_range(&fetch_nodes(db, &range_nodes(0, n))?)
                    .unwrap_or_else(crate::merkle::empty_root))
            };
            Ok(ConsistencyProof {
                old_size: old,
                new_size: new,
                old_root: root(db, old)?,
                new_root: root(db, new)?,
                proof: resolve(db, &consistency_ranges(old, new))?,
            })
        })
    }
}

/// The signing side of an append.
pub(crate) struct Signer {
    pub(crate) origin: String,
    pub(crate) public: PublicKey,
    signing: ed25519_dalek::SigningKey,
    path: PathBuf,
}

/// Appends events inside the caller's write transaction (so a registry change and its audit
/// event commit together) and signs the new head.
pub(crate) fn append_tx(
    db: &mut dyn Backend,
    signer: &Signer,
    events: Vec<NewEvent>,
) -> Result<Vec<Receipt>> {
    for e in &events {
        validate(e)?;
    }
    register_key(db, &signer.public, &signer.path)?;
    let mut frontier = read_frontier(db)?;
    let mut event_rows = Vec::with_capacity(events.len());
    let mut node_rows = Vec::new();
    let mut leaves = Vec::with_capacity(events.len());
    // Taken under the append lock, so times never run backwards along the log.
    let now = time::now();
    for ne in events {
        let ev = Event {
            seq: frontier.size(),
            time: ne.time.unwrap_or(now),
            actor: ne.actor,
            action: ne.action,
            model: ne.model,
            outcome: ne.outcome,
            payload: ne.payload,
        };
        let stored = StoredEvent::from_event(ev);
        for (id, h) in frontier.push(stored.leaf_hash) {
            node_rows.push(vec![
                i64::from(id.level).into(),
                id.index.into(),
                h.to_vec().into(),
            ]);
        }
        leaves.push((stored.event.seq, stored.leaf_hash));
        event_rows.push(event_row(&stored));
    }
    db.insert_rows("events", EVENT_COLUMNS, &event_rows)?;
    db.insert_rows("nodes", &["level", "idx", "hash"], &node_rows)?;
    let head = SignedHead::sign(
        &signer.origin,
        TreeHead {
            size: frontier.size(),
            root: frontier.root(),
            time: now,
        },
        &signer.signing,
    );
    db.exec(
        "INSERT INTO heads (size, root, time_us, note) VALUES (?, ?, ?, ?)",
        &[
            head.head.size.into(),
            head.head.root.to_vec().into(),
            head.head.time.into(),
            head.to_note(&signer.public).into(),
        ],
    )?;
    db.exec(
        "UPDATE tree_state SET size = ?, frontier = ? WHERE id = 1",
        &[frontier.size().into(), frontier.to_bytes().into()],
    )?;
    Ok(leaves
        .into_iter()
        .map(|(seq, leaf_hash)| Receipt {
            seq,
            leaf_hash,
            head: head.clone(),
        })
        .collect())
}

fn event_row(s: &StoredEvent) -> Vec<Value> {
    let e = &s.event;
    vec![
        e.seq.into(),
        e.time.into(),
        e.actor.clone().into(),
        e.action.clone().into(),
        e.model.as_ref().map(Digest::to_string).into(),
        e.outcome.as_str().into(),
        s.body.clone().into(),
        s.leaf_hash.to_vec().into(),
    ]
}

/// Parses a row of `EVENT_COLUMNS`, trusting the body (the columns are only an index).
pub(crate) fn stored_event(r: &[Value]) -> Result<StoredEvent> {
    let seq = int_from(&r[0], "events.seq")?;
    let body = text_from(&r[6], "events.body")?;
    let event =
        Event::from_body(&body).map_err(|e| StoreError::Corrupt(format!("event {seq}: {e}")))?;
    Ok(StoredEvent {
        event,
        leaf_hash: hash_from(&r[7], "events.leaf_hash")?,
        body,
    })
}

fn register_key(db: &mut dyn Backend, key: &PublicKey, path: &Path) -> Result<()> {
    db.exec(
        "INSERT INTO meta (key, value) VALUES ('public_key', ?) ON CONFLICT (key) DO NOTHING",
        &[key.encode().into()],
    )?;
    let rows = db.query("SELECT value FROM meta WHERE key = 'public_key'", &[])?;
    let recorded = rows.first().and_then(|r| r[0].text()).unwrap_or("");
    if recorded != key.encode() {
        return Err(StoreError::Key {
            path: path.to_path_buf(),
            reason: format!(
                "is {}, but this store's heads are signed by {recorded}\nhint: use the store's own key file (MLSEC_STORE_KEY)",
                key.encode()
            ),
        });
    }
    Ok(())
}

pub(crate) fn read_frontier(db: &mut dyn Backend) -> Result<Frontier> {
    let rows = db.query("SELECT size, frontier FROM tree_state WHERE id = 1", &[])?;
    let r = rows
        .first()
        .ok_or_else(|| StoreError::Corrupt("tree_state row is missing".into()))?;
    let size = int_from(&r[0], "tree_state.size")?;
    let f = r[1]
        .bytes()
        .and_then(Frontier::from_bytes)
        .ok_or_else(|| StoreError::Corrupt("tree_state.frontier is malformed".into()))?;
    if f.size() != size as u64 {
        return Err(StoreError::Corrupt(format!(
            "tree_state says {size} events but its frontier holds {}",
            f.size()
        )));
    }
    Ok(f)
}

fn parse_note(v: &Value, size: u64) -> Result<SignedHead> {
    let note = text_from(v, "heads.note")?;
    SignedHead::from_note(&note)
        .map_err(|e| StoreError::Corrupt(format!("signed head at size {size}: {e}")))
}

pub(crate) fn latest_head(db: &mut dyn Backend) -> Result<Option<SignedHead>> {
    let rows = db.query(
        "SELECT size, note FROM heads ORDER BY size DESC LIMIT 1",
        &[],
    )?;
    rows.first()
        .map(|r| parse_note(&r[1], int_from(&r[0], "heads.size")? as u64))
        .transpose()
}

fn read_pin(path: &Path) -> Result<Option<HeadJson>> {
    match std::fs::read_to_string(path) {
        Ok(s) => serde_json::from_str(&s).map(Some).map_err(|e| {
            StoreError::Corrupt(format!(
                "pinned head {} is unreadable ({e}); it is what detects a rollback, so it is not replaced silently\nhint: inspect it, then move it aside",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::io(path, e)),
    }
}

/// Looks up stored subtree hashes (leaves from `events`, higher levels from `nodes`) in one
/// query per table, so a proof costs two round trips whatever its length.
pub(crate) fn fetch_nodes(db: &mut dyn Backend, ids: &[NodeId]) -> Result<Vec<Hash>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: HashMap<NodeId, Hash> = HashMap::with_capacity(ids.len());
    let leaves: Vec<Value> = ids
        .iter()
        .filter(|n| n.level == 0)
        .map(|n| n.index.into())
        .collect();
    if !leaves.is_empty() {
        let sql = format!(
            "SELECT seq, leaf_hash FROM events WHERE seq IN ({})",
            vec!["?"; leaves.len()].join(",")
        );
        for r in db.query(&sql, &leaves)? {
            let index = int_from(&r[0], "events.seq")? as u64;
            found.insert(
                NodeId { level: 0, index },
                hash_from(&r[1], "events.leaf_hash")?,
            );
        }
    }
    let inner: Vec<&NodeId> = ids.iter().filter(|n| n.level > 0).collect();
    if !inner.is_empty() {
        // Casts give PostgreSQL the parameter types inside VALUES; SQLite accepts them as is.
        let sql = format!(
            "SELECT level, idx, hash FROM nodes WHERE (level, idx) IN (VALUES {})",
            vec!["(CAST(? AS BIGINT), CAST(? AS BIGINT))"; inner.len()].join(",")
        );
        let params: Vec<Value> = inner
            .iter()
            .flat_map(|n| [i64::from(n.level).into(), n.index.into()])
            .collect();
        for r in db.query(&sql, &params)? {
            let id = NodeId {
                level: int_from(&r[0], "nodes.level")? as u8,
                index: int_from(&r[1], "nodes.idx")? as u64,
            };
            found.insert(id, hash_from(&r[2], "nodes.hash")?);
        }
    }
    ids.iter()
        .map(|id| {
            found.get(id).copied().ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "stored subtree (level {}, index {}) is missing",
                    id.level, id.index
                ))
            })
        })
        .collect()
}

fn resolve(db: &mut dyn Backend, ranges: &[ProofRange]) -> Result<Vec<Hash>> {
    let ids: Vec<NodeId> = ranges.iter().flat_map(|r| r.nodes()).collect();
    let hashes = fetch_nodes(db, &ids)?;
    let mut out = Vec::with_capacity(ranges.len());
    let mut at = 0;
    for r in ranges {
        let n = r.nodes().len();
        out.push(
            fold_range(&hashes[at..at + n])
                .ok_or_else(|| StoreError::Corrupt("empty proof range".into()))?,
        );
        at += n;
    }
    Ok(out)
}
