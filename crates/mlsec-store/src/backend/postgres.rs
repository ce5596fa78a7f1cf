//! PostgreSQL backend, for stores shared by several writers (gateway replicas).
//!
//! Writers serialise on a transaction-scoped advisory lock keyed by the schema, taken before the
//! tree state is read: the second writer waits, then reads the state the first one committed, so
//! the tree never forks. The lock is released by COMMIT or ROLLBACK, including when a writer's
//! connection dies, so a crashed writer cannot wedge the others.

use super::{Backend, Dialect, Value};
use crate::error::{Result, StoreError};
use bytes::BytesMut;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls, Statement};
use std::collections::HashMap;

/// Largest number of bind parameters per statement (the protocol allows 65535).
const MAX_PARAMS: usize = 30_000;

/// A store on a PostgreSQL database (one schema of it).
pub struct Postgres {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("cached_statements", &self.statements.len())
            .finish_non_exhaustive()
    }
}

fn err(context: impl Into<String>, e: postgres::Error) -> StoreError {
    StoreError::Db {
        backend: "postgresql",
        context: context.into(),
        source: Box::new(e),
    }
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match (self, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Int(i), &Type::INT8) => i.to_sql(ty, out),
            (Value::Int(i), &Type::INT4) => i32::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::INT2) => i16::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::BOOL) => (*i != 0).to_sql(ty, out),
            (Value::Text(s), _) if <&str as ToSql>::accepts(ty) => s.as_str().to_sql(ty, out),
            (Value::Bytes(b), &Type::BYTEA) => b.as_slice().to_sql(ty, out),
            (v, ty) => Err(format!("cannot bind {v:?} to a {ty} parameter").into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        // Checked per value in `to_sql`, which knows which variant it holds.
        true
    }

    to_sql_checked!();
}

/// Rewrites `?` placeholders to `$1, $2, …`, leaving quoted text alone.
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let (mut n, mut quoted) = (0, false);
    for c in sql.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

impl Postgres {
    /// Connects to `url` (a libpq-style `postgres://` URL). With `schema`, creates it if needed
    /// and puts the store's tables there, so several stores (or tests) share one database.
    pub fn connect(url: &str, schema: Option<&str>) -> Result<Postgres> {
        let mut client = Client::connect(url, NoTls).map_err(|e| err("connect", e))?;
        // A server configured with synchronous_commit=off would acknowledge commits before they
        // are on disk; the store's durability promise needs it on for its own sessions.
        let mut setup = String::from("SET synchronous_commit = on;");
        if let Some(s) = schema {
            let q = quote_ident(s);
            setup = format!("CREATE SCHEMA IF NOT EXISTS {q}; SET search_path TO {q}; {setup}");
        }
        client
            .batch_execute(&setup)
            .map_err(|e| err("session setup", e))?;
        Ok(Postgres {
            client,
            statements: HashMap::new(),
        })
    }

    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let st = self
            .client
            .prepare(&numbered(sql))
            .map_err(|e| err(sql, e))?;
        // Bound the cache: ad-hoc filters build new SQL text per combination.
        if self.statements.len() > 256 {
            self.statements.clear();
        }
        self.statements.insert(sql.to_string(), st.clone());
        Ok(st)
    }
}

fn read(row: &postgres::Row, i: usize) -> std::result::Result<Value, postgres::Error> {
    let ty = row.columns()[i].type_();
    Ok(match *ty {
        Type::INT8 => row
            .try_get::<_, Option<i64>>(i)?
            .map_or(Value::Null, Value::Int),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)?
            .map_or(Value::Null, |v| Value::Int(v.into())),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)?
            .map_or(Value::Null, |v| Value::Int(v.into())),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(i)?
            .map_or(Value::Null, |v| Value::Int(v.into())),
        Type::BYTEA => row
            .try_get::<_, Option<Vec<u8>>>(i)?
            .map_or(Value::Null, Value::Bytes),
        _ => row
            .try_get::<_, Option<String>>(i)?
            .map_or(Value::Null, Value::Text),
    })
}

fn refs(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl Backend for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn begin(&mut self, write: bool) -> Result<()> {
        // Readers get one snapshot for the whole transaction (verification reads in chunks and
        // must not see a commit land half-way); writers read committed state after the lock.
        let sql = if write {
            "BEGIN"
        } else {
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        };
        self.client.batch_execute(sql).map_err(|e| err(sql, e))?;
        if write {
            // Keyed by schema so stores in different schemas do not wait for each other.
            self.client
                .batch_execute("SELECT pg_advisory_xact_lock(726354, hashtext(current_schema()))")
                .map_err(|e| err("take the append lock", e))?;
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        self.client
            .batch_execute("COMMIT")
            .map_err(|e| err("commit", e))
    }

    fn rollback(&mut self) -> Result<()> {
        self.client
            .batch_execute("ROLLBACK")
            .map_err(|e| err("rollback", e))
    }

    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let st = self.statement(sql)?;
        self.client
            .execute(&st, &refs(params))
            .map_err(|e| err(sql, e))
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>> {
        let st = self.statement(sql)?;
        let rows = self
            .client
            .query(&st, &refs(params))
            .map_err(|e| err(sql, e))?;
        rows.iter()
            .map(|r| (0..r.len()).map(|i| read(r, i)).collect())
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| err(sql, e))
    }

    fn insert_rows(&mut self, table: &str, columns: &[&str], rows: &[Vec<Value>]) -> Result<()> {
        if columns.is_empty() {
            return Ok(());
        }
        let per_chunk = (MAX_PARAMS / columns.len()).max(1);
        for chunk in rows.chunks(per_chunk) {
            let tuple = format!("({})", vec!["?"; columns.len()].join(","));
            let sql = format!(
                "INSERT INTO {table} ({}) VALUES {}",
                columns.join(","),
                vec![tuple; chunk.len()].join(",")
            );
            let params: Vec<Value> = chunk.iter().flatten().cloned().collect();
            self.exec(&sql, &params)?;
        }
        Ok(())
    }

    fn exec_script(&mut self, sql: &str) -> Result<()> {
        self.client
            .batch_execute(sql)
            .map_err(|e| err("schema migration", e))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_outside_quotes() {
        assert_eq!(
            super::numbered("SELECT '?' , ? FROM t WHERE a = ? AND b = '??'"),
            "SELECT '?' , $1 FROM t WHERE a = $2 AND b = '??'"
        );
    }
}
