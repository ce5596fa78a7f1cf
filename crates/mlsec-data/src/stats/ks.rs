//! Two-sample Kolmogorov–Smirnov test, two-sided, as `scipy.stats.ks_2samp(method='auto')`.
//!
//! Inputs are empirical distributions given as sorted distinct values with counts
//! ([`Ecdf`]), so a reference profile (which stores exactly that) tests as well as raw data.

use super::Ecdf;
use super::special::kolmogn_sf;

/// Above this sample size SciPy's `method='auto'` switches from the exact to the asymptotic
/// distribution (`MAX_AUTO_N` in `_stats_py.py`).
pub const MAX_AUTO_N: u64 = 10_000;

/// How the KS p-value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KsMethod {
    /// Exact distribution of the two-sample statistic (lattice paths).
    Exact,
    /// `kstwo.sf(d, round(n·m/(n+m)))`.
    Asymptotic,
}

/// Result of a two-sample KS test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KsResult {
    /// `sup |F₁ − F₂|`.
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Which distribution gave the p-value.
    pub method: KsMethod,
}

/// The KS statistic `sup_x |F₁(x) − F₂(x)|` with right-continuous ECDFs.
pub fn ks_statistic(a: &Ecdf, b: &Ecdf) -> f64 {
    let (n1, n2) = (a.total() as f64, b.total() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let (mut c1, mut c2) = (0u64, 0u64);
    let (mut max_s, mut min_s) = (0.0f64, 0.0f64);
    while i < a.values.len() || j < b.values.len() {
        let x = match (a.values.get(i), b.values.get(j)) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) => x,
            (None, Some(&y)) => y,
            (None, None) => break,
        };
        while i < a.values.len() && a.values[i] <= x {
            c1 += a.counts[i];
            i += 1;
        }
        while j < b.values.len() && b.values[j] <= x {
            c2 += b.counts[j];
            j += 1;
        }
        let d = c1 as f64 / n1 - c2 as f64 / n2;
        max_s = max_s.max(d);
        min_s = min_s.min(d);
    }
    max_s.max((-min_s).clamp(0.0, 1.0))
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `P(D_{n,n} ≥ h/n)` (SciPy `_compute_prob_outside_square`).
fn prob_outside_square(n: u64, h: u64) -> f64 {
    let mut p = 0.0;
    let mut k = (n / h) as i64;
    let (nf, hf) = (n as f64, h as f64);
    while k >= 0 {
        let kf = k as f64;
        let mut p1 = 1.0;
        for j in 0..h {
            let jf = j as f64;
            p1 = (nf - kf * hf - jf) * p1 / (nf + kf * hf + jf + 1.0);
        }
        p = p1 * (1.0 - p);
        k -= 1;
    }
    2.0 * p
}

/// Proportion of lattice paths leaving the band `|x/m − y/n| < h/lcm` (SciPy
/// `_compute_outer_prob_inside_method`, Viehmann's 1 − p recursion).
fn outer_prob_inside(m: u64, n: u64, g: u64, h: u64) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let mg = m / g;
    let ng = n / g;
    let hf = h as f64;
    let mut minj: i64 = 0;
    let mut maxj: i64 = ((hf / mg as f64).ceil() as i64).min(n as i64 + 1);
    let mut curlen = maxj - minj;
    let len_a = ((2 * maxj + 2) as usize).min(n as usize + 1);
    let mut a = vec![1.0f64; len_a.max(1)];
    for x in a.iter_mut().take(maxj.max(0) as usize) {
        *x = 0.0;
    }
    for i in 1..=m {
        let lastminj = minj;
        let lastlen = curlen;
        let ngi = (ng * i) as f64;
        minj = (((ngi - hf) / mg as f64).floor() as i64 + 1).max(0);
        minj = minj.min(n as i64);
        maxj = (((ngi + hf) / mg as f64).ceil() as i64).min(n as i64 + 1);
        if maxj <= minj {
            return 1.0;
        }
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        let fi = i as f64;
        for jj in 0..(maxj - minj) {
            let j = (jj + minj) as f64;
            let src = (jj + minj - lastminj) as usize;
            let prev = a.get(src).copied().unwrap_or(1.0);
            val = (prev * fi + val * j) / (fi + j);
            a[jj as usize] = val;
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            let from = (maxj - minj) as usize;
            let to = ((maxj - minj) + (lastlen - curlen)) as usize;
            for x in a.iter_mut().take(to).skip(from) {
                *x = 1.0;
            }
        }
    }
    a[(maxj - minj - 1) as usize]
}

fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 {
        2.0 * (x / 2.0).round()
    } else {
        r
    }
}

/// Two-sided two-sample KS test; `method = None` chooses as SciPy's `auto`.
pub fn ks_2samp(a: &Ecdf, b: &Ecdf, method: Option<KsMethod>) -> KsResult {
    let (n1, n2) = (a.total(), b.total());
    if n1 == 0 || n2 == 0 {
        return KsResult {
            statistic: f64::NAN,
            p_value: f64::NAN,
            method: KsMethod::Asymptotic,
        };
    }
    let mut d = ks_statistic(a, b);
    let g = gcd(n1, n2);
    let (n1g, n2g) = (n1 / g, n2 / g);
    let mut mode = method.unwrap_or(if n1.max(n2) <= MAX_AUTO_N {
        KsMethod::Exact
    } else {
        KsMethod::Asymptotic
    });
    if mode == KsMethod::Exact && n1g as f64 >= i32::MAX as f64 / n2g as f64 {
        mode = KsMethod::Asymptotic;
    }
    if mode == KsMethod::Exact {
        let lcm = n1g * n2;
        let h = round_half_even(d * lcm as f64) as u64;
        d = h as f64 / lcm as f64;
        let p = if h == 0 {
            1.0
        } else if n1 == n2 {
            prob_outside_square(n1, h)
        } else {
            outer_prob_inside(n1, n2, g, h)
        };
        if p.is_finite() && (0.0..=1.0).contains(&p) {
            return KsResult {
                statistic: d,
                p_value: p,
                method: KsMethod::Exact,
            };
        }
    }
    let (m, n) = if n1 >= n2 {
        (n1 as f64, n2 as f64)
    } else {
        (n2 as f64, n1 as f64)
    };
    let en = m * n / (m + n);
    let p = kolmogn_sf(round_half_even(en) as u64, d);
    KsResult {
        statistic: d,
        p_value: p.clamp(0.0, 1.0),
        method: KsMethod::Asymptotic,
    }
}
