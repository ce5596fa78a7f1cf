//! Store throughput and proof latency. Run in release through `bench/store.sh`.
//!
//! Usage: store_bench [--events N] [--postgres URL]

use mlsec_store::merkle::{verify_consistency, verify_inclusion};
use mlsec_store::{NewEvent, Outcome, Store, StoreOptions, StoreUrl};
use std::time::Instant;

fn event(i: u64) -> NewEvent {
    NewEvent::new("bench", "gateway.infer", Outcome::Success)
        .payload(serde_json::json!({"i": i, "principal": "svc-a", "decision": "allow"}))
}

fn per_sec(n: u64, secs: f64) -> String {
    format!("{:>9.0} events/s", n as f64 / secs)
}

fn appends(label: &str, store: &mut Store, single: u64, batched: u64, batch: u64) {
    let t = Instant::now();
    for i in 0..single {
        store.append(event(i)).unwrap();
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "{label:<10} single append (1 commit each): {} ({single} events, {:.2} ms/commit)",
        per_sec(single, s),
        s * 1e3 / single as f64
    );
    let t = Instant::now();
    let mut i = 0;
    while i < batched {
        store
            .append_batch((i..i + batch).map(event).collect())
            .unwrap();
        i += batch;
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "{label:<10} batched append ({batch}/commit):    {} ({batched} events)",
        per_sec(batched, s)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let get = |k: &str| {
        args.iter()
            .position(|a| a == k)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let total: u64 = get("--events").map_or(1_000_000, |v| v.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();

    let mut s = Store::open(
        &StoreUrl::Sqlite(dir.path().join("bench.db")),
        StoreOptions::new(dir.path().join("state")),
    )
    .unwrap();
    appends("sqlite", &mut s, 500, 100_000, 1000);

    if let Some(url) = get("--postgres") {
        let mut o = StoreOptions::new(dir.path().join("pgstate"));
        o.pg_schema = Some(format!("bench_{}", std::process::id()));
        let mut p = Store::open(&StoreUrl::Postgres(url.clone()), o.clone()).unwrap();
        appends("postgres", &mut p, 500, 100_000, 1000);
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.batch_execute(&format!("DROP SCHEMA {} CASCADE", o.pg_schema.unwrap()))
            .unwrap();
    }

    // Grow the SQLite store to `total` events, then measure proofs at that size.
    let t = Instant::now();
    let mut n = s.size().unwrap();
    while n < total {
        let k = (total - n).min(10_000);
        s.append_batch((n..n + k).map(event).collect()).unwrap();
        n += k;
    }
    println!(
        "grew the SQLite store to {n} events in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let head = s.head().unwrap().unwrap();
    let samples = 2000u64;
    let mut made = 0f64;
    let mut ver = 0f64;
    let mut path_len = 0usize;
    for k in 0..samples {
        let seq = (k * 7_919_993) % n;
        let t = Instant::now();
        let p = s.inclusion_proof(seq, None).unwrap();
        made += t.elapsed().as_secs_f64();
        let t = Instant::now();
        assert!(verify_inclusion(
            seq,
            n,
            &p.event.leaf_hash,
            &p.path,
            &head.head.root
        ));
        ver += t.elapsed().as_secs_f64();
        path_len = p.path.len();
    }
    println!(
        "inclusion proof at {n} events: generate {:.1} µs (incl. reading the event), verify {:.1} µs, {path_len} hashes",
        made / samples as f64 * 1e6,
        ver / samples as f64 * 1e6
    );
    let mut made = 0f64;
    let mut ver = 0f64;
    let mut len = 0usize;
    for k in 1..=200u64 {
        let old = (k * 4_999) % n + 1;
        let t = Instant::now();
        let c = s.consistency_proof(old, None).unwrap();
        made += t.elapsed().as_secs_f64();
        let t = Instant::now();
        assert!(verify_consistency(
            old,
            n,
            &c.old_root,
            &c.new_root,
            &c.proof
        ));
        ver += t.elapsed().as_secs_f64();
        len = c.proof.len();
    }
    println!(
        "consistency proof to {n} events: generate {:.1} µs (incl. both roots), verify {:.1} µs, ~{len} hashes",
        made / 200.0 * 1e6,
        ver / 200.0 * 1e6
    );
    let t = Instant::now();
    let r = s.verify(&Default::default()).unwrap();
    assert!(r.ok());
    println!(
        "full offline verify of {n} events: {:.1} s",
        t.elapsed().as_secs_f64()
    );
}
