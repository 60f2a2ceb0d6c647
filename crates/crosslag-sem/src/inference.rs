//! After estimation: the likelihoods and χ² tests under `missing = "ml"`, the moments of the
//! independence (baseline) model, and warnings about inadmissible solutions.
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

use crate::missing::{self, FimlWork, GroupData, H1Estimates};
use crate::objective::Workspace;
use crate::partable::{Op, ParTable};
use crate::ram::RamModel;
use ndarray::{Array1, Array2};

/// log-likelihood of the saturated model of a group: −N/2 [p log 2π + log|S| + p].
pub fn saturated_loglik(n: usize, p: usize, logdet_s: f64) -> f64 {
    -(n as f64) / 2.0 * (p as f64 * (2.0 * std::f64::consts::PI).ln() + logdet_s + p as f64)
}

/// The independence model of one group under FIML: means, covariance matrix and
/// −2logL without the 2π constant.
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
        match missing::estimate_h1(&xd, 1e-11) {
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
        let b = fiml_baseline(gd, x_idx);
        out.baseline_chisq += b.m2ll - h.m2ll;
        out.baselines.push(b);
    }
    out
}

/// lavaan's tolerance for negative eigenvalues in `lav_object_post_check`: ε^(3/4).
fn eig_tol() -> f64 {
    f64::EPSILON.powf(0.75)
}

fn is_pd(m: &Array2<f64>) -> bool {
    m.nrows() == 0 || crate::linalg::symmetric_eigenvalues(m.view())[0] >= -eig_tol()
}

fn sub(m: &Array2<f64>, idx: &[usize]) -> Array2<f64> {
    Array2::from_shape_fn((idx.len(), idx.len()), |(a, b)| m[[idx[a], idx[b]]])
}

/// Why a covariance matrix over `vars` is not positive definite, in words: the pairs whose
/// correlation is beyond ±1, or else the variables without which it would be.
fn explain_not_pd(m: &Array2<f64>, vars: &[usize], names: &[String]) -> String {
    let mut pairs = Vec::new();
    for a in 0..vars.len() {
        for b in 0..a {
            let (i, j) = (vars[a], vars[b]);
            let (vi, vj) = (m[[i, i]], m[[j, j]]);
            if vi > 0.0 && vj > 0.0 {
                let r = m[[i, j]] / (vi * vj).sqrt();
                if r.abs() > 1.0 {
                    pairs.push(format!(
                        "{} and {} (correlation {:.3})",
                        names[i], names[j], r
                    ));
                }
            }
        }
    }
    if !pairs.is_empty() {
        return pairs.join(", ");
    }
    let culprits: Vec<String> = vars
        .iter()
        .filter(|&&v| {
            let rest: Vec<usize> = vars.iter().copied().filter(|&w| w != v).collect();
            is_pd(&sub(m, &rest))
        })
        .map(|&v| names[v].clone())
        .collect();
    if culprits.is_empty() {
        "several variables".into()
    } else {
        format!("involving {}", culprits.join(", "))
    }
}

/// Warnings about an inadmissible solution, naming the parameters (lavaan's
/// `lav_object_post_check`: negative variances; a covariance matrix of the latent variables,
/// or of the residuals of the observed variables, that is not positive definite), plus the
/// residual covariance matrix of the latent variables (Ψ) with its offending covariances.
pub fn admissibility_warnings(
    pt: &ParTable,
    ram: &RamModel,
    ws: &Workspace,
    group_labels: &[String],
) -> Vec<String> {
    let mut out = Vec::new();
    let p = ram.nov;
    let m = ram.nvar();
    let names = &ram.var_names;
    let ngroups = ram.ngroups();
    let in_group = |g: usize| {
        if ngroups > 1 {
            format!(
                " in group {}",
                group_labels
                    .get(g)
                    .cloned()
                    .unwrap_or_else(|| (g + 1).to_string())
            )
        } else {
            String::new()
        }
    };
    for g in 0..ngroups {
        let s = &ws.mats[g].s;
        let mut negative = Vec::new();
        let mut lv_negative = false;
        let mut ov_negative = false;
        for r in pt
            .rows
            .iter()
            .filter(|r| r.group == g && r.op == Op::Covariance && r.lhs == r.rhs)
        {
            let Some(v) = names.iter().position(|n| *n == r.lhs) else {
                continue;
            };
            if s[[v, v]] < 0.0 {
                negative.push(format!("{} ~~ {} = {:.4}", r.lhs, r.rhs, s[[v, v]]));
                lv_negative |= v >= p;
                ov_negative |= v < p;
            }
        }
        if !negative.is_empty() {
            out.push(format!(
                "some variance estimates are negative{}: {}; the solution is not admissible",
                in_group(g),
                negative.join(", ")
            ));
        }
        let lv: Vec<usize> = (p..m).collect();
        if !lv_negative && !lv.is_empty() {
            let cov_lv = sub(&ws.implied[g].e, &lv);
            if !is_pd(&cov_lv) {
                out.push(format!(
                    "the covariance matrix of the latent variables is not positive definite{}: {}",
                    in_group(g),
                    explain_not_pd(&ws.implied[g].e, &lv, names)
                ));
            }
            let psi = sub(s, &lv);
            if !is_pd(&psi) {
                let covs: Vec<String> = pt
                    .rows
                    .iter()
                    .filter(|r| r.group == g && r.op == Op::Covariance && r.lhs != r.rhs)
                    .filter_map(|r| {
                        let i = names.iter().position(|n| *n == r.lhs)?;
                        let j = names.iter().position(|n| *n == r.rhs)?;
                        if i < p || j < p {
                            return None;
                        }
                        let (vi, vj) = (s[[i, i]], s[[j, j]]);
                        let c = s[[i, j]] / (vi * vj).sqrt();
                        (vi > 0.0 && vj > 0.0 && c.abs() > 1.0)
                            .then(|| format!("{} ~~ {} (correlation {:.3})", r.lhs, r.rhs, c))
                    })
                    .collect();
                let why = if covs.is_empty() {
                    explain_not_pd(s, &lv, names)
                } else {
                    covs.join(", ")
                };
                out.push(format!(
                    "the (residual) covariance matrix of the latent variables (psi) is not positive definite{}: {}",
                    in_group(g),
                    why
                ));
            }
        }
        let ov: Vec<usize> = (0..p).filter(|&i| s[[i, i]] != 0.0).collect();
        let theta = sub(s, &ov);
        if !ov_negative && !is_pd(&theta) {
            out.push(format!(
                "the covariance matrix of the residuals of the observed variables (theta) is not positive definite{}: {}",
                in_group(g),
                explain_not_pd(s, &ov, names)
            ));
        }
    }
    out
}
