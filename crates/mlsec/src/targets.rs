//! Turning command-line paths into the list of files to scan.
//!
//! Directories are walked (symlinks followed, loops and `.git` skipped). A Hugging Face cache
//! (`models--org--name/{blobs,snapshots/<rev>/…}`) holds each file once under `blobs/` and links
//! to it from every snapshot: each blob is scanned once, reported under its snapshot name, which
//! is the name people know it by.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

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

/// Walks `paths` and hands each file to scan to `file` as soon as it is found, with its
/// position in walk order (sorted by name), so that scanning overlaps the walk and reports can
/// still be put back in a stable order. Files are deduplicated by what they point at on disk;
/// files in a Hugging Face `blobs/` folder are handed over last, and only if no snapshot link
/// named them, so a blob is reported under its snapshot name. Returns the paths that could not
/// be read, with why.
pub fn walk(paths: &[PathBuf], mut file: impl FnMut(usize, PathBuf)) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let mut blobs: Vec<(usize, PathBuf, FileId)> = Vec::new();
    let mut index = 0;
    let mut found = |path: PathBuf, id: FileId| {
        if in_blobs_dir(&path) {
            blobs.push((index, path, id));
        } else if seen.insert(id) {
            file(index, path);
        }
        index += 1;
    };
    for root in paths {
        match std::fs::metadata(root) {
            Err(e) => errors.push((root.display().to_string(), e.to_string())),
            Ok(m) if m.is_file() => found(root.clone(), file_id(root, Some(&m))),
            Ok(m) if m.is_dir() => {
                let walker = walkdir::WalkDir::new(root)
                    .follow_links(true)
                    .sort_by_file_name()
                    .into_iter();
                for entry in walker.filter_entry(|e| e.file_name() != ".git") {
                    match entry {
                        Ok(e) if e.file_type().is_file() => {
                            let id = file_id(e.path(), e.metadata().ok().as_ref());
                            found(e.into_path(), id);
                        }
                        Ok(_) => {}
                        Err(e) => {
                            let p = e
                                .path()
                                .map(|p| p.display().to_string())
                                .unwrap_or_else(|| root.display().to_string());
                            errors.push((p, e.to_string()));
                        }
                    }
                }
            }
            Ok(_) => errors.push((
                root.display().to_string(),
                "not a regular file or directory".into(),
            )),
        }
    }
    for (i, path, id) in blobs {
        if seen.insert(id) {
            file(i, path);
        }
    }
    errors
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
        // A plain file beside the cache keeps its place in walk order.
        std::fs::write(d.path().join("z.pt"), b"y").unwrap();
        let mut files = Vec::new();
        let errors = walk(&[d.path().to_path_buf()], |i, p| files.push((i, p)));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(files.len(), 2, "{files:?}");
        files.sort();
        assert!(files[0].1.ends_with("snapshots/abc/model.bin"), "{files:?}");
        assert!(files[1].1.ends_with("z.pt"), "{files:?}");
        let missing = walk(&[d.path().join("nope")], |_, _| {});
        assert_eq!(missing.len(), 1);
    }
}
