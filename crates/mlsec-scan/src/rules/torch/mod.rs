//! PyTorch rules (`TRC`): TorchScript archives and `torch.package` archives.

pub mod torch_package_code;
pub mod torch_package_program;
pub mod torchscript_custom_op;
pub mod torchscript_file_access;
pub mod torchscript_program;
