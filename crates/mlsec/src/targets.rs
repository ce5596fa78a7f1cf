//! Turning command-line paths into the list of files to scan.
//!
//! Directories are walked (symlinks followed, loops and `.git` skipped). A Hugging Face cache
//! (`models--org--name/{blobs,snapshots/<rev>/…}`) holds each file once under `blobs/` and links
//! to it from every snapshot: each blob is scanned once, reported under its snapshot name, which
//! is the name people know it by.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Files to scan, and paths that could not be read.
#[derive(Debug, Default)]
pub struct Targets {
    pub files: Vec<PathBuf>,
    pub errors: Vec<(String, String)>,
}

fn in_blobs_dir(p: &Path) -> bool {
    p.parent()
        .and_then(|d| d.file_name())
        .is_some_and(|n| n == "blobs")
        && p.parent()
            .and_then(Path::parent)
            .and_then(|d| d.file_name())
            .is_some_and(|n| {
                n.to_string_lossy().starts_with("models--")
                    || n.to_string_lossy().starts_with("datasets--")
            })
}

/// The identity of a file's content on disk: (device, inode) on Unix — one `stat`, where
/// resolving the real path costs a `readlink` per path component — else the canonical path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum FileId {
    #[cfg(unix)]
    Inode(u64, u64),
    Path(PathBuf),
}

fn file_id(p: &Path, meta: Option<&std::fs::Metadata>) -> FileId {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Some(m) = meta {
            return FileId::Inode(m.dev(), m.ino());
        }
        if let Ok(m) = std::fs::metadata(p) {
            return FileId::Inode(m.dev(), m.ino());
        }
    }
    let _ = meta;
    FileId::Path(std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()))
}

/// Expands `paths` into files, deduplicated by what they point at on disk.
pub fn collect(paths: &[PathBuf]) -> Targets {
    let mut found: Vec<(PathBuf, FileId)> = Vec::new();
    let mut t = Targets::default();
    for root in paths {
        match std::fs::metadata(root) {
            Err(e) => t.errors.push((root.display().to_string(), e.to_string())),
            Ok(m) if m.is_file() => found.push((root.clone(), file_id(root, Some(&m)))),
            Ok(m) if m.is_dir() => {
                let walker = walkdir::WalkDir::new(root)
                    .follow_links(true)
                    .sort_by_file_name()
                    .into_iter();
                for entry in walker.filter_entry(|e| e.file_name() != ".git") {
                    match entry {
                        Ok(e) if e.file_type().is_file() => {
                            let id = file_id(e.path(), e.metadata().ok().as_ref());
                            found.push((e.into_path(), id));
                        }
                        Ok(_) => {}
                        Err(e) => {
                            let p = e
                                .path()
                                .map(|p| p.display().to_string())
                                .unwrap_or_else(|| root.display().to_string());
                            t.errors.push((p, e.to_string()));
                        }
                    }
                }
            }
            Ok(_) => t.errors.push((
                root.display().to_string(),
                "not a regular file or directory".into(),
            )),
        }
    }
    // Snapshot names before blob names, then first-seen order.
    let mut order: Vec<usize> = (0..found.len()).collect();
    order.sort_by_key(|i| in_blobs_dir(&found[*i].0));
    let mut seen = HashSet::new();
    let mut keep = vec![false; found.len()];
    for i in order {
        if seen.insert(found[i].1.clone()) {
            keep[i] = true;
        }
    }
    t.files = found
        .into_iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|((p, _), _)| p)
        .collect();
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn hf_cache_blobs_are_scanned_once_under_snapshot_names() {
        let d = tempfile::tempdir().unwrap();
        let repo = d.path().join("models--org--name");
        std::fs::create_dir_all(repo.join("blobs")).unwrap();
        std::fs::create_dir_all(repo.join("snapshots/abc")).unwrap();
        std::fs::write(repo.join("blobs/123"), b"x").unwrap();
        std::os::unix::fs::symlink("../../blobs/123", repo.join("snapshots/abc/model.bin"))
            .unwrap();
        std::fs::create_dir_all(d.path().join(".git")).unwrap();
        std::fs::write(d.path().join(".git/HEAD"), b"ref").unwrap();
        let t = collect(&[d.path().to_path_buf()]);
        assert_eq!(t.files.len(), 1, "{:?}", t.files);
        assert!(t.files[0].ends_with("snapshots/abc/model.bin"));
        let missing = collect(&[d.path().join("nope")]);
        assert_eq!(missing.errors.len(), 1);
    }
}
