//! `cargo run --release -p mlsec-data --example poison_bench -- FILE LABEL`: the library call
//! behind `mlsec data poison FILE --label LABEL --format json --top <all>`, as a small binary
//! that builds without the rest of the workspace (used by `bench/poison/run.py --example`).

use mlsec_data::poison::{PoisonConfig, json::RenderOptions, screen};
use mlsec_data::{Frame, ReadOptions, Schema};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, label] = args.as_slice() else {
        return Err("usage: poison_bench FILE LABEL".into());
    };
    let frame = Frame::read(
        std::path::Path::new(file),
        &ReadOptions::default(),
        &Schema::default(),
    )?;
    let report = screen(&frame, label, &PoisonConfig::default())?;
    let doc = report.to_json(&RenderOptions {
        file: file.clone(),
        threshold: 0.05,
        top: usize::MAX,
    });
    println!("{}", serde_json::to_string(&doc)?);
    Ok(())
}
