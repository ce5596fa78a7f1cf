//! Signed tree heads: C2SP signed-note checkpoints over (origin, size, root, time), the store
//! key that signs them, and the `mlsec.tree-head/v1` JSON they are exported as.

use crate::error::{Result, StoreError};
use crate::merkle::Hash;
use crate::time::{self, Micros};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The unsigned content of a tree head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeHead {
    /// Number of events (leaves).
    pub size: u64,
    /// Merkle tree hash of the first `size` events.
    pub root: Hash,
    /// When the head was signed.
    pub time: Micros,
}

/// A tree head with the store's signature, as a C2SP `tlog-checkpoint` signed note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHead {
    /// The signed content.
    pub head: TreeHead,
    /// The log's name, `mlsec.store/<store id>`; also the key name in the note.
    pub origin: String,
    /// The Ed25519 signature over [`SignedHead::note_body`].
    pub signature: [u8; 64],
}

/// The key that signs a store's heads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(pub VerifyingKey);

impl PublicKey {
    /// `ed25519:<base64>`.
    pub fn encode(&self) -> String {
        format!("ed25519:{}", B64.encode(self.0.to_bytes()))
    }

    /// Parses [`PublicKey::encode`].
    pub fn decode(s: &str) -> Option<PublicKey> {
        let raw = B64.decode(s.trim().strip_prefix("ed25519:")?).ok()?;
        let bytes: [u8; 32] = raw.try_into().ok()?;
        VerifyingKey::from_bytes(&bytes).ok().map(PublicKey)
    }

    /// The C2SP note key id for a key name: the first 4 bytes of
    /// `SHA-256(name || "\n" || 0x01 || key)` (0x01 = Ed25519).
    pub fn key_id(&self, name: &str) -> [u8; 4] {
        let mut h = Sha256::new();
        h.update(name.as_bytes());
        h.update(b"\n\x01");
        h.update(self.0.to_bytes());
        let d = h.finalize();
        [d[0], d[1], d[2], d[3]]
    }
}

impl SignedHead {
    /// The signed text: origin, size, base64 root, then a `time` extension line.
    pub fn note_body(origin: &str, head: &TreeHead) -> String {
        format!(
            "{origin}\n{}\n{}\ntime {}\n",
            head.size,
            B64.encode(head.root),
            time::format(head.time)
        )
    }

    /// Signs a head.
    pub fn sign(origin: &str, head: TreeHead, key: &SigningKey) -> SignedHead {
        let sig = key.sign(SignedHead::note_body(origin, &head).as_bytes());
        SignedHead {
            head,
            origin: origin.to_string(),
            signature: sig.to_bytes(),
        }
    }

    /// True when the signature is valid for `key`.
    pub fn verify(&self, key: &PublicKey) -> bool {
        key.0
            .verify_strict(
                SignedHead::note_body(&self.origin, &self.head).as_bytes(),
                &Signature::from_bytes(&self.signature),
            )
            .is_ok()
    }

    /// The full signed note: body, blank line, `— <name> <base64(key id || signature)>`.
    pub fn to_note(&self, key: &PublicKey) -> String {
        let mut sig = Vec::with_capacity(68);
        sig.extend_from_slice(&key.key_id(&self.origin));
        sig.extend_from_slice(&self.signature);
        format!(
            "{}\n\u{2014} {} {}\n",
            SignedHead::note_body(&self.origin, &self.head),
            self.origin,
            B64.encode(sig)
        )
    }

    /// Parses a signed note written by [`SignedHead::to_note`]. The signature is not checked here.
    pub fn from_note(note: &str) -> Result<SignedHead, String> {
        let (body, sigs) = note
            .split_once("\n\n")
            .ok_or("checkpoint has no signature block")?;
        let mut lines = body.lines();
        let origin = lines.next().ok_or("checkpoint has no origin")?.to_string();
        let size = lines
            .next()
            .and_then(|l| l.parse::<u64>().ok())
            .ok_or("checkpoint size is not a number")?;
        let root: Hash = lines
            .next()
            .and_then(|l| B64.decode(l).ok())
            .and_then(|r| r.try_into().ok())
            .ok_or("checkpoint root is not 32 bytes of base64")?;
        let time = lines
            .next()
            .and_then(|l| l.strip_prefix("time "))
            .and_then(time::parse)
            .ok_or("checkpoint has no valid `time` line")?;
        let sig_line = sigs
            .lines()
            .find(|l| l.starts_with("\u{2014} "))
            .ok_or("checkpoint has no signature line")?;
        let mut parts = sig_line.trim_start_matches("\u{2014} ").split(' ');
        let (name, sig_b64) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        if name != origin {
            return Err(format!(
                "checkpoint is signed as `{name}`, not its origin `{origin}`"
            ));
        }
        let raw = B64.decode(sig_b64).map_err(|_| "signature is not base64")?;
        let signature: [u8; 64] = raw
            .get(4..)
            .and_then(|s| s.try_into().ok())
            .ok_or("signature is not a 4-byte key id and 64 bytes")?;
        let head = TreeHead { size, root, time };
        // The body must be exactly what we would sign, or a reader could be shown other text.
        if SignedHead::note_body(&origin, &head) != format!("{body}\n") {
            return Err("checkpoint body is not in canonical form".into());
        }
        Ok(SignedHead {
            head,
            origin,
            signature,
        })
    }
}

/// The `mlsec.tree-head/v1` JSON: what `mlsec audit head` prints and `--against` reads.
/// `checkpoint` is authoritative; the other fields repeat it for people and scripts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadJson {
    /// Always `mlsec.tree-head/v1`.
    pub schema: String,
    /// Log name, `mlsec.store/<store id>`.
    pub origin: String,
    /// Number of events.
    pub tree_size: u64,
    /// Lowercase hex of the root.
    pub root_hash: String,
    /// RFC 3339 time of signing.
    pub timestamp: String,
    /// `ed25519:<base64>` key that signed it.
    pub public_key: String,
    /// The C2SP signed note.
    pub checkpoint: String,
}

/// Schema name of [`HeadJson`].
pub const HEAD_SCHEMA: &str = "mlsec.tree-head/v1";

impl HeadJson {
    /// The JSON form of a signed head.
    pub fn new(head: &SignedHead, key: &PublicKey) -> HeadJson {
        HeadJson {
            schema: HEAD_SCHEMA.into(),
            origin: head.origin.clone(),
            tree_size: head.head.size,
            root_hash: mlsec_core::digest::to_hex(&head.head.root),
            timestamp: time::format(head.head.time),
            public_key: key.encode(),
            checkpoint: head.to_note(key),
        }
    }

    /// Parses the checkpoint, checks its signature with the embedded key and that the convenience
    /// fields agree with it.
    pub fn open(&self) -> Result<(SignedHead, PublicKey), String> {
        if self.schema != HEAD_SCHEMA {
            return Err(format!(
                "schema is `{}`, expected `{HEAD_SCHEMA}`",
                self.schema
            ));
        }
        let key = PublicKey::decode(&self.public_key).ok_or("public_key is not ed25519:BASE64")?;
        let head = SignedHead::from_note(&self.checkpoint)?;
        if !head.verify(&key) {
            return Err("checkpoint signature does not verify with public_key".into());
        }
        if head.origin != self.origin
            || head.head.size != self.tree_size
            || mlsec_core::digest::to_hex(&head.head.root) != self.root_hash
        {
            return Err("origin, tree_size or root_hash differ from the signed checkpoint".into());
        }
        Ok((head, key))
    }
}

/// The store's private signing key, kept in a file readable only by its owner.
#[derive(Debug)]
pub struct StoreKey {
    key: SigningKey,
    path: PathBuf,
}

const KEY_HEADER: &str = "mlsec-store-key-v1";

impl StoreKey {
    /// The public half.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.key.verifying_key())
    }

    /// Where the key lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn signing(&self) -> &SigningKey {
        &self.key
    }

    /// Loads the key at `path`.
    pub fn load(path: &Path) -> Result<StoreKey> {
        let text = std::fs::read_to_string(path).map_err(|e| StoreError::io(path, e))?;
        let bad = |reason: &str| StoreError::Key {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        let mut lines = text.lines();
        if lines.next() != Some(KEY_HEADER) {
            return Err(bad(
                "not an mlsec store key (first line should be mlsec-store-key-v1)",
            ));
        }
        let seed: [u8; 32] = lines
            .next()
            .and_then(|l| B64.decode(l.trim()).ok())
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| bad("second line is not a base64 32-byte Ed25519 seed"))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(path)
                .map_err(|e| StoreError::io(path, e))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(bad(&format!(
                    "permissions are {:o}; others can read it\nhint: chmod 600 {}",
                    mode & 0o777,
                    path.display()
                )));
            }
        }
        Ok(StoreKey {
            key: SigningKey::from_bytes(&seed),
            path: path.to_path_buf(),
        })
    }

    /// Loads the key at `path`, creating it (mode 0600, parent directories 0700) if absent.
    /// Concurrent first uses agree on one key: the file appears atomically and only once.
    pub fn load_or_create(path: &Path) -> Result<StoreKey> {
        match StoreKey::load(path) {
            Err(StoreError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            }
            other => return other,
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        create_private_dir(dir)?;
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| StoreError::Key {
            path: path.to_path_buf(),
            reason: format!("no randomness from the operating system: {e}"),
        })?;
        let tmp = dir.join(format!(
            ".{}.{}.tmp",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("key"),
            std::process::id()
        ));
        {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let mut f = opts.open(&tmp).map_err(|e| StoreError::io(&tmp, e))?;
            writeln!(f, "{KEY_HEADER}\n{}", B64.encode(seed))
                .and_then(|_| f.sync_all())
                .map_err(|e| StoreError::io(&tmp, e))?;
        }
        // A hard link fails if the name exists, so a racing creator's key wins and ours is dropped.
        let linked = std::fs::hard_link(&tmp, path);
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => {
                tracing::info!(path = %path.display(), "created store key");
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(StoreError::io(path, e)),
        }
        StoreKey::load(path)
    }
}

/// Creates `dir` (and parents) readable only by the owner when it is new.
pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir).map_err(|e| StoreError::io(dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_round_trip_and_forgery_fails() {
        let dir = tempfile::tempdir().unwrap();
        let key = StoreKey::load_or_create(&dir.path().join("k/store.key")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(key.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = StoreKey::load_or_create(key.path()).unwrap();
        assert_eq!(again.public(), key.public());
        let head = TreeHead {
            size: 42,
            root: [7; 32],
            time: 1_700_000_000_000_000,
        };
        let signed = SignedHead::sign("mlsec.store/test", head, key.signing());
        assert!(signed.verify(&key.public()));
        let note = signed.to_note(&key.public());
        assert_eq!(SignedHead::from_note(&note).unwrap(), signed);
        let json = HeadJson::new(&signed, &key.public());
        assert_eq!(json.open().unwrap().0, signed);
        let mut forged = json.clone();
        forged.checkpoint = forged.checkpoint.replace("\n42\n", "\n41\n");
        forged.tree_size = 41;
        assert!(forged.open().is_err());
        let other = StoreKey::load_or_create(&dir.path().join("other.key")).unwrap();
        assert!(!signed.verify(&other.public()));
    }

    #[cfg(unix)]
    #[test]
    fn a_readable_key_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.key");
        StoreKey::load_or_create(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = StoreKey::load(&path).unwrap_err().to_string();
        assert!(e.contains("chmod 600"), "{e}");
    }
}
