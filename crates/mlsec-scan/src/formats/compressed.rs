//! Single-stream decompressors (gzip, bzip2, xz, lzma, zstd, lz4, zlib). OWNER: containers.

use crate::ctx::Ctx;
use crate::sniff::Format;

/// zlib header: CMF/FLG check bits and deflate method.
pub(crate) fn sniff_zlib(data: &[u8]) -> bool {
    data.len() >= 2
        && data[0] & 0x0f == 8
        && data[0] >> 4 <= 7
        && (u16::from(data[0]) << 8 | u16::from(data[1])) % 31 == 0
}

/// LZMA-alone header: properties byte, dictionary size, then 8 bytes of size.
pub(crate) fn sniff_lzma_alone(data: &[u8]) -> bool {
    data.len() >= 13 && data[0] == 0x5d && data[1..5] == [0, 0, 0x80, 0]
        || (data.len() >= 13 && data[0] == 0x5d && data[1] == 0 && data[2] == 0)
}

pub(crate) fn scan(ctx: &mut Ctx<'_>, format: Format, _data: &[u8]) {
    ctx.note_format(format.as_str());
}
