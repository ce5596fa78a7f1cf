//! Explanations: permutation importance (global) and Kernel SHAP (local).
//!
//! Permutation importance (Breiman 2001; scikit-learn's `permutation_importance`) is the drop in
//! accuracy when one feature's column is shuffled, averaged over seeded repeats.
//!
//! Kernel SHAP (Lundberg & Lee 2017) explains one row's output `f(x)` (the probability of a
//! class) as additive feature contributions: coalitions `z` of features take their value from
//! `x`, the others from background rows, and a linear model is fitted to the coalition values
//! with the Shapley kernel weights. The efficiency constraint `Σ φ = f(x) - E f` is imposed
//! exactly by eliminating one coefficient, as the `shap` package does. With at most 2^M - 2 ≤
//! `nsamples` coalitions every coalition is enumerated (exact Shapley values of the
//! interventional game); otherwise coalition sizes are sampled in proportion to their kernel
//! weight, each with its complement (paired sampling).

use serde::Serialize;

use crate::model::{Classifier, ModelError};
use crate::query::{argmax_rows, predict_proba_batched};
use crate::rng::Rng;

/// Permutation importance of one feature.
#[derive(Debug, Clone, Serialize)]
pub struct Importance {
    /// Feature index.
    pub feature: usize,
    /// Feature name, if known.
    pub name: Option<String>,
    /// Mean accuracy drop.
    pub mean: f64,
    /// Standard deviation over repeats.
    pub std: f64,
}

/// Permutation importances of all features, sorted by decreasing mean.
pub fn permutation_importance(
    model: &dyn Classifier,
    x: &[f32],
    y: &[usize],
    repeats: usize,
    seed: u64,
) -> Result<Vec<Importance>, ModelError> {
    let d = model.n_features();
    let k = model.n_classes();
    let n = y.len();
    let acc = |xs: &[f32]| -> Result<f64, ModelError> {
        let p = predict_proba_batched(model, xs, 1024)?;
        let pred = argmax_rows(&p, k);
        Ok(pred.iter().zip(y).filter(|(a, b)| a == b).count() as f64 / n.max(1) as f64)
    };
    let base = acc(x)?;
    let mut out = Vec::with_capacity(d);
    let mut work = x.to_vec();
    for j in 0..d {
        let mut rng = Rng::for_item(seed, j as u64);
        let mut drops = Vec::with_capacity(repeats);
        for _ in 0..repeats.max(1) {
            let mut perm: Vec<usize> = (0..n).collect();
            rng.shuffle(&mut perm);
            for (i, &p) in perm.iter().enumerate() {
                work[i * d + j] = x[p * d + j];
            }
            drops.push(base - acc(&work)?);
        }
        for i in 0..n {
            work[i * d + j] = x[i * d + j];
        }
        let mean = drops.iter().sum::<f64>() / drops.len() as f64;
        let var = drops.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / drops.len() as f64;
        out.push(Importance {
            feature: j,
            name: None,
            mean,
            std: var.sqrt(),
        });
    }
    out.sort_by(|a, b| b.mean.total_cmp(&a.mean));
    Ok(out)
}

/// Kernel SHAP explanation of one row.
#[derive(Debug, Clone, Serialize)]
pub struct ShapRow {
    /// Row index in the data.
    pub row: usize,
    /// Class explained (the model's prediction for the row).
    pub class: usize,
    /// `f(x)`: probability of `class`.
    pub fx: f64,
    /// `E f` over the background.
    pub expected: f64,
    /// Contribution of each feature; they sum to `fx - expected`.
    pub phi: Vec<f64>,
    /// Coalitions evaluated.
    pub coalitions: usize,
}

fn binom(n: usize, k: usize) -> f64 {
    let mut r = 1.0;
    for i in 0..k.min(n - k) {
        r = r * (n - i) as f64 / (i + 1) as f64;
    }
    r
}

/// Kernel SHAP for `row` (one row of `d` features) against `background` rows.
pub fn kernel_shap(
    model: &dyn Classifier,
    row: &[f32],
    background: &[f32],
    class: Option<usize>,
    nsamples: usize,
    seed: u64,
) -> Result<ShapRow, ModelError> {
    let d = model.n_features();
    let k = model.n_classes();
    let nb = background.len() / d.max(1);
    if row.len() != d || nb == 0 {
        return Err(ModelError::Input(
            "Kernel SHAP needs one row and at least one background row".into(),
        ));
    }
    let px = model.predict_proba(row)?;
    let class = class.unwrap_or_else(|| argmax_rows(&px, k)[0]);
    let fx = px[class] as f64;
    let pb = predict_proba_batched(model, background, 1024)?;
    let expected = (0..nb).map(|b| pb[b * k + class] as f64).sum::<f64>() / nb as f64;
    if d == 1 {
        return Ok(ShapRow {
            row: 0,
            class,
            fx,
            expected,
            phi: vec![fx - expected],
            coalitions: 0,
        });
    }
    // Coalitions (as feature masks) and their regression weights.
    let mut coal: Vec<Vec<bool>> = Vec::new();
    let mut weight: Vec<f64> = Vec::new();
    let exact = d < 30 && (1u64 << d) - 2 <= nsamples as u64;
    if exact {
        for m in 1..(1u64 << d) - 1 {
            let z: Vec<bool> = (0..d).map(|j| m >> j & 1 == 1).collect();
            let s = z.iter().filter(|v| **v).count();
            weight.push((d - 1) as f64 / (binom(d, s) * s as f64 * (d - s) as f64));
            coal.push(z);
        }
    } else {
        let mut rng = Rng::new(seed);
        // P(size = s) ∝ (d-1) / (s (d-s)).
        let ws: Vec<f64> = (1..d).map(|s| 1.0 / (s * (d - s)) as f64).collect();
        let tot: f64 = ws.iter().sum();
        for _ in 0..nsamples.div_ceil(2) {
            let mut u = rng.f64() * tot;
            let mut s = d - 1;
            for (i, w) in ws.iter().enumerate() {
                if u < *w {
                    s = i + 1;
                    break;
                }
                u -= w;
            }
            let mut idx: Vec<usize> = (0..d).collect();
            rng.shuffle(&mut idx);
            let mut z = vec![false; d];
            for &j in &idx[..s] {
                z[j] = true;
            }
            let comp: Vec<bool> = z.iter().map(|v| !v).collect();
            coal.push(z);
            coal.push(comp);
            weight.push(1.0);
            weight.push(1.0);
        }
    }
    // v(z) = mean over background of f(x_z, b_~z).
    let mut v = Vec::with_capacity(coal.len());
    let mut buf = Vec::with_capacity(nb * d);
    for z in &coal {
        buf.clear();
        for b in background.chunks(d) {
            for j in 0..d {
                buf.push(if z[j] { row[j] } else { b[j] });
            }
        }
        let p = model.predict_proba(&buf)?;
        v.push((0..nb).map(|b| p[b * k + class] as f64).sum::<f64>() / nb as f64);
    }
    // Eliminate the last coefficient: φ_last = Δ - Σ φ_j.
    let delta = fx - expected;
    let m = d - 1;
    let mut ata = vec![0.0f64; m * m];
    let mut atb = vec![0.0f64; m];
    for (z, (&vz, &w)) in coal.iter().zip(v.iter().zip(&weight)) {
        let zl = z[d - 1] as u8 as f64;
        let target = vz - expected - zl * delta;
        let a: Vec<f64> = (0..m).map(|j| z[j] as u8 as f64 - zl).collect();
        for r in 0..m {
            if a[r] == 0.0 {
                continue;
            }
            atb[r] += w * a[r] * target;
            for c in 0..m {
                ata[r * m + c] += w * a[r] * a[c];
            }
        }
    }
    for r in 0..m {
        ata[r * m + r] += 1e-10;
    }
    let mut phi = solve(ata, atb, m);
    let last = delta - phi.iter().sum::<f64>();
    phi.push(last);
    Ok(ShapRow {
        row: 0,
        class,
        fx,
        expected,
        phi,
        coalitions: coal.len(),
    })
}

/// Solves the symmetric positive (semi)definite system `a x = b` by Gaussian elimination with
/// partial pivoting.
fn solve(mut a: Vec<f64>, mut b: Vec<f64>, m: usize) -> Vec<f64> {
    for col in 0..m {
        let piv = (col..m)
            .max_by(|&i, &j| a[i * m + col].abs().total_cmp(&a[j * m + col].abs()))
            .unwrap_or(col);
        if piv != col {
            for c in 0..m {
                a.swap(col * m + c, piv * m + c);
            }
            b.swap(col, piv);
        }
        let p = a[col * m + col];
        if p.abs() < 1e-300 {
            continue;
        }
        for r in col + 1..m {
            let f = a[r * m + col] / p;
            if f == 0.0 {
                continue;
            }
            for c in col..m {
                a[r * m + c] -= f * a[col * m + c];
            }
            b[r] -= f * b[col];
        }
    }
    let mut x = vec![0.0; m];
    for r in (0..m).rev() {
        let s: f64 = (r + 1..m).map(|c| a[r * m + c] * x[c]).sum();
        let p = a[r * m + r];
        x[r] = if p.abs() < 1e-300 {
            0.0
        } else {
            (b[r] - s) / p
        };
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::victim;

    /// "Probability" of class 0 is a linear function of the input, so Shapley values are known:
    /// φ_j = w_j (x_j - mean_b b_j).
    struct LinearScore(Vec<f32>);
    impl Classifier for LinearScore {
        fn n_features(&self) -> usize {
            self.0.len()
        }
        fn n_classes(&self) -> usize {
            2
        }
        fn predict_proba(&self, x: &[f32]) -> Result<Vec<f32>, ModelError> {
            let mut out = Vec::new();
            for r in x.chunks(self.0.len()) {
                let s: f32 = r.iter().zip(&self.0).map(|(a, b)| a * b).sum::<f32>() + 0.5;
                out.push(s);
                out.push(-1.0);
            }
            Ok(out)
        }
    }

    #[test]
    fn shap_is_exact_on_a_linear_model_and_efficient() {
        let w = vec![0.1f32, -0.2, 0.05, 0.3, 0.0, 0.15];
        let m = LinearScore(w.clone());
        let x = [0.9f32, 0.1, 0.5, 0.7, 0.3, 0.2];
        let bg: Vec<f32> = (0..24).map(|i| ((i * 7) % 10) as f32 / 10.0).collect();
        for ns in [100usize, 40] {
            // 100 >= 2^6-2: exact enumeration; 40: sampled.
            let r = kernel_shap(&m, &x, &bg, Some(0), ns, 9).unwrap();
            let sum: f64 = r.phi.iter().sum();
            assert!((sum - (r.fx - r.expected)).abs() < 1e-6);
            for j in 0..6 {
                let mb: f64 = bg.chunks(6).map(|b| b[j] as f64).sum::<f64>() / 4.0;
                let want = w[j] as f64 * (x[j] as f64 - mb);
                assert!(
                    (r.phi[j] - want).abs() < 1e-4,
                    "{ns} {j}: {} vs {want}",
                    r.phi[j]
                );
            }
        }
    }

    #[test]
    fn permutation_importance_ranks_informative_features() {
        let v = victim(6, 2);
        let imp = permutation_importance(&v.model, &v.x_test, &v.y_test, 3, 1).unwrap();
        assert_eq!(imp.len(), 6);
        assert!(imp[0].mean > 0.0);
        assert!(imp.windows(2).all(|w| w[0].mean >= w[1].mean));
    }
}
