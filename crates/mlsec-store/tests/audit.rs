//! The audit log suite, run unchanged against SQLite and PostgreSQL.

mod common;

use common::{Fixture, event};
use mlsec_store::merkle::{reference_root, verify_consistency, verify_inclusion};
use mlsec_store::proof::{ConsistencyProofJson, InclusionProofJson};
use mlsec_store::{
    EventFilter, HeadJson, IssueKind, Outcome, Store, StoreError, Value, VerifyOptions,
    VerifyReport,
};

on_both_backends!(
    append_read_and_filter,
    proofs_verify_for_every_event_and_head,
    clean_store_verifies_and_pins,
    edited_body_is_named,
    edited_body_with_rehashed_leaf_is_named_by_the_heads,
    deleted_event_is_named,
    deleted_and_renumbered_event_is_named,
    reordered_events_are_named,
    event_appended_outside_mlsec_is_named,
    event_inserted_in_the_middle_is_named,
    rollback_is_detected_by_pin_and_against,
    forged_head_and_edited_index_column_are_reported,
    concurrent_appenders_extend_one_tree,
    another_key_cannot_append,
    newer_schema_is_refused,
);

fn filled(f: &Fixture, n: u64) -> Store {
    let mut s = f.open();
    for i in 0..n {
        s.append(event(i)).unwrap();
    }
    s
}

fn verify(s: &mut Store) -> VerifyReport {
    s.verify(&VerifyOptions::default()).unwrap()
}

fn assert_issue(r: &VerifyReport, kind: IssueKind, seq: u64) {
    assert!(
        r.issues
            .iter()
            .any(|i| i.kind == kind && i.seq == Some(seq)),
        "expected {kind:?} at {seq}, got {:#?}",
        r.issues
    );
}

fn exec(s: &mut Store, sql: &str, params: &[Value]) -> u64 {
    s.backend_mut().exec(sql, params).unwrap()
}

fn append_read_and_filter(f: &Fixture) {
    let mut s = f.open();
    assert_eq!(s.size().unwrap(), 0);
    assert!(s.head().unwrap().is_none());
    let r0 = s.append(event(0)).unwrap();
    assert_eq!((r0.seq, r0.head.head.size), (0, 1));
    let batch = s.append_batch((1..6).map(event).collect()).unwrap();
    assert_eq!(
        batch.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    // One commit, one head.
    assert!(batch.iter().all(|r| r.head.head.size == 6));
    assert_eq!(s.head().unwrap().unwrap().head.size, 6);
    assert_eq!(s.head_at(1).unwrap().unwrap(), r0.head);
    assert!(s.head_at(3).unwrap().is_none());

    let e3 = s.event(3).unwrap();
    assert_eq!(e3.event.payload["i"], 3);
    assert_eq!(
        e3.leaf_hash,
        mlsec_store::merkle::leaf_hash(e3.body.as_bytes())
    );
    assert!(matches!(
        s.event(99),
        Err(StoreError::NoSuchEvent { seq: 99, size: 6 })
    ));

    let by = |s: &mut Store, f: EventFilter| -> Vec<u64> {
        s.events(&f).unwrap().iter().map(|e| e.event.seq).collect()
    };
    assert_eq!(
        by(
            &mut s,
            EventFilter {
                actor: Some("user1".into()),
                ..Default::default()
            }
        ),
        vec![1, 3, 5]
    );
    assert_eq!(
        by(
            &mut s,
            EventFilter {
                action: Some("scan".into()),
                ..Default::default()
            }
        ),
        vec![0, 4]
    );
    assert_eq!(
        by(
            &mut s,
            EventFilter {
                action: Some("registry.*".into()),
                ..Default::default()
            }
        ),
        vec![1, 2, 3, 5]
    );
    let model = e3.event.model.clone();
    assert_eq!(
        by(
            &mut s,
            EventFilter {
                model: model.clone(),
                ..Default::default()
            }
        ),
        vec![0, 3]
    );
    let t = e3.event.time;
    assert_eq!(
        by(
            &mut s,
            EventFilter {
                since: Some(t + 1_000_000),
                ..Default::default()
            }
        ),
        Vec::<u64>::new()
    );
    assert_eq!(
        by(
            &mut s,
            EventFilter {
                until: Some(t + 1_000_000),
                limit: Some(2),
                from_seq: Some(2),
                ..Default::default()
            }
        ),
        vec![2, 3]
    );
    assert_eq!(s.event(0).unwrap().event.outcome, Outcome::Failure);
    // Reopening sees the same log.
    let mut again = f.open();
    assert_eq!(again.id(), s.id());
    assert_eq!(again.size().unwrap(), 6);
}

fn proofs_verify_for_every_event_and_head(f: &Fixture) {
    let mut s = f.open();
    let mut sizes = Vec::new();
    let mut i = 0;
    // Mixed commit sizes so heads land on odd sizes and powers of two alike.
    for batch in [1u64, 1, 2, 5, 1, 8, 3, 16, 1, 7] {
        let r = s.append_batch((i..i + batch).map(event).collect()).unwrap();
        i += batch;
        sizes.push(r[0].head.head.size);
    }
    let all = s.all_events().unwrap();
    let leaves: Vec<_> = all.iter().map(|e| e.leaf_hash).collect();
    let key = s.recorded_key().unwrap().unwrap();
    for &n in &sizes {
        let head = s.head_at(n).unwrap().unwrap();
        assert!(head.verify(&key));
        assert_eq!(head.head.root, reference_root(&leaves[..n as usize]));
        assert_eq!(s.root_at(n).unwrap(), head.head.root);
        for seq in 0..n {
            let p = s.inclusion_proof(seq, Some(n)).unwrap();
            assert!(verify_inclusion(
                seq,
                n,
                &leaves[seq as usize],
                &p.path,
                &head.head.root
            ));
            let json = InclusionProofJson::new(&p, &key);
            assert_eq!(json.check().unwrap(), key);
        }
        for &m in sizes.iter().filter(|&&m| m <= n) {
            let c = s.consistency_proof(m, Some(n)).unwrap();
            let old = s.head_at(m).unwrap().unwrap();
            assert_eq!(c.old_root, old.head.root);
            assert!(verify_consistency(
                m,
                n,
                &old.head.root,
                &head.head.root,
                &c.proof
            ));
            ConsistencyProofJson::new(&c).check().unwrap();
        }
    }
    // A proof for a size no head was signed at is refused rather than made up.
    assert!(matches!(
        s.inclusion_proof(0, Some(3)),
        Err(StoreError::BadTreeSize { asked: 3, .. })
    ));
    // Tampered proofs fail the JSON check.
    let p = s.inclusion_proof(3, None).unwrap();
    let mut json = InclusionProofJson::new(&p, &key);
    json.event = json.event.replace("event 3", "event 4");
    assert!(json.check().is_err());
}

fn clean_store_verifies_and_pins(f: &Fixture) {
    let mut s = filled(f, 12);
    let r = s
        .verify(&VerifyOptions {
            update_pin: true,
            ..Default::default()
        })
        .unwrap();
    assert!(r.ok(), "{:#?}", r.issues);
    assert_eq!((r.events, r.heads), (12, 12));
    assert_eq!(r.key_source, mlsec_store::KeySource::KeyFile);
    assert_eq!(s.pinned().unwrap().unwrap().tree_size, 12);
    // Another machine without the key or a pin verifies too, and says what it could not check.
    let elsewhere = tempfile::tempdir().unwrap();
    let mut other = f.open_elsewhere(elsewhere.path());
    let r = verify(&mut other);
    assert!(r.ok(), "{:#?}", r.issues);
    assert_eq!(r.key_source, mlsec_store::KeySource::StoreRecord);
    assert!(r.notes.iter().any(|n| n.contains("--against")));
    // The empty store verifies.
    let empty = Fixture::new(f.kind, "empty_store");
    if let Some(e) = empty {
        assert!(verify(&mut e.open()).ok());
    }
}

fn edited_body_is_named(f: &Fixture) {
    let mut s = filled(f, 10);
    exec(
        &mut s,
        "UPDATE events SET body = REPLACE(body, 'event 3', 'event X') WHERE seq = 3",
        &[],
    );
    let r = verify(&mut s);
    assert_issue(&r, IssueKind::Edited, 3);
    assert_eq!(
        r.issues
            .iter()
            .filter(|i| i.kind == IssueKind::Edited)
            .count(),
        1
    );
}

fn edited_body_with_rehashed_leaf_is_named_by_the_heads(f: &Fixture) {
    let mut s = filled(f, 10);
    let body = s.event(6).unwrap().body.replace("success", "failure");
    let leaf = mlsec_store::merkle::leaf_hash(body.as_bytes());
    exec(
        &mut s,
        "UPDATE events SET body = ?, leaf_hash = ?, outcome = 'failure' WHERE seq = 6",
        &[body.into(), leaf.to_vec().into()],
    );
    let r = verify(&mut s);
    assert_issue(&r, IssueKind::Edited, 6);
    assert!(
        r.issues.iter().any(|i| i.message.contains("size 7")),
        "{:#?}",
        r.issues
    );
}

fn deleted_event_is_named(f: &Fixture) {
    let mut s = filled(f, 10);
    exec(&mut s, "DELETE FROM events WHERE seq = 4", &[]);
    let r = verify(&mut s);
    assert_issue(&r, IssueKind::Deleted, 4);
    // The last event deleted, too.
    exec(&mut s, "DELETE FROM events WHERE seq = 9", &[]);
    assert_issue(&verify(&mut s), IssueKind::Deleted, 9);
}

fn deleted_and_renumbered_event_is_named(f: &Fixture) {
    let mut s = filled(f, 10);
    exec(&mut s, "DELETE FROM events WHERE seq = 4", &[]);
    for seq in 5..10u64 {
        exec(
            &mut s,
            "UPDATE events SET seq = ? WHERE seq = ?",
            &[(seq - 1).into(), seq.into()],
        );
    }
    let r = verify(&mut s);
    assert_issue(&r, IssueKind::Deleted, 4);
    assert!(r.issues.iter().any(|i| i.message.contains("renumbered")));
}

fn reordered_events_are_named(f: &Fixture) {
    let mut s = filled(f, 10);
    // Swap rows 2 and 5 entirely, keeping only the position key.
    exec(&mut s, "UPDATE events SET seq = 100 WHERE seq = 2", &[]);
    exec(&mut s, "UPDATE events SET seq = 2 WHERE seq = 5", &[]);
    exec(&mut s, "UPDATE events SET seq = 5 WHERE seq = 100", &[]);
    let r = verify(&mut s);
    assert_issue(&r, IssueKind::Reordered, 2);
    assert_issue(&r, IssueKind::Reordered, 5);
    assert!(
        r.issues
            .iter()
            .any(|i| i.message == "event 5 was moved to position 2")
    );
}

fn event_appended_outside_mlsec_is_named(f: &Fixture) {
    let mut s = filled(f, 10);
    let mut forged = s.event(9).unwrap();
    forged.event.seq = 10;
    let forged = mlsec_store::StoredEvent::from_event(forged.event);
    exec(
        &mut s,
        "INSERT INTO events (seq, time_us, actor, action, model, outcome, body, leaf_hash) VALUES (10, ?, ?, ?, ?, ?, ?, ?)",
        &[
            forged.event.time.into(),
            forged.event.actor.clone().into(),
            forged.event.action.clone().into(),
            forged.event.model.as_ref().map(|m| m.to_string()).into(),
            forged.event.outcome.as_str().into(),
            forged.body.clone().into(),
            forged.leaf_hash.to_vec().into(),
        ],
    );
    let r = verify(&mut s);
    assert_issue(&r, IssueKind::Inserted, 10);
}

fn event_inserted_in_the_middle_is_named(f: &Fixture) {
    let mut s = filled(f, 10);
    for seq in (4..10u64).rev() {
        exec(
            &mut s,
            "UPDATE events SET seq = ? WHERE seq = ?",
            &[(seq + 1).into(), seq.into()],
        );
    }
    let mut forged = s.event(3).unwrap().event;
    forged.seq = 4;
    forged.actor = "mallory".into();
    let forged = mlsec_store::StoredEvent::from_event(forged);
    exec(
        &mut s,
        "INSERT INTO events (seq, time_us, actor, action, model, outcome, body, leaf_hash) VALUES (4, ?, ?, ?, ?, ?, ?, ?)",
        &[
            forged.event.time.into(),
            forged.event.actor.clone().into(),
            forged.event.action.clone().into(),
            forged.event.model.as_ref().map(|m| m.to_string()).into(),
            forged.event.outcome.as_str().into(),
            forged.body.clone().into(),
            forged.leaf_hash.to_vec().into(),
        ],
    );
    let r = verify(&mut s);
    assert_issue(&r, IssueKind::Inserted, 4);
}

fn rollback_is_detected_by_pin_and_against(f: &Fixture) {
    let mut s = filled(f, 6);
    let state6 = s
        .backend_mut()
        .query("SELECT frontier FROM tree_state WHERE id = 1", &[])
        .unwrap();
    for i in 6..10 {
        s.append(event(i)).unwrap();
    }
    let key = s.recorded_key().unwrap().unwrap();
    let exported = HeadJson::new(&s.head().unwrap().unwrap(), &key);
    // Put the database back exactly as it was at 6 events: internally consistent.
    exec(&mut s, "DELETE FROM events WHERE seq >= 6", &[]);
    exec(&mut s, "DELETE FROM heads WHERE size > 6", &[]);
    let nodes = s
        .backend_mut()
        .query("SELECT level, idx FROM nodes", &[])
        .unwrap();
    for n in nodes {
        let (level, idx) = (n[0].int().unwrap(), n[1].int().unwrap());
        if (idx + 1) << level > 6 {
            exec(
                &mut s,
                "DELETE FROM nodes WHERE level = ? AND idx = ?",
                &[level.into(), idx.into()],
            );
        }
    }
    exec(
        &mut s,
        "UPDATE tree_state SET size = 6, frontier = ? WHERE id = 1",
        &[state6[0][0].clone()],
    );
    // This machine pinned the head of 10 events when it appended them.
    let r = verify(&mut s);
    assert_issue(&r, IssueKind::Rollback, 6);
    assert_eq!(r.issues.len(), 1, "{:#?}", r.issues);
    // Another machine with no pin sees a consistent store, until it is shown the exported head.
    let elsewhere = tempfile::tempdir().unwrap();
    let mut other = f.open_elsewhere(elsewhere.path());
    assert!(verify(&mut other).ok());
    let r = other
        .verify(&VerifyOptions {
            against: vec![exported],
            ..Default::default()
        })
        .unwrap();
    assert_issue(&r, IssueKind::Rollback, 6);
    assert!(
        r.issues
            .iter()
            .any(|i| i.message.contains("events 6..9 are gone"))
    );
}

fn forged_head_and_edited_index_column_are_reported(f: &Fixture) {
    let mut s = filled(f, 5);
    exec(
        &mut s,
        "UPDATE events SET actor = 'nobody' WHERE seq = 2",
        &[],
    );
    let note = s
        .backend_mut()
        .query("SELECT note FROM heads WHERE size = 3", &[])
        .unwrap()[0][0]
        .text()
        .unwrap()
        .to_string();
    // Claim a different time under the old signature.
    let forged = note.replacen("time 20", "time 19", 1);
    exec(
        &mut s,
        "UPDATE heads SET note = ? WHERE size = 3",
        &[forged.into()],
    );
    let r = verify(&mut s);
    assert_issue(&r, IssueKind::Inconsistent, 2);
    assert!(
        r.issues
            .iter()
            .any(|i| i.kind == IssueKind::BadHead && i.message.contains("size 3")),
        "{:#?}",
        r.issues
    );
}

fn concurrent_appenders_extend_one_tree(f: &Fixture) {
    // Create the store (and its key) once, so the writers race on appends, not on set-up.
    f.open().append(event(0)).unwrap();
    let threads = 4u64;
    let per = 15u64;
    let seqs: Vec<u64> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                sc.spawn(move || {
                    let mut s = f.open();
                    (0..per)
                        .flat_map(|i| {
                            if i % 5 == 4 {
                                s.append_batch(vec![event(t * 100 + i), event(t * 100 + i + 50)])
                                    .unwrap()
                                    .into_iter()
                                    .map(|r| r.seq)
                                    .collect::<Vec<_>>()
                            } else {
                                vec![s.append(event(t * 100 + i)).unwrap().seq]
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut sorted = seqs.clone();
    sorted.sort_unstable();
    sorted.dedup();
    let expected = threads * (per + 3);
    assert_eq!(sorted.len() as u64, expected, "duplicate sequence numbers");
    assert_eq!(sorted, (1..=expected).collect::<Vec<_>>());
    let mut s = f.open();
    let r = verify(&mut s);
    assert!(r.ok(), "{:#?}", r.issues);
    assert_eq!(r.events, expected + 1);
}

fn another_key_cannot_append(f: &Fixture) {
    let mut s = filled(f, 2);
    let elsewhere = tempfile::tempdir().unwrap();
    let mut other = f.open_elsewhere(elsewhere.path());
    let e = other.append(event(2)).unwrap_err().to_string();
    assert!(
        e.contains("missing") && e.contains("MLSEC_STORE_KEY"),
        "{e}"
    );
    let mut o = f.options();
    o.key_path = Some(elsewhere.path().join("mine.key"));
    mlsec_store::StoreKey::load_or_create(o.key_path.as_ref().unwrap()).unwrap();
    let mut third = Store::open(&f.url, o).unwrap();
    let e = third.append(event(2)).unwrap_err().to_string();
    assert!(e.contains("signed by"), "{e}");
    assert_eq!(s.size().unwrap(), 2);
}

fn newer_schema_is_refused(f: &Fixture) {
    let mut s = filled(f, 1);
    exec(
        &mut s,
        "INSERT INTO schema_migrations (version, applied_us) VALUES (99, 0)",
        &[],
    );
    match Store::open(&f.url, f.options()) {
        Err(StoreError::SchemaTooNew { found: 99, .. }) => {}
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}
