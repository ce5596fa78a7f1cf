//! The secret key: read from a file, never printed, and split into purpose-bound subkeys.

use std::io::Read;
use std::path::Path;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Bytes a key file must hold at least.
pub const MIN_KEY_BYTES: usize = 16;
/// Bytes read from a key file at most.
pub const MAX_KEY_BYTES: usize = 4096;

/// Why a key could not be loaded. The messages never contain key bytes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The file could not be read.
    #[error("key file {path}: {source}")]
    Io {
        /// The key file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is too short or too long.
    #[error("key file {path}: {message}")]
    Size {
        /// The key file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// A pseudonymisation key. `Debug` prints no key material; the bytes are kept private.
pub struct Key {
    token: Vec<u8>,
    ff1: [u8; 32],
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(<redacted>)")
    }
}

impl Key {
    /// Reads a key file: its bytes, minus one trailing newline, are the key (at least
    /// [`MIN_KEY_BYTES`]; generate one with `head -c 32 /dev/urandom > key`).
    pub fn from_file(path: &Path) -> Result<Key, KeyError> {
        let io = |source| KeyError::Io {
            path: path.display().to_string(),
            source,
        };
        let f = std::fs::File::open(path).map_err(io)?;
        let mut bytes = Vec::new();
        f.take(MAX_KEY_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() > MAX_KEY_BYTES {
            return Err(KeyError::Size {
                path: path.display().to_string(),
                message: format!("longer than {MAX_KEY_BYTES} bytes; is this the right file?"),
            });
        }
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
        }
        if bytes.len() < MIN_KEY_BYTES {
            return Err(KeyError::Size {
                path: path.display().to_string(),
                message: format!(
                    "{} bytes, fewer than {MIN_KEY_BYTES}\nhint: create one with `head -c 32 /dev/urandom > KEYFILE`",
                    bytes.len()
                ),
            });
        }
        Ok(Key::from_bytes(&bytes))
    }

    /// A key from raw bytes (any length; callers enforce a minimum).
    pub fn from_bytes(secret: &[u8]) -> Key {
        // Separate subkeys per purpose, so a token never reveals anything about FF1 output.
        let token = prf(secret, b"mlsec/pseudonymize/v1").to_vec();
        let ff1 = prf(secret, b"mlsec/ff1/v1");
        Key { token, ff1 }
    }

    /// HMAC-SHA256 of `value` under the token subkey.
    pub fn token_mac(&self, value: &[u8]) -> [u8; 32] {
        prf(&self.token, value)
    }

    /// The AES-256 key for FF1.
    pub(crate) fn ff1_key(&self) -> &[u8; 32] {
        &self.ff1
    }
}

fn prf(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        // HMAC accepts keys of any length.
        Err(_) => unreachable!("HMAC takes any key length"),
    };
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test case 2 checks the HMAC-SHA256 primitive itself.
    #[test]
    fn hmac_sha256_rfc4231() {
        let out = prf(b"Jefe", b"what do ya want for nothing?");
        let hex: String = out.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn key_file_rules_and_redacted_debug() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("k");
        std::fs::write(&p, b"short\n").unwrap();
        let e = Key::from_file(&p).unwrap_err().to_string();
        assert!(e.contains("fewer than 16") && !e.contains("short"));
        std::fs::write(&p, b"0123456789abcdef-secret\n").unwrap();
        let k = Key::from_file(&p).unwrap();
        assert_eq!(format!("{k:?}"), "Key(<redacted>)");
        let k2 = Key::from_bytes(b"0123456789abcdef-secret");
        assert_eq!(
            k.token_mac(b"x"),
            k2.token_mac(b"x"),
            "trailing newline dropped"
        );
    }
}
