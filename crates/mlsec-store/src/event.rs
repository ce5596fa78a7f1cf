//! Audit events and their wire format.
//!
//! The leaf of the Merkle tree is the event's JSON body exactly as stored (`mlsec.event/v1`), so
//! anyone holding an exported line can recompute its leaf hash as `SHA-256(0x00 || line)`.

use crate::error::{Result, StoreError};
use crate::merkle::{Hash, leaf_hash};
use crate::time::{self, Micros};
use mlsec_core::Digest;
use serde::{Deserialize, Serialize};

/// Largest payload accepted, serialised: events are evidence summaries, not artifacts.
pub const MAX_PAYLOAD_BYTES: usize = 1 << 20;

/// How the action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// It ran and passed (a clean scan, a valid signature, a promotion done).
    Success,
    /// It ran and the subject failed it (findings, an invalid signature).
    Failure,
    /// A gate refused it (a promotion blocked by policy, a request denied).
    Denied,
    /// It could not run to a verdict.
    Error,
}

impl Outcome {
    /// Lowercase name used in the event JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
            Outcome::Error => "error",
        }
    }

    /// Parses [`Outcome::as_str`].
    pub fn parse(s: &str) -> Option<Outcome> {
        [
            Outcome::Success,
            Outcome::Failure,
            Outcome::Denied,
            Outcome::Error,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event to append; the store assigns its sequence number.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// When it happened; `None` means when it is appended.
    pub time: Option<Micros>,
    /// Who did it (a user, a service account, a gateway replica). Claimed by the caller.
    pub actor: String,
    /// What was done, dotted lowercase (`scan`, `registry.promote`).
    pub action: String,
    /// The model version it concerns.
    pub model: Option<Digest>,
    /// How it ended.
    pub outcome: Outcome,
    /// Action-specific detail (a JSON object by convention).
    pub payload: serde_json::Value,
}

impl NewEvent {
    /// An event happening now with an empty payload.
    pub fn new(actor: impl Into<String>, action: impl Into<String>, outcome: Outcome) -> NewEvent {
        NewEvent {
            time: None,
            actor: actor.into(),
            action: action.into(),
            model: None,
            outcome,
            payload: serde_json::Value::Object(Default::default()),
        }
    }

    /// Sets the model digest.
    pub fn model(mut self, digest: Digest) -> NewEvent {
        self.model = Some(digest);
        self
    }

    /// Sets the payload.
    pub fn payload(mut self, payload: serde_json::Value) -> NewEvent {
        self.payload = payload;
        self
    }
}

/// An event in the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Position in the log, from 0; also its leaf index.
    pub seq: u64,
    /// When it happened.
    pub time: Micros,
    /// Who did it.
    pub actor: String,
    /// What was done.
    pub action: String,
    /// The model version it concerns.
    pub model: Option<Digest>,
    /// How it ended.
    pub outcome: Outcome,
    /// Action-specific detail.
    pub payload: serde_json::Value,
}

/// The `mlsec.event/v1` JSON body: the bytes that are hashed into the tree. Field order is the
/// struct order, so the same event always serialises to the same bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRecord {
    /// Format version, 1.
    pub v: u32,
    /// Sequence number (leaf index).
    pub seq: u64,
    /// RFC 3339 UTC with microseconds.
    pub time: String,
    /// Who did it.
    pub actor: String,
    /// What was done.
    pub action: String,
    /// `sha256:…` model digest, or null.
    pub model: Option<String>,
    /// `success`, `failure`, `denied` or `error`.
    pub outcome: String,
    /// Action-specific detail.
    pub payload: serde_json::Value,
}

impl Event {
    /// The canonical JSON body (the Merkle leaf data).
    pub fn body(&self) -> String {
        let rec = EventRecord {
            v: 1,
            seq: self.seq,
            time: time::format(self.time),
            actor: self.actor.clone(),
            action: self.action.clone(),
            model: self.model.as_ref().map(Digest::to_string),
            outcome: self.outcome.as_str().to_string(),
            payload: self.payload.clone(),
        };
        // Serialising plain strings, integers and a `Value` cannot fail.
        serde_json::to_string(&rec).unwrap_or_default()
    }

    /// Parses a stored body; the error says which field is wrong.
    pub fn from_body(body: &str) -> Result<Event, String> {
        let rec: EventRecord = serde_json::from_str(body).map_err(|e| e.to_string())?;
        if rec.v != 1 {
            return Err(format!("unknown event format version {}", rec.v));
        }
        Ok(Event {
            seq: rec.seq,
            time: time::parse(&rec.time).ok_or_else(|| format!("bad time `{}`", rec.time))?,
            actor: rec.actor,
            action: rec.action,
            model: rec
                .model
                .map(|m| Digest::parse(&m).map_err(|e| e.to_string()))
                .transpose()?,
            outcome: Outcome::parse(&rec.outcome)
                .ok_or_else(|| format!("unknown outcome `{}`", rec.outcome))?,
            payload: rec.payload,
        })
    }
}

/// Checks a new event before it is given a number.
pub(crate) fn validate(ev: &NewEvent) -> Result<()> {
    let bad = |m: String| Err(StoreError::Invalid(m));
    if ev.actor.trim().is_empty() {
        return bad("an event needs an actor".into());
    }
    if ev.action.is_empty()
        || !ev
            .action
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        return bad(format!(
            "action `{}` must be lowercase letters, digits, `.`, `_` or `-`",
            ev.action
        ));
    }
    let size = serde_json::to_vec(&ev.payload)
        .map(|v| v.len())
        .unwrap_or(0);
    if size > MAX_PAYLOAD_BYTES {
        return bad(format!(
            "event payload is {size} bytes; the limit is {MAX_PAYLOAD_BYTES}: record digests, not artifacts"
        ));
    }
    Ok(())
}

/// An event as stored: its body and the leaf hash recorded at append time.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// The parsed event.
    pub event: Event,
    /// The exact body bytes hashed into the tree.
    pub body: String,
    /// `SHA-256(0x00 || body)`.
    pub leaf_hash: Hash,
}

impl StoredEvent {
    /// Builds the stored form of an event, hashing its body.
    pub fn from_event(event: Event) -> StoredEvent {
        let body = event.body();
        let leaf_hash = leaf_hash(body.as_bytes());
        StoredEvent {
            event,
            body,
            leaf_hash,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_round_trips_and_is_stable() {
        let ev = Event {
            seq: 7,
            time: 1_700_000_000_123_456,
            actor: "alice@build".into(),
            action: "registry.promote".into(),
            model: Some(Digest::parse(&format!("sha256:{}", "ab".repeat(32))).unwrap()),
            outcome: Outcome::Denied,
            payload: serde_json::json!({"z": 1, "a": [true, null]}),
        };
        let body = ev.body();
        assert!(body.starts_with(r#"{"v":1,"seq":7,"time":"2023-11-14T22:13:20.123456Z","actor":"alice@build","action":"registry.promote","model":"sha256:abab"#), "{body}");
        assert_eq!(Event::from_body(&body).unwrap(), ev);
        assert_eq!(ev.body(), body);
        assert!(Event::from_body(&body.replace("denied", "maybe")).is_err());
        assert!(Event::from_body(&body.replace(r#""v":1"#, r#""v":1,"x":2"#)).is_err());
    }

    #[test]
    fn validation_names_the_problem() {
        let ok = NewEvent::new("a", "scan", Outcome::Success);
        assert!(validate(&ok).is_ok());
        assert!(validate(&NewEvent::new(" ", "scan", Outcome::Success)).is_err());
        let e = validate(&NewEvent::new("a", "Scan Now", Outcome::Success)).unwrap_err();
        assert!(e.to_string().contains("Scan Now"));
    }
}
