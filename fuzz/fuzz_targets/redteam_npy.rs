#![no_main]
//! The red-team `.npy` reader (features and labels).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mlsec_redteam::dataset::parse_npy(data);
});
