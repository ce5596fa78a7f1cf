#![no_main]
//! Fuzz the TorchScript readers (source lexer and mobile-bytecode string walk): no input may
//! panic, hang or allocate without bound.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mlsec_scan::fuzzing::run("torchscript", data);
});
