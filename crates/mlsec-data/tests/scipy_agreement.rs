//! Every statistic in `tests/data/drift_reference_values.json` (`small_numeric`,
//! `small_categorical`), recomputed and compared with SciPy's / Evidently's value at 1e-9
//! relative, unless a looser tolerance is listed (with its reason) in `TOLERANCES`.

use mlsec_data::stats::{self, Ecdf};
use serde_json::Value;

const DEFAULT_RTOL: f64 = 1e-9;

/// Values that need more than 1e-9 relative, and why: `(key, relative, absolute, reason)`; a
/// value passes when it is within either bound.
const TOLERANCES: &[(&str, f64, f64, &str)] = &[
    ("cvm_pvalue_auto", 1e-9, 1e-13, CVM_WHY),
    ("cvm_pvalue_asymptotic", 1e-9, 1e-13, CVM_WHY),
    ("evidently_cvm_value", 1e-9, 1e-13, CVM_WHY),
];

const CVM_WHY: &str = "the asymptotic CvM p-value is 1 - CDF with the CDF near 1 (SciPy computes it \
    the same way), so both sides carry ~1e-15 absolute error from the Bessel-K series; at \
    p ~ 1e-7 that is ~1e-8 relative. Agreement is checked at 1e-13 absolute there";

fn reference() -> Value {
    let text = include_str!("data/drift_reference_values.json");
    serde_json::from_str(text).expect("reference JSON parses")
}

struct Checker {
    failures: Vec<String>,
    checked: usize,
}

impl Checker {
    fn check(&mut self, case: &str, key: &str, got: f64, want: &Value) {
        let Some(want) = want.as_f64() else {
            return;
        };
        let (rtol, atol, why) = TOLERANCES
            .iter()
            .find(|(k, _, _, _)| *k == key)
            .map(|(_, r, a, w)| (*r, *a, *w))
            .unwrap_or((DEFAULT_RTOL, 0.0, ""));
        self.checked += 1;
        let ok = if want == 0.0 {
            got.abs() <= 1e-300
        } else {
            ((got - want) / want).abs() <= rtol || (got - want).abs() <= atol
        };
        if !why.is_empty() && ((got - want) / want).abs() > DEFAULT_RTOL {
            println!(
                "{case}.{key}: relative difference {:e} > 1e-9, within {atol:e} absolute: {why}",
                ((got - want) / want).abs()
            );
        }
        if !ok {
            self.failures.push(format!(
                "{case}.{key}: got {got:e}, SciPy {want:e}, rel {:e}",
                ((got - want) / want).abs()
            ));
        }
    }
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn counts(v: &Value) -> Vec<u64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_u64().expect("count"))
        .collect()
}

#[test]
fn small_numeric_agrees_with_scipy() {
    let data = reference();
    let mut c = Checker {
        failures: Vec::new(),
        checked: 0,
    };
    for case in data["small_numeric"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let r = Ecdf::from_values(&floats(&case["reference"]));
        let cu = Ecdf::from_values(&floats(&case["current"]));
        let ks = stats::ks_2samp(&r, &cu, None);
        let ks_exact = stats::ks_2samp(&r, &cu, Some(stats::KsMethod::Exact));
        let ks_asymp = stats::ks_2samp(&r, &cu, Some(stats::KsMethod::Asymptotic));
        let ad = stats::anderson_ksamp(&[&r, &cu]);
        let cvm = stats::cramervonmises_2samp(&r, &cu);
        let mw = stats::mannwhitneyu(&r, &cu);
        let bins = stats::evidently_bins(&r, &cu);
        let mut computed: Vec<(&str, f64)> = vec![
            ("ks_statistic", ks.statistic),
            ("ks_pvalue_auto", ks.p_value),
            ("ks_pvalue_exact", ks_exact.p_value),
            ("ks_pvalue_asymp", ks_asymp.p_value),
            ("wasserstein", stats::wasserstein(&r, &cu)),
            ("ref_std_ddof0", r.std()),
            ("energy_distance", stats::energy_distance(&r, &cu)),
            ("psi_quantile10", stats::psi_quantile10(&r, &cu)),
            ("anderson_ksamp_statistic", ad.statistic),
            ("anderson_ksamp_pvalue_capped", ad.p_value),
            ("cvm_statistic", cvm.statistic),
            ("cvm_pvalue_auto", cvm.p_value),
            ("cvm_pvalue_asymptotic", cvm.p_value),
            ("mannwhitneyu_U", mw.statistic),
            ("mannwhitneyu_pvalue", mw.p_value),
            ("mannwhitneyu_pvalue_less", mw.p_value_less),
            (
                "evidently_jensenshannon",
                stats::evidently_jensenshannon(&r, &cu),
            ),
            ("evidently_psi", stats::evidently_psi(&r, &cu)),
            ("evidently_kl_div", stats::evidently_kl_div(&r, &cu)),
            ("evidently_hellinger", stats::evidently_hellinger(&r, &cu)),
            (
                "evidently_wasserstein_norm",
                stats::wasserstein_norm(&r, &cu),
            ),
        ];
        if let stats::Bins::Edges(e) = &bins.bins {
            computed.push(("evidently_n_bins", (e.len() - 1) as f64));
        } else {
            assert!(
                case["expected"]["evidently_n_bins"].is_null(),
                "{name}: bins"
            );
        }
        for (key, got) in &computed {
            c.check(name, key, *got, &case["expected"][*key]);
            if let Some(v) = case["evidently_stattest_values"].get(*key) {
                c.check(name, &format!("evidently_stattest_values.{key}"), *got, v);
            }
        }
        c.check(
            name,
            "evidently_cvm_value",
            cvm.p_value,
            &case["evidently_cvm_value"],
        );
        assert_eq!(
            case["expected"].as_object().expect("expected").len(),
            computed.len() + usize::from(case["expected"]["evidently_n_bins"].is_null()),
            "{name}: every expected value is checked"
        );
    }
    println!("small_numeric: {} values checked", c.checked);
    assert!(c.failures.is_empty(), "{}", c.failures.join("\n"));
}

#[test]
fn small_categorical_agrees_with_scipy() {
    let data = reference();
    let mut c = Checker {
        failures: Vec::new(),
        checked: 0,
    };
    for case in data["small_categorical"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let r = counts(&case["reference_counts"]);
        let cu = counts(&case["current_counts"]);
        let e = &case["expected"];
        let chi = stats::chi2_contingency(&r, &cu, false);
        let yates = stats::chi2_contingency(&r, &cu, true);
        let g = stats::g_test(&r, &cu);
        assert_eq!(chi.dof, e["chi2_contingency_dof"].as_u64().expect("dof"));
        let computed: Vec<(&str, f64)> = vec![
            ("chi2_contingency_statistic", chi.statistic),
            ("chi2_contingency_pvalue", chi.p_value),
            ("chi2_contingency_yates_pvalue", yates.p_value),
            ("g_test_statistic", g.statistic),
            ("g_test_pvalue", g.p_value),
            ("cramers_v", stats::cramers_v(&r, &cu)),
            (
                "evidently_chisquare_pvalue",
                stats::evidently_chisquare(&r, &cu).p_value,
            ),
            ("evidently_jensenshannon", stats::cat_jensenshannon(&r, &cu)),
            ("evidently_psi", stats::cat_psi(&r, &cu)),
            ("evidently_kl_div", stats::cat_kl_div(&r, &cu)),
            ("evidently_hellinger", stats::cat_hellinger(&r, &cu)),
            ("l_infinity", stats::l_infinity(&r, &cu)),
            ("tvd", stats::tvd(&r, &cu)),
            ("evidently_z_pvalue", stats::z_test_proportions(&r, &cu).1),
        ];
        for (key, got) in &computed {
            c.check(name, key, *got, &e[*key]);
            if let Some(v) = case["evidently_stattest_values"].get(*key) {
                c.check(name, &format!("evidently_stattest_values.{key}"), *got, v);
            }
        }
    }
    println!("small_categorical: {} values checked", c.checked);
    assert!(c.failures.is_empty(), "{}", c.failures.join("\n"));
}
