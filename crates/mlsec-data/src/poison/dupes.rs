//! Exact and near-duplicate rows, kept when their labels disagree.
//!
//! Exact duplicates are found by hashing each encoded row's bit pattern and confirming equality
//! inside a bucket. Near duplicates (every feature within `eps` robust standard deviations,
//! i.e. L∞ distance ≤ eps) are found by hashing the row quantised to a grid of cell `eps`,
//! confirming the distance inside a bucket, and adding the pairs among each row's exact k
//! nearest neighbours, which catches the pairs that a grid line happens to separate. Pairs are
//! joined into groups (union–find); a group whose members carry more than one label is a
//! conflict.

use std::collections::HashMap;

use super::features::Features;
use super::knn::Neighbours;

/// A group of duplicate rows that do not share one label.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateGroup {
    /// Row positions (in the screened matrix), ascending.
    pub rows: Vec<usize>,
    /// True when every member is bit-for-bit equal after encoding.
    pub exact: bool,
}

struct UnionFind(Vec<usize>);

impl UnionFind {
    fn find(&mut self, mut a: usize) -> usize {
        while self.0[a] != a {
            self.0[a] = self.0[self.0[a]];
            a = self.0[a];
        }
        a
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.0[hi] = lo;
        }
    }
}

fn linf(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn groups_with_conflict(uf: &mut UnionFind, labels: &[u32]) -> Vec<Vec<usize>> {
    let n = labels.len();
    let mut by_root: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..n {
        by_root.entry(uf.find(i)).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = by_root
        .into_values()
        .filter(|g| g.len() > 1 && g.iter().any(|&i| labels[i] != labels[g[0]]))
        .map(|mut g| {
            g.sort_unstable();
            g
        })
        .collect();
    out.sort_unstable();
    out
}

/// Conflicting duplicate groups: exact ones first, then near ones (whose members are not all
/// exact duplicates of each other). `eps <= 0` turns the near-duplicate search off.
pub fn find(f: &Features, labels: &[u32], nb: &Neighbours, eps: f64) -> Vec<DuplicateGroup> {
    let n = f.n;
    // Exact: bucket by the bit pattern.
    let mut exact = UnionFind((0..n).collect());
    let mut buckets: HashMap<Vec<u64>, usize> = HashMap::new();
    for i in 0..n {
        let key: Vec<u64> = f
            .row(i)
            .iter()
            .map(|x| if *x == 0.0 { 0 } else { x.to_bits() })
            .collect();
        match buckets.get(&key) {
            Some(&first) => exact.union(first, i),
            None => {
                buckets.insert(key, i);
            }
        }
    }
    drop(buckets);
    let mut out: Vec<DuplicateGroup> = groups_with_conflict(&mut exact, labels)
        .into_iter()
        .map(|rows| DuplicateGroup { rows, exact: true })
        .collect();
    if eps <= 0.0 {
        return out;
    }
    // Near: grid buckets, then kNN pairs.
    let mut near = UnionFind((0..n).collect());
    let mut grid: HashMap<Vec<i64>, Vec<usize>> = HashMap::new();
    for i in 0..n {
        let key: Vec<i64> = f
            .row(i)
            .iter()
            .map(|x| (x / eps).floor().clamp(-9e15, 9e15) as i64)
            .collect();
        grid.entry(key).or_default().push(i);
    }
    for members in grid.values() {
        // Inside one cell every pair is within eps in L∞ by construction of the cell size.
        for w in members.windows(2) {
            near.union(w[0], w[1]);
        }
    }
    drop(grid);
    for i in 0..n {
        let (idx, _) = nb.of(i);
        for &j in idx {
            let j = j as usize;
            if linf(f.row(i), f.row(j)) <= eps {
                near.union(i, j);
            }
        }
    }
    for rows in groups_with_conflict(&mut near, labels) {
        let root = exact.find(rows[0]);
        if rows.iter().all(|&r| exact.find(r) == root) {
            continue; // already reported as an exact group
        }
        out.push(DuplicateGroup { rows, exact: false });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poison::features::{FeatureInfo, FeatureKind};
    use crate::poison::knn::knn;

    fn features(rows: &[[f64; 2]]) -> Features {
        Features {
            n: rows.len(),
            d: 2,
            data: rows.iter().flatten().copied().collect(),
            features: (0..2)
                .map(|j| FeatureInfo {
                    name: format!("f{j}"),
                    column: format!("f{j}"),
                    kind: FeatureKind::Numeric {
                        centre: 0.0,
                        scale: 1.0,
                    },
                })
                .collect(),
            dropped: vec![],
        }
    }

    #[test]
    fn exact_and_near_conflicts() {
        let f = features(&[
            [1.0, 1.0],   // 0 ┐ exact, labels differ
            [1.0, 1.0],   // 1 ┘
            [5.0, 5.0],   // 2 ┐ exact, same label: not a conflict
            [5.0, 5.0],   // 3 ┘
            [9.0, 0.999], // 4 ┐ near (across a grid line at 1.0), labels differ
            [9.0, 1.001], // 5 ┘
            [-3.0, -3.0], // 6
            [-3.5, -3.0], // 7  too far from 6
        ]);
        let labels = [0, 1, 0, 0, 0, 1, 0, 1];
        let nb = knn(&f.data, f.n, f.d, 3);
        let g = find(&f, &labels, &nb, 0.01);
        assert_eq!(
            g,
            vec![
                DuplicateGroup {
                    rows: vec![0, 1],
                    exact: true
                },
                DuplicateGroup {
                    rows: vec![4, 5],
                    exact: false
                },
            ]
        );
        assert_eq!(find(&f, &labels, &nb, 0.0).len(), 1);
    }
}
