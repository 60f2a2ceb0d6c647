//! The chi-bar-square (χ̄²) test of variances on the boundary of the parameter space: the
//! RI-CLPM against the CLPM (Stoel, Garre, Dolan & van den Wittenboer, 2006; Hamaker,
//! Kuiper & Grasman, 2015; Kuiper's `ChiBarSq.DiffTest`).
//!
//! # The null distribution
//!
//! The CLPM is the RI-CLPM with the k random-intercept variances fixed at 0 — on the boundary
//! of their parameter space — and with the u = k(k − 1)/2 random-intercept covariances fixed
//! at 0 too (these are interior). Let θ̂ be the estimates of the k variances, asymptotically
//! N(θ, S) with S the k × k block of the covariance matrix of the estimates. Under H0 (θ = 0)
//! the likelihood-ratio statistic T = χ²_CLPM − χ²_RI-CLPM is asymptotically distributed as
//! the mixture
//!
//! ```text
//! χ̄² = Σ_{i=0..k} w_i χ²(u + i),          χ²(0) ≡ 0,
//! ```
//!
//! where the *level probability* w_i is the probability that the projection of Z ~ N(0, S)
//! onto the nonnegative orthant in the S⁻¹ metric,
//!
//! ```text
//! P(Z) = argmin_{θ ≥ 0} (Z − θ)ᵀ S⁻¹ (Z − θ),
//! ```
//!
//! has exactly i positive components (Shapiro, 1985; Silvapulle & Sen, 2005, ch. 3).
//!
//! # Weights in closed form (k ≤ 3)
//!
//! The projection is Z itself when Z ≥ 0, so w_k = P(Z ≥ 0), an orthant probability of
//! N(0, S). It is 0 when the KKT conditions hold at θ = 0, i.e. when S⁻¹Z ≤ 0; S⁻¹Z ~
//! N(0, S⁻¹), so w_0 = P(W ≥ 0) with W ~ N(0, S⁻¹) (a centred normal is symmetric). The
//! orthant probabilities of a centred normal with correlations r_ij are
//!
//! ```text
//! k = 1:  1/2
//! k = 2:  1/4 + asin(r_12)/(2π)
//! k = 3:  1/8 + (asin r_12 + asin r_13 + asin r_23)/(4π)
//! ```
//!
//! and the weights alternate, Σ_{i even} w_i = Σ_{i odd} w_i = ½ (k ≥ 1). Hence, with ρ the
//! correlation of S:
//!
//! * k = 1: w = (½, ½);
//! * k = 2: the correlation of S⁻¹ is −ρ, so w_0 = ¼ − asin(ρ)/(2π) = acos(ρ)/(2π),
//!   w_1 = ½, w_2 = ½ − w_0 = ¼ + asin(ρ)/(2π);
//! * k = 3: w_3 from the correlations of S, w_0 from those of S⁻¹, w_1 = ½ − w_3,
//!   w_2 = ½ − w_0.
//!
//! # Weights by Monte Carlo (k > 3)
//!
//! As `ChiBarSq.DiffTest(bootstrap = TRUE)`: draw Z ~ N(0, S), project it, count the positive
//! components. With S = LLᵀ the projection is the nonnegative least-squares problem
//! min_{θ ≥ 0} ‖L⁻¹(Z − θ)‖², and for Z = Lε (ε standard normal) its data vector is ε
//! itself: min_{θ ≥ 0} ‖ε − L⁻¹θ‖². [`nnls`] solves it exactly (Lawson & Hanson's active-set
//! algorithm, finite termination). Draws come from a fixed-seed xoshiro256++ generator, so the
//! weights are reproducible; with n draws each weight has a standard error of at most
//! √(1/(4n)) (0.0011 for the default 200 000).
//!
//! # Test
//!
//! p = Σ w_i P(χ²(u + i) ≥ T) and the critical value c solves Σ w_i P(χ²(u + i) ≥ c) = α (as
//! `ChiBarSq.DiffTest`). The naive test refers T to χ²(u + k), whose tail is the largest of
//! the mixture's: its p-value is never smaller (the naive test is conservative).

use crate::stats::{pchisq_upper, qchisq};
use serde::Serialize;
use std::f64::consts::PI;

/// Default number of Monte Carlo draws.
pub const DEFAULT_DRAWS: usize = 200_000;
/// Default seed of the Monte Carlo generator.
pub const DEFAULT_SEED: u64 = 20_150_102;

/// How the weights were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "method")]
pub enum WeightMethod {
    /// Orthant probabilities in closed form (k ≤ 3).
    ClosedForm,
    /// Projection of `draws` draws of N(0, S) (generator seeded with `seed`).
    MonteCarlo { draws: usize, seed: u64 },
}

/// Why the weights cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChiBarError {
    #[error("the covariance matrix of the variance estimates is empty or not square")]
    Shape,
    #[error("the covariance matrix of the variance estimates is not positive definite")]
    NotPositiveDefinite,
    #[error("the number of Monte Carlo draws must be positive")]
    NoDraws,
}

/// Level probabilities w_0, …, w_k and how they were obtained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChiBarWeights {
    /// w_i: probability of i positive components (i = 0..k).
    pub weights: Vec<f64>,
    #[serde(flatten)]
    pub method: WeightMethod,
}

/// Lower Cholesky factor of a symmetric positive definite matrix given as rows.
pub(crate) fn cholesky(s: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let k = s.len();
    let mut l = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in 0..=i {
            let mut v = s[i][j];
            for m in 0..j {
                v -= l[i][m] * l[j][m];
            }
            if i == j {
                if !v.is_finite() || v <= 0.0 {
                    return None;
                }
                l[i][i] = v.sqrt();
            } else {
                l[i][j] = v / l[j][j];
            }
        }
    }
    Some(l)
}

/// Inverse of a lower-triangular matrix.
fn lower_inverse(l: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let k = l.len();
    let mut inv = vec![vec![0.0; k]; k];
    for c in 0..k {
        for i in c..k {
            let mut v = if i == c { 1.0 } else { 0.0 };
            for m in c..i {
                v -= l[i][m] * inv[m][c];
            }
            inv[i][c] = v / l[i][i];
        }
    }
    inv
}

/// Inverse of a symmetric positive definite matrix (small; via Cholesky).
fn spd_inverse(s: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let li = lower_inverse(&cholesky(s)?);
    let k = s.len();
    Some(
        (0..k)
            .map(|i| {
                (0..k)
                    .map(|j| (0..k).map(|m| li[m][i] * li[m][j]).sum())
                    .collect()
            })
            .collect(),
    )
}

fn check(s: &[Vec<f64>]) -> Result<(), ChiBarError> {
    if s.is_empty() || s.iter().any(|r| r.len() != s.len()) {
        return Err(ChiBarError::Shape);
    }
    if s.iter().flatten().any(|v| !v.is_finite()) || cholesky(s).is_none() {
        return Err(ChiBarError::NotPositiveDefinite);
    }
    Ok(())
}

fn correlation(s: &[Vec<f64>], i: usize, j: usize) -> f64 {
    (s[i][j] / (s[i][i] * s[j][j]).sqrt()).clamp(-1.0, 1.0)
}

/// Orthant probability P(X ≥ 0) of X ~ N(0, s), k ≤ 3.
fn orthant(s: &[Vec<f64>]) -> f64 {
    match s.len() {
        1 => 0.5,
        2 => 0.25 + correlation(s, 0, 1).asin() / (2.0 * PI),
        _ => {
            0.125
                + (correlation(s, 0, 1).asin()
                    + correlation(s, 0, 2).asin()
                    + correlation(s, 1, 2).asin())
                    / (4.0 * PI)
        }
    }
}

/// The weights in closed form for k = 1, 2, 3 (`None` for larger k).
pub fn weights_closed_form(s: &[Vec<f64>]) -> Result<Option<Vec<f64>>, ChiBarError> {
    check(s)?;
    let k = s.len();
    Ok(match k {
        1 => Some(vec![0.5, 0.5]),
        2 => {
            let w0 = correlation(s, 0, 1).acos() / (2.0 * PI);
            Some(vec![w0, 0.5, 0.5 - w0])
        }
        3 => {
            let inv = spd_inverse(s).ok_or(ChiBarError::NotPositiveDefinite)?;
            let w3 = orthant(s);
            let w0 = orthant(&inv);
            Some(vec![w0, 0.5 - w3, 0.5 - w0, w3])
        }
        _ => None,
    })
}

/// xoshiro256++ (Blackman & Vigna), seeded through splitmix64; standard normal deviates by
/// the Box–Muller transform.
pub(crate) struct Rng {
    s: [u64; 4],
    spare: Option<f64>,
}

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Rng {
            s: [next(), next(), next(), next()],
            spare: None,
        }
    }

    fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform on (0, 1).
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Standard normal.
    pub(crate) fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let r = (-2.0 * self.uniform().ln()).sqrt();
        let a = 2.0 * PI * self.uniform();
        self.spare = Some(r * a.sin());
        r * a.cos()
    }
}

/// Nonnegative least squares, min_{x ≥ 0} ‖A x − b‖² (Lawson & Hanson, 1974, ch. 23): the
/// active-set algorithm, exact up to rounding, for small dense problems. `a` is given as rows.
pub fn nnls(a: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let n = a.first().map_or(0, |r| r.len());
    let m = a.len();
    // normal equations: Q = AᵀA, c = Aᵀb; the problem is min ½xᵀQx − cᵀx, x ≥ 0
    let q: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| (0..m).map(|r| a[r][i] * a[r][j]).sum())
                .collect()
        })
        .collect();
    let c: Vec<f64> = (0..n)
        .map(|i| (0..m).map(|r| a[r][i] * b[r]).sum())
        .collect();
    nonnegative_qp(&q, &c)
}

/// min ½xᵀQx − cᵀx subject to x ≥ 0, Q symmetric positive definite: Lawson–Hanson's active
/// set on the normal equations.
pub(crate) fn nonnegative_qp(q: &[Vec<f64>], c: &[f64]) -> Vec<f64> {
    let n = c.len();
    let scale = q
        .iter()
        .flatten()
        .fold(0.0f64, |a, v| a.max(v.abs()))
        .max(1e-300);
    let cscale = c.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let tol = 1e-12 * scale.max(cscale);
    let mut x = vec![0.0; n];
    let mut passive = vec![false; n];
    let gradient = |x: &[f64]| -> Vec<f64> {
        (0..n)
            .map(|i| c[i] - (0..n).map(|j| q[i][j] * x[j]).sum::<f64>())
            .collect()
    };
    // a handful of outer steps per variable in exact arithmetic; the bound only guards against rounding
    for _ in 0..(5 * n + 10) {
        let w = gradient(&x);
        let Some(j) = (0..n)
            .filter(|&j| !passive[j] && w[j] > tol)
            .max_by(|&a, &b| w[a].total_cmp(&w[b]))
        else {
            break;
        };
        passive[j] = true;
        loop {
            let idx: Vec<usize> = (0..n).filter(|&i| passive[i]).collect();
            let sub: Vec<Vec<f64>> = idx
                .iter()
                .map(|&i| idx.iter().map(|&j| q[i][j]).collect())
                .collect();
            let rhs: Vec<f64> = idx.iter().map(|&i| c[i]).collect();
            let Some(z) = solve_spd(&sub, &rhs) else {
                // numerically singular subproblem: drop the newest variable and stop
                passive[j] = false;
                return x;
            };
            if z.iter().all(|&v| v > 0.0) {
                for (t, &i) in idx.iter().enumerate() {
                    x[i] = z[t];
                }
                break;
            }
            // step from x towards z as far as feasibility allows
            let mut alpha = 1.0f64;
            for (t, &i) in idx.iter().enumerate() {
                if z[t] <= 0.0 {
                    let a = x[i] / (x[i] - z[t]);
                    if a < alpha {
                        alpha = a;
                    }
                }
            }
            for (t, &i) in idx.iter().enumerate() {
                x[i] += alpha * (z[t] - x[i]);
                if x[i] <= 0.0 || (z[t] <= 0.0 && x[i] <= tol) {
                    x[i] = 0.0;
                    passive[i] = false;
                }
            }
            if idx.iter().all(|&i| !passive[i]) {
                break;
            }
        }
    }
    x
}

/// Solves Q z = r for a small symmetric positive definite Q.
fn solve_spd(q: &[Vec<f64>], r: &[f64]) -> Option<Vec<f64>> {
    let l = cholesky(q)?;
    let k = r.len();
    let mut y = vec![0.0; k];
    for i in 0..k {
        let mut v = r[i];
        for m in 0..i {
            v -= l[i][m] * y[m];
        }
        y[i] = v / l[i][i];
    }
    let mut z = vec![0.0; k];
    for i in (0..k).rev() {
        let mut v = y[i];
        for m in i + 1..k {
            v -= l[m][i] * z[m];
        }
        z[i] = v / l[i][i];
    }
    Some(z)
}

/// The weights by Monte Carlo: `draws` draws of N(0, S) projected onto the nonnegative
/// orthant in the S⁻¹ metric; w_i is the share of projections with i positive components.
pub fn weights_monte_carlo(
    s: &[Vec<f64>],
    draws: usize,
    seed: u64,
) -> Result<Vec<f64>, ChiBarError> {
    check(s)?;
    if draws == 0 {
        return Err(ChiBarError::NoDraws);
    }
    let k = s.len();
    let l = cholesky(s).ok_or(ChiBarError::NotPositiveDefinite)?;
    let li = lower_inverse(&l);
    // Q = L⁻ᵀL⁻¹ = S⁻¹ and c = L⁻ᵀε for the data vector ε
    let q: Vec<Vec<f64>> = (0..k)
        .map(|i| {
            (0..k)
                .map(|j| (0..k).map(|m| li[m][i] * li[m][j]).sum())
                .collect()
        })
        .collect();
    let mut rng = Rng::new(seed);
    let mut counts = vec![0usize; k + 1];
    let mut eps = vec![0.0; k];
    let mut c = vec![0.0; k];
    for _ in 0..draws {
        for e in eps.iter_mut() {
            *e = rng.normal();
        }
        for i in 0..k {
            c[i] = (i..k).map(|m| li[m][i] * eps[m]).sum();
        }
        let x = nonnegative_qp(&q, &c);
        counts[x.iter().filter(|&&v| v > 0.0).count()] += 1;
    }
    Ok(counts.iter().map(|&n| n as f64 / draws as f64).collect())
}

/// The weights: closed form for k ≤ 3, Monte Carlo with `draws` and `seed` beyond.
pub fn weights(s: &[Vec<f64>], draws: usize, seed: u64) -> Result<ChiBarWeights, ChiBarError> {
    if let Some(w) = weights_closed_form(s)? {
        return Ok(ChiBarWeights {
            weights: w,
            method: WeightMethod::ClosedForm,
        });
    }
    Ok(ChiBarWeights {
        weights: weights_monte_carlo(s, draws, seed)?,
        method: WeightMethod::MonteCarlo { draws, seed },
    })
}

/// P(χ²(df) ≥ x) with χ²(0) the point mass at 0.
fn upper(x: f64, df: usize) -> f64 {
    if df == 0 {
        if x <= 0.0 {
            1.0
        } else {
            0.0
        }
    } else {
        pchisq_upper(x.max(0.0), df as f64)
    }
}

/// Upper tail of the mixture Σ w_i χ²(u + i): P(χ̄² ≥ x).
pub fn mixture_upper(weights: &[f64], u: usize, x: f64) -> f64 {
    weights
        .iter()
        .enumerate()
        .map(|(i, w)| w * upper(x, u + i))
        .sum::<f64>()
        .clamp(0.0, 1.0)
}

/// The critical value c with P(χ̄² ≥ c) = α (bisection; 0 when even P(χ̄² > 0) ≤ α).
pub fn critical_value(weights: &[f64], u: usize, alpha: f64) -> f64 {
    let k = weights.len().saturating_sub(1);
    let f = |c: f64| mixture_upper(weights, u, c) - alpha;
    // the largest component's quantile bounds c from above
    let mut hi = if u + k == 0 {
        1.0
    } else {
        qchisq(1.0 - alpha, (u + k) as f64)
    };
    let mut lo = 0.0;
    if f(1e-300) <= 0.0 {
        return 0.0;
    }
    while f(hi) > 0.0 {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-12 * hi.max(1.0) {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// A χ̄² test of k variances on the boundary (with u unconstrained covariances).
#[derive(Debug, Clone, Serialize)]
pub struct ChiBarTest {
    /// Number of variances on the boundary.
    pub k: usize,
    /// Number of covariances among them (fixed at 0 under H0 as well): k(k − 1)/2 per group.
    pub u: usize,
    /// Names of the variances (`RI_x ~~ RI_x`, with the group in several groups).
    pub parameters: Vec<String>,
    /// S: sampling covariance matrix of their estimates (rows).
    pub sampling_cov: Vec<Vec<f64>>,
    #[serde(flatten)]
    pub weights: ChiBarWeights,
    /// The difference statistic T (χ²_CLPM − χ²_RI-CLPM; scaled difference with MLR), with
    /// the RI-CLPM fitted with its RI variances held at or above 0 where the unrestricted
    /// estimates are negative.
    pub statistic: f64,
    /// Degrees of freedom of the difference (u + k).
    pub df: usize,
    /// Σ w_i P(χ²(u + i) ≥ T).
    pub pvalue: f64,
    pub alpha: f64,
    /// c with Σ w_i P(χ²(u + i) ≥ c) = α.
    pub critical_value: f64,
}

/// The χ̄² test of a difference statistic T.
pub fn test(
    parameters: Vec<String>,
    s: Vec<Vec<f64>>,
    u: usize,
    statistic: f64,
    alpha: f64,
    draws: usize,
    seed: u64,
) -> Result<ChiBarTest, ChiBarError> {
    let w = weights(&s, draws, seed)?;
    let k = s.len();
    Ok(ChiBarTest {
        k,
        u,
        parameters,
        pvalue: mixture_upper(&w.weights, u, statistic),
        critical_value: critical_value(&w.weights, u, alpha),
        weights: w,
        sampling_cov: s,
        statistic,
        df: u + k,
        alpha,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute_force_positive(s: &[Vec<f64>], z: &[f64]) -> usize {
        // enumerate the faces of the orthant: the projection is the feasible face solution
        // with the smallest S⁻¹-distance
        let k = z.len();
        let inv = spd_inverse(s).unwrap();
        let dist = |t: &[f64]| {
            let d: Vec<f64> = (0..k).map(|i| z[i] - t[i]).collect();
            (0..k)
                .map(|i| (0..k).map(|j| d[i] * inv[i][j] * d[j]).sum::<f64>())
                .sum::<f64>()
        };
        let mut best = (f64::INFINITY, 0usize);
        for mask in 0u32..(1 << k) {
            let idx: Vec<usize> = (0..k).filter(|i| mask & (1 << i) != 0).collect();
            // minimise over θ_F free, θ_rest = 0: Q_FF θ_F = (Q z)_F
            let qz: Vec<f64> = (0..k)
                .map(|i| (0..k).map(|j| inv[i][j] * z[j]).sum())
                .collect();
            let sub: Vec<Vec<f64>> = idx
                .iter()
                .map(|&i| idx.iter().map(|&j| inv[i][j]).collect())
                .collect();
            let rhs: Vec<f64> = idx.iter().map(|&i| qz[i]).collect();
            let t_f = if idx.is_empty() {
                vec![]
            } else {
                solve_spd(&sub, &rhs).unwrap()
            };
            if t_f.iter().any(|&v| v < 0.0) {
                continue;
            }
            let mut t = vec![0.0; k];
            for (a, &i) in idx.iter().enumerate() {
                t[i] = t_f[a];
            }
            let d = dist(&t);
            if d < best.0 - 1e-12 {
                best = (d, t.iter().filter(|&&v| v > 0.0).count());
            }
        }
        best.1
    }

    #[test]
    fn nnls_agrees_with_face_enumeration() {
        let s = vec![
            vec![1.0, 0.6, -0.3, 0.1],
            vec![0.6, 2.0, 0.4, -0.5],
            vec![-0.3, 0.4, 1.5, 0.2],
            vec![0.1, -0.5, 0.2, 0.8],
        ];
        let l = cholesky(&s).unwrap();
        let li = lower_inverse(&l);
        let mut rng = Rng::new(7);
        for _ in 0..2000 {
            let eps: Vec<f64> = (0..4).map(|_| rng.normal()).collect();
            let z: Vec<f64> = (0..4)
                .map(|i| (0..=i).map(|m| l[i][m] * eps[m]).sum())
                .collect();
            let x = nnls(&li, &eps);
            assert!(x.iter().all(|&v| v >= 0.0));
            let n = x.iter().filter(|&&v| v > 0.0).count();
            assert_eq!(n, brute_force_positive(&s, &z), "z = {z:?}, x = {x:?}");
        }
    }

    #[test]
    fn closed_form_weights() {
        // uncorrelated: binomial(k, ½) weights
        let w = weights_closed_form(&[vec![2.0, 0.0], vec![0.0, 3.0]])
            .unwrap()
            .unwrap();
        assert!(
            (w[0] - 0.25).abs() < 1e-15
                && (w[1] - 0.5).abs() < 1e-15
                && (w[2] - 0.25).abs() < 1e-15
        );
        let i3 = vec![
            vec![1.0, 0.0, 0.0],
            vec![0.0, 1.0, 0.0],
            vec![0.0, 0.0, 1.0],
        ];
        let w = weights_closed_form(&i3).unwrap().unwrap();
        for (a, b) in w.iter().zip([0.125, 0.375, 0.375, 0.125]) {
            assert!((a - b).abs() < 1e-15);
        }
        // ChiBarSq.DiffTest's example matrix: ρ = −0.118/√(1.232·0.539)
        let s = vec![vec![1.232, -0.118], vec![-0.118, 0.539]];
        let w = weights_closed_form(&s).unwrap().unwrap();
        let rho: f64 = -0.118 / (1.232f64 * 0.539).sqrt();
        assert!((w[0] - rho.acos() / (2.0 * PI)).abs() < 1e-15);
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        assert!(w[0] > 0.25 && w[2] < 0.25);
    }

    #[test]
    fn monte_carlo_matches_closed_form() {
        let s = vec![
            vec![1.0, 0.5, -0.2],
            vec![0.5, 1.0, 0.3],
            vec![-0.2, 0.3, 2.0],
        ];
        let exact = weights_closed_form(&s).unwrap().unwrap();
        let mc = weights_monte_carlo(&s, 100_000, 3).unwrap();
        for (a, b) in exact.iter().zip(&mc) {
            assert!((a - b).abs() < 0.006, "{exact:?} vs {mc:?}");
        }
    }

    #[test]
    fn critical_value_solves_the_mixture() {
        let w = [0.3, 0.5, 0.2];
        let c = critical_value(&w, 1, 0.05);
        assert!((mixture_upper(&w, 1, c) - 0.05).abs() < 1e-10);
        // the mixture's critical value lies below the naive χ²(3) one
        assert!(c < qchisq(0.95, 3.0) && c > qchisq(0.95, 1.0));
        // one variance, no covariance: ½χ²(0) + ½χ²(1) → c = χ²_{1}(1 − 2α)
        let c = critical_value(&[0.5, 0.5], 0, 0.05);
        assert!((c - qchisq(0.9, 1.0)).abs() < 1e-9, "{c}");
        // p-value of T = 0 with u = 0 is 1
        assert!((mixture_upper(&[0.5, 0.5], 0, 0.0) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn errors() {
        assert_eq!(weights_closed_form(&[]).unwrap_err(), ChiBarError::Shape);
        assert_eq!(
            weights_closed_form(&[vec![1.0, 2.0], vec![2.0, 1.0]]).unwrap_err(),
            ChiBarError::NotPositiveDefinite
        );
    }
}
