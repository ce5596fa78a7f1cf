#![no_main]
//! Every PII detector on arbitrary text, with and without a column-name hint (byte offsets,
//! UTF-8 boundaries, checksums on odd digits).
use libfuzzer_sys::fuzz_target;
use mlsec_data::pii::{Context, detect};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = detect(&text, &Context::none());
    for col in ["email", "phone", "card", "iban", "ssn", "dob", "address", "name", "ip"] {
        let _ = detect(&text, &Context::for_column(col));
    }
});
