//! The registry suite, run unchanged against SQLite and PostgreSQL.

mod common;

use common::Fixture;
use mlsec_core::Digest;
use mlsec_store::registry::{PromotionPolicy, PushRequest, Pushed};
use mlsec_store::{EventFilter, NewEvent, Outcome, Store, StoreError, VerifyOptions};

on_both_backends!(
    versions_are_immutable,
    promotion_is_gated_and_audited,
    quarantine_and_rollback,
    lineage_both_ways,
);

fn digest(n: u8) -> Digest {
    Digest::parse(&format!("sha256:{}", format!("{n:02x}").repeat(32))).unwrap()
}

fn push(s: &mut Store, name: &str, version: Option<&str>, d: Digest) -> Result<Pushed, StoreError> {
    s.registry_push(PushRequest {
        name: name.into(),
        version: version.map(str::to_string),
        digest: d,
        actor: "alice".into(),
        datasets: vec![],
        parents: vec![],
        note: serde_json::Value::Null,
    })
}

fn actions(s: &mut Store) -> Vec<(String, Outcome)> {
    s.all_events()
        .unwrap()
        .into_iter()
        .map(|e| (e.event.action, e.event.outcome))
        .collect()
}

fn versions_are_immutable(f: &Fixture) {
    let mut s = f.open();
    // Evidence recorded before the push travels with the version.
    s.append(NewEvent::new("ci", "scan", Outcome::Success).model(digest(1)))
        .unwrap();
    let Pushed::Created(v1, _) = push(&mut s, "fraud", None, digest(1)).unwrap() else {
        panic!("expected a new version")
    };
    assert_eq!(v1.version, "1");
    let push_event = s.event(v1.event_seq).unwrap();
    assert_eq!(push_event.event.payload["evidence"][0]["action"], "scan");
    // Same bytes again: the same version, nothing new logged.
    assert!(
        matches!(push(&mut s, "fraud", None, digest(1)).unwrap(), Pushed::Exists(v) if v.version == "1")
    );
    let Pushed::Created(v2, _) = push(&mut s, "fraud", None, digest(2)).unwrap() else {
        panic!()
    };
    assert_eq!(v2.version, "2");
    // Other bytes under an existing version: refused, and the refusal is an audit event.
    let e = push(&mut s, "fraud", Some("1"), digest(3)).unwrap_err();
    assert!(
        matches!(e, StoreError::Refused(ref m) if m.contains("immutable")),
        "{e}"
    );
    assert_eq!(
        actions(&mut s).last().unwrap(),
        &("registry.push".to_string(), Outcome::Denied)
    );
    let list = s.registry_list(Some("fraud")).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(
        list.iter().find(|v| v.version == "1").unwrap().digest,
        digest(1)
    );
    assert!(push(&mut s, "bad name", None, digest(4)).is_err());
    assert!(s.verify(&VerifyOptions::default()).unwrap().ok());
}

const POLICY: &str = r#"
[alias.production]
protected = true
signature_keys = ["key-1"]
max_severity = "low"
require = ["scan", "redteam"]
approvals = 2

[alias.staging]
require = ["scan"]
"#;

fn promotion_is_gated_and_audited(f: &Fixture) {
    let mut s = f.open();
    let policy = PromotionPolicy::from_toml(POLICY).unwrap();
    assert!(PromotionPolicy::from_toml("[alias.x]\nmax_severity = \"awful\"").is_err());
    assert!(PromotionPolicy::from_toml("[alias.x]\nunknown = 1").is_err());
    push(&mut s, "m", Some("1.0"), digest(1)).unwrap();

    let err = s
        .registry_promote("m", "1.0", "production", Some(&policy), "alice")
        .unwrap_err()
        .to_string();
    for want in [
        "no successful `scan`",
        "`redteam`",
        "pinned key",
        "no scan recorded",
        "0 distinct approval",
    ] {
        assert!(err.contains(want), "missing `{want}` in {err}");
    }
    let denied = s
        .events(&EventFilter {
            action: Some("registry.promote".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].event.outcome, Outcome::Denied);
    assert!(
        denied[0].event.payload["failed_checks"]
            .as_array()
            .unwrap()
            .len()
            >= 5
    );

    // Supply the evidence, one piece failing the severity gate first.
    let d = digest(1);
    s.append(
        NewEvent::new("ci", "scan", Outcome::Failure)
            .model(d.clone())
            .payload(serde_json::json!({"max_severity": "high"})),
    )
    .unwrap();
    s.append(NewEvent::new("ci", "redteam", Outcome::Success).model(d.clone()))
        .unwrap();
    s.append(
        NewEvent::new("ci", "verify", Outcome::Success)
            .model(d.clone())
            .payload(serde_json::json!({"key": "key-1"})),
    )
    .unwrap();
    s.registry_approve("m", "1.0", Some("production"), "bob")
        .unwrap();
    s.registry_approve("m", "1.0", None, "bob").unwrap();
    let err = s
        .registry_promote("m", "1.0", "production", Some(&policy), "alice")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("high severity") && err.contains("1 distinct approval"),
        "{err}"
    );
    s.append(
        NewEvent::new("ci", "scan", Outcome::Success)
            .model(d.clone())
            .payload(serde_json::json!({"max_severity": "low"})),
    )
    .unwrap();
    s.registry_approve("m", "1.0", Some("production"), "carol")
        .unwrap();
    s.registry_promote("m", "1.0", "production", Some(&policy), "alice")
        .unwrap();
    assert_eq!(
        s.registry_resolve("m", "production")
            .unwrap()
            .unwrap()
            .version,
        "1.0"
    );

    // The alias is now protected: without the policy it cannot move.
    push(&mut s, "m", Some("2.0"), digest(2)).unwrap();
    let err = s
        .registry_promote("m", "2.0", "production", None, "alice")
        .unwrap_err()
        .to_string();
    assert!(err.contains("protected"), "{err}");
    // An alias without rules moves freely, and is still audited.
    s.registry_promote("m", "2.0", "dev", None, "alice")
        .unwrap();
    let outcomes: Vec<Outcome> = s
        .events(&EventFilter {
            action: Some("registry.promote".into()),
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .map(|e| e.event.outcome)
        .collect();
    assert_eq!(
        outcomes,
        [
            Outcome::Denied,
            Outcome::Denied,
            Outcome::Success,
            Outcome::Denied,
            Outcome::Success
        ]
    );
    assert!(s.verify(&VerifyOptions::default()).unwrap().ok());
}

fn quarantine_and_rollback(f: &Fixture) {
    let mut s = f.open();
    for (v, d) in [("1", 1), ("2", 2), ("3", 3)] {
        push(&mut s, "m", Some(v), digest(d)).unwrap();
        s.registry_promote("m", v, "production", None, "ops")
            .unwrap();
    }
    s.registry_quarantine("m", "2", false, "poisoned", "responder")
        .unwrap();
    // Rolling back from 3 skips the quarantined 2 and lands on 1.
    s.registry_rollback("m", "production", None, None, "responder")
        .unwrap();
    assert_eq!(
        s.registry_resolve("m", "production")
            .unwrap()
            .unwrap()
            .version,
        "1"
    );
    // A quarantined version cannot be promoted, and the refusal is logged.
    assert!(
        s.registry_promote("m", "2", "production", None, "ops")
            .is_err()
    );
    s.registry_quarantine("m", "2", true, "false alarm", "responder")
        .unwrap();
    s.registry_promote("m", "2", "production", None, "ops")
        .unwrap();
    s.registry_rollback("m", "production", Some("3"), None, "ops")
        .unwrap();
    assert_eq!(
        s.registry_resolve("m", "production")
            .unwrap()
            .unwrap()
            .version,
        "3"
    );
    let acts: Vec<String> = actions(&mut s).into_iter().map(|a| a.0).collect();
    assert!(
        acts.contains(&"registry.quarantine".to_string())
            && acts.contains(&"registry.release".to_string())
    );
    assert!(
        s.registry_list(None)
            .unwrap()
            .iter()
            .all(|v| !v.quarantined)
    );
    assert!(s.verify(&VerifyOptions::default()).unwrap().ok());
}

fn lineage_both_ways(f: &Fixture) {
    let mut s = f.open();
    let req = |name: &str, d: u8, datasets: &[&str], parents: &[&str]| PushRequest {
        name: name.into(),
        version: Some("1".into()),
        digest: digest(d),
        actor: "alice".into(),
        datasets: datasets.iter().map(|x| x.to_string()).collect(),
        parents: parents.iter().map(|x| x.to_string()).collect(),
        note: serde_json::Value::Null,
    };
    s.registry_push(req("base", 1, &["ds:users-2025"], &[]))
        .unwrap();
    s.registry_push(req("tuned", 2, &["ds:support-tickets"], &["base@1"]))
        .unwrap();
    s.registry_push(req(
        "other",
        3,
        &["ds:support-tickets"],
        &[&digest(1).to_string()],
    ))
    .unwrap();
    let users: Vec<String> = s
        .lineage_by_dataset("ds:users-2025")
        .unwrap()
        .iter()
        .map(|v| v.label())
        .collect();
    assert_eq!(users, ["base@1"]);
    let tickets: Vec<String> = s
        .lineage_by_dataset("ds:support-tickets")
        .unwrap()
        .iter()
        .map(|v| v.label())
        .collect();
    assert_eq!(tickets, ["other@1", "tuned@1"]);
    let base = s.lineage_of("base@1").unwrap();
    assert_eq!(base[0].datasets, ["ds:users-2025"]);
    assert_eq!(base[0].children, ["other@1", "tuned@1"]);
    let tuned = s.lineage_of(&digest(2).to_string()).unwrap();
    assert_eq!(tuned[0].parents, ["base@1"]);
    assert!(s.lineage_of("nope@1").is_err());
}
