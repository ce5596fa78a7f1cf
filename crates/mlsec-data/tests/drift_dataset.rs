//! The drift engine on the 100k-row synthetic dataset of the shared drift vectors: it must flag
//! exactly the columns the reference file says each configuration flags, with the same values.

use mlsec_data::drift::{self, DriftOptions, DriftTest, Mode, TestChoice};
use mlsec_data::profile::{Fingerprint, Profile, ProfileBuilder, ProfileLimits};
use mlsec_data::schema::{ColumnRole, ColumnType};
use mlsec_data::synth;
use serde_json::Value;
use std::path::Path;

fn reference() -> Value {
    serde_json::from_str(include_str!("data/drift_reference_values.json")).expect("JSON")
}

fn build(part: u64, rows: u64) -> Profile {
    let kinds = synth::COLUMNS
        .iter()
        .map(|c| {
            let ty = if matches!(c.reference, synth::Dist::Categorical(_)) {
                ColumnType::Categorical
            } else {
                ColumnType::Numeric
            };
            (c.name.to_string(), ty, ColumnRole::Feature)
        })
        .collect();
    let mut b = ProfileBuilder::new(kinds, ProfileLimits::default());
    let mut start = 0;
    while start < rows {
        let len = (rows - start).min(65_536);
        b.push_batch(&synth::batch(part, start, len as usize), Path::new("synth"))
            .expect("batch");
        start += len;
    }
    b.finish(Fingerprint::default())
}

fn rel(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        a.abs()
    } else {
        ((a - b) / b).abs()
    }
}

#[test]
fn hundred_k_dataset_flags_the_documented_columns() {
    let data = reference();
    let ds = &data["dataset"];
    let rows = ds["rows_each"].as_u64().expect("rows");
    let (r, c) = (build(0, rows), build(1, rows));
    let cols = ds["columns"].as_array().expect("columns");

    // 1. Evidently-compatible defaults.
    let rep = drift::compare(&r, &c, &DriftOptions::default());
    let flagged: Vec<&str> = rep
        .columns
        .iter()
        .filter(|c| c.drift)
        .map(|c| c.name.as_str())
        .collect();
    let want: Vec<&str> = ds["evidently_flagged"]
        .as_array()
        .expect("flagged")
        .iter()
        .map(|v| v.as_str().expect("name"))
        .collect();
    assert_eq!(flagged, want, "evidently mode");
    assert_eq!(rep.dataset.drifted, 8);
    assert!((rep.dataset.share - 0.32).abs() < 1e-12);
    assert!(!rep.dataset.drift);
    let mut worst = 0.0f64;
    for col in cols {
        let name = col["column"].as_str().expect("column");
        let got = rep.columns.iter().find(|c| c.name == name).expect("tested");
        let e = &col["evidently_default"];
        let method = e["method"].as_str().expect("method");
        let test = if method.starts_with("Wasserstein") {
            "wasserstein"
        } else {
            "jensenshannon"
        };
        assert_eq!(got.test, test, "{name}");
        let d = rel(got.statistic, e["value"].as_f64().expect("value"));
        worst = worst.max(d);
        assert!(d < 1e-9, "{name}: {} vs {}", got.statistic, e["value"]);
        assert_eq!(got.drift, e["drift"].as_bool().expect("drift"), "{name}");
        assert_eq!(
            got.reference_count,
            col["ref_n"].as_u64().expect("n"),
            "{name}"
        );
        assert_eq!(
            got.current_count,
            col["cur_n"].as_u64().expect("n"),
            "{name}"
        );
    }
    println!("evidently mode: worst relative difference {worst:e}");

    // 2. The KS + chi-square variant (Evidently with num_method=ks, cat_method=chisquare).
    let opts = DriftOptions {
        tests: vec![
            TestChoice {
                test: DriftTest::Ks,
                threshold: None,
            },
            TestChoice {
                test: DriftTest::Chisquare,
                threshold: None,
            },
        ],
        ..Default::default()
    };
    let rep = drift::compare(&r, &c, &opts);
    let v = &ds["evidently_ks_chisquare_variant_100k"];
    let flagged: Vec<&str> = rep
        .columns
        .iter()
        .filter(|c| c.drift)
        .map(|c| c.name.as_str())
        .collect();
    let want: Vec<&str> = v["flagged"]
        .as_array()
        .expect("flagged")
        .iter()
        .map(|x| x.as_str().expect("s"))
        .collect();
    assert_eq!(flagged, want, "ks/chisquare variant");
    let mut worst = 0.0f64;
    for (name, pair) in v["values"].as_object().expect("values") {
        let got = rep
            .columns
            .iter()
            .find(|c| &c.name == name)
            .expect("tested");
        let want = pair[1].as_f64().expect("p");
        let p = got.p_value.expect("p-value");
        let d = rel(p, want);
        worst = worst.max(d);
        assert!(d < 1e-9, "{name}: p {p:e} vs {want:e}");
    }
    println!("ks/chisquare variant: worst relative difference of p-values {worst:e}");

    // 3. Strict mode: significant (KS / chi-square) and material (W-norm / JS >= 0.1).
    let rep = drift::compare(
        &r,
        &c,
        &DriftOptions {
            mode: Mode::Strict,
            ..Default::default()
        },
    );
    for col in cols {
        let name = col["column"].as_str().expect("column");
        let got = rep.columns.iter().find(|c| c.name == name).expect("tested");
        let want = if name.starts_with("num") {
            col["ks_pvalue"].as_f64().expect("p") < 0.05
                && col["wasserstein_norm"].as_f64().expect("w") >= 0.1
        } else {
            col["evidently_chisquare_pvalue"].as_f64().expect("p") < 0.05
                && col["evidently_jensenshannon"].as_f64().expect("js") >= 0.1
        };
        assert_eq!(got.drift, want, "strict {name}");
        assert!(got.distance.is_some());
    }
    let strict: Vec<&str> = rep
        .columns
        .iter()
        .filter(|c| c.drift)
        .map(|c| c.name.as_str())
        .collect();
    println!("strict mode flags {strict:?}");
}
