//! ONNX rules (`ONX`).

pub mod contrib_op;
pub mod custom_domain_op;
pub mod external_data_path;
pub mod python_op;
