//! Loading feature matrices and labels for attacks: NumPy `.npy`, headerless or headed `.csv`,
//! and `.parquet` / `.jsonl` through [`mlsec_data::table`].
//!
//! `.npy` files are parsed here (magic, version, header dictionary, little-endian
//! `f4`/`f8`/`i1`..`i8`/`u1`..`u8`/`b1`, C order); nothing is unpickled or executed. Every error
//! names the file, and for CSV the line and column.

use mlsec_data::schema::Schema;
use mlsec_data::table::{ColumnData, Frame, ReadOptions};
use std::path::Path;
use thiserror::Error;

/// Largest `.npy` header accepted.
const MAX_NPY_HEADER: usize = 1 << 16;
/// Largest data file read into memory.
pub const MAX_DATA_BYTES: u64 = 4 << 30;

/// Why a dataset could not be loaded.
#[derive(Debug, Error)]
#[error("{path}: {message}")]
pub struct DatasetError {
    /// The file.
    pub path: String,
    /// What went wrong (with line and column where known).
    pub message: String,
}

fn err(path: &Path, message: impl Into<String>) -> DatasetError {
    DatasetError {
        path: path.display().to_string(),
        message: message.into(),
    }
}

/// A dense row-major `f32` matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns (features per row).
    pub cols: usize,
    /// Values, `rows * cols`.
    pub data: Vec<f32>,
    /// Column names where the file has them.
    pub names: Option<Vec<String>>,
}

impl Matrix {
    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// The first `n` rows.
    pub fn head(&self, n: usize) -> Matrix {
        let n = n.min(self.rows);
        Matrix {
            rows: n,
            cols: self.cols,
            data: self.data[..n * self.cols].to_vec(),
            names: self.names.clone(),
        }
    }
}

fn ext(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, DatasetError> {
    let meta = std::fs::metadata(path).map_err(|e| err(path, e.to_string()))?;
    if meta.len() > MAX_DATA_BYTES {
        return Err(err(
            path,
            format!("larger than the {MAX_DATA_BYTES} byte limit"),
        ));
    }
    std::fs::read(path).map_err(|e| err(path, e.to_string()))
}

/// Finds column `spec` among `names` (header) or, for files without a header, by position:
/// `last`, a 1-based index, or a negative index from the end (`-1` = last).
fn column_index(
    path: &Path,
    spec: &str,
    names: Option<&[String]>,
    cols: usize,
) -> Result<usize, DatasetError> {
    if let Some(j) = names.and_then(|n| n.iter().position(|x| x == spec)) {
        return Ok(j);
    }
    let by_pos = if spec == "last" {
        Some(cols as i64)
    } else {
        spec.parse::<i64>().ok()
    };
    match by_pos {
        Some(i) if i >= 1 && (i as usize) <= cols => Ok(i as usize - 1),
        Some(i) if i < 0 && i.unsigned_abs() as usize <= cols => {
            Ok(cols - i.unsigned_abs() as usize)
        }
        _ => Err(err(
            path,
            match names {
                Some(_) => format!("no column named `{spec}`"),
                None => format!(
                    "has no header row and `{spec}` is not a column position (1..={cols}, -1 or `last`)"
                ),
            },
        )),
    }
}

/// Loads a feature matrix from `.npy`, `.csv`, `.parquet` or `.jsonl`. For tables,
/// `drop_column` (e.g. the label column) is left out.
pub fn load_features(path: &Path, drop_column: Option<&str>) -> Result<Matrix, DatasetError> {
    match ext(path).as_str() {
        "npy" => {
            let a = parse_npy(&read_bytes(path)?).map_err(|m| err(path, m))?;
            let (rows, cols) = match a.shape[..] {
                [r, c] => (r, c),
                [r] => (r, 1),
                [r, ref rest @ ..] => (r, rest.iter().product()),
                [] => return Err(err(path, "a scalar is not a feature matrix")),
            };
            Ok(Matrix {
                rows,
                cols,
                data: a.values.iter().map(|&v| v as f32).collect(),
                names: None,
            })
        }
        "csv" | "tsv" | "txt" => {
            let (names, rows, cols, data) = parse_csv(
                path,
                &read_bytes(path)?,
                if ext(path) == "tsv" { b'\t' } else { b',' },
            )?;
            match drop_column {
                Some(c) => {
                    let j = column_index(path, c, names.as_deref(), cols)?;
                    let data = data
                        .chunks(cols)
                        .flat_map(|r| {
                            r.iter()
                                .enumerate()
                                .filter(|(i, _)| *i != j)
                                .map(|(_, &v)| v as f32)
                        })
                        .collect();
                    let names = names.map(|mut n| {
                        n.remove(j);
                        n
                    });
                    Ok(Matrix {
                        rows,
                        cols: cols - 1,
                        data,
                        names,
                    })
                }
                None => Ok(Matrix {
                    rows,
                    cols,
                    data: data.iter().map(|&v| v as f32).collect(),
                    names,
                }),
            }
        }
        _ => {
            let frame = read_frame(path)?;
            let mut cols = Vec::new();
            let mut names = Vec::new();
            for c in &frame.columns {
                if Some(c.name.as_str()) == drop_column {
                    continue;
                }
                match &c.data {
                    ColumnData::Numeric(v) => cols.push(v),
                    ColumnData::Text(_) => {
                        return Err(err(
                            path,
                            format!(
                                "column `{}` is not numeric; encode it before attacking",
                                c.name
                            ),
                        ));
                    }
                }
                names.push(c.name.clone());
            }
            if let Some(d) = drop_column
                && frame.column(d).is_none()
            {
                return Err(err(path, format!("no column named `{d}`")));
            }
            let rows = frame.rows;
            let mut data = Vec::with_capacity(rows * cols.len());
            for r in 0..rows {
                data.extend(cols.iter().map(|c| c[r] as f32));
            }
            Ok(Matrix {
                rows,
                cols: cols.len(),
                data,
                names: Some(names),
            })
        }
    }
}

fn read_frame(path: &Path) -> Result<Frame, DatasetError> {
    Frame::read(path, &ReadOptions::default(), &Schema::default()).map_err(|e| DatasetError {
        path: path.display().to_string(),
        message: e
            .to_string()
            .trim_start_matches(&format!("{}: ", path.display()))
            .to_string(),
    })
}

/// Loads class labels: from a `.npy` or single-column `.csv`, or from `column` of a table
/// (for a CSV without a header, `column` may be a position: `last`, `3`, `-1`).
/// Labels must be non-negative integers (floats that are whole numbers are accepted).
pub fn load_labels(path: &Path, column: Option<&str>) -> Result<Vec<usize>, DatasetError> {
    let values: Vec<f64> = match (ext(path).as_str(), column) {
        ("npy", _) => {
            let a = parse_npy(&read_bytes(path)?).map_err(|m| err(path, m))?;
            if a.shape.len() > 2 || (a.shape.len() == 2 && a.shape[1] != 1) {
                return Err(err(
                    path,
                    format!("labels must be one column, shape is {:?}", a.shape),
                ));
            }
            a.values
        }
        ("csv" | "tsv" | "txt", col) => {
            let (names, _, cols, data) = parse_csv(
                path,
                &read_bytes(path)?,
                if ext(path) == "tsv" { b'\t' } else { b',' },
            )?;
            let j = match col {
                Some(c) => column_index(path, c, names.as_deref(), cols)?,
                None if cols == 1 => 0,
                None => {
                    return Err(err(
                        path,
                        format!("has {cols} columns; name the label column"),
                    ));
                }
            };
            data.chunks(cols).map(|r| r[j]).collect()
        }
        (_, col) => {
            let frame = read_frame(path)?;
            let c = match col {
                Some(c) => frame
                    .column(c)
                    .ok_or_else(|| err(path, format!("no column named `{c}`")))?,
                None if frame.columns.len() == 1 => &frame.columns[0],
                None => return Err(err(path, "has several columns; name the label column")),
            };
            match &c.data {
                ColumnData::Numeric(v) => v.clone(),
                ColumnData::Text(_) => {
                    return Err(err(
                        path,
                        format!("label column `{}` is not numeric", c.name),
                    ));
                }
            }
        }
    };
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < 1e9 {
                Ok(v as usize)
            } else {
                Err(err(
                    path,
                    format!(
                        "row {}: label {v} is not a class index (a non-negative integer)",
                        i + 1
                    ),
                ))
            }
        })
        .collect()
}

/// A decoded `.npy` array (values widened to `f64`).
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// Dimensions.
    pub shape: Vec<usize>,
    /// Values in C order.
    pub values: Vec<f64>,
}

/// Parses `.npy` bytes (format versions 1–3).
pub fn parse_npy(b: &[u8]) -> Result<NpyArray, String> {
    if b.len() < 10 || &b[..6] != b"\x93NUMPY" {
        return Err("not a NumPy .npy file (bad magic)".into());
    }
    let (hlen, start) = match b[6] {
        1 => (usize::from(u16::from_le_bytes([b[8], b[9]])), 10),
        2 | 3 => {
            if b.len() < 12 {
                return Err("truncated .npy header".into());
            }
            (u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize, 12)
        }
        v => return Err(format!("unsupported .npy version {v}")),
    };
    if hlen > MAX_NPY_HEADER || start + hlen > b.len() {
        return Err("bad .npy header length".into());
    }
    let header = std::str::from_utf8(&b[start..start + hlen])
        .map_err(|_| ".npy header is not text".to_string())?;
    let field = |key: &str| -> Result<&str, String> {
        let k = header
            .find(&format!("'{key}'"))
            .ok_or_else(|| format!(".npy header lacks '{key}'"))?;
        let rest = &header[k + key.len() + 2..];
        let colon = rest.find(':').ok_or("malformed .npy header")?;
        Ok(rest[colon + 1..].trim_start())
    };
    let descr = field("descr")?;
    let descr = descr
        .strip_prefix('\'')
        .and_then(|d| d.split('\'').next())
        .ok_or("malformed descr in .npy header")?;
    let fortran = field("fortran_order")?.starts_with("True");
    let shape_s = field("shape")?;
    let shape_s = shape_s
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or("malformed shape in .npy header")?;
    let shape: Vec<usize> = shape_s
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.trim_end_matches('L')
                .parse::<usize>()
                .map_err(|_| format!("bad dimension `{s}` in .npy shape"))
        })
        .collect::<Result<_, _>>()?;
    let count = shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or("the .npy shape overflows")?;
    let (order, kind, width) = {
        let bytes = descr.as_bytes();
        if bytes.len() < 3 {
            return Err(format!("unsupported dtype `{descr}`"));
        }
        let w: usize = descr
            .get(2..)
            .and_then(|w| w.parse().ok())
            .ok_or_else(|| format!("unsupported dtype `{descr}`"))?;
        (bytes[0], bytes[1], w)
    };
    if order == b'>' && width > 1 {
        return Err(format!("big-endian dtype `{descr}` is not supported"));
    }
    if !matches!(
        (kind, width),
        (b'f', 4 | 8) | (b'i' | b'u', 1 | 2 | 4 | 8) | (b'b', 1)
    ) {
        return Err(format!(
            "unsupported dtype `{descr}` (need float, integer or bool)"
        ));
    }
    let body = &b[start + hlen..];
    let need = count.checked_mul(width).ok_or("the .npy shape overflows")?;
    if body.len() < need {
        return Err(format!(
            ".npy data is truncated: {} bytes for {count} values of {width} bytes",
            body.len()
        ));
    }
    let mut values: Vec<f64> = body[..need]
        .chunks_exact(width)
        .map(|c| match (kind, width) {
            (b'f', 4) => f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            (b'f', _) => f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]),
            (b'i', 1) => f64::from(c[0] as i8),
            (b'i', 2) => f64::from(i16::from_le_bytes([c[0], c[1]])),
            (b'i', 4) => f64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            (b'i', _) => {
                i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f64
            }
            (_, 1) => f64::from(c[0]),
            (_, 2) => f64::from(u16::from_le_bytes([c[0], c[1]])),
            (_, 4) => f64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            _ => u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f64,
        })
        .collect();
    if fortran && shape.len() == 2 {
        let (r, c) = (shape[0], shape[1]);
        let mut t = vec![0f64; values.len()];
        for i in 0..r {
            for j in 0..c {
                t[i * c + j] = values[j * r + i];
            }
        }
        values = t;
    } else if fortran && shape.len() > 2 {
        return Err("Fortran-order arrays of rank > 2 are not supported".into());
    }
    Ok(NpyArray { shape, values })
}

/// Header names (if any), rows, columns, values.
type CsvTable = (Option<Vec<String>>, usize, usize, Vec<f64>);

/// Parses a numeric CSV: returns (header names if the first line is not numeric, rows, cols,
/// values). Empty fields and `nan` read as NaN.
fn parse_csv(path: &Path, bytes: &[u8], delim: u8) -> Result<CsvTable, DatasetError> {
    let text =
        std::str::from_utf8(bytes).map_err(|e| err(path, format!("not UTF-8 text ({e})")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let d = char::from(delim);
    let mut names = None;
    let mut cols = 0usize;
    let mut data = Vec::new();
    let mut rows = 0usize;
    for (ln, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(d).map(|f| f.trim().trim_matches('"')).collect();
        let parsed: Vec<Option<f64>> = fields
            .iter()
            .map(|f| match f.to_ascii_lowercase().as_str() {
                "" | "nan" | "na" => Some(f64::NAN),
                s => s.parse::<f64>().ok(),
            })
            .collect();
        if rows == 0 && names.is_none() && parsed.iter().any(Option::is_none) {
            names = Some(fields.iter().map(|s| s.to_string()).collect::<Vec<_>>());
            cols = fields.len();
            continue;
        }
        if cols == 0 {
            cols = fields.len();
        }
        if fields.len() != cols {
            return Err(err(
                path,
                format!("line {}: {} fields, expected {cols}", ln + 1, fields.len()),
            ));
        }
        for (j, p) in parsed.iter().enumerate() {
            match p {
                Some(v) => data.push(*v),
                None => {
                    return Err(err(
                        path,
                        format!(
                            "line {}, column {}: `{}` is not a number",
                            ln + 1,
                            j + 1,
                            fields[j]
                        ),
                    ));
                }
            }
        }
        rows += 1;
    }
    if rows == 0 {
        return Err(err(path, "no data rows"));
    }
    Ok((names, rows, cols, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(descr: &str, shape: &str, body: &[u8]) -> Vec<u8> {
        let mut h = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
        while (10 + h.len() + 1) % 64 != 0 {
            h.push(' ');
        }
        h.push('\n');
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend((h.len() as u16).to_le_bytes());
        b.extend(h.as_bytes());
        b.extend(body);
        b
    }

    #[test]
    fn npy_float_and_int() {
        let body: Vec<u8> = [1.5f32, -2.0, 3.0, 4.25]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let a = parse_npy(&npy("<f4", "(2, 2)", &body)).unwrap();
        assert_eq!(a.shape, vec![2, 2]);
        assert_eq!(a.values, vec![1.5, -2.0, 3.0, 4.25]);
        let body: Vec<u8> = [7i64, 0, 3].iter().flat_map(|v| v.to_le_bytes()).collect();
        let a = parse_npy(&npy("<i8", "(3,)", &body)).unwrap();
        assert_eq!(a.values, vec![7.0, 0.0, 3.0]);
    }

    #[test]
    fn npy_rejects_bad_input() {
        assert!(parse_npy(b"hello").is_err());
        assert!(
            parse_npy(&npy("<f4", "(2, 2)", &[0; 8]))
                .unwrap_err()
                .contains("truncated")
        );
        assert!(parse_npy(&npy("|O", "(1,)", &[0; 8])).is_err());
        assert!(parse_npy(&npy("<f4", "(99999999999, 99999999999, 99999999999)", &[])).is_err());
    }

    #[test]
    fn csv_with_and_without_header() {
        let p = Path::new("t.csv");
        let (n, r, c, d) = parse_csv(p, b"a,b\n1,2\n3,4\n", b',').unwrap();
        assert_eq!(
            (n.unwrap(), r, c, d),
            (
                vec!["a".to_string(), "b".to_string()],
                2,
                2,
                vec![1., 2., 3., 4.]
            )
        );
        let (n, r, _, _) = parse_csv(p, b"1,2\n3,4\n", b',').unwrap();
        assert!(n.is_none());
        assert_eq!(r, 2);
        let e = parse_csv(p, b"1,2\n3,x\n", b',').unwrap_err().to_string();
        assert!(e.contains("line 2, column 2"), "{e}");
    }
}

#[cfg(test)]
mod table_tests {
    use super::*;

    #[test]
    fn jsonl_features_and_named_label_column() {
        let dir = std::env::temp_dir().join(format!("mlsec-redteam-ds-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("t.jsonl");
        std::fs::write(
            &p,
            "{\"a\": 0.5, \"b\": 1, \"y\": 1}\n{\"a\": 0.25, \"b\": 2, \"y\": 0}\n",
        )
        .unwrap();
        let x = load_features(&p, Some("y")).unwrap();
        assert_eq!((x.rows, x.cols), (2, 2));
        assert_eq!(x.data, vec![0.5, 1.0, 0.25, 2.0]);
        assert_eq!(
            x.names.as_deref(),
            Some(&["a".to_string(), "b".to_string()][..])
        );
        assert_eq!(load_labels(&p, Some("y")).unwrap(), vec![1, 0]);
        let e = load_labels(&p, Some("nope")).unwrap_err().to_string();
        assert!(e.contains("t.jsonl") && e.contains("nope"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
