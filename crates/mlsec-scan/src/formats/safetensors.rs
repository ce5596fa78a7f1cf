//! safetensors reader. OWNER: formats.

use crate::ctx::Ctx;

/// 8-byte little-endian header length followed by a JSON object.
pub(crate) fn sniff(data: &[u8]) -> bool {
    if data.len() < 10 {
        return false;
    }
    let n = u64::from_le_bytes(data[..8].try_into().unwrap_or([0; 8]));
    n >= 2 && n <= (data.len() as u64 - 8) && data[8] == b'{'
}

pub(crate) fn scan(ctx: &mut Ctx<'_>, _data: &[u8]) {
    ctx.note_format("safetensors");
}
