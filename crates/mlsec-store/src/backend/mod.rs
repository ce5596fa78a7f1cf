//! The seam between the store's logic and a database: a small SQL surface that SQLite and
//! PostgreSQL both implement, so every rule (append, proofs, verification, registry) is written
//! once and the same test suite runs against both.
//!
//! Statements use `?` placeholders and types both databases share (64-bit integers, text,
//! bytes); the PostgreSQL backend rewrites `?` to `$n`. DDL differs and lives in
//! [`crate::schema`].

pub(crate) mod postgres;
pub(crate) mod sqlite;

use crate::error::Result;

/// A value bound to or read from a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A 64-bit integer (`INTEGER` in SQLite, `BIGINT` in PostgreSQL).
    Int(i64),
    /// UTF-8 text.
    Text(String),
    /// Bytes (`BLOB` / `BYTEA`).
    Bytes(Vec<u8>),
}

impl Value {
    /// The integer, if this is one.
    pub fn int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The text, if this is text.
    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes, if these are bytes.
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}
impl From<u64> for Value {
    fn from(v: u64) -> Value {
        // Sequence numbers and sizes stay far below 2^63.
        Value::Int(v as i64)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}
impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Value {
        Value::Bytes(v.to_vec())
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Value {
        Value::Bytes(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// Which SQL dialect a backend speaks, for the few statements that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite 3.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A database connection the store runs on.
///
/// Transactions are explicit: the store calls [`Backend::begin`], runs statements, then
/// [`Backend::commit`] or [`Backend::rollback`]. A write transaction holds the store's append
/// lock from `begin` to its end, so concurrent writers (threads, processes, gateway replicas)
/// extend one tree in turn instead of forking it.
pub trait Backend: Send + std::fmt::Debug {
    /// The dialect, for DDL and the few statements that differ.
    fn dialect(&self) -> Dialect;

    /// Starts a transaction; `write` takes the append lock (SQLite `BEGIN IMMEDIATE`, a
    /// PostgreSQL transaction-scoped advisory lock).
    fn begin(&mut self, write: bool) -> Result<()>;

    /// Commits. Returns only once the database reports the commit durable.
    fn commit(&mut self) -> Result<()>;

    /// Rolls back; used on every error path.
    fn rollback(&mut self) -> Result<()>;

    /// Runs a statement with `?` placeholders; returns the rows affected.
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64>;

    /// Runs a query with `?` placeholders; returns every row.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>>;

    /// Inserts many rows into `table` as fast as the backend allows (prepared statement per row
    /// in SQLite, multi-row `VALUES` in PostgreSQL).
    fn insert_rows(&mut self, table: &str, columns: &[&str], rows: &[Vec<Value>]) -> Result<()>;

    /// Runs several DDL statements separated by `;` (migrations).
    fn exec_script(&mut self, sql: &str) -> Result<()>;
}

/// Runs `f` inside a transaction, committing on success and rolling back on any error.
pub(crate) fn in_tx<T>(
    db: &mut dyn Backend,
    write: bool,
    f: impl FnOnce(&mut dyn Backend) -> Result<T>,
) -> Result<T> {
    db.begin(write)?;
    match f(db) {
        Ok(v) => {
            db.commit()?;
            Ok(v)
        }
        Err(e) => {
            if let Err(re) = db.rollback() {
                tracing::warn!(error = %re, "rollback after a failed transaction also failed");
            }
            Err(e)
        }
    }
}
