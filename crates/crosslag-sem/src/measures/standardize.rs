//! Standardized solutions (lavaan `lav_standardize_lv`, `lav_standardize_all`).
//!
//! Uses the model-implied variances of all variables (`E = B S Bᵀ`). With `sd_v` the implied
//! standard deviation and `ψ_v` the (residual) variance parameter:
//! * `std.lv`: latent variables scaled to unit variance, observed variables untouched;
//! * `std.all`: all variables scaled; residual covariances become residual correlations
//!   `ψ_ab / √(ψ_aa ψ_bb)` (lavaan's `cov.std = TRUE`);
//! * `std.nox`: as `std.all` but exogenous covariates (`fixed.x`) keep their scale.

use crate::specify::partable::{Op, ParRow};
use ndarray::{Array1, Array2};

/// Which standardization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Lv,
    All,
    NoX,
}

/// Standardize one row. `sd[v]` implied SDs of all variables, `resvar` the diagonal of S
/// (residual variances), `is_lv[v]`, `is_x[v]` flags, `index` maps names to positions.
#[allow(clippy::too_many_arguments)]
pub fn row_value(
    kind: Kind,
    row: &ParRow,
    est: f64,
    sd: &Array1<f64>,
    s: &Array2<f64>,
    is_lv: &[bool],
    is_x: &[bool],
    index: &dyn Fn(&str) -> usize,
) -> f64 {
    let scale = |v: usize| -> f64 {
        match kind {
            Kind::Lv => {
                if is_lv[v] {
                    sd[v]
                } else {
                    1.0
                }
            }
            Kind::All => sd[v],
            Kind::NoX => {
                if is_x[v] {
                    1.0
                } else {
                    sd[v]
                }
            }
        }
    };
    match row.op {
        Op::Loading => {
            let (f, x) = (index(&row.lhs), index(&row.rhs));
            est * scale(f) / scale(x)
        }
        Op::Regression => {
            // an outcome is always scaled under std.all and std.nox (a covariate only keeps
            // its scale as a predictor)
            let (y, x) = (index(&row.lhs), index(&row.rhs));
            let sy = if kind == Kind::NoX { sd[y] } else { scale(y) };
            est * scale(x) / sy
        }
        Op::Covariance => {
            let (a, b) = (index(&row.lhs), index(&row.rhs));
            if a == b {
                let sc = scale(a);
                est / (sc * sc)
            } else {
                // residual correlation when both are standardized
                let ra = s[[a, a]];
                let rb = s[[b, b]];
                let sa = scale(a);
                let sb = scale(b);
                // whether a variable is rescaled by this standardization (not whether its
                // SD happens to differ from 1: a latent variable of implied variance exactly 1
                // is still standardized, issue #11 item 6)
                let standardized = |v: usize| match kind {
                    Kind::Lv => is_lv[v],
                    Kind::All => true,
                    Kind::NoX => !is_x[v],
                };
                let (a_std, b_std) = (standardized(a), standardized(b));
                let da = if a_std { ra.abs().sqrt() } else { 1.0 };
                let db = if b_std { rb.abs().sqrt() } else { 1.0 };
                if kind == Kind::Lv && !(is_lv[a] && is_lv[b]) {
                    // lavaan scales lv–ov covariances by the latent SD only
                    est / (sa * sb)
                } else {
                    est / (da * db)
                }
            }
        }
        Op::Intercept => {
            let v = index(&row.lhs);
            est / scale(v)
        }
        Op::Defined => est,
    }
}
