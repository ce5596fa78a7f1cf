//! Data-quality checks beside drift: changes between a reference and a current dataset that no
//! distribution test sees, because they live in the missing values, the edges of the range, the
//! set of categories, the column types or the rows themselves.
//!
//! Both files are streamed through [`crate::table::open`] in bounded record batches: the
//! reference once to build a [`Profile`], the current once against it (values outside the
//! reference range can only be counted once that range is known). Memory per column is a few
//! counters, at most [`QualityConfig::max_categories`] category counts, and a handful of
//! examples; the duplicate-row check keeps one 64-bit hash per row (8 bytes a row) up to
//! [`QualityConfig::max_duplicate_rows`] rows and reports that it stopped beyond.
//!
//! Every check has a stable code and a severity, documented on [`Check`]:
//!
//! | code | check | default severity |
//! |---|---|---|
//! | DQ001 | missing rate changed | high ≥ 10 points or all missing, medium above the floor, low for a drop |
//! | DQ002 | values outside the reference range | high ≥ 5 %, medium ≥ 1 % |
//! | DQ003 | new categories | high ≥ 5 % of rows, medium ≥ 0.1 % |
//! | DQ004 | vanished categories | medium |
//! | DQ005 | type changed | high |
//! | DQ006 | constant column | high when only current is constant, low when both are |
//! | DQ007 | duplicate rows increased | medium |
//! | DQ008 | column removed | high |
//! | DQ009 | column added | low |
//! | DQ010 | check incomplete (a limit was hit) | info |
//!
//! The output, [`QualityIssue`], serialises to the `quality` entries of `mlsec.drift/v1`:
//! `{"column", "check", "name", "severity", "message", "reference", "current"}`.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;
use serde::Serialize;
use serde_json::{Value, json};

use crate::schema::{ColumnRole, ColumnType, Schema};
use crate::table::{self, DataError, ReadOptions};

/// A data-quality check. Codes are stable and never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Check {
    /// **DQ001 — missing rate changed.**
    ///
    /// *What it detects:* the share of missing values in a column differs between reference and
    /// current by at least [`QualityConfig::missing_min_diff`] (absolute) and a two-sided
    /// two-proportion z-test (pooled variance) rejects equality at [`QualityConfig::alpha`].
    ///
    /// *Why it matters:* drift tests compare the values that are present and ignore the gaps, so
    /// an upstream join that starts failing for 10 % of rows is invisible to them; the model then
    /// sees imputed defaults for those rows.
    ///
    /// *Example:* `num_18` has no missing values in the reference and 10 % in the current file.
    ///
    /// *References:* Breck et al., "Data Validation for Machine Learning" (MLSys 2019);
    /// TFDV / Evidently "share of missing values" tests.
    MissingRate,
    /// **DQ002 — values outside the reference range.**
    ///
    /// *What it detects:* the share of current values below the reference minimum or above the
    /// reference maximum is at least [`QualityConfig::range_min_share`] and far above what
    /// chance gives (for exchangeable data a new value exceeds the reference extremes with
    /// probability 2/(n+1); one-sided z-test at [`QualityConfig::alpha`]). Numeric columns only;
    /// datetime columns move forward by nature and are skipped.
    ///
    /// *Why it matters:* models extrapolate badly (trees clamp, linear models overshoot), and a
    /// unit change (metres to millimetres) or an encoding change (0–19 to 0–29) shows up here
    /// first.
    ///
    /// *Example:* `num_06` took integers 0–19 in the reference; a third of current rows are 20–29.
    ///
    /// *References:* Evidently `TestShareOfOutRangeValues`; Great Expectations
    /// `expect_column_values_to_be_between`.
    OutOfRange,
    /// **DQ003 — new categories.**
    ///
    /// *What it detects:* labels of a categorical column that never occur in the reference and
    /// together cover at least [`QualityConfig::new_category_min_share`] of current rows.
    ///
    /// *Why it matters:* encoders map unseen labels to an "unknown" bucket or fail; a new label
    /// often means an upstream vocabulary change, or injected values.
    ///
    /// *Example:* `cat_1` had labels a, b, c; 10 % of current rows are `f`.
    ///
    /// *References:* Evidently `TestNumberOfNewValues`/`TestShareOfOutListValues`; TFDV domain
    /// checks.
    NewCategory,
    /// **DQ004 — vanished categories.**
    ///
    /// *What it detects:* reference labels absent from the current data although at least
    /// [`QualityConfig::vanish_min_expected`] rows were expected from their reference share
    /// (absence by chance then has probability below e^-10).
    ///
    /// *Why it matters:* a segment of traffic stopped arriving (a region, a device type), or a
    /// label was renamed upstream.
    ///
    /// *Example:* `device` had 8 % `tablet` rows in the reference and none now.
    ///
    /// *References:* TFDV domain checks.
    VanishedCategory,
    /// **DQ005 — type changed.**
    ///
    /// *What it detects:* a column whose value type differs between the files (numeric in the
    /// reference, strings in the current; boolean vs text; …).
    ///
    /// *Why it matters:* pipelines coerce silently (to NaN, to 0), so the model sees garbage while
    /// every drift test of the coerced values looks normal.
    ///
    /// *Example:* `price` is numeric in the reference; the current file has `"12,50"`.
    ///
    /// *References:* Evidently `TestColumnsType`; TFDV schema validation.
    TypeChanged,
    /// **DQ006 — constant column.**
    ///
    /// *What it detects:* a column with a single distinct non-missing value in the current data
    /// (high when the reference varied: a broken feature; low when both are constant: a useless
    /// one).
    ///
    /// *Why it matters:* a feature stuck at a default carries no signal, and distance-based
    /// drift tests can underrate it when the constant sits in the middle of the reference.
    ///
    /// *Example:* `num_07` is 100.0 in every current row.
    ///
    /// *References:* Evidently `TestNumberOfConstantColumns`.
    Constant,
    /// **DQ007 — duplicate rows increased.**
    ///
    /// *What it detects:* the share of rows that repeat an earlier row (all values equal; counted
    /// exactly through a 64-bit hash of the row) rose by at least
    /// [`QualityConfig::duplicate_min_diff`] over the reference and a one-sided two-proportion
    /// z-test agrees.
    ///
    /// *Why it matters:* replayed batches, retry storms and some poisoning attacks duplicate rows;
    /// duplicates also leak between train and test splits.
    ///
    /// *Example:* 5 % of current rows are exact copies of other current rows; the reference had none.
    ///
    /// *References:* Evidently `TestNumberOfDuplicatedRows`.
    Duplicates,
    /// **DQ008 — column removed.**
    ///
    /// *What it detects:* a reference column absent from the current data.
    ///
    /// *Why it matters:* the model's input is incomplete; whatever fills the gap is a guess.
    ///
    /// *Example:* `income` is in the reference header, not in the current one.
    ///
    /// *References:* Evidently `TestNumberOfColumns`; TFDV schema validation.
    ColumnRemoved,
    /// **DQ009 — column added.**
    ///
    /// *What it detects:* a current column absent from the reference.
    ///
    /// *Why it matters:* usually harmless, but it often comes with a renamed column (see DQ008)
    /// and it is never drift-tested.
    ///
    /// *Example:* `income_usd` appears while `income` vanished.
    ///
    /// *References:* Evidently `TestNumberOfColumns`.
    ColumnAdded,
    /// **DQ010 — check incomplete.**
    ///
    /// *What it detects:* a check stopped at a limit (more categories than
    /// [`QualityConfig::max_categories`], more rows than [`QualityConfig::max_duplicate_rows`]).
    ///
    /// *Why it matters:* a check that did not run is not a check that passed.
    ///
    /// *Example:* `user_id` has more than 10 000 distinct values; category checks skipped.
    ///
    /// *References:* —
    Incomplete,
}

impl Check {
    /// Every check, in code order.
    pub const ALL: [Check; 10] = [
        Check::MissingRate,
        Check::OutOfRange,
        Check::NewCategory,
        Check::VanishedCategory,
        Check::TypeChanged,
        Check::Constant,
        Check::Duplicates,
        Check::ColumnRemoved,
        Check::ColumnAdded,
        Check::Incomplete,
    ];

    /// The stable code (`DQ001`…).
    pub fn code(self) -> &'static str {
        match self {
            Check::MissingRate => "DQ001",
            Check::OutOfRange => "DQ002",
            Check::NewCategory => "DQ003",
            Check::VanishedCategory => "DQ004",
            Check::TypeChanged => "DQ005",
            Check::Constant => "DQ006",
            Check::Duplicates => "DQ007",
            Check::ColumnRemoved => "DQ008",
            Check::ColumnAdded => "DQ009",
            Check::Incomplete => "DQ010",
        }
    }

    /// A short kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Check::MissingRate => "missing-rate-changed",
            Check::OutOfRange => "out-of-range-values",
            Check::NewCategory => "new-categories",
            Check::VanishedCategory => "vanished-categories",
            Check::TypeChanged => "type-changed",
            Check::Constant => "constant-column",
            Check::Duplicates => "duplicate-rows",
            Check::ColumnRemoved => "column-removed",
            Check::ColumnAdded => "column-added",
            Check::Incomplete => "check-incomplete",
        }
    }
}

/// How serious an issue is; the names match `mlsec_core::Severity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IssueSeverity {
    /// Worth knowing.
    Info,
    /// Unusual, rarely harmful.
    Low,
    /// Needs a look.
    Medium,
    /// Likely to hurt the model.
    High,
}

impl IssueSeverity {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            IssueSeverity::Info => "info",
            IssueSeverity::Low => "low",
            IssueSeverity::Medium => "medium",
            IssueSeverity::High => "high",
        }
    }
}

/// One data-quality finding, in the wire shape of `mlsec.drift/v1`'s `quality` list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualityIssue {
    /// The column, or `None` for dataset-level issues (duplicates).
    pub column: Option<String>,
    /// The stable code (`DQ001`…).
    pub check: &'static str,
    /// The check's short name.
    pub name: &'static str,
    /// How serious.
    pub severity: IssueSeverity,
    /// One human sentence.
    pub message: String,
    /// What the reference had (a number, a list, an object of numbers).
    pub reference: Value,
    /// What the current data has.
    pub current: Value,
}

/// Thresholds of the checks. The defaults suit datasets of a few thousand rows and up.
#[derive(Debug, Clone, PartialEq)]
pub struct QualityConfig {
    /// Significance level of the z-tests (DQ001, DQ002, DQ007).
    pub alpha: f64,
    /// Smallest absolute change in missing rate reported (DQ001).
    pub missing_min_diff: f64,
    /// Smallest share of current values outside the reference range reported (DQ002).
    pub range_min_share: f64,
    /// Smallest share of current rows with unseen categories reported (DQ003).
    pub new_category_min_share: f64,
    /// Smallest expected current count of a reference category for its absence to count (DQ004).
    pub vanish_min_expected: f64,
    /// Smallest rise in the duplicate-row share reported (DQ007).
    pub duplicate_min_diff: f64,
    /// Distinct values tracked per column; beyond, category checks are skipped (DQ010).
    pub max_categories: usize,
    /// Rows hashed for the duplicate check (8 bytes each); beyond, it is skipped (DQ010).
    pub max_duplicate_rows: u64,
    /// Example values kept per issue.
    pub examples: usize,
}

impl Default for QualityConfig {
    fn default() -> Self {
        QualityConfig {
            alpha: 1e-3,
            missing_min_diff: 0.01,
            range_min_share: 0.01,
            new_category_min_share: 0.001,
            vanish_min_expected: 10.0,
            duplicate_min_diff: 0.01,
            max_categories: 10_000,
            max_duplicate_rows: 50_000_000,
            examples: 5,
        }
    }
}

/// The physical kind of a column's values, as far as type changes are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Integers and floats.
    Numeric,
    /// Dates and timestamps.
    Temporal,
    /// Booleans.
    Boolean,
    /// Strings.
    Text,
    /// Anything else (lists, structs, binary).
    Other,
}

impl ValueKind {
    fn of(dt: &DataType) -> ValueKind {
        match dt {
            DataType::Boolean => ValueKind::Boolean,
            DataType::Date32 | DataType::Date64 | DataType::Timestamp(..) => ValueKind::Temporal,
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => ValueKind::Text,
            d if d.is_numeric() => ValueKind::Numeric,
            _ => ValueKind::Other,
        }
    }

    /// Lowercase name for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueKind::Numeric => "numeric",
            ValueKind::Temporal => "datetime",
            ValueKind::Boolean => "boolean",
            ValueKind::Text => "text",
            ValueKind::Other => "nested/binary",
        }
    }
}

/// What is known about one column after a pass.
#[derive(Debug, Clone)]
pub struct ColumnProfile {
    /// Header name.
    pub name: String,
    /// Physical kind of the values.
    pub kind: ValueKind,
    /// Declared type, if the schema gives one.
    pub declared: Option<ColumnType>,
    /// Declared role.
    pub role: ColumnRole,
    /// Rows seen.
    pub rows: u64,
    /// Missing values (null, NaN).
    pub missing: u64,
    /// Smallest finite value (numeric and temporal kinds).
    pub min: Option<f64>,
    /// Largest finite value.
    pub max: Option<f64>,
    /// Category counts (text and boolean kinds), up to the limit.
    pub categories: HashMap<String, u64>,
    /// More distinct values than the limit: `categories` is partial.
    pub categories_overflow: bool,
    /// Distinct values seen (numeric: 0, 1 or 2 meaning "more than one").
    distinct_numeric: u8,
    first_numeric: Option<f64>,
    /// Current pass only: values below / above the reference range.
    pub below: u64,
    /// See `below`.
    pub above: u64,
    /// Current pass only: examples outside the reference range.
    pub range_examples: Vec<f64>,
    /// Text values that do not parse as numbers, for type-change messages.
    pub non_numeric_examples: Vec<String>,
}

impl ColumnProfile {
    fn new(name: &str, kind: ValueKind, schema: &Schema) -> ColumnProfile {
        let spec = schema.get(name);
        ColumnProfile {
            name: name.to_string(),
            kind,
            declared: spec.and_then(|s| s.ty),
            role: spec.and_then(|s| s.role).unwrap_or_default(),
            rows: 0,
            missing: 0,
            min: None,
            max: None,
            categories: HashMap::new(),
            categories_overflow: false,
            distinct_numeric: 0,
            first_numeric: None,
            below: 0,
            above: 0,
            range_examples: Vec::new(),
            non_numeric_examples: Vec::new(),
        }
    }

    /// Share of missing values.
    pub fn missing_rate(&self) -> f64 {
        if self.rows == 0 {
            0.0
        } else {
            self.missing as f64 / self.rows as f64
        }
    }

    /// Whether the column has exactly one distinct non-missing value.
    pub fn is_constant(&self) -> bool {
        match self.kind {
            ValueKind::Numeric | ValueKind::Temporal => self.distinct_numeric == 1,
            _ => !self.categories_overflow && self.categories.len() == 1,
        }
    }

    fn present(&self) -> u64 {
        self.rows - self.missing
    }
}

/// A one-pass summary of a dataset for the quality checks.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The file.
    pub path: String,
    /// Rows read.
    pub rows: u64,
    /// Per column, in file order.
    pub columns: Vec<ColumnProfile>,
    /// Rows that repeat an earlier row, once counted (`None` when the check was skipped).
    pub duplicate_rows: Option<u64>,
    row_hashes: Vec<u64>,
    hashes_overflow: bool,
}

impl Profile {
    /// The profile of column `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnProfile> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// The result of comparing two files.
#[derive(Debug, Clone)]
pub struct QualityReport {
    /// The reference profile.
    pub reference: Profile,
    /// The current profile (with out-of-range counts against the reference).
    pub current: Profile,
    /// What was found, most severe first.
    pub issues: Vec<QualityIssue>,
}

/// Streams `reference` then `current` and compares them.
pub fn check_files(
    reference: &Path,
    current: &Path,
    opts: &ReadOptions,
    schema: &Schema,
    cfg: &QualityConfig,
) -> Result<QualityReport, DataError> {
    let r = profile_file(reference, opts, schema, cfg, None)?;
    let c = profile_file(current, opts, schema, cfg, Some(&r))?;
    let issues = compare(&r, &c, cfg);
    Ok(QualityReport {
        reference: r,
        current: c,
        issues,
    })
}

/// Builds the profile of one file, streaming its batches. With `reference`, values outside the
/// reference range are counted too.
pub fn profile_file(
    path: &Path,
    opts: &ReadOptions,
    schema: &Schema,
    cfg: &QualityConfig,
    reference: Option<&Profile>,
) -> Result<Profile, DataError> {
    let batches = table::open(path, opts, schema)?;
    let arrow_schema = batches.schema();
    let mut p = ProfileBuilder::new(
        &path.display().to_string(),
        arrow_schema
            .fields()
            .iter()
            .map(|f| (f.name().as_str(), f.data_type())),
        schema,
        cfg,
        reference,
    );
    for batch in batches {
        p.update(&batch?)?;
    }
    Ok(p.finish())
}

/// Accumulates a [`Profile`] batch by batch (for callers that already stream the batches,
/// e.g. the drift engine, so the file is read once).
#[derive(Debug)]
pub struct ProfileBuilder<'r> {
    profile: Profile,
    cfg: QualityConfig,
    /// Reference range per column index of this file.
    ranges: Vec<Option<(f64, f64)>>,
    _reference: Option<&'r Profile>,
}

impl<'r> ProfileBuilder<'r> {
    /// A builder for a file with these `(name, type)` columns.
    pub fn new<'a>(
        path: &str,
        fields: impl IntoIterator<Item = (&'a str, &'a DataType)>,
        schema: &Schema,
        cfg: &QualityConfig,
        reference: Option<&'r Profile>,
    ) -> ProfileBuilder<'r> {
        let columns: Vec<ColumnProfile> = fields
            .into_iter()
            .map(|(n, dt)| ColumnProfile::new(n, ValueKind::of(dt), schema))
            .collect();
        let ranges = columns
            .iter()
            .map(|c| {
                let r = reference?.column(&c.name)?;
                if r.kind != ValueKind::Numeric || c.kind != ValueKind::Numeric {
                    return None;
                }
                Some((r.min?, r.max?))
            })
            .collect();
        ProfileBuilder {
            profile: Profile {
                path: path.to_string(),
                rows: 0,
                columns,
                duplicate_rows: None,
                row_hashes: Vec::new(),
                hashes_overflow: false,
            },
            cfg: cfg.clone(),
            ranges,
            _reference: reference,
        }
    }

    /// Adds one record batch (its columns in the order given to [`ProfileBuilder::new`]).
    pub fn update(&mut self, batch: &RecordBatch) -> Result<(), DataError> {
        let n = batch.num_rows();
        if batch.num_columns() != self.profile.columns.len() {
            return Err(DataError::Parse {
                path: self.profile.path.clone(),
                message: format!(
                    "batch has {} columns, the file header {}",
                    batch.num_columns(),
                    self.profile.columns.len()
                ),
            });
        }
        let hash_rows = !self.profile.hashes_overflow
            && self.profile.rows + n as u64 <= self.cfg.max_duplicate_rows;
        if !hash_rows {
            self.profile.hashes_overflow = true;
            self.profile.row_hashes = Vec::new();
        }
        let mut hashes = if hash_rows {
            vec![0x243F_6A88_85A3_08D3u64; n]
        } else {
            Vec::new()
        };
        for (i, array) in batch.columns().iter().enumerate() {
            let range = self.ranges[i];
            let col = &mut self.profile.columns[i];
            update_column(col, array, range, &self.cfg, &mut hashes).map_err(|e| {
                DataError::Parse {
                    path: self.profile.path.clone(),
                    message: format!(
                        "column {:?} in the rows after row {}: {e}",
                        col.name, self.profile.rows
                    ),
                }
            })?;
        }
        self.profile.row_hashes.extend_from_slice(&hashes);
        self.profile.rows += n as u64;
        Ok(())
    }

    /// The finished profile (sorts the row hashes to count duplicates).
    pub fn finish(mut self) -> Profile {
        if !self.profile.hashes_overflow {
            let mut h = std::mem::take(&mut self.profile.row_hashes);
            h.sort_unstable();
            let distinct = if h.is_empty() {
                0
            } else {
                1 + h.windows(2).filter(|w| w[0] != w[1]).count() as u64
            };
            self.profile.duplicate_rows = Some(h.len() as u64 - distinct);
        }
        self.profile
    }
}

/// SplitMix64's finaliser: a fast, well-mixing 64-bit hash step.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn hash_bytes(b: &[u8]) -> u64 {
    // FNV-1a, finalised with mix64 so short strings spread over all 64 bits.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &x in b {
        h ^= u64::from(x);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    mix64(h ^ b.len() as u64)
}

const NULL_HASH: u64 = 0x9E37_79B9_7F4A_7C15;

fn combine(row: &mut u64, v: u64) {
    *row = mix64(row.rotate_left(23) ^ v);
}

fn update_column(
    col: &mut ColumnProfile,
    array: &ArrayRef,
    range: Option<(f64, f64)>,
    cfg: &QualityConfig,
    hashes: &mut [u64],
) -> Result<(), arrow_schema::ArrowError> {
    col.rows += array.len() as u64;
    match col.kind {
        ValueKind::Numeric | ValueKind::Temporal => {
            let values = table::to_f64(array)?;
            for (i, v) in values.into_iter().enumerate() {
                if v.is_nan() {
                    col.missing += 1;
                    if let Some(h) = hashes.get_mut(i) {
                        combine(h, NULL_HASH);
                    }
                    continue;
                }
                if let Some(h) = hashes.get_mut(i) {
                    // +0.0 and -0.0 are the same value.
                    let bits = if v == 0.0 { 0 } else { v.to_bits() };
                    combine(h, mix64(bits));
                }
                col.min = Some(col.min.map_or(v, |m| m.min(v)));
                col.max = Some(col.max.map_or(v, |m| m.max(v)));
                match col.first_numeric {
                    None => {
                        col.first_numeric = Some(v);
                        col.distinct_numeric = 1;
                    }
                    Some(f) if f != v => col.distinct_numeric = 2,
                    _ => {}
                }
                if let Some((lo, hi)) = range {
                    let out = if v < lo {
                        col.below += 1;
                        true
                    } else if v > hi {
                        col.above += 1;
                        true
                    } else {
                        false
                    };
                    if out && col.range_examples.len() < cfg.examples {
                        col.range_examples.push(v);
                    }
                }
            }
        }
        ValueKind::Text | ValueKind::Boolean | ValueKind::Other => {
            let mut visit = |i: usize, v: Option<&str>| match v {
                None => {
                    col.missing += 1;
                    if let Some(h) = hashes.get_mut(i) {
                        combine(h, NULL_HASH);
                    }
                }
                Some(s) => {
                    if let Some(h) = hashes.get_mut(i) {
                        combine(h, hash_bytes(s.as_bytes()));
                    }
                    if !col.categories_overflow {
                        if let Some(c) = col.categories.get_mut(s) {
                            *c += 1;
                        } else if col.categories.len() < cfg.max_categories {
                            col.categories.insert(s.to_string(), 1);
                        } else {
                            col.categories_overflow = true;
                            col.categories = HashMap::new();
                        }
                    }
                    if col.non_numeric_examples.len() < cfg.examples
                        && s.trim().parse::<f64>().is_err()
                        && !col.non_numeric_examples.iter().any(|e| e == s)
                    {
                        col.non_numeric_examples.push(s.to_string());
                    }
                }
            };
            match array.data_type() {
                DataType::Utf8 => {
                    let a = array.as_string::<i32>();
                    for i in 0..a.len() {
                        visit(i, (!a.is_null(i)).then(|| a.value(i)));
                    }
                }
                DataType::LargeUtf8 => {
                    let a = array.as_string::<i64>();
                    for i in 0..a.len() {
                        visit(i, (!a.is_null(i)).then(|| a.value(i)));
                    }
                }
                DataType::Utf8View => {
                    let a = array.as_string_view();
                    for i in 0..a.len() {
                        visit(i, (!a.is_null(i)).then(|| a.value(i)));
                    }
                }
                _ => {
                    for (i, v) in table::to_strings(array)?.into_iter().enumerate() {
                        visit(i, v.as_deref());
                    }
                }
            }
        }
    }
    Ok(())
}

/// The standard normal upper tail P(Z > z), from the complementary error function
/// (relative error below 1e-13 over the range used here).
pub fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// Complementary error function: W. J. Cody's rational approximations (as in many libms).
// Cody's published coefficients, kept digit for digit.
#[allow(clippy::excessive_precision)]
fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x <= 0.468_75 {
        return 1.0 - erf_small(x);
    }
    if x > 27.3 {
        return 0.0;
    }
    // Cody: erfc(x) = exp(-x^2) * R(x) on [0.5, 4], exp(-x^2)/x * (1/sqrt(pi) + R(1/x^2)/x^2) beyond.
    if x <= 4.0 {
        const P: [f64; 9] = [
            5.641_884_969_886_701e-1,
            8.883_149_794_388_376,
            6.611_919_063_714_163e1,
            2.986_351_381_974_001e2,
            8.819_522_212_417_69e2,
            1.712_047_612_634_070_7e3,
            2.051_078_377_826_071_6e3,
            1.230_339_354_797_997_2e3,
            2.153_115_354_744_038_3e-8,
        ];
        const Q: [f64; 8] = [
            1.574_492_611_070_983_5e1,
            1.176_939_508_913_125e2,
            5.371_811_018_620_098_5e2,
            1.621_389_574_566_690_2e3,
            3.290_799_235_733_459_7e3,
            4.362_619_090_143_247e3,
            3.439_367_674_143_721_6e3,
            1.230_339_354_803_749_5e3,
        ];
        let mut num = P[8] * x;
        let mut den = x;
        for i in 0..7 {
            num = (num + P[i]) * x;
            den = (den + Q[i]) * x;
        }
        let r = (num + P[7]) / (den + Q[7]);
        return exp_neg_sq(x) * r;
    }
    const P: [f64; 6] = [
        3.053_266_349_612_323e-1,
        3.603_448_999_498_044e-1,
        1.257_817_261_112_292_5e-1,
        1.608_378_514_874_227_5e-2,
        6.587_491_615_298_378e-4,
        1.631_538_713_730_909_7e-2,
    ];
    const Q: [f64; 5] = [
        2.568_520_192_289_822,
        1.872_952_849_923_460_4,
        5.279_051_029_514_284e-1,
        6.051_834_131_244_132e-2,
        2.335_204_976_268_691_8e-3,
    ];
    let z = 1.0 / (x * x);
    let mut num = P[5] * z;
    let mut den = z;
    for i in 0..4 {
        num = (num + P[i]) * z;
        den = (den + Q[i]) * z;
    }
    let r = z * (num + P[4]) / (den + Q[4]);
    let r = (1.0 / std::f64::consts::PI.sqrt() - r) / x;
    exp_neg_sq(x) * r
}

/// exp(-x²) without losing the low bits of x² (Cody's split).
fn exp_neg_sq(x: f64) -> f64 {
    let xs = (x * 16.0).trunc() / 16.0;
    let del = (x - xs) * (x + xs);
    (-xs * xs).exp() * (-del).exp()
}

#[allow(clippy::excessive_precision)]
fn erf_small(x: f64) -> f64 {
    const A: [f64; 5] = [
        3.161_123_743_870_565_6,
        1.138_641_541_510_501_6e2,
        3.774_852_376_853_020_2e2,
        3.209_377_589_138_469_4e3,
        1.857_777_061_846_031_5e-1,
    ];
    const B: [f64; 4] = [
        2.360_129_095_234_412_2e1,
        2.440_246_379_344_441_7e2,
        1.282_616_526_077_372_3e3,
        2.844_236_833_439_170_6e3,
    ];
    let z = x * x;
    let mut num = A[4] * z;
    let mut den = z;
    for i in 0..3 {
        num = (num + A[i]) * z;
        den = (den + B[i]) * z;
    }
    x * (num + A[3]) / (den + B[3])
}

/// Two-proportion z-test with pooled variance: `(z, two-sided p)` for `k1/n1` vs `k2/n2`,
/// as `statsmodels.stats.proportion.proportions_ztest` computes it.
pub fn two_proportion_z(k1: u64, n1: u64, k2: u64, n2: u64) -> (f64, f64) {
    if n1 == 0 || n2 == 0 {
        return (0.0, 1.0);
    }
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let p1 = k1 as f64 / n1f;
    let p2 = k2 as f64 / n2f;
    let p = (k1 + k2) as f64 / (n1f + n2f);
    let se = (p * (1.0 - p) * (1.0 / n1f + 1.0 / n2f)).sqrt();
    if se == 0.0 {
        return if p1 == p2 {
            (0.0, 1.0)
        } else {
            (f64::INFINITY.copysign(p2 - p1), 0.0)
        };
    }
    let z = (p2 - p1) / se;
    (z, 2.0 * normal_sf(z.abs()))
}

fn pct(x: f64) -> String {
    let v = x * 100.0;
    if v == 0.0 {
        "0%".into()
    } else if v.abs() >= 10.0 {
        format!("{v:.1}%")
    } else if v.abs() >= 0.1 {
        format!("{v:.2}%")
    } else {
        format!("{v:.3}%")
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Compares a current profile with the reference one. Issues come most severe first, then by
/// code and column.
pub fn compare(reference: &Profile, current: &Profile, cfg: &QualityConfig) -> Vec<QualityIssue> {
    let mut out = Vec::new();
    let issue = |column: Option<&str>,
                 check: Check,
                 severity: IssueSeverity,
                 message: String,
                 reference: Value,
                 current: Value| QualityIssue {
        column: column.map(str::to_string),
        check: check.code(),
        name: check.name(),
        severity,
        message,
        reference,
        current,
    };

    for r in &reference.columns {
        if r.role == ColumnRole::Ignore {
            continue;
        }
        let Some(c) = current.column(&r.name) else {
            out.push(issue(
                Some(&r.name),
                Check::ColumnRemoved,
                IssueSeverity::High,
                format!(
                    "column {:?} is in the reference but not in the current data",
                    r.name
                ),
                json!({"present": true}),
                json!({"present": false}),
            ));
            continue;
        };
        let name = Some(r.name.as_str());

        // DQ001
        let (rm, cm) = (r.missing_rate(), c.missing_rate());
        let (_, p) = two_proportion_z(r.missing, r.rows, c.missing, c.rows);
        if (cm - rm).abs() >= cfg.missing_min_diff && p < cfg.alpha {
            let severity = if c.rows > 0 && c.missing == c.rows || cm - rm >= 0.1 {
                IssueSeverity::High
            } else if cm > rm {
                IssueSeverity::Medium
            } else {
                IssueSeverity::Low
            };
            out.push(issue(
                name,
                Check::MissingRate,
                severity,
                format!(
                    "missing values {} from {} to {} (two-proportion z-test p = {:.3e})",
                    if cm > rm { "rose" } else { "fell" },
                    pct(rm),
                    pct(cm),
                    p
                ),
                json!({"missing_rate": round6(rm), "missing": r.missing, "rows": r.rows}),
                json!({"missing_rate": round6(cm), "missing": c.missing, "rows": c.rows, "p_value": p}),
            ));
        }

        // DQ005
        if r.kind != c.kind && c.present() > 0 && r.present() > 0 {
            let mut msg = format!(
                "values are {} in the reference but {} in the current data",
                r.kind.as_str(),
                c.kind.as_str()
            );
            if c.kind == ValueKind::Text && !c.non_numeric_examples.is_empty() {
                msg.push_str(&format!(
                    " (e.g. {})",
                    c.non_numeric_examples
                        .iter()
                        .map(|e| format!("{e:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            out.push(issue(
                name,
                Check::TypeChanged,
                IssueSeverity::High,
                msg,
                json!({"type": r.kind.as_str()}),
                json!({"type": c.kind.as_str(), "examples": c.non_numeric_examples}),
            ));
            continue;
        }

        // DQ002
        if c.kind == ValueKind::Numeric
            && let (Some(lo), Some(hi)) = (r.min, r.max)
        {
            let m = c.present();
            let k = c.below + c.above;
            if m > 0 && k > 0 {
                let share = k as f64 / m as f64;
                let p0 = (2.0 / (r.present() as f64 + 1.0)).min(1.0);
                let z = (k as f64 - m as f64 * p0) / (m as f64 * p0 * (1.0 - p0)).sqrt();
                let p = if z.is_finite() {
                    normal_sf(z)
                } else if z > 0.0 {
                    0.0
                } else {
                    1.0
                };
                if share >= cfg.range_min_share && p < cfg.alpha {
                    out.push(issue(
                        name,
                        Check::OutOfRange,
                        if share >= 0.05 {
                            IssueSeverity::High
                        } else {
                            IssueSeverity::Medium
                        },
                        format!(
                            "{} of current values lie outside the reference range [{}, {}] ({} below, {} above; current range [{}, {}])",
                            pct(share),
                            fmt(lo),
                            fmt(hi),
                            c.below,
                            c.above,
                            c.min.map_or("—".into(), fmt),
                            c.max.map_or("—".into(), fmt)
                        ),
                        json!({"min": lo, "max": hi}),
                        json!({"share": round6(share), "below": c.below, "above": c.above,
                               "min": c.min, "max": c.max, "examples": c.range_examples}),
                    ));
                }
            }
        }

        // DQ003 / DQ004 / DQ010 for categories
        if matches!(c.kind, ValueKind::Text | ValueKind::Boolean) {
            if r.categories_overflow || c.categories_overflow {
                out.push(issue(
                    name,
                    Check::Incomplete,
                    IssueSeverity::Info,
                    format!(
                        "more than {} distinct values: new and vanished categories not checked",
                        cfg.max_categories
                    ),
                    json!({"overflow": r.categories_overflow}),
                    json!({"overflow": c.categories_overflow}),
                ));
            } else {
                let mut new: Vec<(&String, u64)> = c
                    .categories
                    .iter()
                    .filter(|(k, _)| !r.categories.contains_key(*k))
                    .map(|(k, v)| (k, *v))
                    .collect();
                new.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
                let new_rows: u64 = new.iter().map(|x| x.1).sum();
                let share = if c.present() > 0 {
                    new_rows as f64 / c.present() as f64
                } else {
                    0.0
                };
                if !new.is_empty() && share >= cfg.new_category_min_share {
                    let shown: Vec<String> = new
                        .iter()
                        .take(cfg.examples)
                        .map(|(k, v)| format!("{k:?} ({})", pct(*v as f64 / c.present() as f64)))
                        .collect();
                    out.push(issue(
                        name,
                        Check::NewCategory,
                        if share >= 0.05 {
                            IssueSeverity::High
                        } else {
                            IssueSeverity::Medium
                        },
                        format!(
                            "{} new categor{} cover {} of current rows: {}{}",
                            new.len(),
                            if new.len() == 1 { "y" } else { "ies" },
                            pct(share),
                            shown.join(", "),
                            if new.len() > cfg.examples { ", …" } else { "" }
                        ),
                        json!({"categories": r.categories.len()}),
                        json!({"new": new.iter().take(cfg.examples).map(|x| x.0).collect::<Vec<_>>(),
                               "new_count": new.len(), "share": round6(share)}),
                    ));
                }
                let mut gone: Vec<(&String, u64)> = r
                    .categories
                    .iter()
                    .filter(|(k, v)| {
                        !c.categories.contains_key(*k)
                            && r.present() > 0
                            && **v as f64 / r.present() as f64 * c.present() as f64
                                >= cfg.vanish_min_expected
                    })
                    .map(|(k, v)| (k, *v))
                    .collect();
                gone.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
                if !gone.is_empty() {
                    let shown: Vec<String> = gone
                        .iter()
                        .take(cfg.examples)
                        .map(|(k, v)| format!("{k:?} ({})", pct(*v as f64 / r.present() as f64)))
                        .collect();
                    out.push(issue(
                        name,
                        Check::VanishedCategory,
                        IssueSeverity::Medium,
                        format!(
                            "{} reference categor{} absent from the current data: {}{}",
                            gone.len(),
                            if gone.len() == 1 { "y is" } else { "ies are" },
                            shown.join(", "),
                            if gone.len() > cfg.examples { ", …" } else { "" }
                        ),
                        json!({"vanished": gone.iter().take(cfg.examples).map(|x| x.0).collect::<Vec<_>>()}),
                        json!({"vanished_count": gone.len()}),
                    ));
                }
            }
        }

        // DQ006
        if c.is_constant() && c.present() > 1 {
            let value = match c.kind {
                ValueKind::Numeric | ValueKind::Temporal => c.first_numeric.map(fmt),
                _ => c.categories.keys().next().map(|k| format!("{k:?}")),
            }
            .unwrap_or_default();
            let both = r.is_constant();
            out.push(issue(
                name,
                Check::Constant,
                if both {
                    IssueSeverity::Low
                } else {
                    IssueSeverity::High
                },
                if both {
                    format!(
                        "constant in both files (always {value}): the column carries no information"
                    )
                } else {
                    format!("every current value is {value}; the reference varied")
                },
                json!({"constant": both}),
                json!({"constant": true, "value": value}),
            ));
        }
    }

    for c in &current.columns {
        if c.role != ColumnRole::Ignore && reference.column(&c.name).is_none() {
            out.push(issue(
                Some(&c.name),
                Check::ColumnAdded,
                IssueSeverity::Low,
                format!("column {:?} is new in the current data", c.name),
                json!({"present": false}),
                json!({"present": true}),
            ));
        }
    }

    // DQ007
    match (reference.duplicate_rows, current.duplicate_rows) {
        (Some(rd), Some(cd)) => {
            let rs = if reference.rows > 0 {
                rd as f64 / reference.rows as f64
            } else {
                0.0
            };
            let cs = if current.rows > 0 {
                cd as f64 / current.rows as f64
            } else {
                0.0
            };
            let (z, p2) = two_proportion_z(rd, reference.rows, cd, current.rows);
            let p = if z > 0.0 { p2 / 2.0 } else { 1.0 - p2 / 2.0 };
            if cs - rs >= cfg.duplicate_min_diff && p < cfg.alpha {
                out.push(issue(
                    None,
                    Check::Duplicates,
                    IssueSeverity::Medium,
                    format!(
                        "{cd} current rows ({}) repeat an earlier row; the reference had {rd} ({})",
                        pct(cs),
                        pct(rs)
                    ),
                    json!({"duplicates": rd, "rows": reference.rows, "share": round6(rs)}),
                    json!({"duplicates": cd, "rows": current.rows, "share": round6(cs), "p_value": p}),
                ));
            }
        }
        _ => out.push(issue(
            None,
            Check::Incomplete,
            IssueSeverity::Info,
            format!(
                "more than {} rows: duplicate rows not counted",
                cfg.max_duplicate_rows
            ),
            json!({"rows": reference.rows}),
            json!({"rows": current.rows}),
        )),
    }

    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.check.cmp(b.check))
            .then(a.column.cmp(&b.column))
    });
    out
}

fn fmt(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{v:.0}")
    } else if v.abs() >= 1e-3 && v.abs() < 1e6 {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{v:.3e}")
    }
}

/// The set of `(code, column)` pairs of a list of issues — handy for tests and summaries.
pub fn issue_keys(issues: &[QualityIssue]) -> BTreeSet<(String, String)> {
    issues
        .iter()
        .map(|i| (i.check.to_string(), i.column.clone().unwrap_or_default()))
        .collect()
}

#[cfg(test)]
mod tests;
