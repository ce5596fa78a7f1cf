//! Legacy (non-zip) `torch.save` files: five pickles — magic number, protocol version, system
//! info, the object, the list of storage keys — then each storage as an 8-byte element count
//! and its raw bytes. Every pickle is scanned (the payload may sit in any of them, including the
//! magic-number one); the storages are data, checked for size against the storage classes the
//! object pickle names.
//!
//! The older tar layout (torch < 0.4) keeps pickles and raw data interleaved in its `storages`
//! and `tensors` members; when the tar reader hands those members here they are walked the way
//! `torch.serialization.legacy_load` reads them.

use super::vm::{End, Outcome, Summary};
use super::{Streams, broken, callables, trailing};
use crate::ctx::Ctx;
use mlsec_core::ProblemKind;
use std::collections::HashMap;

/// `torch.serialization.MAGIC_NUMBER`.
const MAGIC: i128 = 0x1950A86A20F9469CFC6C;

/// Whether the first pickle of a file returned the legacy torch magic number.
pub(super) fn is_torch_magic(result: &Summary) -> bool {
    *result == Summary::Int(MAGIC)
}

/// One more pickle of a layout; `None` (with the problem recorded) when it does not end in STOP.
fn next_pickle(
    streams: &mut Streams,
    ctx: &mut Ctx<'_>,
    data: &[u8],
    pos: usize,
    what: &str,
) -> Option<Outcome> {
    if pos >= data.len() {
        ctx.problem(
            ProblemKind::Truncated,
            Some(pos as u64),
            format!("the data ends before its {what} pickle"),
        );
        return None;
    }
    let out = streams.one(ctx, data, pos);
    match &out.end {
        End::Stop => Some(out),
        End::Broken(b) => {
            broken(ctx, &out, b, pos);
            None
        }
        End::Limit(m) => {
            ctx.problem(ProblemKind::LimitExceeded, Some(pos as u64), m.clone());
            None
        }
    }
}

/// Scans what follows the magic-number pickle.
pub(super) fn scan_rest(streams: &mut Streams, ctx: &mut Ctx<'_>, data: &[u8], mut pos: usize) {
    let mut outs = Vec::new();
    for what in ["protocol version", "system info", "object", "storage keys"] {
        let Some(out) = next_pickle(streams, ctx, data, pos, what) else {
            return;
        };
        pos = out.next;
        outs.push(out);
    }
    let [_, sys_info, object, keys] = &outs[..] else {
        return;
    };
    let big_endian = matches!(&sys_info.result, Summary::Dict(d)
        if d.iter().any(|(k, v)| k == "little_endian" && *v == Summary::Bool(false)));
    let keys: Option<Vec<&str>> = match &keys.result {
        Summary::Seq(items) => items
            .iter()
            .map(|k| match k {
                Summary::Str(s) => Some(s.as_str()),
                _ => None,
            })
            .collect(),
        _ => None,
    };
    let Some(keys) = keys else {
        ctx.problem(
            ProblemKind::Malformed,
            Some(pos as u64),
            "legacy PyTorch storage keys are not a list of strings; the storage data is not checked",
        );
        return;
    };
    let classes: HashMap<&str, Option<&str>> = object
        .storages
        .iter()
        .map(|s| (s.key.as_str(), s.class.as_deref()))
        .collect();
    for key in keys {
        let Some(class) = classes.get(key) else {
            ctx.problem(
                ProblemKind::Malformed,
                Some(pos as u64),
                format!("storage `{key}` is not named by the object pickle; the storage data from here on is not checked"),
            );
            return;
        };
        let Some(size) = class.and_then(callables::storage_element_size) else {
            ctx.problem(
                ProblemKind::Unsupported,
                Some(pos as u64),
                format!(
                    "storage `{key}` has class `{}` whose element size is unknown; the storage data from here on is not checked",
                    class.unwrap_or("?")
                ),
            );
            return;
        };
        match storage(data, pos, size, big_endian) {
            Ok(end) => pos = end,
            Err(msg) => {
                ctx.problem(
                    ProblemKind::Truncated,
                    Some(pos as u64),
                    format!("storage `{key}` {msg}"),
                );
                return;
            }
        }
    }
    trailing(ctx, data, pos);
}

/// Skips one raw storage (8-byte element count, then the elements) at `pos`; returns its end.
fn storage(data: &[u8], pos: usize, size: u64, big_endian: bool) -> Result<usize, String> {
    let header = data
        .get(pos..pos.saturating_add(8))
        .and_then(|h| <[u8; 8]>::try_from(h).ok())
        .ok_or_else(|| "is truncated before its size".to_string())?;
    let count = if big_endian {
        u64::from_be_bytes(header)
    } else {
        u64::from_le_bytes(header)
    };
    count
        .checked_mul(size)
        .and_then(|n| usize::try_from(n).ok())
        .and_then(|n| (pos + 8).checked_add(n))
        .filter(|&e| e <= data.len())
        .ok_or_else(|| {
            format!("declares {count} elements of {size} bytes, more than the data holds")
        })
}

/// The members of a legacy torch tar whose pickles are interleaved with raw data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TarMember {
    Storages,
    Tensors,
}

impl TarMember {
    /// Recognises the member by its name inside the tar.
    pub(super) fn from_name(name: &str) -> Option<TarMember> {
        match name.rsplit('/').next()? {
            "storages" => Some(TarMember::Storages),
            "tensors" => Some(TarMember::Tensors),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            TarMember::Storages => "storages",
            TarMember::Tensors => "tensors",
        }
    }
}

/// Walks a `storages` or `tensors` member after its first pickle (the record count).
pub(super) fn scan_tar_member(
    streams: &mut Streams,
    ctx: &mut Ctx<'_>,
    data: &[u8],
    mut pos: usize,
    member: TarMember,
    count: u64,
) {
    // Every record takes at least two bytes, so a larger count is malformed, not a loop bound.
    if count > data.len().saturating_sub(pos) as u64 {
        ctx.problem(
            ProblemKind::Malformed,
            Some(pos as u64),
            format!(
                "legacy torch `{}` member declares {count} records, more than its size allows",
                member.name()
            ),
        );
        return;
    }
    for _ in 0..count {
        let Some(out) = next_pickle(streams, ctx, data, pos, "record") else {
            return;
        };
        pos = out.next;
        let fields = match &out.result {
            Summary::Seq(f) => f.as_slice(),
            _ => &[],
        };
        let raw = match member {
            TarMember::Storages => match fields.get(2) {
                Some(Summary::Global(class)) => match callables::storage_element_size(class) {
                    Some(size) => storage(data, pos, size, false),
                    None => Err(format!("has class `{class}` whose element size is unknown")),
                },
                _ => Err("is not (key, location, storage class)".to_string()),
            },
            TarMember::Tensors => tensor_record(data, pos),
        };
        match raw {
            Ok(end) => pos = end,
            Err(msg) => {
                ctx.problem(
                    ProblemKind::Malformed,
                    Some(pos as u64),
                    format!(
                        "legacy torch `{}` record {msg}; the rest is not checked",
                        member.name()
                    ),
                );
                return;
            }
        }
    }
    // `storages` ends with one more pickle: the storage views.
    if member == TarMember::Storages {
        let Some(out) = next_pickle(streams, ctx, data, pos, "storage views") else {
            return;
        };
        pos = out.next;
    }
    trailing(ctx, data, pos);
}

/// A legacy tensor record after its pickle: `ndim` (4 bytes), 4 unused bytes, `ndim` sizes and
/// `ndim` strides (8 bytes each), the storage offset (8 bytes).
fn tensor_record(data: &[u8], pos: usize) -> Result<usize, String> {
    let ndim = data
        .get(pos..pos.saturating_add(4))
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(i32::from_le_bytes)
        .ok_or_else(|| "is truncated before its dimensions".to_string())?;
    let ndim = usize::try_from(ndim)
        .ok()
        .filter(|&n| n <= 64)
        .ok_or_else(|| format!("has {ndim} dimensions"))?;
    let end = pos + 8 + 16 * ndim + 8;
    if end > data.len() {
        return Err("is truncated".to_string());
    }
    Ok(end)
}
