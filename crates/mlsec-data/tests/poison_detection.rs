//! Detection floors of the poisoning screens on a seeded, injected data set, so that a change
//! that makes them worse fails here. The floors are what was measured when they were set
//! (see the comments), minus a margin; the full measurement against cleanlab is
//! `bench/poison/run.py` (BENCHMARKS.md, "Data poisoning").

use std::collections::BTreeSet;

use mlsec_data::poison::{PoisonConfig, screen};
use mlsec_data::schema::{ColumnRole, ColumnType};
use mlsec_data::table::{Column, ColumnData, Format, Frame};

/// SplitMix64, so the data does not depend on the crate's own generator.
struct Gen(u64);
impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-300);
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * self.uniform()).cos()
    }
    fn below(&mut self, n: usize) -> usize {
        (self.uniform() * n as f64) as usize
    }
}

const N: usize = 1500;
const D: usize = 6;

/// Three Gaussian classes in 6-D; 5% random label flips; 2% backdoor rows (feature 5 stamped
/// with 12.5, label forced to "a").
fn poisoned() -> (Frame, BTreeSet<usize>, BTreeSet<usize>) {
    let mut g = Gen(2026);
    let names = ["a", "b", "c"];
    let centres = [
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [3.0, 3.0, 0.0, 0.0, 0.0, 0.0],
        [0.0, 3.0, 3.0, 0.0, 0.0, 0.0],
    ];
    let mut x = vec![vec![0.0; N]; D];
    let mut y: Vec<usize> = (0..N).map(|i| i % 3).collect();
    for i in 0..N {
        for j in 0..D {
            x[j][i] = centres[y[i]][j] + g.normal();
        }
    }
    let mut touched = vec![false; N];
    let mut flips = BTreeSet::new();
    while flips.len() < N / 20 {
        let i = g.below(N);
        if !touched[i] {
            touched[i] = true;
            y[i] = (y[i] + 1 + g.below(2)) % 3;
            flips.insert(i);
        }
    }
    let mut stamped = BTreeSet::new();
    while stamped.len() < N / 50 {
        let i = g.below(N);
        if !touched[i] {
            touched[i] = true;
            x[5][i] = 12.5;
            y[i] = 0;
            stamped.insert(i);
        }
    }
    let mut columns: Vec<Column> = x
        .into_iter()
        .enumerate()
        .map(|(j, v)| Column {
            name: format!("f{j}"),
            ty: ColumnType::Numeric,
            role: ColumnRole::Feature,
            data: ColumnData::Numeric(v),
        })
        .collect();
    columns.push(Column {
        name: "y".into(),
        ty: ColumnType::Categorical,
        role: ColumnRole::Feature,
        data: ColumnData::Text(y.iter().map(|&c| Some(names[c].to_string())).collect()),
    });
    (
        Frame {
            columns,
            rows: N,
            format: Format::Csv { delimiter: b',' },
        },
        flips,
        stamped,
    )
}

#[test]
fn detection_floors_on_injected_poison() {
    let (frame, flips, stamped) = poisoned();
    let report = screen(&frame, "y", &PoisonConfig::default()).unwrap();
    let suspects: BTreeSet<usize> = report.suspects().iter().map(|r| r.row).collect();
    let truth: BTreeSet<usize> = flips.union(&stamped).copied().collect();
    let tp = suspects.intersection(&truth).count() as f64;
    let precision = tp / suspects.len() as f64;
    let recall = tp / truth.len() as f64;
    for (c, n) in report.counts() {
        println!("{} {n}", c.code);
    }
    for cut in [0.5, 0.55, 0.6, 0.65, 0.7, 0.8] {
        let s: BTreeSet<usize> = report
            .scores
            .iter()
            .filter(|r| r.score >= cut)
            .map(|r| r.row)
            .collect();
        let tp = s.intersection(&truth).count() as f64;
        println!(
            "cut {cut}: {} suspects, precision {:.3} recall {:.3}",
            s.len(),
            tp / s.len() as f64,
            tp / truth.len() as f64
        );
    }
    let flip_recall = suspects.intersection(&flips).count() as f64 / flips.len() as f64;
    // Measured when the floors were set (default min_score 0.7): 124 suspects, precision
    // 0.798, recall 0.943, flip recall 0.92; the cut-off sweep above shows the trade-off.
    println!(
        "suspects {} precision {precision:.3} recall {recall:.3} flip recall {flip_recall:.3}",
        suspects.len()
    );
    assert!(precision >= 0.72, "precision {precision}");
    assert!(recall >= 0.88, "recall {recall}");
    assert!(flip_recall >= 0.85, "flip recall {flip_recall}");

    // The backdoor is found as a trigger on f5 = 12.5 predicting "a", covering every stamp.
    let t = report.triggers.first().expect("a trigger candidate");
    assert_eq!(report.label(t.target), "a");
    let c = report.condition_json(&t.conditions[0]);
    assert_eq!(c.column, "f5");
    assert!((c.low.unwrap() - 12.5).abs() < 1e-9, "{c:?}");
    let rows: BTreeSet<usize> = t.rows.iter().copied().collect();
    assert!(stamped.is_subset(&rows));
    assert!(stamped.is_subset(&suspects));

    // Same seed, same report.
    let again = screen(&frame, "y", &PoisonConfig::default()).unwrap();
    assert_eq!(again.scores, report.scores);
}

#[test]
fn clean_data_stays_quiet() {
    let (mut frame, flips, stamped) = poisoned();
    // Undo the poison: rebuild labels from the generating classes and drop the stamp column.
    let labels: Vec<Option<String>> = (0..N)
        .map(|i| Some(["a", "b", "c"][i % 3].to_string()))
        .collect();
    frame.columns[D] = Column {
        name: "y".into(),
        ty: ColumnType::Categorical,
        role: ColumnRole::Feature,
        data: ColumnData::Text(labels),
    };
    frame.columns[5].role = ColumnRole::Ignore;
    assert!(!flips.is_empty() && !stamped.is_empty());
    let report = screen(&frame, "y", &PoisonConfig::default()).unwrap();
    assert!(report.triggers.is_empty(), "{:?}", report.triggers);
    assert!(report.duplicates.is_empty());
    // Three overlapping Gaussians: the Bayes error is a few percent, and those rows are
    // legitimately ambiguous; the suspect share must stay near it.
    assert!(report.suspect_share() < 0.08, "{}", report.suspect_share());
}
