//! profile(A) ⊕ profile(B) == profile(A ∪ B), for exact profiles; and the compression bound holds.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use mlsec_data::profile::{
    Distribution, Fingerprint, Profile, ProfileBuilder, ProfileLimits, compress,
};
use mlsec_data::schema::{ColumnRole, ColumnType};
use mlsec_data::stats::{Ecdf, ks_statistic};
use proptest::prelude::*;

fn profile(rows: &[(Option<f64>, Option<String>)], limits: ProfileLimits) -> Profile {
    let schema = Arc::new(Schema::new(vec![
        Field::new("x", DataType::Float64, true),
        Field::new("c", DataType::Utf8, true),
    ]));
    let x: ArrayRef = Arc::new(Float64Array::from(
        rows.iter().map(|r| r.0).collect::<Vec<_>>(),
    ));
    let c: ArrayRef = Arc::new(StringArray::from(
        rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
    ));
    let mut b = ProfileBuilder::new(
        vec![
            ("x".into(), ColumnType::Numeric, ColumnRole::Feature),
            ("c".into(), ColumnType::Categorical, ColumnRole::Feature),
        ],
        limits,
    );
    // feed in two batches to exercise batch boundaries too
    let batch = RecordBatch::try_new(schema, vec![x, c]).expect("batch");
    let mid = batch.num_rows() / 2;
    b.push_batch(&batch.slice(0, mid), Path::new("t"))
        .expect("push");
    b.push_batch(&batch.slice(mid, batch.num_rows() - mid), Path::new("t"))
        .expect("push");
    b.finish(Fingerprint::default())
}

fn normalise(mut p: Profile) -> Profile {
    p.fingerprint = Fingerprint::default();
    for c in &mut p.columns {
        if let Distribution::Numeric(n) = &mut c.distribution {
            n.m2 = 0.0; // Welford vs Chan rounding; mean/std come from the exact values
        }
    }
    p
}

fn row() -> impl Strategy<Value = (Option<f64>, Option<String>)> {
    (
        prop_oneof![
            1 => Just(None),
            6 => (-50i32..50).prop_map(|v| Some(v as f64 / 4.0)),
            3 => (-1e6f64..1e6).prop_map(Some),
        ],
        prop_oneof![1 => Just(None), 5 => "[a-e]".prop_map(Some)],
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn merge_equals_profile_of_union(rows in proptest::collection::vec(row(), 2..300), cut in 0usize..300) {
        let cut = cut.min(rows.len());
        let limits = ProfileLimits { max_points: 10_000, max_categories: 100 };
        let a = profile(&rows[..cut], limits);
        let b = profile(&rows[cut..], limits);
        let whole = profile(&rows, limits);
        let merged = a.merge(&b).expect("same columns");
        prop_assert_eq!(normalise(merged), normalise(whole));
    }
}

#[test]
fn compression_error_is_within_the_stated_bound() {
    let values: Vec<f64> = (0..50_000u64)
        .map(|i| ((i * 7919) % 50_021) as f64 * 0.37)
        .collect();
    let e = Ecdf::from_values(&values);
    let (c, step) = compress(&e, 1000);
    assert!(c.distinct() <= 1001);
    assert_eq!(c.total(), e.total());
    let d = ks_statistic(&e, &c);
    assert!(
        d * e.total() as f64 <= step as f64 + 1e-9,
        "{d} vs step {step}"
    );
}
