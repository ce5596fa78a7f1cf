#![no_main]
//! Fuzz the GGUF header reader the ML-BOM uses for model-card facts: no input may panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mlsec_sign::fuzzing::run("gguf_header", data);
});
