//! Tar archives (ustar, GNU, pax, v7), read with our own tolerant parser that follows Python's
//! `tarfile` (what `torch.load` uses for legacy tar checkpoints and what most extraction code
//! runs): GNU long names (`L`/`K`), pax headers (`x` local, `g` global) with `path`,
//! `linkpath` and `size`, header checksums, and data skipped only for regular members.
//!
//! Regular members are scanned by content as borrowed slices. Paths and link targets that
//! leave the extraction directory, members written through symlinks, device nodes and FIFOs,
//! duplicates and data after the end-of-archive marker are reported.

use crate::ctx::Ctx;
use crate::formats::zip::paths;
use crate::rules::archive::{data_outside_archive, duplicate_member, link_escape, special_member};
use mlsec_core::{Confidence, ProblemKind, Severity};
use std::collections::HashMap;

const BLOCK: usize = 512;
/// Longest GNU long name or pax value kept; longer ones are cut (and reported).
const MAX_NAME: usize = 64 << 10;

/// A tar header: the first 512-byte block has a valid checksum (how v7 archives without the
/// `ustar` magic are recognised), or carries the `ustar` magic.
pub(crate) fn sniff(data: &[u8]) -> bool {
    data.get(..BLOCK)
        .is_some_and(|h| checksum_ok(h) || &h[257..262] == b"ustar")
}

/// Python's `nti`: base-256 when the first byte has the high bit, else octal up to the first
/// NUL, surrounding whitespace ignored, empty meaning 0.
fn number(field: &[u8]) -> Option<u64> {
    match field.first() {
        Some(0x80) | Some(0xff) => {
            if field[0] == 0xff {
                return None; // negative: no valid size or checksum
            }
            let mut n: u64 = 0;
            for &b in &field[1..] {
                n = n.checked_mul(256)?.checked_add(u64::from(b))?;
            }
            Some(n)
        }
        _ => {
            let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
            let text = std::str::from_utf8(&field[..end]).ok()?.trim();
            if text.is_empty() {
                return Some(0);
            }
            u64::from_str_radix(text, 8).ok()
        }
    }
}

/// The header checksum, accepting the unsigned sum and the signed one some old tars wrote.
fn checksum_ok(h: &[u8]) -> bool {
    let Some(stored) = number(&h[148..156]) else {
        return false;
    };
    let mut unsigned: u64 = 0;
    let mut signed: i64 = 0;
    for (i, &b) in h[..BLOCK].iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += u64::from(b);
        signed += i64::from(b as i8);
    }
    stored == unsigned || i64::try_from(stored).is_ok_and(|s| s == signed)
}

/// A NUL-terminated field as text.
fn text(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// Values that override the next header's (GNU long names and pax records).
#[derive(Debug, Default, Clone)]
struct Overrides {
    path: Option<String>,
    linkpath: Option<String>,
    size: Option<u64>,
    sparse: bool,
}

impl Overrides {
    fn merge_from(&mut self, other: &Overrides) {
        if other.path.is_some() {
            self.path.clone_from(&other.path);
        }
        if other.linkpath.is_some() {
            self.linkpath.clone_from(&other.linkpath);
        }
        if other.size.is_some() {
            self.size = other.size;
        }
        self.sparse |= other.sparse;
    }
}

/// Parses pax records (`"%d %s=%s\n"`); malformed records end the parse (with `false`).
fn pax_records(body: &[u8], into: &mut Overrides) -> bool {
    let mut p = 0usize;
    while p < body.len() {
        if body[p] == 0 {
            return true; // padding
        }
        let Some(space) = body[p..].iter().position(|&b| b == b' ') else {
            return false;
        };
        let Some(len) = std::str::from_utf8(&body[p..p + space])
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
        else {
            return false;
        };
        let Some(record) = body
            .get(p..p.saturating_add(len))
            .filter(|_| len > space + 1)
        else {
            return false;
        };
        let Some(kv) = record[space + 1..].strip_suffix(b"\n") else {
            return false;
        };
        let Some(eq) = kv.iter().position(|&b| b == b'=') else {
            return false;
        };
        let (key, value) = (&kv[..eq], &kv[eq + 1..]);
        let value_text =
            || String::from_utf8_lossy(&value[..value.len().min(MAX_NAME)]).into_owned();
        match key {
            b"path" => into.path = Some(value_text()),
            b"linkpath" => into.linkpath = Some(value_text()),
            b"size" => {
                into.size = std::str::from_utf8(value)
                    .ok()
                    .and_then(|s| s.trim().parse().ok())
            }
            k if k.starts_with(b"GNU.sparse.") => into.sparse = true,
            _ => {}
        }
        p += len;
    }
    true
}

fn round_up(n: u64) -> Option<u64> {
    n.checked_add(BLOCK as u64 - 1)
        .map(|x| x / BLOCK as u64 * BLOCK as u64)
}

/// Scans a tar archive.
pub(crate) fn scan(ctx: &mut Ctx<'_>, data: &[u8]) {
    ctx.note_format("tar");
    let mut pos = 0usize;
    let mut global = Overrides::default();
    let mut local = Overrides::default();
    // Symlink paths (normalised) and whether each leaves the extraction directory.
    let mut symlinks: HashMap<String, bool> = HashMap::new();
    // Regular member names (normalised): how often, and where first seen.
    let mut names: HashMap<String, (usize, usize, String)> = HashMap::new();
    loop {
        let Some(block) = data.get(pos..pos + BLOCK) else {
            if data[pos.min(data.len())..].iter().any(|&b| b != 0) {
                ctx.problem(
                    ProblemKind::Truncated,
                    Some(pos as u64),
                    format!("the archive ends inside a header at offset {pos}"),
                );
            }
            break;
        };
        if block.iter().all(|&b| b == 0) {
            end_of_archive(ctx, data, pos);
            break;
        }
        if !checksum_ok(block) {
            ctx.problem(
                ProblemKind::Malformed,
                Some(pos as u64),
                format!("tar header at offset {pos} has a bad checksum; the rest of the archive is not read"),
            );
            break;
        }
        if !ctx.charge_entry() {
            break;
        }
        let typeflag = block[156];
        let Some(header_size) = number(&block[124..136]) else {
            ctx.problem(
                ProblemKind::Malformed,
                Some(pos as u64),
                format!("tar header at offset {pos} has an invalid size"),
            );
            break;
        };
        let data_start = pos + BLOCK;
        match typeflag {
            b'L' | b'K' | b'x' | b'g' => {
                let Some(body) = member_data(ctx, data, data_start, header_size, "extended header")
                else {
                    break;
                };
                match typeflag {
                    b'L' => local.path = Some(long_name(ctx, body, pos)),
                    b'K' => local.linkpath = Some(long_name(ctx, body, pos)),
                    b'x' | b'g' => {
                        let mut o = Overrides::default();
                        if !pax_records(body, &mut o) {
                            ctx.problem(
                                ProblemKind::Malformed,
                                Some(pos as u64),
                                format!("pax header at offset {pos} is malformed"),
                            );
                        }
                        if typeflag == b'g' {
                            global.merge_from(&o)
                        } else {
                            local.merge_from(&o)
                        }
                    }
                    _ => {}
                }
                match next_header(data_start, header_size) {
                    Some(n) => pos = n,
                    None => break,
                }
                continue;
            }
            _ => {}
        }

        let mut eff = global.clone();
        eff.merge_from(&std::mem::take(&mut local));
        let posix = &block[257..263] == b"ustar\x0000";
        let name = eff.path.clone().unwrap_or_else(|| {
            let name = text(&block[..100]);
            let prefix = if posix {
                text(&block[345..500])
            } else {
                String::new()
            };
            if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            }
        });
        let link = eff
            .linkpath
            .clone()
            .unwrap_or_else(|| text(&block[157..257]));
        let size = eff.size.unwrap_or(header_size);
        let at = Some(pos as u64);
        let is_dir = typeflag == b'5' || (typeflag == 0 && name.ends_with('/'));
        // Python's tarfile skips data only for regular and unknown member types.
        let has_data = !is_dir && !matches!(typeflag, b'1' | b'2' | b'3' | b'4' | b'6');

        paths::report(ctx, &name, at, "tar");
        check_write_through(ctx, &symlinks, &name, at);
        match typeflag {
            b'1' | b'2' => {
                let symbolic = typeflag == b'2';
                let escape = paths::link_escapes(&name, &link, !symbolic);
                if let Some(why) = escape {
                    ctx.report(
                        &link_escape::RULE,
                        at,
                        format!(
                            "{} `{}` -> `{}`: {why}",
                            if symbolic { "symlink" } else { "hardlink" },
                            name.escape_debug(),
                            link.escape_debug()
                        ),
                        Some(format!(
                            "{} -> {}",
                            name.escape_debug(),
                            link.escape_debug()
                        )),
                    );
                }
                if symbolic {
                    symlinks.insert(paths::normalize(&name), escape.is_some());
                }
            }
            b'3' | b'4' | b'6' => {
                let kind = match typeflag {
                    b'3' => "character device",
                    b'4' => "block device",
                    _ => "FIFO",
                };
                ctx.report(
                    &special_member::RULE,
                    at,
                    format!("`{}` is a {kind}", name.escape_debug()),
                    Some(format!("{kind} {}", name.escape_debug())),
                );
            }
            b'S' => ctx.problem(
                ProblemKind::Unsupported,
                at,
                format!("`{name}` is a GNU sparse member; not scanned"),
            ),
            b'M' => ctx.problem(
                ProblemKind::Unsupported,
                at,
                format!("`{name}` continues a multi-volume archive; not scanned"),
            ),
            b'V' | b'D' | b'5' => {}
            _ if is_dir => {}
            _ if eff.sparse => ctx.problem(
                ProblemKind::Unsupported,
                at,
                format!("`{name}` is a pax sparse member; not scanned"),
            ),
            _ => {
                let key = paths::normalize(&name);
                let seen = names.entry(key).or_insert((0, pos, name.clone()));
                seen.0 += 1;
                if let Some(content) = member_data(ctx, data, data_start, size, &name) {
                    ctx.scan_member(&name, content);
                }
            }
        }
        let next = if has_data {
            next_header(data_start, size)
        } else {
            Some(data_start)
        };
        match next {
            Some(n) if n > pos => pos = n,
            _ => break,
        }
    }
    for (count, first, name) in names.into_values() {
        if count > 1 {
            ctx.report(
                &duplicate_member::RULE,
                Some(first as u64),
                format!(
                    "`{}` appears {count} times; extractors keep the last copy (all are scanned)",
                    name.escape_debug()
                ),
                Some(name.escape_debug().to_string()),
            );
        }
    }
}

fn next_header(data_start: usize, size: u64) -> Option<usize> {
    round_up(size)
        .and_then(|s| usize::try_from(s).ok())
        .and_then(|s| data_start.checked_add(s))
}

/// A member's data, or what is left of it (with a problem) when the archive is cut short.
fn member_data<'d>(
    ctx: &mut Ctx<'_>,
    data: &'d [u8],
    start: usize,
    size: u64,
    what: &str,
) -> Option<&'d [u8]> {
    let avail = data.len().saturating_sub(start);
    let want = usize::try_from(size).unwrap_or(usize::MAX);
    if want > avail {
        ctx.problem(
            ProblemKind::Truncated,
            Some(start as u64),
            format!("`{what}` declares {size} bytes but the archive ends {avail} bytes into it"),
        );
    }
    data.get(start..start + want.min(avail))
}

fn long_name(ctx: &mut Ctx<'_>, body: &[u8], pos: usize) -> String {
    if body.len() > MAX_NAME {
        ctx.problem(
            ProblemKind::LimitExceeded,
            Some(pos as u64),
            format!("long name at offset {pos} exceeds {MAX_NAME} bytes; cut"),
        );
    }
    text(&body[..body.len().min(MAX_NAME)])
}

/// Reports a member whose path goes through an earlier symlink member.
fn check_write_through(
    ctx: &mut Ctx<'_>,
    symlinks: &HashMap<String, bool>,
    name: &str,
    at: Option<u64>,
) {
    if symlinks.is_empty() {
        return;
    }
    let norm = paths::normalize(name);
    for (i, _) in norm.match_indices('/') {
        let dir = &norm[..i];
        if let Some(&escapes) = symlinks.get(dir) {
            let (severity, why) = if escapes {
                (
                    Severity::Critical,
                    "a link that leaves the extraction directory",
                )
            } else {
                (Severity::Medium, "a link")
            };
            ctx.report_with(
                &link_escape::RULE,
                severity,
                Confidence::High,
                at,
                format!(
                    "`{}` is written through `{dir}`, {why}",
                    name.escape_debug()
                ),
                Some(format!("{} via {dir}", name.escape_debug())),
            );
            return;
        }
    }
}

/// After the end-of-archive marker: readers that skip zero blocks (`tar -i`, `ignore_zeros`)
/// still see whatever follows, so non-zero bytes there are reported and scanned.
fn end_of_archive(ctx: &mut Ctx<'_>, data: &[u8], pos: usize) {
    let rest = &data[pos..];
    let Some(first) = rest.iter().position(|&b| b != 0) else {
        return;
    };
    let from = pos + first / BLOCK * BLOCK;
    ctx.report(
        &data_outside_archive::RULE,
        Some(from as u64),
        format!(
            "{} bytes follow the tar end-of-archive marker",
            data.len() - from
        ),
        Some(format!("{} trailing bytes", data.len() - from)),
    );
    ctx.scan_member("<trailing>", &data[from..]);
}

#[cfg(test)]
mod tests;
