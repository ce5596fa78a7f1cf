//! Routes bytes to the reader for their format.

use crate::ctx::Ctx;
use crate::formats;
use crate::sniff::{self, Format};

/// Identifies `data` by content and runs the matching reader on it.
pub(crate) fn scan(ctx: &mut Ctx<'_>, data: &[u8]) {
    let format = sniff::detect(data);
    formats::general::check_name(ctx, format, data);
    match format {
        Format::Zip => formats::zip::scan(ctx, data),
        Format::Tar => formats::tar::scan(ctx, data),
        Format::Gzip
        | Format::Bzip2
        | Format::Xz
        | Format::Lzma
        | Format::Zstd
        | Format::Lz4
        | Format::Zlib => formats::compressed::scan(ctx, format, data),
        Format::SevenZip => formats::sevenzip::scan(ctx, data),
        Format::Pickle => formats::pickle::scan(ctx, data),
        Format::Numpy => formats::numpy::scan(ctx, data),
        Format::Hdf5 => formats::hdf5::scan(ctx, data),
        Format::SavedModel => formats::savedmodel::scan(ctx, data),
        Format::Onnx => formats::onnx::scan(ctx, data),
        Format::Gguf => formats::gguf::scan(ctx, data),
        Format::Safetensors => formats::safetensors::scan(ctx, data),
        Format::Json => formats::json::scan(ctx, data),
        Format::Template => formats::template::scan(ctx, data),
        Format::Unknown => ctx.note_format("unknown"),
    }
}
