//! NumPy `.npy` (object dtypes carry a pickle). OWNER: pickle.

use crate::ctx::Ctx;

pub(crate) fn scan(ctx: &mut Ctx<'_>, _data: &[u8]) {
    ctx.note_format("numpy");
}
