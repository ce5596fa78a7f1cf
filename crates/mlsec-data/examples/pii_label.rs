//! Labels each row of a `value,column,label` sample with the detector codes mlsec finds, one
//! line per row, and prints the detection time in seconds on stdout (for bench/pii/run.sh).
//!
//! cargo run --release -p mlsec-data --example pii_label -- SAMPLE.csv OUT.txt

use std::io::Write;
use std::path::Path;

use mlsec_data::pii::{Context, detect};
use mlsec_data::{ColumnData, Frame, ReadOptions, Schema};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(sample), Some(out)) = (args.get(1), args.get(2)) else {
        return Err("usage: pii_label SAMPLE.csv OUT.txt".into());
    };
    let schema = Schema::from_toml(
        "[columns.value]\ntype = \"text\"\n[columns.column]\ntype = \"text\"\n[columns.label]\ntype = \"text\"\n",
        "built-in",
    )?;
    let frame = Frame::read(Path::new(sample), &ReadOptions::default(), &schema)?;
    let text = |name: &str| -> Result<Vec<Option<String>>, Box<dyn std::error::Error>> {
        match frame.column(name).map(|c| &c.data) {
            Some(ColumnData::Text(v)) => Ok(v.clone()),
            _ => Err(format!("{sample}: no text column {name:?}").into()),
        }
    };
    let (values, columns) = (text("value")?, text("column")?);
    let started = std::time::Instant::now();
    let mut lines = Vec::with_capacity(values.len());
    for (v, c) in values.iter().zip(&columns) {
        let ctx = Context::for_column(c.as_deref().unwrap_or(""));
        let mut codes: Vec<&str> = detect(v.as_deref().unwrap_or(""), &ctx)
            .into_iter()
            .map(|s| s.code)
            .collect();
        codes.sort_unstable();
        codes.dedup();
        lines.push(codes.join(","));
    }
    let secs = started.elapsed().as_secs_f64();
    let mut f = std::io::BufWriter::new(std::fs::File::create(out)?);
    for l in lines {
        writeln!(f, "{l}")?;
    }
    println!("{secs:.6}");
    Ok(())
}
