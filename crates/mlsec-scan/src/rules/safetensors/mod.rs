//! safetensors rules (`SFT`).

pub mod duplicate_key;
pub mod header_length;
pub mod header_not_json;
pub mod invalid_entry;
pub mod unaccounted_data;
pub mod zero_size_alias;
