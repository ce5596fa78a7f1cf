//! HopSkipJump (Chen, Jordan & Wainwright, IEEE S&P 2020): a decision-based attack that needs
//! only the predicted label.
//!
//! Each sample starts from the nearest real sample of another class (from a pool of rows with
//! labels, e.g. the training data), which the reference runs showed to find an adversarial
//! example for every tabular row where random-noise starts fail for about a third. Then, for
//! `max_iter` iterations: binary search to the decision boundary, estimate the boundary's normal
//! from `min(init_eval · √(t+1), max_eval)` labelled random probes, and take a geometric step
//! (halving from `2·dist/√(t+1)` until the step stays adversarial). The constants (`theta`,
//! probe radius `delta`, thresholds) are IBM ART 1.20.1's.
//!
//! Differences from ART: up to three pool candidates are tried and the closest after the first
//! binary search is kept; a final binary search tightens the last step; the best adversarial
//! example seen is returned; a sample stops early once it is within `stop_at` (no smaller
//! epsilon is asked for); every sample has its own seeded stream and an optional query cap.

use crate::evasion::{Bounds, misclassified};
use crate::model::{Classifier, ModelError};
use crate::rng::Rng;

/// Perturbation norm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Norm {
    /// L∞.
    Inf,
    /// L2.
    L2,
}

impl Norm {
    /// Distance between two rows.
    pub fn dist(self, a: &[f32], b: &[f32]) -> f32 {
        match self {
            Norm::Inf => a
                .iter()
                .zip(b)
                .map(|(p, q)| (p - q).abs())
                .fold(0.0, f32::max),
            Norm::L2 => a
                .iter()
                .zip(b)
                .map(|(p, q)| (p - q) * (p - q))
                .sum::<f32>()
                .sqrt(),
        }
    }

    /// Name as reported (`"inf"` or `"2"`).
    pub fn name(self) -> &'static str {
        match self {
            Norm::Inf => "inf",
            Norm::L2 => "2",
        }
    }
}

/// HopSkipJump settings.
#[derive(Debug, Clone)]
pub struct HsjConfig {
    /// Norm to minimise.
    pub norm: Norm,
    /// Iterations.
    pub max_iter: usize,
    /// Largest number of gradient-estimation probes per iteration.
    pub max_eval: usize,
    /// Probes at the first iteration.
    pub init_eval: usize,
    /// Stop a sample once its adversarial example is this close (e.g. the smallest epsilon).
    pub stop_at: Option<f32>,
    /// Per-sample query cap.
    pub max_queries: Option<u64>,
    /// Seed.
    pub seed: u64,
}

impl Default for HsjConfig {
    fn default() -> Self {
        HsjConfig {
            norm: Norm::Inf,
            max_iter: 20,
            max_eval: 1000,
            init_eval: 100,
            stop_at: None,
            max_queries: None,
            seed: 0,
        }
    }
}

/// Result of HopSkipJump on a set of samples.
#[derive(Debug, Clone)]
pub struct HsjOutcome {
    /// Closest adversarial row found (the original row where none was found), `n × d`.
    pub adv: Vec<f32>,
    /// Whether the model classified the original row correctly.
    pub clean_correct: Vec<bool>,
    /// Distance (in the attack norm) of the adversarial example; `None` if none was found.
    pub dist: Vec<Option<f32>>,
    /// Rows sent to the model per sample.
    pub queries: Vec<u64>,
}

impl HsjOutcome {
    /// Per-sample "fooled within `eps`" flags.
    pub fn fooled_at(&self, eps: f32) -> Vec<bool> {
        self.dist
            .iter()
            .map(|d| matches!(d, Some(v) if *v <= eps))
            .collect()
    }

    /// Adversarial rows counted within `eps` (others replaced by the original row).
    pub fn adv_at(&self, eps: f32, x: &[f32]) -> Vec<f32> {
        let n = self.dist.len();
        let d = x.len().checked_div(n).unwrap_or(0);
        let mut out = x.to_vec();
        for (i, f) in self.fooled_at(eps).into_iter().enumerate() {
            if f {
                out[i * d..(i + 1) * d].copy_from_slice(&self.adv[i * d..(i + 1) * d]);
            }
        }
        out
    }
}

struct Oracle<'a> {
    model: &'a dyn Classifier,
    bounds: &'a Bounds,
    orig: &'a [f32],
    y: usize,
    queries: u64,
    cap: u64,
}

impl Oracle<'_> {
    /// Whether each row of `rows` is adversarial (rows are projected into the box first).
    fn adversarial(&mut self, rows: &mut [f32]) -> Result<Option<Vec<bool>>, ModelError> {
        let d = self.orig.len();
        let n = rows.len() / d;
        if self.queries + n as u64 > self.cap {
            return Ok(None);
        }
        for r in rows.chunks_mut(d) {
            self.bounds.project(r, self.orig);
        }
        let p = self.model.predict_proba(rows)?;
        self.queries += n as u64;
        let k = self.model.n_classes();
        Ok(Some(
            p.chunks(k).map(|pr| misclassified(pr, self.y)).collect(),
        ))
    }

    fn one(&mut self, row: &mut [f32]) -> Result<Option<bool>, ModelError> {
        Ok(self.adversarial(row)?.map(|v| v[0]))
    }
}

fn interpolate(cur: &[f32], orig: &[f32], alpha: f32, norm: Norm, out: &mut [f32]) {
    for j in 0..cur.len() {
        out[j] = match norm {
            Norm::L2 => (1.0 - alpha) * orig[j] + alpha * cur[j],
            Norm::Inf => cur[j].clamp(orig[j] - alpha, orig[j] + alpha),
        };
    }
}

/// Binary search between `orig` and the adversarial `cur`; returns the boundary point on the
/// adversarial side, or `None` when the query cap was hit.
fn binary_search(
    o: &mut Oracle,
    cur: &[f32],
    norm: Norm,
    theta: f32,
) -> Result<Option<Vec<f32>>, ModelError> {
    let orig = o.orig;
    let (mut hi, mut lo, threshold) = match norm {
        Norm::L2 => (1.0f32, 0.0f32, theta),
        Norm::Inf => {
            let ub = norm.dist(cur, orig);
            (ub, 0.0, (ub * theta).min(theta))
        }
    };
    let mut probe = vec![0.0; cur.len()];
    while hi - lo > threshold {
        let mid = (hi + lo) / 2.0;
        interpolate(cur, orig, mid, norm, &mut probe);
        match o.one(&mut probe)? {
            Some(true) => hi = mid,
            Some(false) => lo = mid,
            None => break,
        }
        if mid == hi && mid == lo {
            break;
        }
    }
    interpolate(cur, orig, hi, norm, &mut probe);
    Ok(Some(probe))
}

/// Runs HopSkipJump on rows `x` (`n × d`) with labels `y`, starting from rows of `pool`
/// (`m × d`, labels `pool_y`) of another class.
pub fn hop_skip_jump(
    model: &dyn Classifier,
    x: &[f32],
    y: &[usize],
    pool: &[f32],
    pool_y: &[usize],
    bounds: &Bounds,
    cfg: &HsjConfig,
) -> Result<HsjOutcome, ModelError> {
    let d = model.n_features();
    let k = model.n_classes();
    let n = y.len();
    if x.len() != n * d || pool.len() != pool_y.len() * d {
        return Err(ModelError::Input(format!(
            "rows do not match {d} features ({} values for {n} rows, pool {} values for {} rows)",
            x.len(),
            pool.len(),
            pool_y.len()
        )));
    }
    let clean = model.predict_proba(x)?;
    let clean_correct: Vec<bool> = (0..n)
        .map(|i| !misclassified(&clean[i * k..(i + 1) * k], y[i]))
        .collect();
    let mut adv = x.to_vec();
    let mut dist = vec![None; n];
    let mut queries = vec![1u64; n];
    let dim = d as f32;
    let theta = match cfg.norm {
        Norm::L2 => 0.01 / dim.sqrt(),
        Norm::Inf => 0.01 / dim,
    };
    // Samples are independent (each has its own seeded stream), so they run on all cores; the
    // result does not depend on the thread count.
    let todo: Vec<usize> = (0..n).filter(|&i| clean_correct[i]).collect();
    let one = |i: usize| -> Result<SampleResult, ModelError> {
        let mut rng = Rng::for_item(cfg.seed, i as u64);
        let mut o = Oracle {
            model,
            bounds,
            orig: &x[i * d..(i + 1) * d],
            y: y[i],
            queries: 0,
            cap: cfg.max_queries.unwrap_or(u64::MAX).saturating_sub(1),
        };
        let found = attack_one(&mut o, pool, pool_y, cfg, theta, &mut rng)?;
        Ok((i, o.queries, found))
    };
    let threads = std::thread::available_parallelism()
        .map(|t| t.get())
        .unwrap_or(1)
        .min(todo.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let t = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(&i) = todo.get(t) else { break };
                        mine.push(one(i));
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    for r in results {
        let (i, q, found) = r?;
        queries[i] += q;
        if let Some((row, dv)) = found {
            adv[i * d..(i + 1) * d].copy_from_slice(&row);
            dist[i] = Some(dv);
        }
    }
    Ok(HsjOutcome {
        adv,
        clean_correct,
        dist,
        queries,
    })
}

/// Sample index, queries spent, closest adversarial row and its distance.
type SampleResult = (usize, u64, Option<(Vec<f32>, f32)>);

fn attack_one(
    o: &mut Oracle,
    pool: &[f32],
    pool_y: &[usize],
    cfg: &HsjConfig,
    theta: f32,
    rng: &mut Rng,
) -> Result<Option<(Vec<f32>, f32)>, ModelError> {
    let d = o.orig.len();
    let norm = cfg.norm;
    // Pool rows of another (true) class, nearest first.
    let mut cands: Vec<(f32, usize)> = pool_y
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c != o.y)
        .map(|(j, _)| (norm.dist(&pool[j * d..(j + 1) * d], o.orig), j))
        .collect();
    cands.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut best: Option<(Vec<f32>, f32)> = None;
    let mut tried = 0;
    for &(_, j) in cands.iter().take(20) {
        if tried == 3 {
            break;
        }
        let mut start = pool[j * d..(j + 1) * d].to_vec();
        match o.one(&mut start)? {
            Some(true) => {}
            Some(false) => continue,
            None => break,
        }
        tried += 1;
        if let Some(b) = binary_search(o, &start, norm, theta)? {
            let dv = norm.dist(&b, o.orig);
            if best.as_ref().is_none_or(|(_, bd)| dv < *bd) {
                best = Some((b, dv));
            }
        }
    }
    let Some((mut cur, mut cur_dist)) = best.clone() else {
        return Ok(None);
    };
    let stop = cfg.stop_at.unwrap_or(0.0);
    let mut probes = Vec::new();
    let mut noise = Vec::new();
    for t in 0..cfg.max_iter {
        if cur_dist <= stop {
            break;
        }
        let delta = if t == 0 {
            0.1
        } else {
            match norm {
                Norm::L2 => (d as f32).sqrt() * theta * cur_dist,
                Norm::Inf => d as f32 * theta * cur_dist,
            }
        };
        let delta = delta.max(1e-12);
        let num_eval =
            ((cfg.init_eval as f64 * ((t + 1) as f64).sqrt()) as usize).min(cfg.max_eval);
        // Gradient direction estimate from labelled probes around the boundary point.
        noise.clear();
        probes.clear();
        for _ in 0..num_eval {
            let start = noise.len();
            for _ in 0..d {
                noise.push(match norm {
                    Norm::L2 => rng.normal() as f32,
                    Norm::Inf => (rng.f64() * 2.0 - 1.0) as f32,
                });
            }
            let r = &mut noise[start..];
            let nr = r.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
            r.iter_mut().for_each(|v| *v /= nr);
            for j in 0..d {
                probes.push(cur[j] + delta * r[j]);
            }
        }
        let Some(sat) = o.adversarial(&mut probes)? else {
            break;
        };
        // Probes were clipped: use the realised directions, as ART does.
        for (pv, (nv, cv)) in probes.iter().zip(noise.iter_mut().zip(cur.iter().cycle())) {
            *nv = (pv - cv) / delta;
        }
        let fvals: Vec<f32> = sat.iter().map(|&s| if s { 1.0 } else { -1.0 }).collect();
        let mean = fvals.iter().sum::<f32>() / num_eval as f32;
        let mut grad = vec![0.0f32; d];
        for (e, f) in fvals.iter().enumerate() {
            let w = if mean == 1.0 {
                1.0
            } else if mean == -1.0 {
                -1.0
            } else {
                f - mean
            };
            for j in 0..d {
                grad[j] += w * noise[e * d + j];
            }
        }
        let update: Vec<f32> = match norm {
            Norm::L2 => {
                let g = grad.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
                grad.iter().map(|v| v / g).collect()
            }
            Norm::Inf => grad
                .iter()
                .map(|v| {
                    if *v > 0.0 {
                        1.0
                    } else if *v < 0.0 {
                        -1.0
                    } else {
                        0.0
                    }
                })
                .collect(),
        };
        // Geometric step-size search.
        let mut eps = 2.0 * cur_dist / ((t + 1) as f32).sqrt();
        let mut stepped = None;
        for _ in 0..30 {
            eps /= 2.0;
            let mut cand: Vec<f32> = cur.iter().zip(&update).map(|(c, u)| c + eps * u).collect();
            match o.one(&mut cand)? {
                Some(true) => {
                    stepped = Some(cand);
                    break;
                }
                Some(false) => {}
                None => break,
            }
        }
        let Some(next) = stepped else {
            break;
        };
        let Some(b) = binary_search(o, &next, norm, theta)? else {
            break;
        };
        cur = b;
        cur_dist = norm.dist(&cur, o.orig);
        if best.as_ref().is_none_or(|(_, bd)| cur_dist < *bd) {
            best = Some((cur.clone(), cur_dist));
        }
    }
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::victim;

    #[test]
    fn finds_close_adversarial_examples_from_pool() {
        let v = victim(10, 3);
        let b = Bounds::uniform(v.d, 0.0, 1.0);
        let n = 30;
        let x = &v.x_test[..n * v.d];
        let y = &v.y_test[..n];
        let cfg = HsjConfig {
            max_iter: 10,
            seed: 1,
            ..HsjConfig::default()
        };
        let out = hop_skip_jump(&v.model, x, y, &v.x_train, &v.y_train, &b, &cfg).unwrap();
        let p = v.model.predict_proba(&out.adv).unwrap();
        let mut found = 0;
        for i in 0..n {
            if let Some(dv) = out.dist[i] {
                found += 1;
                let row = &out.adv[i * v.d..(i + 1) * v.d];
                assert!(misclassified(&p[i * 3..i * 3 + 3], y[i]));
                assert!((Norm::Inf.dist(row, &x[i * v.d..(i + 1) * v.d]) - dv).abs() < 1e-6);
                // The start point (a real sample) is far; the attack must get much closer.
                assert!(dv < 0.5, "{dv}");
            }
        }
        assert!(found >= out.clean_correct.iter().filter(|c| **c).count() - 1);
        let again = hop_skip_jump(&v.model, x, y, &v.x_train, &v.y_train, &b, &cfg).unwrap();
        assert_eq!(again.adv, out.adv);
        assert!(out.queries.iter().all(|&q| q < 8000));
    }
}
