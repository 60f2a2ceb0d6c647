//! The stage-2 parameter table: per group and row of the model, the estimate with its
//! standard error (the covariance matrix of (θ_g, ψ_g); delta method for `:=` rows), Wald
//! interval and likelihood-based interval (the extremum of the row's value on
//! {F = F(θ̂) + χ²₁(.95)}, [`profile_bound`]).

use super::model::{PathModel, Row, RowKind};
use super::wls::Wls;
use crate::meta::mat::Mat;
use crate::meta::optim::{numeric_gradient, profile_bound, Objective};
use crate::stats::{pnorm, qchisq};
use serde::Serialize;

/// One row of the stage-2 parameter table.
#[derive(Debug, Clone, Serialize)]
pub struct ParamRow {
    pub lhs: String,
    pub op: String,
    pub rhs: String,
    pub group: usize,
    pub label: String,
    /// free, fixed, computed (error variance), defined
    pub kind: String,
    pub est: f64,
    pub se: Option<f64>,
    pub z: Option<f64>,
    pub pvalue: Option<f64>,
    pub wald_lower: Option<f64>,
    pub wald_upper: Option<f64>,
    /// likelihood-based interval
    pub ci_lower: Option<f64>,
    pub ci_upper: Option<f64>,
}

/// A likelihood-based interval (lower, upper); `None` where not found.
type Bounds = (Option<f64>, Option<f64>);

/// The WLS solution: the model, its objective, the estimates x̂ (global vector), F(x̂) and the
/// Hessian there.
pub(super) struct Solution<'a> {
    pub model: &'a PathModel,
    pub wls: &'a Wls<'a>,
    pub x: Vec<f64>,
    pub fmin: f64,
    pub h: Mat,
    /// Compute likelihood-based intervals.
    pub lb_ci: bool,
}

impl Solution<'_> {
    /// The likelihood-based interval of g(x) (gradient `gg`).
    fn bounds(&self, g: &dyn Fn(&[f64]) -> f64, gg: &dyn Fn(&[f64]) -> Vec<f64>) -> Bounds {
        let qcrit = qchisq(0.95, 1.0);
        lb_pair(self.wls, &self.x, self.fmin, qcrit, g, gg, &self.h)
    }

    /// Kind, estimate, standard error and likelihood-based interval of one row in group `g`
    /// (θ_g `t`, ψ_g `psi`, their covariance matrix `vf`). The interval of a free parameter is
    /// computed once per global parameter (`seen`).
    fn row_values(
        &self,
        g: usize,
        row: &Row,
        (t, psi): (&[f64], &[f64]),
        vf: &Mat,
        seen: &mut [Option<Bounds>],
    ) -> (&'static str, f64, Option<f64>, Option<Bounds>) {
        let (model, wls) = (self.model, self.wls);
        let np = model.params.len();
        let ne = model.endogenous.len();
        match &row.kind {
            RowKind::Param(k) => {
                let v = vf[(*k, *k)];
                let gi = wls.map[g][*k];
                let ci = if self.lb_ci {
                    if let Some(c) = seen[gi] {
                        Some(c)
                    } else {
                        let gf = |y: &[f64]| y[gi];
                        let ggf = |y: &[f64]| {
                            let mut v = vec![0.0; y.len()];
                            v[gi] = 1.0;
                            v
                        };
                        let c = self.bounds(&gf, &ggf);
                        seen[gi] = Some(c);
                        Some(c)
                    }
                } else {
                    None
                };
                ("free", t[*k], (v > 0.0).then(|| v.sqrt()), ci)
            }
            RowKind::Fixed(v) => ("fixed", *v, None, None),
            RowKind::UnitVar => ("fixed", 1.0, None, None),
            RowKind::ErrorVar(e) => {
                let v = vf[(np + e, np + e)];
                let ci = if self.lb_ci {
                    let e = *e;
                    let gf = |y: &[f64]| {
                        model
                            .implied(&wls.local(g, y))
                            .map_or(f64::NAN, |(_, p)| p[e])
                    };
                    let ggf = |y: &[f64]| numeric_gradient(&gf, y);
                    Some(self.bounds(&gf, &ggf))
                } else {
                    None
                };
                ("computed", psi[*e], (v > 0.0).then(|| v.sqrt()), ci)
            }
            RowKind::Defined(d) => {
                let d = *d;
                let est = model.defined_value(d, t, psi);
                // delta method on (theta_local, psi)
                let f = |y: &[f64]| {
                    let (a, b) = y.split_at(np);
                    model.defined_value(d, a, b)
                };
                let mut y = t.to_vec();
                y.extend_from_slice(psi);
                let gr = numeric_gradient(&f, &y);
                let mut v = 0.0;
                for i in 0..np + ne {
                    for j in 0..np + ne {
                        v += gr[i] * vf[(i, j)] * gr[j];
                    }
                }
                let ci = if self.lb_ci {
                    let gf = |yy: &[f64]| {
                        let tl = wls.local(g, yy);
                        match model.implied(&tl) {
                            Some((_, p)) => model.defined_value(d, &tl, &p),
                            None => f64::NAN,
                        }
                    };
                    let ggf = |yy: &[f64]| numeric_gradient(&gf, yy);
                    Some(self.bounds(&gf, &ggf))
                } else {
                    None
                };
                ("defined", est, (v > 0.0).then(|| v.sqrt()), ci)
            }
        }
    }
}

/// Every row of the model in every group (`locals`: θ_g and ψ_g; `full_vcov`: their
/// covariance matrices). Fixed rows have SE 0 and the interval [est, est]; z and p are Wald's.
pub(super) fn parameter_rows(
    sol: &Solution,
    locals: &[(Vec<f64>, Vec<f64>)],
    full_vcov: &[Mat],
) -> Vec<ParamRow> {
    let zc = 1.959963984540054;
    let mut rows_out = Vec::new();
    let mut seen_global: Vec<Option<Bounds>> = vec![None; sol.wls.dim];
    for (g, (t, psi)) in locals.iter().enumerate() {
        let vf = &full_vcov[g];
        for row in &sol.model.rows {
            let (kind, est, se, ci) = sol.row_values(g, row, (t, psi), vf, &mut seen_global);
            let z = se.map(|s| est / s);
            let (ci_lower, ci_upper) = match (kind, ci) {
                ("fixed", _) => (Some(est), Some(est)),
                (_, Some((l, u))) => (l, u),
                _ => (None, None),
            };
            rows_out.push(ParamRow {
                lhs: row.lhs.clone(),
                op: row.op.clone(),
                rhs: row.rhs.clone(),
                group: g + 1,
                label: row.label.clone(),
                kind: kind.into(),
                est,
                se: if kind == "fixed" { Some(0.0) } else { se },
                z,
                pvalue: z.map(|z| 2.0 * (1.0 - pnorm(z.abs()))),
                wald_lower: se.map(|s| est - zc * s),
                wald_upper: se.map(|s| est + zc * s),
                ci_lower,
                ci_upper,
            });
        }
    }
    rows_out
}

/// The lower and upper likelihood-based bounds of g ([`profile_bound`]); `None` where the
/// search does not converge.
fn lb_pair(
    obj: &dyn Objective,
    x: &[f64],
    fmin: f64,
    qcrit: f64,
    g: &dyn Fn(&[f64]) -> f64,
    gg: &dyn Fn(&[f64]) -> Vec<f64>,
    h: &Mat,
) -> (Option<f64>, Option<f64>) {
    let lo = profile_bound(obj, x, fmin, qcrit, g, gg, h, false);
    let hi = profile_bound(obj, x, fmin, qcrit, g, gg, h, true);
    (
        lo.converged.then_some(lo.value),
        hi.converged.then_some(hi.value),
    )
}
