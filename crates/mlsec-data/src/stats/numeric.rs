//! Numeric two-sample statistics: Wasserstein (plain and normalised by the reference standard
//! deviation), energy distance, Anderson–Darling k-sample, Cramér–von Mises, Mann–Whitney U,
//! Evidently's histogram binning and the histogram-based distances computed over it.

use std::collections::HashMap;

use super::Ecdf;
use super::special::norm_sf;

/// Walks the union of the two samples' values, calling `f(F_u, F_v, delta)` on every gap between
/// consecutive distinct values (the ECDFs taken at the left end of the gap).
fn cdf_walk(u: &Ecdf, v: &Ecdf, mut f: impl FnMut(f64, f64, f64)) {
    let (nu, nv) = (u.total() as f64, v.total() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let (mut cu, mut cv) = (0u64, 0u64);
    let mut prev: Option<f64> = None;
    loop {
        let x = match (u.values.get(i), v.values.get(j)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        if let Some(p) = prev {
            f(cu as f64 / nu, cv as f64 / nv, x - p);
        }
        while i < u.values.len() && u.values[i] <= x {
            cu += u.counts[i];
            i += 1;
        }
        while j < v.values.len() && v.values[j] <= x {
            cv += v.counts[j];
            j += 1;
        }
        prev = Some(x);
    }
}

/// `scipy.stats.wasserstein_distance(u, v)`: the area between the two ECDFs.
pub fn wasserstein(u: &Ecdf, v: &Ecdf) -> f64 {
    let mut s = 0.0;
    cdf_walk(u, v, |a, b, d| s += (a - b).abs() * d);
    s
}

/// Evidently's normalised Wasserstein distance: `wasserstein(ref, cur) / max(std(ref), 0.001)`.
pub fn wasserstein_norm(reference: &Ecdf, current: &Ecdf) -> f64 {
    wasserstein(reference, current) / reference.std().max(0.001)
}

/// `scipy.stats.energy_distance(u, v)`: `sqrt(2 ∫ (F_u − F_v)²)`.
pub fn energy_distance(u: &Ecdf, v: &Ecdf) -> f64 {
    let mut s = 0.0;
    cdf_walk(u, v, |a, b, d| s += (a - b) * (a - b) * d);
    (2.0 * s).sqrt()
}

/// `np.linspace(start, stop, num)` bit for bit.
pub fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    if num == 0 {
        return Vec::new();
    }
    if num == 1 {
        return vec![start];
    }
    let div = (num - 1) as f64;
    let delta = stop - start;
    let step = delta / div;
    let mut y: Vec<f64> = (0..num)
        .map(|i| {
            if step == 0.0 {
                (i as f64 / div) * delta + start
            } else {
                i as f64 * step + start
            }
        })
        .collect();
    y[num - 1] = stop;
    y
}

/// Equal-width bin edges as `np.histogram_bin_edges(x, bins='sturges')`, for a sample of
/// `n` values spanning `[min, max]`.
pub fn sturges_edges(min: f64, max: f64, n: u64) -> Vec<f64> {
    let (mut first, mut last) = (min, max);
    if first == last {
        first -= 0.5;
        last += 0.5;
    }
    let ptp = max - min;
    let width = ptp / ((n as f64).log2() + 1.0);
    let bins = if width > 0.0 {
        ((last - first) / width).ceil() as usize
    } else {
        1
    };
    linspace(first, last, bins.max(1) + 1)
}

/// `np.histogram(sample, edges)[0]` for equal-width `edges` (values outside are dropped), with
/// NumPy's index correction at bin edges.
pub fn histogram(sample: &Ecdf, edges: &[f64]) -> Vec<u64> {
    let nb = edges.len().saturating_sub(1);
    let mut out = vec![0u64; nb];
    if nb == 0 {
        return out;
    }
    let (first, last) = (edges[0], edges[nb]);
    let denom = last - first;
    for (&x, &c) in sample.values.iter().zip(&sample.counts) {
        if !(x >= first && x <= last) {
            continue;
        }
        let f = (x - first) / denom * nb as f64;
        let mut idx = (f as usize).min(nb);
        if idx == nb {
            idx -= 1;
        }
        if x < edges[idx] && idx > 0 {
            idx -= 1;
        }
        if x >= edges[idx + 1] && idx != nb - 1 {
            idx += 1;
        }
        out[idx] += c;
    }
    out
}

/// The bins Evidently compares a numeric column over.
#[derive(Debug, Clone, PartialEq)]
pub enum Bins {
    /// Sturges equal-width bins over the pooled sample (more than 20 distinct reference values).
    Edges(Vec<f64>),
    /// One bin per distinct value of the union (20 or fewer distinct reference values).
    Values(Vec<f64>),
}

/// Reference and current shares over Evidently's bins (`get_binned_data` without zero fill).
#[derive(Debug, Clone, PartialEq)]
pub struct Binned {
    /// The bins.
    pub bins: Bins,
    /// Reference share per bin (count / reference size).
    pub reference: Vec<f64>,
    /// Current share per bin.
    pub current: Vec<f64>,
}

/// Evidently's numeric binning: Sturges edges over `concat(ref, cur)` when the reference has
/// more than 20 distinct values, otherwise value counts over the union of values.
pub fn evidently_bins(reference: &Ecdf, current: &Ecdf) -> Binned {
    let (nr, nc) = (reference.total() as f64, current.total() as f64);
    if reference.distinct() > 20 {
        let pooled = reference.merge(current);
        let (lo, hi) = pooled.range().unwrap_or((0.0, 0.0));
        let edges = sturges_edges(lo, hi, pooled.total());
        let r = histogram(reference, &edges);
        let c = histogram(current, &edges);
        Binned {
            reference: r.iter().map(|&x| x as f64 / nr).collect(),
            current: c.iter().map(|&x| x as f64 / nc).collect(),
            bins: Bins::Edges(edges),
        }
    } else {
        let keys = reference.merge(current).values;
        let lookup = |e: &Ecdf, k: f64| -> u64 {
            e.values
                .binary_search_by(|v| v.total_cmp(&k))
                .map(|i| e.counts[i])
                .unwrap_or(0)
        };
        Binned {
            reference: keys
                .iter()
                .map(|&k| lookup(reference, k) as f64 / nr)
                .collect(),
            current: keys
                .iter()
                .map(|&k| lookup(current, k) as f64 / nc)
                .collect(),
            bins: Bins::Values(keys),
        }
    }
}

/// Evidently's zero fill: zero shares become 1e-4, or `min_nonzero / 1e6` when the smallest
/// non-zero share is at most 1e-4.
pub fn fill_zeroes(shares: &[f64]) -> Vec<f64> {
    let min_nz = shares
        .iter()
        .copied()
        .filter(|&x| x != 0.0)
        .fold(f64::INFINITY, f64::min);
    let fill = if min_nz <= 1e-4 { min_nz / 1e6 } else { 1e-4 };
    shares
        .iter()
        .map(|&x| if x == 0.0 { fill } else { x })
        .collect()
}

fn rel_entr(x: f64, y: f64) -> f64 {
    if x > 0.0 && y > 0.0 {
        x * (x / y).ln()
    } else if x == 0.0 && y >= 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
}

/// `scipy.spatial.distance.jensenshannon(p, q)` (natural log; a distance, the square root of the
/// divergence). Inputs are normalised to sum 1 first, as SciPy does.
pub fn jensenshannon(p: &[f64], q: &[f64]) -> f64 {
    let sp: f64 = p.iter().sum();
    let sq: f64 = q.iter().sum();
    let (mut left, mut right) = (0.0, 0.0);
    for (&a, &b) in p.iter().zip(q) {
        let (a, b) = (a / sp, b / sq);
        let m = (a + b) / 2.0;
        left += rel_entr(a, m);
        right += rel_entr(b, m);
    }
    ((left + right) / 2.0).sqrt()
}

/// `scipy.stats.entropy(p, q)`: Kullback–Leibler divergence `Σ p ln(p/q)` after normalising.
pub fn kl_divergence(p: &[f64], q: &[f64]) -> f64 {
    let sp: f64 = p.iter().sum();
    let sq: f64 = q.iter().sum();
    p.iter()
        .zip(q)
        .map(|(&a, &b)| rel_entr(a / sp, b / sq))
        .sum()
}

/// Population stability index `Σ (r − c) ln(r / c)` (no fill; callers fill zeroes first).
pub fn psi(reference: &[f64], current: &[f64]) -> f64 {
    reference
        .iter()
        .zip(current)
        .map(|(&r, &c)| (r - c) * (r / c).ln())
        .sum()
}

/// Evidently's Jensen–Shannon distance for a numeric column (its bins, no zero fill).
pub fn evidently_jensenshannon(reference: &Ecdf, current: &Ecdf) -> f64 {
    let b = evidently_bins(reference, current);
    jensenshannon(&b.reference, &b.current)
}

/// Evidently's PSI for a numeric column (its bins, zero fill).
pub fn evidently_psi(reference: &Ecdf, current: &Ecdf) -> f64 {
    let b = evidently_bins(reference, current);
    psi(&fill_zeroes(&b.reference), &fill_zeroes(&b.current))
}

/// Evidently's KL divergence for a numeric column (its bins, zero fill).
pub fn evidently_kl_div(reference: &Ecdf, current: &Ecdf) -> f64 {
    let b = evidently_bins(reference, current);
    kl_divergence(&fill_zeroes(&b.reference), &fill_zeroes(&b.current))
}

/// Evidently's Hellinger distance for a numeric column: density histograms on Sturges edges
/// computed over the distinct values of the pooled sample.
pub fn evidently_hellinger(reference: &Ecdf, current: &Ecdf) -> f64 {
    let pooled = reference.merge(current);
    let (lo, hi) = pooled.range().unwrap_or((0.0, 0.0));
    let edges = sturges_edges(lo, hi, pooled.distinct() as u64);
    let density = |e: &Ecdf| -> Vec<f64> {
        let h = histogram(e, &edges);
        let total: u64 = h.iter().sum();
        h.iter()
            .zip(edges.windows(2))
            .map(|(&c, w)| c as f64 / (w[1] - w[0]) / total as f64)
            .collect()
    };
    let (h1, h2) = (density(reference), density(current));
    let width = edges[1] - edges[0];
    let s: f64 = h1.iter().zip(&h2).map(|(a, b)| (a * b).sqrt()).sum();
    (1.0 - s * width).max(0.0).sqrt()
}

/// Industry PSI over ten reference-decile bins, shares floored at 1e-4: `Σ (c − r) ln(c / r)`.
pub fn psi_quantile10(reference: &Ecdf, current: &Ecdf) -> f64 {
    let sorted = reference.expand();
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    // np.quantile (linear interpolation) at 0.1 … 0.9; outer bins open-ended.
    let q = |p: f64| {
        let h = (n - 1) as f64 * p;
        let lo = h.floor() as usize;
        let hi = (lo + 1).min(n - 1);
        sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
    };
    let mut edges = vec![f64::NEG_INFINITY];
    edges.extend((1..10).map(|i| q(i as f64 / 10.0)));
    edges.push(f64::INFINITY);
    let share = |e: &Ecdf| -> Vec<f64> {
        let mut out = [0u64; 10];
        for (&v, &c) in e.values.iter().zip(&e.counts) {
            // bins are [e_i, e_{i+1}) except the last, like np.histogram
            let mut k = edges.partition_point(|&x| x <= v).saturating_sub(1);
            if k >= 10 {
                k = 9;
            }
            out[k] += c;
        }
        let t = e.total() as f64;
        out.iter().map(|&c| (c as f64 / t).max(1e-4)).collect()
    };
    let (r, c) = (share(reference), share(current));
    r.iter()
        .zip(&c)
        .map(|(&r, &c)| (c - r) * (c / r).ln())
        .sum()
}

/// Result of the Anderson–Darling k-sample test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AndersonResult {
    /// Normalised statistic `(A²kN − (k − 1)) / σ`.
    pub statistic: f64,
    /// p-value interpolated from Scholz & Stephens' table, floored at 0.001 and capped at 0.25.
    pub p_value: f64,
}

/// `scipy.stats.anderson_ksamp(samples)` (midrank version) with its p-value interpolation.
pub fn anderson_ksamp(samples: &[&Ecdf]) -> AndersonResult {
    let k = samples.len();
    let mut pooled = Ecdf::default();
    for s in samples {
        pooled = pooled.merge(s);
    }
    let big_n = pooled.total() as f64;
    // cumulative counts of the pooled sample at each distinct value
    let mut a2 = 0.0;
    let mut left = Vec::with_capacity(pooled.distinct());
    let mut acc = 0u64;
    for &c in &pooled.counts {
        left.push(acc as f64);
        acc += c;
    }
    for s in samples {
        let ni = s.total() as f64;
        let mut inner = 0.0;
        let (mut j, mut cum) = (0usize, 0u64);
        for (z_idx, &z) in pooled.values.iter().enumerate() {
            let mut fij = 0u64;
            while j < s.values.len() && s.values[j] <= z {
                if s.values[j] == z {
                    fij += s.counts[j];
                }
                cum += s.counts[j];
                j += 1;
            }
            let lj = pooled.counts[z_idx] as f64;
            let bj = left[z_idx] + lj / 2.0;
            let mij = cum as f64 - fij as f64 / 2.0;
            inner += lj / big_n * (big_n * mij - bj * ni).powi(2)
                / (bj * (big_n - bj) - big_n * lj / 4.0);
        }
        a2 += inner / ni;
    }
    a2 *= (big_n - 1.0) / big_n;
    let kf = k as f64;
    let h_cap: f64 = samples.iter().map(|s| 1.0 / s.total() as f64).sum();
    let n_int = pooled.total() as usize;
    let h: f64 = (1..n_int).map(|i| 1.0 / i as f64).sum();
    let mut g = 0.0;
    let mut cs = 0.0;
    // hs_cs = cumsum(1 / arange(N-1, 1, -1)); g = sum(hs_cs / arange(2, N))
    for (idx, i) in (2..n_int).rev().enumerate() {
        cs += 1.0 / i as f64;
        g += cs / (idx + 2) as f64;
    }
    let a = (4.0 * g - 6.0) * (kf - 1.0) + (10.0 - 6.0 * g) * h_cap;
    let b = (2.0 * g - 4.0) * kf * kf + 8.0 * h * kf + (2.0 * g - 14.0 * h - 4.0) * h_cap - 8.0 * h
        + 4.0 * g
        - 6.0;
    let c = (6.0 * h + 2.0 * g - 2.0) * kf * kf
        + (4.0 * h - 4.0 * g + 6.0) * kf
        + (2.0 * h - 6.0) * h_cap
        + 4.0 * h;
    let d = (2.0 * h + 6.0) * kf * kf - 4.0 * h * kf;
    let sigmasq = (a * big_n.powi(3) + b * big_n.powi(2) + c * big_n + d)
        / ((big_n - 1.0) * (big_n - 2.0) * (big_n - 3.0));
    let m = kf - 1.0;
    let stat = (a2 - m) / sigmasq.sqrt();
    const B0: [f64; 7] = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085];
    const B1: [f64; 7] = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615];
    const B2: [f64; 7] = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154];
    const SIG: [f64; 7] = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001];
    let critical: Vec<f64> = (0..7)
        .map(|i| B0[i] + B1[i] / m.sqrt() + B2[i] / m)
        .collect();
    let cmin = critical.iter().copied().fold(f64::INFINITY, f64::min);
    let cmax = critical.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let p = if stat < cmin {
        0.25
    } else if stat > cmax {
        0.001
    } else {
        let logsig: Vec<f64> = SIG.iter().map(|s| s.ln()).collect();
        let coef = polyfit2(&critical, &logsig);
        (coef[0] * stat * stat + coef[1] * stat + coef[2]).exp()
    };
    AndersonResult {
        statistic: stat,
        p_value: p,
    }
}

/// Least-squares quadratic fit (`np.polyfit(x, y, 2)`), by Householder QR of the column-scaled
/// Vandermonde matrix; returns `[a, b, c]` of `a x² + b x + c`.
fn polyfit2(x: &[f64], y: &[f64]) -> [f64; 3] {
    let rows = x.len();
    let mut cols: Vec<Vec<f64>> = vec![
        x.iter().map(|v| v * v).collect(),
        x.to_vec(),
        vec![1.0; rows],
    ];
    let scale: Vec<f64> = cols
        .iter()
        .map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt())
        .collect();
    for (c, s) in cols.iter_mut().zip(&scale) {
        c.iter_mut().for_each(|v| *v /= s);
    }
    let mut rhs = y.to_vec();
    let mut r = [[0.0f64; 3]; 3];
    for k in 0..3 {
        let norm = cols[k][k..].iter().map(|v| v * v).sum::<f64>().sqrt();
        let alpha = if cols[k][k] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = cols[k][k..].to_vec();
        v[0] -= alpha;
        let vnorm2: f64 = v.iter().map(|t| t * t).sum();
        if vnorm2 > 0.0 {
            for col in cols.iter_mut().skip(k) {
                let dot: f64 = v.iter().zip(&col[k..]).map(|(a, b)| a * b).sum();
                let f = 2.0 * dot / vnorm2;
                for (ci, vi) in col[k..].iter_mut().zip(&v) {
                    *ci -= f * vi;
                }
            }
            let dot: f64 = v.iter().zip(&rhs[k..]).map(|(a, b)| a * b).sum();
            let f = 2.0 * dot / vnorm2;
            for (ri, vi) in rhs[k..].iter_mut().zip(&v) {
                *ri -= f * vi;
            }
        }
        for (j, col) in cols.iter().enumerate().skip(k) {
            r[k][j] = col[k];
        }
    }
    let mut sol = [0.0f64; 3];
    for i in (0..3).rev() {
        let mut s = rhs[i];
        for j in (i + 1)..3 {
            s -= r[i][j] * sol[j];
        }
        sol[i] = s / r[i][i];
    }
    [sol[0] / scale[0], sol[1] / scale[1], sol[2] / scale[2]]
}

/// Result of the two-sample Cramér–von Mises test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CvmResult {
    /// The statistic `T`.
    pub statistic: f64,
    /// The p-value.
    pub p_value: f64,
    /// True when the exact distribution was used (both samples of at most 20 values).
    pub exact: bool,
}

/// Average ranks of each sample's sorted observations in the pooled sample, paired with their
/// 1-based position inside the sample: returns `Σ (rank − position)²` for each sample.
fn rank_gaps(x: &Ecdf, y: &Ecdf) -> (f64, f64) {
    let pooled = x.merge(y);
    let mut rank_of = HashMap::with_capacity(pooled.distinct());
    let mut acc = 0u64;
    for (&v, &c) in pooled.values.iter().zip(&pooled.counts) {
        let avg = (2 * acc + c + 1) as f64 / 2.0;
        rank_of.insert(v.to_bits(), avg);
        acc += c;
    }
    let gap = |e: &Ecdf| {
        let mut pos = 0u64;
        let mut s = 0.0;
        for (&v, &c) in e.values.iter().zip(&e.counts) {
            let r = rank_of[&v.to_bits()];
            for _ in 0..c {
                pos += 1;
                let d = r - pos as f64;
                s += d * d;
            }
        }
        s
    };
    (gap(x), gap(y))
}

/// `scipy.stats.cramervonmises_2samp(x, y, method='auto')`.
pub fn cramervonmises_2samp(x: &Ecdf, y: &Ecdf) -> CvmResult {
    let (nx, ny) = (x.total(), y.total());
    let (gx, gy) = rank_gaps(x, y);
    let (nxf, nyf) = (nx as f64, ny as f64);
    let u = nxf * gx + nyf * gy;
    let k = nxf * nyf;
    let n = nxf + nyf;
    let t = u / (k * n) - (4.0 * k - 1.0) / (6.0 * n);
    if nx.max(ny) <= 20 {
        return CvmResult {
            statistic: t,
            p_value: cvm_2samp_exact(u, nx, ny),
            exact: true,
        };
    }
    let et = (1.0 + 1.0 / n) / 6.0;
    let vt = (n + 1.0) * (4.0 * k * n - 3.0 * (nxf * nxf + nyf * nyf) - 2.0 * k)
        / (45.0 * n * n * 4.0 * k);
    let tn = 1.0 / 6.0 + (t - et) / (45.0 * vt).sqrt();
    let p = if tn < 0.003 {
        1.0
    } else {
        (1.0 - cdf_cvm_inf(tn)).max(0.0)
    };
    CvmResult {
        statistic: t,
        p_value: p,
        exact: false,
    }
}

/// `K_ν(q)` by the trapezoid rule on `∫₀^∞ exp(−q cosh t) cosh(ν t) dt` (spectrally accurate for
/// this doubly-exponentially decaying integrand).
fn bessel_k(nu: f64, q: f64) -> f64 {
    let h: f64 = 0.02;
    let mut s = 0.5 * (-q).exp();
    let mut t = h;
    loop {
        let term = (-q * t.cosh()).exp() * (nu * t).cosh();
        s += term;
        if term < 1e-300 || term < s * 1e-18 {
            break;
        }
        t += h;
    }
    s * h
}

/// CDF of the limiting Cramér–von Mises distribution (SciPy `_cdf_cvm_inf`, same truncation).
fn cdf_cvm_inf(x: f64) -> f64 {
    use super::special::ln_gamma;
    let mut tot = 0.0;
    let mut k = 0u32;
    loop {
        let kf = k as f64;
        let u = (ln_gamma(kf + 0.5) - ln_gamma(kf + 1.0)).exp()
            / (std::f64::consts::PI.powf(1.5) * x.sqrt());
        let y = 4.0 * kf + 1.0;
        let q = y * y / (16.0 * x);
        let z = u * y.sqrt() * (-q).exp() * bessel_k(0.25, q);
        tot += z;
        if z.abs() < 1e-7 || k > 1000 {
            break;
        }
        k += 1;
    }
    tot
}

/// Exact p-value of the two-sample CvM statistic `U` (Xiao, Gordon & Yakovlev's recursion, as
/// SciPy's `_pval_cvm_2samp_exact`).
fn cvm_2samp_exact(s: f64, m: u64, n: u64) -> f64 {
    fn gcd(a: u64, b: u64) -> u64 {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    let lcm = m / gcd(m, n) * n;
    let a = lcm / m;
    let b = lcm / n;
    let mn = (m * n) as f64;
    let zeta = ((lcm as f64).powi(2) * (m + n) as f64 * (6.0 * s - mn * (4.0 * mn - 1.0))
        / (6.0 * mn * mn))
        .floor();
    // gs[v]: value -> frequency
    let mut gs: Vec<HashMap<u64, u128>> = vec![HashMap::new(); m as usize + 1];
    gs[0].insert(0, 1);
    for u in 0..=n {
        let mut next: Vec<HashMap<u64, u128>> = Vec::with_capacity(m as usize + 1);
        let mut tmp: HashMap<u64, u128> = HashMap::new();
        for (v, g) in gs.iter().enumerate() {
            for (&val, &f) in g {
                *tmp.entry(val).or_insert(0) += f;
            }
            let diff = (a * v as u64) as i64 - (b * u) as i64;
            let res = (diff * diff) as u64;
            tmp = tmp.into_iter().map(|(k, f)| (k + res, f)).collect();
            next.push(tmp.clone());
        }
        gs = next;
    }
    let combos: u128 = gs[m as usize].values().sum();
    let hits: u128 = gs[m as usize]
        .iter()
        .filter(|(v, _)| **v as f64 >= zeta)
        .map(|(_, f)| *f)
        .sum();
    hits as f64 / combos as f64
}

/// Result of the Mann–Whitney U test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitneyResult {
    /// `U₁`, the statistic of the first sample.
    pub statistic: f64,
    /// Two-sided p-value (normal approximation, tie and continuity corrected).
    pub p_value: f64,
    /// One-sided p-value for the alternative "first sample stochastically less".
    pub p_value_less: f64,
}

/// `scipy.stats.mannwhitneyu(x, y)` with the asymptotic method (SciPy's choice whenever either
/// sample has more than 8 values or there are ties).
pub fn mannwhitneyu(x: &Ecdf, y: &Ecdf) -> MannWhitneyResult {
    let pooled = x.merge(y);
    let (n1, n2) = (x.total() as f64, y.total() as f64);
    let n = n1 + n2;
    let mut acc = 0u64;
    let mut r1 = 0.0;
    let mut tie = 0.0;
    let mut j = 0usize;
    for (&v, &c) in pooled.values.iter().zip(&pooled.counts) {
        let avg = (2 * acc + c + 1) as f64 / 2.0;
        while j < x.values.len() && x.values[j] < v {
            j += 1;
        }
        if j < x.values.len() && x.values[j] == v {
            r1 += avg * x.counts[j] as f64;
        }
        let t = c as f64;
        tie += t * t * t - t;
        acc += c;
    }
    let u1 = r1 - n1 * (n1 + 1.0) / 2.0;
    let u2 = n1 * n2 - u1;
    let mu = n1 * n2 / 2.0;
    let s = (n1 * n2 / 12.0 * ((n + 1.0) - tie / (n * (n - 1.0)))).sqrt();
    let z2 = (u1.max(u2) - mu - 0.5) / s;
    let zl = (u2 - mu - 0.5) / s;
    MannWhitneyResult {
        statistic: u1,
        p_value: (2.0 * norm_sf(z2)).clamp(0.0, 1.0),
        p_value_less: norm_sf(zl).clamp(0.0, 1.0),
    }
}
