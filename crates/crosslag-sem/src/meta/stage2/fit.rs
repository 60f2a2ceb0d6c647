//! Fitting stage 2: WLS estimates from two starts, the covariance matrix of the estimates in
//! either standard-error convention, the parameter table and metaSEM's fit indices.

use super::model::PathModel;
use super::rows::{parameter_rows, ParamRow, Solution};
use super::wls::{vechs, GroupData, Sharing, Wls, WlsFull};
use crate::meta::fit_indices::{cfi, rmsea, rmsea_ci, tli};
use crate::meta::mat::{spd_inverse, symmetric_pinv, Mat};
use crate::meta::optim::{hessian, minimize, Minimum};
use crate::meta::MetaError;
use crate::stats::pchisq_upper;
use serde::Serialize;

/// Standard-error convention (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SeType {
    /// metaSEM `diag.constraints = TRUE`
    Constrained,
    /// metaSEM `diag.constraints = FALSE`
    Computed,
}

/// Fit of stage 2 (metaSEM's formulas).
#[derive(Debug, Clone, Serialize)]
pub struct Stage2Fit {
    pub ntotal: f64,
    pub chisq: f64,
    pub df: usize,
    pub pvalue: Option<f64>,
    pub n_constraints: usize,
    pub baseline_chisq: f64,
    pub baseline_df: usize,
    pub rmsea: f64,
    pub rmsea_ci_lower: f64,
    pub rmsea_ci_upper: f64,
    pub srmr: f64,
    pub tli: Option<f64>,
    pub cfi: f64,
    pub aic: f64,
    pub bic: f64,
}

/// The stage-2 result.
#[derive(Debug, Clone, Serialize)]
pub struct Stage2 {
    pub parameters: Vec<ParamRow>,
    pub fit: Stage2Fit,
    pub implied: Vec<Vec<Vec<f64>>>,
    pub vcov_labels: Vec<String>,
    pub vcov: Vec<Vec<f64>>,
    pub se_type: SeType,
    pub converged: bool,
    pub iterations: usize,
    pub warnings: Vec<String>,
    /// free parameter estimates (global vector)
    pub theta: Vec<f64>,
}

/// Options of stage 2.
#[derive(Debug, Clone, Copy)]
pub struct Stage2Options {
    pub se: SeType,
    pub lb_ci: bool,
    pub sharing: Sharing,
}

/// The WLS minimum: from the model's start values and, when that does not converge, also from
/// zero (a guard against a poor start); the lower of the two.
fn estimate(wls: &Wls, model: &PathModel) -> Minimum {
    let mut x0 = vec![0.0; wls.dim];
    for m in &wls.map {
        for (k, &i) in m.iter().enumerate() {
            x0[i] = model.params[k].start;
        }
    }
    let lower = vec![f64::NEG_INFINITY; wls.dim];
    let mut best = minimize(wls, &x0, &lower, 300);
    // a second start from zero guards against a poor start
    if !best.converged {
        let alt = minimize(wls, &vec![0.0; wls.dim], &lower, 300);
        if alt.value < best.value {
            best = alt;
        }
    }
    best
}

/// ∂ψ/∂θ of one group by central differences: the computed error variances as functions of
/// the group's free parameters.
fn psi_jacobian(model: &PathModel, t: &[f64]) -> Mat {
    let ne = model.endogenous.len();
    let np = model.params.len();
    let mut m = Mat::zeros(ne, np);
    for k in 0..np {
        let f = |tt: &[f64]| {
            model
                .implied(tt)
                .map(|(_, p)| p)
                .unwrap_or(vec![f64::NAN; ne])
        };
        let hstep = 1e-6 * t[k].abs().max(1e-2);
        let mut tp = t.to_vec();
        tp[k] += hstep;
        let mut tm = t.to_vec();
        tm[k] -= hstep;
        let (fp, fm) = (f(&tp), f(&tm));
        for e in 0..ne {
            m[(e, k)] = (fp[e] - fm[e]) / (2.0 * hstep);
        }
    }
    m
}

/// One group at the estimates: its free parameters θ_g, error variances ψ_g, and the
/// covariance matrix of (θ_g, ψ_g). `Computed`: J V Jᵀ with J = ∂(θ_g, ψ_g)/∂x and V = 2H⁻¹
/// of the reduced problem. `Constrained` (one group): 2 Z (ZᵀH_fZ)⁻¹ Zᵀ with H_f the Hessian
/// in (θ, ψ) and Z = [I; ∂ψ/∂θ] a basis of the null space of the constraint Jacobian (what
/// OpenMx reports); with shared parameters across groups the reduced form per group.
fn group_solution(
    sol: &Solution,
    groups: &[GroupData],
    g: usize,
    vcov_red: &Mat,
    se: SeType,
) -> Result<(Vec<f64>, Vec<f64>, Mat), MetaError> {
    let (model, wls) = (sol.model, sol.wls);
    let ne = model.endogenous.len();
    let np = model.params.len();
    let t = wls.local(g, &sol.x);
    let (_, psi) = model.implied(&t).ok_or_else(|| {
        MetaError::new("stage 2: the implied matrix cannot be computed at the estimates")
    })?;
    // Jacobian of (theta_local, psi(theta_local)) w.r.t. the global x
    let mut jac = Mat::zeros(np + ne, wls.dim);
    for (k, &i) in wls.map[g].iter().enumerate() {
        jac[(k, i)] += 1.0;
    }
    let jpsi_local = psi_jacobian(model, &t);
    for e in 0..ne {
        for (k, &i) in wls.map[g].iter().enumerate() {
            jac[(np + e, i)] += jpsi_local[(e, k)];
        }
    }
    let v_full = if se == SeType::Constrained && groups.len() == 1 {
        let full = WlsFull {
            model,
            data: groups[g].clone(),
            w: wls.groups[g].1.clone(),
        };
        let mut xf = t.clone();
        xf.extend_from_slice(&psi);
        let hf = hessian(&full, &xf);
        let z = jac; // (np+ne) × np: [I; dpsi/dtheta]
        let zhz = z.transpose().matmul(&hf).matmul(&z);
        let inv = match spd_inverse(&zhz) {
            Some((i, _)) => i,
            None => symmetric_pinv(&zhz),
        };
        z.matmul(&inv).matmul(&z.transpose()).scale(2.0)
    } else {
        jac.matmul(vcov_red).matmul(&jac.transpose())
    };
    Ok((t, psi, v_full))
}

/// metaSEM's fit of stage 2: χ² = F(θ̂) on q·G − dim df against the independence model
/// (ρ = 0: χ²_b = Σ_g r_gᵀ W_g r_g on q·G df), RMSEA and its interval, SRMR (mean over groups of
/// the root mean squared residual correlation), CFI, TLI, AIC and BIC; and the implied
/// matrices.
fn stage2_fit(
    sol: &Solution,
    groups: &[GroupData],
    thetas: &[Vec<f64>],
) -> (Stage2Fit, Vec<Vec<Vec<f64>>>) {
    let (model, wls) = (sol.model, sol.wls);
    let q = model.variables.len() * (model.variables.len() - 1) / 2;
    let ng = groups.len();
    let n_total: f64 = groups.iter().map(|g| g.n).sum();
    let n_stat = q * ng;
    let df = n_stat.saturating_sub(wls.dim);
    let chisq = sol.fmin;
    let mut chisq_b = 0.0;
    let mut srmr_sum = 0.0;
    let mut implied = Vec::new();
    for (g, (data, w)) in wls.groups.iter().enumerate() {
        let wr = w.matvec(&data.r);
        chisq_b += data.r.iter().zip(&wr).map(|(a, b)| a * b).sum::<f64>();
        let (sig, _) = model
            .implied(&thetas[g])
            .unwrap_or((Mat::identity(1), vec![]));
        let rho = vechs(&sig);
        srmr_sum += (data
            .r
            .iter()
            .zip(&rho)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            / q as f64)
            .sqrt();
        implied.push(sig.to_rows());
    }
    let df_b = n_stat;
    let dff = df as f64;
    let (rl, ru) = rmsea_ci(chisq, dff, n_total, 1.0);
    let fit = Stage2Fit {
        ntotal: n_total,
        chisq,
        df,
        pvalue: (df > 0).then(|| pchisq_upper(chisq, dff)),
        n_constraints: model.endogenous.len() * ng,
        baseline_chisq: chisq_b,
        baseline_df: df_b,
        rmsea: rmsea(chisq, dff, n_total, 1.0),
        rmsea_ci_lower: rl,
        rmsea_ci_upper: ru,
        srmr: srmr_sum / ng as f64,
        tli: (df > 0).then(|| tli(chisq, dff, chisq_b, df_b as f64)),
        cfi: cfi(chisq, dff, chisq_b, df_b as f64),
        aic: chisq - 2.0 * dff,
        bic: chisq - n_total.ln() * dff,
    };
    (fit, implied)
}

/// The name of each free parameter of the global vector: its label or `lhs op rhs`, with
/// `.g<group>` when groups do not share it.
fn vcov_labels(wls: &Wls, model: &PathModel, ng: usize, sharing: Sharing) -> Vec<String> {
    (0..wls.dim)
        .map(|i| {
            let (g, k) = wls
                .map
                .iter()
                .enumerate()
                .find_map(|(g, m)| m.iter().position(|&j| j == i).map(|k| (g, k)))
                .unwrap_or((0, 0));
            let p = &model.params[k];
            let base = p
                .label
                .clone()
                .unwrap_or(format!("{}{}{}", p.lhs, p.op, p.rhs));
            if ng > 1 && !(sharing == Sharing::Paths && p.is_path) {
                format!("{base}.g{}", g + 1)
            } else {
                base
            }
        })
        .collect()
}

/// Fits the path model to one or several groups (subgroups share parameters by `sharing`).
pub fn fit_stage2(
    model: &PathModel,
    groups: &[GroupData],
    opts: Stage2Options,
) -> Result<Stage2, MetaError> {
    let q = model.variables.len() * (model.variables.len() - 1) / 2;
    for g in groups {
        if g.r.len() != q || g.acov.rows != q {
            return Err(MetaError::new(
                "stage 2: the pooled matrix does not match the model's variables",
            ));
        }
    }
    let wls = Wls::new(model, groups, opts.sharing)?;
    let best = estimate(&wls, model);
    let mut warnings: Vec<String> = model.notes.clone();
    if !best.converged {
        warnings.push(format!(
            "stage 2 did not converge (largest gradient {:.2e})",
            best.max_abs_gradient
        ));
    }
    let h = hessian(&wls, &best.x);
    let (vcov_red, singular) = match spd_inverse(&h) {
        Some((inv, _)) => (inv.scale(2.0), false),
        None => (symmetric_pinv(&h).scale(2.0), true),
    };
    if singular {
        warnings.push("the Hessian of stage 2 is singular: the model may not be identified".into());
    }
    let sol = Solution {
        model,
        wls: &wls,
        x: best.x.clone(),
        fmin: best.value,
        h,
        lb_ci: opts.lb_ci,
    };
    let ng = groups.len();
    let np = model.params.len();
    // per group: local estimates, psi, full-parameter vcov (theta_local, psi)
    let mut locals = Vec::new();
    let mut full_vcov: Vec<Mat> = Vec::new();
    for g in 0..ng {
        let (t, psi, v_full) = group_solution(&sol, groups, g, &vcov_red, opts.se)?;
        locals.push((t, psi));
        full_vcov.push(v_full);
    }
    // the reduced vcov in the Constrained convention (for single group): read from v_full
    let vcov_global = if opts.se == SeType::Constrained && ng == 1 {
        full_vcov[0].select(&(0..np).collect::<Vec<_>>(), &(0..np).collect::<Vec<_>>())
    } else {
        vcov_red.clone()
    };
    let parameters = parameter_rows(&sol, &locals, &full_vcov);
    let thetas: Vec<Vec<f64>> = locals.into_iter().map(|(t, _)| t).collect();
    let (fit, implied) = stage2_fit(&sol, groups, &thetas);
    Ok(Stage2 {
        parameters,
        fit,
        implied,
        vcov_labels: vcov_labels(&wls, model, ng, opts.sharing),
        vcov: vcov_global.to_rows(),
        se_type: opts.se,
        converged: best.converged,
        iterations: best.iterations,
        warnings,
        theta: sol.x,
    })
}

/// Pooled data of one group from a stage-1 result.
pub fn group_from_stage1(pooled: &[f64], acov: &[Vec<f64>], n: f64) -> GroupData {
    GroupData {
        r: pooled.to_vec(),
        acov: Mat::from_rows(acov),
        n,
    }
}
