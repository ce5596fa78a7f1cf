//! Column types and roles, inferred from the data and overridable in a small TOML schema.
//!
//! ```toml
//! # schema.toml
//! [columns.age]
//! type = "numeric"            # numeric | categorical | text | datetime
//!
//! [columns.label]
//! type = "categorical"
//! role = "target"             # feature (default) | target | prediction | sensitive | id | ignore
//!
//! [columns.gender]
//! role = "sensitive"          # type left out: inferred from the data
//! ```
//!
//! Errors name the file, line and column of the offending key.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::table::DataError;

/// How a column's values are compared and tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    /// Numbers (integers and floats), compared as real values.
    Numeric,
    /// A small set of labels, compared by frequency.
    Categorical,
    /// Free text (high cardinality strings); not drift-tested value by value.
    Text,
    /// Dates and timestamps.
    Datetime,
}

impl ColumnType {
    /// The lowercase name used in schemas and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnType::Numeric => "numeric",
            ColumnType::Categorical => "categorical",
            ColumnType::Text => "text",
            ColumnType::Datetime => "datetime",
        }
    }
}

/// What a column means to the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnRole {
    /// An input feature (the default).
    #[default]
    Feature,
    /// The label the model is trained to predict.
    Target,
    /// The model's output, logged beside the features.
    Prediction,
    /// A protected attribute (fairness, l-diversity).
    Sensitive,
    /// A row identifier: never tested for drift.
    Id,
    /// Left out of every analysis.
    Ignore,
}

impl ColumnRole {
    /// The lowercase name used in schemas and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnRole::Feature => "feature",
            ColumnRole::Target => "target",
            ColumnRole::Prediction => "prediction",
            ColumnRole::Sensitive => "sensitive",
            ColumnRole::Id => "id",
            ColumnRole::Ignore => "ignore",
        }
    }
}

/// One column's declared type and role; either may be left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// Declared type; inferred from the data when absent.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub ty: Option<ColumnType>,
    /// Declared role; `feature` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<ColumnRole>,
}

/// A dataset schema: per-column overrides of the inferred types and roles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    /// Column name → declared type and role.
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnSpec>,
}

impl Schema {
    /// Parses a schema from TOML text; `origin` names the file in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Schema, DataError> {
        toml::from_str::<Schema>(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let (line, col) = line_col(text, s.start);
                    format!("{origin}:{line}:{col}")
                })
                .unwrap_or_else(|| origin.to_string());
            DataError::Schema(format!("{at}: {}", e.message()))
        })
    }

    /// Reads and parses a schema file.
    pub fn load(path: &Path) -> Result<Schema, DataError> {
        let text = std::fs::read_to_string(path).map_err(|e| DataError::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        Schema::from_toml(&text, &path.display().to_string())
    }

    /// The declared spec of a column, if any.
    pub fn get(&self, name: &str) -> Option<&ColumnSpec> {
        self.columns.get(name)
    }

    /// Names declared in the schema that are not among `present` (a typo in a schema should not
    /// pass silently).
    pub fn unknown_columns<'a>(&'a self, present: &[&str]) -> Vec<&'a str> {
        self.columns
            .keys()
            .filter(|k| !present.contains(&k.as_str()))
            .map(String::as_str)
            .collect()
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.len(), |i| before.len() - i - 1)
        + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_types_and_roles() {
        let s = Schema::from_toml(
            "[columns.age]\ntype = \"numeric\"\n[columns.y]\nrole = \"target\"\ntype = \"categorical\"\n",
            "s.toml",
        )
        .unwrap();
        assert_eq!(s.get("age").unwrap().ty, Some(ColumnType::Numeric));
        assert_eq!(s.get("y").unwrap().role, Some(ColumnRole::Target));
        assert_eq!(s.unknown_columns(&["age"]), vec!["y"]);
    }

    #[test]
    fn errors_point_at_the_line() {
        let e = Schema::from_toml("[columns.age]\ntype = \"numbr\"\n", "s.toml").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("s.toml:2:"), "{msg}");
        let e = Schema::from_toml("[columns.age]\nkind = \"numeric\"\n", "s.toml").unwrap_err();
        assert!(e.to_string().contains("s.toml:2:1"), "{e}");
    }
}
