#![no_main]
//! Fuzz bundle signature verification up to the statement: no input may panic, hang or allocate without bound.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mlsec_sign::fuzzing::run("verify_bundle", data);
});
