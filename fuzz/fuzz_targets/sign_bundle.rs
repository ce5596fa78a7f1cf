#![no_main]
//! Fuzz the Sigstore bundle parser (JSON, base64): no input may panic, hang or allocate without bound.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mlsec_sign::fuzzing::run("bundle", data);
});
