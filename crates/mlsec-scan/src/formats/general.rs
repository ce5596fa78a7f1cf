//! Checks that apply whatever the format: a name that lies about the content.

use crate::ctx::Ctx;
use crate::rules::general::disguised_format;
use crate::sniff::Format;

/// Extensions that promise a format which cannot carry code (or a specific other format).
const CLAIMS: &[(&str, &[Format])] = &[
    ("safetensors", &[Format::Safetensors]),
    ("onnx", &[Format::Onnx]),
    ("gguf", &[Format::Gguf]),
    ("npy", &[Format::Numpy]),
    ("json", &[Format::Json]),
    ("txt", &[Format::Unknown, Format::Template, Format::Json]),
    ("md", &[Format::Unknown, Format::Template]),
    ("h5", &[Format::Hdf5]),
    ("hdf5", &[Format::Hdf5]),
    ("png", &[Format::Unknown]),
    ("jpg", &[Format::Unknown]),
    ("csv", &[Format::Unknown]),
];

/// Reports a file whose extension promises a format while the bytes carry code.
pub(crate) fn check_name(ctx: &mut Ctx<'_>, format: Format, _data: &[u8]) {
    if !format.can_carry_code() {
        return;
    }
    let name = ctx.name().rsplit(['/', '\\']).next().unwrap_or("").to_ascii_lowercase();
    let Some((_, ext)) = name.rsplit_once('.') else { return };
    if let Some((claimed, allowed)) = CLAIMS.iter().find(|(e, _)| *e == ext) {
        if !allowed.contains(&format) {
            ctx.report(
                &disguised_format::RULE,
                Some(0),
                format!("named `.{claimed}` but the content is {}", format.as_str()),
                Some(format!("{} as .{claimed}", format.as_str())),
            );
        }
    }
}
