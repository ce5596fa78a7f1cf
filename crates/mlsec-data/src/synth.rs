//! The seeded synthetic drift dataset of `gen_drift_data.py` (shared drift vectors), regenerated
//! bit for bit: 20 numeric and 5 categorical columns with ten injected drifts, a reference part
//! and a current part, any number of rows, produced chunk by chunk so 10M-row files need little
//! memory.
//!
//! Every value comes from a counter-based SplitMix64 stream:
//! `u64(seed, i) = mix64(seed + (i + 1)·0x9E3779B97F4A7C15)`, uniforms are the top 53 bits,
//! normals are Box–Muller over uniforms `2i` and `2i + 1`, and each column/part/stream has its own
//! seed `mix64(BASE_SEED ^ col << 32 ^ part << 16 ^ stream)`.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema as ArrowSchema};

use crate::schema::{ColumnRole, ColumnType};
use crate::table::{Column, ColumnData, DataError, Format, Frame};

const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
/// The dataset's base seed.
pub const BASE_SEED: u64 = 0x5EED_D81F_7000_0001;

/// SplitMix64's finaliser.
pub fn mix64(z: u64) -> u64 {
    let z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of one column's stream (`part` 0 = reference, 1 = current; `stream` 0 = values,
/// 1 = missing mask).
pub fn stream_seed(col_idx: u64, part: u64, stream: u64) -> u64 {
    mix64(BASE_SEED ^ (col_idx << 32) ^ (part << 16) ^ stream)
}

/// The `i`-th 64-bit output of stream `seed`.
pub fn u64_at(seed: u64, i: u64) -> u64 {
    mix64(seed.wrapping_add((i + 1).wrapping_mul(GAMMA)))
}

/// The `i`-th uniform in `[0, 1)` of stream `seed`.
pub fn uniform(seed: u64, i: u64) -> f64 {
    (u64_at(seed, i) >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
}

/// The `i`-th standard normal of stream `seed` (Box–Muller on uniforms `2i`, `2i + 1`).
pub fn normal(seed: u64, i: u64) -> f64 {
    let u1 = uniform(seed, 2 * i);
    let u2 = uniform(seed, 2 * i + 1);
    (-2.0 * (1.0 - u1).ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// A column's distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    /// Normal(mean, sd).
    Normal(f64, f64),
    /// exp(Normal(mu, sigma)).
    LogNormal(f64, f64),
    /// Uniform(a, b).
    Uniform(f64, f64),
    /// Exponential(rate).
    Exponential(f64),
    /// floor(k · U), an integer column.
    IntUniform(u32),
    /// Labels a, b, c, … drawn with these probabilities.
    Categorical(&'static [f64]),
}

/// One column of the dataset.
#[derive(Debug, Clone, Copy)]
pub struct SynthColumn {
    /// Column name.
    pub name: &'static str,
    /// Reference distribution.
    pub reference: Dist,
    /// Current distribution.
    pub current: Dist,
    /// True when the current part was drawn from a different distribution.
    pub drift_injected: bool,
    /// Missing rate in the reference and the current part.
    pub missing: (f64, f64),
}

use Dist::*;

const fn col(name: &'static str, r: Dist, c: Dist, drift: bool) -> SynthColumn {
    SynthColumn {
        name,
        reference: r,
        current: c,
        drift_injected: drift,
        missing: (0.0, 0.0),
    }
}

/// The 25 columns, in file order.
pub const COLUMNS: [SynthColumn; 25] = [
    col("num_00", Normal(0.0, 1.0), Normal(0.5, 1.0), true),
    col("num_01", Normal(10.0, 2.0), Normal(10.0, 3.0), true),
    col("num_02", Normal(0.0, 1.0), Normal(0.05, 1.0), true),
    col("num_03", LogNormal(0.0, 0.5), LogNormal(0.0, 0.8), true),
    col("num_04", Uniform(0.0, 1.0), Uniform(0.2, 1.2), true),
    col("num_05", Exponential(1.0), Exponential(0.7), true),
    col("num_06", IntUniform(20), IntUniform(30), true),
    col("num_07", Normal(100.0, 15.0), Normal(100.0, 15.0), false),
    col("num_08", Normal(-3.0, 0.5), Normal(-3.0, 0.5), false),
    col("num_09", LogNormal(1.0, 0.3), LogNormal(1.0, 0.3), false),
    col("num_10", Uniform(-5.0, 5.0), Uniform(-5.0, 5.0), false),
    col("num_11", Exponential(2.0), Exponential(2.0), false),
    col("num_12", IntUniform(50), IntUniform(50), false),
    col("num_13", Normal(0.0, 1.0), Normal(0.0, 1.0), false),
    col("num_14", Normal(5.0, 0.1), Normal(5.0, 0.1), false),
    col("num_15", Uniform(0.0, 100.0), Uniform(0.0, 100.0), false),
    col("num_16", Exponential(0.1), Exponential(0.1), false),
    col("num_17", LogNormal(2.0, 1.0), LogNormal(2.0, 1.0), false),
    SynthColumn {
        missing: (0.0, 0.10),
        ..col("num_18", Normal(0.0, 1.0), Normal(0.0, 1.0), false)
    },
    SynthColumn {
        missing: (0.02, 0.02),
        ..col("num_19", Normal(1.0, 1.0), Normal(1.0, 1.0), false)
    },
    col(
        "cat_0",
        Categorical(&[0.4, 0.3, 0.2, 0.1]),
        Categorical(&[0.25, 0.25, 0.25, 0.25]),
        true,
    ),
    col(
        "cat_1",
        Categorical(&[0.5, 0.3, 0.2]),
        Categorical(&[0.45, 0.27, 0.18, 0.0, 0.0, 0.10]),
        true,
    ),
    col(
        "cat_2",
        Categorical(&[0.5, 0.5]),
        Categorical(&[0.52, 0.48]),
        true,
    ),
    col(
        "cat_3",
        Categorical(&[0.2, 0.2, 0.2, 0.2, 0.2]),
        Categorical(&[0.2, 0.2, 0.2, 0.2, 0.2]),
        false,
    ),
    col(
        "cat_4",
        Categorical(&[0.7, 0.2, 0.1]),
        Categorical(&[0.7, 0.2, 0.1]),
        false,
    ),
];

const LABELS: [&str; 6] = ["a", "b", "c", "d", "e", "f"];

/// Values of one column for rows `start .. start + len` of a part.
#[derive(Debug)]
pub enum Values {
    /// A float column; missing = NaN.
    Float(Vec<f64>),
    /// An integer column.
    Int(Vec<i64>),
    /// A label column.
    Label(Vec<&'static str>),
}

/// Generates rows `start .. start + len` of column `idx` in `part` (0 reference, 1 current).
pub fn column_values(idx: usize, part: u64, start: u64, len: usize) -> Values {
    let c = &COLUMNS[idx];
    let dist = if part == 0 { c.reference } else { c.current };
    let s = stream_seed(idx as u64, part, 0);
    let rows = start..start + len as u64;
    let mut v: Vec<f64> = match dist {
        Normal(mu, sd) => rows.map(|i| mu + sd * normal(s, i)).collect(),
        LogNormal(mu, sg) => rows.map(|i| (mu + sg * normal(s, i)).exp()).collect(),
        Uniform(a, b) => rows.map(|i| a + (b - a) * uniform(s, i)).collect(),
        Exponential(rate) => rows.map(|i| -(1.0 - uniform(s, i)).ln() / rate).collect(),
        IntUniform(k) => {
            return Values::Int(
                rows.map(|i| (k as f64 * uniform(s, i)).floor() as i64)
                    .collect(),
            );
        }
        Categorical(p) => {
            let mut cdf = Vec::with_capacity(p.len());
            let mut acc = 0.0;
            for x in p {
                acc += x;
                cdf.push(acc);
            }
            *cdf.last_mut().expect("probabilities") = 1.0;
            return Values::Label(
                rows.map(|i| {
                    let u = uniform(s, i);
                    LABELS[cdf.partition_point(|&c| c <= u).min(LABELS.len() - 1)]
                })
                .collect(),
            );
        }
    };
    let rate = if part == 0 { c.missing.0 } else { c.missing.1 };
    if rate > 0.0 {
        let ms = stream_seed(idx as u64, part, 1);
        for (k, x) in v.iter_mut().enumerate() {
            if uniform(ms, start + k as u64) < rate {
                *x = f64::NAN;
            }
        }
    }
    Values::Float(v)
}

/// The Arrow schema of the dataset files (floats, the integer columns as Int64, labels as text).
pub fn arrow_schema() -> Arc<ArrowSchema> {
    Arc::new(ArrowSchema::new(
        COLUMNS
            .iter()
            .map(|c| {
                let dt = match c.reference {
                    IntUniform(_) => DataType::Int64,
                    Categorical(_) => DataType::Utf8,
                    _ => DataType::Float64,
                };
                Field::new(c.name, dt, true)
            })
            .collect::<Vec<_>>(),
    ))
}

/// Rows `start .. start + len` of a part as a record batch.
pub fn batch(part: u64, start: u64, len: usize) -> RecordBatch {
    let cols: Vec<ArrayRef> = (0..COLUMNS.len())
        .map(|i| -> ArrayRef {
            match column_values(i, part, start, len) {
                Values::Float(v) => Arc::new(Float64Array::from_iter(
                    v.into_iter().map(|x| (!x.is_nan()).then_some(x)),
                )),
                Values::Int(v) => Arc::new(Int64Array::from(v)),
                Values::Label(v) => Arc::new(StringArray::from(v)),
            }
        })
        .collect();
    RecordBatch::try_new(arrow_schema(), cols).expect("schema matches columns")
}

/// A whole part in memory.
pub fn frame(part: u64, rows: usize) -> Frame {
    let columns = (0..COLUMNS.len())
        .map(|i| {
            let (ty, data) = match column_values(i, part, 0, rows) {
                Values::Float(v) => (ColumnType::Numeric, ColumnData::Numeric(v)),
                Values::Int(v) => (
                    ColumnType::Numeric,
                    ColumnData::Numeric(v.into_iter().map(|x| x as f64).collect()),
                ),
                Values::Label(v) => (
                    ColumnType::Categorical,
                    ColumnData::Text(v.into_iter().map(|s| Some(s.to_string())).collect()),
                ),
            };
            Column {
                name: COLUMNS[i].name.to_string(),
                ty,
                role: ColumnRole::Feature,
                data,
            }
        })
        .collect();
    Frame {
        columns,
        rows,
        format: Format::Parquet,
    }
}

/// Output formats for [`write`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SynthFormat {
    /// `reference.csv`, `current.csv`.
    Csv,
    /// `reference.parquet`, `current.parquet` (snappy, 64k-row groups).
    Parquet,
}

/// Writes `rows` rows of both parts to `dir`, 65 536 rows at a time.
pub fn write(dir: &Path, rows: u64, format: SynthFormat) -> Result<(), DataError> {
    const CHUNK: u64 = 65_536;
    std::fs::create_dir_all(dir).map_err(|e| DataError::Io {
        path: dir.display().to_string(),
        source: e,
    })?;
    for (part, name) in [(0u64, "reference"), (1u64, "current")] {
        let ext = match format {
            SynthFormat::Csv => "csv",
            SynthFormat::Parquet => "parquet",
        };
        let path = dir.join(format!("{name}.{ext}"));
        let io = |e: std::io::Error| DataError::Io {
            path: path.display().to_string(),
            source: e,
        };
        let perr = |e: &dyn std::fmt::Display| DataError::Parse {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let file = std::fs::File::create(&path).map_err(io)?;
        match format {
            SynthFormat::Csv => {
                let mut w = arrow_csv::WriterBuilder::new()
                    .with_header(true)
                    .build(std::io::BufWriter::new(file));
                let mut start = 0;
                while start < rows {
                    let len = CHUNK.min(rows - start) as usize;
                    w.write(&batch(part, start, len)).map_err(|e| perr(&e))?;
                    start += len as u64;
                }
            }
            SynthFormat::Parquet => {
                let props = parquet::file::properties::WriterProperties::builder()
                    .set_compression(parquet::basic::Compression::SNAPPY)
                    .set_max_row_group_row_count(Some(CHUNK as usize))
                    .build();
                let mut w = parquet::arrow::ArrowWriter::try_new(file, arrow_schema(), Some(props))
                    .map_err(|e| perr(&e))?;
                let mut start = 0;
                while start < rows {
                    let len = CHUNK.min(rows - start) as usize;
                    w.write(&batch(part, start, len)).map_err(|e| perr(&e))?;
                    start += len as u64;
                }
                w.close().map_err(|e| perr(&e))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_python_generator() {
        // generator_self_check in drift_reference_values.json
        let s = stream_seed(0, 0, 0);
        assert_eq!(s, 16_113_762_450_304_939_239);
        let u: Vec<f64> = (0..3).map(|i| uniform(s, i)).collect();
        assert_eq!(
            u,
            [
                0.218_323_874_131_648_33,
                0.226_143_630_237_661_82,
                0.107_022_295_937_805_99
            ]
        );
        let Values::Float(n0) = column_values(0, 0, 0, 3) else {
            panic!()
        };
        let want = [
            0.104_813_432_014_598_5,
            -0.382_161_187_371_981_24,
            0.435_677_914_724_527_66,
        ];
        for (a, b) in n0.iter().zip(want) {
            assert!((a - b).abs() <= 4.0 * f64::EPSILON * b.abs(), "{a} vs {b}");
        }
        let Values::Int(n6) = column_values(6, 0, 0, 3) else {
            panic!()
        };
        assert_eq!(n6, [12, 11, 16]);
        let Values::Label(c0) = column_values(20, 0, 0, 3) else {
            panic!()
        };
        assert_eq!(c0, ["d", "a", "b"]);
        let Values::Float(c) = column_values(0, 1, 0, 3) else {
            panic!()
        };
        let want = [
            1.487_259_314_385_731_6,
            1.614_782_860_373_235_3,
            0.736_699_848_009_302_7,
        ];
        for (a, b) in c.iter().zip(want) {
            assert!((a - b).abs() <= 4.0 * f64::EPSILON * b.abs(), "{a} vs {b}");
        }
        // chunks agree with one long run
        let Values::Float(whole) = column_values(18, 1, 0, 100) else {
            panic!()
        };
        let Values::Float(tail) = column_values(18, 1, 60, 40) else {
            panic!()
        };
        assert!(
            whole[60..]
                .iter()
                .zip(&tail)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
    }
}
