//! The drift tests a column can be given, with their names, default thresholds and meaning.

use serde::{Deserialize, Serialize};

use crate::schema::ColumnType;

/// A per-column drift test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftTest {
    /// Two-sample Kolmogorov–Smirnov (p-value; exact or asymptotic as SciPy decides).
    Ks,
    /// Wasserstein distance normalised by the reference standard deviation (Evidently).
    Wasserstein,
    /// Population stability index over Evidently's bins.
    Psi,
    /// Kullback–Leibler divergence over Evidently's bins.
    KlDiv,
    /// Jensen–Shannon distance over Evidently's bins / category shares.
    Jensenshannon,
    /// Hellinger distance.
    Hellinger,
    /// Evidently's chi-square: goodness of fit of current counts to the scaled reference counts.
    Chisquare,
    /// Chi-square test of independence on the 2×K reference/current table (Yates for 2×2).
    Chi2Contingency,
    /// G-test (log-likelihood ratio) on the 2×K table.
    GTest,
    /// Two-proportion Z-test (binary columns).
    Z,
    /// Anderson–Darling k-sample (p-value interpolated, in [0.001, 0.25]).
    Anderson,
    /// Cramér–von Mises two-sample.
    Cvm,
    /// Energy distance.
    Energy,
}

/// Every test, for help texts.
pub const ALL_TESTS: [DriftTest; 13] = [
    DriftTest::Ks,
    DriftTest::Wasserstein,
    DriftTest::Psi,
    DriftTest::KlDiv,
    DriftTest::Jensenshannon,
    DriftTest::Hellinger,
    DriftTest::Chisquare,
    DriftTest::Chi2Contingency,
    DriftTest::GTest,
    DriftTest::Z,
    DriftTest::Anderson,
    DriftTest::Cvm,
    DriftTest::Energy,
];

impl DriftTest {
    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            DriftTest::Ks => "ks",
            DriftTest::Wasserstein => "wasserstein",
            DriftTest::Psi => "psi",
            DriftTest::KlDiv => "kl_div",
            DriftTest::Jensenshannon => "jensenshannon",
            DriftTest::Hellinger => "hellinger",
            DriftTest::Chisquare => "chisquare",
            DriftTest::Chi2Contingency => "chi2_contingency",
            DriftTest::GTest => "g_test",
            DriftTest::Z => "z",
            DriftTest::Anderson => "anderson",
            DriftTest::Cvm => "cvm",
            DriftTest::Energy => "energy",
        }
    }

    /// Parses a name (also accepts a few aliases: `wasserstein_norm`, `js`, `kl`, `chi2`).
    pub fn parse(s: &str) -> Option<DriftTest> {
        let s = s.trim().to_ascii_lowercase();
        Some(match s.as_str() {
            "ks" => DriftTest::Ks,
            "wasserstein" | "wasserstein_norm" => DriftTest::Wasserstein,
            "psi" => DriftTest::Psi,
            "kl_div" | "kl" => DriftTest::KlDiv,
            "jensenshannon" | "js" => DriftTest::Jensenshannon,
            "hellinger" => DriftTest::Hellinger,
            "chisquare" => DriftTest::Chisquare,
            "chi2_contingency" | "chi2" => DriftTest::Chi2Contingency,
            "g_test" | "g" => DriftTest::GTest,
            "z" | "ztest" | "z_test" => DriftTest::Z,
            "anderson" | "ad" => DriftTest::Anderson,
            "cvm" | "cramer_von_mises" => DriftTest::Cvm,
            "energy" | "energy_distance" => DriftTest::Energy,
            _ => return None,
        })
    }

    /// True when the test yields a p-value (drift when p < threshold); false for distances
    /// (drift when distance ≥ threshold).
    pub fn is_p_value(self) -> bool {
        matches!(
            self,
            DriftTest::Ks
                | DriftTest::Chisquare
                | DriftTest::Chi2Contingency
                | DriftTest::GTest
                | DriftTest::Z
                | DriftTest::Anderson
                | DriftTest::Cvm
        )
    }

    /// Evidently's default threshold for the test.
    pub fn default_threshold(self) -> f64 {
        match self {
            DriftTest::Ks
            | DriftTest::Chisquare
            | DriftTest::Chi2Contingency
            | DriftTest::GTest
            | DriftTest::Z => 0.05,
            DriftTest::Anderson | DriftTest::Cvm => 0.1,
            _ => 0.1,
        }
    }

    /// Whether the test can be applied to a column of this type.
    pub fn applies_to(self, ty: ColumnType) -> bool {
        match ty {
            ColumnType::Numeric | ColumnType::Datetime => true,
            ColumnType::Categorical => matches!(
                self,
                DriftTest::Psi
                    | DriftTest::KlDiv
                    | DriftTest::Jensenshannon
                    | DriftTest::Hellinger
                    | DriftTest::Chisquare
                    | DriftTest::Chi2Contingency
                    | DriftTest::GTest
                    | DriftTest::Z
            ),
            ColumnType::Text => false,
        }
    }
}

impl std::fmt::Display for DriftTest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
