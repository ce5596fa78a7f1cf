#![no_main]
//! Fuzz the TorchScript readers (source lexer, mobile-bytecode string walk) and the
//! torch.package Python-source reader: no input may panic, hang or allocate without bound.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mlsec_scan::fuzzing::run("torchscript", data);
});
