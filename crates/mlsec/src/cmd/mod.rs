//! Subcommands that live in their own modules.

pub mod audit;
pub mod registry;
