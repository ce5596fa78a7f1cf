//! SQLite backend: one file, WAL journal, `synchronous=FULL`.
//!
//! Why FULL rather than NORMAL: in WAL mode NORMAL skips the fsync at commit, so a committed
//! event survives a process crash but can vanish on power loss. The store promises that an
//! acknowledged event is durable, so every commit is synced; callers that need throughput batch
//! many events into one commit (`Store::append_batch`) instead of weakening that promise.

use super::{Backend, Dialect, Value};
use crate::error::{Result, StoreError};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};
use std::path::Path;
use std::time::Duration;

/// A store on a SQLite file.
#[derive(Debug)]
pub struct Sqlite {
    conn: Connection,
}

fn err(context: impl Into<String>, e: rusqlite::Error) -> StoreError {
    StoreError::Db {
        backend: "sqlite",
        context: context.into(),
        source: Box::new(e),
    }
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

fn read(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        // The store never writes floats; a float here was put there by hand.
        ValueRef::Real(f) => Value::Text(f.to_string()),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
    }
}

impl Sqlite {
    /// Opens (creating if needed) the database file at `path`.
    pub fn open(path: &Path) -> Result<Sqlite> {
        if let Some(dir) = path.parent() {
            crate::head::create_private_dir(dir)?;
        }
        let conn =
            Connection::open(path).map_err(|e| err(format!("open {}", path.display()), e))?;
        // Concurrent writers queue on the write lock instead of failing at once.
        conn.busy_timeout(Duration::from_secs(60))
            .map_err(|e| err("set busy timeout", e))?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(|e| err("enable WAL", e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Invalid(format!(
                "{}: SQLite refused WAL mode (got `{mode}`); is it on a network file system?",
                path.display()
            )));
        }
        conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
            .map_err(|e| err("set pragmas", e))?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Sqlite { conn })
    }
}

impl Backend for Sqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn begin(&mut self, write: bool) -> Result<()> {
        // IMMEDIATE takes the write lock now, so the tree state read next cannot go stale before
        // our commit; a deferred read transaction sees one consistent WAL snapshot.
        let sql = if write { "BEGIN IMMEDIATE" } else { "BEGIN" };
        self.conn.execute_batch(sql).map_err(|e| err(sql, e))
    }

    fn commit(&mut self) -> Result<()> {
        self.conn
            .execute_batch("COMMIT")
            .map_err(|e| err("commit", e))
    }

    fn rollback(&mut self) -> Result<()> {
        if self.conn.is_autocommit() {
            return Ok(());
        }
        self.conn
            .execute_batch("ROLLBACK")
            .map_err(|e| err("rollback", e))
    }

    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let mut st = self.conn.prepare_cached(sql).map_err(|e| err(sql, e))?;
        st.execute(rusqlite::params_from_iter(params))
            .map(|n| n as u64)
            .map_err(|e| err(sql, e))
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>> {
        let mut st = self.conn.prepare_cached(sql).map_err(|e| err(sql, e))?;
        let cols = st.column_count();
        let mut rows = st
            .query(rusqlite::params_from_iter(params))
            .map_err(|e| err(sql, e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| err(sql, e))? {
            let mut r = Vec::with_capacity(cols);
            for i in 0..cols {
                r.push(read(row.get_ref(i).map_err(|e| err(sql, e))?));
            }
            out.push(r);
        }
        Ok(out)
    }

    fn insert_rows(&mut self, table: &str, columns: &[&str], rows: &[Vec<Value>]) -> Result<()> {
        let marks = vec!["?"; columns.len()].join(",");
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES ({marks})",
            columns.join(",")
        );
        let mut st = self.conn.prepare_cached(&sql).map_err(|e| err(&sql, e))?;
        for row in rows {
            st.execute(rusqlite::params_from_iter(row))
                .map_err(|e| err(&sql, e))?;
        }
        Ok(())
    }

    fn exec_script(&mut self, sql: &str) -> Result<()> {
        self.conn
            .execute_batch(sql)
            .map_err(|e| err("schema migration", e))
    }
}
