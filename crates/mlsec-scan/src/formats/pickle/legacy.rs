//! Legacy (non-zip) `torch.save` files: five pickles — magic number, protocol version, system
//! info, the object, the list of storage keys — then each storage as an 8-byte element count
//! and its raw bytes. Every pickle is scanned (the payload may sit in any of them, including the
//! magic-number one); the storages are data, checked for size against the storage classes the
//! object pickle names.

use super::vm::{End, Summary};
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

/// Scans what follows the magic-number pickle.
pub(super) fn scan_rest(streams: &mut Streams, ctx: &mut Ctx<'_>, data: &[u8], mut pos: usize) {
    let mut outs = Vec::new();
    for what in ["protocol version", "system info", "object", "storage keys"] {
        if pos >= data.len() {
            ctx.problem(
                ProblemKind::Truncated,
                Some(pos as u64),
                format!("legacy PyTorch file ends before its {what} pickle"),
            );
            return;
        }
        let out = streams.one(ctx, data, pos);
        match &out.end {
            End::Stop => pos = out.next,
            End::Broken(b) => {
                broken(ctx, &out, b, pos);
                return;
            }
            End::Limit(m) => {
                ctx.problem(ProblemKind::LimitExceeded, Some(pos as u64), m.clone());
                return;
            }
        }
        outs.push(out);
    }
    let [_, sys_info, object, keys] = &outs[..] else {
        return;
    };
    let big_endian = matches!(&sys_info.result, Summary::Dict(d) if d.iter().any(|(k, v)| k == "little_endian" && *v == Summary::Bool(false)));
    let Summary::Strings(keys) = &keys.result else {
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
        let Some(class) = classes.get(key.as_str()) else {
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
        let Some(header) = data
            .get(pos..pos.saturating_add(8))
            .and_then(|h| <[u8; 8]>::try_from(h).ok())
        else {
            ctx.problem(
                ProblemKind::Truncated,
                Some(pos as u64),
                format!("storage `{key}` is truncated before its size"),
            );
            return;
        };
        let count = if big_endian {
            u64::from_be_bytes(header)
        } else {
            u64::from_le_bytes(header)
        };
        let end = count
            .checked_mul(size)
            .and_then(|n| usize::try_from(n).ok())
            .and_then(|n| (pos + 8).checked_add(n))
            .filter(|&e| e <= data.len());
        let Some(end) = end else {
            ctx.problem(
                ProblemKind::Truncated,
                Some(pos as u64),
                format!("storage `{key}` declares {count} elements of {size} bytes, more than the file holds"),
            );
            return;
        };
        pos = end;
    }
    trailing(ctx, data, pos);
}
