//! hdf5 reader. OWNER: formats.

use crate::ctx::Ctx;

pub(crate) fn scan(ctx: &mut Ctx<'_>, _data: &[u8]) {
    ctx.note_format("hdf5");
}
