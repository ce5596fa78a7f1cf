//! Pickle streams: opcode reader and symbolic stack machine. OWNER: pickle.

use crate::ctx::Ctx;

/// Protocol 0/1 pickles have no magic; recognise them by structure.
pub(crate) fn sniff(_data: &[u8]) -> bool {
    false
}

pub(crate) fn scan(ctx: &mut Ctx<'_>, _data: &[u8]) {
    ctx.note_format("pickle");
}
