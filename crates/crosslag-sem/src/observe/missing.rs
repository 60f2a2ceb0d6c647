//! Raw data of one group arranged by missing-data pattern, and the full-information ML
//! (FIML) discrepancy of lavaan's `missing = "ml"`.
//!
//! Cases are grouped by the set `o` of variables they observe (a *pattern*); per pattern the
//! sufficient statistics are `n_p`, the mean `ȳ_p` and the covariance `S_p` (divisor `n_p`) of the
//! observed part (lavaan `lav_samplestats_missing_patterns`). With `Σ_p = Σ[o, o]`,
//! `μ_p = μ[o]`, `d_p = ȳ_p − μ_p` and `T_p = S_p + d_p d_pᵀ`, minus twice the log-likelihood
//! without the 2π constant is (`lav_mvnorm_missing_loglik_samplestats`)
//!
//! ```text
//!   −2 logL(μ, Σ) = Σ_p n_p [ log|Σ_p| + tr(Σ_p⁻¹ T_p) ]   (+ Σ_p n_p |o_p| log 2π).
//! ```
//!
//! lavaan's FIML objective of a group is `fx_g = ½ (−2logL(θ)/N_g − h1_g)`, `h1_g` the same
//! quantity at the saturated (EM) estimates (`estimator.FIML` in `lav_objective.R`), so that
//! `χ² = 2 N fx = −2 (logL_H0 − logL_H1)`. The gradient per unit of `F = −2logL/N` is that of
//! complete-data ML with an aggregated `Ω` and mean gradient (cf. [`crate::loss::ml`]):
//!
//! ```text
//!   ∂F/∂Σ = Ω = (1/N) Σ_p n_p ⌈Σ_p⁻¹ − Σ_p⁻¹ T_p Σ_p⁻¹⌉,    ∂F/∂μ = −2 h,   h = (1/N) Σ_p n_p ⌈Σ_p⁻¹ d_p⌉
//! ```
//!
//! (`⌈·⌉` embeds a pattern's block in zeros), so the RAM chain rule of `loss::ml` maps them onto
//! the model parameters unchanged. Each evaluation factors every `Σ_p` once (Cholesky) and
//! allocates nothing: the per-pattern buffers live in [`FimlWork`].
//!
//! The saturated (H1) model is estimated by EM (`lav_mvnorm_missing_h1_estimate_moments`, which
//! stops when no moment changes by more than 1e-5) followed here by Newton steps on the exact
//! observed information ([`crate::observe::h1`]) until the gradient vanishes to rounding, so that
//! `unrestricted.logl` and χ² are those of the exact maximum.

use crate::linalg;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// One missing-data pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// Indices of the observed variables (ascending).
    pub obs: Vec<usize>,
    /// Number of cases.
    pub freq: usize,
    /// Mean of the observed part.
    pub mean: Array1<f64>,
    /// Covariance of the observed part, divisor `freq`.
    pub cov: Array2<f64>,
    /// Rows (into [`GroupData::values`]) of the cases with this pattern.
    pub rows: Vec<usize>,
}

/// The raw data of one group: rows with at least one observed model variable.
#[derive(Debug, Clone)]
pub struct GroupData {
    pub p: usize,
    /// Cases × variables, NaN = missing.
    pub values: Array2<f64>,
    /// 0-based cluster of each row (relabelled 0..G within the group), for cluster-robust
    /// information.
    pub cluster: Option<Vec<usize>>,
    pub patterns: Vec<Pattern>,
}

impl GroupData {
    /// Arrange rows by pattern (patterns in order of first appearance). Rows must have at least
    /// one observed value (drop empty rows beforehand).
    pub fn new(values: Array2<f64>, cluster: Option<Vec<usize>>) -> GroupData {
        let (n, p) = values.dim();
        let mut keys: Vec<Vec<bool>> = Vec::new();
        let mut rows_of: Vec<Vec<usize>> = Vec::new();
        for r in 0..n {
            let key: Vec<bool> = (0..p).map(|j| values[[r, j]].is_finite()).collect();
            match keys.iter().position(|k| *k == key) {
                Some(i) => rows_of[i].push(r),
                None => {
                    keys.push(key);
                    rows_of.push(vec![r]);
                }
            }
        }
        let patterns = keys
            .iter()
            .zip(rows_of)
            .map(|(key, rows)| {
                let obs: Vec<usize> = (0..p).filter(|&j| key[j]).collect();
                let k = obs.len();
                let m = rows.len() as f64;
                let mut mean = Array1::zeros(k);
                for &r in &rows {
                    for (a, &j) in obs.iter().enumerate() {
                        mean[a] += values[[r, j]];
                    }
                }
                mean /= m;
                let mut cov = Array2::zeros((k, k));
                for &r in &rows {
                    for (a, &i) in obs.iter().enumerate() {
                        let da = values[[r, i]] - mean[a];
                        for (b, &j) in obs.iter().enumerate().take(a + 1) {
                            cov[[a, b]] += da * (values[[r, j]] - mean[b]);
                        }
                    }
                }
                for a in 0..k {
                    for b in 0..=a {
                        let v = cov[[a, b]] / m;
                        cov[[a, b]] = v;
                        cov[[b, a]] = v;
                    }
                }
                Pattern {
                    obs,
                    freq: rows.len(),
                    mean,
                    cov,
                    rows,
                }
            })
            .collect();
        let cluster = cluster.map(relabel);
        GroupData {
            p,
            values,
            cluster,
            patterns,
        }
    }

    /// Number of cases.
    pub fn nobs(&self) -> usize {
        self.values.nrows()
    }

    /// True when every case observes every variable.
    pub fn complete(&self) -> bool {
        self.patterns.len() == 1 && self.patterns[0].obs.len() == self.p
    }

    /// Number of clusters (`None` without clusters).
    pub fn nclusters(&self) -> Option<usize> {
        self.cluster
            .as_ref()
            .map(|c| c.iter().copied().max().map_or(0, |m| m + 1))
    }

    /// Means of each variable over the cases that observe it.
    pub fn available_means(&self) -> Array1<f64> {
        let mut sum = Array1::zeros(self.p);
        let mut cnt = Array1::<f64>::zeros(self.p);
        for pat in &self.patterns {
            for (a, &j) in pat.obs.iter().enumerate() {
                sum[j] += pat.freq as f64 * pat.mean[a];
                cnt[j] += pat.freq as f64;
            }
        }
        sum / cnt
    }

    /// ML (divisor n_j) variances of each variable over the cases that observe it: with
    /// [`Self::available_means`] the FIML estimates of the independence model.
    pub fn available_variances(&self) -> Array1<f64> {
        let m = self.available_means();
        let mut ss = Array1::zeros(self.p);
        let mut cnt = Array1::<f64>::zeros(self.p);
        for pat in &self.patterns {
            for (a, &j) in pat.obs.iter().enumerate() {
                let d = pat.mean[a] - m[j];
                ss[j] += pat.freq as f64 * (pat.cov[[a, a]] + d * d);
                cnt[j] += pat.freq as f64;
            }
        }
        ss / cnt
    }

    /// lavaan's `sampstat` covariance under `missing = "ml"` for GFI: `cov(X, use =
    /// "pairwise")` (divisor n_ij − 1, means of the pair's complete cases) times (N − 1)/N.
    pub fn pairwise_cov(&self) -> Array2<f64> {
        let (n, p) = self.values.dim();
        let x = &self.values;
        let mut out = Array2::zeros((p, p));
        for i in 0..p {
            for j in 0..=i {
                let (mut k, mut si, mut sj) = (0.0, 0.0, 0.0);
                for r in 0..n {
                    if x[[r, i]].is_finite() && x[[r, j]].is_finite() {
                        k += 1.0;
                        si += x[[r, i]];
                        sj += x[[r, j]];
                    }
                }
                let (mi, mj) = (si / k, sj / k);
                let mut s = 0.0;
                for r in 0..n {
                    if x[[r, i]].is_finite() && x[[r, j]].is_finite() {
                        s += (x[[r, i]] - mi) * (x[[r, j]] - mj);
                    }
                }
                let v = s / (k - 1.0) * (n as f64 - 1.0) / n as f64;
                out[[i, j]] = v;
                out[[j, i]] = v;
            }
        }
        out
    }

    /// −2 logL at (μ, Σ) with the 2π constant (`lav_mvnorm_missing_loglik_samplestats`).
    pub fn minus_two_loglik(&self, mu: ArrayView1<f64>, sigma: ArrayView2<f64>) -> Option<f64> {
        let mut w = FimlWork::new(self);
        let f = w.value(self, mu, sigma, false)?;
        Some(f + self.log2pi_constant())
    }

    /// Σ_p n_p |o_p| log 2π.
    pub fn log2pi_constant(&self) -> f64 {
        let l2pi = (2.0 * std::f64::consts::PI).ln();
        self.patterns
            .iter()
            .map(|pt| pt.freq as f64 * pt.obs.len() as f64 * l2pi)
            .sum()
    }
}

fn relabel(c: Vec<usize>) -> Vec<usize> {
    let mut map: Vec<(usize, usize)> = Vec::new();
    c.iter()
        .map(|&v| match map.iter().find(|(k, _)| *k == v) {
            Some(&(_, i)) => i,
            None => {
                map.push((v, map.len()));
                map.len() - 1
            }
        })
        .collect()
}

/// Buffers of one pattern.
#[derive(Debug, Clone)]
struct PatternWork {
    sigma: Array2<f64>,
    inv: Array2<f64>,
    work: Array2<f64>,
    tmp: Array2<f64>,
    d: Array1<f64>,
    h: Array1<f64>,
}

/// Per-pattern buffers of one group's FIML evaluation, and its aggregated derivatives.
#[derive(Debug, Clone)]
pub struct FimlWork {
    pats: Vec<PatternWork>,
    /// Ω = ∂F/∂Σ per unit after [`FimlWork::value`] with `grad = true`.
    pub omega: Array2<f64>,
    /// h = (1/N) Σ_p n_p ⌈Σ_p⁻¹ d_p⌉ (so ∂F/∂μ = −2h).
    pub h: Array1<f64>,
}

impl FimlWork {
    pub fn new(gd: &GroupData) -> FimlWork {
        let pats = gd
            .patterns
            .iter()
            .map(|pt| {
                let k = pt.obs.len();
                PatternWork {
                    sigma: Array2::zeros((k, k)),
                    inv: Array2::zeros((k, k)),
                    work: Array2::zeros((k, k)),
                    tmp: Array2::zeros((k, k)),
                    d: Array1::zeros(k),
                    h: Array1::zeros(k),
                }
            })
            .collect();
        FimlWork {
            pats,
            omega: Array2::zeros((gd.p, gd.p)),
            h: Array1::zeros(gd.p),
        }
    }

    /// Σ_p n_p [log|Σ_p| + tr(Σ_p⁻¹ T_p)] (−2 logL without 2π); with `grad`, also Ω and h per
    /// unit (divided by N). `None` when some Σ_p is not positive definite.
    pub fn value(
        &mut self,
        gd: &GroupData,
        mu: ArrayView1<f64>,
        sigma: ArrayView2<f64>,
        grad: bool,
    ) -> Option<f64> {
        let n = gd.nobs() as f64;
        if grad {
            self.omega.fill(0.0);
            self.h.fill(0.0);
        }
        let mut total = 0.0;
        for (pt, w) in gd.patterns.iter().zip(self.pats.iter_mut()) {
            let k = pt.obs.len();
            for (a, &i) in pt.obs.iter().enumerate() {
                for (b, &j) in pt.obs.iter().enumerate() {
                    w.sigma[[a, b]] = sigma[[i, j]];
                }
                w.d[a] = pt.mean[a] - mu[i];
            }
            let logdet =
                linalg::spd_inverse_into(w.sigma.view(), w.inv.view_mut(), w.work.view_mut())?;
            // tr(Σ⁻¹S) + dᵀΣ⁻¹d
            let mut tr = 0.0;
            for a in 0..k {
                let mut acc = 0.0;
                for b in 0..k {
                    tr += w.inv[[a, b]] * pt.cov[[b, a]];
                    acc += w.inv[[a, b]] * w.d[b];
                }
                w.h[a] = acc;
            }
            for a in 0..k {
                tr += w.d[a] * w.h[a];
            }
            let f = pt.freq as f64;
            total += f * (logdet + tr);
            if grad {
                // Ω_p = Σ⁻¹ − Σ⁻¹ S Σ⁻¹ − h hᵀ
                ndarray::linalg::general_mat_mul(1.0, &w.inv, &pt.cov, 0.0, &mut w.work);
                ndarray::linalg::general_mat_mul(1.0, &w.work, &w.inv, 0.0, &mut w.tmp);
                let c = f / n;
                for (a, &i) in pt.obs.iter().enumerate() {
                    for (b, &j) in pt.obs.iter().enumerate() {
                        self.omega[[i, j]] += c * (w.inv[[a, b]] - w.tmp[[a, b]] - w.h[a] * w.h[b]);
                    }
                    self.h[i] += c * w.h[a];
                }
            }
        }
        Some(total)
    }
}
