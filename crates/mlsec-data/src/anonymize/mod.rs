//! Pseudonymisation and anonymisation of a table, streamed batch by batch: keyed HMAC tokens,
//! format-preserving masking and FF1 encryption, generalisation, suppression, dropping and
//! span-level redaction of free text, per a [`Policy`]; plus k-anonymity / l-diversity of the
//! quasi-identifiers before and after.
//!
//! The key is read from a file by [`Key::from_file`] and never leaves [`Key`]: its `Debug`
//! prints nothing and no error message carries its bytes.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema as ArrowSchema};

pub mod ff1;
pub mod kanon;
pub mod key;
pub mod policy;
pub mod transform;

pub use kanon::{ClassCounter, KReport};
pub use key::{Key, KeyError};
pub use policy::{Policy, PolicyError};
pub use transform::{Action, DatePart, Transformer};

use crate::pii::Context;
use crate::pii::scan::{column_strings, open_as_text};
use crate::schema::Schema;
use crate::table::{DataError, Format, ReadOptions, detect_format};

/// Why anonymisation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnonymizeError {
    /// Reading the input failed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The policy is invalid or names missing columns.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The quasi-identifier or sensitive columns are not in the data.
    #[error("{0}")]
    Columns(String),
    /// Writing the output failed.
    #[error("{path}: {message}")]
    Write {
        /// The output file.
        path: String,
        /// What failed.
        message: String,
    },
}

/// Knobs for [`anonymize_file`].
#[derive(Debug, Clone, Default)]
pub struct AnonymizeOptions {
    /// How to read the input.
    pub read: ReadOptions,
    /// Output format (default: the input's).
    pub output_format: Option<Format>,
    /// Quasi-identifier columns for the k-anonymity report.
    pub quasi_identifiers: Vec<String>,
    /// Sensitive column for l-diversity.
    pub sensitive: Option<String>,
    /// Target k: classes below it are counted.
    pub k: Option<u64>,
}

/// What [`anonymize_file`] did.
#[derive(Debug, Clone)]
pub struct AnonymizeReport {
    /// Input file.
    pub input: String,
    /// Output file.
    pub output: String,
    /// Input format.
    pub input_format: Format,
    /// Output format.
    pub output_format: Format,
    /// Rows written.
    pub rows: u64,
    /// Each input column and the action applied (`keep` for unnamed ones).
    pub columns: Vec<(String, &'static str)>,
    /// Values changed per column (same order as `columns`).
    pub changed: Vec<u64>,
    /// k-anonymity of the quasi-identifiers in the input.
    pub before: Option<KReport>,
    /// … and in the output.
    pub after: Option<KReport>,
}

enum Sink {
    Csv(Box<arrow_csv::Writer<BufWriter<File>>>),
    Json(Box<arrow_json::LineDelimitedWriter<BufWriter<File>>>),
    Parquet(Box<parquet::arrow::ArrowWriter<File>>),
}

impl Sink {
    fn open(path: &Path, format: Format, schema: Arc<ArrowSchema>) -> Result<Sink, AnonymizeError> {
        let err = |e: &dyn std::fmt::Display| AnonymizeError::Write {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let file = File::create(path).map_err(|e| err(&e))?;
        Ok(match format {
            Format::Csv { delimiter } => Sink::Csv(Box::new(
                arrow_csv::WriterBuilder::new()
                    .with_header(true)
                    .with_delimiter(delimiter)
                    .build(BufWriter::new(file)),
            )),
            Format::JsonLines => Sink::Json(Box::new(arrow_json::LineDelimitedWriter::new(
                BufWriter::new(file),
            ))),
            Format::Parquet => Sink::Parquet(Box::new(
                parquet::arrow::ArrowWriter::try_new(file, schema, None).map_err(|e| err(&e))?,
            )),
        })
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<(), String> {
        match self {
            Sink::Csv(w) => w.write(batch).map_err(|e| e.to_string()),
            Sink::Json(w) => w.write(batch).map_err(|e| e.to_string()),
            Sink::Parquet(w) => w.write(batch).map_err(|e| e.to_string()),
        }
    }

    fn finish(self) -> Result<(), String> {
        match self {
            Sink::Csv(w) => (*w).into_inner().flush().map_err(|e| e.to_string()),
            Sink::Json(mut w) => {
                w.finish().map_err(|e| e.to_string())?;
                (*w).into_inner().flush().map_err(|e| e.to_string())
            }
            Sink::Parquet(w) => w.close().map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}

/// The output format for `-o PATH`: from its extension when it names one, else the input's.
pub fn output_format_for(path: &Path, input: Format) -> Format {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("parquet" | "pq") => Format::Parquet,
        Some("jsonl" | "ndjson") => Format::JsonLines,
        Some("csv") => Format::Csv { delimiter: b',' },
        Some("tsv" | "tab") => Format::Csv { delimiter: b'\t' },
        _ => input,
    }
}

/// Reads `input`, applies `policy` with `key`, writes `output` and reports k-anonymity.
pub fn anonymize_file(
    input: &Path,
    output: &Path,
    policy: &Policy,
    policy_text: Option<(&str, &str)>,
    key: &Key,
    opts: &AnonymizeOptions,
) -> Result<AnonymizeReport, AnonymizeError> {
    let input_format = match opts.read.format {
        Some(f) => f,
        None => detect_format(input)?,
    };
    let output_format = opts.output_format.unwrap_or(input_format);
    let batches = open_as_text(input, &opts.read, &Schema::default())?;
    let in_schema = batches.schema();
    let names: Vec<&str> = in_schema
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    let (text, origin) = policy_text.unwrap_or(("", "default policy"));
    policy.check_columns(Some(text).filter(|t| !t.is_empty()), origin, &names)?;
    let index = |c: &str| {
        names.iter().position(|n| *n == c).ok_or_else(|| {
            AnonymizeError::Columns(format!(
                "column {c:?} is not in {} (columns: {})",
                input.display(),
                names.join(", ")
            ))
        })
    };
    let qi: Vec<usize> = opts
        .quasi_identifiers
        .iter()
        .map(|c| index(c))
        .collect::<Result<_, _>>()?;
    let sensitive = opts.sensitive.as_deref().map(index).transpose()?;

    let actions: Vec<&Action> = names.iter().map(|n| policy.action(n)).collect();
    let contexts: Vec<Context> = names.iter().map(|n| Context::for_column(n)).collect();
    let out_fields: Vec<Field> = in_schema
        .fields()
        .iter()
        .zip(&actions)
        .filter(|(_, a)| !matches!(a, Action::Drop))
        .map(|(f, a)| match a {
            Action::Keep => f.as_ref().clone(),
            _ => Field::new(f.name(), DataType::Utf8, true),
        })
        .collect();
    let out_schema = Arc::new(ArrowSchema::new(out_fields));
    let mut sink = Sink::open(output, output_format, out_schema.clone())?;
    let mut transformer = Transformer::new(key);
    transformer.token_prefix = policy.pseudonymize.prefix.clone();
    transformer.token_length = policy.pseudonymize.length;

    let track = !qi.is_empty();
    let mut before = ClassCounter::new(sensitive.is_some());
    let mut after = ClassCounter::new(sensitive.is_some());
    let mut changed = vec![0u64; names.len()];
    let mut rows = 0u64;
    let write_err = |m: String| AnonymizeError::Write {
        path: output.display().to_string(),
        message: m,
    };
    for batch in batches {
        let batch = batch?;
        let n = batch.num_rows();
        // Text of the columns the report or a transformation needs.
        let need_text = |i: usize| {
            !matches!(actions[i], Action::Keep) || qi.contains(&i) || sensitive == Some(i)
        };
        let mut originals: Vec<Option<Vec<Option<String>>>> = Vec::with_capacity(names.len());
        for (i, col) in batch.columns().iter().enumerate() {
            originals.push(if need_text(i) {
                Some(column_strings(col).map_err(|e| column_error(e, input, names[i]))?)
            } else {
                None
            });
        }
        let mut transformed: Vec<Option<Vec<Option<String>>>> = vec![None; names.len()];
        let mut out_cols: Vec<ArrayRef> = Vec::with_capacity(out_schema.fields().len());
        for (i, col) in batch.columns().iter().enumerate() {
            match actions[i] {
                Action::Drop => {}
                Action::Keep => out_cols.push(col.clone()),
                action => {
                    let vals = originals[i].as_ref().map_or(&[][..], |v| &v[..]);
                    let out: Vec<Option<String>> = vals
                        .iter()
                        .map(|v| {
                            v.as_deref()
                                .and_then(|s| transformer.apply(action, names[i], &contexts[i], s))
                        })
                        .collect();
                    changed[i] += vals.iter().zip(&out).filter(|(a, b)| a != b).count() as u64;
                    out_cols.push(Arc::new(StringArray::from(out.clone())));
                    transformed[i] = Some(out);
                }
            }
        }
        if track {
            let get = |cols: &[Option<Vec<Option<String>>>], i: usize, r: usize| {
                cols[i].as_ref().and_then(|v| v[r].clone())
            };
            for r in 0..n {
                let key_before: Vec<_> = qi.iter().map(|&i| get(&originals, i, r)).collect();
                let s_before = sensitive.map(|i| get(&originals, i, r));
                before.add(key_before, s_before.as_ref());
                let after_val = |i: usize| match actions[i] {
                    Action::Keep => get(&originals, i, r),
                    Action::Drop => None,
                    _ => get(&transformed, i, r),
                };
                let key_after: Vec<_> = qi.iter().map(|&i| after_val(i)).collect();
                let s_after = sensitive.map(after_val);
                after.add(key_after, s_after.as_ref());
            }
        }
        let out = RecordBatch::try_new(out_schema.clone(), out_cols)
            .map_err(|e| write_err(e.to_string()))?;
        sink.write(&out).map_err(write_err)?;
        rows += n as u64;
    }
    sink.finish().map_err(write_err)?;
    Ok(AnonymizeReport {
        input: input.display().to_string(),
        output: output.display().to_string(),
        input_format,
        output_format,
        rows,
        columns: names
            .iter()
            .zip(&actions)
            .map(|(n, a)| (n.to_string(), a.name()))
            .collect(),
        changed,
        before: track.then(|| before.report(opts.k)),
        after: track.then(|| after.report(opts.k)),
    })
}

fn column_error(e: DataError, path: &Path, column: &str) -> DataError {
    match e {
        DataError::Parse { message, .. } => DataError::Parse {
            path: path.display().to_string(),
            message: format!("column {column:?}: {message}"),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_input(dir: &Path) -> std::path::PathBuf {
        let p = dir.join("in.csv");
        let mut s = String::from("email,age,zip,card,notes,diagnosis\n");
        for i in 0..40 {
            s.push_str(&format!(
                "user{}@example.com,{},0213{},4111 1111 1111 1111,hello,{}\n",
                i % 10,
                20 + i,
                i % 3,
                ["flu", "cold"][i % 2]
            ));
        }
        std::fs::write(&p, s).unwrap();
        p
    }

    #[test]
    fn csv_round_trip_with_policy_and_k_report() {
        let dir = tempfile::tempdir().unwrap();
        let input = write_input(dir.path());
        for ext in ["csv", "jsonl", "parquet"] {
            let output = dir.path().join(format!("out.{ext}"));
            let text = "[columns.email]\naction = \"pseudonymize\"\n[columns.age]\naction = \"band\"\nwidth = 10\n[columns.zip]\naction = \"prefix\"\nkeep = 3\n[columns.card]\naction = \"mask\"\nkeep_last = 4\n[columns.notes]\naction = \"drop\"\n";
            let policy = Policy::from_toml(text, "p.toml").unwrap();
            let key = Key::from_bytes(b"0123456789abcdef0123");
            let opts = AnonymizeOptions {
                quasi_identifiers: vec!["age".into(), "zip".into()],
                sensitive: Some("diagnosis".into()),
                k: Some(5),
                output_format: Some(output_format_for(&output, Format::Csv { delimiter: b',' })),
                ..Default::default()
            };
            let r = anonymize_file(
                &input,
                &output,
                &policy,
                Some((text, "p.toml")),
                &key,
                &opts,
            )
            .unwrap();
            assert_eq!(r.rows, 40);
            let before = r.before.unwrap();
            let after = r.after.unwrap();
            assert_eq!(before.k, 1, "ages are unique before");
            assert!(
                after.k >= 3,
                "bands of 10 and a 3-char zip prefix: {after:?}"
            );
            assert_eq!(after.l, Some(1).max(after.l));
            // Read the output back.
            let frame =
                crate::Frame::read(&output, &ReadOptions::default(), &Schema::default()).unwrap();
            assert!(frame.column("notes").is_none());
            let crate::ColumnData::Text(emails) = &frame.column("email").unwrap().data else {
                panic!("email is text")
            };
            assert!(
                emails
                    .iter()
                    .all(|e| e.as_deref().unwrap().starts_with("tok_"))
            );
            assert_eq!(emails[0], emails[10], "same input, same token");
            assert_ne!(emails[0], emails[1]);
            let crate::ColumnData::Text(cards) = &frame.column("card").unwrap().data else {
                panic!("card is text")
            };
            assert_eq!(cards[0].as_deref(), Some("**** **** **** 1111"));
        }
    }

    #[test]
    fn unknown_columns_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let input = write_input(dir.path());
        let key = Key::from_bytes(b"0123456789abcdef0123");
        let opts = AnonymizeOptions {
            quasi_identifiers: vec!["nope".into()],
            ..Default::default()
        };
        let e = anonymize_file(
            &input,
            &dir.path().join("o.csv"),
            &Policy::default(),
            None,
            &key,
            &opts,
        )
        .unwrap_err();
        assert!(e.to_string().contains("\"nope\""));
    }
}
