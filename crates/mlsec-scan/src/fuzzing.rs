//! Entry points for fuzz targets and property tests: run one reader on arbitrary bytes, with
//! default limits and policy, bypassing format detection. Not a stable API.

use crate::ctx::Ctx;
use crate::formats;
use crate::limits::Limits;
use crate::policy::Policy;
use crate::sniff::Format;

/// The readers that can be driven directly.
pub const READERS: &[&str] = &[
    "any",
    "zip",
    "tar",
    "compressed",
    "sevenzip",
    "pickle",
    "numpy",
    "hdf5",
    "savedmodel",
    "savedmodel-text",
    "torchscript",
    "onnx",
    "gguf",
    "safetensors",
    "json",
    "template",
];

/// Runs the reader `reader` (one of [`READERS`]) on `data`; returns (findings, problems) counts.
pub fn run(reader: &str, data: &[u8]) -> (usize, usize) {
    let limits = Limits {
        max_inflated_bytes: 64 << 20,
        max_member_bytes: 16 << 20,
        ..Limits::default()
    };
    let policy = Policy::default();
    let mut ctx = Ctx::new(&limits, &policy, "fuzz".into());
    match reader {
        "zip" => formats::zip::scan(&mut ctx, data),
        "tar" => formats::tar::scan(&mut ctx, data),
        "compressed" => {
            for f in [
                Format::Gzip,
                Format::Bzip2,
                Format::Xz,
                Format::Lzma,
                Format::Zstd,
                Format::Lz4,
                Format::Zlib,
            ] {
                formats::compressed::scan(&mut ctx, f, data);
            }
        }
        "sevenzip" => formats::sevenzip::scan(&mut ctx, data),
        "pickle" => formats::pickle::scan(&mut ctx, data),
        "numpy" => formats::numpy::scan(&mut ctx, data),
        "hdf5" => formats::hdf5::scan(&mut ctx, data),
        "savedmodel" => formats::savedmodel::scan(&mut ctx, data),
        "torchscript" => {
            formats::torchscript::scan_code(&mut ctx, data);
            formats::torchscript::scan_bytecode(&mut ctx, data);
            formats::torchpackage::scan_source(&mut ctx, data);
        }
        "savedmodel-text" => {
            use formats::textproto::TextKind;
            formats::savedmodel::scan_text(&mut ctx, data, TextKind::SavedModel);
            formats::savedmodel::scan_text(&mut ctx, data, TextKind::GraphDef);
        }
        "onnx" => formats::onnx::scan(&mut ctx, data),
        "gguf" => formats::gguf::scan(&mut ctx, data),
        "safetensors" => formats::safetensors::scan(&mut ctx, data),
        "json" => formats::json::scan(&mut ctx, data),
        "template" => formats::template::scan(&mut ctx, data),
        _ => crate::dispatch::scan(&mut ctx, data),
    }
    (ctx.state.findings.len(), ctx.state.problems.len())
}
