#![no_main]
//! Fuzz the PEM key parsers (private PKCS#8/SEC1, public SPKI): no input may panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mlsec_sign::fuzzing::run("pem_private", data);
    let _ = mlsec_sign::fuzzing::run("pem_public", data);
});
