//! Categorical two-sample statistics over aligned count vectors (one entry per label of the union
//! of reference and current labels).

use super::numeric::{fill_zeroes, jensenshannon, kl_divergence, psi};
use super::special::{chi2_sf, norm_sf};

/// A test statistic with its p-value and degrees of freedom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChiResult {
    /// The statistic.
    pub statistic: f64,
    /// The p-value (chi-square survival function).
    pub p_value: f64,
    /// Degrees of freedom.
    pub dof: u64,
}

fn expected_2xk(reference: &[u64], current: &[u64]) -> (Vec<[f64; 2]>, Vec<[f64; 2]>, u64) {
    let r_tot: u64 = reference.iter().sum();
    let c_tot: u64 = current.iter().sum();
    let total = (r_tot + c_tot) as f64;
    let mut obs = Vec::new();
    let mut exp = Vec::new();
    for (&r, &c) in reference.iter().zip(current) {
        let col = (r + c) as f64;
        if col == 0.0 {
            continue; // a label seen in neither sample carries no information
        }
        obs.push([r as f64, c as f64]);
        exp.push([r_tot as f64 * col / total, c_tot as f64 * col / total]);
    }
    let dof = (obs.len() as u64).saturating_sub(1);
    (obs, exp, dof)
}

/// `scipy.stats.chi2_contingency` on the 2×K table (reference row, current row); `yates` applies
/// the continuity correction (SciPy's default, used only when there is one degree of freedom).
pub fn chi2_contingency(reference: &[u64], current: &[u64], yates: bool) -> ChiResult {
    let (obs, exp, dof) = expected_2xk(reference, current);
    if dof == 0 {
        return ChiResult {
            statistic: 0.0,
            p_value: 1.0,
            dof: 0,
        };
    }
    let mut stat = 0.0;
    for (o, e) in obs.iter().zip(&exp) {
        for i in 0..2 {
            let mut o = o[i];
            if yates && dof == 1 {
                let diff = e[i] - o;
                o += diff.signum() * diff.abs().min(0.5);
            }
            stat += (o - e[i]) * (o - e[i]) / e[i];
        }
    }
    ChiResult {
        statistic: stat,
        p_value: chi2_sf(stat, dof as f64),
        dof,
    }
}

/// G-test (log-likelihood ratio) on the 2×K table, without continuity correction
/// (`chi2_contingency(..., correction=False, lambda_="log-likelihood")`).
pub fn g_test(reference: &[u64], current: &[u64]) -> ChiResult {
    let (obs, exp, dof) = expected_2xk(reference, current);
    let mut stat = 0.0;
    for (o, e) in obs.iter().zip(&exp) {
        for i in 0..2 {
            if o[i] > 0.0 {
                stat += o[i] * (o[i] / e[i]).ln();
            }
        }
    }
    stat *= 2.0;
    ChiResult {
        statistic: stat,
        p_value: if dof == 0 {
            1.0
        } else {
            chi2_sf(stat, dof as f64)
        },
        dof,
    }
}

/// Cramér's V of the 2×K table, `sqrt(χ² / (n (min(rows, cols) − 1)))`, no bias correction.
pub fn cramers_v(reference: &[u64], current: &[u64]) -> f64 {
    let chi = chi2_contingency(reference, current, false);
    let n: u64 = reference.iter().sum::<u64>() + current.iter().sum::<u64>();
    let k = reference
        .iter()
        .zip(current)
        .filter(|(r, c)| **r + **c > 0)
        .count();
    let min_dim = k.min(2) as f64;
    (chi.statistic / (n as f64 * (min_dim - 1.0))).sqrt()
}

/// `scipy.stats.chisquare(f_obs, f_exp)`: goodness of fit with `len − 1` degrees of freedom.
pub fn chisquare(observed: &[f64], expected: &[f64]) -> ChiResult {
    let mut stat = 0.0;
    for (&o, &e) in observed.iter().zip(expected) {
        stat += (o - e) * (o - e) / e;
    }
    let dof = (observed.len() as u64).saturating_sub(1);
    let p = if stat.is_nan() {
        f64::NAN
    } else if stat.is_infinite() {
        0.0
    } else if dof == 0 {
        1.0
    } else {
        chi2_sf(stat, dof as f64)
    };
    ChiResult {
        statistic: stat,
        p_value: p,
        dof,
    }
}

/// Evidently's chi-square drift test: goodness of fit of the current counts against the reference
/// counts scaled to the current size (a label new in current makes the statistic infinite, p = 0).
pub fn evidently_chisquare(reference: &[u64], current: &[u64]) -> ChiResult {
    let r_tot: u64 = reference.iter().sum();
    let c_tot: u64 = current.iter().sum();
    let k = c_tot as f64 / r_tot as f64;
    let obs: Vec<f64> = current.iter().map(|&c| c as f64).collect();
    let exp: Vec<f64> = reference.iter().map(|&r| r as f64 * k).collect();
    chisquare(&obs, &exp)
}

/// Evidently's two-proportion Z-test for a binary column; `p = 2 · sf(|z|)` (Evidently writes
/// `2 (1 − Φ(|z|))`, equal to ~1e-15 absolute; the survival form keeps tiny p-values).
/// The first label is the "success" class.
pub fn z_test_proportions(reference: &[u64], current: &[u64]) -> (f64, f64) {
    let n1: u64 = reference.iter().sum();
    let n2: u64 = current.iter().sum();
    let live: Vec<usize> = (0..reference.len())
        .filter(|&i| reference[i] + current[i] > 0)
        .collect();
    if live.len() <= 1 {
        return (0.0, 1.0);
    }
    let first = live[0];
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    // Evidently codes the first key 0 and every other 1.
    let p1 = (n1 - reference[first]) as f64 / n1f;
    let p2 = (n2 - current[first]) as f64 / n2f;
    let p = (p1 * n1f + p2 * n2f) / (n1f + n2f);
    let z = (p1 - p2) / (p * (1.0 - p) * (1.0 / n1f + 1.0 / n2f)).sqrt();
    (z, (2.0 * norm_sf(z.abs())).clamp(0.0, 1.0))
}

fn shares(counts: &[u64]) -> Vec<f64> {
    let t: u64 = counts.iter().sum();
    counts.iter().map(|&c| c as f64 / t as f64).collect()
}

/// Evidently's Jensen–Shannon distance over category shares (no zero fill).
pub fn cat_jensenshannon(reference: &[u64], current: &[u64]) -> f64 {
    jensenshannon(&shares(reference), &shares(current))
}

/// Evidently's PSI over category shares (zero fill).
pub fn cat_psi(reference: &[u64], current: &[u64]) -> f64 {
    psi(
        &fill_zeroes(&shares(reference)),
        &fill_zeroes(&shares(current)),
    )
}

/// Evidently's KL divergence over category shares (zero fill).
pub fn cat_kl_div(reference: &[u64], current: &[u64]) -> f64 {
    kl_divergence(
        &fill_zeroes(&shares(reference)),
        &fill_zeroes(&shares(current)),
    )
}

/// Hellinger distance over category shares, `sqrt(1 − Σ sqrt(p q))`.
pub fn cat_hellinger(reference: &[u64], current: &[u64]) -> f64 {
    let s: f64 = shares(reference)
        .iter()
        .zip(shares(current))
        .map(|(p, q)| (p * q).sqrt())
        .sum();
    (1.0 - s).max(0.0).sqrt()
}

/// Largest absolute difference of shares.
pub fn l_infinity(reference: &[u64], current: &[u64]) -> f64 {
    shares(reference)
        .iter()
        .zip(shares(current))
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f64::max)
}

/// Total variation distance, half the L1 distance of the shares.
pub fn tvd(reference: &[u64], current: &[u64]) -> f64 {
    0.5 * shares(reference)
        .iter()
        .zip(shares(current))
        .map(|(p, q)| (p - q).abs())
        .sum::<f64>()
}
