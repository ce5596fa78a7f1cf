//! 7-Zip archives. OWNER: containers.

use crate::ctx::Ctx;

pub(crate) fn scan(ctx: &mut Ctx<'_>, _data: &[u8]) {
    ctx.note_format("7z");
}
