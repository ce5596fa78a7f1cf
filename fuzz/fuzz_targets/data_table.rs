#![no_main]
//! The dataset readers (CSV/TSV, JSON Lines, Parquet, sniffed from content) on arbitrary bytes,
//! through a file as the commands read them; at most 10,000 rows are materialised.
use libfuzzer_sys::fuzz_target;
use mlsec_data::{Frame, ReadOptions, Schema};

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("mlsec-fuzz-table-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("input.data");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let opts = ReadOptions {
        max_rows: Some(10_000),
        batch_rows: 1024,
        infer_rows: 1000,
        ..Default::default()
    };
    let _ = Frame::read(&path, &opts, &Schema::default());
});
