//! The evidence store through the real binary: kill -9 during a burst of appends, tampering
//! with the database file, file-level rollback, scan recording, and the syslog forwarder.

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn mlsec(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mlsec"));
    c.env("MLSEC_DATA_DIR", data)
        .env_remove("MLSEC_STORE")
        .env_remove("MLSEC_STORE_KEY")
        .env("MLSEC_ACTOR", "tester")
        .env("NO_COLOR", "1");
    c
}

fn run(c: &mut Command) -> (i32, String, String) {
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Starts a writer appending in a loop, kills it with SIGKILL once it has acknowledged some
/// events, and returns the sequence numbers it acknowledged.
fn burst_and_kill(data: &Path, store: Option<&str>, after: usize) -> Vec<u64> {
    let mut c = mlsec(data);
    c.args([
        "audit",
        "record",
        "--action",
        "drill.append",
        "--repeat",
        "1000000",
    ]);
    if let Some(s) = store {
        c.args(["--store", s]);
    }
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(l) = line else { break };
            if tx.send(l.trim().parse::<u64>().unwrap()).is_err() {
                break;
            }
        }
    });
    let mut acked = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.len() < after && Instant::now() < deadline {
        if let Ok(s) = rx.recv_timeout(Duration::from_millis(100)) {
            acked.push(s);
        }
        if let Ok(Some(st)) = child.try_wait() {
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            panic!("writer exited early ({st}): {err}");
        }
    }
    // SIGKILL on Unix: no destructors, no flush, mid-transaction.
    child.kill().unwrap();
    child.wait().unwrap();
    reader.join().unwrap();
    acked.extend(rx.try_iter());
    assert!(
        acked.len() >= after,
        "writer acknowledged only {} events",
        acked.len()
    );
    acked
}

fn crash_drill(store: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut all = Vec::new();
    for round in 0..3 {
        all.extend(burst_and_kill(&data, store, 40 + 30 * round));
        let mut c = mlsec(&data);
        c.args(["audit", "verify"]);
        if let Some(s) = store {
            c.args(["--store", s]);
        }
        let (code, out, err) = run(&mut c);
        assert_eq!(
            code, 0,
            "store does not verify after kill -9:\n{out}\n{err}"
        );
        let mut c = mlsec(&data);
        c.args(["audit", "export"]);
        if let Some(s) = store {
            c.args(["--store", s]);
        }
        let (code, out, _) = run(&mut c);
        assert_eq!(code, 0);
        let present: std::collections::HashSet<u64> = out
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["seq"]
                    .as_u64()
                    .unwrap()
            })
            .collect();
        let lost: Vec<_> = all.iter().filter(|s| !present.contains(s)).collect();
        assert!(
            lost.is_empty(),
            "acknowledged events lost after kill -9: {lost:?}"
        );
    }
}

#[test]
fn kill_9_during_appends_loses_no_acknowledged_event_sqlite() {
    crash_drill(None);
}

#[test]
fn kill_9_during_appends_loses_no_acknowledged_event_postgres() {
    let Ok(url) = std::env::var("MLSEC_TEST_POSTGRES_URL") else {
        eprintln!("note: skipping the PostgreSQL crash drill: set MLSEC_TEST_POSTGRES_URL");
        return;
    };
    let schema = format!("crash_{}", std::process::id());
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    c.batch_execute(&format!("CREATE SCHEMA {schema}")).unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    let store = format!("{url}{sep}options=-csearch_path%3D{schema}");
    let result = std::panic::catch_unwind(|| crash_drill(Some(&store)));
    let _ = c.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

#[test]
fn tampering_with_the_file_is_named_and_rollback_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let db = data.join("store.db");
    let (code, _, err) =
        run(mlsec(&data).args(["audit", "record", "--action", "t.x", "--repeat", "6"]));
    assert_eq!(code, 0, "{err}");
    let (_, head6, _) = run(mlsec(&data).args(["audit", "head"]));
    std::fs::write(dir.path().join("head6.json"), &head6).unwrap();
    // Keep a copy of the database (its WAL is checkpointed when the last connection closes).
    std::fs::copy(&db, dir.path().join("old.db")).unwrap();
    run(mlsec(&data).args(["audit", "record", "--action", "t.x", "--repeat", "4"]));
    let (_, head10, _) = run(mlsec(&data).args(["audit", "head"]));
    std::fs::write(dir.path().join("head10.json"), &head10).unwrap();

    // Edit one event in place.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE events SET body = REPLACE(body, 'success', 'failure') WHERE seq = 7",
        [],
    )
    .unwrap();
    drop(conn);
    let (code, out, _) = run(mlsec(&data).args(["audit", "verify"]));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("edited: event 7 was edited"), "{out}");
    let (code, out, _) = run(mlsec(&data).args(["audit", "verify", "--json"]));
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["issues"][0]["seq"], 7);

    // Roll the whole file back to the copy: the pinned head and the exported head both catch it.
    std::fs::copy(dir.path().join("old.db"), &db).unwrap();
    let (code, out, _) = run(mlsec(&data).args(["audit", "verify"]));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("rollback: the store holds 6 events"), "{out}");
    let elsewhere = dir.path().join("auditor");
    let store = format!("sqlite://{}", db.display());
    let (code, out, _) = run(mlsec(&elsewhere).args(["audit", "verify", "--store", &store]));
    assert_eq!(
        code, 0,
        "without a pin the old state is self-consistent: {out}"
    );
    let against = dir.path().join("head10.json");
    let (code, out, _) = run(mlsec(&elsewhere).args([
        "audit",
        "verify",
        "--store",
        &store,
        "--against",
        against.to_str().unwrap(),
    ]));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("rollback") && out.contains("events 6..9 are gone"),
        "{out}"
    );
    let (code, _, _) = run(mlsec(&elsewhere).args([
        "audit",
        "verify",
        "--store",
        &store,
        "--against",
        dir.path().join("head6.json").to_str().unwrap(),
    ]));
    assert_eq!(code, 0);
}

#[test]
fn scan_records_evidence_and_registry_gates_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let model = dir.path().join("model.json");
    std::fs::write(&model, "{\"weights\": [1, 2, 3]}").unwrap();
    let digest = format!("sha256:{}", "5e".repeat(32));
    let (code, _, err) = run(mlsec(&data)
        .args(["scan", "--record", "--model-digest", &digest])
        .arg(&model));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("recorded as event 0"), "{err}");
    let (_, out, _) = run(mlsec(&data).args([
        "audit", "log", "--json", "--action", "scan", "--model", &digest,
    ]));
    let ev: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(ev["outcome"], "success");
    assert_eq!(ev["payload"]["max_severity"], serde_json::Value::Null);

    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[alias.production]\nrequire = [\"scan\"]\nmax_severity = \"low\"\napprovals = 1\n",
    )
    .unwrap();
    let (code, out, err) = run(mlsec(&data)
        .args(["registry", "push", "--name", "m", "--digest", &digest])
        .arg(&model));
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = run(mlsec(&data)
        .args([
            "registry",
            "promote",
            "m@1",
            "--to",
            "production",
            "--policy",
        ])
        .arg(&policy));
    assert_eq!(code, 1);
    assert!(err.contains("0 distinct approval(s), 1 required"), "{err}");
    run(mlsec(&data).args(["registry", "approve", "m@1", "--actor", "bob"]));
    let (code, out, err) = run(mlsec(&data)
        .args([
            "registry",
            "promote",
            "m@1",
            "--to",
            "production",
            "--policy",
        ])
        .arg(&policy));
    assert_eq!(code, 0, "{out}{err}");
    let (_, out, _) = run(mlsec(&data).args(["audit", "log", "--action", "registry.*"]));
    assert_eq!(out.lines().count(), 4, "{out}");
    let (code, out, _) = run(mlsec(&data).args(["registry", "lineage", "--model", "m@1"]));
    assert_eq!(code, 0);
    assert!(out.starts_with("m@1 = sha256:5e5e"), "{out}");
}

#[test]
fn forward_sends_rfc5424_over_tcp_to_a_local_listener() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    run(mlsec(&data).args(["audit", "record", "--action", "t.fwd", "--repeat", "3"]));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let reader = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut all = String::new();
        s.read_to_string(&mut all).unwrap();
        all
    });
    let (code, _, err) = run(mlsec(&data).args([
        "audit",
        "forward",
        "--to",
        &format!("tcp://{addr}"),
        "--format",
        "ocsf",
    ]));
    assert_eq!(code, 0, "{err}");
    let got = reader.join().unwrap();
    assert_eq!(got.matches(">1 ").count(), 3, "{got}");
    assert!(
        got.contains(
            "[mlsec@32473 seq=\"2\" actor=\"tester\" outcome=\"success\"] {\"activity_id\""
        ),
        "{got}"
    );
}
