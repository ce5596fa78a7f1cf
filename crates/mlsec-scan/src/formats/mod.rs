//! Format readers. Each takes the bytes of one element and reports through the scan context;
//! none of them executes or deserialises what it reads into live objects.

pub(crate) mod compressed;
pub(crate) mod general;
pub(crate) mod gguf;
pub(crate) mod hdf5;
pub(crate) mod json;
pub(crate) mod keras;
pub(crate) mod numpy;
pub(crate) mod onnx;
pub mod pickle;
pub(crate) mod protobuf;
pub(crate) mod pysource;
pub(crate) mod safetensors;
pub(crate) mod savedmodel;
pub(crate) mod sevenzip;
pub(crate) mod tar;
pub(crate) mod template;
pub(crate) mod textproto;
pub(crate) mod torchpackage;
pub(crate) mod torchscript;
pub(crate) mod zip;
