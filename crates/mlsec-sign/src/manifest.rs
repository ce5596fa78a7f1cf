//! The model manifest: which files a model consists of, and their digests.
//!
//! Enumeration and naming follow model_signing 1.1.1 exactly (see `oms-signing.md` §2.5–2.7):
//! regular files only, POSIX relative names, a single-file model named `"."`, ignore paths
//! matched as component prefixes from the model root, shards named `path:start:end`. Hashing
//! runs on the rayon pool, largest job first, with large ranges memory-mapped.

use crate::cache::{FileStat, HashCache};
use crate::error::{Error, Result};
use crate::hashing::{HashAlgorithm, hash_range};
use sha2::Digest as _;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The four paths model_signing ignores unless told otherwise (`--ignore-git-paths`, on by
/// default). They match as component prefixes from the model root.
pub const GIT_IGNORES: [&str; 4] = [".git", ".gitattributes", ".github", ".gitignore"];

/// model_signing's default shard size (1 GB, decimal).
pub const DEFAULT_SHARD_SIZE: u64 = 1_000_000_000;

/// How a model is cut into resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Method {
    /// One resource per file, named by its relative path.
    Files,
    /// Each file cut into ranges of `shard_size` bytes, named `path:start:end`.
    Shards {
        /// Bytes per shard (the last shard of a file is shorter). Never zero.
        shard_size: u64,
    },
}

impl Method {
    /// The OMS `method` name: `files` or `shards`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Files => "files",
            Method::Shards { .. } => "shards",
        }
    }

    /// The shard size, for `shards`.
    pub fn shard_size(self) -> Option<u64> {
        match self {
            Method::Files => None,
            Method::Shards { shard_size } => Some(shard_size),
        }
    }
}

/// Everything that decides the manifest of a model: method, hash, symlink handling, ignores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashingConfig {
    /// Files or shards.
    pub method: Method,
    /// The per-resource hash.
    pub hash: HashAlgorithm,
    /// Whether file symlinks are followed (model_signing semantics: a file symlink is hashed as
    /// its target under the link's name, directory symlinks are skipped). When false, any
    /// symlink is an error.
    pub allow_symlinks: bool,
    /// Paths relative to the model root that are left out, matched as component prefixes.
    /// These are recorded in the signature.
    pub ignore_paths: Vec<String>,
}

impl Default for HashingConfig {
    /// files / sha256 / no symlinks / the git paths ignored: what `model_signing sign` does.
    fn default() -> HashingConfig {
        HashingConfig {
            method: Method::Files,
            hash: HashAlgorithm::Sha256,
            allow_symlinks: false,
            ignore_paths: GIT_IGNORES.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl HashingConfig {
    /// The `algorithm` string each resource carries: the hash name for `files`, and
    /// `<hash>-sharded-<N>` for `shards` (what model_signing and the Go tool write; the spec
    /// text's plain hash name is rejected by model_signing 1.1.1).
    pub fn resource_algorithm(&self) -> String {
        match self.method {
            Method::Files => self.hash.oms_name().to_string(),
            Method::Shards { shard_size } => {
                format!("{}-sharded-{shard_size}", self.hash.oms_name())
            }
        }
    }

    /// Checks the options make sense (a shard size of zero would loop forever).
    pub fn validate(&self) -> Result<()> {
        if let Method::Shards { shard_size: 0 } = self.method {
            return Err(Error::InvalidOption(
                "shard size must be at least 1 byte".into(),
            ));
        }
        Ok(())
    }
}

/// One resource of a manifest: a file, or one shard of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The resource name as written in the manifest (`a/b.txt`, `a/b.txt:0:1000`, or `.`).
    pub name: String,
    /// The file's path relative to the model root (`.` for a single-file model).
    pub file: String,
    /// The byte range `[start, end)` for a shard; `None` for a whole file.
    pub range: Option<(u64, u64)>,
    /// The resource's `algorithm` string.
    pub algorithm: String,
    /// The digest bytes.
    pub digest: Vec<u8>,
}

/// A file found while enumerating a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Path relative to the model root, POSIX separators (`.` for a single-file model).
    pub rel: String,
    /// Path on disk.
    pub path: PathBuf,
    /// Size in bytes when listed.
    pub size: u64,
    stat: FileStat,
}

/// The manifest of a model: its resources in byte order of their names, and the config that
/// produced them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The configuration used.
    pub config: HashingConfig,
    /// The resources, sorted by the bytes of their names.
    pub items: Vec<Item>,
    /// The files the resources came from, sorted by relative path.
    pub files: Vec<FileEntry>,
    /// How many files were answered from the hash cache instead of being read.
    pub cached_files: usize,
}

impl Manifest {
    /// The root digest: SHA-256 over the concatenated resource digests, in listed order.
    pub fn root_digest(&self) -> [u8; 32] {
        root_digest(self.items.iter().map(|i| i.digest.as_slice()))
    }

    /// Total bytes of the files covered.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

/// SHA-256 over the concatenation of `digests`, in the order given (OMS §2.4: the root is
/// always SHA-256, in the order the resources are listed, never re-sorted).
pub fn root_digest<'a>(digests: impl IntoIterator<Item = &'a [u8]>) -> [u8; 32] {
    let mut h = sha2::Sha256::new();
    for d in digests {
        h.update(d);
    }
    h.finalize().into()
}

/// Normalises an ignore path relative to the model root: `./a//b/` → `a/b`. Returns `None` for
/// paths that name the root itself or resolve outside it (model_signing drops those).
pub fn normalize_ignore(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    if path.starts_with('/') {
        return None;
    }
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The path of `inner` relative to the directory `model`, if `inner` lies inside it. Used to
/// leave the signature file out of the manifest when it is written into the model directory.
pub fn relative_inside(model: &Path, inner: &Path) -> Option<String> {
    let model = absolute(model)?;
    let inner = match inner.parent() {
        // Canonicalise the parent only: the signature file itself may not exist yet.
        Some(parent) if !parent.as_os_str().is_empty() => {
            absolute(parent)?.join(inner.file_name()?)
        }
        _ => absolute(Path::new("."))?.join(inner.file_name()?),
    };
    let rel = inner.strip_prefix(&model).ok()?;
    let parts: Option<Vec<&str>> = rel
        .components()
        .map(|c| match c {
            Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect();
    let parts = parts?;
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn absolute(p: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(p).ok()
}

fn is_ignored(rel_parts: &[&str], ignores: &[Vec<String>]) -> bool {
    ignores
        .iter()
        .any(|ig| ig.len() <= rel_parts.len() && ig.iter().zip(rel_parts).all(|(a, b)| a == b))
}

/// Lists the regular files of a model (a directory, or a single file) that the config covers.
///
/// Errors on symlinks (unless allowed), special files and non-UTF-8 names, naming the entry.
pub fn enumerate(model: &Path, config: &HashingConfig) -> Result<Vec<FileEntry>> {
    let meta = std::fs::metadata(model).map_err(Error::io(model))?;
    if meta.is_file() {
        return Ok(vec![FileEntry {
            rel: ".".into(),
            path: model.to_path_buf(),
            size: meta.len(),
            stat: FileStat::of(&meta),
        }]);
    }
    if !meta.is_dir() {
        return Err(Error::UnsupportedEntry {
            path: model.display().to_string(),
            reason: "not a regular file or directory".into(),
        });
    }
    let ignores: Vec<Vec<String>> = config
        .ignore_paths
        .iter()
        .filter_map(|p| normalize_ignore(p))
        .map(|p| p.split('/').map(str::to_string).collect())
        .collect();
    let mut out = Vec::new();
    let mut stack: Vec<(PathBuf, Vec<String>)> = vec![(model.to_path_buf(), Vec::new())];
    while let Some((dir, parts)) = stack.pop() {
        let rd = std::fs::read_dir(&dir).map_err(Error::io(&dir))?;
        for entry in rd {
            let entry = entry.map_err(Error::io(&dir))?;
            let path = entry.path();
            let name = entry.file_name();
            let mut sub = parts.clone();
            let Some(name) = name.to_str() else {
                return Err(Error::UnsupportedEntry {
                    path: path.display().to_string(),
                    reason: "file name is not valid UTF-8 (OMS names are UTF-8)".into(),
                });
            };
            sub.push(name.to_string());
            let sub_refs: Vec<&str> = sub.iter().map(String::as_str).collect();
            if is_ignored(&sub_refs, &ignores) {
                continue;
            }
            let rel = sub.join("/");
            let lmeta = std::fs::symlink_metadata(&path).map_err(Error::io(&path))?;
            let ft = lmeta.file_type();
            let meta = if ft.is_symlink() {
                if !config.allow_symlinks {
                    return Err(Error::UnsupportedEntry {
                        path: rel,
                        reason: "is a symbolic link, and the signature does not allow symlinks"
                            .into(),
                    });
                }
                match std::fs::metadata(&path) {
                    // model_signing does not descend into directory symlinks: skip them.
                    Ok(m) if m.is_dir() => continue,
                    Ok(m) => m,
                    Err(_) => {
                        return Err(Error::UnsupportedEntry {
                            path: rel,
                            reason: "is a dangling symbolic link".into(),
                        });
                    }
                }
            } else {
                lmeta
            };
            if meta.is_dir() {
                stack.push((path, sub));
            } else if meta.is_file() {
                out.push(FileEntry {
                    rel,
                    path,
                    size: meta.len(),
                    stat: FileStat::of(&meta),
                });
            } else {
                return Err(Error::UnsupportedEntry {
                    path: rel,
                    reason: "is not a regular file (FIFO, socket or device)".into(),
                });
            }
        }
    }
    out.sort_by(|a, b| a.rel.as_bytes().cmp(b.rel.as_bytes()));
    Ok(out)
}

/// Where each resource of a file comes from: whole file, or its shards.
fn ranges(method: Method, size: u64) -> Vec<Option<(u64, u64)>> {
    match method {
        Method::Files => vec![None],
        // Zero-length files produce no shard, as in model_signing, Go and the spec.
        Method::Shards { shard_size } => {
            let mut v = Vec::new();
            let mut start = 0u64;
            while start < size {
                let end = start.saturating_add(shard_size).min(size);
                v.push(Some((start, end)));
                start = end;
            }
            v
        }
    }
}

/// (file index, range slot, digest) of one finished hashing job.
type JobResult = (usize, usize, Result<Vec<u8>>);

/// Options for [`compute`] that do not change the manifest, only how it is computed.
#[derive(Debug, Default, Clone, Copy)]
pub struct ComputeOptions<'a> {
    /// Reuse digests of files whose (device, inode, size, mtime, ctime) did not change, and
    /// record fresh ones. `None` hashes every byte.
    pub cache: Option<&'a HashCache>,
    /// Only record fresh digests in the cache; never answer from it. Verification uses this:
    /// it must read every byte, but may leave the results for the next `sign`.
    pub cache_write_only: bool,
}

/// Computes the manifest of a model directory or single file.
pub fn compute(model: &Path, config: &HashingConfig, opts: ComputeOptions<'_>) -> Result<Manifest> {
    config.validate()?;
    let files = enumerate(model, config)?;
    compute_files(files, config, opts)
}

/// Computes the manifest of files already enumerated with [`enumerate`].
pub fn compute_files(
    files: Vec<FileEntry>,
    config: &HashingConfig,
    opts: ComputeOptions<'_>,
) -> Result<Manifest> {
    config.validate()?;
    let label = config.resource_algorithm();
    let per_file: Vec<Vec<Option<(u64, u64)>>> = files
        .iter()
        .map(|f| ranges(config.method, f.size))
        .collect();

    // Digests per file per range; filled from the cache first, then by hashing.
    let mut digests: Vec<Vec<Option<Vec<u8>>>> =
        per_file.iter().map(|r| vec![None; r.len()]).collect();
    let mut cached_files = 0;
    if let (Some(cache), false) = (opts.cache, opts.cache_write_only) {
        for (i, f) in files.iter().enumerate() {
            if let Some(hit) = cache.lookup(&f.path, &f.stat, &label)
                && hit.len() == per_file[i].len()
                && hit.iter().all(|d| d.len() == config.hash.digest_len())
            {
                digests[i] = hit.into_iter().map(Some).collect();
                cached_files += 1;
            }
        }
    }

    struct Job {
        file: usize,
        slot: usize,
        start: u64,
        end: u64,
    }
    let mut jobs = Vec::new();
    for (fi, rs) in per_file.iter().enumerate() {
        for (slot, r) in rs.iter().enumerate() {
            if digests[fi][slot].is_some() {
                continue;
            }
            let (start, end) = r.unwrap_or((0, files[fi].size));
            jobs.push(Job {
                file: fi,
                slot,
                start,
                end,
            });
        }
    }
    // Largest first, so the last job to finish is a small one and no core idles on a long tail.
    jobs.sort_by_key(|j| std::cmp::Reverse(j.end - j.start));

    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<JobResult>> = Mutex::new(Vec::new());
    let workers = rayon::current_num_threads().min(jobs.len()).max(1);
    rayon::scope(|s| {
        for _ in 0..workers {
            s.spawn(|_| {
                let mut local = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let f = &files[job.file];
                    let r = hash_range(config.hash, &f.path, job.start, job.end);
                    let failed = r.is_err();
                    local.push((job.file, job.slot, r));
                    if failed {
                        // Stop early: the caller gets the first error either way.
                        next.store(usize::MAX / 2, Ordering::Relaxed);
                        break;
                    }
                }
                if let Ok(mut all) = results.lock() {
                    all.append(&mut local);
                }
            });
        }
    });
    let results = results.into_inner().map_err(|_| {
        Error::InvalidOption("a hashing thread panicked; the manifest is incomplete".into())
    })?;
    let mut fresh = vec![false; files.len()];
    for (fi, slot, r) in results {
        digests[fi][slot] = Some(r?);
        fresh[fi] = true;
    }

    let mut items = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        let mut file_digests = Vec::with_capacity(per_file[fi].len());
        for (slot, r) in per_file[fi].iter().enumerate() {
            let digest = digests[fi][slot].take().ok_or_else(|| {
                Error::InvalidOption(format!("{}: hashing did not complete", f.rel))
            })?;
            let name = match r {
                None => f.rel.clone(),
                Some((s, e)) => format!("{}:{s}:{e}", f.rel),
            };
            file_digests.push(digest.clone());
            items.push(Item {
                name,
                file: f.rel.clone(),
                range: *r,
                algorithm: label.clone(),
                digest,
            });
        }
        if fresh[fi]
            && let Some(cache) = opts.cache
        {
            // Record only if the file still has the stat it had when listed: then the digest
            // provably belongs to that (dev, inode, size, mtime, ctime) tuple.
            if let Ok(now) = std::fs::metadata(&f.path)
                && FileStat::of(&now) == f.stat
            {
                cache.store(&f.path, f.stat.clone(), &label, file_digests);
            }
        }
    }
    items.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    Ok(Manifest {
        config: config.clone(),
        items,
        files,
        cached_files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_paths_normalise() {
        assert_eq!(normalize_ignore("./a//b/").as_deref(), Some("a/b"));
        assert_eq!(normalize_ignore("a/../b").as_deref(), Some("b"));
        assert_eq!(normalize_ignore("../x"), None);
        assert_eq!(normalize_ignore("."), None);
        assert_eq!(normalize_ignore("/etc"), None);
    }

    #[test]
    fn ignore_matches_component_prefixes_only() {
        let ig = vec![vec![".git".to_string()], vec!["tok".to_string()]];
        assert!(is_ignored(&[".git", "HEAD"], &ig));
        assert!(is_ignored(&["tok"], &ig));
        assert!(!is_ignored(&["sub", ".git"], &ig));
        assert!(!is_ignored(&["tokenizer", "x"], &ig));
    }

    #[test]
    fn shard_ranges_cover_the_file_and_skip_empty_files() {
        assert_eq!(
            ranges(Method::Shards { shard_size: 10 }, 0),
            Vec::<Option<(u64, u64)>>::new()
        );
        assert_eq!(
            ranges(Method::Shards { shard_size: 10 }, 25),
            vec![Some((0, 10)), Some((10, 20)), Some((20, 25))]
        );
        assert_eq!(ranges(Method::Files, 0), vec![None]);
        assert_eq!(
            ranges(
                Method::Shards {
                    shard_size: u64::MAX
                },
                3
            ),
            vec![Some((0, 3))]
        );
    }

    #[test]
    fn symlinks_are_rejected_unless_allowed() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a"), b"x").unwrap();
        std::os::unix::fs::symlink("a", d.path().join("l")).unwrap();
        let err = enumerate(d.path(), &HashingConfig::default()).unwrap_err();
        assert!(
            err.to_string().starts_with("l: is a symbolic link"),
            "{err}"
        );
        let cfg = HashingConfig {
            allow_symlinks: true,
            ..HashingConfig::default()
        };
        let files = enumerate(d.path(), &cfg).unwrap();
        assert_eq!(
            files.iter().map(|f| f.rel.as_str()).collect::<Vec<_>>(),
            ["a", "l"]
        );
    }

    #[test]
    fn signature_inside_model_is_found() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("m")).unwrap();
        assert_eq!(
            relative_inside(&d.path().join("m"), &d.path().join("m/model.sig")).as_deref(),
            Some("model.sig")
        );
        assert_eq!(
            relative_inside(&d.path().join("m"), &d.path().join("x.sig")),
            None
        );
    }

    #[test]
    fn zero_shard_size_is_an_error() {
        let cfg = HashingConfig {
            method: Method::Shards { shard_size: 0 },
            ..Default::default()
        };
        assert!(cfg.validate().is_err());
    }
}
