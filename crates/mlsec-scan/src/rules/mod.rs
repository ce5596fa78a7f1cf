//! Rules: one file per rule, each with a stable code from the table in [`ALL`].
//!
//! A rule file declares its [`Rule`] with `declare_rule!`; the doc comment on the declaration,
//! written in fixed sections (`## What it detects`, `## Why it matters`, `## Example`,
//! `## References`), is the rule's documentation: `mlsec rules CODE` prints it and SARIF carries
//! it as help text. Codes are never reused: a retired code moves to [`RETIRED`].

use mlsec_core::Severity;

/// The family a rule belongs to (its code prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// Cross-format checks (`GEN`).
    General,
    /// Pickle streams anywhere (`PKL`).
    Pickle,
    /// Archives and compressed streams (`ARC`).
    Archive,
    /// NumPy `.npy` / `.npz` (`NPY`).
    Numpy,
    /// PyTorch checkpoints (`TRC`).
    Torch,
    /// Keras `.keras` and H5 (`KRS`).
    Keras,
    /// TensorFlow SavedModel (`TFS`).
    TensorFlow,
    /// ONNX (`ONX`).
    Onnx,
    /// GGUF (`GGF`).
    Gguf,
    /// safetensors (`SFT`).
    Safetensors,
    /// Chat templates (Jinja) anywhere (`TPL`).
    Template,
}

impl Family {
    /// The lowercase name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::General => "general",
            Family::Pickle => "pickle",
            Family::Archive => "archive",
            Family::Numpy => "numpy",
            Family::Torch => "torch",
            Family::Keras => "keras",
            Family::TensorFlow => "tensorflow",
            Family::Onnx => "onnx",
            Family::Gguf => "gguf",
            Family::Safetensors => "safetensors",
            Family::Template => "template",
        }
    }

    /// The code prefix every rule of the family uses.
    pub fn prefix(self) -> &'static str {
        match self {
            Family::General => "GEN",
            Family::Pickle => "PKL",
            Family::Archive => "ARC",
            Family::Numpy => "NPY",
            Family::Torch => "TRC",
            Family::Keras => "KRS",
            Family::TensorFlow => "TFS",
            Family::Onnx => "ONX",
            Family::Gguf => "GGF",
            Family::Safetensors => "SFT",
            Family::Template => "TPL",
        }
    }
}

/// A rule's identity and documentation.
#[derive(Debug)]
pub struct Rule {
    /// Stable code such as `PKL001`.
    pub code: &'static str,
    /// Kebab-case name that says what is flagged, such as `unsafe-pickle-callable`.
    pub name: &'static str,
    /// The family (and code prefix).
    pub family: Family,
    /// Default severity; some rules report a severity that depends on the evidence.
    pub severity: Severity,
    /// One line, no trailing period.
    pub summary: &'static str,
    /// Markdown documentation in fixed sections (from the declaration's doc comment).
    pub doc: &'static str,
}

impl Rule {
    /// The documentation with the one leading space of each doc-comment line removed.
    pub fn doc_text(&self) -> String {
        self.doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    }

    /// The identifiers named under `## References` (CWE-…, AML.T…, ML0…, CVE-…, GHSA-…).
    /// Parsed once per rule of [`ALL`] (reports ask for them once per finding).
    pub fn references(&self) -> &'static [String] {
        static CACHE: std::sync::OnceLock<Vec<(&'static str, Vec<String>)>> =
            std::sync::OnceLock::new();
        let cache =
            CACHE.get_or_init(|| ALL.iter().map(|r| (r.code, r.parse_references())).collect());
        cache
            .iter()
            .find(|(code, _)| *code == self.code)
            .map(|(_, refs)| refs.as_slice())
            .unwrap_or(&[])
    }

    fn parse_references(&self) -> Vec<String> {
        let text = self.doc_text();
        let Some(refs) = text.split("## References").nth(1) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for tok in
            refs.split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '(' || c == ')')
        {
            let t = tok.trim_matches(|c: char| !c.is_ascii_alphanumeric());
            let known = ["CWE-", "AML.T", "CVE-", "GHSA-"]
                .iter()
                .any(|p| t.starts_with(p))
                || (t.len() >= 4
                    && t.starts_with("ML")
                    && t[2..4].chars().all(|c| c.is_ascii_digit()));
            if known && !out.iter().any(|o: &String| o == t) {
                out.push(t.to_string());
            }
        }
        out
    }
}

/// Declares a rule; the doc comment becomes its documentation.
///
/// ```ignore
/// declare_rule! {
///     /// ## What it detects
///     /// ...
///     pub static RULE = {
///         code: "PKL001", name: "unsafe-pickle-callable", family: Pickle,
///         severity: Critical, summary: "Pickle calls a callable that runs code",
///     };
/// }
/// ```
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub static $id:ident = {
            code: $code:literal,
            name: $name:literal,
            family: $family:ident,
            severity: $sev:ident,
            summary: $summary:literal $(,)?
        };
    ) => {
        $(#[doc = $doc])*
        pub static $id: $crate::rules::Rule = $crate::rules::Rule {
            code: $code,
            name: $name,
            family: $crate::rules::Family::$family,
            severity: ::mlsec_core::Severity::$sev,
            summary: $summary,
            doc: concat!($($doc, "\n"),*),
        };
    };
}

pub mod archive;
pub mod general;
pub mod gguf;
pub mod keras;
pub mod numpy;
pub mod onnx;
pub mod pickle;
pub mod safetensors;
pub mod template;
pub mod tensorflow;
pub mod torch;

/// Every rule, in code order. Adding a rule means adding its line here; the meta-test checks
/// that codes are unique, match their family prefix, are not retired, and have docs and a fixture.
pub static ALL: &[&Rule] = &[
    &general::disguised_format::RULE,
    &tensorflow::python_op::RULE,
    &tensorflow::file_access_op::RULE,
    &tensorflow::print_to_file::RULE,
    &tensorflow::debug_dump_op::RULE,
    &tensorflow::checkpoint_op_outside_saver::RULE,
    &tensorflow::asset_path_escape::RULE,
    &onnx::external_data_path::RULE,
    &onnx::custom_domain_op::RULE,
    &onnx::contrib_op::RULE,
    &onnx::python_op::RULE,
    &safetensors::header_length::RULE,
    &safetensors::header_not_json::RULE,
    &safetensors::duplicate_key::RULE,
    &safetensors::invalid_entry::RULE,
    &safetensors::unaccounted_data::RULE,
    &safetensors::zero_size_alias::RULE,
    &archive::path_traversal::RULE,
    &archive::link_escape::RULE,
    &archive::duplicate_member::RULE,
    &archive::zip_header_mismatch::RULE,
    &archive::zip_flags::RULE,
    &archive::crc_mismatch::RULE,
    &archive::data_outside_archive::RULE,
    &archive::decompression_bomb::RULE,
    &archive::special_member::RULE,
    &archive::encrypted_content::RULE,
    &gguf::implausible_count::RULE,
    &gguf::length_out_of_bounds::RULE,
    &gguf::malformed_metadata::RULE,
    &gguf::tensor_info_invalid::RULE,
    &gguf::duplicate_key::RULE,
    &gguf::trailing_data::RULE,
    &keras::lambda_bytecode::RULE,
    &keras::dangerous_api::RULE,
    &keras::module_outside_allowlist::RULE,
    &keras::custom_object::RULE,
    &keras::safe_mode_disabled::RULE,
    &keras::lambda_function::RULE,
    &keras::duplicate_key::RULE,
    &template::sandbox_escape::RULE,
    &template::obfuscated_attribute::RULE,
    &template::dangerous_call::RULE,
    &template::duplicate_key::RULE,
    &pickle::unsafe_callable::RULE,
    &pickle::non_allowlisted_callable::RULE,
    &pickle::unresolvable_callable::RULE,
    &pickle::embedded_code::RULE,
    &pickle::frame_divergence::RULE,
    &pickle::broken_stream::RULE,
    &pickle::data_after_stop::RULE,
    &pickle::extension_code::RULE,
    &pickle::mutates_imported_object::RULE,
    &pickle::protocol_anomaly::RULE,
    &numpy::object_array::RULE,
    &numpy::trailing_data::RULE,
    &torch::torchscript_file_access::RULE,
    &torch::torchscript_custom_op::RULE,
    &torch::torchscript_program::RULE,
    &torch::torch_package_program::RULE,
    &torch::torch_package_code::RULE,
];

/// Codes that were used once and must never be reused.
pub static RETIRED: &[&str] = &[];

/// Looks a rule up by code (case-insensitive) or name.
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    ALL.iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_prefixed_and_documented() {
        let mut seen = HashSet::new();
        for r in ALL {
            assert!(seen.insert(r.code), "duplicate code {}", r.code);
            assert!(!RETIRED.contains(&r.code), "{} is retired", r.code);
            assert!(
                r.code.starts_with(r.family.prefix()),
                "{} not prefixed {}",
                r.code,
                r.family.prefix()
            );
            assert_eq!(
                r.code.len(),
                6,
                "{}: codes are three letters and three digits",
                r.code
            );
            let doc = r.doc_text();
            for section in [
                "## What it detects",
                "## Why it matters",
                "## Example",
                "## References",
            ] {
                assert!(doc.contains(section), "{} lacks `{section}`", r.code);
            }
            let refs = r.references();
            assert!(
                refs.iter().any(|x| x.starts_with("CWE-")),
                "{} names no CWE",
                r.code
            );
            assert!(
                refs.iter().any(|x| x.starts_with("AML.T")),
                "{} names no MITRE ATLAS id",
                r.code
            );
            assert!(
                refs.iter().any(|x| x.starts_with("ML")),
                "{} names no OWASP ML Top 10 id",
                r.code
            );
            assert!(
                !r.summary.ends_with('.'),
                "{}: summary ends with a period",
                r.code
            );
            assert!(
                r.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit())
            );
        }
        let names: HashSet<_> = ALL.iter().map(|r| r.name).collect();
        assert_eq!(names.len(), ALL.len(), "rule names must be unique");
    }
}
