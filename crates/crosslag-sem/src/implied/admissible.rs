//! Whether a solution is admissible, one definition for every command: lavaan's
//! `lav_object_post_check` — no negative variance, and positive definite covariance matrices
//! of the latent variables, of their residuals (Ψ) and of the residuals of the observed
//! variables (Θ), with lavaan's tolerance ε^¾ for negative eigenvalues.

use crate::implied::Implied;
use crate::specify::partable::{Op, ParTable};
use crate::specify::ram::{RamMatrices, RamModel};
use ndarray::Array2;

/// Whether the solution is admissible (no [`warnings`]).
pub fn is_admissible(
    pt: &ParTable,
    ram: &RamModel,
    mats: &[RamMatrices],
    implied: &[Implied],
) -> bool {
    warnings(pt, ram, mats, implied, &[]).is_empty()
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
pub fn warnings(
    pt: &ParTable,
    ram: &RamModel,
    mats: &[RamMatrices],
    implied: &[Implied],
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
        let s = &mats[g].s;
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
            let cov_lv = sub(&implied[g].e, &lv);
            if !is_pd(&cov_lv) {
                out.push(format!(
                    "the covariance matrix of the latent variables is not positive definite{}: {}",
                    in_group(g),
                    explain_not_pd(&implied[g].e, &lv, names)
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
