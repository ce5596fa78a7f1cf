//! Backdoor trigger signatures: a value (or narrow range) of one or two features whose rows
//! carry one label far more often than the rest of the data does **and** than their own
//! neighbourhood in the other features does.
//!
//! A backdoor poisons a few rows by stamping a pattern on them and forcing a target label, so
//! the model learns "pattern → target" (Gu et al. 2017, BadNets; Chen et al. 2017). In the
//! data this leaves a small bin of one or two features that is nearly pure in the target label
//! (high purity, high lift over the label's global rate), while the same rows, judged by their
//! other features, look like several classes (low neighbourhood share). A feature that is
//! simply predictive has the same purity but a neighbourhood that agrees with it, so it is not
//! reported.
//!
//! Bins: every exact value of a feature, and a grid of [`GRID`] robust standard deviations,
//! that is out of pattern (beyond [`OUT_OF_PATTERN_Z`] robust standard deviations, or a present
//! category or missing indicator), holds at least `min_support` rows and at most `max_share` of
//! them; pairs of such bins
//! from two features, when their intersection is large enough. The neighbourhood is the `k`
//! nearest rows outside the bin, by Euclidean distance over the features other than the
//! bin's, for at most [`NEIGHBOUR_SAMPLE`] rows of the bin (seeded sample).

use std::collections::HashMap;

use rayon::prelude::*;

use super::features::{FeatureKind, Features};
use super::rng::Rng;

/// Width of the range bins, in robust standard deviations.
pub const GRID: f64 = 0.25;
/// Distance from the median, in robust standard deviations, beyond which a numeric value is
/// out of pattern.
pub const OUT_OF_PATTERN_Z: f64 = 3.0;
/// Rows of a bin whose neighbourhood is measured.
pub const NEIGHBOUR_SAMPLE: usize = 200;
/// Candidate bins whose neighbourhood is tested.
pub const MAX_TESTED: usize = 40;
/// Single-feature bins considered for pairs (the most label-concentrated ones).
const PAIR_POOL: usize = 120;

/// Settings of the trigger search.
#[derive(Debug, Clone)]
pub struct TriggerConfig {
    /// Smallest bin (rows).
    pub min_support: usize,
    /// Largest bin, as a share of the rows ("a small cluster").
    pub max_share: f64,
    /// Smallest share of the bin's rows with the target label.
    pub min_purity: f64,
    /// Smallest ratio of that share to the label's global share.
    pub min_lift: f64,
    /// Smallest gap between the bin's purity and its neighbourhood's share of the label.
    pub min_gap: f64,
    /// Neighbours per row.
    pub k: usize,
    /// Search pairs of features too.
    pub pairs: bool,
    /// Seed of the neighbourhood sample.
    pub seed: u64,
}

/// One condition of a trigger: `lo <= feature <= hi` (standardised units).
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// Encoded feature index.
    pub feature: usize,
    /// Lower bound (inclusive).
    pub lo: f64,
    /// Upper bound (inclusive).
    pub hi: f64,
}

/// A candidate trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    /// One or two conditions.
    pub conditions: Vec<Condition>,
    /// The label the bin predicts.
    pub target: u32,
    /// Rows in the bin.
    pub support: usize,
    /// Share of the bin's rows with the target label.
    pub purity: f64,
    /// `purity` over the target's global share.
    pub lift: f64,
    /// Distance-weighted share of the target among the bin rows' neighbours outside the bin.
    pub neighbour_share: f64,
    /// The bin's rows with the target label (the suspects), ascending.
    pub rows: Vec<usize>,
}

struct Bin {
    conditions: Vec<Condition>,
    rows: Vec<usize>,
}

fn label_stats(rows: &[usize], labels: &[u32], n_classes: usize) -> (u32, usize) {
    let mut c = vec![0usize; n_classes];
    for &r in rows {
        c[labels[r] as usize] += 1;
    }
    let (best, cnt) = c
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
        .map(|(i, c)| (i as u32, *c))
        .unwrap_or((0, 0));
    (best, cnt)
}

/// Whether a bin lies outside the pattern of its feature: beyond [`OUT_OF_PATTERN_Z`] robust
/// standard deviations for a numeric feature, the present side of an indicator (a category,
/// `<other>`, missing) otherwise. Bins inside the bulk of a numeric feature are not searched:
/// there, a pure bin is usually an honest class region, and the neighbourhood test alone cannot
/// tell the two apart when the feature is among the few informative ones.
fn out_of_pattern(f: &Features, j: usize, lo: f64, hi: f64) -> bool {
    match f.features[j].kind {
        FeatureKind::Numeric { .. } => lo > OUT_OF_PATTERN_Z || hi < -OUT_OF_PATTERN_Z,
        _ => lo >= 0.5,
    }
}

fn single_bins(f: &Features, lo_support: usize, hi_support: usize) -> Vec<Bin> {
    let mut out = Vec::new();
    for j in 0..f.d {
        let col = f.column(j);
        let mut exact: HashMap<u64, Vec<usize>> = HashMap::new();
        let mut grid: HashMap<i64, Vec<usize>> = HashMap::new();
        for (i, &v) in col.iter().enumerate() {
            exact.entry(v.to_bits()).or_default().push(i);
            grid.entry((v / GRID).floor().clamp(-9e15, 9e15) as i64)
                .or_default()
                .push(i);
        }
        let mut seen_sizes: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut push = |c: Condition, rows: Vec<usize>, out: &mut Vec<Bin>| {
            if rows.len() < lo_support
                || rows.len() > hi_support
                || !out_of_pattern(f, j, c.lo, c.hi)
            {
                return;
            }
            // A grid cell holding one exact value is the same bin: keep it once.
            if let Some(prev) = seen_sizes.get(&rows.len())
                && *prev == rows
            {
                return;
            }
            seen_sizes.insert(rows.len(), rows.clone());
            out.push(Bin {
                conditions: vec![c],
                rows,
            });
        };
        let mut ex: Vec<(u64, Vec<usize>)> = exact.into_iter().collect();
        ex.sort_unstable_by(|a, b| f64::from_bits(a.0).total_cmp(&f64::from_bits(b.0)));
        for (bits, rows) in ex {
            let v = f64::from_bits(bits);
            push(
                Condition {
                    feature: j,
                    lo: v,
                    hi: v,
                },
                rows,
                &mut out,
            );
        }
        let mut gr: Vec<(i64, Vec<usize>)> = grid.into_iter().collect();
        gr.sort_unstable_by_key(|g| g.0);
        for (cell, rows) in gr {
            let lo = rows.iter().map(|&r| col[r]).fold(f64::INFINITY, f64::min);
            let hi = rows
                .iter()
                .map(|&r| col[r])
                .fold(f64::NEG_INFINITY, f64::max);
            let _ = cell;
            push(Condition { feature: j, lo, hi }, rows, &mut out);
        }
    }
    out
}

fn intersect(a: &[usize], b: &[usize]) -> Vec<usize> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// Distance-weighted share of `target` among the `k` nearest rows outside `in_bin`, over the
/// features not in `skip`, averaged over (a sample of) the bin's rows.
#[allow(clippy::too_many_arguments)]
fn neighbour_share(
    f: &Features,
    labels: &[u32],
    rows: &[usize],
    in_bin: &[bool],
    skip: &[usize],
    target: u32,
    k: usize,
    rng: &mut Rng,
) -> f64 {
    let sample: Vec<usize> = if rows.len() > NEIGHBOUR_SAMPLE {
        rng.sample(rows.len(), NEIGHBOUR_SAMPLE)
            .into_iter()
            .map(|i| rows[i])
            .collect()
    } else {
        rows.to_vec()
    };
    let keep: Vec<usize> = (0..f.d).filter(|j| !skip.contains(j)).collect();
    let shares: Vec<f64> = sample
        .par_iter()
        .filter_map(|&q| {
            let qr = f.row(q);
            let mut best: Vec<(f64, usize)> = Vec::with_capacity(k + 1);
            for (i, _) in in_bin.iter().enumerate().filter(|(_, b)| !**b) {
                let r = f.row(i);
                let d2: f64 = keep.iter().map(|&j| (qr[j] - r[j]).powi(2)).sum();
                if best.len() < k || (d2, i) < best[k - 1] {
                    let pos = best.partition_point(|e| *e < (d2, i));
                    best.insert(pos, (d2, i));
                    best.truncate(k);
                }
            }
            if best.is_empty() {
                return None;
            }
            let delta =
                1e-9 + best.iter().map(|e| e.0.sqrt()).sum::<f64>() / best.len() as f64 * 0.05;
            let (mut w_t, mut w) = (0.0, 0.0);
            for (d2, i) in best {
                let wi = 1.0 / (d2.sqrt() + delta);
                w += wi;
                if labels[i] == target {
                    w_t += wi;
                }
            }
            Some(w_t / w)
        })
        .collect();
    if shares.is_empty() {
        return 1.0; // no outside rows: no evidence against the feature
    }
    shares.iter().sum::<f64>() / shares.len() as f64
}

/// Candidate triggers, strongest first, with overlapping candidates merged into the strongest.
pub fn find(f: &Features, labels: &[u32], n_classes: usize, cfg: &TriggerConfig) -> Vec<Trigger> {
    let n = f.n;
    if n == 0 || n_classes < 2 || cfg.k == 0 {
        return Vec::new();
    }
    let mut global = vec![0usize; n_classes];
    for &l in labels {
        global[l as usize] += 1;
    }
    let hi_support = ((cfg.max_share * n as f64).floor() as usize).max(cfg.min_support);
    let singles = single_bins(f, cfg.min_support, hi_support);
    let passes = |rows: &[usize]| -> Option<(u32, f64, f64)> {
        let (t, cnt) = label_stats(rows, labels, n_classes);
        let purity = cnt as f64 / rows.len() as f64;
        let lift = purity / (global[t as usize] as f64 / n as f64);
        (purity >= cfg.min_purity && lift >= cfg.min_lift).then_some((t, purity, lift))
    };
    let mut bins: Vec<Bin> = Vec::new();
    let mut pool: Vec<(f64, usize)> = Vec::new();
    for (i, b) in singles.iter().enumerate() {
        let (t, cnt) = label_stats(&b.rows, labels, n_classes);
        let purity = cnt as f64 / b.rows.len() as f64;
        let lift = purity / (global[t as usize] as f64 / n as f64);
        if lift > 1.0 {
            pool.push((lift, i));
        }
    }
    if cfg.pairs {
        pool.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        pool.truncate(PAIR_POOL);
        for (x, &(_, a)) in pool.iter().enumerate() {
            for &(_, b) in &pool[x + 1..] {
                let (ba, bb) = (&singles[a], &singles[b]);
                if ba.conditions[0].feature == bb.conditions[0].feature {
                    continue;
                }
                let rows = intersect(&ba.rows, &bb.rows);
                if rows.len() < cfg.min_support || rows.len() == ba.rows.len().min(bb.rows.len()) {
                    // Too small, or one bin inside the other: the single bin says it already.
                    continue;
                }
                if passes(&rows).is_some()
                    && passes(&ba.rows).is_none()
                    && passes(&bb.rows).is_none()
                {
                    bins.push(Bin {
                        conditions: vec![ba.conditions[0].clone(), bb.conditions[0].clone()],
                        rows,
                    });
                }
            }
        }
    }
    bins.extend(singles.into_iter().filter(|b| passes(&b.rows).is_some()));
    // The neighbourhood test is the expensive part: run it on the most concentrated bins only
    // (purity × lift, then support), at most MAX_TESTED of them.
    let mut ranked: Vec<(f64, usize, Bin)> = bins
        .into_iter()
        .filter_map(|b| passes(&b.rows).map(|(_, p, l)| (p * l, b.rows.len(), b)))
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
    ranked.truncate(MAX_TESTED);
    let bins: Vec<Bin> = ranked.into_iter().map(|(_, _, b)| b).collect();
    let mut rng = Rng::new(cfg.seed, 0x7219);
    let mut in_bin = vec![false; n];
    let mut found: Vec<Trigger> = Vec::new();
    for b in bins {
        let Some((target, purity, lift)) = passes(&b.rows) else {
            continue;
        };
        b.rows.iter().for_each(|&r| in_bin[r] = true);
        let skip: Vec<usize> = b.conditions.iter().map(|c| c.feature).collect();
        let share = neighbour_share(f, labels, &b.rows, &in_bin, &skip, target, cfg.k, &mut rng);
        b.rows.iter().for_each(|&r| in_bin[r] = false);
        if purity - share < cfg.min_gap {
            continue;
        }
        let rows = b
            .rows
            .iter()
            .copied()
            .filter(|&r| labels[r] == target)
            .collect();
        found.push(Trigger {
            conditions: b.conditions,
            target,
            support: b.rows.len(),
            purity,
            lift,
            neighbour_share: share,
            rows,
        });
    }
    // Strongest first: widest gap, then larger support, then fewer conditions.
    found.sort_by(|a, b| {
        (b.purity - b.neighbour_share)
            .total_cmp(&(a.purity - a.neighbour_share))
            .then(b.support.cmp(&a.support))
            .then(a.conditions.len().cmp(&b.conditions.len()))
    });
    let mut kept: Vec<Trigger> = Vec::new();
    for t in found {
        let overlaps = kept.iter().any(|k| {
            let common = intersect(&k.rows, &t.rows).len();
            common * 2 >= t.rows.len().min(k.rows.len())
        });
        if !overlaps {
            kept.push(t);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poison::features::{FeatureInfo, FeatureKind};

    /// Two Gaussian blobs in 3-D (class = blob); `stamped` rows get feature 2 set to 9.0 and
    /// label 1.
    fn data(n: usize, stamped: &[usize]) -> (Features, Vec<u32>) {
        let mut r = Rng::new(11, 0);
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..n {
            let c = (i % 2) as u32;
            for _ in 0..3 {
                let g: f64 = (0..12).map(|_| r.uniform()).sum::<f64>() - 6.0;
                x.push(g + if c == 1 { 2.5 } else { 0.0 });
            }
            y.push(c);
        }
        for &s in stamped {
            x[s * 3 + 2] = 9.0;
            y[s] = 1;
        }
        let features = (0..3)
            .map(|j| FeatureInfo {
                name: format!("f{j}"),
                column: format!("f{j}"),
                kind: FeatureKind::Numeric {
                    centre: 0.0,
                    scale: 1.0,
                },
            })
            .collect();
        (
            Features {
                n,
                d: 3,
                data: x,
                features,
                dropped: vec![],
            },
            y,
        )
    }

    fn cfg() -> TriggerConfig {
        TriggerConfig {
            min_support: 5,
            max_share: 0.2,
            min_purity: 0.9,
            min_lift: 1.5,
            min_gap: 0.4,
            k: 10,
            pairs: true,
            seed: 0,
        }
    }

    #[test]
    fn finds_a_stamped_value_and_nothing_in_clean_data() {
        let stamped: Vec<usize> = (0..400).step_by(20).collect(); // 20 rows, half were class 0
        let (f, y) = data(400, &stamped);
        let t = find(&f, &y, 2, &cfg());
        assert!(!t.is_empty());
        assert_eq!(
            t[0].conditions,
            vec![Condition {
                feature: 2,
                lo: 9.0,
                hi: 9.0
            }]
        );
        assert_eq!(t[0].target, 1);
        assert_eq!(t[0].support, 20);
        assert_eq!(t[0].rows, stamped);
        assert!(t[0].neighbour_share < 0.7, "{:?}", t[0]);

        let (f, y) = data(400, &[]);
        assert!(find(&f, &y, 2, &cfg()).is_empty());
    }
}
