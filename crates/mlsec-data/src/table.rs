//! Tabular readers: CSV, JSON Lines and Parquet as a stream of Arrow record batches, plus a
//! materialised [`Frame`] for analyses that need every row at once.
//!
//! The format is decided by content first (Parquet's `PAR1` magic, a leading `{` for JSON Lines)
//! and by extension only to tell CSV from TSV. CSV and JSON schemas are inferred from the first
//! [`ReadOptions::infer_rows`] records; integer columns are widened to `Float64` so that a float
//! later in the file does not break the read, and a [`Schema`] can force any column to text.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchReader, StringArray};
use arrow_cast::cast;
use arrow_schema::{ArrowError, DataType, Field, Schema as ArrowSchema, SchemaRef, TimeUnit};

use crate::schema::{ColumnRole, ColumnType, Schema};

/// Why a dataset could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The content is not valid for its format.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What was wrong, with the column and row where known.
        message: String,
    },
    /// A schema file is invalid.
    #[error("schema {0}")]
    Schema(String),
    /// A limit was hit (columns, rows, line length …).
    #[error("{path}: {message}")]
    Limit {
        /// The file.
        path: String,
        /// Which limit.
        message: String,
    },
}

/// A tabular file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma- (or otherwise) separated values with a header row.
    Csv {
        /// The field delimiter.
        delimiter: u8,
    },
    /// One JSON object per line.
    JsonLines,
    /// Apache Parquet.
    Parquet,
}

impl Format {
    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv { delimiter: b'\t' } => "tsv",
            Format::Csv { .. } => "csv",
            Format::JsonLines => "jsonl",
            Format::Parquet => "parquet",
        }
    }
}

/// Limits and knobs for reading.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Rows per record batch (memory per step is about this times the row width).
    pub batch_rows: usize,
    /// Records read to infer a CSV / JSON schema.
    pub infer_rows: usize,
    /// More columns than this is refused.
    pub max_columns: usize,
    /// Stop after this many rows (`None`: read everything).
    pub max_rows: Option<u64>,
    /// Force a format instead of detecting it.
    pub format: Option<Format>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            batch_rows: 8_192,
            infer_rows: 100_000,
            max_columns: 10_000,
            max_rows: None,
            format: None,
        }
    }
}

fn io_err(path: &Path, source: std::io::Error) -> DataError {
    DataError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn parse_err(path: &Path, e: impl std::fmt::Display) -> DataError {
    DataError::Parse {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Decides the format of `path` from its first bytes (and its extension for the delimiter).
pub fn detect_format(path: &Path) -> Result<Format, DataError> {
    let mut f = File::open(path).map_err(|e| io_err(path, e))?;
    let mut head = vec![0u8; 64 * 1024];
    let mut n = 0;
    while n < head.len() {
        let k = f.read(&mut head[n..]).map_err(|e| io_err(path, e))?;
        if k == 0 {
            break;
        }
        n += k;
    }
    head.truncate(n);
    if head.starts_with(b"PAR1") {
        return Ok(Format::Parquet);
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    let first = text.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        return Ok(Format::JsonLines);
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if ext.as_deref() == Some("tsv") || ext.as_deref() == Some("tab") {
        return Ok(Format::Csv { delimiter: b'\t' });
    }
    // Sniff the delimiter from the header line: the candidate that splits it most.
    let line_end = text.iter().position(|&b| b == b'\n').unwrap_or(text.len());
    let header = &text[..line_end];
    let delimiter = [b',', b'\t', b';', b'|']
        .into_iter()
        .max_by_key(|d| (header.iter().filter(|b| *b == d).count(), *d == b','))
        .unwrap_or(b',');
    Ok(Format::Csv { delimiter })
}

/// A stream of record batches from one file.
pub struct Batches {
    path: PathBuf,
    format: Format,
    schema: SchemaRef,
    inner: Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>,
    rows: u64,
    max_rows: Option<u64>,
}

impl std::fmt::Debug for Batches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batches")
            .field("path", &self.path)
            .field("format", &self.format)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

impl Batches {
    /// The Arrow schema every batch has.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
    /// The format being read.
    pub fn format(&self) -> Format {
        self.format
    }
    /// Rows yielded so far.
    pub fn rows_read(&self) -> u64 {
        self.rows
    }
    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Iterator for Batches {
    type Item = Result<RecordBatch, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(max) = self.max_rows
            && self.rows >= max
        {
            return None;
        }
        let first_row = self.rows;
        let batch = match self.inner.next()? {
            Ok(b) => b,
            Err(e) => {
                return Some(Err(DataError::Parse {
                    path: self.path.display().to_string(),
                    message: format!(
                        "in the rows after row {first_row}: {e} (declare the column's type in a schema file to read it as text)"
                    ),
                }));
            }
        };
        let batch = match self.max_rows {
            Some(max) if self.rows + batch.num_rows() as u64 > max => {
                batch.slice(0, (max - self.rows) as usize)
            }
            _ => batch,
        };
        self.rows += batch.num_rows() as u64;
        Some(Ok(batch))
    }
}

/// Opens `path` as a stream of record batches. `schema` forces column types: `numeric` columns
/// are read as `Float64`, `categorical` and `text` columns as strings.
pub fn open(path: &Path, opts: &ReadOptions, schema: &Schema) -> Result<Batches, DataError> {
    let format = match opts.format {
        Some(f) => f,
        None => detect_format(path)?,
    };
    let batch_rows = opts.batch_rows.clamp(1, 1 << 22);
    let (arrow_schema, inner): (SchemaRef, Box<dyn Iterator<Item = _> + Send>) = match format {
        Format::Csv { delimiter } => {
            let mut file = File::open(path).map_err(|e| io_err(path, e))?;
            let fmt = arrow_csv::reader::Format::default()
                .with_header(true)
                .with_delimiter(delimiter)
                .with_null_regex(null_regex());
            let (inferred, _) = fmt
                .infer_schema(BufReader::new(&mut file), Some(opts.infer_rows.max(1)))
                .map_err(|e| parse_err(path, e))?;
            check_columns(path, &inferred, opts)?;
            let target = Arc::new(adjust_schema(&inferred, schema));
            file.seek(SeekFrom::Start(0)).map_err(|e| io_err(path, e))?;
            let reader = arrow_csv::ReaderBuilder::new(target.clone())
                .with_format(fmt)
                .with_batch_size(batch_rows)
                .build(BufReader::with_capacity(1 << 20, file))
                .map_err(|e| parse_err(path, e))?;
            (target, Box::new(reader))
        }
        Format::JsonLines => {
            let file = File::open(path).map_err(|e| io_err(path, e))?;
            let mut buf = BufReader::new(file);
            let (inferred, _) =
                arrow_json::reader::infer_json_schema(&mut buf, Some(opts.infer_rows.max(1)))
                    .map_err(|e| parse_err(path, e))?;
            check_columns(path, &inferred, opts)?;
            let target = Arc::new(adjust_schema(&inferred, schema));
            let mut file = buf.into_inner();
            file.seek(SeekFrom::Start(0)).map_err(|e| io_err(path, e))?;
            let reader = arrow_json::ReaderBuilder::new(target.clone())
                .with_batch_size(batch_rows)
                .build(BufReader::with_capacity(1 << 20, file))
                .map_err(|e| parse_err(path, e))?;
            (target, Box::new(reader))
        }
        Format::Parquet => {
            let file = File::open(path).map_err(|e| io_err(path, e))?;
            let builder =
                parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                    .map_err(|e| parse_err(path, e))?;
            check_columns(path, builder.schema(), opts)?;
            let reader = builder
                .with_batch_size(batch_rows)
                .build()
                .map_err(|e| parse_err(path, e))?;
            let file_schema = reader.schema();
            let target = Arc::new(adjust_schema(&file_schema, schema));
            let cast_to = target.clone();
            let it = reader.map(move |b| b.and_then(|b| cast_batch(&b, &cast_to)));
            (target, Box::new(it))
        }
    };
    Ok(Batches {
        path: path.to_path_buf(),
        format,
        schema: arrow_schema,
        inner,
        rows: 0,
        max_rows: opts.max_rows,
    })
}

fn null_regex() -> regex::Regex {
    // The spellings of "missing" that pandas reads as NaN.
    regex::Regex::new(r"^(|NA|N/A|n/a|NaN|nan|NULL|null|None|#N/A|-NaN|-nan|<NA>)$")
        .unwrap_or_else(|_| unreachable_regex())
}

#[allow(clippy::unwrap_used, clippy::expect_used)]
fn unreachable_regex() -> regex::Regex {
    regex::Regex::new("^$").expect("trivial regex")
}

fn check_columns(path: &Path, s: &ArrowSchema, opts: &ReadOptions) -> Result<(), DataError> {
    if s.fields().len() > opts.max_columns {
        return Err(DataError::Limit {
            path: path.display().to_string(),
            message: format!(
                "{} columns, more than the limit of {}",
                s.fields().len(),
                opts.max_columns
            ),
        });
    }
    Ok(())
}

/// Applies the schema's forced types and widens integers so later rows cannot break the read.
fn adjust_schema(inferred: &ArrowSchema, schema: &Schema) -> ArrowSchema {
    let fields: Vec<Field> = inferred
        .fields()
        .iter()
        .map(|f| {
            let forced = schema.get(f.name()).and_then(|c| c.ty);
            let dt = match (forced, f.data_type()) {
                (Some(ColumnType::Numeric), _) => DataType::Float64,
                (Some(ColumnType::Categorical | ColumnType::Text), _) => DataType::Utf8,
                (_, DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64) => {
                    DataType::Float64
                }
                (_, DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64) => {
                    DataType::Float64
                }
                (_, DataType::Null) => DataType::Utf8,
                (_, dt) => dt.clone(),
            };
            Field::new(f.name(), dt, true)
        })
        .collect();
    ArrowSchema::new(fields)
}

fn cast_batch(batch: &RecordBatch, to: &SchemaRef) -> Result<RecordBatch, ArrowError> {
    let cols = batch
        .columns()
        .iter()
        .zip(to.fields())
        .map(|(c, f)| {
            if c.data_type() == f.data_type() {
                Ok(c.clone())
            } else {
                cast(c, f.data_type())
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    RecordBatch::try_new(to.clone(), cols)
}

/// The values of an Arrow column as `f64` (missing = NaN). Temporal values become seconds since
/// the Unix epoch; booleans 0/1; strings that do not parse as numbers are an error.
pub fn to_f64(array: &ArrayRef) -> Result<Vec<f64>, ArrowError> {
    let dt = array.data_type().clone();
    let as_f64 = match dt {
        DataType::Date32 => {
            let days = cast(array, &DataType::Int32)?;
            let f = cast(&days, &DataType::Float64)?;
            return Ok(float_values(&f).into_iter().map(|d| d * 86_400.0).collect());
        }
        DataType::Date64 | DataType::Timestamp(..) => {
            let scale = match dt {
                DataType::Timestamp(TimeUnit::Second, _) => 1.0,
                DataType::Timestamp(TimeUnit::Microsecond, _) => 1e-6,
                DataType::Timestamp(TimeUnit::Nanosecond, _) => 1e-9,
                _ => 1e-3,
            };
            let raw = cast(array, &DataType::Int64)?;
            let f = cast(&raw, &DataType::Float64)?;
            return Ok(float_values(&f).into_iter().map(|v| v * scale).collect());
        }
        DataType::Boolean => cast(&cast(array, &DataType::UInt8)?, &DataType::Float64)?,
        _ => cast(array, &DataType::Float64)?,
    };
    Ok(float_values(&as_f64))
}

fn float_values(a: &ArrayRef) -> Vec<f64> {
    match a.as_any().downcast_ref::<arrow_array::Float64Array>() {
        Some(f) => (0..f.len())
            .map(|i| if f.is_null(i) { f64::NAN } else { f.value(i) })
            .collect(),
        None => vec![f64::NAN; a.len()],
    }
}

/// The values of an Arrow column as strings (missing = `None`), formatted the way Arrow displays
/// them (so nested JSON values become their text).
pub fn to_strings(array: &ArrayRef) -> Result<Vec<Option<String>>, ArrowError> {
    if let Ok(s) = cast(array, &DataType::Utf8)
        && let Some(s) = s.as_any().downcast_ref::<StringArray>()
    {
        return Ok((0..s.len())
            .map(|i| (!s.is_null(i)).then(|| s.value(i).to_string()))
            .collect());
    }
    let fmt = arrow_cast::display::ArrayFormatter::try_new(
        array.as_ref(),
        &arrow_cast::display::FormatOptions::default(),
    )?;
    Ok((0..array.len())
        .map(|i| (!array.is_null(i)).then(|| fmt.value(i).to_string()))
        .collect())
}

/// Column values held in memory.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    /// Numeric and datetime columns (datetime as seconds since the epoch); missing = NaN.
    Numeric(Vec<f64>),
    /// Categorical and text columns; missing = `None`.
    Text(Vec<Option<String>>),
}

impl ColumnData {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            ColumnData::Numeric(v) => v.len(),
            ColumnData::Text(v) => v.len(),
        }
    }
    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Number of missing values.
    pub fn missing(&self) -> usize {
        match self {
            ColumnData::Numeric(v) => v.iter().filter(|x| x.is_nan()).count(),
            ColumnData::Text(v) => v.iter().filter(|x| x.is_none()).count(),
        }
    }
}

/// One column of a [`Frame`].
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The header name.
    pub name: String,
    /// Declared or inferred type.
    pub ty: ColumnType,
    /// Declared role (`feature` unless the schema says otherwise).
    pub role: ColumnRole,
    /// The values.
    pub data: ColumnData,
}

/// A whole table in memory, column by column. For files that may not fit, stream [`open`]'s
/// batches instead.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// The columns, in file order.
    pub columns: Vec<Column>,
    /// Number of rows.
    pub rows: usize,
    /// The format that was read.
    pub format: Format,
}

/// Above this many distinct values *and* this share of distinct values, a string column is text
/// rather than categorical.
const TEXT_MIN_UNIQUE: usize = 50;
const TEXT_UNIQUE_SHARE: f64 = 0.5;

impl Frame {
    /// Reads all of `path` into memory (subject to `opts.max_rows`).
    pub fn read(path: &Path, opts: &ReadOptions, schema: &Schema) -> Result<Frame, DataError> {
        let mut batches = open(path, opts, schema)?;
        let arrow_schema = batches.schema();
        let numeric: Vec<bool> = arrow_schema
            .fields()
            .iter()
            .map(|f| is_numeric_type(f.data_type()))
            .collect();
        let mut data: Vec<ColumnData> = numeric
            .iter()
            .map(|&n| {
                if n {
                    ColumnData::Numeric(Vec::new())
                } else {
                    ColumnData::Text(Vec::new())
                }
            })
            .collect();
        for batch in &mut batches {
            let batch = batch?;
            for (i, col) in batch.columns().iter().enumerate() {
                let name = arrow_schema.field(i).name();
                match &mut data[i] {
                    ColumnData::Numeric(v) => v.extend(
                        to_f64(col)
                            .map_err(|e| parse_err(path, format!("column {name:?}: {e}")))?,
                    ),
                    ColumnData::Text(v) => v.extend(
                        to_strings(col)
                            .map_err(|e| parse_err(path, format!("column {name:?}: {e}")))?,
                    ),
                }
            }
        }
        let rows = batches.rows_read() as usize;
        let columns = arrow_schema
            .fields()
            .iter()
            .zip(data)
            .map(|(f, data)| {
                let spec = schema.get(f.name());
                let ty = spec
                    .and_then(|s| s.ty)
                    .unwrap_or_else(|| infer_type(f.data_type(), &data));
                Column {
                    name: f.name().clone(),
                    ty,
                    role: spec.and_then(|s| s.role).unwrap_or_default(),
                    data,
                }
            })
            .collect();
        Ok(Frame {
            columns,
            rows,
            format: batches.format(),
        })
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

fn is_numeric_type(dt: &DataType) -> bool {
    dt.is_numeric()
        || matches!(
            dt,
            DataType::Boolean | DataType::Date32 | DataType::Date64 | DataType::Timestamp(..)
        )
}

/// The type a column gets when the schema does not say.
pub fn infer_type(dt: &DataType, data: &ColumnData) -> ColumnType {
    match dt {
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(..) => ColumnType::Datetime,
        DataType::Boolean => ColumnType::Categorical,
        d if d.is_numeric() => ColumnType::Numeric,
        _ => match data {
            ColumnData::Text(v) => {
                let present = v.iter().flatten().count();
                let mut distinct: Vec<&str> = v.iter().flatten().map(String::as_str).collect();
                distinct.sort_unstable();
                distinct.dedup();
                if distinct.len() > TEXT_MIN_UNIQUE
                    && distinct.len() as f64 > TEXT_UNIQUE_SHARE * present as f64
                {
                    ColumnType::Text
                } else {
                    ColumnType::Categorical
                }
            }
            ColumnData::Numeric(_) => ColumnType::Numeric,
        },
    }
}

/// Reads the header line of a CSV file (used to give schema errors a list of real names).
pub fn csv_header(path: &Path, delimiter: u8) -> Result<Vec<String>, DataError> {
    let f = File::open(path).map_err(|e| io_err(path, e))?;
    let mut line = String::new();
    BufReader::new(f)
        .take(1 << 20)
        .read_line(&mut line)
        .map_err(|e| io_err(path, e))?;
    Ok(line
        .trim_end_matches(['\r', '\n'])
        .split(delimiter as char)
        .map(|s| s.trim_matches('"').to_string())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(dir: &tempfile::TempDir, name: &str, body: &[u8]) -> PathBuf {
        let p = dir.path().join(name);
        std::fs::File::create(&p).unwrap().write_all(body).unwrap();
        p
    }

    #[test]
    fn csv_with_missing_values_and_late_floats() {
        let d = tempfile::tempdir().unwrap();
        let p = write(
            &d,
            "a.csv",
            b"age,city,score\n30,Paris,1\n,Lyon,2\n41,NA,2.5\n",
        );
        let opts = ReadOptions {
            infer_rows: 2,
            ..Default::default()
        };
        let f = Frame::read(&p, &opts, &Schema::default()).unwrap();
        assert_eq!(f.rows, 3);
        let age = f.column("age").unwrap();
        assert_eq!(age.ty, ColumnType::Numeric);
        let ColumnData::Numeric(v) = &age.data else {
            panic!()
        };
        assert!(v[1].is_nan());
        assert_eq!(v[2], 41.0);
        let ColumnData::Numeric(s) = &f.column("score").unwrap().data else {
            panic!()
        };
        assert_eq!(s[2], 2.5);
        let city = f.column("city").unwrap();
        assert_eq!(city.ty, ColumnType::Categorical);
        assert_eq!(city.data.missing(), 1);
    }

    #[test]
    fn schema_forces_text_and_roles() {
        let d = tempfile::tempdir().unwrap();
        let p = write(&d, "a.csv", b"zip,label\n01234,1\n75001,0\n");
        let s = Schema::from_toml(
            "[columns.zip]\ntype='categorical'\n[columns.label]\nrole='target'\ntype='categorical'\n",
            "s",
        )
        .unwrap();
        let f = Frame::read(&p, &ReadOptions::default(), &s).unwrap();
        let ColumnData::Text(z) = &f.column("zip").unwrap().data else {
            panic!()
        };
        assert_eq!(z[0].as_deref(), Some("01234"));
        assert_eq!(f.column("label").unwrap().role, ColumnRole::Target);
    }

    #[test]
    fn jsonl_and_tsv_are_detected() {
        let d = tempfile::tempdir().unwrap();
        let p = write(
            &d,
            "a.data",
            b"{\"x\": 1, \"y\": \"a\"}\n{\"x\": 2.5, \"y\": null}\n",
        );
        assert_eq!(detect_format(&p).unwrap(), Format::JsonLines);
        let f = Frame::read(&p, &ReadOptions::default(), &Schema::default()).unwrap();
        assert_eq!(f.rows, 2);
        assert_eq!(f.column("y").unwrap().data.missing(), 1);
        let p = write(&d, "b.txt", b"a\tb\n1\t2\n");
        assert_eq!(detect_format(&p).unwrap(), Format::Csv { delimiter: b'\t' });
    }

    #[test]
    fn parquet_round_trip_in_small_batches() {
        use arrow_array::{Float64Array, StringArray};
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("t.parquet");
        let schema = Arc::new(ArrowSchema::new(vec![
            Field::new("x", DataType::Float64, true),
            Field::new("c", DataType::Utf8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Float64Array::from(vec![Some(1.0), None, Some(3.0)])),
                Arc::new(StringArray::from(vec![Some("a"), Some("b"), None])),
            ],
        )
        .unwrap();
        let mut w =
            parquet::arrow::ArrowWriter::try_new(File::create(&p).unwrap(), schema, None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let opts = ReadOptions {
            batch_rows: 2,
            ..Default::default()
        };
        let b: Vec<_> = open(&p, &opts, &Schema::default())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(b.len(), 2);
        let f = Frame::read(&p, &opts, &Schema::default()).unwrap();
        assert_eq!(f.format, Format::Parquet);
        assert_eq!(f.rows, 3);
        assert_eq!(f.column("x").unwrap().data.missing(), 1);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let d = tempfile::tempdir().unwrap();
        let p = write(&d, "bad.parquet", b"PAR1\x00\x01garbagePAR1");
        assert!(Frame::read(&p, &ReadOptions::default(), &Schema::default()).is_err());
        let p = write(&d, "bad.csv", b"a,b\n1,2\nx,y,z,w\n");
        assert!(Frame::read(&p, &ReadOptions::default(), &Schema::default()).is_err());
        let p = write(&d, "bad.jsonl", b"{\"a\": 1}\n{not json\n");
        assert!(Frame::read(&p, &ReadOptions::default(), &Schema::default()).is_err());
    }

    #[test]
    fn max_rows_truncates() {
        let d = tempfile::tempdir().unwrap();
        let p = write(&d, "a.csv", b"x\n1\n2\n3\n4\n");
        let opts = ReadOptions {
            max_rows: Some(3),
            batch_rows: 2,
            ..Default::default()
        };
        assert_eq!(Frame::read(&p, &opts, &Schema::default()).unwrap().rows, 3);
    }
}
