//! GGUF header, metadata and tensor-info checks (`GGF`).

pub mod duplicate_key;
pub mod implausible_count;
pub mod length_out_of_bounds;
pub mod malformed_metadata;
pub mod tensor_info_invalid;
pub mod trailing_data;
