//! Robust Mahalanobis distances from a Minimum Covariance Determinant estimate (FastMCD,
//! Rousseeuw and Van Driessen 1999), with the consistency correction and one reweighting step
//! as in scikit-learn's `MinCovDet`, and the chi-square quantile that serves as cut-off.
//!
//! The MCD estimate is the mean and covariance of the `h ≈ (n + p + 1) / 2` rows whose
//! covariance has the smallest determinant, so up to half the rows can be poisoned without
//! moving it; distances from it expose the rows that a plain covariance would hide (masking).

use super::rng::Rng;

/// The fitted location and scatter, and each row's squared robust distance.
#[derive(Debug, Clone)]
pub struct Mcd {
    /// Robust location (length p).
    pub location: Vec<f64>,
    /// Robust covariance (p × p, row-major), after correction and reweighting.
    pub covariance: Vec<f64>,
    /// Squared Mahalanobis distance of every input row.
    pub dist2: Vec<f64>,
    /// The number of rows in the raw MCD subset.
    pub h: usize,
}

/// Number of random (p + 1)-subsets FastMCD starts from.
const STARTS: usize = 500;
/// Starts kept after two C-steps, then iterated to convergence.
const KEEP: usize = 10;
/// Above this many rows the starts are run on a random subsample.
const SUBSAMPLE: usize = 1500;

/// Fits an MCD estimate to the `n × p` row-major matrix `x`. `None` when there are too few rows
/// (fewer than `p + 2`). A tiny ridge keeps the covariance invertible when a feature is constant
/// within the subset (one-hot columns often are).
pub fn fit(x: &[f64], n: usize, p: usize, seed: u64) -> Option<Mcd> {
    if p == 0 || n < p + 2 {
        return None;
    }
    let h = (n + p).div_ceil(2);
    let mut rng = Rng::new(seed, 0x004d_4344);
    // Starts on a subsample when n is large; their C-steps use h scaled to the subsample.
    let (sub, sub_h): (Vec<usize>, usize) = if n > SUBSAMPLE {
        let s = rng.sample(n, SUBSAMPLE);
        let sh = (SUBSAMPLE + p).div_ceil(2);
        (s, sh)
    } else {
        ((0..n).collect(), h)
    };
    let xs: Vec<f64> = sub
        .iter()
        .flat_map(|&i| x[i * p..(i + 1) * p].iter().copied())
        .collect();
    let ns = sub.len();
    let mut cands: Vec<(f64, Vec<usize>)> = Vec::with_capacity(STARTS);
    for _ in 0..STARTS {
        let mut subset = rng.sample(ns, p + 1);
        // Grow the start until its covariance is non-singular (as the paper suggests).
        let mut est = estimate(&xs, p, &subset);
        while est.is_none() && subset.len() < ns {
            let extra = rng.below(ns);
            if !subset.contains(&extra) {
                subset.push(extra);
            }
            est = estimate(&xs, p, &subset);
        }
        let Some((mut mu, mut chol)) = est else {
            continue;
        };
        let mut set = Vec::new();
        for _ in 0..2 {
            set = c_step(&xs, ns, p, &mu, &chol, sub_h);
            match estimate(&xs, p, &set) {
                Some((m, c)) => (mu, chol) = (m, c),
                None => break,
            }
        }
        cands.push((log_det(&chol), set));
    }
    cands.sort_by(|a, b| a.0.total_cmp(&b.0));
    cands.truncate(KEEP);
    // Map the best subsample subsets to full-data starts and iterate C-steps to convergence.
    let mut best: Option<(f64, Vec<f64>, Vec<f64>)> = None;
    for (_, set) in cands {
        let idx: Vec<usize> = set.iter().map(|&s| sub[s]).collect();
        let Some((mut mu, mut chol)) = estimate(x, p, &idx) else {
            continue;
        };
        let mut ld = log_det(&chol);
        for _ in 0..100 {
            let next = c_step(x, n, p, &mu, &chol, h);
            let Some((m, c)) = estimate(x, p, &next) else {
                break;
            };
            let nld = log_det(&c);
            let done = nld >= ld - 1e-12;
            (mu, chol, ld) = (m, c, nld);
            if done {
                break;
            }
        }
        if best.as_ref().is_none_or(|b| ld < b.0) {
            best = Some((ld, mu, chol));
        }
    }
    let (_, mu, chol) = best?;
    // Consistency correction: scale so the median distance matches chi2(p) median.
    let d2 = distances(x, n, p, &mu, &chol);
    let mut sorted = d2.clone();
    let med = super::features::median(&mut sorted);
    let corr = med / chi2_ppf(0.5, p as f64);
    let mut cov = covariance_from_chol(&chol, p);
    if corr > 0.0 && corr.is_finite() {
        cov.iter_mut().for_each(|c| *c *= corr);
    }
    // Reweighting: the rows within the 97.5% quantile give the final (more efficient) estimate.
    let cut = chi2_ppf(0.975, p as f64);
    let d2 = cov_distances(x, n, p, &mu, &cov).unwrap_or(d2);
    let inliers: Vec<usize> = (0..n).filter(|&i| d2[i] <= cut).collect();
    let (mu, cov) = match estimate_cov(x, p, &inliers) {
        Some((m, c)) => {
            // Second consistency correction, as scikit-learn's `correct_covariance` then
            // `reweight_covariance` do.
            match cov_distances(x, n, p, &m, &c) {
                Some(dd) => {
                    let mut s = dd.clone();
                    let med = super::features::median(&mut s);
                    let corr = med / chi2_ppf(0.5, p as f64);
                    let c = if corr > 0.0 && corr.is_finite() {
                        c.iter().map(|v| v * corr).collect()
                    } else {
                        c
                    };
                    (m, c)
                }
                None => (mu, cov),
            }
        }
        None => (mu, cov),
    };
    let dist2 = cov_distances(x, n, p, &mu, &cov)?;
    Some(Mcd {
        location: mu,
        covariance: cov,
        dist2,
        h,
    })
}

/// Mean and covariance (ML, divided by m) of the rows `idx`, regularised with a tiny ridge.
fn estimate_cov(x: &[f64], p: usize, idx: &[usize]) -> Option<(Vec<f64>, Vec<f64>)> {
    if idx.len() < 2 {
        return None;
    }
    let m = idx.len() as f64;
    let mut mu = vec![0.0; p];
    for &i in idx {
        for j in 0..p {
            mu[j] += x[i * p + j];
        }
    }
    mu.iter_mut().for_each(|v| *v /= m);
    let mut cov = vec![0.0; p * p];
    let mut c = vec![0.0; p];
    for &i in idx {
        for j in 0..p {
            c[j] = x[i * p + j] - mu[j];
        }
        for a in 0..p {
            let ca = c[a];
            for b in 0..=a {
                cov[a * p + b] += ca * c[b];
            }
        }
    }
    for a in 0..p {
        for b in 0..=a {
            cov[a * p + b] /= m;
            cov[b * p + a] = cov[a * p + b];
        }
    }
    // Ridge: 1e-9 of the mean variance (at least 1e-12) so constant-in-subset features do not
    // make the estimate singular; far below any variance that matters after standardisation.
    let tr = (0..p).map(|a| cov[a * p + a]).sum::<f64>() / p as f64;
    let ridge = (tr * 1e-9).max(1e-12);
    for a in 0..p {
        cov[a * p + a] += ridge;
    }
    Some((mu, cov))
}

fn estimate(x: &[f64], p: usize, idx: &[usize]) -> Option<(Vec<f64>, Vec<f64>)> {
    let (mu, cov) = estimate_cov(x, p, idx)?;
    let chol = cholesky(&cov, p)?;
    // A start whose smallest pivot is at the ridge is effectively singular.
    let tr = (0..p).map(|a| cov[a * p + a]).sum::<f64>() / p as f64;
    let min_pivot = (0..p)
        .map(|a| chol[a * p + a])
        .fold(f64::INFINITY, f64::min);
    if min_pivot * min_pivot < tr * 1e-10 && idx.len() <= p + 1 {
        return None;
    }
    Some((mu, chol))
}

/// Lower Cholesky factor of a symmetric positive-definite matrix.
pub fn cholesky(a: &[f64], p: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let mut s = a[i * p + j];
            for k in 0..j {
                s -= l[i * p + k] * l[j * p + k];
            }
            if i == j {
                if s <= 0.0 || !s.is_finite() {
                    return None;
                }
                l[i * p + i] = s.sqrt();
            } else {
                l[i * p + j] = s / l[j * p + j];
            }
        }
    }
    Some(l)
}

fn log_det(chol: &[f64]) -> f64 {
    let p = (chol.len() as f64).sqrt() as usize;
    2.0 * (0..p).map(|i| chol[i * p + i].ln()).sum::<f64>()
}

fn covariance_from_chol(l: &[f64], p: usize) -> Vec<f64> {
    let mut c = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..p {
            c[i * p + j] = (0..=i.min(j)).map(|k| l[i * p + k] * l[j * p + k]).sum();
        }
    }
    c
}

/// Squared Mahalanobis distance of `v` (already centred) through the Cholesky factor.
fn mahalanobis2(l: &[f64], p: usize, v: &mut [f64]) -> f64 {
    // Forward substitution: solve L z = v in place; the distance is |z|^2.
    let mut s = 0.0;
    for i in 0..p {
        let mut t = v[i];
        for k in 0..i {
            t -= l[i * p + k] * v[k];
        }
        t /= l[i * p + i];
        v[i] = t;
        s += t * t;
    }
    s
}

fn distances(x: &[f64], n: usize, p: usize, mu: &[f64], chol: &[f64]) -> Vec<f64> {
    let mut v = vec![0.0; p];
    (0..n)
        .map(|i| {
            for j in 0..p {
                v[j] = x[i * p + j] - mu[j];
            }
            mahalanobis2(chol, p, &mut v)
        })
        .collect()
}

fn cov_distances(x: &[f64], n: usize, p: usize, mu: &[f64], cov: &[f64]) -> Option<Vec<f64>> {
    let chol = cholesky(cov, p)?;
    Some(distances(x, n, p, mu, &chol))
}

/// One concentration step: the `h` rows closest to the current estimate.
fn c_step(x: &[f64], n: usize, p: usize, mu: &[f64], chol: &[f64], h: usize) -> Vec<usize> {
    let d = distances(x, n, p, mu, chol);
    let mut idx: Vec<usize> = (0..n).collect();
    let h = h.min(n);
    if h < n {
        idx.select_nth_unstable_by(h - 1, |&a, &b| d[a].total_cmp(&d[b]).then(a.cmp(&b)));
        idx.truncate(h);
    }
    idx.sort_unstable();
    idx
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error below 1e-15).
pub fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The regularised lower incomplete gamma function P(a, x) (series below a + 1, continued
/// fraction above, as in Numerical Recipes §6.2).
pub fn gamma_p(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let gln = ln_gamma(a);
    if x < a + 1.0 {
        let mut ap = a;
        let mut sum = 1.0 / a;
        let mut del = sum;
        for _ in 0..10_000 {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * 1e-17 {
                break;
            }
        }
        (sum.ln() - x + a * x.ln() - gln).exp()
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-17 {
                break;
            }
        }
        1.0 - (-x + a * x.ln() - gln).exp() * h
    }
}

/// The chi-square cumulative distribution function with `df` degrees of freedom.
pub fn chi2_cdf(x: f64, df: f64) -> f64 {
    gamma_p(df / 2.0, x / 2.0)
}

/// The chi-square quantile function (inverse CDF): bisection to bracket, then Newton steps.
pub fn chi2_ppf(q: f64, df: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, df.max(1.0));
    while chi2_cdf(hi, df) < q {
        lo = hi;
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if chi2_cdf(mid, df) < q {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-15 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi2_quantiles_match_scipy() {
        // scipy.stats.chi2.ppf values.
        for (q, df, want) in [
            (0.975, 2.0, 7.377_758_908_227_871),
            (0.95, 1.0, 3.841_458_820_694_124),
            (0.5, 3.0, 2.365_973_884_375_338),
            (0.999, 10.0, 29.588_298_445_074_42),
            (0.975, 64.0, 88.004_051_006_497_5),
        ] {
            let got = chi2_ppf(q, df);
            assert!(
                (got - want).abs() <= 1e-9 * want,
                "{q} {df}: {got} vs {want}"
            );
        }
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-14);
    }

    #[test]
    fn mcd_ignores_a_contaminating_cluster() {
        // 180 rows from a correlated 2-D Gaussian, 20 rows far off: the robust estimate must
        // sit on the clean rows and give the 20 the largest distances.
        let mut r = Rng::new(42, 0);
        let mut x = Vec::new();
        for _ in 0..180 {
            let (u, v) = normal_pair(&mut r);
            x.extend([u, 0.8 * u + 0.6 * v]);
        }
        for _ in 0..20 {
            let (u, v) = normal_pair(&mut r);
            x.extend([6.0 + 0.3 * u, -6.0 + 0.3 * v]);
        }
        let m = fit(&x, 200, 2, 1).unwrap();
        assert!(
            m.location[0].abs() < 0.3 && m.location[1].abs() < 0.3,
            "{m:?}"
        );
        assert!((m.covariance[1] - 0.8).abs() < 0.25, "{:?}", m.covariance);
        let cut = chi2_ppf(0.999, 2.0);
        assert!(m.dist2[180..].iter().all(|&d| d > cut));
        let clean_flagged = m.dist2[..180].iter().filter(|&&d| d > cut).count();
        assert!(clean_flagged <= 3, "{clean_flagged}");
        // Same seed, same answer.
        assert_eq!(fit(&x, 200, 2, 1).unwrap().dist2, m.dist2);
    }

    fn normal_pair(r: &mut Rng) -> (f64, f64) {
        let u1 = r.uniform().max(1e-300);
        let u2 = r.uniform();
        let rad = (-2.0 * u1.ln()).sqrt();
        let t = 2.0 * std::f64::consts::PI * u2;
        (rad * t.cos(), rad * t.sin())
    }
}
