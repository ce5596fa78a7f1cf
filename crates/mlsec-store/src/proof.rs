//! JSON wire formats for proofs (`mlsec.inclusion-proof/v1`, `mlsec.consistency-proof/v1`),
//! self-contained so a third party can check them with any RFC 6962 implementation.

use crate::head::{HeadJson, PublicKey};
use crate::merkle::{Hash, leaf_hash, verify_consistency, verify_inclusion};
use crate::store::{ConsistencyProof, InclusionProof};
use mlsec_core::digest::to_hex;
use serde::{Deserialize, Serialize};

/// Schema name of [`InclusionProofJson`].
pub const INCLUSION_SCHEMA: &str = "mlsec.inclusion-proof/v1";
/// Schema name of [`ConsistencyProofJson`].
pub const CONSISTENCY_SCHEMA: &str = "mlsec.consistency-proof/v1";

/// An event, its audit path and the signed head it leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProofJson {
    /// Always `mlsec.inclusion-proof/v1`.
    pub schema: String,
    /// Leaf index (event sequence number).
    pub leaf_index: u64,
    /// Tree size of the head.
    pub tree_size: u64,
    /// The event body exactly as hashed: `leaf_hash = SHA-256(0x00 || event)`.
    pub event: String,
    /// Lowercase hex leaf hash.
    pub leaf_hash: String,
    /// Lowercase hex sibling hashes, leaf end first (RFC 9162 §2.1.3).
    pub audit_path: Vec<String>,
    /// The signed head the path leads to.
    pub head: HeadJson,
}

/// Two tree sizes and the hashes that show the first is a prefix of the second.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyProofJson {
    /// Always `mlsec.consistency-proof/v1`.
    pub schema: String,
    /// The older tree size.
    pub old_size: u64,
    /// The newer tree size.
    pub new_size: u64,
    /// Lowercase hex root of the older tree.
    pub old_root: String,
    /// Lowercase hex root of the newer tree.
    pub new_root: String,
    /// Lowercase hex proof hashes (RFC 9162 §2.1.4).
    pub proof: Vec<String>,
}

fn unhex(s: &str) -> Option<Hash> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

impl InclusionProofJson {
    /// The JSON form of a proof.
    pub fn new(p: &InclusionProof, key: &PublicKey) -> InclusionProofJson {
        InclusionProofJson {
            schema: INCLUSION_SCHEMA.into(),
            leaf_index: p.event.event.seq,
            tree_size: p.tree_size,
            event: p.event.body.clone(),
            leaf_hash: to_hex(&p.event.leaf_hash),
            audit_path: p.path.iter().map(|h| to_hex(h)).collect(),
            head: HeadJson::new(&p.head, key),
        }
    }

    /// Checks everything the proof claims, recomputing the leaf hash from the event text and
    /// the head's signature with its embedded key (the caller compares that key with one it
    /// trusts).
    pub fn check(&self) -> Result<PublicKey, String> {
        if self.schema != INCLUSION_SCHEMA {
            return Err(format!("schema is `{}`", self.schema));
        }
        let (head, key) = self.head.open()?;
        if head.head.size != self.tree_size {
            return Err("tree_size differs from the head".into());
        }
        let leaf = leaf_hash(self.event.as_bytes());
        if to_hex(&leaf) != self.leaf_hash {
            return Err("leaf_hash is not SHA-256(0x00 || event)".into());
        }
        let path = self
            .audit_path
            .iter()
            .map(|h| unhex(h))
            .collect::<Option<Vec<_>>>()
            .ok_or("audit_path holds something other than 32-byte hex hashes")?;
        if !verify_inclusion(
            self.leaf_index,
            self.tree_size,
            &leaf,
            &path,
            &head.head.root,
        ) {
            return Err("the audit path does not lead to the signed root".into());
        }
        Ok(key)
    }
}

impl ConsistencyProofJson {
    /// The JSON form of a proof.
    pub fn new(p: &ConsistencyProof) -> ConsistencyProofJson {
        ConsistencyProofJson {
            schema: CONSISTENCY_SCHEMA.into(),
            old_size: p.old_size,
            new_size: p.new_size,
            old_root: to_hex(&p.old_root),
            new_root: to_hex(&p.new_root),
            proof: p.proof.iter().map(|h| to_hex(h)).collect(),
        }
    }

    /// Checks the proof against its own roots (compare those with signed heads you hold).
    pub fn check(&self) -> Result<(), String> {
        let old = unhex(&self.old_root).ok_or("old_root is not 32-byte hex")?;
        let new = unhex(&self.new_root).ok_or("new_root is not 32-byte hex")?;
        let proof = self
            .proof
            .iter()
            .map(|h| unhex(h))
            .collect::<Option<Vec<_>>>()
            .ok_or("proof holds something other than 32-byte hex hashes")?;
        verify_consistency(self.old_size, self.new_size, &old, &new, &proof)
            .then_some(())
            .ok_or_else(|| "the proof does not show the old tree is a prefix of the new".into())
    }
}
