//! Log-likelihoods: of the saturated model, and under `missing = "ml"` the likelihoods and χ²
//! tests of the model, the saturated and the independence (baseline) model.
//!
//! FIML (lavaan `lav_model_loglik`, `lav_h1_logl`, `lav_object_independence`):
//!
//! * `logl = −½ [Σ_p n_p (|o_p| log 2π + log|Σ_p| + tr(Σ_p⁻¹T_p))]` at θ̂, `unrestricted.logl`
//!   the same at the EM estimates; with fixed.x covariates the saturated log-likelihood of the
//!   covariates, `−N/2 [p_x log 2π + log|Σ̃_xx| + p_x]` with Σ̃ the EM estimate, is subtracted
//!   from both;
//! * `χ² = −2 (logL_H0 − logL_H1) = Σ_g N_g F_g` (per group not below 0, as `estimator.FIML`);
//! * the independence model's FIML estimates are the available-case means and ML variances
//!   (its likelihood factors over variables), with the fixed.x block at the saturated
//!   estimates of the covariates alone: `−2logL_B = Σ_j n_j (log 2π + log v_j + 1) + …`.

use crate::loss::workspace::Workspace;
use crate::observe::h1::{self, H1Estimates};
use crate::observe::missing::{FimlWork, GroupData};
use crate::observe::prepare::SampleData;
use crate::specify::options::Likelihood;
use crate::specify::Model;
use ndarray::{Array1, Array2};

/// log-likelihood of the saturated model of a group: −N/2 [p log 2π + log|S| + p].
pub fn saturated_loglik(n: usize, p: usize, logdet_s: f64) -> f64 {
    -(n as f64) / 2.0 * (p as f64 * (2.0 * std::f64::consts::PI).ln() + logdet_s + p as f64)
}

/// The independence model of one group under FIML: means, covariance matrix and
/// −2logL without the 2π constant.
#[derive(Debug, Clone)]
pub struct FimlBaseline {
    pub mean: Array1<f64>,
    pub cov: Array2<f64>,
    pub m2ll: f64,
}

/// FIML estimates of the independence model (free means and variances of the non-x
/// variables; the fixed.x block free, at the saturated estimates of the covariates alone).
pub fn fiml_baseline(gd: &GroupData, x_idx: &[usize]) -> FimlBaseline {
    let p = gd.p;
    let mut mean = gd.available_means();
    let var = gd.available_variances();
    let mut cov = Array2::zeros((p, p));
    let mut m2ll = 0.0;
    for j in 0..p {
        cov[[j, j]] = var[j];
        if !x_idx.contains(&j) {
            let nj: usize = gd
                .patterns
                .iter()
                .filter(|pt| pt.obs.contains(&j))
                .map(|pt| pt.freq)
                .sum();
            m2ll += nj as f64 * (var[j].ln() + 1.0);
        }
    }
    if !x_idx.is_empty() {
        let rows: Vec<usize> = (0..gd.nobs())
            .filter(|&r| x_idx.iter().any(|&j| gd.values[[r, j]].is_finite()))
            .collect();
        let x = Array2::from_shape_fn((rows.len(), x_idx.len()), |(i, a)| {
            gd.values[[rows[i], x_idx[a]]]
        });
        let xd = GroupData::new(x, None);
        match h1::estimate_h1(&xd, 1e-11) {
            Some(h) => {
                m2ll += h.m2ll;
                for (a, &i) in x_idx.iter().enumerate() {
                    mean[i] = h.mean[a];
                    for (b, &j) in x_idx.iter().enumerate() {
                        cov[[i, j]] = h.cov[[a, b]];
                    }
                }
            }
            None => m2ll = f64::NAN,
        }
    }
    FimlBaseline { mean, cov, m2ll }
}

/// χ², log-likelihoods and the baseline χ² of a FIML fit.
#[derive(Debug, Clone)]
pub struct FimlLikelihood {
    pub chisq: f64,
    pub logl: f64,
    pub unrestricted: f64,
    pub baseline_chisq: f64,
    pub baselines: Vec<FimlBaseline>,
}

/// See the module documentation.
pub fn fiml_likelihood(
    ws: &Workspace,
    raw: &[GroupData],
    h1: &[H1Estimates],
    x_idx: &[usize],
    baseline_x: &[usize],
) -> FimlLikelihood {
    let mut out = FimlLikelihood {
        chisq: 0.0,
        logl: 0.0,
        unrestricted: 0.0,
        baseline_chisq: 0.0,
        baselines: Vec::new(),
    };
    for (g, (gd, h)) in raw.iter().zip(h1).enumerate() {
        let imp = &ws.implied[g];
        let m2ll = FimlWork::new(gd)
            .value(gd, imp.mu.view(), imp.sigma.view(), false)
            .unwrap_or(f64::NAN);
        let c = gd.log2pi_constant();
        let x_part = if x_idx.is_empty() {
            0.0
        } else {
            let sxx = Array2::from_shape_fn((x_idx.len(), x_idx.len()), |(a, b)| {
                h.cov[[x_idx[a], x_idx[b]]]
            });
            let ld = crate::linalg::spd_inverse(sxx.view()).map_or(f64::NAN, |(_, l)| l);
            saturated_loglik(gd.nobs(), x_idx.len(), ld)
        };
        out.logl += -0.5 * (m2ll + c) - x_part;
        out.unrestricted += -0.5 * (h.m2ll + c) - x_part;
        out.chisq += (m2ll - h.m2ll).max(0.0);
        let b = fiml_baseline(gd, baseline_x);
        out.baseline_chisq += b.m2ll - h.m2ll;
        out.baselines.push(b);
    }
    out
}

/// The model's χ² and log-likelihoods, and the independence model's χ².
#[derive(Debug, Clone)]
pub struct Likelihoods {
    pub chisq: f64,
    pub logl: f64,
    /// The saturated model's log-likelihood (lavaan `unrestricted.logl`).
    pub unrestricted: f64,
    pub baseline_chisq: f64,
    /// Under `missing = "ml"`: the FIML likelihoods with the baseline models' moments.
    pub fiml: Option<FimlLikelihood>,
}

/// Likelihoods of a fit at the workspace's θ: FIML by pattern under `missing = "ml"`, else
/// from the sample moments per group — `χ² = Σ_g N_g F_g`, `logl = Σ_g [ℓ_sat,g − N_g/2 F_g]`,
/// both less the saturated log-likelihood of the fixed.x covariates; the independence model
/// has a diagonal Σ for the other variables and S_xx for the covariates.
///
/// Under `likelihood = "wishart"` the sample covariances have divisor N − 1 (see
/// [`SampleData::rescale_to_unbiased`]) and the χ² statistics are (N_g − 1)·F_g (lavaan
/// `lav_test`: `NFAC = 2 (N_g − 1)`); the log-likelihoods keep N.
pub fn likelihoods(
    model: &Model,
    ws: &Workspace,
    sample: &SampleData,
    likelihood: Likelihood,
) -> Likelihoods {
    let x_idx = &model.x_idx;
    if !sample.h1.is_empty() {
        let fl = fiml_likelihood(ws, &sample.raw, &sample.h1, x_idx, &model.baseline_x);
        return Likelihoods {
            chisq: fl.chisq,
            logl: fl.logl,
            unrestricted: fl.unrestricted,
            baseline_chisq: fl.baseline_chisq,
            fiml: Some(fl),
        };
    }
    let p = model.pt.ov_names.len();
    let ms = model.pt.meanstructure;
    let mut out = Likelihoods {
        chisq: 0.0,
        logl: 0.0,
        unrestricted: 0.0,
        baseline_chisq: 0.0,
        fiml: None,
    };
    for (g, m) in sample.moments.iter().enumerate() {
        let n = m.nobs as f64;
        let n_chisq = match likelihood {
            Likelihood::Normal => n,
            Likelihood::Wishart => n - 1.0,
        };
        let f = ws.ml[g]
            .clone()
            .value(m, &ws.implied[g], ms)
            .unwrap_or(f64::NAN);
        out.chisq += n_chisq * f;
        let ls = m.logdet.unwrap_or(f64::NAN);
        let sat = saturated_loglik(m.nobs, p, ls);
        let mut x_part = 0.0;
        let mut logdet_sxx = 0.0;
        if !x_idx.is_empty() {
            let sxx = Array2::from_shape_fn((x_idx.len(), x_idx.len()), |(a, b)| {
                m.cov[[x_idx[a], x_idx[b]]]
            });
            logdet_sxx = crate::linalg::spd_inverse(sxx.view())
                .map(|(_, l)| l)
                .unwrap_or(f64::NAN);
            x_part = saturated_loglik(m.nobs, x_idx.len(), logdet_sxx);
        }
        out.logl += sat - n / 2.0 * f - x_part;
        out.unrestricted += sat - x_part;
        let bx = &model.baseline_x;
        let mut lb = if bx == x_idx {
            logdet_sxx
        } else {
            let sxx = Array2::from_shape_fn((bx.len(), bx.len()), |(a, b)| m.cov[[bx[a], bx[b]]]);
            crate::linalg::spd_inverse(sxx.view()).map_or(f64::NAN, |(_, l)| l)
        };
        for i in (0..p).filter(|i| !bx.contains(i)) {
            lb += m.cov[[i, i]].ln();
        }
        out.baseline_chisq += n_chisq * (lb - ls);
    }
    out
}
