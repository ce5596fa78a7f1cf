//! Resource limits. Reaching one ends that part of the scan with a
//! [`ProblemKind::LimitExceeded`](mlsec_core::ProblemKind::LimitExceeded) problem: never with "clean".

/// Limits on what one scanned file may cost. The defaults suit multi-GB checkpoints while
/// stopping decompression bombs and pathological nesting.
#[derive(Debug, Clone)]
pub struct Limits {
    /// How many containers deep to recurse (zip in tar in gzip ... ).
    pub max_depth: u32,
    /// Entries (archive members) across the whole file.
    pub max_entries: u64,
    /// Bytes produced by decompression across the whole file.
    pub max_inflated_bytes: u64,
    /// Largest single decompressed member held in memory.
    pub max_member_bytes: u64,
    /// Largest inflated/compressed ratio accepted for a member over 1 MiB.
    pub max_ratio: u64,
    /// Pickle opcodes executed symbolically per pickle stream.
    pub max_pickle_ops: u64,
    /// Pickles nested inside pickles (bytes passed to `pickle.loads`) followed.
    pub max_nested_pickles: u32,
    /// Largest header (safetensors JSON, GGUF metadata, npy header) read.
    pub max_header_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: 10,
            max_entries: 100_000,
            max_inflated_bytes: 8 << 30,
            max_member_bytes: 2 << 30,
            max_ratio: 1_000,
            max_pickle_ops: 50_000_000,
            max_nested_pickles: 16,
            max_header_bytes: 100 << 20,
        }
    }
}
