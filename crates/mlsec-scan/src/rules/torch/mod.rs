//! PyTorch rules (`TRC`): TorchScript archives.

pub mod torchscript_custom_op;
pub mod torchscript_file_access;
pub mod torchscript_program;
