//! Archive and compressed-stream rules: container tricks that make loaders, extractors and
//! scanners see different things, or that attack the machine that unpacks the artifact.

pub mod crc_mismatch;
pub mod data_outside_archive;
pub mod decompression_bomb;
pub mod duplicate_member;
pub mod encrypted_content;
pub mod link_escape;
pub mod path_traversal;
pub mod special_member;
pub mod zip_flags;
pub mod zip_header_mismatch;
