//! Observed sample moments per group: covariance with divisor N, means, N.
//!
//! lavaan's `likelihood = "normal"` uses divisor N; summary statistics given with divisor
//! N − 1 are rescaled by (N − 1)/N (`sample.cov.rescale`).

use crate::linalg;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::Serialize;

/// Sample moments of one group.
#[derive(Debug, Clone, Serialize)]
pub struct Moments {
    pub nobs: usize,
    /// Covariance matrix with divisor N.
    pub cov: Array2<f64>,
    pub mean: Array1<f64>,
    /// log|S|; `None` when S is not positive definite.
    pub logdet: Option<f64>,
}

impl Moments {
    /// Moments of complete rows (`data` is N × p without missing values).
    pub fn from_complete(data: ArrayView2<f64>) -> Moments {
        let n = data.nrows();
        let mean = data
            .mean_axis(Axis(0))
            .unwrap_or_else(|| Array1::zeros(data.ncols()));
        let centred = &data - &mean;
        let cov = centred.t().dot(&centred) / n as f64;
        Moments::new(n, cov, mean)
    }

    /// Moments from summary statistics; `cov` has divisor N (rescale beforehand if needed).
    pub fn new(nobs: usize, cov: Array2<f64>, mean: Array1<f64>) -> Moments {
        let logdet = linalg::spd_inverse(cov.view()).map(|(_, ld)| ld);
        Moments {
            nobs,
            cov,
            mean,
            logdet,
        }
    }
}

/// Moments (divisor N) of the listed rows of `values` on the columns `cols`; a row may be
/// listed more than once (a bootstrap resample). `None` when there are no more rows than
/// columns. Two passes: the mean, then the cross-products of the centred rows.
pub fn moments_of(values: &Array2<f64>, rows: &[usize], cols: &[usize]) -> Option<Moments> {
    let p = cols.len();
    let n = rows.len();
    if n <= p {
        return None;
    }
    let mut mean = Array1::<f64>::zeros(p);
    for &r in rows {
        for (j, &c) in cols.iter().enumerate() {
            mean[j] += values[[r, c]];
        }
    }
    mean /= n as f64;
    let mut cov = Array2::<f64>::zeros((p, p));
    let mut d = vec![0.0; p];
    for &r in rows {
        for (j, &c) in cols.iter().enumerate() {
            d[j] = values[[r, c]] - mean[j];
        }
        for i in 0..p {
            for j in 0..=i {
                cov[[i, j]] += d[i] * d[j];
            }
        }
    }
    for i in 0..p {
        for j in 0..=i {
            let v = cov[[i, j]] / n as f64;
            cov[[i, j]] = v;
            cov[[j, i]] = v;
        }
    }
    Some(Moments::new(n, cov, mean))
}

/// The sample value of a fixed.x moment in group `g`: the covariance of variables i and j,
/// or (`j = None`) the mean of i (for [`crate::specify::Model::ram_for`]).
pub fn fixed_x_value(moments: &[Moments], g: usize, i: usize, j: Option<usize>) -> f64 {
    match j {
        Some(j) => moments[g].cov[[i, j]],
        None => moments[g].mean[i],
    }
}
