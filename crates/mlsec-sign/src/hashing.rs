//! The hash functions OMS manifests use, and how bytes reach them (memory maps for large
//! ranges, one read for small ones).

use crate::error::{Error, Result};
use mlsec_core::DigestAlgorithm;
use sha2::Digest as _;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Ranges at most this long are read with one `read` into a buffer; longer ones are
/// memory-mapped. Below this size a map costs more (page-table setup, faults) than a copy.
const MMAP_THRESHOLD: u64 = 256 * 1024;

/// Ranges at least this long are hashed with BLAKE3's multi-threaded tree mode: below it the
/// fork/join overhead is larger than the gain.
const BLAKE3_RAYON_THRESHOLD: u64 = 8 << 20;

/// Large ranges are fed to SHA-256/BLAKE2b in slices of this size so the kernel's read-ahead
/// stays ahead of the hash loop.
const FEED_SLICE: usize = 4 << 20;

/// A hash algorithm a manifest may use for its per-file (or per-shard) digests.
///
/// The root digest of a manifest is always SHA-256, whatever this is (OMS §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-256: the default, and what every OMS verifier supports.
    Sha256,
    /// BLAKE2b with a 64-byte digest (Python's `hashlib.blake2b()` default).
    Blake2b,
    /// BLAKE3 with the default 32-byte output: the fastest, verified by model_signing ≥ 1.1.
    Blake3,
}

impl HashAlgorithm {
    /// The name written in the `hash_type` field and in `files` resources.
    pub fn oms_name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Blake2b => "blake2b",
            HashAlgorithm::Blake3 => "blake3",
        }
    }

    /// Parses an OMS `hash_type`; accepts model_signing's `blake2` alias for BLAKE2b.
    pub fn from_oms_name(name: &str) -> Option<HashAlgorithm> {
        match name {
            "sha256" => Some(HashAlgorithm::Sha256),
            "blake2b" | "blake2" => Some(HashAlgorithm::Blake2b),
            "blake3" => Some(HashAlgorithm::Blake3),
            _ => None,
        }
    }

    /// Digest length in bytes.
    pub fn digest_len(self) -> usize {
        self.core().output_len()
    }

    /// The same algorithm in mlsec's shared vocabulary.
    pub fn core(self) -> DigestAlgorithm {
        match self {
            HashAlgorithm::Sha256 => DigestAlgorithm::Sha256,
            HashAlgorithm::Blake2b => DigestAlgorithm::Blake2b,
            HashAlgorithm::Blake3 => DigestAlgorithm::Blake3,
        }
    }

    /// The CycloneDX `hashes[].alg` name of this algorithm.
    pub fn cyclonedx_name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha256 => "SHA-256",
            HashAlgorithm::Blake2b => "BLAKE2b-512",
            HashAlgorithm::Blake3 => "BLAKE3",
        }
    }

    /// Hashes a byte slice in memory.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut h = Hasher::new(self);
        h.update(data);
        h.finish()
    }
}

/// A running hash of one of the supported algorithms.
#[derive(Debug, Clone)]
enum Hasher {
    Sha256(sha2::Sha256),
    Blake2b(Box<blake2::Blake2b512>),
    Blake3(Box<blake3::Hasher>),
}

impl Hasher {
    fn new(alg: HashAlgorithm) -> Hasher {
        match alg {
            HashAlgorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            HashAlgorithm::Blake2b => Hasher::Blake2b(Box::default()),
            HashAlgorithm::Blake3 => Hasher::Blake3(Box::default()),
        }
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Blake2b(h) => blake2::Digest::update(h.as_mut(), data),
            Hasher::Blake3(h) => {
                h.update(data);
            }
        }
    }

    /// Feeds a large in-memory range: BLAKE3 hashes it with its tree mode across the rayon pool,
    /// the others in slices.
    fn update_large(&mut self, data: &[u8]) {
        match self {
            Hasher::Blake3(h) if data.len() as u64 >= BLAKE3_RAYON_THRESHOLD => {
                h.update_rayon(data);
            }
            _ => data.chunks(FEED_SLICE).for_each(|c| self.update(c)),
        }
    }

    fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Blake2b(h) => blake2::Digest::finalize(*h).to_vec(),
            Hasher::Blake3(h) => h.finalize().as_bytes().to_vec(),
        }
    }
}

/// Hashes bytes `start..end` of the file at `path` (`display` is the name used in errors).
///
/// Small ranges are read into memory; large ones are memory-mapped and advised sequential. If
/// the file shrank since it was listed, this fails with an I/O error rather than hashing fewer
/// bytes than the manifest will claim.
pub(crate) fn hash_range(alg: HashAlgorithm, path: &Path, start: u64, end: u64) -> Result<Vec<u8>> {
    let io = || Error::io(path);
    let file = File::open(path).map_err(io())?;
    let len = end.saturating_sub(start);
    let mut hasher = Hasher::new(alg);
    if len == 0 {
        return Ok(hasher.finish());
    }
    if len <= MMAP_THRESHOLD {
        let mut buf = vec![0u8; len as usize];
        read_exact_at(&file, &mut buf, start).map_err(io())?;
        hasher.update(&buf);
        return Ok(hasher.finish());
    }
    let map = map_range(&file, start, len).map_err(io())?;
    hasher.update_large(&map);
    Ok(hasher.finish())
}

fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

#[allow(unsafe_code)]
fn map_range(file: &File, start: u64, len: u64) -> std::io::Result<memmap2::Mmap> {
    let file_len = file.metadata()?.len();
    if start.checked_add(len).is_none_or(|e| e > file_len) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "file is shorter than when it was listed (changed while hashing?)",
        ));
    }
    let len = usize::try_from(len)
        .map_err(|_| std::io::Error::other("range does not fit in the address space"))?;
    // SAFETY: the map is read-only and private to this call. A concurrent truncation by another
    // process could fault (SIGBUS), the trade-off every mmap-based hasher (b3sum, ripgrep)
    // makes: model files are not expected to change while being signed, and copying
    // multi-gigabyte checkpoints through a buffer costs measurably more.
    let map = unsafe {
        memmap2::MmapOptions::new()
            .offset(start)
            .len(len)
            .map(file)?
    };
    // Advice is a hint: failing to give it only costs speed.
    let _ = map.advise(memmap2::Advice::Sequential);
    Ok(map)
}

/// Reads a whole small file (config.json, a safetensors header) with a size cap, for callers
/// that parse metadata. Returns `None` when the file is larger than `cap`.
pub(crate) fn read_capped(path: &Path, cap: u64) -> Result<Option<Vec<u8>>> {
    let file = File::open(path).map_err(Error::io(path))?;
    let mut buf = Vec::new();
    file.take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(Error::io(path))?;
    Ok((buf.len() as u64 <= cap).then_some(buf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlsec_core::digest::to_hex;

    #[test]
    fn known_answers() {
        assert_eq!(
            to_hex(&HashAlgorithm::Sha256.digest(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            to_hex(&HashAlgorithm::Blake3.digest(b"")),
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
        );
        assert_eq!(HashAlgorithm::Blake2b.digest(b"abc").len(), 64);
        assert!(to_hex(&HashAlgorithm::Blake2b.digest(b"abc")).starts_with("ba80a53f981c4d0d"));
    }

    #[test]
    fn ranges_agree_with_in_memory_hash_across_the_mmap_threshold() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let data: Vec<u8> = (0..(3 * MMAP_THRESHOLD as usize + 17))
            .map(|i| (i % 251) as u8)
            .collect();
        std::fs::write(&p, &data).unwrap();
        for alg in [
            HashAlgorithm::Sha256,
            HashAlgorithm::Blake2b,
            HashAlgorithm::Blake3,
        ] {
            for (s, e) in [(0, data.len()), (5, 1000), (100, data.len()), (0, 0)] {
                let got = hash_range(alg, &p, s as u64, e as u64).unwrap();
                assert_eq!(got, alg.digest(&data[s..e]), "{alg:?} {s}..{e}");
            }
        }
        assert!(hash_range(HashAlgorithm::Sha256, &p, 0, data.len() as u64 + 1).is_err());
    }

    #[test]
    fn names_round_trip_and_alias() {
        for a in [
            HashAlgorithm::Sha256,
            HashAlgorithm::Blake2b,
            HashAlgorithm::Blake3,
        ] {
            assert_eq!(HashAlgorithm::from_oms_name(a.oms_name()), Some(a));
        }
        assert_eq!(
            HashAlgorithm::from_oms_name("blake2"),
            Some(HashAlgorithm::Blake2b)
        );
        assert_eq!(HashAlgorithm::from_oms_name("md5"), None);
    }
}
