//! SIEM encodings of audit events: JSON lines (the exact leaf bodies), OCSF 1.3 JSON and
//! ArcSight CEF.

use crate::event::{Outcome, StoredEvent};
use crate::time;
use mlsec_core::digest::to_hex;
use serde::Serialize;

/// Output formats of `mlsec audit export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One event body per line; `SHA-256(0x00 || line)` is its leaf hash.
    Jsonl,
    /// OCSF 1.3 events, one JSON object per line.
    Ocsf,
    /// ArcSight Common Event Format, one line per event.
    Cef,
}

/// One event in the chosen format, without a trailing newline.
pub fn encode(ev: &StoredEvent, format: Format, product_version: &str) -> String {
    match format {
        Format::Jsonl => ev.body.clone(),
        // Serialising a struct of strings, numbers and `Value`s cannot fail.
        Format::Ocsf => serde_json::to_string(&ocsf(ev, product_version)).unwrap_or_default(),
        Format::Cef => cef(ev, product_version),
    }
}

/// Actions whose failure means "something was detected" rather than "an operation failed".
fn is_detection(action: &str) -> bool {
    matches!(action, "scan" | "verify" | "redteam")
        || action.starts_with("data.")
        || action.starts_with("gateway.detect")
}

/// OCSF event (1.3.0). Detections that fired map to Detection Finding (2004); everything else
/// is API Activity (6003) of the mlsec application.
#[derive(Debug, Clone, Serialize)]
pub struct OcsfEvent {
    /// Activity within the class.
    pub activity_id: u8,
    /// Its name.
    pub activity_name: &'static str,
    /// 2 Findings or 6 Application Activity.
    pub category_uid: u8,
    /// Its name.
    pub category_name: &'static str,
    /// 2004 or 6003.
    pub class_uid: u32,
    /// Its name.
    pub class_name: &'static str,
    /// `class_uid * 100 + activity_id`.
    pub type_uid: u32,
    /// Event time, milliseconds since the epoch.
    pub time: i64,
    /// OCSF severity id (1 informational … 4 high).
    pub severity_id: u8,
    /// Its name.
    pub severity: &'static str,
    /// 1 Success, 2 Failure.
    pub status_id: u8,
    /// Its name.
    pub status: &'static str,
    /// One line for a person.
    pub message: String,
    /// Product and event identity.
    pub metadata: OcsfMetadata,
    /// Who.
    pub actor: OcsfActor,
    /// The operation (API Activity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api: Option<OcsfApi>,
    /// What was found (Detection Finding).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding_info: Option<OcsfFindingInfo>,
    /// The model concerned.
    pub resources: Vec<OcsfResource>,
    /// mlsec fields OCSF has no place for: seq, leaf hash, outcome, payload.
    pub unmapped: serde_json::Value,
}

/// OCSF `metadata`.
#[derive(Debug, Clone, Serialize)]
pub struct OcsfMetadata {
    /// Schema version.
    pub version: &'static str,
    /// The product.
    pub product: OcsfProduct,
    /// Event id: the log sequence number.
    pub uid: String,
    /// The original RFC 3339 time.
    pub original_time: String,
    /// `mlsec.audit`.
    pub log_name: &'static str,
}

/// OCSF `product`.
#[derive(Debug, Clone, Serialize)]
pub struct OcsfProduct {
    /// `mlsec`.
    pub name: &'static str,
    /// `mlsec`.
    pub vendor_name: &'static str,
    /// mlsec version.
    pub version: String,
}

/// OCSF `actor`.
#[derive(Debug, Clone, Serialize)]
pub struct OcsfActor {
    /// The principal.
    pub user: OcsfUser,
}

/// OCSF `user`.
#[derive(Debug, Clone, Serialize)]
pub struct OcsfUser {
    /// Principal name as recorded.
    pub name: String,
}

/// OCSF `api`.
#[derive(Debug, Clone, Serialize)]
pub struct OcsfApi {
    /// The mlsec action.
    pub operation: String,
}

/// OCSF `finding_info`.
#[derive(Debug, Clone, Serialize)]
pub struct OcsfFindingInfo {
    /// Stable id: store sequence number.
    pub uid: String,
    /// Title.
    pub title: String,
    /// The action that detected it.
    pub types: Vec<String>,
}

/// OCSF `resources[]` entry.
#[derive(Debug, Clone, Serialize)]
pub struct OcsfResource {
    /// The model digest.
    pub uid: String,
    /// `ai_model`.
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// Maps one event to OCSF.
pub fn ocsf(ev: &StoredEvent, product_version: &str) -> OcsfEvent {
    let e = &ev.event;
    let finding = is_detection(&e.action) && e.outcome == Outcome::Failure;
    let (category_uid, category_name, class_uid, class_name) = if finding {
        (2, "Findings", 2004, "Detection Finding")
    } else {
        (6, "Application Activity", 6003, "API Activity")
    };
    let verb = e.action.rsplit('.').next().unwrap_or("");
    let (activity_id, activity_name) = if finding {
        (1, "Create")
    } else {
        match verb {
            "push" | "approve" | "sign" | "bom" | "record" => (1, "Create"),
            "scan" | "verify" | "redteam" => (2, "Read"),
            "promote" | "rollback" | "quarantine" | "release" | "protect" => (3, "Update"),
            _ => (99, "Other"),
        }
    };
    let (severity_id, severity) = match e.outcome {
        Outcome::Success => (1, "Informational"),
        Outcome::Error => (2, "Low"),
        Outcome::Denied => (3, "Medium"),
        Outcome::Failure => (4, "High"),
    };
    let ok = e.outcome == Outcome::Success;
    OcsfEvent {
        activity_id,
        activity_name,
        category_uid,
        category_name,
        class_uid,
        class_name,
        type_uid: class_uid * 100 + u32::from(activity_id),
        time: time::millis(e.time),
        severity_id,
        severity,
        status_id: if ok { 1 } else { 2 },
        status: if ok { "Success" } else { "Failure" },
        message: format!(
            "{} {} by {}: {}",
            e.action,
            model_text(ev),
            e.actor,
            e.outcome
        ),
        metadata: OcsfMetadata {
            version: "1.3.0",
            product: OcsfProduct {
                name: "mlsec",
                vendor_name: "mlsec",
                version: product_version.to_string(),
            },
            uid: e.seq.to_string(),
            original_time: time::format(e.time),
            log_name: "mlsec.audit",
        },
        actor: OcsfActor {
            user: OcsfUser {
                name: e.actor.clone(),
            },
        },
        api: (!finding).then(|| OcsfApi {
            operation: e.action.clone(),
        }),
        finding_info: finding.then(|| OcsfFindingInfo {
            uid: format!("mlsec-{}", e.seq),
            title: format!("{} failed for {}", e.action, model_text(ev)),
            types: vec![e.action.clone()],
        }),
        resources: e
            .model
            .iter()
            .map(|m| OcsfResource {
                uid: m.to_string(),
                kind: "ai_model",
            })
            .collect(),
        unmapped: serde_json::json!({
            "seq": e.seq,
            "leaf_hash": to_hex(&ev.leaf_hash),
            "outcome": e.outcome.as_str(),
            "payload": e.payload,
        }),
    }
}

fn model_text(ev: &StoredEvent) -> String {
    ev.event
        .model
        .as_ref()
        .map_or_else(|| "-".to_string(), ToString::to_string)
}

fn cef_header(s: &str) -> String {
    s.replace('\\', "\\\\").replace('|', "\\|")
}

fn cef_value(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('=', "\\=")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

/// CEF severity (0–10) of an outcome.
pub fn cef_severity(o: Outcome) -> u8 {
    match o {
        Outcome::Success => 1,
        Outcome::Error => 3,
        Outcome::Denied => 5,
        Outcome::Failure => 7,
    }
}

/// One event as a CEF line: `CEF:0|mlsec|mlsec|VERSION|ACTION|NAME|SEVERITY|extension`.
pub fn cef(ev: &StoredEvent, product_version: &str) -> String {
    let e = &ev.event;
    let mut ext = vec![
        format!("rt={}", time::millis(e.time)),
        format!("suser={}", cef_value(&e.actor)),
        format!("act={}", cef_value(&e.action)),
        format!("outcome={}", e.outcome.as_str()),
        "cn1Label=seq".to_string(),
        format!("cn1={}", e.seq),
        "cs2Label=leafHash".to_string(),
        format!("cs2={}", to_hex(&ev.leaf_hash)),
    ];
    if let Some(m) = &e.model {
        ext.push("cs1Label=modelDigest".into());
        ext.push(format!("cs1={}", cef_value(&m.to_string())));
    }
    ext.push(format!("msg={}", cef_value(&e.payload.to_string())));
    format!(
        "CEF:0|mlsec|mlsec|{}|{}|{}|{}|{}",
        cef_header(product_version),
        cef_header(&e.action),
        cef_header(&format!("{} {}", e.action, e.outcome)),
        cef_severity(e.outcome),
        ext.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, StoredEvent};

    fn ev(action: &str, outcome: Outcome) -> StoredEvent {
        StoredEvent::from_event(Event {
            seq: 4,
            time: 1_700_000_000_000_000,
            actor: "ci|bot=1".into(),
            action: action.into(),
            model: Some(mlsec_core::Digest::parse(&format!("sha256:{}", "0f".repeat(32))).unwrap()),
            outcome,
            payload: serde_json::json!({"max_severity": "high", "line": "a\nb"}),
        })
    }

    #[test]
    fn ocsf_classes_and_ids() {
        let f = ocsf(&ev("scan", Outcome::Failure), "0.1.0");
        assert_eq!((f.class_uid, f.type_uid, f.category_uid), (2004, 200401, 2));
        assert!(f.finding_info.is_some() && f.api.is_none());
        let p = ocsf(&ev("registry.promote", Outcome::Denied), "0.1.0");
        assert_eq!(
            (p.class_uid, p.type_uid, p.status_id, p.severity_id),
            (6003, 600303, 2, 3)
        );
        let j: serde_json::Value = serde_json::from_str(&encode(
            &ev("scan", Outcome::Success),
            Format::Ocsf,
            "0.1.0",
        ))
        .unwrap();
        assert_eq!(j["time"], 1_700_000_000_000i64);
        assert_eq!(j["resources"][0]["type"], "ai_model");
        assert_eq!(j["unmapped"]["seq"], 4);
    }

    #[test]
    fn cef_escapes_header_and_extension() {
        let line = cef(&ev("scan", Outcome::Failure), "0.1|x");
        assert!(
            line.starts_with(
                "CEF:0|mlsec|mlsec|0.1\\|x|scan|scan failure|7|rt=1700000000000 suser=ci|bot\\=1 "
            ),
            "{line}"
        );
        assert!(line.contains("msg={\"line\":\"a\\\\nb\""), "{line}");
        assert!(!line.contains('\n'));
    }

    #[test]
    fn jsonl_is_the_leaf_body() {
        let e = ev("scan", Outcome::Success);
        assert_eq!(
            crate::merkle::leaf_hash(encode(&e, Format::Jsonl, "").as_bytes()),
            e.leaf_hash
        );
    }
}
