//! Keras `.keras` configs and legacy H5 model configs (`KRS`).

pub mod custom_object;
pub mod dangerous_api;
pub mod duplicate_key;
pub mod lambda_bytecode;
pub mod lambda_function;
pub mod module_outside_allowlist;
pub mod safe_mode_disabled;
