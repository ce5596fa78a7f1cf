//! template reader. OWNER: formats.

use crate::ctx::Ctx;

pub(crate) fn sniff(_data: &[u8]) -> bool {
    false
}

pub(crate) fn scan(ctx: &mut Ctx<'_>, _data: &[u8]) {
    ctx.note_format("template");
}
