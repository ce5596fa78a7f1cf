//! Versioned schema migrations, run when a store is opened.
//!
//! Each migration is written once with `{int}` and `{bytes}` standing for the integer and byte
//! types of the dialect. Migrations run under the append lock, so two processes opening a new
//! store at once apply each migration exactly once. A migration is never edited after release:
//! changes are new versions.

use crate::backend::{Backend, Dialect, in_tx};
use crate::error::{Result, StoreError};

/// Migrations in order; the index + 1 is the version.
const MIGRATIONS: &[&str] = &[
    // v1: the audit log, its tree and heads, and the registry.
    "
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    -- One row: the size and compact frontier of the tree, updated by every append.
    CREATE TABLE tree_state (id {int} PRIMARY KEY CHECK (id = 1), size {int} NOT NULL, frontier {bytes} NOT NULL);
    CREATE TABLE events (
        seq {int} PRIMARY KEY,
        time_us {int} NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        model TEXT,
        outcome TEXT NOT NULL,
        body TEXT NOT NULL,
        leaf_hash {bytes} NOT NULL
    );
    CREATE INDEX events_model ON events (model, seq);
    CREATE INDEX events_actor ON events (actor, seq);
    CREATE INDEX events_action ON events (action, seq);
    CREATE INDEX events_time ON events (time_us);
    -- Perfect subtrees of level >= 1 (level 0 is events.leaf_hash).
    CREATE TABLE nodes (level {int} NOT NULL, idx {int} NOT NULL, hash {bytes} NOT NULL, PRIMARY KEY (level, idx));
    -- One signed head per commit.
    CREATE TABLE heads (size {int} PRIMARY KEY, root {bytes} NOT NULL, time_us {int} NOT NULL, note TEXT NOT NULL);
    CREATE TABLE reg_versions (
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        digest TEXT NOT NULL,
        created_us {int} NOT NULL,
        event_seq {int} NOT NULL,
        quarantined {int} NOT NULL DEFAULT 0,
        PRIMARY KEY (name, version)
    );
    CREATE INDEX reg_versions_digest ON reg_versions (digest);
    CREATE TABLE reg_aliases (
        name TEXT NOT NULL,
        alias TEXT NOT NULL,
        version TEXT NOT NULL,
        event_seq {int} NOT NULL,
        protected {int} NOT NULL DEFAULT 0,
        PRIMARY KEY (name, alias)
    );
    CREATE TABLE reg_alias_history (
        name TEXT NOT NULL,
        alias TEXT NOT NULL,
        event_seq {int} NOT NULL,
        version TEXT NOT NULL,
        PRIMARY KEY (name, alias, event_seq)
    );
    CREATE TABLE reg_lineage (
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        kind TEXT NOT NULL,
        ref TEXT NOT NULL,
        PRIMARY KEY (name, version, kind, ref)
    );
    CREATE INDEX reg_lineage_ref ON reg_lineage (kind, ref);
    ",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

fn render(sql: &str, dialect: Dialect) -> String {
    let (int, bytes) = match dialect {
        Dialect::Sqlite => ("INTEGER", "BLOB"),
        Dialect::Postgres => ("BIGINT", "BYTEA"),
    };
    sql.replace("{int}", int).replace("{bytes}", bytes)
}

/// Brings the schema up to [`SCHEMA_VERSION`]; refuses a store from a newer build.
pub fn migrate(db: &mut dyn Backend) -> Result<()> {
    let dialect = db.dialect();
    in_tx(db, true, |db| {
        db.exec_script(&render(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version {int} PRIMARY KEY, applied_us {int} NOT NULL)",
            dialect,
        ))?;
        let rows = db.query("SELECT MAX(version) FROM schema_migrations", &[])?;
        let current = rows
            .first()
            .and_then(|r| r.first())
            .and_then(|v| v.int())
            .unwrap_or(0);
        if current > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                found: current,
                supported: SCHEMA_VERSION,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            let version = i as i64 + 1;
            tracing::info!(version, "applying store schema migration");
            db.exec_script(&render(sql, dialect))?;
            db.exec(
                "INSERT INTO schema_migrations (version, applied_us) VALUES (?, ?)",
                &[version.into(), crate::time::now().into()],
            )?;
        }
        Ok(())
    })
}
