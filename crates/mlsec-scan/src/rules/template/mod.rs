//! Jinja templates (chat templates) wherever they are found (`TPL`).

pub mod dangerous_call;
pub mod duplicate_key;
pub mod obfuscated_attribute;
pub mod sandbox_escape;
