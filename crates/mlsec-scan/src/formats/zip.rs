//! Zip archives, read tolerantly from both local headers and the central directory. OWNER: containers.

use crate::ctx::Ctx;

pub(crate) fn scan(ctx: &mut Ctx<'_>, _data: &[u8]) {
    ctx.note_format("zip");
}
