//! Exact k-nearest neighbours (Euclidean) of every row among the other rows.
//!
//! A KD-tree (median splits on the widest dimension, leaves of [`LEAF`] rows) answers the
//! queries in low dimensions; above [`KD_MAX_DIM`] dimensions a KD-tree visits nearly every leaf
//! anyway, so a brute-force scan with a tight inner loop the compiler vectorises takes over.
//! Both are exact, run the queries in parallel (rayon), and break distance ties by row index so
//! that the result does not depend on the thread schedule.

use rayon::prelude::*;

/// Above this many dimensions the brute-force scan is used.
pub const KD_MAX_DIM: usize = 16;
const LEAF: usize = 16;

/// The neighbours of every row: `k` (or `n - 1` when fewer) per row, nearest first.
#[derive(Debug, Clone)]
pub struct Neighbours {
    /// Neighbours per row.
    pub k: usize,
    /// `n × k` row indices.
    pub index: Vec<u32>,
    /// `n × k` Euclidean distances.
    pub dist: Vec<f64>,
    /// Which search ran.
    pub method: &'static str,
}

impl Neighbours {
    /// Row `i`'s neighbours (indices and distances), nearest first.
    pub fn of(&self, i: usize) -> (&[u32], &[f64]) {
        (
            &self.index[i * self.k..(i + 1) * self.k],
            &self.dist[i * self.k..(i + 1) * self.k],
        )
    }
}

/// The `k` nearest other rows of every row of the `n × d` row-major matrix `data`.
pub fn knn(data: &[f64], n: usize, d: usize, k: usize) -> Neighbours {
    let k = k.min(n.saturating_sub(1));
    if k == 0 {
        return Neighbours {
            k,
            index: Vec::new(),
            dist: Vec::new(),
            method: "none",
        };
    }
    let (results, method): (Vec<Vec<(f64, u32)>>, _) = if d <= KD_MAX_DIM {
        let tree = KdTree::build(data, n, d);
        (
            (0..n)
                .into_par_iter()
                .map(|i| tree.query(&data[i * d..(i + 1) * d], k, i as u32))
                .collect(),
            "kd-tree",
        )
    } else {
        (
            (0..n)
                .into_par_iter()
                .map(|i| brute(data, n, d, i, k))
                .collect(),
            "brute-force",
        )
    };
    let mut index = Vec::with_capacity(n * k);
    let mut dist = Vec::with_capacity(n * k);
    for r in results {
        for (d2, j) in r {
            index.push(j);
            dist.push(d2.sqrt());
        }
    }
    Neighbours {
        k,
        index,
        dist,
        method,
    }
}

/// The k best (squared distance, index) seen so far, sorted ascending.
struct Best {
    k: usize,
    items: Vec<(f64, u32)>,
}

impl Best {
    fn new(k: usize) -> Best {
        Best {
            k,
            items: Vec::with_capacity(k + 1),
        }
    }
    fn worst(&self) -> f64 {
        if self.items.len() < self.k {
            f64::INFINITY
        } else {
            self.items[self.k - 1].0
        }
    }
    fn push(&mut self, d2: f64, j: u32) {
        if self.items.len() == self.k {
            let w = self.items[self.k - 1];
            if (d2, j) >= w {
                return;
            }
        }
        let pos = self.items.partition_point(|&e| e < (d2, j));
        self.items.insert(pos, (d2, j));
        self.items.truncate(self.k);
    }
}

#[inline]
fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    // Four accumulators so the loop vectorises without reassociation.
    let mut acc = [0.0f64; 4];
    let chunks = a.len() / 4;
    for c in 0..chunks {
        for l in 0..4 {
            let t = a[c * 4 + l] - b[c * 4 + l];
            acc[l] += t * t;
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for i in chunks * 4..a.len() {
        let t = a[i] - b[i];
        s += t * t;
    }
    s
}

fn brute(data: &[f64], n: usize, d: usize, i: usize, k: usize) -> Vec<(f64, u32)> {
    let q = &data[i * d..(i + 1) * d];
    let mut best = Best::new(k);
    for j in 0..n {
        if j == i {
            continue;
        }
        let d2 = sq_dist(q, &data[j * d..(j + 1) * d]);
        if d2 <= best.worst() {
            best.push(d2, j as u32);
        }
    }
    best.items
}

enum Node {
    Leaf {
        start: usize,
        end: usize,
    },
    Split {
        dim: usize,
        value: f64,
        left: usize,
        right: usize,
    },
}

struct KdTree<'a> {
    data: &'a [f64],
    d: usize,
    order: Vec<u32>,
    nodes: Vec<Node>,
}

impl<'a> KdTree<'a> {
    fn build(data: &'a [f64], n: usize, d: usize) -> KdTree<'a> {
        let mut t = KdTree {
            data,
            d,
            order: (0..n as u32).collect(),
            nodes: Vec::new(),
        };
        t.build_node(0, n);
        t
    }

    fn x(&self, i: u32, j: usize) -> f64 {
        self.data[i as usize * self.d + j]
    }

    fn build_node(&mut self, start: usize, end: usize) -> usize {
        let id = self.nodes.len();
        self.nodes.push(Node::Leaf { start, end });
        if end - start <= LEAF {
            return id;
        }
        let mut dim = 0;
        let mut spread = -1.0;
        for j in 0..self.d {
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for &i in &self.order[start..end] {
                let v = self.x(i, j);
                lo = lo.min(v);
                hi = hi.max(v);
            }
            if hi - lo > spread {
                spread = hi - lo;
                dim = j;
            }
        }
        if spread <= 0.0 {
            return id; // all points equal: one (large) leaf
        }
        let mid = (start + end) / 2;
        let (data, d) = (self.data, self.d);
        self.order[start..end].select_nth_unstable_by(mid - start, |&a, &b| {
            data[a as usize * d + dim].total_cmp(&data[b as usize * d + dim])
        });
        let value = self.x(self.order[mid], dim);
        let left = self.build_node(start, mid);
        let right = self.build_node(mid, end);
        self.nodes[id] = Node::Split {
            dim,
            value,
            left,
            right,
        };
        id
    }

    fn query(&self, q: &[f64], k: usize, skip: u32) -> Vec<(f64, u32)> {
        let mut best = Best::new(k);
        self.search(0, q, skip, &mut best);
        best.items
    }

    fn search(&self, node: usize, q: &[f64], skip: u32, best: &mut Best) {
        match self.nodes[node] {
            Node::Leaf { start, end } => {
                for &i in &self.order[start..end] {
                    if i == skip {
                        continue;
                    }
                    let p = &self.data[i as usize * self.d..(i as usize + 1) * self.d];
                    let d2 = sq_dist(q, p);
                    if d2 <= best.worst() {
                        best.push(d2, i);
                    }
                }
            }
            Node::Split {
                dim,
                value,
                left,
                right,
            } => {
                let diff = q[dim] - value;
                let (near, far) = if diff < 0.0 {
                    (left, right)
                } else {
                    (right, left)
                };
                self.search(near, q, skip, best);
                // `<=` so that ties at the boundary are resolved by index, as in brute force.
                if diff * diff <= best.worst() {
                    self.search(far, q, skip, best);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poison::rng::Rng;

    fn random(n: usize, d: usize, seed: u64) -> Vec<f64> {
        let mut r = Rng::new(seed, 0);
        (0..n * d)
            .map(|_| (r.uniform() * 8.0).floor() / 2.0) // coarse grid: many exact ties
            .collect()
    }

    #[test]
    fn kd_tree_equals_brute_force_with_ties() {
        for (n, d) in [(300, 2), (500, 5), (200, 16)] {
            let data = random(n, d, n as u64);
            let a = knn(&data, n, d, 7);
            assert_eq!(a.method, "kd-tree");
            for i in 0..n {
                let b = brute(&data, n, d, i, 7);
                let (idx, dist) = a.of(i);
                let bi: Vec<u32> = b.iter().map(|e| e.1).collect();
                assert_eq!(idx, bi.as_slice(), "row {i}");
                for (x, y) in dist.iter().zip(&b) {
                    assert!((x - y.0.sqrt()).abs() < 1e-12);
                }
            }
        }
    }

    #[test]
    fn high_dimensions_use_brute_force_and_exclude_self() {
        let data = random(50, 20, 3);
        let a = knn(&data, 50, 20, 60);
        assert_eq!(a.method, "brute-force");
        assert_eq!(a.k, 49);
        for i in 0..50 {
            assert!(!a.of(i).0.contains(&(i as u32)));
            assert!(a.of(i).1.windows(2).all(|w| w[0] <= w[1]));
        }
    }
}
