//! Isolation forest (Liu, Ting and Zhou 2008), seeded. Scores are the paper's
//! `s(x) = 2^(-E[h(x)] / c(ψ))` in (0, 1], higher = more anomalous; scikit-learn's
//! `IsolationForest.score_samples` returns `-s(x)` for the same construction (subsample of
//! `ψ = min(256, n)` rows without replacement per tree, depth limit `ceil(log2 ψ)`, a random
//! non-constant feature and a uniform split between its minimum and maximum in the node, and
//! `c(size)` added at each leaf for the rows it did not isolate).

use rayon::prelude::*;

use super::rng::Rng;

const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

/// Average path length of an unsuccessful binary-search-tree search among `n` points: the
/// normaliser `c(n)` of the paper, as in scikit-learn's `_average_path_length`.
pub fn average_path_length(n: usize) -> f64 {
    match n {
        0 | 1 => 0.0,
        2 => 1.0,
        _ => {
            let n = n as f64;
            2.0 * ((n - 1.0).ln() + EULER_GAMMA) - 2.0 * (n - 1.0) / n
        }
    }
}

#[derive(Debug)]
enum Node {
    Leaf {
        size: usize,
    },
    Split {
        feature: usize,
        threshold: f64,
        left: usize,
        right: usize,
    },
}

#[derive(Debug)]
struct Tree {
    nodes: Vec<Node>,
}

impl Tree {
    fn build(x: &[f64], d: usize, rows: &mut [usize], max_depth: usize, rng: &mut Rng) -> Tree {
        let mut t = Tree { nodes: Vec::new() };
        t.grow(x, d, rows, 0, max_depth, rng);
        t
    }

    fn grow(
        &mut self,
        x: &[f64],
        d: usize,
        rows: &mut [usize],
        depth: usize,
        max_depth: usize,
        rng: &mut Rng,
    ) -> usize {
        let id = self.nodes.len();
        self.nodes.push(Node::Leaf { size: rows.len() });
        if rows.len() < 2 || depth >= max_depth {
            return id;
        }
        // Draw features in random order until one is not constant in this node.
        let mut order: Vec<usize> = (0..d).collect();
        let mut split = None;
        for tried in 0..d {
            let pick = tried + rng.below(d - tried);
            order.swap(tried, pick);
            let f = order[tried];
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for &r in rows.iter() {
                let v = x[r * d + f];
                lo = lo.min(v);
                hi = hi.max(v);
            }
            if hi > lo {
                let mut t = lo + rng.uniform() * (hi - lo);
                if t >= hi {
                    t = lo;
                }
                split = Some((f, t));
                break;
            }
        }
        let Some((feature, threshold)) = split else {
            return id;
        };
        // Partition: left = values <= threshold (scikit-learn's convention).
        let mut i = 0;
        for j in 0..rows.len() {
            if x[rows[j] * d + feature] <= threshold {
                rows.swap(i, j);
                i += 1;
            }
        }
        let (l, r) = rows.split_at_mut(i);
        let left = self.grow(x, d, l, depth + 1, max_depth, rng);
        let right = self.grow(x, d, r, depth + 1, max_depth, rng);
        self.nodes[id] = Node::Split {
            feature,
            threshold,
            left,
            right,
        };
        id
    }

    fn path_length(&self, q: &[f64]) -> f64 {
        let mut node = 0;
        let mut depth = 0.0;
        loop {
            match self.nodes[node] {
                Node::Leaf { size } => return depth + average_path_length(size),
                Node::Split {
                    feature,
                    threshold,
                    left,
                    right,
                } => {
                    node = if q[feature] <= threshold { left } else { right };
                    depth += 1.0;
                }
            }
        }
    }
}

/// A fitted forest.
#[derive(Debug)]
pub struct IsolationForest {
    trees: Vec<Tree>,
    psi: usize,
    d: usize,
}

impl IsolationForest {
    /// Fits `trees` trees to the `n × d` row-major matrix `x`, each on `min(max_samples, n)`
    /// rows drawn without replacement.
    pub fn fit(
        x: &[f64],
        n: usize,
        d: usize,
        trees: usize,
        max_samples: usize,
        seed: u64,
    ) -> IsolationForest {
        let psi = max_samples.min(n).max(1);
        let max_depth = (psi.max(2) as f64).log2().ceil() as usize;
        let trees = (0..trees)
            .into_par_iter()
            .map(|t| {
                let mut rng = Rng::new(seed, 0x1f0 + t as u64);
                let mut rows = rng.sample(n, psi);
                Tree::build(x, d, &mut rows, max_depth, &mut rng)
            })
            .collect();
        IsolationForest { trees, psi, d }
    }

    /// The anomaly score `s(x)` of a row (negate for scikit-learn's `score_samples`).
    pub fn score(&self, q: &[f64]) -> f64 {
        debug_assert_eq!(q.len(), self.d);
        if self.trees.is_empty() {
            return 0.5;
        }
        let mean =
            self.trees.iter().map(|t| t.path_length(q)).sum::<f64>() / self.trees.len() as f64;
        let c = average_path_length(self.psi);
        if c == 0.0 {
            return 0.5;
        }
        2f64.powf(-mean / c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normaliser_matches_scikit_learn() {
        // sklearn.ensemble._iforest._average_path_length([1, 2, 3, 256])
        assert_eq!(average_path_length(1), 0.0);
        assert_eq!(average_path_length(2), 1.0);
        assert!((average_path_length(3) - 1.207_392_357_589_623).abs() < 1e-12);
        assert!((average_path_length(256) - 10.244_770_920_119_917).abs() < 1e-12);
    }

    #[test]
    fn isolated_points_score_high() {
        let mut r = Rng::new(3, 0);
        let mut x: Vec<f64> = (0..1000).map(|_| r.uniform()).collect(); // 500 × 2 in [0,1)
        x.extend([8.0, 8.0]);
        let f = IsolationForest::fit(&x, 501, 2, 100, 256, 7);
        let s_out = f.score(&[8.0, 8.0]);
        let s_in = f.score(&[0.5, 0.5]);
        assert!(s_out > 0.7, "{s_out}");
        assert!(s_in < 0.5, "{s_in}");
    }
}
