#![no_main]
//! Fuzz the text-format SavedModel / GraphDef reader (protobuf text → wire transcoder and the
//! SavedModel checks behind it): no input may panic, hang or allocate without bound.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mlsec_scan::fuzzing::run("savedmodel-text", data);
});
