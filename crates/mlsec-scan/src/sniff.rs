//! Format identification by content. File names are never consulted here.

use crate::formats;

/// A format the scanner recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Zip archive (PyTorch `.pt`, `.keras`, `.npz`, plain zip).
    Zip,
    /// POSIX / GNU / v7 tar.
    Tar,
    /// gzip stream.
    Gzip,
    /// bzip2 stream.
    Bzip2,
    /// xz stream.
    Xz,
    /// Legacy `.lzma` (LZMA-alone) stream, as joblib writes it.
    Lzma,
    /// Zstandard frame.
    Zstd,
    /// LZ4 frame.
    Lz4,
    /// zlib stream (joblib's default compressor).
    Zlib,
    /// 7-Zip archive.
    SevenZip,
    /// Pickle stream (any protocol), including legacy PyTorch and joblib files.
    Pickle,
    /// NumPy `.npy`.
    Numpy,
    /// HDF5 (Keras legacy H5).
    Hdf5,
    /// TensorFlow SavedModel protobuf (`saved_model.pb`) or a bare GraphDef.
    SavedModel,
    /// ONNX ModelProto.
    Onnx,
    /// GGUF.
    Gguf,
    /// safetensors.
    Safetensors,
    /// JSON document (Keras config, tokenizer config, ...).
    Json,
    /// Text that holds a Jinja template.
    Template,
    /// Not a format the scanner knows.
    Unknown,
}

impl Format {
    /// The lowercase name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Zip => "zip",
            Format::Tar => "tar",
            Format::Gzip => "gzip",
            Format::Bzip2 => "bzip2",
            Format::Xz => "xz",
            Format::Lzma => "lzma",
            Format::Zstd => "zstd",
            Format::Lz4 => "lz4",
            Format::Zlib => "zlib",
            Format::SevenZip => "7z",
            Format::Pickle => "pickle",
            Format::Numpy => "numpy",
            Format::Hdf5 => "hdf5",
            Format::SavedModel => "tf-savedmodel",
            Format::Onnx => "onnx",
            Format::Gguf => "gguf",
            Format::Safetensors => "safetensors",
            Format::Json => "json",
            Format::Template => "template",
            Format::Unknown => "unknown",
        }
    }

    /// Formats that can carry code which runs when the artifact is loaded.
    pub fn can_carry_code(self) -> bool {
        matches!(
            self,
            Format::Pickle | Format::Zip | Format::Tar | Format::SevenZip
        ) || self.is_compressed_stream()
    }

    /// Single-stream compressors.
    pub fn is_compressed_stream(self) -> bool {
        matches!(
            self,
            Format::Gzip
                | Format::Bzip2
                | Format::Xz
                | Format::Lzma
                | Format::Zstd
                | Format::Lz4
                | Format::Zlib
        )
    }
}

/// Identifies the format of `data` by magic bytes and structure.
pub fn detect(data: &[u8]) -> Format {
    let starts = |m: &[u8]| data.starts_with(m);
    if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") || starts(b"PK\x07\x08") {
        return Format::Zip;
    }
    // A zip whose end record is intact but whose start is something else (prepended data,
    // self-extracting stubs, pickle+zip polyglots): Python's `zipfile` opens it, so it is read
    // as a zip, and the zip reader scans the leading bytes by content as well.
    if formats::zip::sniff_tail(data) {
        return Format::Zip;
    }
    if starts(b"\x1f\x8b") {
        return Format::Gzip;
    }
    // A block header, or the end-of-stream marker of an empty stream.
    if data.len() >= 10
        && starts(b"BZh")
        && (b'1'..=b'9').contains(&data[3])
        && (data[4..10] == *b"\x31\x41\x59\x26\x53\x59"
            || data[4..10] == *b"\x17\x72\x45\x38\x50\x90")
    {
        return Format::Bzip2;
    }
    if starts(b"\xfd7zXZ\x00") {
        return Format::Xz;
    }
    if starts(b"\x28\xb5\x2f\xfd") {
        return Format::Zstd;
    }
    if starts(b"\x04\x22\x4d\x18") {
        return Format::Lz4;
    }
    if starts(b"7z\xbc\xaf\x27\x1c") {
        return Format::SevenZip;
    }
    if starts(b"\x93NUMPY") {
        return Format::Numpy;
    }
    // HDF5 allows a user block before the superblock (at 512, 1024, 2048, … bytes).
    if formats::hdf5::superblock_offset(data).is_some() {
        return Format::Hdf5;
    }
    if starts(b"GGUF") {
        return Format::Gguf;
    }
    if formats::safetensors::sniff(data) {
        return Format::Safetensors;
    }
    if data.len() >= 2 && data[0] == 0x80 && (2..=5).contains(&data[1]) {
        return Format::Pickle;
    }
    if formats::tar::sniff(data) {
        return Format::Tar;
    }
    // Before the two-byte zlib check: a protocol-0 pickle starting `(S'` is also a valid zlib
    // header, and the pickle check is structural, so it does not claim real zlib streams.
    if formats::pickle::sniff(data) {
        return Format::Pickle;
    }
    if formats::compressed::sniff_zlib(data) {
        return Format::Zlib;
    }
    if formats::compressed::sniff_lzma_alone(data) {
        return Format::Lzma;
    }
    if formats::json::sniff(data) {
        return Format::Json;
    }
    if formats::onnx::sniff(data) {
        return Format::Onnx;
    }
    if formats::savedmodel::sniff(data) {
        return Format::SavedModel;
    }
    if formats::template::sniff(data) {
        return Format::Template;
    }
    Format::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes() {
        assert_eq!(detect(b"PK\x03\x04rest"), Format::Zip);
        assert_eq!(detect(b"\x1f\x8b\x08\x00"), Format::Gzip);
        assert_eq!(detect(b"\x80\x04\x95"), Format::Pickle);
        assert_eq!(detect(b"\x93NUMPY\x01\x00"), Format::Numpy);
        assert_eq!(detect(b"GGUF\x03\x00\x00\x00"), Format::Gguf);
        assert_eq!(detect(b""), Format::Unknown);
        // `(S` is a valid zlib header too; the pickle wins because it is checked structurally.
        assert_eq!(detect(b"(S'echo'\niposix\nsystem\n."), Format::Pickle);
    }
}
