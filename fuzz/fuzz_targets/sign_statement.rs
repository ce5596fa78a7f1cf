#![no_main]
//! Fuzz the in-toto statement / OMS predicate parser: no input may panic, hang or allocate without bound.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mlsec_sign::fuzzing::run("statement", data);
});
