//! The verified hash cache: `(path, device, inode, size, mtime, ctime) → digests`.
//!
//! A re-sign of a model where one file changed re-hashes only that file. An entry is written
//! only when the file's stat tuple was the same before and after hashing, so a digest is never
//! recorded for bytes that changed under the hasher. The ctime in the key is what makes reuse
//! safe against a writer that restores the mtime: user space cannot set ctime.
//!
//! The cache is a local convenience, never evidence: it is keyed by this machine's device and
//! inode numbers, so a copied cache file matches nothing. Verification never answers from it
//! (see [`crate::manifest::ComputeOptions::cache_write_only`]).

use crate::error::{Error, Result};
use mlsec_core::digest::to_hex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Cache files larger than this are ignored (treated as empty) rather than parsed.
const MAX_CACHE_FILE: u64 = 256 << 20;

/// At most this many files are remembered; the least recently used are dropped beyond it.
const MAX_ENTRIES: usize = 200_000;

/// The stat tuple that keys a cache entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStat {
    dev: u64,
    ino: u64,
    size: u64,
    mtime_ns: i128,
    ctime_ns: i128,
}

impl FileStat {
    /// The stat tuple of a file's metadata.
    pub fn of(meta: &std::fs::Metadata) -> FileStat {
        use std::os::unix::fs::MetadataExt;
        FileStat {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            ctime_ns: i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    stat: FileStat,
    /// `resource algorithm label → one hex digest per resource of the file`.
    digests: BTreeMap<String, Vec<String>>,
    /// Monotonic use counter, for eviction.
    used: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    clock: u64,
    entries: BTreeMap<String, Entry>,
}

/// A hash cache loaded from (and saved back to) one JSON file.
#[derive(Debug)]
pub struct HashCache {
    path: PathBuf,
    inner: Mutex<CacheFile>,
}

impl HashCache {
    /// The default location: `$MLSEC_CACHE_DIR/hash-cache.json`, else
    /// `$XDG_CACHE_HOME/mlsec/hash-cache.json`, else `$HOME/.cache/mlsec/hash-cache.json`.
    /// `None` when none of those variables is set.
    pub fn default_path() -> Option<PathBuf> {
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if let Some(d) = env("MLSEC_CACHE_DIR") {
            return Some(d.join("hash-cache.json"));
        }
        let base = env("XDG_CACHE_HOME").or_else(|| env("HOME").map(|h| h.join(".cache")))?;
        Some(base.join("mlsec").join("hash-cache.json"))
    }

    /// Opens the cache at `path`. A missing, unreadable, oversized or corrupt file gives an
    /// empty cache: the cache only ever saves time, so its loss must never stop a signature.
    pub fn open(path: impl Into<PathBuf>) -> HashCache {
        let path = path.into();
        let data = std::fs::metadata(&path)
            .ok()
            .filter(|m| m.len() <= MAX_CACHE_FILE)
            .and_then(|_| std::fs::read(&path).ok())
            .and_then(|b| serde_json::from_slice::<CacheFile>(&b).ok())
            .filter(|c| c.version == 1)
            .unwrap_or(CacheFile {
                version: 1,
                ..CacheFile::default()
            });
        HashCache {
            path,
            inner: Mutex::new(data),
        }
    }

    /// Where this cache lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn key(path: &Path) -> Option<String> {
        std::fs::canonicalize(path)
            .ok()?
            .to_str()
            .map(str::to_string)
    }

    /// The digests recorded for `path` under `label`, if its stat tuple is unchanged.
    pub fn lookup(&self, path: &Path, stat: &FileStat, label: &str) -> Option<Vec<Vec<u8>>> {
        let key = Self::key(path)?;
        let mut c = self.inner.lock().ok()?;
        c.clock += 1;
        let clock = c.clock;
        let e = c.entries.get_mut(&key)?;
        if &e.stat != stat {
            return None;
        }
        e.used = clock;
        e.digests.get(label)?.iter().map(|h| from_hex(h)).collect()
    }

    /// Records the digests of `path` (whose stat tuple is `stat`) under `label`.
    pub fn store(&self, path: &Path, stat: FileStat, label: &str, digests: Vec<Vec<u8>>) {
        let Some(key) = Self::key(path) else { return };
        let Ok(mut c) = self.inner.lock() else { return };
        c.clock += 1;
        let clock = c.clock;
        let e = c.entries.entry(key).or_insert_with(|| Entry {
            stat: stat.clone(),
            digests: BTreeMap::new(),
            used: clock,
        });
        if e.stat != stat {
            // The file changed: digests under other labels are stale too.
            e.digests.clear();
            e.stat = stat;
        }
        e.used = clock;
        e.digests.insert(
            label.to_string(),
            digests.iter().map(|d| to_hex(d)).collect(),
        );
    }

    /// Writes the cache back atomically (temporary file, then rename), evicting the least
    /// recently used entries beyond the size limit.
    pub fn save(&self) -> Result<()> {
        let Ok(mut c) = self.inner.lock() else {
            return Ok(());
        };
        if c.entries.len() > MAX_ENTRIES {
            let mut uses: Vec<u64> = c.entries.values().map(|e| e.used).collect();
            uses.sort_unstable();
            let cutoff = uses[uses.len() - MAX_ENTRIES];
            c.entries.retain(|_, e| e.used >= cutoff);
        }
        let bytes = serde_json::to_vec(&*c)
            .map_err(|e| Error::InvalidOption(format!("cannot encode the hash cache: {e}")))?;
        drop(c);
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
        let tmp = self
            .path
            .with_extension(format!("json.{}.tmp", std::process::id()));
        std::fs::write(&tmp, bytes).map_err(Error::io(&tmp))?;
        std::fs::rename(&tmp, &self.path).map_err(Error::io(&self.path))
    }
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hit_needs_the_same_stat_and_label() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("f");
        std::fs::write(&f, b"abc").unwrap();
        let stat = FileStat::of(&std::fs::metadata(&f).unwrap());
        let cache = HashCache::open(d.path().join("c.json"));
        cache.store(&f, stat.clone(), "sha256", vec![vec![1, 2]]);
        assert_eq!(cache.lookup(&f, &stat, "sha256"), Some(vec![vec![1, 2]]));
        assert_eq!(cache.lookup(&f, &stat, "blake3"), None);
        let other = FileStat {
            size: 4,
            ..stat.clone()
        };
        assert_eq!(cache.lookup(&f, &other, "sha256"), None);
        cache.save().unwrap();
        let again = HashCache::open(d.path().join("c.json"));
        assert_eq!(again.lookup(&f, &stat, "sha256"), Some(vec![vec![1, 2]]));
    }

    #[test]
    fn corrupt_cache_file_is_an_empty_cache() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("c.json"), b"{not json").unwrap();
        let cache = HashCache::open(d.path().join("c.json"));
        assert!(cache.inner.lock().unwrap().entries.is_empty());
    }
}
