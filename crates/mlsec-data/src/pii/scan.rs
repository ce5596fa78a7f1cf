//! The per-column verdict: stream a file, run every detector over every value of every column
//! and summarise, per column and detector, how many values matched.

use std::path::Path;

use arrow_array::{Array, ArrayRef, Float64Array};
use arrow_schema::DataType;
use mlsec_core::Confidence;
use rayon::prelude::*;

use super::{ALL, Context, Detector, Memo, by_code};
use crate::schema::{ColumnRole, ColumnType, Schema};
use crate::table::{self, Batches, DataError, Format, ReadOptions};

/// Knobs for [`scan_file`].
#[derive(Debug, Clone)]
pub struct PiiOptions {
    /// How to read the file.
    pub read: ReadOptions,
    /// A detector becomes a column finding when at least this share of the column's non-empty
    /// values match it (a column whose name hints at the kind needs only one match).
    pub min_share: f64,
    /// Row numbers of the first matches kept per finding (row numbers, never values).
    pub example_rows: usize,
}

impl Default for PiiOptions {
    fn default() -> Self {
        PiiOptions {
            read: ReadOptions::default(),
            min_share: 0.01,
            example_rows: 5,
        }
    }
}

/// One detector's verdict on one column.
#[derive(Debug, Clone)]
pub struct ColumnFinding {
    /// The detector.
    pub detector: &'static Detector,
    /// Values with at least one span of this detector.
    pub matched: u64,
    /// `matched` over the column's non-empty values.
    pub share: f64,
    /// Of `matched`, values whose best span had high confidence.
    pub matched_high: u64,
    /// How sure the verdict is, from the share, the per-value confidence and the name hint.
    pub confidence: Confidence,
    /// The column's name hints at this kind.
    pub name_hint: bool,
    /// 1-based data row numbers of the first matches.
    pub rows: Vec<u64>,
}

/// The verdict on one column.
#[derive(Debug, Clone)]
pub struct ColumnReport {
    /// The header name.
    pub name: String,
    /// Non-empty values scanned.
    pub values: u64,
    /// Codes of the detectors the column name hints at.
    pub hinted: Vec<&'static str>,
    /// Detectors over the threshold, largest share first.
    pub findings: Vec<ColumnFinding>,
}

/// The verdict on a file.
#[derive(Debug, Clone)]
pub struct PiiReport {
    /// The file.
    pub path: String,
    /// Its format.
    pub format: Format,
    /// Rows read.
    pub rows: u64,
    /// Every column, in file order (including those with no findings).
    pub columns: Vec<ColumnReport>,
    /// The threshold used.
    pub min_share: f64,
}

impl PiiReport {
    /// Every (column, finding) pair.
    pub fn findings(&self) -> impl Iterator<Item = (&ColumnReport, &ColumnFinding)> {
        self.columns
            .iter()
            .flat_map(|c| c.findings.iter().map(move |f| (c, f)))
    }

    /// True when some finding has at least `min` confidence.
    pub fn has_findings(&self, min: Confidence) -> bool {
        self.findings().any(|(_, f)| f.confidence >= min)
    }
}

#[derive(Debug, Default)]
struct Counts {
    matched: u64,
    high: u64,
    rows: Vec<u64>,
}

#[derive(Debug)]
struct ColumnState {
    name: String,
    ctx: Context,
    skip: bool,
    values: u64,
    counts: Vec<Counts>,
    memo: Memo,
}

impl ColumnState {
    fn new(name: &str, skip: bool) -> ColumnState {
        ColumnState {
            name: name.to_string(),
            ctx: Context::for_column(name),
            skip,
            values: 0,
            counts: ALL.iter().map(|_| Counts::default()).collect(),
            memo: Memo::default(),
        }
    }

    fn scan(&mut self, values: &[Option<String>], first_row: u64, keep_rows: usize) {
        for (i, v) in values.iter().enumerate() {
            let Some(v) = v else { continue };
            if v.trim().is_empty() {
                continue;
            }
            self.values += 1;
            let hits = self.memo.detect(v, &self.ctx);
            // One count per detector per value, with the best confidence among its spans.
            for (k, d) in ALL.iter().enumerate() {
                let best = hits
                    .iter()
                    .filter(|(code, _)| *code == d.code)
                    .map(|(_, c)| *c)
                    .max();
                if let Some(best) = best {
                    let c = &mut self.counts[k];
                    c.matched += 1;
                    if best == Confidence::High {
                        c.high += 1;
                    }
                    if c.rows.len() < keep_rows {
                        c.rows.push(first_row + i as u64 + 1);
                    }
                }
            }
        }
    }

    fn finish(self, min_share: f64) -> ColumnReport {
        let hinted: Vec<&'static str> = ALL
            .iter()
            .filter(|d| self.ctx.hints(d.kind))
            .map(|d| d.code)
            .collect();
        let mut findings = Vec::new();
        for (k, c) in self.counts.into_iter().enumerate() {
            if c.matched == 0 {
                continue;
            }
            let d = ALL[k];
            let share = c.matched as f64 / self.values.max(1) as f64;
            let name_hint = hinted.contains(&d.code);
            if share < min_share && !name_hint {
                continue;
            }
            let high_share = c.high as f64 / c.matched as f64;
            let confidence = if (share >= 0.5 && high_share >= 0.5) || (name_hint && share >= 0.2) {
                Confidence::High
            } else if share >= 0.2 || name_hint || high_share >= 0.5 {
                Confidence::Medium
            } else {
                Confidence::Low
            };
            findings.push(ColumnFinding {
                detector: d,
                matched: c.matched,
                share,
                matched_high: c.high,
                confidence,
                name_hint,
                rows: c.rows,
            });
        }
        findings.sort_by(|a, b| {
            b.share
                .total_cmp(&a.share)
                .then(a.detector.code.cmp(b.detector.code))
        });
        ColumnReport {
            name: self.name,
            values: self.values,
            hinted,
            findings,
        }
    }
}

/// Opens `path` so that every column arrives as text where the format allows: CSV columns are
/// forced to strings (so `01234` keeps its zero and card numbers do not become floats); the
/// declared `ignore` roles of `schema` are kept.
pub(crate) fn open_as_text(
    path: &Path,
    opts: &ReadOptions,
    schema: &Schema,
) -> Result<Batches, DataError> {
    let format = match opts.format {
        Some(f) => f,
        None => table::detect_format(path)?,
    };
    let mut forced = schema.clone();
    if let Format::Csv { delimiter } = format {
        for name in table::csv_header(path, delimiter)? {
            let spec = forced.columns.entry(name).or_default();
            spec.ty = Some(ColumnType::Text);
        }
    }
    let opts = ReadOptions {
        format: Some(format),
        ..opts.clone()
    };
    table::open(path, &opts, &forced)
}

/// The values of a column as text; whole floats print without `.0` (JSON and Parquet integers
/// are widened to floats by the reader).
pub(crate) fn column_strings(array: &ArrayRef) -> Result<Vec<Option<String>>, DataError> {
    if array.data_type() == &DataType::Float64
        && let Some(f) = array.as_any().downcast_ref::<Float64Array>()
    {
        return Ok((0..f.len())
            .map(|i| {
                (!f.is_null(i)).then(|| {
                    let v = f.value(i);
                    if v.fract() == 0.0 && v.abs() < 9.007_199_254_740_992e15 {
                        format!("{}", v as i64)
                    } else {
                        format!("{v}")
                    }
                })
            })
            .collect());
    }
    table::to_strings(array).map_err(|e| DataError::Parse {
        path: String::new(),
        message: e.to_string(),
    })
}

/// Scans every column of `path` with every detector. Columns whose role in `schema` is `ignore`
/// are skipped. Memory is bounded by one record batch plus a per-column cache of at most
/// 50,000 short values.
pub fn scan_file(path: &Path, schema: &Schema, opts: &PiiOptions) -> Result<PiiReport, DataError> {
    let batches = open_as_text(path, &opts.read, schema)?;
    let arrow_schema = batches.schema();
    let format = batches.format();
    let mut states: Vec<ColumnState> = arrow_schema
        .fields()
        .iter()
        .map(|f| {
            let skip = schema
                .get(f.name())
                .and_then(|c| c.role)
                .is_some_and(|r| r == ColumnRole::Ignore);
            ColumnState::new(f.name(), skip)
        })
        .collect();
    let mut rows = 0u64;
    for batch in batches {
        let batch = batch?;
        let first_row = rows;
        let keep = opts.example_rows;
        states
            .par_iter_mut()
            .zip(batch.columns().par_iter())
            .try_for_each(|(st, col)| -> Result<(), DataError> {
                if st.skip {
                    return Ok(());
                }
                let values = column_strings(col).map_err(|e| with_path(e, path, &st.name))?;
                st.scan(&values, first_row, keep);
                Ok(())
            })?;
        rows += batch.num_rows() as u64;
    }
    Ok(PiiReport {
        path: path.display().to_string(),
        format,
        rows,
        columns: states
            .into_iter()
            .filter(|s| !s.skip)
            .map(|s| s.finish(opts.min_share))
            .collect(),
        min_share: opts.min_share,
    })
}

fn with_path(e: DataError, path: &Path, column: &str) -> DataError {
    match e {
        DataError::Parse { message, .. } => DataError::Parse {
            path: path.display().to_string(),
            message: format!("column {column:?}: {message}"),
        },
        other => other,
    }
}

/// The detector code of the largest-share finding of a column, if any (used to build a default
/// anonymisation policy).
pub fn dominant(col: &ColumnReport) -> Option<&'static Detector> {
    col.findings
        .iter()
        .find(|f| f.confidence >= Confidence::Medium)
        .and_then(|f| by_code(f.detector.code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn column_verdicts_on_a_small_csv() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("people.csv");
        let mut f = std::fs::File::create(&p).unwrap();
        writeln!(f, "id,contact,zip,notes,amount").unwrap();
        for i in 0..50 {
            writeln!(
                f,
                "{i},user{i}@example.com,0{:04},order shipped,{}.5",
                2100 + i,
                i * 3
            )
            .unwrap();
        }
        writeln!(f, "50,,02139,call +44 20 7946 0958,1").unwrap();
        drop(f);
        let r = scan_file(&p, &Schema::default(), &PiiOptions::default()).unwrap();
        assert_eq!(r.rows, 51);
        let col = |n: &str| r.columns.iter().find(|c| c.name == n).unwrap();
        let contact = col("contact");
        assert_eq!(contact.values, 50);
        assert_eq!(contact.findings[0].detector.code, "PII001");
        assert_eq!(contact.findings[0].share, 1.0);
        assert_eq!(contact.findings[0].confidence, Confidence::High);
        let zip = col("zip");
        assert_eq!(zip.findings[0].detector.code, "PII015");
        assert!(zip.findings[0].name_hint);
        let notes = col("notes");
        assert_eq!(notes.findings[0].detector.code, "PII002");
        assert_eq!(notes.findings[0].rows, vec![51]);
        assert!(col("id").findings.is_empty());
        assert!(col("amount").findings.is_empty());
    }
}
