//! TensorFlow SavedModel and GraphDef rules (`TFS`).

pub mod asset_path_escape;
pub mod checkpoint_op_outside_saver;
pub mod debug_dump_op;
pub mod file_access_op;
pub mod print_to_file;
pub mod python_op;
