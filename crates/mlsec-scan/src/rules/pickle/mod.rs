//! Rules for pickle streams, wherever they occur (raw pickles, PyTorch, joblib, NumPy).

pub mod broken_stream;
pub mod data_after_stop;
pub mod embedded_code;
pub mod extension_code;
pub mod frame_divergence;
pub mod mutates_imported_object;
pub mod non_allowlisted_callable;
pub mod protocol_anomaly;
pub mod unresolvable_callable;
pub mod unsafe_callable;
