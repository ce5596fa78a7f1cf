//! Static scanner for machine-learning model artifacts.
//!
//! The scanner identifies formats by content (never by file name), recurses into containers
//! with limits, and runs format readers that **never execute or deserialise** what they read.
//! Broken input never fails a scan: it yields findings (what was detected) and problems (what
//! could not be fully checked).
//!
//! Entry point: [`Scanner::scan_path`] / [`Scanner::scan_bytes`] produce a [`FileReport`].

mod ctx;
mod dispatch;
pub mod formats;
mod limits;
mod policy;
pub mod rules;
mod scanner;
pub mod sniff;
#[doc(hidden)]
pub mod fuzzing;

pub use limits::Limits;
pub use policy::{Policy, SeverityOverride, Waiver, WaiverUse};
pub use rules::{Family, Rule};
pub use scanner::{FileReport, ScanError, Scanner};
pub use sniff::Format;
