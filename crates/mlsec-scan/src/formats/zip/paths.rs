//! Member path policy shared by the zip, tar and 7z readers: where would an extractor put this
//! member, and where does a link point? Both `/` and `\` count as separators, because Windows
//! extractors (and Python's `zipfile` on Windows) treat them alike.

use crate::ctx::Ctx;
use crate::rules::archive::path_traversal;
use mlsec_core::{Confidence, Severity};

/// What a member path does when extracted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Stays inside the extraction directory.
    Inside,
    /// Stays inside, but only because `\` was read as a separator.
    Backslash,
    /// Holds a NUL byte: Python's `zipfile` cuts the name there, other tools do not.
    Nul,
    /// Leaves the extraction directory, for the reason given.
    Escapes(&'static str),
}

fn components(path: &str) -> impl Iterator<Item = &str> {
    path.split(['/', '\\'])
        .filter(|c| !c.is_empty() && *c != ".")
}

fn is_absolute(path: &str) -> Option<&'static str> {
    let b = path.as_bytes();
    if b.first().is_some_and(|&c| c == b'/' || c == b'\\') {
        return Some("absolute path");
    }
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return Some("drive-letter path");
    }
    None
}

/// Walks `path`'s components from `depth` directories below the root; `None` when a `..`
/// climbs above it.
fn walk(path: &str, mut depth: usize) -> Option<usize> {
    for c in components(path) {
        if c == ".." {
            depth = depth.checked_sub(1)?;
        } else {
            depth += 1;
        }
    }
    Some(depth)
}

/// Judges a member path.
pub(crate) fn check(path: &str) -> Verdict {
    if let Some(why) = is_absolute(path) {
        return Verdict::Escapes(why);
    }
    if walk(path, 0).is_none() {
        return Verdict::Escapes("climbs out of the extraction directory with `..`");
    }
    if path.contains('\0') {
        return Verdict::Nul;
    }
    if path.contains('\\') {
        return Verdict::Backslash;
    }
    Verdict::Inside
}

/// The path with `.`/empty components dropped and `..` applied, clamped at the root, joined
/// with `/`: the key under which extractors would store it.
pub(crate) fn normalize(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for c in components(path) {
        if c == ".." {
            out.pop();
        } else {
            out.push(c);
        }
    }
    out.join("/")
}

/// Where a link leads: `Some(reason)` when `target` leaves the extraction directory.
/// Symlink targets resolve from the link's own directory; hardlink targets from the root.
pub(crate) fn link_escapes(link: &str, target: &str, from_root: bool) -> Option<&'static str> {
    if let Some(why) = is_absolute(target) {
        return Some(if why == "absolute path" {
            "absolute target"
        } else {
            "drive-letter target"
        });
    }
    let start = if from_root {
        0
    } else {
        let n = normalize(link);
        n.split('/')
            .filter(|c| !c.is_empty())
            .count()
            .saturating_sub(1)
    };
    walk(target, start)
        .is_none()
        .then_some("target climbs out of the extraction directory")
}

/// Reports `path` (a member of the current container) when it escapes or is ambiguous.
pub(crate) fn report(ctx: &mut Ctx<'_>, path: &str, offset: Option<u64>, kind: &str) {
    let evidence = Some(path.escape_debug().to_string());
    match check(path) {
        Verdict::Inside => {}
        Verdict::Escapes(why) => ctx.report(
            &path_traversal::RULE,
            offset,
            format!("{kind} member `{}`: {why}", path.escape_debug()),
            evidence,
        ),
        Verdict::Backslash => ctx.report_with(
            &path_traversal::RULE,
            Severity::Medium,
            Confidence::Medium,
            offset,
            format!(
                "{kind} member `{}` uses `\\`, a directory separator for Windows extractors",
                path.escape_debug()
            ),
            evidence,
        ),
        Verdict::Nul => ctx.report_with(
            &path_traversal::RULE,
            Severity::Medium,
            Confidence::Medium,
            offset,
            format!(
                "{kind} member `{}` holds a NUL byte; readers disagree on its name",
                path.escape_debug()
            ),
            evidence,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        assert_eq!(check("archive/data.pkl"), Verdict::Inside);
        assert_eq!(check("a/../b"), Verdict::Inside);
        assert_eq!(check("./a/./b/"), Verdict::Inside);
        assert!(matches!(check("../evil"), Verdict::Escapes(_)));
        assert!(matches!(check("a/../../evil"), Verdict::Escapes(_)));
        assert!(matches!(check("/etc/passwd"), Verdict::Escapes(_)));
        assert!(matches!(check("C:\\x"), Verdict::Escapes(_)));
        assert!(matches!(check("c:x"), Verdict::Escapes(_)));
        assert!(matches!(check("a\\..\\..\\x"), Verdict::Escapes(_)));
        assert!(matches!(check("\\\\server\\share"), Verdict::Escapes(_)));
        assert_eq!(check("a\\b"), Verdict::Backslash);
        assert_eq!(check("a.pkl\0.txt"), Verdict::Nul);
    }

    #[test]
    fn links() {
        assert_eq!(link_escapes("a/b/link", "../x", false), None);
        assert!(link_escapes("a/link", "../../x", false).is_some());
        assert!(link_escapes("link", "/etc/passwd", false).is_some());
        assert!(link_escapes("link", "..", false).is_some());
        assert_eq!(link_escapes("a/b/hard", "a/x", true), None);
        assert!(link_escapes("a/b/hard", "../x", true).is_some());
    }

    #[test]
    fn normal_form() {
        assert_eq!(normalize("./a//b/../c/"), "a/c");
        assert_eq!(normalize("../../a"), "a");
    }
}
