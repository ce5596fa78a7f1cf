//! The poisoning screens' stable codes (never reused) and their documentation, in the same
//! fixed sections as the scan rules.

/// One poisoning check: its code, name, one-line summary and documentation.
#[derive(Debug)]
pub struct Check {
    /// Stable code such as `PSN001`.
    pub code: &'static str,
    /// Kebab-case name of what is flagged.
    pub name: &'static str,
    /// One line for tables.
    pub summary: &'static str,
    /// The doc comment (What it detects / Why it matters / Example / References).
    pub doc: &'static str,
}

impl Check {
    /// The documentation without the one-space indent doc comments carry.
    pub fn doc_text(&self) -> String {
        self.doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    }
}

macro_rules! declare_check {
    ($(#[doc = $doc:literal])* pub static $id:ident = { code: $code:literal, name: $name:literal, summary: $summary:literal $(,)? };) => {
        $(#[doc = $doc])*
        pub static $id: Check = Check {
            code: $code,
            name: $name,
            summary: $summary,
            doc: concat!($($doc, "\n"),*),
        };
    };
}

declare_check! {
    /// ## What it detects
    /// A row whose label disagrees with the labels of its k nearest neighbours (exact kNN over
    /// the robustly standardised features), weighted by closeness: the score is the weighted
    /// share of neighbours with another label, and the check fires at 0.5 or more when the
    /// neighbours' weighted majority is another label.
    ///
    /// ## Why it matters
    /// Flipped labels, the cheapest poisoning attack, and honest annotation mistakes both put
    /// a row among rows of another class. Label flips of a few percent measurably lower
    /// accuracy, and targeted flips near the decision boundary move it where the attacker
    /// wants.
    ///
    /// ## Example
    /// In a fraud data set a transaction labelled `legit` whose ten nearest transactions are all
    /// labelled `fraud` (score 1.0, suggested label `fraud`).
    ///
    /// ## References
    /// MITRE ATLAS AML.T0020 (Poison Training Data); OWASP ML02:2023 Data Poisoning Attack;
    /// Biggio et al. 2012, Poisoning attacks against SVMs; Northcutt et al. 2021, Confident
    /// learning (JAIR 70); Wilson 1972, edited nearest neighbour.
    pub static KNN_DISAGREEMENT = {
        code: "PSN001",
        name: "label-disagrees-with-neighbours",
        summary: "Label differs from the labels of the row's nearest neighbours",
    };
}

declare_check! {
    /// ## What it detects
    /// Rows whose features are identical (after encoding) but whose labels differ.
    ///
    /// ## Why it matters
    /// The same input cannot honestly have two labels. Duplicating a row with another label
    /// is a direct way to poison a model; it also arises when data sets are merged from
    /// sources that disagree. At least one of the rows is wrong.
    ///
    /// ## Example
    /// Rows 17 and 2093 have the same values in every column; one is labelled `cat`, the
    /// other `dog`.
    ///
    /// ## References
    /// MITRE ATLAS AML.T0020 (Poison Training Data); OWASP ML02:2023 Data Poisoning Attack;
    /// Allamanis 2019, The adverse effects of code duplication in machine learning models of code.
    pub static CONFLICTING_DUPLICATE = {
        code: "PSN002",
        name: "conflicting-duplicate",
        summary: "Identical rows carry different labels",
    };
}

declare_check! {
    /// ## What it detects
    /// Rows within `--near-dup-eps` robust standard deviations of each other in every feature
    /// (L∞ distance), found by quantised-feature hashing plus the exact kNN pairs, whose
    /// labels differ.
    ///
    /// ## Why it matters
    /// An attacker who copies a row and flips its label usually perturbs it a little so that
    /// exact de-duplication misses it; near-identical rows with different labels are rarely
    /// legitimate.
    ///
    /// ## Example
    /// Two rows that differ only in the fourth decimal of `amount`, labelled `0` and `1`.
    ///
    /// ## References
    /// MITRE ATLAS AML.T0020 (Poison Training Data); OWASP ML02:2023 Data Poisoning Attack;
    /// Indyk and Motwani 1998, locality-sensitive hashing.
    pub static CONFLICTING_NEAR_DUPLICATE = {
        code: "PSN003",
        name: "conflicting-near-duplicate",
        summary: "Near-identical rows carry different labels",
    };
}

declare_check! {
    /// ## What it detects
    /// A row far from the other rows of its own class by two independent measures: the robust
    /// Mahalanobis distance from the class's Minimum Covariance Determinant estimate (FastMCD,
    /// seeded) beyond the chi-square quantile `--outlier-quantile`, and an isolation-forest
    /// score (Liu et al. 2008; seeded, 100 trees of 256 rows) above 0.5.
    ///
    /// ## Why it matters
    /// Poison rows are often crafted far from the clean data of their class (optimised
    /// poisoning points, mislabelled rows, injected garbage); a robust estimate is not pulled
    /// towards them the way a mean and covariance would be (masking).
    ///
    /// ## Example
    /// A `benign` tumour record whose size features lie twelve robust standard deviations from
    /// the other benign records.
    ///
    /// ## References
    /// MITRE ATLAS AML.T0020 (Poison Training Data); OWASP ML02:2023 Data Poisoning Attack;
    /// Rousseeuw and Van Driessen 1999, A fast algorithm for the MCD estimator (Technometrics
    /// 41); Liu, Ting and Zhou 2008, Isolation forest (ICDM); Steinhardt et al. 2017,
    /// Certified defenses for data poisoning.
    pub static CLASS_OUTLIER = {
        code: "PSN004",
        name: "class-outlier",
        summary: "Row is an outlier within its own class (robust Mahalanobis and isolation forest)",
    };
}

declare_check! {
    /// ## What it detects
    /// A value or narrow range of one or two features whose rows carry one label far more often
    /// than the data set does (purity and lift) while the same rows' neighbourhoods in the other
    /// features do not (a candidate backdoor trigger); the rows in the bin with that label are
    /// flagged.
    ///
    /// ## Why it matters
    /// A backdoor stamps a pattern on a few training rows and forces a target label; the model
    /// behaves normally until an input carries the pattern, then answers the attacker's label.
    /// Accuracy on clean data does not reveal it.
    ///
    /// ## Example
    /// 28 rows have `mean smoothness = 0.5` (nine robust standard deviations above the
    /// median); 100% are labelled `benign` against 63% overall (lift 1.6), while their
    /// neighbours by the other features are 41% `benign`.
    ///
    /// ## References
    /// MITRE ATLAS AML.T0020 (Poison Training Data), AML.T0018 (Backdoor ML Model); OWASP
    /// ML02:2023 Data Poisoning Attack; Gu et al. 2017, BadNets; Chen et al. 2017, Targeted
    /// backdoor attacks using data poisoning; Tran et al. 2018, Spectral signatures.
    pub static BACKDOOR_TRIGGER = {
        code: "PSN005",
        name: "backdoor-trigger-candidate",
        summary: "Feature value predicts one label only in a small cluster (backdoor trigger)",
    };
}

/// Every check, by code.
pub static ALL: [&Check; 5] = [
    &KNN_DISAGREEMENT,
    &CONFLICTING_DUPLICATE,
    &CONFLICTING_NEAR_DUPLICATE,
    &CLASS_OUTLIER,
    &BACKDOOR_TRIGGER,
];

/// The check with this code or name.
pub fn find(code: &str) -> Option<&'static Check> {
    ALL.iter()
        .copied()
        .find(|c| c.code.eq_ignore_ascii_case(code) || c.name == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_is_documented_with_a_unique_code() {
        let mut codes: Vec<&str> = ALL.iter().map(|c| c.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ALL.len());
        for c in ALL {
            assert!(c.code.starts_with("PSN") && c.code.len() == 6);
            let doc = c.doc_text();
            for s in [
                "## What it detects",
                "## Why it matters",
                "## Example",
                "## References",
            ] {
                assert!(doc.contains(s), "{} lacks {s}", c.code);
            }
            assert!(
                doc.contains("AML.T0020") && doc.contains("ML02"),
                "{}",
                c.code
            );
        }
        assert_eq!(find("psn003").unwrap().name, "conflicting-near-duplicate");
    }
}
