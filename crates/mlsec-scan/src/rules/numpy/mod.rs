//! Rules for NumPy `.npy` files.

pub mod object_array;
pub mod trailing_data;
