//! Tar archives. OWNER: containers.

use crate::ctx::Ctx;

pub(crate) fn sniff(data: &[u8]) -> bool {
    data.len() >= 512 && &data[257..262] == b"ustar"
}

pub(crate) fn scan(ctx: &mut Ctx<'_>, _data: &[u8]) {
    ctx.note_format("tar");
}
