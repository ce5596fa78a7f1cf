#![no_main]
//! Fuzz X.509 DER parsing and chain building: no input may panic, hang or allocate without bound.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mlsec_sign::fuzzing::run("cert_chain", data);
});
