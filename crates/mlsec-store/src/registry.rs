//! The model registry: immutable versions keyed by model digest, aliases that move only
//! through a promotion policy, lineage, quarantine and rollback.
//!
//! Every change is written in the same transaction as its audit event, so the registry never
//! holds a state the log does not explain; refusals are audit events too.

use crate::backend::{Backend, Value, in_tx};
use crate::error::{Result, StoreError};
use crate::event::{NewEvent, Outcome};
use crate::store::{Receipt, Signer, Store, append_tx, int_from, text_from};
use crate::time::Micros;
use mlsec_core::{Digest, Severity};
use serde::Deserialize;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// A registered model version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelVersion {
    /// Model name.
    pub name: String,
    /// Version label, unique per name.
    pub version: String,
    /// The model digest the version is bound to, for ever.
    pub digest: Digest,
    /// When it was registered.
    pub created: Micros,
    /// The `registry.push` event that registered it.
    pub event_seq: u64,
    /// Whether it is quarantined (never served, never promoted).
    pub quarantined: bool,
    /// Aliases pointing at it.
    pub aliases: Vec<String>,
}

impl ModelVersion {
    /// `name@version`.
    pub fn label(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }
}

/// What to register.
#[derive(Debug, Clone)]
pub struct PushRequest {
    /// Model name (letters, digits, `.`, `_`, `-`, `/`).
    pub name: String,
    /// Version label; `None` reuses the version already bound to this digest, or takes the
    /// next integer.
    pub version: Option<String>,
    /// The model digest (OMS manifest root digest).
    pub digest: Digest,
    /// Who registers it.
    pub actor: String,
    /// Fingerprints of the datasets it was trained or tuned on.
    pub datasets: Vec<String>,
    /// Parent models (`name@version` or a digest).
    pub parents: Vec<String>,
    /// Extra detail for the audit event (e.g. the path it was pushed from).
    pub note: serde_json::Value,
}

/// Result of a push.
#[derive(Debug, Clone)]
pub enum Pushed {
    /// A new version was registered.
    Created(ModelVersion, Receipt),
    /// The same digest was already registered under that name and version; nothing changed.
    Exists(ModelVersion),
}

/// The promotion policy file (TOML):
///
/// ```toml
/// [alias.production]
/// protected = true                 # moves only with this policy; refused without it
/// signature_keys = ["KEY-ID"]      # a successful `verify` event must name one of these keys
/// max_severity = "low"             # the latest scan may have no finding above this
/// require = ["scan", "redteam", "data.drift-baseline"]  # successful evidence present
/// approvals = 2                    # distinct principals ran `registry approve`
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromotionPolicy {
    /// Rules per alias.
    #[serde(default)]
    pub alias: BTreeMap<String, AliasRules>,
}

/// The gate for one alias.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AliasRules {
    /// Once promoted into under this policy, the alias cannot be moved without a policy.
    #[serde(default)]
    pub protected: bool,
    /// Key ids a successful `verify` event must name (payload field `key`).
    #[serde(default)]
    pub signature_keys: Vec<String>,
    /// Highest scan finding severity allowed (payload field `max_severity` of the latest
    /// `scan` event; null means no findings).
    pub max_severity: Option<String>,
    /// Evidence actions that must be present with outcome `success`.
    #[serde(default)]
    pub require: Vec<String>,
    /// Number of distinct principals that approved the version.
    #[serde(default)]
    pub approvals: u32,
}

impl PromotionPolicy {
    /// Parses and validates a policy; errors name the alias and field.
    pub fn from_toml(text: &str) -> Result<PromotionPolicy> {
        let p: PromotionPolicy = toml::from_str(text)
            .map_err(|e| StoreError::Invalid(format!("promotion policy: {e}")))?;
        for (alias, r) in &p.alias {
            if let Some(s) = &r.max_severity
                && Severity::parse(s).is_none()
            {
                return Err(StoreError::Invalid(format!(
                    "promotion policy: alias.{alias}.max_severity `{s}` is not info, low, medium, high or critical"
                )));
            }
        }
        Ok(p)
    }
}

/// Lineage of one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lineage {
    /// The version.
    pub version: ModelVersion,
    /// Dataset fingerprints it came from.
    pub datasets: Vec<String>,
    /// Parent models as recorded.
    pub parents: Vec<String>,
    /// Versions that name it as a parent.
    pub children: Vec<String>,
}

fn valid_name(kind: &str, s: &str) -> Result<()> {
    let ok = !s.is_empty()
        && s.len() <= 200
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/:+".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "{kind} `{s}` may use letters, digits and . _ - / : + only"
        )))
    }
}

/// Splits `name@version`.
pub fn parse_label(s: &str) -> Result<(String, String)> {
    match s.rsplit_once('@') {
        Some((n, v)) if !n.is_empty() && !v.is_empty() => Ok((n.to_string(), v.to_string())),
        _ => Err(StoreError::Invalid(format!("`{s}` is not NAME@VERSION"))),
    }
}

const VERSION_COLUMNS: &str = "name, version, digest, created_us, event_seq, quarantined";

fn version_from(db: &mut dyn Backend, r: &[Value]) -> Result<ModelVersion> {
    let name = text_from(&r[0], "reg_versions.name")?;
    let version = text_from(&r[1], "reg_versions.version")?;
    let digest = text_from(&r[2], "reg_versions.digest")?;
    let aliases = db
        .query(
            "SELECT alias FROM reg_aliases WHERE name = ? AND version = ? ORDER BY alias",
            &[name.clone().into(), version.clone().into()],
        )?
        .iter()
        .filter_map(|a| a[0].text().map(str::to_string))
        .collect();
    Ok(ModelVersion {
        digest: Digest::parse(&digest)
            .map_err(|e| StoreError::Corrupt(format!("registry digest: {e}")))?,
        created: int_from(&r[3], "reg_versions.created_us")?,
        event_seq: int_from(&r[4], "reg_versions.event_seq")? as u64,
        quarantined: int_from(&r[5], "reg_versions.quarantined")? != 0,
        name,
        version,
        aliases,
    })
}

fn get_version(db: &mut dyn Backend, name: &str, version: &str) -> Result<Option<ModelVersion>> {
    let rows = db.query(
        &format!("SELECT {VERSION_COLUMNS} FROM reg_versions WHERE name = ? AND version = ?"),
        &[name.into(), version.into()],
    )?;
    rows.first().map(|r| version_from(db, r)).transpose()
}

fn need_version(db: &mut dyn Backend, name: &str, version: &str) -> Result<ModelVersion> {
    get_version(db, name, version)?.ok_or_else(|| {
        StoreError::Invalid(format!(
            "no version {name}@{version} in the registry\nhint: `mlsec registry list {name}`"
        ))
    })
}

/// An operation refused by a registry rule: the refusal is logged, then reported as an error.
enum Done<T> {
    Ok(T),
    Refused(String),
}

impl Store {
    fn registry_tx<T>(
        &mut self,
        f: impl FnOnce(&mut dyn Backend, &Signer) -> Result<Done<T>>,
    ) -> Result<T> {
        let signer = self.signer()?;
        let (done, head) = in_tx(self.db.as_mut(), true, |db| {
            let done = f(db, &signer)?;
            let head = crate::store::latest_head(db)?;
            Ok((done, head))
        })?;
        if let Some(h) = head {
            self.pin(&h, &signer.public)?;
        }
        match done {
            Done::Ok(v) => Ok(v),
            Done::Refused(m) => Err(StoreError::Refused(m)),
        }
    }

    /// Registers a version. The same name and version can never be bound to another digest.
    pub fn registry_push(&mut self, req: PushRequest) -> Result<Pushed> {
        valid_name("model name", &req.name)?;
        if let Some(v) = &req.version {
            valid_name("version", v)?;
        }
        for d in &req.datasets {
            valid_name("dataset fingerprint", d)?;
        }
        self.registry_tx(|db, signer| {
            let digest = req.digest.to_string();
            let version = match &req.version {
                Some(v) => v.clone(),
                None => {
                    let same = db.query(
                        "SELECT version FROM reg_versions WHERE name = ? AND digest = ? ORDER BY created_us LIMIT 1",
                        &[req.name.clone().into(), digest.clone().into()],
                    )?;
                    match same.first().and_then(|r| r[0].text()) {
                        Some(v) => v.to_string(),
                        None => {
                            let n = db.query(
                                "SELECT COUNT(*) FROM reg_versions WHERE name = ?",
                                &[req.name.clone().into()],
                            )?;
                            let mut next = n.first().and_then(|r| r[0].int()).unwrap_or(0) + 1;
                            while get_version(db, &req.name, &next.to_string())?.is_some() {
                                next += 1;
                            }
                            next.to_string()
                        }
                    }
                }
            };
            if let Some(existing) = get_version(db, &req.name, &version)? {
                if existing.digest == req.digest {
                    return Ok(Done::Ok(Pushed::Exists(existing)));
                }
                let msg = format!(
                    "{}@{version} is already registered as {}; versions are immutable\nhint: push it under a new --version",
                    req.name, existing.digest
                );
                append_tx(
                    db,
                    signer,
                    vec![NewEvent::new(&req.actor, "registry.push", Outcome::Denied)
                        .model(req.digest.clone())
                        .payload(json!({"name": req.name, "version": version, "reason": "version already bound to another digest", "bound_to": existing.digest.to_string()}))],
                )?;
                return Ok(Done::Refused(msg));
            }
            // Evidence already recorded for this digest travels with the version.
            let evidence: Vec<serde_json::Value> = db
                .query(
                    "SELECT seq, action, outcome FROM events WHERE model = ? AND action NOT LIKE 'registry.%' ORDER BY seq",
                    &[digest.clone().into()],
                )?
                .iter()
                .map(|r| json!({"seq": r[0].int(), "action": r[1].text(), "outcome": r[2].text()}))
                .collect();
            let receipt = append_tx(
                db,
                signer,
                vec![NewEvent::new(&req.actor, "registry.push", Outcome::Success)
                    .model(req.digest.clone())
                    .payload(json!({
                        "name": req.name,
                        "version": version,
                        "datasets": req.datasets,
                        "parents": req.parents,
                        "evidence": evidence,
                        "note": req.note,
                    }))],
            )?
            .pop()
            .ok_or_else(|| StoreError::Invalid("append produced no receipt".into()))?;
            let created = crate::time::now();
            db.exec(
                &format!("INSERT INTO reg_versions ({VERSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, 0)"),
                &[
                    req.name.clone().into(),
                    version.clone().into(),
                    digest.into(),
                    created.into(),
                    receipt.seq.into(),
                ],
            )?;
            for (kind, refs) in [("dataset", &req.datasets), ("model", &req.parents)] {
                for r in refs.iter().collect::<BTreeSet<_>>() {
                    db.exec(
                        "INSERT INTO reg_lineage (name, version, kind, ref) VALUES (?, ?, ?, ?)",
                        &[req.name.clone().into(), version.clone().into(), kind.into(), r.clone().into()],
                    )?;
                }
            }
            let v = need_version(db, &req.name, &version)?;
            Ok(Done::Ok(Pushed::Created(v, receipt)))
        })
    }

    /// Records an approval of `name@version` (optionally for one alias) by `actor`.
    pub fn registry_approve(
        &mut self,
        name: &str,
        version: &str,
        alias: Option<&str>,
        actor: &str,
    ) -> Result<Receipt> {
        self.registry_tx(|db, signer| {
            let v = need_version(db, name, version)?;
            let r = append_tx(
                db,
                signer,
                vec![
                    NewEvent::new(actor, "registry.approve", Outcome::Success)
                        .model(v.digest.clone())
                        .payload(json!({"name": name, "version": version, "alias": alias})),
                ],
            )?;
            Ok(Done::Ok(r.into_iter().next().ok_or_else(|| {
                StoreError::Invalid("append produced no receipt".into())
            })?))
        })
    }

    /// Points `alias` at `name@version` if the policy's gate for that alias passes. Refusals are
    /// logged with every failed check, then returned as [`StoreError::Refused`].
    pub fn registry_promote(
        &mut self,
        name: &str,
        version: &str,
        alias: &str,
        policy: Option<&PromotionPolicy>,
        actor: &str,
    ) -> Result<Receipt> {
        valid_name("alias", alias)?;
        self.registry_tx(|db, signer| {
            let v = need_version(db, name, version)?;
            let failures = gate(db, &v, alias, policy)?;
            let protect = policy
                .and_then(|p| p.alias.get(alias))
                .is_some_and(|r| r.protected);
            move_alias(
                db,
                signer,
                &v,
                alias,
                actor,
                "registry.promote",
                failures,
                protect,
            )
        })
    }

    /// Moves `alias` back to the version it pointed at before (or to `to`), skipping
    /// quarantined versions. Protected aliases still need their policy.
    pub fn registry_rollback(
        &mut self,
        name: &str,
        alias: &str,
        to: Option<&str>,
        policy: Option<&PromotionPolicy>,
        actor: &str,
    ) -> Result<Receipt> {
        self.registry_tx(|db, signer| {
            let current = db
                .query(
                    "SELECT version FROM reg_aliases WHERE name = ? AND alias = ?",
                    &[name.into(), alias.into()],
                )?
                .first()
                .and_then(|r| r[0].text().map(str::to_string))
                .ok_or_else(|| StoreError::Invalid(format!("{name} has no alias `{alias}`")))?;
            let target = match to {
                Some(t) => t.to_string(),
                None => {
                    let history = db.query(
                        "SELECT h.version FROM reg_alias_history h JOIN reg_versions v ON v.name = h.name AND v.version = h.version WHERE h.name = ? AND h.alias = ? AND v.quarantined = 0 AND h.version <> ? ORDER BY h.event_seq DESC LIMIT 1",
                        &[name.into(), alias.into(), current.clone().into()],
                    )?;
                    history
                        .first()
                        .and_then(|r| r[0].text().map(str::to_string))
                        .ok_or_else(|| {
                            StoreError::Invalid(format!(
                                "{name}:{alias} has no earlier, unquarantined version to roll back to"
                            ))
                        })?
                }
            };
            let v = need_version(db, name, &target)?;
            let failures = gate(db, &v, alias, policy)?;
            move_alias(db, signer, &v, alias, actor, "registry.rollback", failures, false)
        })
    }

    /// Quarantines a version (or releases it with `release`). Aliases pointing at it are listed
    /// in the event so the response engine can roll them back.
    pub fn registry_quarantine(
        &mut self,
        name: &str,
        version: &str,
        release: bool,
        reason: &str,
        actor: &str,
    ) -> Result<Receipt> {
        self.registry_tx(|db, signer| {
            let v = need_version(db, name, version)?;
            db.exec(
                "UPDATE reg_versions SET quarantined = ? WHERE name = ? AND version = ?",
                &[i64::from(!release).into(), name.into(), version.into()],
            )?;
            let action = if release {
                "registry.release"
            } else {
                "registry.quarantine"
            };
            let r = append_tx(
                db,
                signer,
                vec![NewEvent::new(actor, action, Outcome::Success)
                    .model(v.digest.clone())
                    .payload(json!({"name": name, "version": version, "reason": reason, "aliases": v.aliases}))],
            )?;
            Ok(Done::Ok(r.into_iter().next().ok_or_else(|| {
                StoreError::Invalid("append produced no receipt".into())
            })?))
        })
    }

    /// Every version (of one model, or all), newest first within a name.
    pub fn registry_list(&mut self, name: Option<&str>) -> Result<Vec<ModelVersion>> {
        in_tx(self.db.as_mut(), false, |db| {
            let rows = match name {
                Some(n) => db.query(
                    &format!("SELECT {VERSION_COLUMNS} FROM reg_versions WHERE name = ? ORDER BY name, created_us DESC, version DESC"),
                    &[n.into()],
                )?,
                None => db.query(
                    &format!("SELECT {VERSION_COLUMNS} FROM reg_versions ORDER BY name, created_us DESC, version DESC"),
                    &[],
                )?,
            };
            rows.iter().map(|r| version_from(db, r)).collect()
        })
    }

    /// The version an alias points at.
    pub fn registry_resolve(&mut self, name: &str, alias: &str) -> Result<Option<ModelVersion>> {
        in_tx(self.db.as_mut(), false, |db| {
            let rows = db.query(
                "SELECT version FROM reg_aliases WHERE name = ? AND alias = ?",
                &[name.into(), alias.into()],
            )?;
            match rows.first().and_then(|r| r[0].text().map(str::to_string)) {
                Some(v) => get_version(db, name, &v),
                None => Ok(None),
            }
        })
    }

    /// Every version trained on a dataset fingerprint (the right-to-be-forgotten question).
    pub fn lineage_by_dataset(&mut self, fingerprint: &str) -> Result<Vec<ModelVersion>> {
        in_tx(self.db.as_mut(), false, |db| {
            let rows = db.query(
                &format!("SELECT {VERSION_COLUMNS} FROM reg_versions v WHERE EXISTS (SELECT 1 FROM reg_lineage l WHERE l.name = v.name AND l.version = v.version AND l.kind = 'dataset' AND l.ref = ?) ORDER BY name, version"),
                &[fingerprint.into()],
            )?;
            rows.iter().map(|r| version_from(db, r)).collect()
        })
    }

    /// Datasets, parents and children of `name@version`, or of every version bound to a digest.
    pub fn lineage_of(&mut self, model: &str) -> Result<Vec<Lineage>> {
        in_tx(self.db.as_mut(), false, |db| {
            let versions: Vec<ModelVersion> = if let Ok(d) = Digest::parse(model) {
                let rows = db.query(
                    &format!("SELECT {VERSION_COLUMNS} FROM reg_versions WHERE digest = ? ORDER BY name, version"),
                    &[d.to_string().into()],
                )?;
                rows.iter()
                    .map(|r| version_from(db, r))
                    .collect::<Result<_>>()?
            } else {
                let (n, v) = parse_label(model)?;
                vec![need_version(db, &n, &v)?]
            };
            let mut out = Vec::new();
            for v in versions {
                let refs = db.query(
                    "SELECT kind, ref FROM reg_lineage WHERE name = ? AND version = ? ORDER BY kind, ref",
                    &[v.name.clone().into(), v.version.clone().into()],
                )?;
                let pick = |k: &str| -> Vec<String> {
                    refs.iter()
                        .filter(|r| r[0].text() == Some(k))
                        .filter_map(|r| r[1].text().map(str::to_string))
                        .collect()
                };
                let (datasets, parents) = (pick("dataset"), pick("model"));
                let children = db
                    .query(
                        "SELECT name, version FROM reg_lineage WHERE kind = 'model' AND (ref = ? OR ref = ?) ORDER BY name, version",
                        &[v.label().into(), v.digest.to_string().into()],
                    )?
                    .iter()
                    .map(|r| format!("{}@{}", r[0].text().unwrap_or(""), r[1].text().unwrap_or("")))
                    .collect();
                out.push(Lineage {
                    version: v,
                    datasets,
                    parents,
                    children,
                });
            }
            Ok(out)
        })
    }
}

/// Runs the policy's checks for `alias`; returns the failures (empty = pass).
fn gate(
    db: &mut dyn Backend,
    v: &ModelVersion,
    alias: &str,
    policy: Option<&PromotionPolicy>,
) -> Result<Vec<String>> {
    let mut failures = Vec::new();
    if v.quarantined {
        failures.push(format!("{} is quarantined", v.label()));
    }
    let protected = db
        .query(
            "SELECT protected FROM reg_aliases WHERE name = ? AND alias = ?",
            &[v.name.clone().into(), alias.into()],
        )?
        .first()
        .and_then(|r| r[0].int())
        .unwrap_or(0)
        != 0;
    let rules = policy.and_then(|p| p.alias.get(alias));
    let Some(rules) = rules else {
        if protected {
            failures.push(format!(
                "alias `{alias}` is protected and no promotion policy for it was given (--policy)"
            ));
        }
        return Ok(failures);
    };
    let digest = v.digest.to_string();
    let evidence = db.query(
        "SELECT action, outcome, body, actor FROM events WHERE model = ? ORDER BY seq",
        &[digest.into()],
    )?;
    let payload = |r: &[Value]| -> serde_json::Value {
        r[2].text()
            .and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok())
            .map(|b| b["payload"].clone())
            .unwrap_or_default()
    };
    for req in &rules.require {
        let ok = evidence
            .iter()
            .any(|r| r[0].text() == Some(req.as_str()) && r[1].text() == Some("success"));
        if !ok {
            failures.push(format!("no successful `{req}` evidence for {}", v.digest));
        }
    }
    if !rules.signature_keys.is_empty() {
        let ok = evidence.iter().any(|r| {
            r[0].text() == Some("verify")
                && r[1].text() == Some("success")
                && payload(r)["key"]
                    .as_str()
                    .is_some_and(|k| rules.signature_keys.iter().any(|p| p == k))
        });
        if !ok {
            failures.push(format!(
                "no valid signature by a pinned key ({}) recorded for {}",
                rules.signature_keys.join(", "),
                v.digest
            ));
        }
    }
    if let Some(max) = rules.max_severity.as_deref().and_then(Severity::parse) {
        match evidence.iter().rev().find(|r| r[0].text() == Some("scan")) {
            None => failures.push(format!("no scan recorded for {}", v.digest)),
            Some(r) => {
                let p = payload(r);
                let worst = p["max_severity"].as_str().and_then(Severity::parse);
                if r[1].text() == Some("error") {
                    failures.push("the latest scan did not complete".into());
                } else if worst.is_some_and(|w| w > max) {
                    failures.push(format!(
                        "the latest scan found {} severity findings (allowed: {max} and below)",
                        worst.map_or("unknown", |w| w.as_str())
                    ));
                }
            }
        }
    }
    if rules.approvals > 0 {
        let approvers: BTreeSet<&str> = evidence
            .iter()
            .filter(|r| r[0].text() == Some("registry.approve"))
            .filter(|r| {
                let a = &payload(r)["alias"];
                a.is_null() || a.as_str() == Some(alias)
            })
            .filter_map(|r| r[3].text())
            .collect();
        if (approvers.len() as u32) < rules.approvals {
            failures.push(format!(
                "{} distinct approval(s), {} required",
                approvers.len(),
                rules.approvals
            ));
        }
    }
    Ok(failures)
}

#[allow(clippy::too_many_arguments)] // one internal call shape shared by promote and rollback
fn move_alias(
    db: &mut dyn Backend,
    signer: &Signer,
    v: &ModelVersion,
    alias: &str,
    actor: &str,
    action: &str,
    failures: Vec<String>,
    protect: bool,
) -> Result<Done<Receipt>> {
    let previous = db
        .query(
            "SELECT version, protected FROM reg_aliases WHERE name = ? AND alias = ?",
            &[v.name.clone().into(), alias.into()],
        )?
        .first()
        .cloned();
    let prev_version = previous
        .as_ref()
        .and_then(|r| r[0].text().map(str::to_string));
    let payload = json!({
        "name": v.name, "version": v.version, "alias": alias,
        "previous": prev_version, "failed_checks": failures,
    });
    if !failures.is_empty() {
        append_tx(
            db,
            signer,
            vec![
                NewEvent::new(actor, action, Outcome::Denied)
                    .model(v.digest.clone())
                    .payload(payload),
            ],
        )?;
        return Ok(Done::Refused(format!(
            "moving {}:{alias} to {} was refused:\n  - {}",
            v.name,
            v.version,
            failures.join("\n  - ")
        )));
    }
    let receipt = append_tx(
        db,
        signer,
        vec![
            NewEvent::new(actor, action, Outcome::Success)
                .model(v.digest.clone())
                .payload(payload),
        ],
    )?
    .pop()
    .ok_or_else(|| StoreError::Invalid("append produced no receipt".into()))?;
    // Protection only ever turns on.
    let protected =
        i64::from(protect || previous.as_ref().and_then(|r| r[1].int()).unwrap_or(0) != 0);
    db.exec(
        "DELETE FROM reg_aliases WHERE name = ? AND alias = ?",
        &[v.name.clone().into(), alias.into()],
    )?;
    db.exec(
        "INSERT INTO reg_aliases (name, alias, version, event_seq, protected) VALUES (?, ?, ?, ?, ?)",
        &[
            v.name.clone().into(),
            alias.into(),
            v.version.clone().into(),
            receipt.seq.into(),
            protected.into(),
        ],
    )?;
    db.exec(
        "INSERT INTO reg_alias_history (name, alias, event_seq, version) VALUES (?, ?, ?, ?)",
        &[
            v.name.clone().into(),
            alias.into(),
            receipt.seq.into(),
            v.version.clone().into(),
        ],
    )?;
    Ok(Done::Ok(receipt))
}

impl Store {
    /// Marks an alias protected: from now on it moves only with a policy that names it.
    /// Protection is never removed by mlsec; it is itself an audit event.
    pub fn registry_protect(&mut self, name: &str, alias: &str, actor: &str) -> Result<Receipt> {
        self.registry_tx(|db, signer| {
            let n = db.exec(
                "UPDATE reg_aliases SET protected = 1 WHERE name = ? AND alias = ?",
                &[name.into(), alias.into()],
            )?;
            if n == 0 {
                return Err(StoreError::Invalid(format!(
                    "{name} has no alias `{alias}` yet\nhint: promote a version into it first"
                )));
            }
            let r = append_tx(
                db,
                signer,
                vec![
                    NewEvent::new(actor, "registry.protect", Outcome::Success)
                        .payload(json!({"name": name, "alias": alias})),
                ],
            )?;
            Ok(Done::Ok(r.into_iter().next().ok_or_else(|| {
                StoreError::Invalid("append produced no receipt".into())
            })?))
        })
    }
}
