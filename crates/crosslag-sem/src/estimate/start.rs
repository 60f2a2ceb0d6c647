//! Starting values.
//!
//! lavaan's simple rules (`lav_start`): observed residual variances ½·s², intercepts the
//! sample means, regressions and covariances 0, loadings 1. Latent (residual) variances get
//! half of their first indicator's variance shared among the latent variables that load on
//! it — a better scale than lavaan's 0.05 when variables differ by a factor of 1000, which is
//! common in panels (ratings next to standard scores).

use crate::implied::Implied;
use crate::linalg;
use crate::observe::moments::Moments;
use crate::specify::partable::{Op, ParTable};
use crate::specify::ram::{RamModel, Slot};
use ndarray::{Array1, Array2};

/// Which rules give the starting values of latent variances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartStyle {
    /// Half the first indicator's variance, shared among the latent variables loading on it.
    Scaled,
    /// lavaan's default rules: latent variances 0.05, or `s² − v` for a single-indicator
    /// exogenous latent variable whose indicator has residual variance `v` fixed; latent
    /// means 0.
    Lavaan,
}

/// θ at the start (one value per free row).
pub fn start_values(pt: &ParTable, moments: &[Moments], style: StartStyle) -> Vec<f64> {
    let mut theta = vec![0.0; pt.nfree];
    let ov = |name: &str| pt.ov_names.iter().position(|v| v == name);
    for r in &pt.rows {
        if r.free == 0 {
            continue;
        }
        let mom = &moments[r.group];
        let value = if let Some(s) = r.ustart {
            s
        } else {
            match r.op {
                Op::Loading => 1.0,
                Op::Regression => 0.0,
                Op::Intercept => match ov(&r.lhs) {
                    Some(i) => mom.mean[i],
                    None => 0.0,
                },
                Op::Covariance if r.lhs == r.rhs => match ov(&r.lhs) {
                    Some(i) => 0.5 * mom.cov[[i, i]],
                    None => match style {
                        StartStyle::Scaled => latent_variance(pt, &r.lhs, r.group, mom),
                        StartStyle::Lavaan => lavaan_latent_variance(pt, &r.lhs, r.group, mom),
                    },
                },
                _ => 0.0,
            }
        };
        theta[r.free - 1] = value;
    }
    if style == StartStyle::Scaled {
        latent_means(pt, moments, &mut theta);
    }
    theta
}

/// With [`StartStyle::Scaled`], free latent means (growth factors, latent means of later groups) start at the least-squares
/// solution of `ȳ ≈ μ(θ)` with the other starting values held, `μ = G m`: without this a
/// growth model whose observed intercepts are fixed at 0 would start with μ = 0.
fn latent_means(pt: &ParTable, moments: &[Moments], theta: &mut [f64]) {
    if !pt.meanstructure {
        return;
    }
    let ram = RamModel::from_partable(pt);
    let p = ram.nov;
    let mut mats = ram.fixed.clone();
    ram.fill(theta, &mut mats);
    for (g, mom) in moments.iter().enumerate() {
        let free: Vec<(usize, usize)> = ram
            .free
            .iter()
            .enumerate()
            .filter_map(|(k, &(gk, slot))| match slot {
                Slot::M(i) if gk == g && i >= p => Some((k, i)),
                _ => None,
            })
            .collect();
        if free.is_empty() {
            continue;
        }
        let mut imp = Implied::new(p, ram.nvar());
        if !imp.compute(&mats[g]) {
            continue;
        }
        let resid: Array1<f64> = &mom.mean - &imp.mu;
        let gmat = imp.g();
        let x = Array2::from_shape_fn((p, free.len()), |(r, c)| gmat[[r, free[c].1]]);
        let mut xtx = x.t().dot(&x);
        for d in 0..free.len() {
            xtx[[d, d]] += 1e-8;
        }
        if let Some((inv, _)) = linalg::spd_inverse(xtx.view()) {
            let b = inv.dot(&x.t().dot(&resid));
            for (c, &(k, _)) in free.iter().enumerate() {
                theta[k] += b[c];
            }
        }
    }
}

/// lavaan: 0.05, except a single-indicator latent variable that is exogenous (not the lhs
/// of a regression): `s² − v`, v the indicator's fixed residual variance (1 if none), ≥ 0.05.
fn lavaan_latent_variance(pt: &ParTable, lv: &str, group: usize, mom: &Moments) -> f64 {
    let loadings: Vec<_> = pt
        .rows
        .iter()
        .filter(|r| r.group == group && r.op == Op::Loading && r.lhs == lv)
        .collect();
    let endogenous = pt
        .rows
        .iter()
        .any(|r| r.group == group && r.op == Op::Regression && r.lhs == lv);
    if loadings.len() == 1 && !endogenous {
        if let Some(i) = pt.ov_names.iter().position(|v| *v == loadings[0].rhs) {
            let v = pt
                .rows
                .iter()
                .find(|r| {
                    r.group == group
                        && r.op == Op::Covariance
                        && r.lhs == loadings[0].rhs
                        && r.rhs == loadings[0].rhs
                        && r.free == 0
                })
                .and_then(|r| r.ustart)
                .unwrap_or(1.0);
            return (mom.cov[[i, i]] - v).max(0.05);
        }
    }
    0.05
}

/// Half the variance of the first observed indicator reachable from `lv`, shared among the
/// latent variables loading on that indicator; 0.05 when there is none.
fn latent_variance(pt: &ParTable, lv: &str, group: usize, mom: &Moments) -> f64 {
    let mut current = lv.to_string();
    for _ in 0..8 {
        let first = pt
            .rows
            .iter()
            .find(|r| r.group == group && r.op == Op::Loading && r.lhs == current);
        let Some(first) = first else { break };
        if let Some(i) = pt.ov_names.iter().position(|v| *v == first.rhs) {
            let sharing = pt
                .rows
                .iter()
                .filter(|r| r.group == group && r.op == Op::Loading && r.rhs == first.rhs)
                .count()
                .max(1);
            let lambda = first.ustart.unwrap_or(1.0);
            let lambda2 = if lambda.abs() > 1e-8 {
                lambda * lambda
            } else {
                1.0
            };
            return (0.5 * mom.cov[[i, i]] / sharing as f64 / lambda2).max(0.05);
        }
        current = first.rhs.clone();
    }
    0.05
}
