//! Test fixtures: one store per test, on SQLite (a temporary file) or PostgreSQL (a fresh schema
//! in the database named by `MLSEC_TEST_POSTGRES_URL`), so tests run in parallel.

#![allow(dead_code)] // each test binary uses a different part of the fixture

use mlsec_store::{NewEvent, Outcome, Store, StoreOptions, StoreUrl};
use std::sync::atomic::{AtomicU32, Ordering};

/// Which backend a fixture runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// A store for one test, removed afterwards.
#[derive(Debug)]
pub struct Fixture {
    pub kind: Kind,
    pub dir: tempfile::TempDir,
    pub url: StoreUrl,
    pub schema: Option<String>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl Fixture {
    /// A fresh store, or `None` (with a note on stderr) when PostgreSQL is not configured.
    pub fn new(kind: Kind, name: &str) -> Option<Fixture> {
        let dir = tempfile::tempdir().expect("temp dir");
        match kind {
            Kind::Sqlite => Some(Fixture {
                kind,
                url: StoreUrl::Sqlite(dir.path().join("store.db")),
                dir,
                schema: None,
            }),
            Kind::Postgres => {
                let Ok(url) = std::env::var("MLSEC_TEST_POSTGRES_URL") else {
                    eprintln!(
                        "note: skipping the PostgreSQL run of `{name}`: set MLSEC_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test)"
                    );
                    return None;
                };
                let schema = format!(
                    "t_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed),
                    name.chars().take(30).collect::<String>()
                );
                Some(Fixture {
                    kind,
                    url: StoreUrl::Postgres(url),
                    dir,
                    schema: Some(schema),
                })
            }
        }
    }

    /// Options with this fixture's state directory and schema.
    pub fn options(&self) -> StoreOptions {
        let mut o = StoreOptions::new(self.dir.path().join("state"));
        o.pg_schema = self.schema.clone();
        o
    }

    /// Opens the store (a new connection each call).
    pub fn open(&self) -> Store {
        Store::open(&self.url, self.options()).expect("open store")
    }

    /// Opens the store with another state directory (another machine: no key, no pin).
    pub fn open_elsewhere(&self, state: &std::path::Path) -> Store {
        let mut o = self.options();
        o.state_dir = state.to_path_buf();
        Store::open(&self.url, o).expect("open store")
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let (Kind::Postgres, Some(schema), StoreUrl::Postgres(url)) =
            (self.kind, &self.schema, &self.url)
            && let Ok(mut c) = postgres::Client::connect(url, postgres::NoTls)
        {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
        }
    }
}

/// A plausible event number `i`.
pub fn event(i: u64) -> NewEvent {
    let digest = mlsec_core::Digest::parse(&format!("sha256:{:064x}", i % 3)).unwrap();
    NewEvent::new(
        format!("user{}", i % 2),
        if i.is_multiple_of(4) {
            "scan"
        } else {
            "registry.push"
        },
        if i.is_multiple_of(5) {
            Outcome::Failure
        } else {
            Outcome::Success
        },
    )
    .model(digest)
    .payload(serde_json::json!({"i": i, "note": format!("event {i}")}))
}

/// Declares each case once and runs it on both backends.
#[macro_export]
macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $case() {
                    let f = $crate::common::Fixture::new($crate::common::Kind::Sqlite, stringify!($case)).unwrap();
                    super::$case(&f);
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $case() {
                    if let Some(f) = $crate::common::Fixture::new($crate::common::Kind::Postgres, stringify!($case)) {
                        super::$case(&f);
                    }
                }
            )*
        }
    };
}
